package oci

import (
	"fmt"
	"testing"

	"github.com/opencontainers/cgroups/devices/config"
	"github.com/opencontainers/runc/libcontainer/configs"
	"golang.org/x/sys/unix"
)

func TestAsTheKernelDoes(t *testing.T) {
	var warned []string
	r := &Runtime{Warnf: func(f string, a ...any) { warned = append(warned, fmt.Sprintf(f, a...)) }}
	bind := &configs.Mount{Source: "/etc", Destination: "/mnt", Device: "bind", Flags: unix.MS_BIND | unix.MS_REC, Data: "mode=755,size=1k"}
	tmpfs := &configs.Mount{Source: "tmpfs", Destination: "/tmp", Device: "tmpfs", Data: "mode=755,size=1k"}
	fifo := &config.Device{Rule: config.Rule{Type: config.FifoDevice, Major: 8, Minor: 666}, Path: "/dev/p"}
	char := &config.Device{Rule: config.Rule{Type: config.CharDevice, Major: 1, Minor: 3}, Path: "/dev/null"}
	cfg := &configs.Config{Mounts: []*configs.Mount{bind, tmpfs}, Devices: []*config.Device{fifo, char}}

	r.asTheKernelDoes(cfg)

	if bind.Data != "" || len(warned) != 1 {
		t.Errorf("bind mount data %q, warnings %q: want the data dropped with one warning", bind.Data, warned)
	}
	if tmpfs.Data != "mode=755,size=1k" {
		t.Errorf("tmpfs data changed to %q", tmpfs.Data)
	}
	if fifo.Major != 0 || fifo.Minor != 0 {
		t.Errorf("fifo %d:%d, want 0:0", fifo.Major, fifo.Minor)
	}
	if char.Major != 1 || char.Minor != 3 {
		t.Errorf("char device changed to %d:%d", char.Major, char.Minor)
	}
}
