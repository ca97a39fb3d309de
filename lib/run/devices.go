package run

// Device is one --device: a host device node made in the container.
type Device struct {
	Host, Container string
	Perms           string // cgroup access: some of r, w, m
}
