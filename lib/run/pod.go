package run

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/lookup"
	"github.com/ctr-project/ctr/lib/mountinfo"
	"github.com/ctr-project/ctr/lib/network"
)

// Pods, as podman's: an infra container (catatonit, from the pause image
// made on first use) holds the namespaces the pod shares (network, IPC and
// UTS by default; PID with --share pid) and the pod's network attachment
// with its published ports. The pod's containers join those namespaces,
// use the infra's /etc/hosts, /etc/hostname and /etc/resolv.conf, share
// one /dev/shm when they share IPC, and run below the pod's cgroup, whose
// limits count what they use together. A pod's record is kept with what
// outlives a reboot; its state is its containers'.

// PodSchema names the version of Pod.
const PodSchema = "ctr.pod/v1"

// Namespaces a pod can share, and those it shares unless told.
var (
	PodShareable = []string{"net", "ipc", "uts", "pid"}
	DefaultShare = []string{"net", "ipc", "uts"}
)

// Pod is a pod's record, and what pod ls and pod inspect print.
type Pod struct {
	Schema       string    `json:"schema"`
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	Created      time.Time `json:"created"`
	Share        []string  `json:"share"`
	Hostname     string    `json:"hostname"`
	InfraID      string    `json:"infraId"`
	CgroupParent string    `json:"cgroupParent"`
	// CgroupManager made the pod's cgroup: systemd (a slice) or cgroupfs
	// ("" in the records of before it was kept: cgroupfs).
	CgroupManager string `json:"cgroupManager,omitempty"`
	Memory        int64  `json:"memory,omitempty"`   // bytes
	CPUQuota      int64  `json:"cpuQuota,omitempty"` // µs per 100 ms
	// Labels are the caller's, and ctr's tools' own (keys starting
	// io.ctr.: ctr-cri keeps the kubelet's config there), which no
	// outside input sets.
	Labels map[string]string `json:"labels,omitempty"`

	// Filled in when read: running (all its containers run), degraded
	// (some do), exited (none does).
	Status     string                `json:"status"`
	Ports      []network.PortMapping `json:"ports,omitempty"`
	Containers []PodMember           `json:"containers"`
}

// PodMember is one of a pod's containers.
type PodMember struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Status Status `json:"status"`
	Infra  bool   `json:"infra,omitempty"`
}

// shares says whether the pod shares namespace kind ("net", "ipc"…).
func (p *Pod) shares(kind string) bool { return slices.Contains(p.Share, kind) }

// PodOptions configure CreatePod: the pod's name, what it shares, and its
// network (as a container's: Network, Publish, IP, MAC, AddHosts, DNS…,
// NoHosts of Infra), host name and limits.
type PodOptions struct {
	Name     string
	Share    []string
	Hostname string
	Memory   int64
	CPUQuota int64
	// CgroupParent, when given, is the cgroup the pod's containers run
	// under, made and removed by the caller (the kubelet's pod cgroup,
	// with the pod's limits); else the pod has one of its own,
	// /ctr-pods/ID (cgroupfs) or machine-ctr_pod_ID.slice (systemd), with
	// Memory and CPUQuota.
	CgroupParent string
	// CgroupManager is systemd or cgroupfs ("": cgroupfs), for the pod's
	// cgroup and every container in it.
	CgroupManager string
	// Labels are kept with the pod (Pod.Labels); they come from outside
	// (a manifest's) and may not use ctr's own keys (OwnPrefix).
	// OwnLabels are ctr's tools' own (ctr-cri's records), kept over them.
	Labels, OwnLabels map[string]string
	// PauseBinary is the static catatonit the infra runs (with -P; "":
	// podman's, else catatonit on PATH).
	PauseBinary string
	// Infra holds the infra container's network options; the rest of it
	// comes from the Manager.
	Infra Request
}

var podNameRE = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

func (m *Manager) podsDir() string {
	return filepath.Join(cmp.Or(m.PersistDir, m.StateDir), "pods")
}

func (m *Manager) podFile(id string) string { return filepath.Join(m.podsDir(), id+".json") }

// PodVolumeDir is where the pod's own volumes live (kube play's
// emptyDirs), beside its record: they outlive a reboot as the pod does,
// and go when it is removed.
func (m *Manager) PodVolumeDir(id, name string) string {
	return filepath.Join(m.podVolumesDir(id), name)
}

