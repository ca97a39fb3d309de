package run

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"go.podman.io/storage"
	"golang.org/x/sys/unix"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/lookup"
	"github.com/ctr-project/ctr/lib/monitor"
	ctrtypes "github.com/ctr-project/ctr/lib/types"
)

// bundle is a container's bundle, taken as mounted (unmounting one that is
// not is no error).
func (m *Manager) bundle(c Container) *bundle {
	return &bundle{store: m.Store, id: c.ID, dir: c.Bundle, persist: persistOf(m.PersistDir, c.ID), mounted: true}
}

// Container is what ps and inspect report.
type Container struct {
	Schema   string    `json:"schema"`
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Image    string    `json:"image"`
	ImageID  string    `json:"imageId"`
	Command  []string  `json:"command"`
	Created  time.Time `json:"created"`
	Status   Status    `json:"status"` // created, running, exited (status.go)
	ExitCode *int      `json:"exitCode,omitempty"`
	// OOMKilled: the kernel's OOM killer killed a process of the container
	// (detached containers; ctr-monitor records it).
	OOMKilled bool `json:"oomKilled,omitempty"`
	// StartedAt is when it was last started; FinishedAt when its exit
	// was recorded.
	StartedAt  *time.Time `json:"startedAt,omitempty"`
	FinishedAt *time.Time `json:"finishedAt,omitempty"`
	Pid        int        `json:"pid,omitempty"`
	Bundle     string     `json:"bundle"`
	LogPath    string     `json:"logPath,omitempty"`
	// Monitor is "gone" when the container's ctr-monitor died (or the
	// machine rebooted) before it recorded an exit: Status is then the
	// runtime's view, and ExitCode unknown.
	Monitor string `json:"monitor,omitempty"`
	// Pod is the ID of the pod the container is in; Infra marks the
	// pod's infra container.
	Pod    string            `json:"pod,omitempty"`
	Infra  bool              `json:"infra,omitempty"`
	Labels map[string]string `json:"labels,omitempty"`

	inRuntime bool // the runtime has state for it
}

// errNotCtr marks a storage container ctr-run did not create.
var errNotCtr = errors.New("not a ctr-run container")

// List returns ctr-run's containers; running ones only unless all.
func (m *Manager) List(ctx context.Context, all bool) ([]Container, error) {
	return m.list(ctx, all, "")
}

