package run

// Ulimit is one --ulimit.
type Ulimit struct {
	Name       string // RLIMIT_NOFILE…
	Soft, Hard uint64
}
