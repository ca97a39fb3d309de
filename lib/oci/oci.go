// Package oci is a lean OCI runtime on runc's libcontainer: create, start,
// run, exec, kill, delete, state and list containers from bundles. It must
// stay free of containers/image and storage: libcontainer re-executes the
// binary that links it as every container's init, and each package linked
// in costs start time and memory charged to the container.
package oci

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/opencontainers/runc/libcontainer"
	"github.com/opencontainers/runc/libcontainer/specconv"
	"github.com/opencontainers/runc/libcontainer/utils"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// ErrNotExist is returned for a container ID the runtime does not know.
var ErrNotExist = libcontainer.ErrNotExist

// Runtime manages containers whose state lives under Root.
type Runtime struct {
	Root string
	// SystemdCgroup has systemd make and remove containers' cgroups (a
	// scope per container; cgroupsPath is "slice:prefix:name"), as runc's
	// --systemd-cgroup. A container created so keeps it: the other
	// commands find it in its state.
	SystemdCgroup bool
	// Warnf, when set, hears what the runtime changes in a config to run
	// it (nothing is said otherwise).
	Warnf func(format string, args ...any)
}

// StartOptions are the options of create, run and exec.
type StartOptions struct {
	Bundle        string // the bundle directory (create, run)
	PidFile       string // write the container's PID here
	ConsoleSocket string // send the pty master to this AF_UNIX socket
	Detach        bool   // return once started (run, exec)
	NoPivot       bool
	NoNewKeyring  bool
	PreserveFDs   int // pass fds 3 .. 3+N-1 on to the process
	Keep          bool
	// AfterStart, if set, is called once the process has started.
	AfterStart func()
}

// loadSpec reads bundle/config.json, making the rootfs path absolute.
func loadSpec(bundle string) (*specs.Spec, error) {
	b, err := os.ReadFile(filepath.Join(bundle, "config.json"))
	if err != nil {
		return nil, err
	}
	var spec specs.Spec
	if err := json.Unmarshal(b, &spec); err != nil {
		return nil, fmt.Errorf("config.json: %w", err)
	}
	if spec.Root == nil || spec.Process == nil {
		return nil, errors.New("config.json: root and process are required")
	}
	if !filepath.IsAbs(spec.Root.Path) {
		spec.Root.Path = filepath.Join(bundle, spec.Root.Path)
	}
	return &spec, nil
}

func (r *Runtime) create(id string, o *StartOptions) (*libcontainer.Container, *specs.Spec, error) {
	bundle, err := filepath.Abs(o.Bundle)
	if err != nil {
		return nil, nil, err
	}
	if o.PidFile != "" {
		// Relative to where we were called, not to the bundle we move to.
		if o.PidFile, err = filepath.Abs(o.PidFile); err != nil {
			return nil, nil, err
		}
	}
	spec, err := loadSpec(bundle)
	if err != nil {
		return nil, nil, err
	}
	// Refused before anything of the container exists.
	if spec.Process != nil {
		if err := checkCapabilities(spec.Process.Capabilities); err != nil {
			return nil, nil, err
		}
	}
	if err := os.Chdir(bundle); err != nil { // relative paths in the spec are the bundle's
		return nil, nil, err
	}
	cfg, err := specconv.CreateLibcontainerConfig(&specconv.CreateOpts{
		CgroupName:       id,
		UseSystemdCgroup: r.SystemdCgroup,
		NoPivotRoot:      o.NoPivot,
		NoNewKeyring:     o.NoNewKeyring,
		Spec:             spec,
		RootlessEUID:     os.Geteuid() != 0,
	})
	if err != nil {
		return nil, nil, err
	}
	r.asTheKernelDoes(cfg)
	c, err := libcontainer.Create(r.Root, id, cfg)
	return c, spec, err
}

