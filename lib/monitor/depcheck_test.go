package monitor

import (
	"os/exec"
	"strings"
	"testing"
)

// TestMonitorStaysLean: a monitor lives as long as its container; what it
// links is resident memory for every container (conmon uses ~2 MB).
func TestMonitorStaysLean(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"github.com/opencontainers/runc", "go.podman.io/", "github.com/urfave/cli"} {
			if strings.HasPrefix(dep, banned) {
				t.Errorf("lib/monitor links %s", dep)
			}
		}
	}
}
