package run

import (
	"errors"
	"slices"
	"testing"

	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"

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

func TestEnvAndCommand(t *testing.T) {
	env := mergeEnv([]string{"PATH=/bin", "A=1"}, []string{"A=2", "B=3"})
	if !slices.Equal(env, []string{"PATH=/bin", "A=2", "B=3"}) {
		t.Errorf("mergeEnv: %v", env)
	}
	cfg := &imgspecv1.Image{Config: imgspecv1.ImageConfig{Entrypoint: []string{"/entry"}, Cmd: []string{"default"}}}
	if got := commandArgs(cfg, &Request{}); !slices.Equal(got, []string{"/entry", "default"}) {
		t.Errorf("image command: %v", got)
	}
	if got := commandArgs(cfg, &Request{Args: []string{"x"}}); !slices.Equal(got, []string{"/entry", "x"}) {
		t.Errorf("args replace Cmd: %v", got)
	}
	empty := ""
	if got := commandArgs(cfg, &Request{Entrypoint: &empty, Args: []string{"sh"}}); !slices.Equal(got, []string{"sh"}) {
		t.Errorf("--entrypoint '' clears it: %v", got)
	}
}

func TestRlimitsAreClampedToTheHost(t *testing.T) {
	for _, r := range rlimits(nil) {
		if r.Soft > r.Hard {
			t.Errorf("%s: soft %d above hard %d", r.Type, r.Soft, r.Hard)
		}
	}
}

func TestHostPathOfABoundFile(t *testing.T) {
	mounts := []Mount{{Type: "bind", Source: "/usr/bin/env", Target: "/tool"}, {Type: "bind", Source: "/usr", Target: "/u"}}
	for p, want := range map[string]string{"/tool": "/usr/bin/env", "/u/bin/env": "/usr/bin/env", "/u": "/usr"} {
		if got, known := hostPath("/rootfs", p, mounts); got != want || !known {
			t.Errorf("hostPath(%s) = %q, %v; want %q", p, got, known, want)
		}
	}
}
