// Package run runs images from local storage as containers, as podman
// run does, and manages them and their pods afterwards: a storage
// container (a read-write layer over the image), mounted, described by an
// OCI bundle, run by ctr-runtime under ctr-monitor (or alone, for a
// build's RUN step). It follows podman's defaults for security and
// resources.
//
// A Manager is the world the containers live in (the store, the runtime
// and monitor, the state directories, the networks); a Request is what
// one run asks for. Where things are: run.go runs a request (launch is
// one run in flight), monitored.go starts a container under its monitor,
// start.go starts one again, lifecycle.go lists, stops and removes,
// exec.go runs a command in one, netsetup.go and networkusers.go attach
// networks, pod*.go make pods, bundle.go, spec.go and etcfiles.go write
// the bundle, persist.go keeps what outlives a reboot.
package run

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"go.podman.io/storage"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/exit"
	"github.com/ctr-project/ctr/lib/lookup"
	"github.com/ctr-project/ctr/lib/network"
	"github.com/ctr-project/ctr/lib/storedimage"
	ctrtypes "github.com/ctr-project/ctr/lib/types"
)

// Exit codes of ctr-run's own failures, as podman run's.
const (
	ExitRunFailure      = 125
	ExitCannotExecute   = 126
	ExitCommandNotFound = 127
)

// fail makes an error of ctr-run's own, with the exit code it ends the
// program with (125, or 126/127 for a command that cannot run).
func fail(code int, format string, args ...any) error {
	return exit.WithCode(code, fmt.Errorf(format, args...))
}

// launch is one run in flight: the Manager's world, the request, and what
// the run learns as it goes, which the container's spec is made from.
type launch struct {
	*Manager
	*Request

	// The network namespace to join ("": a new one, or the host's) and
	// the attachment, if any; the container's host name once chosen.
	netns    string
	netState *network.State
	hostname string
	// In a pod: the pod; infra for its infra container; the infra's
	// network namespace (for container:INFRA), the other namespaces to
	// join (by type), the infra's /etc files to use (by path in the
	// container), the pod's /dev/shm.
	pod      *Pod
	infra    bool
	podNetns string
	nsPaths  map[specs.LinuxNamespaceType]string
	podFiles map[string]string
	shm      string
}

// Run runs the container req asks for. In the foreground it returns the
// container's exit status; with Detach (or CreateOnly) it returns once
// the container runs under the monitor (or is made), which records its
// output and exit and cleans up through the Manager's CleanupCommand. The
// container's ID is given to started once it starts.
func (m *Manager) Run(ctx context.Context, req Request, started func(id string)) (int, error) {
	return m.run(ctx, &launch{Manager: m, Request: &req}, started)
}

// run runs l: what fails leaves nothing of the container; a foreground
// container is cleaned up (and with Remove removed) once it has exited.
func (m *Manager) run(ctx context.Context, l *launch, started func(id string)) (int, error) {
	if err := checkInput(l.Request); err != nil {
		return -1, err
	}
	if l.Pod != "" {
		if err := l.joinPod(ctx); err != nil {
			return -1, err
		}
	}
	img, err := findOrPull(ctx, m.Store, l.Request)
	if err != nil {
		return -1, err
	}
	cfg, err := storedimage.Config(m.Store, img.ID)
	if err != nil {
		return -1, err
	}
	b, err := l.create(img, cfg)
	if err != nil {
		return -1, err
	}
	status, kept, err := l.start(ctx, b, cfg, func() { started(b.id) })
	switch {
	case err != nil:
		l.undo(context.WithoutCancel(ctx), b)
	case !kept:
		err = l.finish(context.WithoutCancel(ctx), b)
	}
	return status, err
}

// create makes the storage container (and the ID file first: one that
// exists already stops the run before anything is made) and names its
// bundle.
func (l *launch) create(img *storage.Image, cfg *imgspecv1.Image) (*bundle, error) {
	id := NewID()
	l.Name = cmp.Or(l.Name, "ctr-"+id[:12])
	cmeta := ctrtypes.ContainerMeta{Schema: ctrtypes.ContainerSchema, Image: img.ID, ImageName: l.Image,
		Command: commandArgs(cfg, l.Request), Created: time.Now().UTC(), Infra: l.infra, Labels: withOwn(l.Labels, l.OwnLabels)}
	if l.pod != nil {
		cmeta.Pod = l.pod.ID
		if l.infra && l.pod.shares("ipc") {
			l.shm = podShmOf(l.StateDir, l.pod.ID)
		}
	}
	meta, _ := json.Marshal(cmeta)
	if l.CIDFile != "" {
		if err := writeNew(l.CIDFile, id+"\n"); err != nil {
			return nil, err
		}
	}
	c, err := l.Store.CreateContainer(id, []string{l.Name}, img.ID, "", string(meta), nil)
	if err != nil {
		removeCIDFile(l.CIDFile)
		if errors.Is(err, storage.ErrDuplicateName) {
			return nil, errdefs.Usagef("the name %q is already in use", l.Name)
		}
		return nil, fmt.Errorf("creating the container: %w", err)
	}
	return &bundle{store: l.Store, id: c.ID, dir: filepath.Join(l.StateDir, c.ID), persist: persistOf(l.PersistDir, c.ID)}, nil
}

