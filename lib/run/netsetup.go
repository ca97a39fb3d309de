package run

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/network"
)

// Network modes of --network, beside network names.
const (
	NetNone   = "none"
	NetHost   = "host"
	NetBridge = "bridge" // podman's default network
)

// netRecord is a container's network, kept with its persistent files:
// what it asked for (to attach again at start) and, while attached, the
// attachment (to detach it, also after ctr-run or its monitor was killed).
type netRecord struct {
	Requests []network.Request     `json:"requests,omitempty"`
	Ports    []network.PortMapping `json:"ports,omitempty"`
	// State is the last attachment; Attached while it is in place.
	State    *network.State `json:"state,omitempty"`
	Attached bool           `json:"attached"`
}

// cniNetworks are the networks a --network value names: the default one
// for bridge; nil for none, host, container: and ns:.
func cniNetworks(mode string) []string {
	switch {
	case mode == "" || mode == NetBridge:
		return []string{network.DefaultName}
	case mode == NetNone || mode == NetHost, strings.HasPrefix(mode, "container:"), strings.HasPrefix(mode, "ns:"):
		return nil
	}
	return strings.Split(mode, ",")
}

// netFile is where the container's netRecord is.
func (b *bundle) netFile() string {
	if b.persist != "" {
		return filepath.Join(b.persist, "network.json")
	}
	return filepath.Join(b.dir, "network.json")
}

func (b *bundle) readNet() (*netRecord, error) {
	data, err := os.ReadFile(b.netFile())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var r netRecord
	return &r, json.Unmarshal(data, &r)
}

func (b *bundle) writeNet(r *netRecord) error {
	if err := os.MkdirAll(filepath.Dir(b.netFile()), 0o700); err != nil {
		return err
	}
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	tmp := b.netFile() + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, b.netFile())
}

// attachNetwork attaches the container to its CNI networks (none for the
// other modes) and records it before anything else can fail.
func (b *bundle) attachNetwork(ctx context.Context, nm *network.Manager, r *netRecord) (*network.State, error) {
	if r == nil || len(r.Requests) == 0 {
		return nil, nil
	}
	st, err := nm.Attach(ctx, b.id, r.Requests, r.Ports)
	if err != nil {
		return nil, err
	}
	r.State, r.Attached = st, true
	if err := b.writeNet(r); err != nil {
		_ = nm.Detach(context.WithoutCancel(ctx), b.id, st)
		st.ReleasePorts()
		return nil, err
	}
	return st, nil
}

// detachNetwork undoes what attachNetwork did, if it is still attached:
// the leases, veths and port rules go, and the pinned namespace. The
// record stays (start attaches again), without the attachment.
func (b *bundle) detachNetwork(ctx context.Context, m *Manager) error {
	return b.startDetach(ctx, m, true)()
}

// startDetach starts detachNetwork's work in the background (its plugins
// take most of a container's clean-up) and returns the wait for it; with
// keep false the record is not updated (the container is being removed,
// its record with it).
func (b *bundle) startDetach(ctx context.Context, m *Manager, keep bool) func() error {
	// One detacher at a time (a killed build's step is released by both
	// its ctr-build and ctr-build rm): the second finds it detached.
	unlock, err := b.lockNet()
	if err != nil {
		return func() error { return err }
	}
	r, err := b.readNet()
	if err != nil || r == nil || !r.Attached {
		unlock()
		return func() error { return err }
	}
	m.leaveNames(b, b.name(), r.State)
	done := make(chan error, 1)
	go func() { done <- m.networks().Detach(ctx, b.id, r.State) }()
	return func() error {
		defer unlock()
		if err := <-done; err != nil {
			return err
		}
		if !keep {
			return nil
		}
		r.Attached = false
		return b.writeNet(r)
	}
}

// lockNet takes the lock of the container's network record.
func (b *bundle) lockNet() (func(), error) { return flockFile(b.netFile() + ".lock") }

// netnsPath is the namespace the container joins for its network mode:
// its own pinned one, another container's, or a path; "" for a new one
// (none) or the host's.
func (o *launch) netnsPath(ctx context.Context, st *network.State) (string, error) {
	switch {
	case st != nil:
		return st.NetNS, nil
	case strings.HasPrefix(o.Network, "ns:"):
		p := strings.TrimPrefix(o.Network, "ns:")
		if _, err := os.Stat(p); err != nil {
			return "", errdefs.WithKind(errdefs.ErrNotFound, fmt.Errorf("network namespace %s: %w", p, err))
		}
		return p, nil
	case o.podNetns != "":
		return o.podNetns, nil // found as the container joined its pod
	case strings.HasPrefix(o.Network, "container:"):
		return o.joinableNetns(ctx, strings.TrimPrefix(o.Network, "container:"))
	}
	return "", nil
}