func (m *Manager) podVolumesDir(id string) string { return filepath.Join(m.podsDir(), id+".volumes") }

// podShm is the pod's /dev/shm, a tmpfs on the host its containers bind.
func (m *Manager) podShm(id string) string { return podShmOf(m.StateDir, id) }

func podShmOf(stateDir, id string) string { return filepath.Join(stateDir, "pods", id, "shm") }

func (m *Manager) lockPods() (func(), error) { return flockFile(filepath.Join(m.podsDir(), ".lock")) }

func (m *Manager) writePod(p *Pod) error {
	rec := *p
	rec.Status, rec.Ports, rec.Containers = "", nil, nil
	data, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(m.podsDir(), 0o700); err != nil {
		return err
	}
	tmp := m.podFile(p.ID) + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, m.podFile(p.ID))
}

// podRecords reads every pod's record, without its state.
func (m *Manager) podRecords() ([]Pod, error) {
	entries, err := os.ReadDir(m.podsDir())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Pod
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(m.podsDir(), e.Name()))
		if err != nil {
			continue
		}
		var p Pod
		if json.Unmarshal(data, &p) == nil && p.Schema == PodSchema {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b Pod) int { return a.Created.Compare(b.Created) })
	return out, nil
}

// findPod finds a pod's record by ID, name or unique ID prefix
// (lib/lookup's rule).
func (m *Manager) findPod(ref string) (Pod, error) {
	return m.findPodBy(ref, func(p Pod) (string, []string) { return p.ID, []string{p.Name} })
}

func (m *Manager) findPodBy(ref string, keys lookup.Keys[Pod]) (Pod, error) {
	pods, err := m.podRecords()
	if err != nil {
		return Pod{}, err
	}
	return lookup.Find("pod", ref, pods, keys)
}

// Pods lists the pods with their state.
func (m *Manager) Pods(ctx context.Context) ([]Pod, error) {
	pods, err := m.podRecords()
	if err != nil {
		return nil, err
	}
	all, err := m.List(ctx, true)
	if err != nil {
		return nil, err
	}
	for i := range pods {
		m.fillPod(&pods[i], all)
	}
	return pods, nil
}

// GetPod finds a pod by ID, name or unique ID prefix, with its state.
func (m *Manager) GetPod(ctx context.Context, ref string) (Pod, error) {
	p, err := m.findPod(ref)
	return m.podState(ctx, p, err)
}

// GetPodByID is GetPod by ID or unique ID prefix only: the CRI names
// sandboxes by their IDs, never by name.
func (m *Manager) GetPodByID(ctx context.Context, ref string) (Pod, error) {
	p, err := m.findPodBy(ref, func(p Pod) (string, []string) { return p.ID, nil })
	return m.podState(ctx, p, err)
}

// podState fills in the state of the pod found.
func (m *Manager) podState(ctx context.Context, p Pod, err error) (Pod, error) {
	if err != nil {
		return p, err
	}
	all, err := m.list(ctx, true, p.ID)
	if err != nil {
		return p, err
	}
	m.fillPod(&p, all)
	return p, nil
}

// fillPod adds the pod's containers (the infra first), its status and its
// ports.
func (m *Manager) fillPod(p *Pod, all []Container) {
	p.Containers = []PodMember{}
	running := 0
	for _, c := range all {
		if c.Pod != p.ID {
			continue
		}
		mem := PodMember{ID: c.ID, Name: c.Name, Status: c.Status, Infra: c.Infra}
		if c.Infra {
			p.Containers = slices.Insert(p.Containers, 0, mem)
		} else {
			p.Containers = append(p.Containers, mem)
		}
		if c.Status == StatusRunning {
			running++
		}
	}
	switch {
	case running == 0:
		p.Status = "exited"
	case running == len(p.Containers):
		p.Status = "running"
	default:
		p.Status = "degraded"
	}
	if p.InfraID != "" {
		b := &bundle{id: p.InfraID, dir: filepath.Join(m.StateDir, p.InfraID), persist: persistOf(m.PersistDir, p.InfraID)}
		if r, err := b.readNet(); err == nil && r != nil {
			p.Ports = r.Ports
		}
	}
}

