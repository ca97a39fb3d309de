package main

import (
	"testing"

	"github.com/ctr-project/ctr/internal/depcheck"
)

// TestMonitorStaysLean: ctr-monitor lives as long as its container; what it
// links is resident memory for every container (conmon uses ~2 MB).
func TestMonitorStaysLean(t *testing.T) {
	depcheck.Forbid(t, ".", "urfave_cli_no_docs", "github.com/opencontainers/runc", "go.podman.io/", "github.com/containers/")
}