// joinableNetns is a running container's network namespace: the pinned
// one it is attached with, else its process's.
func (m *Manager) joinableNetns(ctx context.Context, ref string) (string, error) {
	c, err := m.Get(ctx, ref)
	if err != nil {
		return "", err
	}
	return m.containerNetns(c)
}

// containerNetns is joinableNetns for a container found.
func (m *Manager) containerNetns(c Container) (string, error) {
	if c.Status != StatusRunning {
		return "", fail(ExitRunFailure, "container %s is %s: only a running container's network can be joined", c.Name, c.Status)
	}
	if r, err := m.bundle(c).readNet(); err == nil && r != nil && r.Attached {
		return r.State.NetNS, nil
	}
	return "/proc/" + strconv.Itoa(c.Pid) + "/ns/net", nil
}

// setupNetwork gives the container its network before its spec is
// written: the CNI attachment for bridge and named networks (with its
// ports), or the namespace it joins.
func (o *launch) setupNetwork(ctx context.Context, b *bundle, cfg *imgspecv1.Image) error {
	wait, err := o.startNetwork(ctx, b, cfg)
	if err != nil {
		return err
	}
	return wait()
}

// startNetwork is setupNetwork in two halves: the namespace is made (and
// recorded, so that a failure from here on detaches it) before it returns,
// the plugins run in the background until wait. A detached container is
// created in the namespace meanwhile; only its start waits for them.
func (o *launch) startNetwork(ctx context.Context, b *bundle, cfg *imgspecv1.Image) (wait func() error, err error) {
	rec, err := netRequest(o, cfg)
	if err != nil {
		return nil, err
	}
	if rec == nil || len(rec.Requests) == 0 {
		o.netns, err = o.netnsPath(ctx, nil)
		return func() error { return nil }, err
	}
	nm := o.networks()
	inUse, err := o.useNetworks(rec.Requests)
	if err != nil {
		return nil, err
	}
	st, err := nm.Prepare(b.id, rec.Requests, rec.Ports)
	if err != nil {
		inUse()
		return nil, err
	}
	rec.State, rec.Attached = st, true
	err = b.writeNet(rec)
	inUse() // recorded: a network rm now finds the container
	if err != nil {
		_ = nm.Detach(context.WithoutCancel(ctx), b.id, st)
		st.ReleasePorts()
		return nil, err
	}
	o.netState, o.netns = st, st.NetNS
	done := make(chan error, 1)
	go func() { done <- nm.Plug(ctx, b.id, st) }()
	return func() error {
		if err := <-done; err != nil {
			rec.Attached = false // Plug undid it all
			_ = b.writeNet(rec)
			return err
		}
		return b.writeNet(rec)
	}, nil
}

// recordNetwork is startNetwork for a container that is created, not
// started: what it asks for is recorded, unattached, and Start's
// reattach attaches it; a namespace it joins is named in its spec now.
func (o *launch) recordNetwork(ctx context.Context, b *bundle, cfg *imgspecv1.Image) (func() error, error) {
	none := func() error { return nil }
	rec, err := netRequest(o, cfg)
	if err != nil {
		return nil, err
	}
	if rec == nil || len(rec.Requests) == 0 {
		o.netns, err = o.netnsPath(ctx, nil)
		return none, err
	}
	inUse, err := o.useNetworks(rec.Requests)
	if err != nil {
		return nil, err
	}
	defer inUse()
	return none, b.writeNet(rec)
}

// refreshHosts writes the container's /etc/hosts again, in place, once its
// addresses are known.
func (b *bundle) refreshHosts(hostname string, o *launch) error {
	if o.NoHosts {
		return nil
	}
	return writeInPlace(filepath.Join(b.dir, "hosts"), []byte(hostsFile(hostname, o)))
}