// CreatePod makes a pod and starts its infra container; it returns the
// pod's record (GetPod adds its state). On failure nothing of it is left.
func (m *Manager) CreatePod(ctx context.Context, po PodOptions) (p Pod, retErr error) {
	share := po.Share
	if share == nil {
		share = DefaultShare
	}
	if err := checkPodOptions(po, share); err != nil {
		return p, err
	}
	id := NewID()
	p = Pod{Schema: PodSchema, ID: id, Name: cmp.Or(po.Name, "pod-"+id[:12]), Created: time.Now().UTC(), Share: share,
		CgroupManager: cmp.Or(po.CgroupManager, CgroupfsManager), Memory: po.Memory, CPUQuota: po.CPUQuota, Labels: withOwn(po.Labels, po.OwnLabels)}
	p.CgroupParent = cmp.Or(po.CgroupParent, ownPodCgroup(p.CgroupManager, id))
	p.Hostname = cmp.Or(po.Hostname, p.Name) // podman's default: the pod's name
	// A pod of this name that a killed creator left goes first.
	if _, err := m.RemoveHalfMade(ctx, func(q Pod) bool { return q.Name == p.Name }); err != nil {
		return p, err
	}
	done, err := m.markCreating(id)
	if err != nil {
		return p, err
	}
	defer done()
	// The record next: whatever fails from here, pod rm finds the rest.
	if err := m.claimPodName(&p); err != nil {
		return p, err
	}
	defer func() {
		if retErr != nil {
			_ = m.destroyPod(ctx, p)
		}
	}()
	pause, err := pauseImage(m.Store, po.PauseBinary)
	if err != nil {
		return p, err
	}
	req := po.Infra
	req.Image, req.Args, req.Name, req.Hostname = pause, nil, id[:12]+"-infra", p.Hostname
	req.Detach, req.Remove, req.Pull = true, false, "never"
	if !p.shares("net") {
		req.Network = NetNone // the namespace is the infra's own; no one joins it
	}
	if err := m.preparePod(p); err != nil {
		return p, err
	}
	infra := &launch{Manager: m, Request: &req, pod: &p, infra: true}
	if _, err := m.run(ctx, infra, func(infraID string) { p.InfraID = infraID }); err != nil {
		return p, err
	}
	return p, m.writePod(&p)
}

// claimPodName writes the new pod's record if no other pod has its name.
// The lock is held for that alone: pods made at once (a kubelet's) start
// their infras, and run their networks' plugins, side by side.
func (m *Manager) claimPodName(p *Pod) error {
	unlock, err := m.lockPods()
	if err != nil {
		return err
	}
	defer unlock()
	pods, err := m.podRecords()
	if err != nil {
		return err
	}
	if slices.ContainsFunc(pods, func(q Pod) bool { return q.Name == p.Name }) {
		return errdefs.Usagef("the pod name %q is already in use", p.Name)
	}
	return m.writePod(p)
}

// checkPodOptions refuses what a pod cannot be: a network of its own
// with the network not shared, a host name without a UTS namespace.
func checkPodOptions(po PodOptions, share []string) error {
	if po.CgroupParent != "" && (po.Memory > 0 || po.CPUQuota > 0) {
		return errdefs.Usagef("a pod under a cgroup parent of the caller's has the limits the caller set there, not its own")
	}
	if err := CheckCgroupManager(po.CgroupManager, po.CgroupParent); err != nil {
		return err
	}
	if po.Name != "" && !podNameRE.MatchString(po.Name) {
		return errdefs.Usagef("pod name %q: use letters, digits, _, . and - (not first)", po.Name)
	}
	if err := CheckKeys(po.Labels); err != nil {
		return fmt.Errorf("label: %w", err)
	}
	o := po.Infra
	if err := checkInput(&o); err != nil {
		return err
	}
	if !slices.Contains(share, "net") && (len(o.Publish) > 0 || o.PublishAll || o.IP != "" || o.MAC != "" ||
		(o.Network != "" && o.Network != NetBridge)) {
		return errdefs.Usagef("a pod that does not share its network (--share without net) takes no --network, -p, --ip or --mac-address")
	}
	if po.Hostname != "" && !slices.Contains(share, "uts") {
		return errdefs.Usagef("--hostname needs the pod to share its UTS namespace (--share uts)")
	}
	switch {
	case strings.HasPrefix(o.Network, "container:"), strings.HasPrefix(o.Network, "ns:"):
		return errdefs.Usagef("a pod's --network is bridge, none, host or network names, not %s", o.Network)
	}
	return nil
}

