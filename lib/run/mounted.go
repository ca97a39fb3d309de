package run

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// RunMounted runs req.Args (the image's entrypoint is not used) in the
// storage container id, whose rootfs is mounted at rootfs, with ctr-run's
// defaults and cfg's environment, user and working directory, in the
// foreground, and returns its exit status. The container is neither
// created nor removed: it is a build's working container, and this is
// one of its RUN steps.
func (m *Manager) RunMounted(ctx context.Context, req Request, id, rootfs string, cfg *imgspecv1.Image) (int, error) {
	none := ""
	req.Entrypoint = &none
	if req.KillAfter == 0 {
		// An interrupted build stops its step: SIGTERM, then SIGKILL.
		req.KillAfter = 10 * time.Second
	}
	l := &launch{Manager: m, Request: &req}
	b := &bundle{store: m.Store, id: id, dir: filepath.Join(m.StateDir, id)}
	defer os.RemoveAll(b.dir)
	// The step's network (a bridge by default, as podman build's): made
	// for it and released after it.
	if err := l.setupNetwork(ctx, b, nil); err != nil {
		return -1, err
	}
	defer func() { _ = b.detachNetwork(context.WithoutCancel(ctx), m) }()
	spec, err := b.prepare(rootfs, cfg, l, id)
	if err != nil {
		return -1, err
	}
	if err := b.write(spec); err != nil {
		return -1, err
	}
	return runRuntime(l, b)
}

// StopStep ends a RUN step still running in the working container id (a
// build's): its processes are killed and the runtime forgets it. Nothing
// running: nothing to do.
func (m *Manager) StopStep(ctx context.Context, id string) error {
	if err := forceDelete(ctx, m.Runtime, m.StateDir, id); err != nil {
		return fmt.Errorf("stopping the step running in %s: %w", id, err)
	}
	// A step whose ctr-build was killed left its network attached.
	b := &bundle{id: id, dir: filepath.Join(m.StateDir, id)}
	if _, err := os.Stat(b.netFile()); err != nil {
		return nil //nolint:nilerr // no step ran, or its ctr-build cleaned up
	}
	if err := b.detachNetwork(ctx, m); err != nil {
		return fmt.Errorf("releasing the network of the step in %s: %w", id, err)
	}
	return nil
}