// list is List, of one pod's containers when pod is not "" (their records
// say which: the others are not described, which is what costs).
func (m *Manager) list(ctx context.Context, all bool, pod string) ([]Container, error) {
	cs, err := m.Store.Containers()
	if err != nil {
		return nil, err
	}
	// Each asks the runtime: several at once.
	described := make([]*Container, len(cs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range cs {
		meta, ok := containerMeta(&cs[i])
		if !ok || (pod != "" && meta.Pod != pod) {
			continue
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if c, err := m.describeMeta(ctx, &cs[i], meta); err == nil {
				described[i] = &c
			}
		})
	}
	wg.Wait()
	var out []Container
	for _, c := range described {
		if c != nil && (all || c.Status == StatusRunning) {
			out = append(out, *c)
		}
	}
	return out, nil
}

// Get finds a container by ID, name or unique ID prefix (lib/lookup's
// rule). The store's containers are one set of IDs and names, whichever
// tool made them: a reference to podman's or ctr-build's is "not a ctr
// container", and a prefix shared with one of theirs is ambiguous.
func (m *Manager) Get(ctx context.Context, ref string) (Container, error) {
	return m.get(ctx, ref, func(c storage.Container) (string, []string) { return c.ID, c.Names })
}

// GetByID is Get by ID or unique ID prefix only: the CRI names containers
// by their IDs (crictl passes them truncated), never by name.
func (m *Manager) GetByID(ctx context.Context, ref string) (Container, error) {
	return m.get(ctx, ref, func(c storage.Container) (string, []string) { return c.ID, nil })
}

func (m *Manager) get(ctx context.Context, ref string, keys lookup.Keys[storage.Container]) (Container, error) {
	cs, err := m.Store.Containers()
	if err != nil {
		return Container{}, err
	}
	c, err := lookup.Find("container", ref, cs, keys)
	if err != nil {
		return Container{}, err
	}
	d, err := m.describe(ctx, &c)
	if err != nil {
		return Container{}, errdefs.WithKind(errdefs.ErrNotFound, fmt.Errorf("%s: %w", ref, err))
	}
	return d, nil
}

func (m *Manager) describe(ctx context.Context, c *storage.Container) (Container, error) {
	meta, ok := containerMeta(c)
	if !ok {
		return Container{}, errNotCtr
	}
	return m.describeMeta(ctx, c, meta)
}

// containerMeta is what ctr keeps in a stored container's metadata; ok is
// false for a container that is not ctr's (podman's, buildah's).
func containerMeta(c *storage.Container) (*ctrtypes.ContainerMeta, bool) {
	var meta ctrtypes.ContainerMeta
	if json.Unmarshal([]byte(c.Metadata), &meta) != nil || meta.Schema != ctrtypes.ContainerSchema {
		return nil, false
	}
	return &meta, true
}

func (m *Manager) describeMeta(ctx context.Context, c *storage.Container, meta *ctrtypes.ContainerMeta) (Container, error) {
	d := Container{
		Schema: "ctr.ps/v1", ID: c.ID, Image: meta.ImageName, ImageID: meta.Image, Command: meta.Command,
		Created: meta.Created, Status: StatusCreated, Bundle: filepath.Join(m.StateDir, c.ID), Pod: meta.Pod, Infra: meta.Infra, Labels: meta.Labels,
	}
	if len(c.Names) > 0 {
		d.Name = c.Names[0]
	}
	persist := persistOf(m.PersistDir, c.ID)
	if persist != "" {
		if _, err := os.Stat(filepath.Join(persist, "ctr.log")); err == nil {
			d.LogPath = filepath.Join(persist, "ctr.log")
		}
		if b, err := os.ReadFile(filepath.Join(persist, "started")); err == nil {
			if t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(string(b))); err == nil {
				d.StartedAt = &t
			}
		}
	}
	hasState := false
	if st, err := m.runtimeState(ctx, c.ID); err == nil {
		hasState, d.inRuntime = true, true
		switch st.Status {
		case specs.StateRunning, specs.StateCreated, specs.StateCreating:
			d.Status, d.Pid = Status(st.Status), st.Pid
		default:
			d.Status = StatusExited
		}
	}
	d.OOMKilled = exists(exitPath(m.StateDir, c.ID)+".oom") || (persist != "" && exists(filepath.Join(persist, "oom")))
	if code, at, ok := readExit(exitPath(m.StateDir, c.ID), persist); ok && d.Status != StatusRunning {
		d.Status, d.ExitCode, d.FinishedAt = StatusExited, &code, &at
		return d, nil
	}
	if m.monitorGone(d.Bundle, c.ID, persist, hasState) {
		d.Monitor = "gone"
		if !hasState {
			d.Status = StatusExited // it ran, and nothing runs it now
		}
	}
	return d, nil
}

// monitorGone says whether the container was started and no monitor
// supervises it any more, with no exit recorded: its monitor was killed,
// or the run root was lost (a reboot).
func (m *Manager) monitorGone(bundleDir, id, persist string, hasState bool) bool {
	if monitor.MonitorPID(bundleDir, id) != 0 {
		return false
	}
	if _, err := os.Stat(filepath.Join(bundleDir, monitor.MonitorPidfile)); err == nil {
		return true
	}
	_, err := os.Stat(filepath.Join(persist, "started"))
	return persist != "" && err == nil && !hasState
}

// readExit reads the exit status a monitor (or ctr-run) recorded, from
// the persistent directory first, and when.
func readExit(runPath, persist string) (code int, at time.Time, ok bool) {
	paths := []string{runPath}
	if persist != "" {
		paths = []string{filepath.Join(persist, "exit"), runPath}
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(string(b)))
		st, serr := os.Stat(p)
		if err != nil || serr != nil {
			continue
		}
		return n, st.ModTime().UTC(), true
	}
	return 0, time.Time{}, false
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func (m *Manager) runtimeState(ctx context.Context, id string) (*specs.State, error) {
	if st, ok, err := fileState(runtimeRoot(m.StateDir), id); ok {
		return st, err
	}
	out, err := m.runtime(ctx, "state", id).Output()
	if err != nil {
		return nil, err
	}
	var st specs.State
	if err := json.Unmarshal(out, &st); err != nil {
		return nil, err
	}
	return &st, nil
}

