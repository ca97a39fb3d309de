package network

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/containernetworking/cni/libcni"
	"github.com/containernetworking/cni/pkg/types"
	current "github.com/containernetworking/cni/pkg/types/100"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/lookup"
)

// PortMapping publishes a container port on the host (portmap plugin).
type PortMapping struct {
	HostIP        string `json:"hostIP,omitempty"`
	HostPort      int    `json:"hostPort"`
	ContainerPort int    `json:"containerPort"`
	Protocol      string `json:"protocol"` // tcp or udp
}

// Request asks for one network, optionally with a fixed address or MAC.
type Request struct {
	Network string
	IP      string
	MAC     string
}

// State is what a container's attachment is: what Detach needs to undo
// it, and what ps, port and /etc/hosts show.
type State struct {
	NetNS       string        `json:"netns"`
	Attachments []Attachment  `json:"attachments"`
	Ports       []PortMapping `json:"ports,omitempty"`

	// Between Prepare and Plug: what to attach.
	requests []Request
	lists    []*libcni.NetworkConfigList
	// held are the host ports' sockets, bound since Prepare (HeldPorts).
	// Their owner releases them, never Plug or Detach: a Plug in the
	// background fails while the caller hands them to a monitor.
	held   []*os.File
	heldMu sync.Mutex
}

// HeldPorts are the sockets Prepare bound on the published host ports,
// for a process that lives as long as the container (its monitor) to
// hold: the ports stay taken while it runs, as podman's conmon holds
// them, and a second container asking for one is refused. Nil once
// released.
func (st *State) HeldPorts() []*os.File {
	if st == nil {
		return nil
	}
	st.heldMu.Lock()
	defer st.heldMu.Unlock()
	return slices.Clone(st.held)
}

// ReleasePorts closes this process's sockets on the host ports (the
// monitor keeps its own).
func (st *State) ReleasePorts() {
	if st == nil {
		return
	}
	st.heldMu.Lock()
	defer st.heldMu.Unlock()
	closeAll(st.held)
	st.held = nil
}

// Attachment is the container on one network.
type Attachment struct {
	Network string   `json:"network"`
	IfName  string   `json:"ifname"`
	IPs     []string `json:"ips"` // CIDR
	Gateway string   `json:"gateway,omitempty"`
	MAC     string   `json:"mac,omitempty"`
	Request Request  `json:"request"`
}

// IP is the container's first address on it, without the prefix length.
func (a Attachment) IP() string {
	if len(a.IPs) == 0 {
		return ""
	}
	ip, _, _ := strings.Cut(a.IPs[0], "/")
	return ip
}

// Attach makes a pinned network namespace and attaches it to each network
// (eth0, eth1, …); the ports are published on the first. On failure
// nothing of it is left. It is Prepare then Plug.
func (m *Manager) Attach(ctx context.Context, id string, reqs []Request, ports []PortMapping) (*State, error) {
	st, err := m.Prepare(id, reqs, ports)
	if err != nil {
		return nil, err
	}
	if err := m.Plug(ctx, id, st); err != nil {
		st.ReleasePorts()
		return nil, err
	}
	return st, nil
}

// Prepare checks the networks and the host ports, and makes the pinned
// namespace: a container can be created in it while Plug runs the
// plugins (most of the time an attachment takes).
func (m *Manager) Prepare(id string, reqs []Request, ports []PortMapping) (*State, error) {
	lists := make([]*libcni.NetworkConfigList, len(reqs))
	for i, r := range reqs {
		n, err := m.Get(r.Network)
		if err != nil {
			return nil, err
		}
		lists[i] = n.list
	}
	held, err := holdPorts(ports)
	if err != nil {
		return nil, err
	}
	ns, err := newNetns(m.cfg.NetnsDir)
	if err != nil {
		closeAll(held)
		return nil, err
	}
	st := &State{NetNS: ns, Ports: ports, requests: reqs, lists: lists, held: held}
	// Every attachment is in the state before a plugin runs: a state
	// saved now lets Detach undo what a killed Plug did (a DEL of what
	// was never added does nothing).
	for i, r := range reqs {
		st.Attachments = append(st.Attachments, Attachment{Network: lists[i].Name, IfName: "eth" + strconv.Itoa(i), Request: r})
	}
	return st, nil
}

