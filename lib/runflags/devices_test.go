package runflags

import (
	"errors"
	"testing"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/run"
)

func TestParseDevice(t *testing.T) {
	for in, want := range map[string]run.Device{
		"/dev/fuse":              {Host: "/dev/fuse", Container: "/dev/fuse", Perms: "rwm"},
		"/dev/fuse:r":            {Host: "/dev/fuse", Container: "/dev/fuse", Perms: "r"},
		"/dev/sdc:/dev/xvdc":     {Host: "/dev/sdc", Container: "/dev/xvdc", Perms: "rwm"},
		"/dev/sdc:/dev/xvdc:rw":  {Host: "/dev/sdc", Container: "/dev/xvdc", Perms: "rw"},
		"/dev/rwm:/dev/other:m":  {Host: "/dev/rwm", Container: "/dev/other", Perms: "m"},
		"/dev/zero:/dev/z:rwm":   {Host: "/dev/zero", Container: "/dev/z", Perms: "rwm"},
		"/dev/zero:/dev/zero:wr": {Host: "/dev/zero", Container: "/dev/zero", Perms: "wr"},
	} {
		got, err := ParseDevice(in)
		if err != nil || got != want {
			t.Errorf("ParseDevice(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"dev/zero", "/dev/zero:z", "/dev/zero:/dev/z:rx", "/dev/zero:/dev/z:rwmm", "/a:/b:r:w"} {
		if _, err := ParseDevice(bad); !errors.Is(err, errdefs.ErrUsage) {
			t.Errorf("ParseDevice(%q): %v, want a usage error", bad, err)
		}
	}
}
