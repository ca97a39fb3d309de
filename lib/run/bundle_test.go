package run

import (
	"slices"
	"testing"

	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
)

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
