// Package run runs images from local storage as containers: a storage
// container (a read-write layer over the image), mounted, described by an
// OCI bundle, handed to ctr-runtime in the foreground. It follows podman's
// defaults for security and resources.
package run

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"go.podman.io/storage"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/exit"
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

// Options configure Run.
type Options struct {
	Image string   // reference, name or ID in local storage
	Args  []string // command and arguments (default: the image's)
	Name  string   // container name (default: generated)

	Pull   string // missing (default), always, never
	Puller Puller // fetches an image that is not stored (nil: none is pulled)

	Remove      bool
	Interactive bool
	TTY         bool
	Env         []string
	EnvFiles    []string
	Workdir     string
	User        string
	Entrypoint  *string // nil: the image's; "" clears it
	// Command, when not nil, is the whole command line: neither the
	// image's entrypoint nor its Cmd is used (the CRI's, which the caller
	// has resolved against the image).
	Command  []string
	Mounts   []Mount
	ReadOnly bool
	Hostname string
	// Network is bridge (podman's default network), none (loopback only),
	// host, container:REF (another container's), ns:PATH, or the names of
	// networks, comma-separated.
	Network string
	// Publish maps host ports to the container's (first network);
	// PublishAll adds the image's EXPOSE ports on free host ports.
	Publish    []network.PortMapping
	PublishAll bool
	IP, MAC    string // on the (one) network
	NoHosts    bool   // the image's /etc/hosts, not a generated one
	// Networks attaches containers to CNI networks (nil: the defaults,
	// /etc/cni/net.d and /usr/lib/cni).
	Networks *network.Manager
	// PID, IPC and UTS: "host" shares the host's namespace of that kind
	// ("" or "private": the container's own).
	PID, IPC, UTS string
	// CgroupNS is "private" (the container sees its own cgroup as the
	// root) or "host"; "" is podman's default: private on cgroup v2,
	// host on v1.
	CgroupNS string
	// CgroupManager is systemd or cgroupfs ("": cgroupfs); CgroupParent
	// the slice (systemd) or absolute path (cgroupfs) the container's
	// cgroup goes under. A container in a pod takes the pod's.
	CgroupManager string
	CgroupParent  string
	Memory        int64
	// MemorySwap is memory and swap together, as podman's --memory-swap
	// (0: not set, -1: no swap limit); it needs Memory.
	MemorySwap int64
	// Throttle limits the container's I/O on block devices.
	Throttle        Throttle
	CPUQuota        int64
	PidsLimit       *int64
	Ulimits         []Ulimit
	CapAdd          []string
	CapDrop         []string
	Privileged      bool
	NoNewPrivileges bool
	Seccomp         string // "" default profile, "unconfined", or a profile file
	CIDFile         string
	GroupAdd        []string // more groups: names from the image's /etc/group, or numbers
	AddHosts        []HostEntry
	// DNS, DNSSearch and DNSOptions, each when given, replace the name
	// servers, search domains and options of the host's resolv.conf.
	DNS, DNSSearch, DNSOptions []string
	ShmSize                    int64 // /dev/shm in bytes (0: 64 MiB)
	Sysctls                    map[string]string
	Devices                    []Device
	// StopSignal ends the container at "ctr-run stop" (default: the
	// image's STOPSIGNAL, else SIGTERM); StopTimeout is how long stop waits
	// for it before SIGKILL (nil: 10 s).
	StopSignal  string
	StopTimeout *int
	// Init runs the command under a small init (catatonit or tini), which
	// reaps zombies and passes signals on; InitPath names it (default:
	// podman's catatonit, else catatonit or tini on PATH).
	Init     bool
	InitPath string

	// KillAfter, when set, kills the container that long after the first
	// SIGINT or SIGTERM the tool forwarded to it: a build's RUN step, whose
	// PID 1 may ignore both, must not hold an interrupted build.
	KillAfter time.Duration

	// Runtime is the ctr-runtime binary. StateDir holds the bundles and
	// the runtime's state (<storage runroot>/ctr); PersistDir what must
	// outlive a reboot (<storage root>/ctr), "" for none.
	Runtime    string
	StateDir   string
	PersistDir string

	// Detach runs the container under Monitor (ctr-monitor); the monitor
	// runs CleanupCommand, with the container's ID appended, when the
	// container exits.
	Detach  bool
	Monitor string
	// Stdout, when set, receives the container's stdout instead of ours
	// (a build's RUN step: stdout is for data).
	Stdout         *os.File
	LogSizeMax     int64 // the monitor's log limit (0: none)
	LogMaxFiles    int   // log files kept at the limit, the current one included (<= 1: truncate)
	CleanupCommand []string

	// Pod puts the container in a pod (its ID, ID prefix or name): it
	// joins the namespaces the pod shares and runs in the pod's cgroup.
	// PodStart starts the pod's infra container if it is not running.
	Pod      string
	PodStart StartOptions

	// CreateOnly makes the container (storage, bundle, the network it
	// will have) without starting it, as podman create: Manager.Start
	// starts it. Its status is "created" until then.
	CreateOnly bool
	// Labels are kept with the container (Container.Labels); they come
	// from outside and may not use ctr's own keys (OwnPrefix). OwnLabels
	// are ctr's tools' own (ctr-cri's records), kept over them.
	Labels, OwnLabels map[string]string
	// Annotations go into the container's OCI config; they come from
	// outside (--annotation, a manifest, a CRI client) and may not use
	// ctr's own keys, which ctr writes there over them.
	Annotations map[string]string
	// LogPath is the monitor's CRI log (default: ctr.log in the
	// container's persistent directory); kept for later starts.
	LogPath string
	// Customize, when set, has the last word on the OCI spec before it
	// is written (the CRI's resources, masked paths and the like, which
	// have no ctr-run flag), but for ctr's own annotations.
	Customize func(*specs.Spec) error

	// Set by Run for the spec: the network namespace to join ("": a new
	// one, or the host's) and the attachment, if any.
	netns    string
	netState *network.State
	hostname string // the container's, once prepare chose it
	// In a pod: the pod; infra for its infra container; the other
	// namespaces to join (by type), the infra's /etc files to use (by
	// path in the container), the pod's /dev/shm.
	pod      *Pod
	podNetns string // the infra's network namespace, for container:INFRA
	infra    bool
	nsPaths  map[specs.LinuxNamespaceType]string
	podFiles map[string]string
	shm      string
}