// Stop sends the container's stop signal (--stop-signal, the image's
// STOPSIGNAL, else SIGTERM), waits up to timeout (nil: --stop-timeout, else
// 10 s) for it to exit, then sends SIGKILL.
func (m *Manager) Stop(ctx context.Context, ref string, timeout *time.Duration) error {
	c, err := m.Get(ctx, ref)
	if err != nil {
		return err
	}
	if c.Status != StatusRunning {
		return nil
	}
	sig, wait := "TERM", 10*time.Second
	if spec, err := bundleSpec(c.Bundle); err == nil {
		if v := spec.Annotations[annotStopSignal]; v != "" {
			sig = v
		}
		if n, err := strconv.Atoi(spec.Annotations[annotStopTimeout]); err == nil && n >= 0 {
			wait = time.Duration(n) * time.Second
		}
	}
	if timeout != nil {
		wait = *timeout
	}
	// A timeout of 0 kills at once, as podman's: no stop signal first.
	if wait > 0 {
		_ = m.runtime(ctx, "kill", c.ID, sig).Run()
		if m.awaitStopped(ctx, c.ID, wait) {
			m.awaitExitRecord(c)
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	// The kill and its wait finish whatever ended ctx: a stop that was
	// given up leaves no container half-killed.
	ctx = context.WithoutCancel(ctx)
	_ = m.runtime(ctx, "kill", "--all", c.ID, "KILL").Run()
	if m.awaitStopped(ctx, c.ID, 5*time.Second) {
		m.awaitExitRecord(c)
	}
	return nil
}

// awaitExitRecord waits, at most a second, for the monitor of a container
// that has ended to record its exit: it frees the container's host ports
// first, so a new container may publish them once stop returns.
func (m *Manager) awaitExitRecord(c Container) {
	pid := monitor.MonitorPID(c.Bundle, c.ID)
	for deadline := time.Now().Add(time.Second); pid != 0 && time.Now().Before(deadline); {
		if exists(exitPath(m.StateDir, c.ID)) || unix.Kill(pid, 0) != nil {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// awaitStopped waits, at most d or until ctx ends, for the container's
// process to end; it returns whether it has.
func (m *Manager) awaitStopped(ctx context.Context, id string, d time.Duration) bool {
	st, err := m.runtimeState(ctx, id)
	if err != nil || st.Status != specs.StateRunning {
		return true
	}
	return awaitEnd(ctx, st.Pid, func() bool { return m.running(ctx, id) }, d)
}

// Kill sends sig to a running container's process.
func (m *Manager) Kill(ctx context.Context, ref string, sig syscall.Signal) error {
	c, err := m.Get(ctx, ref)
	if err != nil {
		return err
	}
	if c.Status != StatusRunning {
		return fail(ExitRunFailure, "container %s is %s, not running", ref, c.Status)
	}
	if out, err := m.runtime(ctx, "kill", c.ID, strconv.Itoa(int(sig))).CombinedOutput(); err != nil {
		return fail(ExitRunFailure, "kill %s: %s", ref, strings.TrimSpace(string(out)))
	}
	return nil
}

func (m *Manager) running(ctx context.Context, id string) bool {
	st, err := m.runtimeState(ctx, id)
	return err == nil && st.Status == specs.StateRunning
}

// Remove deletes a container: its runtime state and cgroups, its mount,
// its storage container and its bundle. A running one needs force (it is
// killed). It cleans up after a ctr-run that was killed, too.
func (m *Manager) Remove(ctx context.Context, ref string, force bool) error {
	c, err := m.Get(ctx, ref)
	if err != nil {
		return err
	}
	if c.Infra {
		if p, err := m.findPod(c.Pod); err == nil {
			return errdefs.Usagef("%s is the infra container of pod %s: remove the pod (pod rm)", c.Name, p.Name)
		}
	}
	return m.remove(ctx, c, force)
}

// remove is Remove for a container found. Once it starts, it finishes
// whatever ends ctx: nothing is left half-removed.
func (m *Manager) remove(ctx context.Context, c Container, force bool) error {
	ctx = context.WithoutCancel(ctx)
	if c.Status == StatusRunning && !force {
		return errdefs.Usagef("container %s is running: stop it first or use -f", c.Name)
	}
	if c.Status == StatusRunning {
		// A detached container's monitor is told not to run the clean-up
		// command beside this one, which does it all anyway; it reaps the
		// container and records its exit.
		if pid := monitor.MonitorPID(c.Bundle, c.ID); pid != 0 && !monitor.Inherits(pid) {
			if err := monitor.SkipExitCommand(c.Bundle); err != nil {
				_ = unix.Kill(pid, unix.SIGKILL) // then the container goes to PID 1 to reap
			}
		}
	}
	// The network's plugins (most of the time) run while the container
	// is killed and deleted. The record says so when they are done (keep):
	// a monitor's clean-up waiting on its lock then finds nothing to do,
	// rather than detach again and write the record back after the
	// container's files are gone.
	b := m.bundle(c)
	waitNet := b.startDetach(ctx, m, true)
	if c.Status == StatusRunning {
		_ = m.runtime(ctx, "kill", "--all", c.ID, "KILL").Run()
	}
	if c.inRuntime { // else nothing of it runs, and there is no state to delete
		if err := forceDelete(ctx, m.Runtime, m.StateDir, c.ID); err != nil {
			_ = waitNet()
			return fmt.Errorf("deleting %s: %w", c.Name, err)
		}
	}
	endMonitor(c.Bundle, c.ID, 5*time.Second)
	if err := waitNet(); err != nil {
		return fmt.Errorf("removing %s: %w", c.Name, err)
	}
	return b.remove()
}

// endMonitor waits, at most grace, for the container's ctr-monitor to
// finish (its container is gone, so it should), then kills it: a removed
// container keeps no monitor.
func endMonitor(bundleDir, id string, grace time.Duration) {
	waitMonitor(bundleDir, id, grace)
	if pid := monitor.MonitorPID(bundleDir, id); pid != 0 {
		_ = unix.Kill(pid, unix.SIGKILL)
	}
}

// Annotations of a container's config.json that ctr-run writes, most of
// them to read back: its own (OwnPrefix), which nothing from outside may
// set (keys.go).
const (
	annotStopSignal  = "io.ctr.stop-signal"  // a signal number
	annotStopTimeout = "io.ctr.stop-timeout" // seconds
	annotStdin       = "io.ctr.stdin"        // "true": -i, stdin kept for attach
	annotLogSizeMax  = "io.ctr.log-size-max" // bytes
	annotPod         = "io.ctr.pod"          // the pod's ID
	annotLogMaxFiles = "io.ctr.log-max-files"
	AnnotLogPath     = "io.ctr.log-path" // the monitor's log, when not the default
	annotName        = "io.ctr.name"     // written, not read: for hooks and the runtime's users
	annotImage       = "io.ctr.image"    // likewise
)

func bundleSpec(dir string) (*specs.Spec, error) {
	b, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		return nil, err
	}
	var spec specs.Spec
	if err := json.Unmarshal(b, &spec); err != nil || spec.Root == nil {
		return nil, fmt.Errorf("%s: bad config.json", dir)
	}
	return &spec, nil
}

func bundleRootfs(dir string) (string, error) {
	spec, err := bundleSpec(dir)
	if err != nil {
		return "", err
	}
	return spec.Root.Path, nil
}

// Cleanup is what the monitor runs when a detached container exits: the
// runtime forgets it, its rootfs is unmounted, and with remove it is
// deleted.
func (m *Manager) Cleanup(ctx context.Context, ref string, remove bool) error {
	c, err := m.Get(ctx, ref)
	if err != nil {
		return err
	}
	ctx = context.WithoutCancel(ctx) // once begun, it finishes
	_ = m.runtime(ctx, "delete", "--force", c.ID).Run()
	b := m.bundle(c)
	// A stopped container keeps no network: its lease, veth and ports go.
	if err := b.detachNetwork(ctx, m); err != nil {
		return err
	}
	if remove {
		return b.remove()
	}
	b.unmount()
	return nil
}

// waitMonitor waits, at most grace, for the container's monitor (and the
// clean-up it runs) to finish.
func waitMonitor(bundleDir, id string, grace time.Duration) {
	pid := monitor.MonitorPID(bundleDir, id)
	if pid == 0 {
		return
	}
	awaitEnd(context.Background(), pid, func() bool { return monitor.MonitorPID(bundleDir, id) == pid }, grace)
}