// preparePod makes what the pod's containers share on the host before
// its infra starts: its cgroup with the limits, its /dev/shm.
func (m *Manager) preparePod(p Pod) error {
	if p.ownsCgroup() {
		if err := makePodCgroup(p); err != nil {
			return err
		}
	}
	if !p.shares("ipc") {
		return nil
	}
	shm := m.podShm(p.ID)
	if err := os.MkdirAll(shm, 0o700); err != nil {
		return err
	}
	if mountinfo.Mounted(shm) {
		return nil
	}
	if err := unix.Mount("shm", shm, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "mode=1777,size=65536k"); err != nil {
		return fmt.Errorf("the pod's /dev/shm: %w", err)
	}
	return nil
}

// releasePod undoes preparePod, once the pod's containers are stopped.
func (m *Manager) releasePod(p Pod) error {
	shm := m.podShm(p.ID)
	if mountinfo.Mounted(shm) {
		if err := unix.Unmount(shm, unix.MNT_DETACH); err != nil {
			return fmt.Errorf("unmounting the pod's /dev/shm: %w", err)
		}
	}
	_ = os.RemoveAll(filepath.Dir(shm))
	if !p.ownsCgroup() {
		return nil // the caller's, as it made it
	}
	return removePodCgroup(p)
}

// ownsCgroup says whether the pod's cgroup is its own (made with it), not
// a parent the caller gave.
func (p *Pod) ownsCgroup() bool { return p.CgroupParent == ownPodCgroup(p.cgroupManager(), p.ID) }

// cgroupManager is the manager of the pod's cgroup.
func (p *Pod) cgroupManager() string { return cmp.Or(p.CgroupManager, CgroupfsManager) }

// joinPod points a new container of a pod at what the pod shares: the
// infra's namespaces (started first if it is not running), its /etc
// files, the pod's /dev/shm and cgroup.
func (o *launch) joinPod(ctx context.Context) error {
	p, err := o.findPod(o.Pod)
	if err != nil {
		return err
	}
	if p.shares("net") && (len(o.Publish) > 0 || o.PublishAll || o.IP != "" || o.MAC != "" || o.NoHosts ||
		len(o.AddHosts)+len(o.DNS)+len(o.DNSSearch)+len(o.DNSOptions) > 0 || (o.Network != "" && o.Network != NetBridge)) {
		return errdefs.Usagef("a container in pod %s uses the pod's network: give --network, -p, --ip, --mac-address, --dns and --add-host to pod create", p.Name)
	}
	for kind, mode := range map[string]string{"pid": o.PID, "ipc": o.IPC, "uts": o.UTS} {
		if p.shares(kind) && mode == "host" {
			return errdefs.Usagef("--%s host: pod %s shares its %s namespace", kind, p.Name, kind)
		}
	}
	if p.shares("uts") && o.Hostname != "" {
		return errdefs.Usagef("--hostname: a container in pod %s has the pod's (give it to pod create)", p.Name)
	}
	infra, err := o.runningInfra(ctx, p, o.PodStart)
	if err != nil {
		return err
	}
	o.pod = &p
	if p.shares("net") {
		o.Network = "container:" + infra.ID
		if o.podNetns, err = o.containerNetns(infra); err != nil {
			return err
		}
	}
	if p.shares("uts") {
		o.Hostname = p.Hostname
	}
	o.nsPaths, o.podFiles = podNamespaces(p, infra)
	if p.shares("net") && o.podFiles["/etc/hosts"] == "" {
		o.NoHosts = true // the pod's --no-hosts: each keeps its image's
	}
	if p.shares("ipc") {
		o.shm = o.podShm(p.ID)
	}
	return nil
}

