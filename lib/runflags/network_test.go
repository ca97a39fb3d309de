package runflags

import (
	"errors"
	"testing"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/run"
)

func TestParseAddHost(t *testing.T) {
	for in, want := range map[string]run.HostEntry{
		"db:10.0.0.1":    {Name: "db", IP: "10.0.0.1"},
		"v6:fd00::1":     {Name: "v6", IP: "fd00::1"},
		"v6b:[fd00::2]":  {Name: "v6b", IP: "fd00::2"},
		"db_1.x:1.2.3.4": {Name: "db_1.x", IP: "1.2.3.4"},
		"héte:1.2.3.4":   {Name: "héte", IP: "1.2.3.4"},
	} {
		if got, err := ParseAddHost(in); err != nil || got != want {
			t.Errorf("ParseAddHost(%q) = %+v, %v", in, got, err)
		}
	}
	// podman 4.3 takes any name; a blank or control character would give
	// /etc/hosts fields or lines of the user's.
	for _, bad := range []string{"db", ":10.0.0.1", "db:host-gateway", "db:10.0.0", "db\vevil:10.0.0.1", "db\n10.6.6.6 evil:10.0.0.1",
		"db evil:10.0.0.1", "db\tevil:10.0.0.1", "db\x7f:10.0.0.1", "db\u0085:10.0.0.1", "db\u2028:10.0.0.1", "db\xff:10.0.0.1"} {
		if _, err := ParseAddHost(bad); !errors.Is(err, errdefs.ErrUsage) {
			t.Errorf("ParseAddHost(%q): %v, want a usage error", bad, err)
		}
	}
}
