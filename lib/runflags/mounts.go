package runflags

import (
	"path/filepath"
	"strings"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/run"
)

// The mounts a container asks for: -v, --mount, --tmpfs.

// ParseVolume parses -v SRC:DST[:ro|rw]. SRC must be an absolute host path.
func ParseVolume(s string) (run.Mount, error) {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return run.Mount{}, errdefs.Usagef("invalid volume %q: want SRC:DST[:ro]", s)
	}
	m := run.Mount{Type: "bind", Source: parts[0], Target: parts[1]}
	if len(parts) == 3 {
		for _, o := range strings.Split(parts[2], ",") {
			switch o {
			case "ro":
				m.ReadOnly = true
			case "rw", "z", "Z":
			default:
				return run.Mount{}, errdefs.Usagef("invalid volume option %q in %q", o, s)
			}
		}
	}
	return m, checkMount(m)
}

// ParseMount parses --mount type=bind|tmpfs,src=…,dst=…[,ro][,tmpfs-size=…][,tmpfs-mode=…].
func ParseMount(s string) (run.Mount, error) {
	var m run.Mount
	for _, kv := range strings.Split(s, ",") {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "type":
			m.Type = v
		case "src", "source":
			m.Source = v
		case "dst", "destination", "target":
			m.Target = v
		case "ro", "readonly":
			m.ReadOnly = v == "" || v == "true"
		case "tmpfs-size":
			m.Options = append(m.Options, "size="+v)
		case "tmpfs-mode":
			m.Options = append(m.Options, "mode="+v)
		default:
			return run.Mount{}, errdefs.Usagef("invalid mount option %q", kv)
		}
	}
	if m.Type != "bind" && m.Type != "tmpfs" {
		return run.Mount{}, errdefs.Usagef("mount type %q: want bind or tmpfs", m.Type)
	}
	return m, checkMount(m)
}

// ParseTmpfs parses --tmpfs DST[:OPTIONS].
func ParseTmpfs(s string) (run.Mount, error) {
	dst, opts, _ := strings.Cut(s, ":")
	m := run.Mount{Type: "tmpfs", Target: dst}
	if opts != "" {
		m.Options = strings.Split(opts, ",")
	}
	return m, checkMount(m)
}

// checkMount wants the target absolute, and a bind's source.
func checkMount(m run.Mount) error {
	if !filepath.IsAbs(m.Target) {
		return errdefs.Usagef("mount destination %q must be an absolute path", m.Target)
	}
	if m.Type == "bind" && !filepath.IsAbs(m.Source) {
		return errdefs.Usagef("bind mount source %q must be an absolute path", m.Source)
	}
	return nil
}