// start gives the container its network and bundle and starts it the way
// the request asks: made only, detached, supervised in the foreground, or
// run by the runtime in the foreground. kept says the container lives on
// (under its monitor, or made to start later); the foreground's have
// exited when it returns.
func (l *launch) start(ctx context.Context, b *bundle, cfg *imgspecv1.Image, started func()) (status int, kept bool, err error) {
	// The network is attached (its plugins take most of the start) while
	// the rootfs is mounted.
	startNet := l.startNetwork
	if l.CreateOnly {
		startNet = l.recordNetwork
	}
	waitNet, err := startNet(ctx, b, cfg)
	if err != nil {
		return -1, false, err
	}
	// Ours until the monitor holds them; in the foreground with no
	// monitor, ours while the container runs.
	defer l.netState.ReleasePorts()
	// Whatever fails from here, the plugins finish before the clean-up
	// detaches what they did.
	waitNet = sync.OnceValue(waitNet)
	defer func() {
		if err != nil {
			_ = waitNet()
		}
	}()
	if err := l.writeBundle(b, cfg); err != nil {
		return -1, false, err
	}
	if l.CreateOnly {
		return 0, true, l.createOnly(b, started)
	}
	if err := b.markStarted(l.StateDir); err != nil {
		return -1, false, err
	}
	// networked is the network's end (once the plugins are done):
	// /etc/hosts says the addresses, and the container's peers on its
	// named networks learn its name.
	networked := func() error {
		if err := waitNet(); err != nil {
			return err
		}
		if err := b.refreshHosts(l.hostname, l); err != nil {
			return err
		}
		if err := b.keep(l.Name); err != nil {
			return err
		}
		return l.joinNames(b, l.Name, l.netState)
	}
	if l.Detach {
		// Created under its monitor while the plugins run; started once
		// they are done.
		if err := startDetached(l, b, networked); err != nil {
			return -1, false, err
		}
		started()
		return 0, true, nil
	}
	ready := func() error {
		if err := networked(); err != nil {
			return err
		}
		started()
		return nil
	}
	if l.Monitor != "" {
		status, err = l.supervise(b, ready)
	} else {
		status, err = l.foreground(b, ready)
	}
	return status, false, err
}

// writeBundle mounts the rootfs and writes the container's OCI config.
func (l *launch) writeBundle(b *bundle, cfg *imgspecv1.Image) error {
	rootfs, err := l.Store.Mount(b.id, "")
	if err != nil {
		return fmt.Errorf("mounting the container: %w", err)
	}
	b.mounted = true
	spec, err := b.prepare(rootfs, cfg, l, l.Name)
	if err != nil {
		return err
	}
	if l.pod != nil {
		spec.Annotations[annotPod] = l.pod.ID
		l.CgroupManager, l.CgroupParent = l.pod.cgroupManager(), l.pod.CgroupParent
	}
	spec.Linux.CgroupsPath = cgroupsPath(l.CgroupManager, l.CgroupParent, b.id)
	if l.LogPath != "" {
		spec.Annotations[AnnotLogPath] = l.LogPath
	}
	if err := customize(spec, l.Customize); err != nil {
		return err
	}
	return b.write(spec)
}

// createOnly keeps the container made for Start: nothing runs, nothing
// stays mounted.
func (l *launch) createOnly(b *bundle, started func()) error {
	if err := b.keep(l.Name); err != nil {
		return err
	}
	b.unmount()
	started()
	return nil
}

// supervise runs the container in the foreground under the monitor,
// which records its exit and cleans up should ctr-run be killed. With
// plugins to wait for it is created while they run and started once they
// are done; not with a terminal, which the runtime's run makes.
func (l *launch) supervise(b *bundle, ready func() error) (int, error) {
	if !l.TTY && l.netState != nil {
		return runSupervised(l, b, ready)
	}
	if err := ready(); err != nil {
		return -1, err
	}
	return runSupervised(l, b, nil)
}

