package main

import (
	"testing"

	"github.com/ctr-project/ctr/internal/depcheck"
)

// TestRuntimeStaysLean: this binary is every container's init, so what it
// links is paid at each start and charged to the container's memory.
func TestRuntimeStaysLean(t *testing.T) {
	depcheck.Forbid(t, ".", "seccomp urfave_cli_no_docs", "go.podman.io/", "github.com/containers/",
		"github.com/moby/buildkit", "github.com/ctr-project/ctr/lib/image")
}
