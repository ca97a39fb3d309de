package runflags

import (
	"errors"
	"slices"
	"testing"

	"github.com/ctr-project/ctr/lib/errdefs"
)

func TestParseMounts(t *testing.T) {
	m, err := ParseVolume("/src:/dst:ro")
	if err != nil || m.Type != "bind" || m.Source != "/src" || m.Target != "/dst" || !m.ReadOnly {
		t.Errorf("volume: %+v %v", m, err)
	}
	m, err = ParseMount("type=tmpfs,dst=/t,tmpfs-size=1m")
	if err != nil || m.Type != "tmpfs" || m.Target != "/t" || !slices.Contains(m.Options, "size=1m") {
		t.Errorf("mount: %+v %v", m, err)
	}
	for _, bad := range []string{"src", "rel:/dst", "/src:rel", "/a:/b:rx"} {
		if _, err := ParseVolume(bad); !errors.Is(err, errdefs.ErrUsage) {
			t.Errorf("ParseVolume(%q): %v", bad, err)
		}
	}
	if _, err := ParseMount("type=volume,dst=/x"); !errors.Is(err, errdefs.ErrUsage) {
		t.Errorf("volume mounts are not supported: %v", err)
	}
}
