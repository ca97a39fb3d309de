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
