package rlimit

import (
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// Every Linux resource limit has exactly one name, and the kernel knows
// each number.
func TestResources(t *testing.T) {
	seen := map[int]string{}
	for name, r := range Resources {
		if !strings.HasPrefix(name, "RLIMIT_") || strings.ToUpper(name) != name {
			t.Errorf("%q: not an RLIMIT_ name as the runtime spec writes it", name)
		}
		if other, dup := seen[r]; dup {
			t.Errorf("%s and %s are both resource %d", name, other, r)
		}
		seen[r] = name
		var lim unix.Rlimit
		if err := unix.Getrlimit(r, &lim); err != nil {
			t.Errorf("%s (%d): the kernel does not know it: %v", name, r, err)
		}
	}
	// Linux has 16 (RLIMIT_NLIMITS).
	if len(seen) != 16 {
		t.Errorf("%d resources, want the 16 Linux has", len(seen))
	}
	if Resources["RLIMIT_NOFILE"] != unix.RLIMIT_NOFILE || Resources["RLIMIT_AS"] != unix.RLIMIT_AS {
		t.Error("RLIMIT_NOFILE or RLIMIT_AS maps to the wrong resource")
	}
}