func (o *Options) networks() *network.Manager {
	if o.Networks == nil {
		o.Networks = network.New(network.Config{})
	}
	return o.Networks
}

// fail makes an error of ctr-run's own, with the exit code it ends the
// program with (125, or 126/127 for a command that cannot run).
func fail(code int, format string, args ...any) error {
	return exit.WithCode(code, fmt.Errorf(format, args...))
}

// Run runs the container: in the foreground it returns its exit status;
// with Detach it returns once the container runs under ctr-monitor, which
// records its output and exit, and cleans up through "ctr-run cleanup".
// The container's ID is given to started.
func Run(ctx context.Context, store storage.Store, o Options, started func(id string)) (status int, retErr error) {
	if err := checkInput(&o); err != nil {
		return -1, err
	}
	if o.Pod != "" {
		pm := &Manager{Store: store, Runtime: o.Runtime, StateDir: o.StateDir, PersistDir: o.PersistDir, Networks: o.networks()}
		if err := pm.joinPod(&o, o.PodStart); err != nil {
			return -1, err
		}
	}
	img, err := findOrPull(ctx, store, &o)
	if err != nil {
		return -1, err
	}
	cfg, err := storedimage.Config(store, img.ID)
	if err != nil {
		return -1, err
	}
	id := NewID()
	name := o.Name
	if name == "" {
		name = "ctr-" + id[:12]
	}
	o.Name = name
	cmeta := ctrtypes.ContainerMeta{Schema: ctrtypes.ContainerSchema, Image: img.ID, ImageName: o.Image,
		Command: commandArgs(cfg, &o), Created: time.Now().UTC(), Infra: o.infra, Labels: withOwn(o.Labels, o.OwnLabels)}
	if o.pod != nil {
		cmeta.Pod = o.pod.ID
		if o.infra && o.pod.shares("ipc") {
			o.shm = podShmOf(o.StateDir, o.pod.ID)
		}
	}
	meta, _ := json.Marshal(cmeta)
	// The ID file first: one that exists already stops the run before
	// anything is made.
	if o.CIDFile != "" {
		if err := writeNew(o.CIDFile, id+"\n"); err != nil {
			return -1, err
		}
	}
	c, err := store.CreateContainer(id, []string{name}, img.ID, "", string(meta), nil)
	if err != nil {
		removeCIDFile(o.CIDFile)
		if errors.Is(err, storage.ErrDuplicateName) {
			return -1, errdefs.Usagef("the name %q is already in use", name)
		}
		return -1, fmt.Errorf("creating the container: %w", err)
	}
	b := &bundle{store: store, id: c.ID, dir: filepath.Join(o.StateDir, c.ID), persist: persistOf(o.PersistDir, c.ID)}
	detached := false
	defer func() {
		if detached && retErr == nil {
			return // the monitor's exit command cleans up
		}
		if retErr != nil {
			// A start that failed made nothing to keep: whatever it made
			// goes, and the name is free again.
			_ = forceDelete(o.Runtime, o.StateDir, c.ID)
			endMonitor(b.dir, c.ID, time.Second)
			_ = b.detachNetwork(context.WithoutCancel(ctx), &Manager{StateDir: o.StateDir, PersistDir: o.PersistDir, Networks: o.networks()})
			_ = b.remove()
			removeCIDFile(o.CIDFile)
			return
		}
		// The network's plugins run while the storage is cleaned up; a
		// removed container's network record goes with it.
		waitNet := b.startDetach(context.WithoutCancel(ctx), &Manager{StateDir: o.StateDir, PersistDir: o.PersistDir, Networks: o.networks()}, !o.Remove)
		deleted := make(chan error, 1)
		if b.created {
			// Its state and cgroup, beside the rest of the clean-up.
			go func() { deleted <- forceDelete(o.Runtime, o.StateDir, c.ID) }()
		} else {
			deleted <- nil
		}
		b.unmount()
		if o.Remove {
			if err := b.remove(); err != nil {
				retErr = err
			}
		}
		if err := waitNet(); err != nil && retErr == nil {
			retErr = err
		}
		if err := <-deleted; err != nil && retErr == nil {
			retErr = err
		}
	}()
	// The network is attached (its plugins take most of the start) while
	// the rootfs is mounted.
	mgr := &Manager{Store: store, Runtime: o.Runtime, StateDir: o.StateDir, PersistDir: o.PersistDir, Networks: o.networks()}
	startNet := startNetwork
	if o.CreateOnly {
		startNet = recordNetwork
	}
	waitNet, err := startNet(ctx, mgr, b, &o, cfg)
	if err != nil {
		return -1, err
	}
	// Ours until the monitor holds them; in the foreground with no
	// monitor, ours while the container runs.
	defer o.netState.ReleasePorts()
	// Whatever fails from here, the plugins finish before the clean-up
	// above detaches what they did.
	waitNet = sync.OnceValue(waitNet)
	defer func() {
		if retErr != nil {
			_ = waitNet()
		}
	}()
	networked := func() error {
		if err := waitNet(); err != nil {
			return err
		}
		// The addresses are known now: /etc/hosts says them, and the
		// container's peers on its named networks learn its name.
		if err := b.refreshHosts(o.hostname, &o); err != nil {
			return err
		}
		if err := b.keep(name); err != nil {
			return err
		}
		return mgr.joinNames(b, name, o.netState)
	}
	rootfs, err := store.Mount(c.ID, "")
	if err != nil {
		return -1, fmt.Errorf("mounting the container: %w", err)
	}
	b.mounted = true
	spec, err := b.prepare(rootfs, cfg, &o, name)
	if err != nil {
		return -1, err
	}
	if o.pod != nil {
		spec.Annotations[annotPod] = o.pod.ID
		o.CgroupManager, o.CgroupParent = o.pod.cgroupManager(), o.pod.CgroupParent
	}
	spec.Linux.CgroupsPath = cgroupsPath(o.CgroupManager, o.CgroupParent, c.ID)
	if o.LogPath != "" {
		spec.Annotations[AnnotLogPath] = o.LogPath
	}
	if err := customize(spec, o.Customize); err != nil {
		return -1, err
	}
	if err := b.write(spec); err != nil {
		return -1, err
	}
	if o.CreateOnly {
		// Kept for Start; nothing runs, nothing stays mounted.
		if err := b.keep(name); err != nil {
			return -1, err
		}
		detached = true
		b.unmount()
		started(c.ID)
		return 0, nil
	}
	if err := b.markStarted(o.StateDir); err != nil {
		return -1, err
	}
	if o.Detach {
		// Created under its monitor while the plugins run; started once
		// they are done.
		detached = true
		if err := startDetached(&o, b, networked); err != nil {
			return -1, err
		}
		started(c.ID)
		return 0, nil
	}
	if o.Monitor != "" && !o.TTY && o.netState != nil {
		// Created while the plugins run, started once they are done. Not
		// without plugins (the runtime's run is one exec less), nor with
		// a terminal, which the runtime's run makes.
		return runSupervised(&o, b, func() error {
			if err := networked(); err != nil {
				return err
			}
			started(c.ID)
			return nil
		})
	}
	if err := networked(); err != nil {
		return -1, err
	}
	started(c.ID)
	if o.Monitor != "" {
		return runSupervised(&o, b, nil)
	}
	status, err = runRuntime(&o, b)
	if err == nil && !o.Remove {
		// For ps: the runtime forgets a container once it has exited.
		_ = writeExit(o.StateDir, c.ID, status)
	}
	return status, err
}

