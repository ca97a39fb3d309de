package run

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
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
