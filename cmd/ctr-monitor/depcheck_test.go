package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestMonitorStaysLean: ctr-monitor lives as long as its container; it
// links neither libcontainer nor containers/image or storage.
func TestMonitorStaysLean(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"github.com/opencontainers/runc", "go.podman.io/", "github.com/containers/"} {
			if strings.HasPrefix(dep, banned) {
				t.Errorf("ctr-monitor links %s", dep)
			}
		}
	}
}
