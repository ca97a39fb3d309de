package run

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// Start runs a container that is not running again, detached under a
// monitor as "ctr-run -d" does, with the OCI config it was created with
// (from the persistent copy when the run root lost its bundle, as after a
// reboot). A running container is left as it is.
func (m *Manager) Start(ctx context.Context, ref string) (Container, error) {
	c, err := m.Get(ctx, ref)
	if err != nil {
		return c, err
	}
	if c.Status == StatusRunning {
		return c, nil
	}
	// The last run's monitor may still run its clean-up (which unmounts
	// the rootfs): it goes first, or it would unmount this run's.
	waitMonitor(c.Bundle, c.ID, 30*time.Second)
	b := m.bundle(c)
	b.mounted = false
	if err := b.restore(); err != nil {
		return c, fail(ExitRunFailure, "%s cannot start again: its configuration is gone: %v", c.Name, err)
	}
	spec, err := bundleSpec(b.dir)
	if err != nil {
		return c, err
	}
	if podID := spec.Annotations[annotPod]; podID != "" {
		if err := m.startInPod(ctx, c, podID, spec); err != nil {
			return c, err
		}
	}
	// From here the start changes things (mount, network, the runtime's
	// state): it finishes whatever ends ctx (a CRI client that gave up, a
	// ^C), as Remove and Cleanup do, rather than stop half-way.
	ctx = context.WithoutCancel(ctx)
	rootfs, err := m.Store.Mount(c.ID, "")
	if err != nil {
		return c, fmt.Errorf("mounting %s: %w", c.Name, err)
	}
	b.mounted = true
	spec.Root.Path = rootfs
	st, err := b.reattach(ctx, m, spec)
	if err != nil {
		b.unmount()
		return c, err
	}
	defer st.ReleasePorts() // the monitor holds them once it runs
	if err := b.write(spec); err != nil {
		return c, err
	}
	// What the runtime kept of the last run goes (a container never
	// started has none); so does its exit.
	if c.inRuntime {
		if err := forceDelete(ctx, m.Runtime, m.StateDir, c.ID); err != nil {
			return c, err
		}
	}
	if err := b.markStarted(m.StateDir); err != nil {
		return c, err
	}
	o := &launch{Manager: m, netState: st, Request: &Request{
		TTY: spec.Process != nil && spec.Process.Terminal, Interactive: spec.Annotations[annotStdin] == "true",
	}}
	if spec.Linux != nil {
		o.CgroupManager = cgroupManagerOf(spec.Linux.CgroupsPath)
		o.CgroupParent = systemdSliceOf(spec.Linux.CgroupsPath)
	}
	o.LogSizeMax, _ = strconv.ParseInt(spec.Annotations[annotLogSizeMax], 10, 64)
	o.LogMaxFiles, _ = strconv.Atoi(spec.Annotations[annotLogMaxFiles])
	o.LogPath = spec.Annotations[AnnotLogPath]
	if err := startDetached(o, b, nil); err != nil {
		_ = b.detachNetwork(ctx, m)
		b.unmount()
		return c, err
	}
	return m.Get(ctx, c.ID)
}
