package runflags

import (
	"errors"
	"testing"

	"github.com/ctr-project/ctr/lib/errdefs"
)

func TestParseLimits(t *testing.T) {
	if n, err := ParseMemory("64m"); err != nil || n != 64<<20 {
		t.Errorf("memory: %d %v", n, err)
	}
	for _, bad := range []string{"lots", "-1", "0"} {
		if _, err := ParseMemory(bad); !errors.Is(err, errdefs.ErrUsage) {
			t.Errorf("ParseMemory(%q): %v", bad, err)
		}
	}
	if q, err := ParseCPUs("1.5"); err != nil || q != 150000 {
		t.Errorf("cpus: %d %v", q, err)
	}
	u, err := ParseUlimit("nofile=10:20")
	if err != nil || u.Name != "RLIMIT_NOFILE" || u.Soft != 10 || u.Hard != 20 {
		t.Errorf("ulimit: %+v %v", u, err)
	}
	if _, err := ParseUlimit("nofile=20:10"); err == nil {
		t.Error("soft above hard must fail")
	}
}

// --log-opt: sizes from 8k, counts from 1 to MaxLogFiles, the later of a
// key wins, and nothing given is nothing asked.
func TestParseLogOpts(t *testing.T) {
	for _, c := range []struct {
		in   []string
		want LogLimits
	}{
		{nil, LogLimits{}},
		{[]string{"max-size=8k"}, LogLimits{SizeMax: 8192}},
		{[]string{"max-size=2m", "max-file=30"}, LogLimits{SizeMax: 2 << 20, MaxFiles: 30}},
		{[]string{"max-file=1", "max-file=100"}, LogLimits{MaxFiles: 100}},
		{[]string{"max-size=1m", "max-size=64k"}, LogLimits{SizeMax: 64 << 10}},
	} {
		if got, err := ParseLogOpts(c.in); err != nil || got != c.want {
			t.Errorf("ParseLogOpts(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
	for _, bad := range [][]string{{"max-size=8191"}, {"max-size=lots"}, {"max-file=0"}, {"max-file=101"},
		{"max-file=x"}, {"mode=non-blocking"}, {"max-size"}, {"max-size=1m", "max-file=100000000"}} {
		if got, err := ParseLogOpts(bad); !errors.Is(err, errdefs.ErrUsage) || got != (LogLimits{}) {
			t.Errorf("ParseLogOpts(%q) = %+v, %v; want a usage error", bad, got, err)
		}
	}
}