// checkInput refuses what came from outside and would write ctr's state
// or the container's /etc files for it: keys of ctr's own among its
// labels and annotations, DNS and /etc/hosts entries with a line or field
// of their own. Every front door checks these with its own names first;
// this is for a caller that did not.
func checkInput(o *Options) error {
	if err := CheckKeys(o.Labels); err != nil {
		return fmt.Errorf("label: %w", err)
	}
	if err := CheckKeys(o.Annotations); err != nil {
		return fmt.Errorf("annotation: %w", err)
	}
	for _, h := range o.AddHosts {
		if err := CheckHostEntry(h); err != nil {
			return err
		}
	}
	return CheckDNS(o.DNS, o.DNSSearch, o.DNSOptions, DNSFields{Servers: "DNS server", Searches: "DNS search domain", Options: "DNS option"})
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
func findOrPull(ctx context.Context, store storage.Store, o *Options) (*storage.Image, error) {
	if o.Pull != "always" {
		img, err := storedimage.Find(store, o.Image)
		if err == nil {
			return img, nil
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

// writeNew creates path with content, failing if it exists (as podman's
// --cidfile does).
func removeCIDFile(path string) {
	if path != "" {
		_ = os.Remove(path)
	}
}

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

// runRuntime runs ctr-runtime in the foreground with our stdio, passing on
// SIGINT and SIGTERM, and returns the container's status.
func runRuntime(o *Options, b *bundle) (int, error) {
	logPath := filepath.Join(b.dir, "runtime.log")
	global := []string{"--root", runtimeRoot(o.StateDir), "--log", logPath, "--log-format", "json"}
	if o.CgroupManager == SystemdManager {
		global = append(global, "--systemd-cgroup")
	}
	cmd := exec.Command(o.Runtime, append(global, "run", "--bundle", b.dir, b.id)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if o.Stdout != nil {
		cmd.Stdout = o.Stdout
	}
	if !o.Interactive && !o.TTY {
		cmd.Stdin = nil // /dev/null, as podman without -i
	}
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return -1, fail(ExitRunFailure, "starting %s: %w", o.Runtime, err)
	}
	done := make(chan struct{})
	go func() {
		var kill *time.Timer
		defer func() {
			if kill != nil {
				kill.Stop()
			}
		}()
		for {
			select {
			case s := <-sigs:
				_ = cmd.Process.Signal(s)
				if o.KillAfter > 0 && kill == nil && (s == syscall.SIGINT || s == syscall.SIGTERM) {
					kill = time.AfterFunc(o.KillAfter, func() {
						_ = exec.Command(o.Runtime, "--root", runtimeRoot(o.StateDir), "kill", "--all", b.id, "KILL").Run()
					})
				}
			case <-done:
				return
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	// The runtime's own failures are in its log; the container's exit
	// status is not.
	if msg := runtimeError(logPath); msg != "" {
		return -1, fail(ExitRunFailure, "%s", msg)
	}
	if status, ok := exitStatus(err); ok {
		return status, nil
	}
	return -1, fail(ExitRunFailure, "%s: %w", o.Runtime, err)
}

// exitStatus is a finished command's status (128+N for signal N); false
// if the command did not run to an exit.
func exitStatus(err error) (int, bool) {
	if err == nil {
		return 0, true
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return -1, false
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal()), true
	}
	return ee.ExitCode(), true
}

// forceDelete has the runtime kill and forget the container id; one it
// does not know is no error.
func forceDelete(runtime, stateDir, id string) error {
	out, err := exec.Command(runtime, "--root", runtimeRoot(stateDir), "delete", "--force", id).CombinedOutput()
	if err != nil && !strings.Contains(string(out), "does not exist") {
		return errors.New(strings.TrimSpace(string(out)))
	}
	return nil
}

// runtimeRoot is where ctr-runtime keeps the state of ctr-run's containers.
func runtimeRoot(stateDir string) string { return filepath.Join(stateDir, "runtime") }

// runtimeError returns the last error ctr-runtime logged, "" if none.
func runtimeError(logPath string) string {
	b, err := os.ReadFile(logPath)
	if err != nil {
		return ""
	}
	msg := ""
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var e struct{ Level, Msg string }
		if json.Unmarshal([]byte(line), &e) == nil && e.Level == "error" {
			msg = e.Msg
		}
	}
	return msg
}

// FindImage finds an image in local storage by name, ID or ID prefix,
// pulling it per pull (missing, always, never), as ctr-run does.
func FindImage(ctx context.Context, store storage.Store, name, pull string, puller Puller) (*storage.Image, error) {
	return findOrPull(ctx, store, &Options{Image: name, Pull: pull, Puller: puller})
}