// runningInfra is the pod's infra container, started (with what the pod
// shares on the host) if it is not running and start says so.
func (m *Manager) runningInfra(ctx context.Context, p Pod, start bool) (Container, error) {
	infra, err := m.Get(ctx, p.InfraID)
	if err != nil {
		return infra, fail(ExitRunFailure, "pod %s has no infra container (remove the pod)", p.Name)
	}
	if infra.Status == StatusRunning {
		return infra, nil
	}
	if !start || m.Monitor == "" {
		return infra, fail(ExitRunFailure, "pod %s is not running (pod start)", p.Name)
	}
	if err := m.preparePod(p); err != nil {
		return infra, err
	}
	if _, err := m.Start(ctx, infra.ID); err != nil {
		return infra, err
	}
	return m.Get(ctx, p.InfraID)
}

// podNamespaces are the namespaces a member joins (all but the network,
// which it joins as container:INFRA) and the infra's /etc files it uses.
func podNamespaces(p Pod, infra Container) (map[specs.LinuxNamespaceType]string, map[string]string) {
	proc := "/proc/" + strconv.Itoa(infra.Pid) + "/ns/"
	ns := map[specs.LinuxNamespaceType]string{}
	for kind, typ := range map[string]specs.LinuxNamespaceType{"ipc": specs.IPCNamespace, "uts": specs.UTSNamespace, "pid": specs.PIDNamespace} {
		if p.shares(kind) {
			ns[typ] = proc + kind
		}
	}
	files := map[string]string{}
	if p.shares("net") {
		for _, f := range []string{"hosts", "resolv.conf"} {
			if exists(filepath.Join(infra.Bundle, f)) {
				files["/etc/"+f] = filepath.Join(infra.Bundle, f)
			}
		}
	}
	if p.shares("uts") {
		files["/etc/hostname"] = filepath.Join(infra.Bundle, "hostname")
	}
	return ns, files
}

// rejoinPod points a pod member that starts again at the infra's
// namespaces now (the infra may have started again since).
func (m *Manager) rejoinPod(ctx context.Context, p Pod, spec *specs.Spec) error {
	infra, err := m.runningInfra(ctx, p, true)
	if err != nil {
		return err
	}
	ns, _ := podNamespaces(p, infra)
	netns, err := m.containerNetns(infra)
	if err != nil {
		return err
	}
	for i, n := range spec.Linux.Namespaces {
		switch {
		case n.Type == specs.NetworkNamespace && p.shares("net"):
			spec.Linux.Namespaces[i].Path = netns
		case ns[n.Type] != "":
			spec.Linux.Namespaces[i].Path = ns[n.Type]
		}
	}
	return nil
}

// startInPod readies a pod's container that starts again: for the infra,
// what the pod shares on the host; for the others, the infra (started if
// need be) and its namespaces now.
func (m *Manager) startInPod(ctx context.Context, c Container, podID string, spec *specs.Spec) error {
	p, err := m.findPod(podID)
	if err != nil {
		return err
	}
	if c.Infra {
		return m.preparePod(p)
	}
	return m.rejoinPod(ctx, p, spec)
}

// podMembers finds a pod and its containers now.
func (m *Manager) podMembers(ctx context.Context, ref string) (Pod, []Container, Container, error) {
	p, err := m.findPod(ref)
	if err != nil {
		return p, nil, Container{}, err
	}
	ms, infra, err := m.members(ctx, p)
	return p, ms, infra, err
}

// members are the pod's containers now, the infra last.
func (m *Manager) members(ctx context.Context, p Pod) ([]Container, Container, error) {
	all, err := m.list(ctx, true, p.ID)
	if err != nil {
		return nil, Container{}, err
	}
	var out []Container
	var infra Container
	for _, c := range all {
		switch {
		case c.Pod != p.ID:
		case c.Infra:
			infra = c
		default:
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b Container) int { return a.Created.Compare(b.Created) })
	return out, infra, nil
}

// StartPod starts the pod's infra container, then each of its containers
// that is not running, oldest first. It, StopPod and KillPod return the
// pod's record (GetPod adds its state).
func (m *Manager) StartPod(ctx context.Context, ref string) (Pod, error) {
	p, err := m.findPod(ref)
	if err != nil {
		return p, err
	}
	if _, err := m.runningInfra(ctx, p, true); err != nil {
		return p, err
	}
	ms, _, err := m.members(ctx, p)
	if err != nil {
		return p, err
	}
	for _, c := range ms {
		if c.Status != StatusRunning {
			if _, err := m.Start(ctx, c.ID); err != nil {
				return p, fmt.Errorf("starting %s: %w", c.Name, err)
			}
		}
	}
	return p, nil
}