// netRequest turns the network options into what to attach: the networks
// with --ip/--mac on the first, the ports (-p, and -P's EXPOSE ports on
// free host ports).
func netRequest(o *launch, cfg *imgspecv1.Image) (*netRecord, error) {
	names := cniNetworks(o.Network)
	if len(names) == 0 {
		if len(o.Publish) > 0 || o.PublishAll || o.IP != "" || o.MAC != "" {
			return nil, errdefs.Usagef("--publish, --publish-all, --ip and --mac need a bridge or named network, not --network %s", o.Network)
		}
		return nil, nil
	}
	if (o.IP != "" || o.MAC != "") && len(names) > 1 {
		return nil, errdefs.Usagef("--ip and --mac take one network, not %d", len(names))
	}
	r := &netRecord{Ports: append([]network.PortMapping{}, o.Publish...)}
	for i, n := range names {
		req := network.Request{Network: n}
		if i == 0 {
			req.IP, req.MAC = o.IP, o.MAC
		}
		r.Requests = append(r.Requests, req)
	}
	for i, p := range r.Ports {
		if p.HostPort == 0 {
			port, err := network.FreePort(p.HostIP, p.Protocol)
			if err != nil {
				return nil, err
			}
			r.Ports[i].HostPort = port
		}
	}
	if o.PublishAll && cfg != nil {
		for _, exposed := range slices.Sorted(maps.Keys(cfg.Config.ExposedPorts)) {
			p, err := ParseExposed(exposed)
			if err != nil {
				return nil, err
			}
			if slices.ContainsFunc(r.Ports, func(q network.PortMapping) bool {
				return q.ContainerPort == p.ContainerPort && q.Protocol == p.Protocol
			}) {
				continue // -p said where
			}
			if p.HostPort, err = network.FreePort("", p.Protocol); err != nil {
				return nil, err
			}
			r.Ports = append(r.Ports, p)
		}
	}
	return r, nil
}

// reattach attaches a container that starts again to its networks: a new
// namespace (the spec is pointed at it) and maybe new addresses (its
// /etc/hosts follows). It returns the attachment (nil for none), whose
// host ports' sockets the container's monitor is to hold.
func (b *bundle) reattach(ctx context.Context, m *Manager, spec *specs.Spec) (*network.State, error) {
	nm := m.networks()
	r, err := b.readNet()
	if err != nil || r == nil || len(r.Requests) == 0 {
		return nil, err
	}
	if r.Attached {
		if err := b.detachNetwork(ctx, m); err != nil {
			return nil, err
		}
	}
	old := r.State
	st, err := b.attachNetwork(ctx, nm, r)
	if err != nil {
		return nil, err
	}
	for i, ns := range spec.Linux.Namespaces {
		if ns.Type == specs.NetworkNamespace {
			spec.Linux.Namespaces[i].Path = st.NetNS
		}
	}
	if err := b.followAddresses(old, st); err != nil {
		st.ReleasePorts()
		return nil, err
	}
	if err := m.joinNames(b, b.name(), st); err != nil {
		st.ReleasePorts()
		return nil, err
	}
	return st, nil
}

// followAddresses puts the new attachment's addresses in /etc/hosts where
// the old one's were.
func (b *bundle) followAddresses(old, st *network.State) error {
	if old == nil {
		return nil
	}
	hostsPath := filepath.Join(b.dir, "hosts")
	hosts, err := os.ReadFile(hostsPath)
	if err != nil {
		return nil //nolint:nilerr // --no-hosts: there is none to update
	}
	text := string(hosts)
	for i, a := range old.Attachments {
		if i < len(st.Attachments) && a.IP() != "" {
			text = strings.ReplaceAll(text, a.IP()+"\t", st.Attachments[i].IP()+"\t")
		}
	}
	return writeInPlace(hostsPath, []byte(text))
}

// Ports is a container's published ports.
func (m *Manager) Ports(ctx context.Context, ref string) ([]network.PortMapping, error) {
	c, err := m.Get(ctx, ref)
	if err != nil {
		return nil, err
	}
	r, err := m.bundle(c).readNet()
	if err != nil || r == nil {
		return nil, err
	}
	return r.Ports, nil
}

// Addresses are the container's addresses, one per network it is
// attached to now (none when it is not).
func (m *Manager) Addresses(ctx context.Context, ref string) ([]string, error) {
	c, err := m.Get(ctx, ref)
	if err != nil {
		return nil, err
	}
	r, err := m.bundle(c).readNet()
	if err != nil || r == nil || !r.Attached || r.State == nil {
		return nil, err
	}
	var out []string
	for _, a := range r.State.Attachments {
		if ip := a.IP(); ip != "" {
			out = append(out, ip)
		}
	}
	return out, nil
}

