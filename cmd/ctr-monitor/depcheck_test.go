package main

import (
	"testing"

	"github.com/ctr-project/ctr/internal/depcheck"
)

// TestMonitorStaysLean: ctr-monitor lives as long as its container, and
// its resident memory is mostly the binary's pages (conmon uses ~2 MB). So
// besides libcontainer and containers/image it leaves out the CLI library
// and the big standard packages (fmt, encoding/json, net, text/template,
// regexp): 2.1 MB instead of 4.4 MB of binary.
func TestMonitorStaysLean(t *testing.T) {
	depcheck.Forbid(t, ".", "", "github.com/opencontainers/runc", "go.podman.io/", "github.com/containers/",
		"github.com/urfave/", "fmt", "encoding/json", "net", "text/template", "regexp")
}
