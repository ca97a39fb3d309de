package run

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Why a persistent directory: the run root is a tmpfs. What a user asks
// about a container after a reboot (its exit status and when, its log, its
// name) and what starting it again needs (its OCI config and the files
// bound into it) is kept under the storage root as well, as podman keeps
// them there (monitor.PersistDir). The bundle in the run root stays the
// runtime's working copy.

// bundleFiles are the bundle's files a container needs to start again.
var bundleFiles = []string{"config.json", "hosts", "hostname", "resolv.conf"}

// persistOf is container id's persistent directory under dir ("" for none).
func persistOf(dir, id string) string {
	if dir == "" {
		return ""
	}
	return filepath.Join(dir, id)
}

// keep records the name and copies the bundle's files into the persistent
// directory.
func (b *bundle) keep(name string) error {
	if err := os.WriteFile(filepath.Join(b.dir, "name"), []byte(name+"\n"), 0o644); err != nil {
		return err
	}
	if b.persist == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Join(b.persist, "bundle"), 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(b.persist, "name"), []byte(name+"\n"), 0o644); err != nil {
		return err
	}
	return copyFiles(b.dir, filepath.Join(b.persist, "bundle"))
}

// restore makes the bundle again from the persistent copy, when the run
// root lost it.
func (b *bundle) restore() error {
	if _, err := os.Stat(filepath.Join(b.dir, "config.json")); err == nil || b.persist == "" {
		return err
	}
	if err := os.MkdirAll(b.dir, 0o700); err != nil {
		return err
	}
	if err := copyFiles(filepath.Join(b.persist, "bundle"), b.dir); err != nil {
		return err
	}
	name, err := os.ReadFile(filepath.Join(b.persist, "name"))
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(b.dir, "name"), name, 0o644)
}

// markStarted forgets the exit of an earlier run and notes that this one
// started (so a container whose run root was lost with it reads as
// exited, its status unknown, not as never started).
func (b *bundle) markStarted(stateDir string) error {
	for _, p := range []string{exitPath(stateDir, b.id), exitPath(stateDir, b.id) + ".oom", filepath.Join(b.dir, "oom")} {
		_ = os.Remove(p)
	}
	if b.persist == "" {
		return nil
	}
	if err := os.MkdirAll(b.persist, 0o700); err != nil {
		return err
	}
	for _, f := range []string{"exit", "oom"} {
		if err := os.Remove(filepath.Join(b.persist, f)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return os.WriteFile(filepath.Join(b.persist, "started"), []byte(time.Now().UTC().Format(time.RFC3339Nano)+"\n"), 0o644)
}

func copyFiles(from, to string) error {
	for _, f := range bundleFiles {
		data, err := os.ReadFile(filepath.Join(from, f))
		if errors.Is(err, fs.ErrNotExist) && f != "config.json" {
			continue
		}
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(to, f), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

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
		_ = b.detachNetwork(context.WithoutCancel(ctx), m)
		b.unmount()
		return c, err
	}
	return m.Get(ctx, c.ID)
}
