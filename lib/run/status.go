package run

// Status is where a container is in its life: Container.Status and
// PodMember.Status, "status" in ps and inspect's JSON.
type Status string

// A container's statuses. Creating and created are the runtime's own
// words (runtime-spec's states); any other state of the runtime's is
// exited, as is a container whose exit was recorded.
const (
	StatusCreating Status = "creating" // the runtime is making it
	StatusCreated  Status = "created"  // made; its process waits to start
	StatusRunning  Status = "running"
	StatusExited   Status = "exited"
)