// StopPod stops the pod's containers (each with its stop signal and
// timeout, or timeout), then its infra, waits for their clean-up, and
// releases the pod's cgroup and /dev/shm.
//
// The pod's network goes as soon as no container of the pod can use it:
// once they have stopped, or at once with a timeout of 0 (everything is
// killed). Its plugins, most of a pod's stop, run meanwhile: while the
// infra is stopped and the monitors clean up (the infra's monitor then
// finds it detached).
func (m *Manager) StopPod(ctx context.Context, ref string, timeout *time.Duration) (Pod, error) {
	p, ms, infra, err := m.podMembers(ctx, ref)
	if err != nil {
		return p, err
	}
	waitNet := func() error { return nil }
	if infra.ID != "" && timeout != nil && *timeout == 0 {
		// Killed at once, the infra with the rest.
		waitNet = m.bundle(infra).startDetach(ctx, m, true)
		ms = append(ms, infra)
		err = m.stopEach(ctx, ms, timeout)
	} else {
		err = m.stopEach(ctx, ms, timeout)
		if infra.ID != "" && err == nil {
			waitNet = m.bundle(infra).startDetach(ctx, m, true)
			err = m.stopEach(ctx, []Container{infra}, timeout)
			ms = append(ms, infra)
		}
	}
	// The network first: the infra's monitor waits on its lock.
	err = errors.Join(err, waitNet())
	for _, c := range ms {
		if c.Status == StatusRunning && err == nil {
			waitMonitor(c.Bundle, c.ID, 30*time.Second)
		}
	}
	if err != nil {
		return p, err
	}
	if err := m.releasePod(p); err != nil {
		return p, err
	}
	return p, nil
}

// stopEach stops the running containers of cs at once.
func (m *Manager) stopEach(ctx context.Context, cs []Container, timeout *time.Duration) error {
	var wg sync.WaitGroup
	errs := make([]error, len(cs))
	for i, c := range cs {
		if c.Status == StatusRunning {
			wg.Go(func() { errs[i] = m.Stop(ctx, c.ID, timeout) })
		}
	}
	wg.Wait()
	return errors.Join(errs...)
}

// KillPod sends sig to the pod's running containers, the infra last.
func (m *Manager) KillPod(ctx context.Context, ref string, sig syscall.Signal) (Pod, error) {
	p, ms, infra, err := m.podMembers(ctx, ref)
	if err != nil {
		return p, err
	}
	var errs []error
	for _, c := range append(ms, infra) {
		if c.ID != "" && c.Status == StatusRunning {
			errs = append(errs, m.Kill(ctx, c.ID, sig))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return p, err
	}
	return p, nil
}

// RemovePod removes the pod, its containers and what it has on the host.
// A pod with a running container needs force (they are killed).
func (m *Manager) RemovePod(ctx context.Context, ref string, force bool) (Pod, error) {
	p, ms, infra, err := m.podMembers(ctx, ref)
	if err != nil {
		return p, err
	}
	if !force {
		for _, c := range append(ms, infra) {
			if c.Status == StatusRunning && !c.Infra {
				return p, errdefs.Usagef("pod %s has running containers (%s): stop the pod first or use -f", p.Name, c.Name)
			}
		}
	}
	return p, m.destroyPod(ctx, p)
}

// destroyPod removes whatever there is of a pod: its containers, then
// the infra (with the network), then its cgroup, /dev/shm and record.
func (m *Manager) destroyPod(ctx context.Context, p Pod) error {
	ms, infra, err := m.members(ctx, p)
	if err != nil {
		return err
	}
	// All at once: the infra's network goes while the others' storage does.
	var wg sync.WaitGroup
	errs := make([]error, len(ms)+2)
	for i, c := range append(ms, infra) {
		if c.ID != "" {
			wg.Go(func() { errs[i] = m.remove(ctx, c, true) })
		}
	}
	wg.Wait()
	errs[len(ms)+1] = m.releasePod(p)
	if err := errors.Join(errs...); err != nil {
		return err // the record stays: pod rm again finishes the job
	}
	if err := os.RemoveAll(m.podVolumesDir(p.ID)); err != nil {
		return err
	}
	if err := os.Remove(m.podFile(p.ID)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