// Plug attaches a prepared namespace to its networks. On failure it
// detaches what it did and removes the namespace.
func (m *Manager) Plug(ctx context.Context, id string, st *State) (retErr error) {
	defer func() {
		if retErr != nil {
			_ = m.Detach(context.WithoutCancel(ctx), id, st)
		}
	}()
	for i, r := range st.requests {
		a := st.Attachments[i]
		var pm []PortMapping
		if i == 0 {
			pm = st.Ports
		}
		res, err := m.addList(ctx, st.lists[i], runtimeConf(id, st.NetNS, a, pm), r.IP != "")
		if err != nil {
			return fmt.Errorf("attaching to network %s: %w", a.Network, err)
		}
		if err := describe(res, &st.Attachments[i]); err != nil {
			return err
		}
	}
	return nil
}

// runtimeConf is what libcni passes the plugins for one attachment; Add
// and Del must get the same.
func runtimeConf(id, ns string, a Attachment, ports []PortMapping) *libcni.RuntimeConf {
	rt := &libcni.RuntimeConf{
		ContainerID: id, NetNS: ns, IfName: a.IfName,
		Args:           [][2]string{{"IgnoreUnknown", "1"}},
		CapabilityArgs: map[string]any{},
	}
	if len(ports) > 0 {
		rt.CapabilityArgs["portMappings"] = ports
	}
	// As podman passes them: CNI_ARGS, which host-local (IP) and tuning
	// (MAC) read whatever capabilities a conflist declares (the default
	// network's declares none), and the capability for those that do.
	if a.Request.IP != "" {
		rt.Args = append(rt.Args, [2]string{"IP", a.Request.IP})
		rt.CapabilityArgs["ips"] = []string{a.Request.IP}
	}
	if a.Request.MAC != "" {
		rt.Args = append(rt.Args, [2]string{"MAC", a.Request.MAC})
		rt.CapabilityArgs["mac"] = a.Request.MAC
	}
	return rt
}

func describe(res types.Result, a *Attachment) error {
	r, err := current.NewResultFromResult(res)
	if err != nil {
		return err
	}
	for _, ip := range r.IPs {
		a.IPs = append(a.IPs, ip.Address.String())
		if ip.Gateway != nil && a.Gateway == "" {
			a.Gateway = ip.Gateway.String()
		}
	}
	for _, in := range r.Interfaces {
		if in.Sandbox != "" && in.Name == a.IfName {
			a.MAC = in.Mac
		}
	}
	return nil
}

// Detach undoes Attach: every plugin's DEL (the lease, the veth, the
// iptables rules), then the pinned namespace. It goes on after an error
// and returns the first.
func (m *Manager) Detach(ctx context.Context, id string, st *State) error {
	if st == nil {
		return nil
	}
	var first error
	for i := len(st.Attachments) - 1; i >= 0; i-- {
		if err := m.DetachOne(ctx, id, st, i); err != nil && first == nil {
			first = fmt.Errorf("detaching from network %s: %w", st.Attachments[i].Network, err)
		}
	}
	if err := removeNetns(st.NetNS); err != nil && first == nil {
		first = err
	}
	return first
}

// listFor is a network's config for a DEL: the file, or what libcni cached
// at ADD if the file is gone.
func (m *Manager) listFor(name string, rt *libcni.RuntimeConf) (*libcni.NetworkConfigList, error) {
	if n, err := m.Get(name); err == nil {
		return n.list, nil
	}
	b, _, err := m.cni.GetNetworkListCachedConfig(&libcni.NetworkConfigList{Name: name}, rt)
	if err != nil || b == nil {
		return nil, errors.Join(&lookup.NotFoundError{What: "network", Ref: name}, err)
	}
	return libcni.ConfListFromBytes(b)
}

// holdPorts binds each host port and keeps the socket (a listening TCP
// socket, a bound UDP one): one something else holds is refused, as
// podman refuses it, since the portmap plugin's rules would take its
// traffic silently. The portmap plugin's DNAT comes before the socket is
// looked up, so the sockets never see the container's traffic.
func holdPorts(ports []PortMapping) ([]*os.File, error) {
	var held []*os.File
	for _, p := range ports {
		f, err := holdPort(p)
		if err != nil {
			closeAll(held)
			return nil, err
		}
		held = append(held, f)
	}
	return held, nil
}