// Connect attaches a running container to one more network (the next
// ethN), as podman network connect; it stays attached through restarts.
// The container's network record is locked throughout: two connects at
// once took one interface name (and the loser's clean-up removed the
// winner's interface), and a connect racing the container's end kept an
// attachment nothing would detach.
func (m *Manager) Connect(ctx context.Context, ref, netName string) error {
	c, b, r, unlock, err := m.attachedRecord(ctx, ref)
	if err != nil {
		return err
	}
	defer unlock()
	for _, a := range r.State.Attachments {
		if a.Network == netName {
			return errdefs.Usagef("container %s is on network %s already", c.Name, netName)
		}
	}
	inUse, err := m.useNetworks([]network.Request{{Network: netName}})
	if err != nil {
		return err
	}
	defer inUse()
	a, err := m.networks().AttachMore(ctx, c.ID, r.State, network.Request{Network: netName})
	if err != nil {
		return err
	}
	r.Requests = append(r.Requests, a.Request)
	if err := b.writeNet(r); err != nil {
		_ = m.networks().DetachOne(context.WithoutCancel(ctx), c.ID, r.State, len(r.State.Attachments)-1)
		return err
	}
	return m.joinNames(b, c.Name, &network.State{Attachments: []network.Attachment{a}})
}

// Disconnect detaches a running container from one of its networks.
func (m *Manager) Disconnect(ctx context.Context, ref, netName string) error {
	c, b, r, unlock, err := m.attachedRecord(ctx, ref)
	if err != nil {
		return err
	}
	defer unlock()
	i := slices.IndexFunc(r.State.Attachments, func(a network.Attachment) bool { return a.Network == netName })
	if i < 0 {
		return errdefs.WithKind(errdefs.ErrNotFound, fmt.Errorf("container %s is not on network %s", c.Name, netName))
	}
	a := r.State.Attachments[i]
	m.leaveNames(b, c.Name, &network.State{Attachments: []network.Attachment{a}})
	for _, p := range m.peers(c.ID, netName) {
		_ = removeLine(filepath.Join(b.dir, "hosts"), p.line) // names it no longer reaches
	}
	if err := m.networks().DetachOne(ctx, c.ID, r.State, i); err != nil {
		return err
	}
	r.State.Attachments = slices.Delete(r.State.Attachments, i, i+1)
	r.Requests = slices.DeleteFunc(r.Requests, func(q network.Request) bool { return q.Network == netName })
	return b.writeNet(r)
}

// attachedRecord is a running container with its network record, locked
// (unlock releases it), which must be a CNI attachment (not none, host,
// container: or ns:). The record is read, and the container found
// running, under the lock: a container whose end was cleaned up
// meanwhile is detached already.
func (m *Manager) attachedRecord(ctx context.Context, ref string) (Container, *bundle, *netRecord, func(), error) {
	c, err := m.Get(ctx, ref)
	if err != nil {
		return c, nil, nil, nil, err
	}
	b := m.bundle(c)
	unlock, err := b.lockNet()
	if err != nil {
		return c, nil, nil, nil, err
	}
	r, err := m.attachedLocked(ctx, b, &c)
	if err != nil {
		unlock()
		return c, nil, nil, nil, err
	}
	return c, b, r, unlock, nil
}

// attachedLocked is attachedRecord's checks, the record's lock held.
func (m *Manager) attachedLocked(ctx context.Context, b *bundle, c *Container) (*netRecord, error) {
	now, err := m.Get(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	*c = now
	if c.Status != StatusRunning {
		return nil, fail(ExitRunFailure, "container %s is %s, not running", c.Name, c.Status)
	}
	r, err := b.readNet()
	if err != nil {
		return nil, err
	}
	if r == nil || !r.Attached {
		return nil, errdefs.Usagef("container %s has no bridge or named network to change (its --network is none, host, container: or ns:)", c.Name)
	}
	return r, nil
}

// ParseExposed parses an image's EXPOSE entry: PORT[/PROTO].
func ParseExposed(s string) (network.PortMapping, error) {
	port, proto, _ := strings.Cut(s, "/")
	if proto == "" {
		proto = "tcp"
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 || (proto != "tcp" && proto != "udp") {
		return network.PortMapping{}, errdefs.WithKind(errdefs.ErrBadData, fmt.Errorf("the image exposes %q: not PORT[/tcp|udp]", s))
	}
	return network.PortMapping{ContainerPort: n, Protocol: proto}, nil
}
