package run

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/ctr-project/ctr/lib/monitor"
)

// Spec is the OCI spec a container was created with (from its
// persistent copy when the run root lost the bundle).
func (m *Manager) Spec(ctx context.Context, ref string) (*specs.Spec, error) {
	c, err := m.Get(ctx, ref)
	if err != nil {
		return nil, err
	}
	spec, err := bundleSpec(c.Bundle)
	if err != nil && m.PersistDir != "" {
		spec, err = bundleSpec(filepath.Join(persistOf(m.PersistDir, c.ID), "bundle"))
	}
	return spec, err
}

// UpdateResources changes a container's limits: the runtime applies r to
// a running container at once, and r (with oomScoreAdj, which only a new
// process takes) goes into its config for later starts.
func (m *Manager) UpdateResources(ctx context.Context, ref string, r *specs.LinuxResources, oomScoreAdj *int) error {
	c, err := m.Get(ctx, ref)
	if err != nil {
		return err
	}
	b := m.bundle(c)
	if err := b.restore(); err != nil {
		return fmt.Errorf("%s: its configuration is gone: %w", c.Name, err)
	}
	spec, err := bundleSpec(b.dir)
	if err != nil {
		return err
	}
	if c.Status == StatusRunning {
		data, err := json.Marshal(r)
		if err != nil {
			return err
		}
		cmd := m.runtime(ctx, "update", "--resources", "-", c.ID)
		cmd.Stdin = bytes.NewReader(data)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("updating %s: %s", c.Name, strings.TrimSpace(string(out)))
		}
	}
	if spec.Linux.Resources == nil {
		spec.Linux.Resources = &specs.LinuxResources{}
	}
	MergeResources(spec.Linux.Resources, r)
	if oomScoreAdj != nil {
		spec.Process.OOMScoreAdj = oomScoreAdj
	}
	if err := b.write(spec); err != nil {
		return err
	}
	if b.persist == "" {
		return nil
	}
	return copyFiles(b.dir, filepath.Join(b.persist, "bundle"))
}

// MergeResources sets on dst what src sets (CPU and memory field by
// field; huge pages and unified as a whole).
func MergeResources(dst, src *specs.LinuxResources) {
	if src.CPU != nil {
		if dst.CPU == nil {
			dst.CPU = &specs.LinuxCPU{}
		}
		c := dst.CPU
		if src.CPU.Shares != nil {
			c.Shares = src.CPU.Shares
		}
		if src.CPU.Quota != nil {
			c.Quota = src.CPU.Quota
		}
		if src.CPU.Period != nil {
			c.Period = src.CPU.Period
		}
		if src.CPU.Cpus != "" {
			c.Cpus = src.CPU.Cpus
		}
		if src.CPU.Mems != "" {
			c.Mems = src.CPU.Mems
		}
	}
	if src.Memory != nil {
		if dst.Memory == nil {
			dst.Memory = &specs.LinuxMemory{}
		}
		if src.Memory.Limit != nil {
			dst.Memory.Limit = src.Memory.Limit
		}
		if src.Memory.Swap != nil {
			dst.Memory.Swap = src.Memory.Swap
		}
	}
	if len(src.HugepageLimits) > 0 {
		dst.HugepageLimits = src.HugepageLimits
	}
	if len(src.Unified) > 0 {
		dst.Unified = src.Unified
	}
}

// ReopenLog has a running container's monitor reopen its log, through
// its control FIFO (conmon's message 2).
func (m *Manager) ReopenLog(ctx context.Context, ref string) error {
	c, err := m.Get(ctx, ref)
	if err != nil {
		return err
	}
	err = monitor.SendCtl(c.Bundle, 2, 0, 0)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, unix.ENXIO) {
		return fail(ExitRunFailure, "%s has no monitor to reopen its log", c.Name)
	}
	if err != nil {
		return err
	}
	// The monitor reopens the log after the message: the caller (the
	// kubelet, which renamed the old file) finds the new one when this
	// returns.
	path := c.LogPath
	if spec, serr := m.Spec(ctx, c.ID); serr == nil && spec.Annotations[AnnotLogPath] != "" {
		path = spec.Annotations[AnnotLogPath]
	}
	if path == "" {
		return nil
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if _, err := os.Stat(path); err == nil {
			return nil
		}
	}
	return fail(ExitRunFailure, "the monitor of %s did not reopen its log %s within 5 s", c.Name, path)
}