func holdPort(p PortMapping) (*os.File, error) {
	if p.HostIP != "" && net.ParseIP(p.HostIP).To4() == nil {
		// Never a name: one would be looked up.
		return nil, errdefs.Usagef("host IP %q of port %d is not an IPv4 address", p.HostIP, p.HostPort)
	}
	addr := net.JoinHostPort(p.HostIP, strconv.Itoa(p.HostPort))
	if p.Protocol == "udp" {
		c, err := net.ListenPacket("udp4", addr)
		if err != nil {
			return nil, fmt.Errorf("host port %s/udp is in use: %w", addr, err)
		}
		defer c.Close()
		return c.(*net.UDPConn).File()
	}
	l, err := net.Listen("tcp4", addr)
	if err != nil {
		return nil, fmt.Errorf("host port %s/tcp is in use: %w", addr, err)
	}
	defer l.Close()
	return l.(*net.TCPListener).File()
}

func closeAll(files []*os.File) {
	for _, f := range files {
		f.Close()
	}
}

// FreePort is a host port nothing uses now, for -P.
func FreePort(hostIP, proto string) (int, error) {
	if proto == "udp" {
		c, err := net.ListenPacket("udp4", net.JoinHostPort(hostIP, "0"))
		if err != nil {
			return 0, err
		}
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).Port, nil
	}
	l, err := net.Listen("tcp4", net.JoinHostPort(hostIP, "0"))
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// AttachMore attaches the namespace of st to one more network, as the
// next interface; st gains the attachment.
func (m *Manager) AttachMore(ctx context.Context, id string, st *State, r Request) (Attachment, error) {
	n, err := m.Get(r.Network)
	if err != nil {
		return Attachment{}, err
	}
	a := Attachment{Network: n.Name, IfName: freeIfName(st), Request: r}
	res, err := m.addList(ctx, n.list, runtimeConf(id, st.NetNS, a, nil), r.IP != "")
	if err != nil {
		_ = m.delAttachment(context.WithoutCancel(ctx), n.list, runtimeConf(id, st.NetNS, a, nil), a)
		return Attachment{}, fmt.Errorf("attaching to network %s: %w", n.Name, err)
	}
	if err := describe(res, &a); err != nil {
		return Attachment{}, err
	}
	st.Attachments = append(st.Attachments, a)
	return a, nil
}

// DetachOne detaches st's attachment i (its namespace stays).
func (m *Manager) DetachOne(ctx context.Context, id string, st *State, i int) error {
	a := st.Attachments[i]
	var pm []PortMapping
	if i == 0 {
		pm = st.Ports
	}
	rt := runtimeConf(id, st.NetNS, a, pm)
	list, err := m.listFor(a.Network, rt)
	if err != nil {
		return err
	}
	return m.delAttachment(ctx, list, rt, a)
}

// delAttachment runs list's DEL for attachment a, with the result its ADD
// would have cached when libcni has none (see recover.go), and removes
// the masquerading the bridge plugin could not when the namespace is gone.
func (m *Manager) delAttachment(ctx context.Context, list *libcni.NetworkConfigList, rt *libcni.RuntimeConf, a Attachment) error {
	gone := netnsGone(rt.NetNS)
	if err := m.delList(ctx, list, rt, m.rebuiltResult(list, rt, a)); err != nil {
		return err
	}
	if gone {
		return sweepMasquerade(list.Name, rt.ContainerID)
	}
	return nil
}

// addList runs list's ADD; one that asks for an address first waits for
// the network's DELs in flight (see lockDel).
func (m *Manager) addList(ctx context.Context, list *libcni.NetworkConfigList, rt *libcni.RuntimeConf, fixedIP bool) (types.Result, error) {
	if fixedIP && overlaps(list) {
		unlock, err := m.lockDel(list.Name, true)
		if err != nil {
			return nil, err
		}
		unlock()
	}
	return m.cniFor(list, "ADD", rt, nil).AddNetworkList(ctx, list, rt)
}

// delList runs list's DEL; prev, if not nil, is the prevResult for the
// plugins when libcni has none cached.
func (m *Manager) delList(ctx context.Context, list *libcni.NetworkConfigList, rt *libcni.RuntimeConf, prev json.RawMessage) error {
	if overlaps(list) {
		unlock, err := m.lockDel(list.Name, false)
		if err != nil {
			return err
		}
		defer unlock()
	}
	return m.cniFor(list, "DEL", rt, prev).DelNetworkList(ctx, list, rt)
}

// freeIfName is the first ethN st does not use.
func freeIfName(st *State) string {
	for i := 0; ; i++ {
		name := "eth" + strconv.Itoa(i)
		if !slices.ContainsFunc(st.Attachments, func(a Attachment) bool { return a.IfName == name }) {
			return name
		}
	}
}
