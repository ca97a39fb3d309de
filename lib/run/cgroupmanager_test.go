package run

import (
	"cmp"
	"errors"
	"testing"

	"github.com/ctr-project/ctr/lib/errdefs"
)

func TestCgroupsPathPerManager(t *testing.T) {
	for _, c := range []struct{ manager, parent, want string }{
		{SystemdManager, "", "machine.slice:ctr:ID"},
		{SystemdManager, "app.slice", "app.slice:ctr:ID"},
		{CgroupfsManager, "", ""},
		{"", "/ctr-pods/P", "/ctr-pods/P/ID"},
		{CgroupfsManager, "/mine/", "/mine/ID"},
	} {
		got := cgroupsPath(c.manager, c.parent, "ID")
		if got != c.want {
			t.Errorf("cgroupsPath(%q, %q) = %q, want %q", c.manager, c.parent, got, c.want)
		}
		// A bundle says which manager made it (ctr-run start needs it).
		if want := cmp.Or(c.manager, CgroupfsManager); got != "" && cgroupManagerOf(got) != want {
			t.Errorf("cgroupManagerOf(%q) = %q, want %q", got, cgroupManagerOf(got), want)
		}
	}
}

func TestCheckCgroupManagerRefusesTheOtherManagersParent(t *testing.T) {
	for _, c := range []struct {
		manager, parent string
		ok              bool
	}{
		{SystemdManager, "", true}, {SystemdManager, "kubepods-pod1.slice", true},
		{SystemdManager, "/kubepods/pod1", false}, {SystemdManager, "a.slice:x", false}, {SystemdManager, "a/b.slice", false},
		{CgroupfsManager, "/kubepods/pod1", true}, {"", "", true},
		{CgroupfsManager, "kubepods-pod1.slice", false}, {CgroupfsManager, "/a/../b", false},
		{"upstart", "", false},
	} {
		err := CheckCgroupManager(c.manager, c.parent)
		// Where systemd is not init, asking for it is refused whatever
		// the parent.
		c.ok = c.ok && (c.manager != SystemdManager || DefaultCgroupManager() == SystemdManager)
		if (err == nil) != c.ok || (err != nil && !errors.Is(err, errdefs.ErrUsage)) {
			t.Errorf("CheckCgroupManager(%q, %q) = %v, want ok=%v (a usage error if not)", c.manager, c.parent, err, c.ok)
		}
	}
}
