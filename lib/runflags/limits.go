package runflags

import (
	"runtime"
	"strconv"
	"strings"

	"github.com/docker/go-units"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/run"
)

// Resource limits and the log: --memory, --cpus, --ulimit, --log-opt.

// ParseMemory parses --memory: a size with an optional unit (b, k, m, g).
func ParseMemory(s string) (int64, error) {
	n, err := units.RAMInBytes(s)
	if err != nil || n <= 0 {
		return 0, errdefs.Usagef("invalid size %q: want a positive size such as 512m", s)
	}
	return n, nil
}

// ParseCPUs parses --cpus into a CFS quota for a 100ms period.
func ParseCPUs(s string) (int64, error) {
	f, err := strconv.ParseFloat(s, 64)
	// (NaN fails every comparison: it is caught by the first.)
	if err != nil || !(f >= 0.01) || f > float64(runtime.NumCPU()) {
		return 0, errdefs.Usagef("invalid CPU count %q: want 0.01 to %d (this host's CPUs)", s, runtime.NumCPU())
	}
	return int64(f * 100000), nil
}

// ParseUlimit parses --ulimit NAME=SOFT[:HARD].
func ParseUlimit(s string) (run.Ulimit, error) {
	name, vals, ok := strings.Cut(s, "=")
	if !ok {
		return run.Ulimit{}, errdefs.Usagef("invalid ulimit %q: want NAME=SOFT[:HARD]", s)
	}
	softS, hardS, hasHard := strings.Cut(vals, ":")
	soft, err := strconv.ParseUint(softS, 10, 64)
	if err != nil {
		return run.Ulimit{}, errdefs.Usagef("invalid ulimit %q", s)
	}
	hard := soft
	if hasHard {
		if hard, err = strconv.ParseUint(hardS, 10, 64); err != nil {
			return run.Ulimit{}, errdefs.Usagef("invalid ulimit %q", s)
		}
	}
	if soft > hard {
		return run.Ulimit{}, errdefs.Usagef("invalid ulimit %q: soft above hard", s)
	}
	return run.Ulimit{Name: "RLIMIT_" + strings.ToUpper(name), Soft: soft, Hard: hard}, nil
}

// MaxLogFiles bounds max-file: each rotation renames every kept file, so
// a huge count makes the monitor spin while the container waits on it
// (podman's and conmon's callers keep a handful).
const MaxLogFiles = 100

// LogLimits are what --log-opt asks of the log; 0 where not given.
type LogLimits struct {
	SizeMax  int64 // max-size: bytes
	MaxFiles int   // max-file: files kept, the current one included
}

// ParseLogOpts parses the --log-opt values, each max-size=SIZE (the log
// is truncated, or rotated with max-file, when it would pass SIZE) or
// max-file=N (files kept, the current one included), as docker's; of two
// of a key, the later wins.
func ParseLogOpts(opts []string) (LogLimits, error) {
	var l LogLimits
	for _, s := range opts {
		if err := l.parse(s); err != nil {
			return LogLimits{}, err
		}
	}
	return l, nil
}

// parse sets the limit one --log-opt gives.
func (l *LogLimits) parse(s string) error {
	key, val, _ := strings.Cut(s, "=")
	switch key {
	case "max-size":
		n, err := units.RAMInBytes(val)
		if err != nil || n < 8192 {
			return errdefs.Usagef("invalid log option %q: want a size of at least 8k", s)
		}
		l.SizeMax = n
	case "max-file":
		n, err := strconv.Atoi(val)
		if err != nil || n < 1 || n > MaxLogFiles {
			return errdefs.Usagef("invalid log option %q: want a count from 1 to %d", s, MaxLogFiles)
		}
		l.MaxFiles = n
	default:
		return errdefs.Usagef("unsupported log option %q: want max-size=SIZE or max-file=N", s)
	}
	return nil
}