// Create creates a container and leaves its process waiting for Start.
func (r *Runtime) Create(id string, o StartOptions) error {
	primeCgroupAttach()
	c, spec, err := r.create(id, &o)
	if err != nil {
		return err
	}
	_, err = r.startProcess(c, spec.Process, o, true, true)
	if err != nil {
		_ = c.Destroy()
	}
	return err
}

// Run creates and starts a container; in the foreground it forwards
// signals, waits, deletes the container (unless Keep) and returns the
// process's exit status (128+N for signal N).
func (r *Runtime) Run(id string, o StartOptions) (int, error) {
	primeCgroupAttach()
	c, spec, err := r.create(id, &o)
	if err != nil {
		return -1, err
	}
	status, err := r.startProcess(c, spec.Process, o, true, false)
	if err != nil || (!o.Detach && !o.Keep) {
		_ = c.Destroy()
	}
	return status, err
}

// Start lets a created container's process run.
func (r *Runtime) Start(id string) error {
	c, st, err := r.load(id)
	if err != nil {
		return err
	}
	if st != libcontainer.Created {
		return fmt.Errorf("container %s is %s, not created", id, st)
	}
	return c.Exec()
}

// Exec runs process in a running container; in the foreground it returns
// the process's exit status.
func (r *Runtime) Exec(id string, p *specs.Process, o StartOptions) (int, error) {
	primeCgroupAttach()
	c, st, err := r.load(id)
	if err != nil {
		return -1, err
	}
	if st != libcontainer.Running {
		return -1, fmt.Errorf("container %s is %s, not running", id, st)
	}
	return r.startProcess(c, p, o, false, false)
}

// startProcess starts p in c: as its init (create: parked until Start)
// or as an exec. In the foreground it waits and returns the exit status.
func (r *Runtime) startProcess(c *libcontainer.Container, p *specs.Process, o StartOptions, init, create bool) (int, error) {
	lp, err := newProcess(p)
	if err != nil {
		return -1, err
	}
	lp.Init = init
	for i := 3; i < 3+o.PreserveFDs; i++ {
		lp.ExtraFiles = append(lp.ExtraFiles, os.NewFile(uintptr(i), "preserved-fd-"+strconv.Itoa(i)))
	}
	detach := o.Detach || create
	// Signals are caught before the process exists, so none is lost.
	sigs := make(chan os.Signal, 2048)
	if !detach {
		_ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
		// SIGCHLD now; the rest (installing ~65 handlers costs a few ms) in
		// the background while the container starts.
		signal.Notify(sigs, unix.SIGCHLD)
		go signal.Notify(sigs)
		// No signal.Stop: it costs as much as Notify (two thread switches
		// per signal, ~65 signals: 3-10 ms) and the runtime exits once the
		// process has; a signal that comes during the clean-up is dropped
		// instead of killing the runtime half-way through it.
	}
	io, err := setupIO(lp, p.Terminal, detach, o.ConsoleSocket)
	if err != nil {
		return -1, err
	}
	defer io.close()
	if create {
		err = c.Start(lp)
	} else {
		err = c.Run(lp)
	}
	if err != nil {
		return -1, err
	}
	if err := io.waitConsole(); err != nil {
		kill(lp)
		return -1, err
	}
	io.closePostStart()
	if o.PidFile != "" {
		if err := writePidFile(o.PidFile, lp); err != nil {
			kill(lp)
			return -1, err
		}
	}
	if o.AfterStart != nil {
		o.AfterStart()
	}
	if detach {
		return 0, nil
	}
	return forward(lp, io, sigs)
}

func kill(p *libcontainer.Process) {
	_ = p.Signal(unix.SIGKILL)
	_, _ = p.Wait()
}

