package oci

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestCheckCapabilities(t *testing.T) {
	for _, tc := range []struct {
		caps *specs.LinuxCapabilities
		ok   bool
	}{
		{nil, true},
		{&specs.LinuxCapabilities{Bounding: []string{"CAP_CHOWN", "CAP_SYS_ADMIN"}, Ambient: []string{"CAP_KILL"}}, true},
		// Known to the library even where this kernel lacks it.
		{&specs.LinuxCapabilities{Permitted: []string{"CAP_CHECKPOINT_RESTORE"}}, true},
		{&specs.LinuxCapabilities{Bounding: []string{"CAP_CHOWN", "CAP_TEST"}}, false},
		{&specs.LinuxCapabilities{Effective: []string{"CHOWN"}}, false},
		{&specs.LinuxCapabilities{Inheritable: []string{""}}, false},
		// libcontainer matches names exactly: a lower-case one would be dropped.
		{&specs.LinuxCapabilities{Ambient: []string{"cap_kill"}}, false},
	} {
		err := checkCapabilities(tc.caps)
		if (err == nil) != tc.ok {
			t.Errorf("checkCapabilities(%+v) = %v, want ok=%v", tc.caps, err, tc.ok)
		}
	}
}
