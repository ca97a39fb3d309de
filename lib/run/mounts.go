package run

// Mount is a bind or tmpfs mount requested with -v, --mount or --tmpfs.
type Mount struct {
	Type     string // bind or tmpfs
	Source   string // bind only: a host path
	Target   string
	ReadOnly bool
	Options  []string // extra mount options (tmpfs size=…, mode=…)
}