// forward passes signals on to the process, resizes its terminal and reaps
// children until the process exits, then returns its status.
func forward(p *libcontainer.Process, io *stdio, sigs chan os.Signal) (int, error) {
	pid, err := p.Pid()
	if err != nil {
		return -1, err
	}
	// An exit that happened before the first SIGCHLD was caught.
	if status, done := reap(pid); done {
		_, _ = p.Wait()
		return status, nil
	}
	for s := range sigs {
		switch s {
		case unix.SIGWINCH:
			io.resize()
		case unix.SIGCHLD:
			if status, done := reap(pid); done {
				_, _ = p.Wait()
				return status, nil
			}
		case unix.SIGURG: // the Go runtime's preemption signal
		default:
			_ = p.Signal(s)
		}
	}
	return -1, errors.New("internal error: signal channel closed")
}

// reap collects every exited child; done says whether pid was one of them.
func reap(pid int) (status int, done bool) {
	for {
		var ws unix.WaitStatus
		got, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		if err != nil || got <= 0 {
			return status, done
		}
		if got == pid {
			status, done = utils.ExitStatus(ws), true
		}
	}
}

func writePidFile(path string, p *libcontainer.Process) error {
	pid, err := p.Pid()
	if err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path))
	if err := os.WriteFile(tmp, []byte(strconv.Itoa(pid)), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// load loads a container and its status.
func (r *Runtime) load(id string) (*libcontainer.Container, libcontainer.Status, error) {
	c, err := libcontainer.Load(r.Root, id)
	if err != nil {
		return nil, 0, err
	}
	st, err := c.Status()
	return c, st, err
}

// State returns the OCI state of a container.
func (r *Runtime) State(id string) (*specs.State, error) {
	c, err := libcontainer.Load(r.Root, id)
	if err != nil {
		return nil, err
	}
	return c.OCIState()
}

// Kill sends sig to the container's init (to every process with all).
func (r *Runtime) Kill(id string, sig syscall.Signal, all bool) error {
	c, err := libcontainer.Load(r.Root, id)
	if err != nil {
		return err
	}
	if all && sig == unix.SIGKILL {
		return c.Signal(sig) // libcontainer kills the whole cgroup for SIGKILL
	}
	if all {
		pids, err := c.Processes()
		if err != nil {
			return err
		}
		for _, pid := range pids {
			_ = unix.Kill(pid, sig)
		}
		return nil
	}
	return c.Signal(sig)
}

// Delete removes a stopped (or created) container; force kills a running
// one first.
func (r *Runtime) Delete(id string, force bool) error {
	c, st, err := r.load(id)
	if err != nil {
		return err
	}
	// The OCI spec: deleting a container that is not stopped is an error
	// and changes nothing, unless forced.
	if st != libcontainer.Stopped {
		if !force {
			return fmt.Errorf("container %s is %s, not stopped: stop it first, or delete it by force", id, st)
		}
		_ = c.Signal(unix.SIGKILL)
		waitStopped(c, 10*time.Second)
	}
	return c.Destroy()
}

// waitStopped waits, at most limit, until the container's init is gone:
// libcontainer refuses to destroy a container whose killed init has not
// died yet.
func waitStopped(c *libcontainer.Container, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for wait := time.Millisecond; time.Now().Before(deadline); wait = min(2*wait, 100*time.Millisecond) {
		if st, err := c.Status(); err != nil || st == libcontainer.Stopped {
			return
		}
		time.Sleep(wait)
	}
}

// List returns the state of every container under Root.
func (r *Runtime) List() ([]specs.State, error) {
	entries, err := os.ReadDir(r.Root)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []specs.State
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		st, err := r.State(e.Name())
		if err != nil {
			continue // being created or deleted
		}
		out = append(out, *st)
	}
	return out, nil
}

// InitProcess returns the container's init process settings (from its
// bundle's config.json), the base of an exec without --process.
func (r *Runtime) InitProcess(id string) (*specs.Process, error) {
	st, err := r.State(id)
	if err != nil {
		return nil, err
	}
	spec, err := loadSpec(st.Bundle)
	if err != nil {
		return nil, err
	}
	return spec.Process, nil
}
