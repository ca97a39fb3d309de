package run

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"

	units "github.com/docker/go-units"

	"github.com/ctr-project/ctr/lib/errdefs"
)

// Mount is a bind or tmpfs mount requested with -v, --mount or --tmpfs.
type Mount struct {
	Type     string // bind or tmpfs
	Source   string // bind only: a host path
	Target   string
	ReadOnly bool
	Options  []string // extra mount options (tmpfs size=…, mode=…)
}

// ParseVolume parses -v SRC:DST[:ro|rw]. SRC must be an absolute host path.
func ParseVolume(s string) (Mount, error) {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return Mount{}, errdefs.Usagef("invalid volume %q: want SRC:DST[:ro]", s)
	}
	m := Mount{Type: "bind", Source: parts[0], Target: parts[1]}
	if len(parts) == 3 {
		for _, o := range strings.Split(parts[2], ",") {
			switch o {
			case "ro":
				m.ReadOnly = true
			case "rw", "z", "Z":
			default:
				return Mount{}, errdefs.Usagef("invalid volume option %q in %q", o, s)
			}
		}
	}
	return m, m.check()
}

// ParseMount parses --mount type=bind|tmpfs,src=…,dst=…[,ro][,tmpfs-size=…][,tmpfs-mode=…].
func ParseMount(s string) (Mount, error) {
	var m Mount
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
			return Mount{}, errdefs.Usagef("invalid mount option %q", kv)
		}
	}
	if m.Type != "bind" && m.Type != "tmpfs" {
		return Mount{}, errdefs.Usagef("mount type %q: want bind or tmpfs", m.Type)
	}
	return m, m.check()
}

// ParseTmpfs parses --tmpfs DST[:OPTIONS].
func ParseTmpfs(s string) (Mount, error) {
	dst, opts, _ := strings.Cut(s, ":")
	m := Mount{Type: "tmpfs", Target: dst}
	if opts != "" {
		m.Options = strings.Split(opts, ",")
	}
	return m, m.check()
}

func (m Mount) check() error {
	if !filepath.IsAbs(m.Target) {
		return errdefs.Usagef("mount destination %q must be an absolute path", m.Target)
	}
	if m.Type == "bind" && !filepath.IsAbs(m.Source) {
		return errdefs.Usagef("bind mount source %q must be an absolute path", m.Source)
	}
	return nil
}

// ParseMemory parses --memory: a size with an optional unit (b, k, m, g).
func ParseMemory(s string) (int64, error) {
	n, err := units.RAMInBytes(s)
	if err != nil || n <= 0 {
		return 0, errdefs.Usagef("invalid size %q: want a positive size such as 512m", s)
	}
	return n, nil
}

// ParseLogOpt parses one --log-opt into o: max-size=SIZE (the log is
// truncated, or rotated with max-file, when it would pass SIZE) and
// max-file=N (files kept, the current one included), as docker's.
func ParseLogOpt(o *Options, s string) error {
	key, val, _ := strings.Cut(s, "=")
	switch key {
	case "max-size":
		n, err := units.RAMInBytes(val)
		if err != nil || n < 8192 {
			return errdefs.Usagef("invalid log option %q: want a size of at least 8k", s)
		}
		o.LogSizeMax = n
	case "max-file":
		n, err := strconv.Atoi(val)
		if err != nil || n < 1 {
			return errdefs.Usagef("invalid log option %q: want a count of at least 1", s)
		}
		o.LogMaxFiles = n
	default:
		return errdefs.Usagef("unsupported log option %q: want max-size=SIZE or max-file=N", s)
	}
	return nil
}

// ParseCPUs parses --cpus into a CFS quota for a 100ms period.
func ParseCPUs(s string) (int64, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 {
		return 0, errdefs.Usagef("invalid CPU count %q: want a positive number", s)
	}
	return int64(f * 100000), nil
}

// Ulimit is one --ulimit.
type Ulimit struct {
	Name       string // RLIMIT_NOFILE…
	Soft, Hard uint64
}

// ParseUlimit parses --ulimit NAME=SOFT[:HARD].
func ParseUlimit(s string) (Ulimit, error) {
	name, vals, ok := strings.Cut(s, "=")
	if !ok {
		return Ulimit{}, errdefs.Usagef("invalid ulimit %q: want NAME=SOFT[:HARD]", s)
	}
	softS, hardS, hasHard := strings.Cut(vals, ":")
	soft, err := strconv.ParseUint(softS, 10, 64)
	if err != nil {
		return Ulimit{}, errdefs.Usagef("invalid ulimit %q", s)
	}
	hard := soft
	if hasHard {
		if hard, err = strconv.ParseUint(hardS, 10, 64); err != nil {
			return Ulimit{}, errdefs.Usagef("invalid ulimit %q", s)
		}
	}
	if soft > hard {
		return Ulimit{}, errdefs.Usagef("invalid ulimit %q: soft above hard", s)
	}
	return Ulimit{Name: "RLIMIT_" + strings.ToUpper(name), Soft: soft, Hard: hard}, nil
}

// ParseEnvFile reads KEY=VALUE lines (a bare KEY takes the value from the
// environment), skipping blanks and # comments.
func ParseEnvFile(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, errdefs.Usagef("env file: %v", err)
	}
	var out []string
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if k, _, ok := strings.Cut(line, "="); ok {
			if k == "" {
				return nil, errdefs.Usagef("env file %s:%d: empty variable name", path, i+1)
			}
			out = append(out, line)
			continue
		}
		if v, ok := os.LookupEnv(line); ok {
			out = append(out, line+"="+v)
		}
	}
	return out, nil
}

// expandEnv resolves -e NAME (no =) from the caller's environment.
func expandEnv(env []string) []string {
	var out []string
	for _, e := range env {
		if strings.Contains(e, "=") {
			out = append(out, e)
		} else if v, ok := os.LookupEnv(e); ok {
			out = append(out, e+"="+v)
		}
	}
	return out
}

// mergeEnv applies later entries over earlier ones, by name.
func mergeEnv(lists ...[]string) []string {
	idx := map[string]int{}
	var out []string
	for _, l := range lists {
		for _, e := range l {
			k, _, _ := strings.Cut(e, "=")
			if i, ok := idx[k]; ok {
				out[i] = e
				continue
			}
			idx[k] = len(out)
			out = append(out, e)
		}
	}
	return out
}

func fmtCaps(caps []string) []string {
	out := make([]string, 0, len(caps))
	for _, c := range caps {
		c = strings.ToUpper(c)
		if !strings.HasPrefix(c, "CAP_") {
			c = "CAP_" + c
		}
		out = append(out, c)
	}
	return out
}
