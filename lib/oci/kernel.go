package oci

import (
	"github.com/opencontainers/cgroups/devices/config"
	"github.com/opencontainers/runc/libcontainer/configs"
)

// asTheKernelDoes drops from cfg what the kernel would ignore anyway but
// libcontainer 1.5 refuses outright, so that a config runc 1.1 and the
// runtime spec accept runs here too:
//   - filesystem options (mode=, size=…) on a bind mount: mount(2) with
//     MS_BIND ignores its data argument;
//   - major:minor numbers on a fifo: mknod(2) ignores them for S_IFIFO, and
//     libcontainer then finds 0:0 and fails its own check.
func (r *Runtime) asTheKernelDoes(cfg *configs.Config) {
	for _, m := range cfg.Mounts {
		if m.IsBind() && m.Data != "" {
			r.warnf("bind mount %s: ignoring filesystem options %q (a bind mount takes none)", m.Destination, m.Data)
			m.Data = ""
		}
	}
	for _, d := range cfg.Devices {
		if d.Type == config.FifoDevice && (d.Major != 0 || d.Minor != 0) {
			d.Major, d.Minor = 0, 0
		}
	}
}

func (r *Runtime) warnf(format string, args ...any) {
	if r.Warnf != nil {
		r.Warnf(format, args...)
	}
}
