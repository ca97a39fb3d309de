package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestRuntimeStaysLean: this binary is every container's init, so what it
// links is paid at each start and charged to the container's memory.
func TestRuntimeStaysLean(t *testing.T) {
	out, err := exec.Command("go", "list", "-tags", "seccomp", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"go.podman.io/", "github.com/containers/", "github.com/moby/buildkit", "github.com/ctr-project/ctr/lib/image"} {
			if strings.HasPrefix(dep, banned) {
				t.Errorf("ctr-runtime links %s", dep)
			}
		}
	}
}
