package run

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/storage"
)

// RunMounted runs o.Args (the image's entrypoint is not used) in the
// storage container id, whose rootfs is mounted at rootfs, with ctr-run's
// defaults and cfg's environment, user and working directory, in the
// foreground, and returns its exit status. The container is neither
// created nor removed: it is a build's working container, and this is
// one of its RUN steps.
func RunMounted(store storage.Store, o Options, id, rootfs string, cfg *imgspecv1.Image) (int, error) {
	none := ""
	o.Entrypoint = &none
	if o.KillAfter == 0 {
		// An interrupted build stops its step: SIGTERM, then SIGKILL.
		o.KillAfter = 10 * time.Second
	}
	b := &bundle{store: store, id: id, dir: filepath.Join(o.StateDir, id)}
	defer os.RemoveAll(b.dir)
	// The step's network (a bridge by default, as podman build's): made
	// for it and released after it.
	m := &Manager{Store: store, Runtime: o.Runtime, StateDir: o.StateDir, Networks: o.networks()}
	if err := setupNetwork(context.Background(), m, b, &o, nil); err != nil {
		return -1, err
	}
	defer func() { _ = b.detachNetwork(context.Background(), m) }()
	spec, err := b.prepare(rootfs, cfg, &o, id)
	if err != nil {
		return -1, err
	}
	if err := b.write(spec); err != nil {
		return -1, err
	}
	return runRuntime(&o, b)
}

// StopStep ends a RUN step still running in the working container id (a
// build's, whose state the runtime keeps under stateDir): its processes
// are killed and the runtime forgets it. Nothing running: nothing to do.
func StopStep(runtime, stateDir, id string) error {
	if err := forceDelete(runtime, stateDir, id); err != nil {
		return fmt.Errorf("stopping the step running in %s: %w", id, err)
	}
	// A step whose ctr-build was killed left its network attached.
	b := &bundle{id: id, dir: filepath.Join(stateDir, id)}
	if _, err := os.Stat(b.netFile()); err != nil {
		return nil //nolint:nilerr // no step ran, or its ctr-build cleaned up
	}
	if err := b.detachNetwork(context.Background(), &Manager{StateDir: stateDir}); err != nil {
		return fmt.Errorf("releasing the network of the step in %s: %w", id, err)
	}
	return nil
}