// foreground runs the container with the runtime alone (one exec less):
// there is no monitor (a build's RUN step).
func (l *launch) foreground(b *bundle, ready func() error) (int, error) {
	if err := ready(); err != nil {
		return -1, err
	}
	status, err := runRuntime(l, b)
	if err == nil && !l.Request.Remove {
		// For ps: the runtime forgets a container once it has exited.
		_ = writeExit(l.StateDir, b.id, status)
	}
	return status, err
}

// undo removes what a run that failed made: nothing is kept, and the
// name is free again.
func (l *launch) undo(ctx context.Context, b *bundle) {
	_ = forceDelete(ctx, l.Runtime, l.StateDir, b.id)
	endMonitor(b.dir, b.id, time.Second)
	_ = b.detachNetwork(ctx, l.Manager)
	_ = b.remove()
	removeCIDFile(l.CIDFile)
}

// finish cleans up after a foreground container has exited. The
// network's plugins run while the storage is cleaned up; a removed
// container's network record goes with it.
func (l *launch) finish(ctx context.Context, b *bundle) error {
	waitNet := b.startDetach(ctx, l.Manager, !l.Request.Remove)
	deleted := make(chan error, 1)
	if b.created {
		// Its state and cgroup, beside the rest of the clean-up.
		go func() { deleted <- forceDelete(ctx, l.Runtime, l.StateDir, b.id) }()
	} else {
		deleted <- nil
	}
	b.unmount()
	var err error
	if l.Request.Remove {
		err = b.remove()
	}
	// The first error is the one to say; every part has run.
	return cmp.Or(err, waitNet(), <-deleted)
}

// exitPath is where a container's exit status is kept (ctr-monitor's
// --exit-dir for detached containers).
func exitPath(stateDir, id string) string { return filepath.Join(stateDir, "exits", id) }

func writeExit(stateDir, id string, status int) error {
	if err := os.MkdirAll(filepath.Dir(exitPath(stateDir, id)), 0o700); err != nil {
		return err
	}
	return os.WriteFile(exitPath(stateDir, id), []byte(strconv.Itoa(status)+"\n"), 0o644)
}

// Puller fetches an image into local storage and returns its ID; always
// says whether to fetch it even if it is stored. ctr-run's runs ctr-pull,
// a library user's may pull in-process (lib/image).
type Puller func(ctx context.Context, name string, always bool) (string, error)

// findOrPull finds the image in local storage, pulling it per o.Pull.
func findOrPull(ctx context.Context, store storage.Store, o *Request) (*storage.Image, error) {
	if o.Pull != "always" {
		img, err := storedimage.Find(store, o.Image)
		if err == nil {
			return img, nil
		}
		if errors.As(err, new(*lookup.AmbiguousError)) {
			return nil, err // the beginning of stored IDs, not a name to pull
		}
		if o.Pull == "never" || o.Puller == nil {
			return nil, errdefs.WithKind(errdefs.ErrNotFound, fmt.Errorf("%s: image not known", o.Image))
		}
	}
	if o.Puller == nil {
		return nil, errdefs.Usagef("%s: no way to pull images here", o.Image)
	}
	id, err := o.Puller(ctx, o.Image, o.Pull == "always")
	if errors.Is(err, errdefs.ErrUsage) {
		// A name that resolves nowhere: to the user, an unknown image.
		return nil, errdefs.WithKind(errdefs.ErrNotFound, fmt.Errorf("%s: image not known (%v)", o.Image, err)) //nolint:errorlint // not %w: the exit code is not-found, not usage
	}
	if err != nil {
		return nil, err
	}
	return store.Image(id)
}

// NewID is a random 64-hex-digit ID, as storage uses for containers.
func NewID() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// removeCIDFile removes the --cidfile a failed run wrote (none: nothing).
func removeCIDFile(path string) {
	if path != "" {
		_ = os.Remove(path)
	}
}

// writeNew creates path with content, failing if it exists (as podman's
// --cidfile does).
func writeNew(path, content string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return errdefs.Usagef("container ID file: %v", err)
	}
	_, err = f.WriteString(content)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// FindImage finds an image in local storage by name, ID or ID prefix,
// pulling it per pull (missing, always, never), as ctr-run does.
func FindImage(ctx context.Context, store storage.Store, name, pull string, puller Puller) (*storage.Image, error) {
	return findOrPull(ctx, store, &Request{Image: name, Pull: pull, Puller: puller})
}
