package cri

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/network"
	"github.com/ctr-project/ctr/lib/run"
)

// A pod sandbox is a pod of lib/run (podman's kind: an infra process
// holding the namespaces, a cgroup parent, the network attachment with
// its ports), and each CRI container a container of that pod under its
// own ctr-monitor. What the kubelet asked for is kept with them, in their
// labels, so that a ctr-cri started again finds everything as it was with
// no second record to keep in step.

// Labels under which the kubelet's configs are kept.
const (
	labelSandboxConfig   = "io.ctr.cri.sandbox-config"   // protojson PodSandboxConfig
	labelContainerConfig = "io.ctr.cri.container-config" // protojson ContainerConfig
	labelSandboxID       = "io.ctr.cri.sandbox-id"
	labelRuntimeHandler  = "io.ctr.cri.runtime-handler"
)

func encodeConfig(m proto.Message) (string, error) {
	b, err := protojson.Marshal(m)
	return string(b), err
}

func decodeConfig(s string, m proto.Message) error {
	return protojson.Unmarshal([]byte(s), m)
}

// sandboxName is the pod's name in lib/run, as CRI-O names its infra:
// unique per pod name, namespace, UID and attempt.
func sandboxName(md *runtimeapi.PodSandboxMetadata) string {
	return fmt.Sprintf("k8s_POD_%s_%s_%s_%d", md.GetName(), md.GetNamespace(), md.GetUid(), md.GetAttempt())
}

// invalid is the CRI's InvalidArgument.
func invalid(format string, args ...any) error {
	return status.Errorf(codes.InvalidArgument, format, args...)
}

func notFound(kind, id string) error {
	return status.Errorf(codes.NotFound, "%s %q not found", kind, id)
}

// RunPodSandbox makes a pod with its infra running: its network (with the
// ports), namespaces, cgroup parent, host name and DNS as configured.
func (s *RuntimeService) RunPodSandbox(ctx context.Context, req *runtimeapi.RunPodSandboxRequest) (*runtimeapi.RunPodSandboxResponse, error) {
	cfg := req.GetConfig()
	md := cfg.GetMetadata()
	if md.GetName() == "" || md.GetNamespace() == "" || md.GetUid() == "" {
		return nil, invalid("the sandbox config needs metadata with a name, namespace and uid")
	}
	if h := req.GetRuntimeHandler(); h != "" && h != DefaultHandler {
		return nil, invalid("runtime handler %q: this runtime has one, %q", h, DefaultHandler)
	}
	po, err := s.podOptions(cfg)
	if err != nil {
		return nil, err
	}
	enc, err := encodeConfig(cfg)
	if err != nil {
		return nil, invalid("sandbox config: %v", err)
	}
	po.OwnLabels = map[string]string{labelSandboxConfig: enc, labelRuntimeHandler: DefaultHandler}
	if _, err := s.Runs.GetPod(ctx, po.Name); err == nil {
		return nil, status.Errorf(codes.AlreadyExists, "a pod sandbox named %s exists already", po.Name)
	}
	if dir := cfg.GetLogDirectory(); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, status.Errorf(codes.Internal, "the pod's log directory: %v", err)
		}
	}
	p, err := s.Runs.CreatePod(ctx, po)
	if err != nil {
		return nil, grpcError(err)
	}
	return &runtimeapi.RunPodSandboxResponse{PodSandboxId: p.ID}, nil
}

// RemoveHalfMade removes the sandboxes a ctr-cri killed in RunPodSandbox
// left half-made: the kubelet never learnt their IDs, so nothing else
// would. A new daemon calls it before it serves.
func (s *RuntimeService) RemoveHalfMade(ctx context.Context) error {
	removed, err := s.Runs.RemoveHalfMade(ctx, func(p run.Pod) bool { return p.Labels[labelSandboxConfig] != "" })
	for _, p := range removed {
		if s.Log != nil {
			s.Log("removed pod sandbox %s (%s), left half-made by a daemon that was killed", p.ID, p.Name)
		}
	}
	return err
}

// DefaultHandler is the one runtime handler ctr-cri has: ctr-runtime.
const DefaultHandler = "ctr-runtime"

// podOptions maps a sandbox config onto a pod: what it shares (the
// network, IPC and PID namespaces as asked; UTS with the network), its
// network (podman's default CNI network, or the host's), ports, DNS,
// sysctls and cgroup parent.
func (s *RuntimeService) podOptions(cfg *runtimeapi.PodSandboxConfig) (run.PodOptions, error) {
	// The pod's annotations reach no spec today; ctr's own keys are
	// refused all the same, as in a container's, so that none ever does.
	if err := run.CheckKeys(cfg.GetAnnotations()); err != nil {
		return run.PodOptions{}, invalid("annotations: %v", err)
	}
	lin := cfg.GetLinux()
	sc := lin.GetSecurityContext()
	ns := sc.GetNamespaceOptions()
	po := run.PodOptions{Name: sandboxName(cfg.GetMetadata()), Share: []string{}, PauseBinary: s.PauseBinary,
		CgroupManager: s.CgroupManager}
	// The host's network: the infra has none of its own, and each
	// container is given the host's (containerOptions).
	hostNet := ns.GetNetwork() == runtimeapi.NamespaceMode_NODE
	if hostNet {
		po.Infra.UTS = "host" // the host's name goes with its network
	} else {
		po.Infra.Network = run.NetBridge
		po.Share = append(po.Share, "net", "uts")
		po.Hostname = cfg.GetHostname()
		if po.Hostname == "" {
			// containerd's choice: the node's name.
			h, err := os.Hostname()
			if err != nil {
				return po, status.Errorf(codes.Internal, "host name: %v", err)
			}
			po.Hostname = h
		}
		if err := run.CheckHostname(po.Hostname); err != nil {
			return po, invalid("%v", err)
		}
	}
	if ns.GetIpc() == runtimeapi.NamespaceMode_POD {
		po.Share = append(po.Share, "ipc")
	}
	switch ns.GetPid() {
	case runtimeapi.NamespaceMode_POD:
		po.Share = append(po.Share, "pid")
	case runtimeapi.NamespaceMode_TARGET:
		return po, invalid("a sandbox's PID namespace cannot be another container's (TARGET)")
	}
	if ns.GetIpc() == runtimeapi.NamespaceMode_TARGET || ns.GetNetwork() == runtimeapi.NamespaceMode_TARGET {
		return po, invalid("only the PID namespace may be TARGET")
	}
	if err := portOptions(&po.Infra, cfg.GetPortMappings(), hostNet); err != nil {
		return po, err
	}
	if dns := cfg.GetDnsConfig(); dns != nil {
		// With no servers, the host's, with the searches and options given.
		po.Infra.DNS, po.Infra.DNSSearch, po.Infra.DNSOptions = dns.GetServers(), dns.GetSearches(), dns.GetOptions()
		if err := run.CheckDNS(po.Infra.DNS, po.Infra.DNSSearch, po.Infra.DNSOptions,
			run.DNSFields{Servers: "dns_config.servers", Searches: "dns_config.searches", Options: "dns_config.options"}); err != nil {
			return po, invalid("%v", err)
		}
	}
	if len(lin.GetSysctls()) > 0 {
		po.Infra.Sysctls = lin.GetSysctls()
	}
	// The kubelet's cgroup driver must be ours: a slice for systemd, a
	// path for cgroupfs.
	po.CgroupParent = lin.GetCgroupParent()
	if err := run.CheckCgroupManager(po.CgroupManager, po.CgroupParent); err != nil {
		return po, invalid("%v: the kubelet's cgroup driver must be this runtime's (RuntimeConfig says which)", err)
	}
	if err := infraSecurity(&po.Infra, sc); err != nil {
		return po, err
	}
	return po, nil
}

// portOptions publishes the sandbox's ports that name a host port (the
// others are only the container's, as with CRI-O and containerd).
func portOptions(o *run.Request, ports []*runtimeapi.PortMapping, hostNet bool) error {
	for i, pm := range ports {
		ip, err := hostIP(pm.GetHostIp())
		if err != nil {
			return invalid("port_mappings[%d].host_ip %q: %v", i, pm.GetHostIp(), err)
		}
		if pm.GetHostPort() <= 0 {
			continue
		}
		if hostNet {
			continue // the container's port is the host's already
		}
		proto := strings.ToLower(pm.GetProtocol().String())
		if proto != "tcp" && proto != "udp" {
			return invalid("port %d: protocol %s is not supported (tcp or udp)", pm.GetContainerPort(), pm.GetProtocol())
		}
		o.Publish = append(o.Publish, network.PortMapping{HostIP: ip, HostPort: int(pm.GetHostPort()),
			ContainerPort: int(pm.GetContainerPort()), Protocol: proto})
	}
	return nil
}

// hostIP parses a port mapping's host address ("" is every address). It
// is an address, never a name: looking a client's name up would send a
// query off the machine. IPv6 is refused rather than dropped (as CNI's
// portmap drops a mapping of a family the pod has no address of): the
// pods' networks here are IPv4, and so are the port checks and rules.
func hostIP(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return "", errors.New("not an IP address")
	}
	if a = a.Unmap(); !a.Is4() {
		return "", errors.New("an IPv6 address: the pods' networks are IPv4")
	}
	return a.String(), nil
}

// infraSecurity applies the sandbox's security context to its infra
// process: its user and groups, a read-only root, the seccomp profile.
func infraSecurity(o *run.Request, sc *runtimeapi.LinuxSandboxSecurityContext) error {
	if sc == nil {
		return nil
	}
	if u := sc.GetRunAsUser(); u != nil {
		o.User = fmt.Sprint(u.GetValue())
		if g := sc.GetRunAsGroup(); g != nil {
			o.User += fmt.Sprintf(":%d", g.GetValue())
		}
	} else if sc.GetRunAsGroup() != nil {
		return invalid("run_as_group needs run_as_user")
	}
	for _, g := range sc.GetSupplementalGroups() {
		o.GroupAdd = append(o.GroupAdd, fmt.Sprint(g))
	}
	o.ReadOnly = sc.GetReadonlyRootfs()
	var err error
	o.Seccomp, err = seccompOption(sc.GetSeccomp(), sc.GetSeccompProfilePath(), sc.GetPrivileged()) //nolint:staticcheck // the field older kubelets send
	return err
}

// StopPodSandbox stops the pod's containers at once (SIGKILL after their
// stop signal: the kubelet has stopped them gracefully before) and its
// infra, which releases the network. Stopping a stopped sandbox, or one
// that is gone, is no error (the CRI's idempotence).
func (s *RuntimeService) StopPodSandbox(ctx context.Context, req *runtimeapi.StopPodSandboxRequest) (*runtimeapi.StopPodSandboxResponse, error) {
	p, err := s.sandbox(ctx, req.GetPodSandboxId())
	if status.Code(err) == codes.NotFound {
		return &runtimeapi.StopPodSandboxResponse{}, nil // idempotent: gone is stopped
	}
	if err != nil {
		return nil, err
	}
	now := time.Duration(0)
	if _, err := s.Runs.StopPod(ctx, p.ID, &now); err != nil {
		return nil, grpcError(err)
	}
	return &runtimeapi.StopPodSandboxResponse{}, nil
}

// RemovePodSandbox removes the pod, its containers and what it holds on
// the host. A sandbox that is gone already is no error.
func (s *RuntimeService) RemovePodSandbox(ctx context.Context, req *runtimeapi.RemovePodSandboxRequest) (*runtimeapi.RemovePodSandboxResponse, error) {
	p, err := s.sandbox(ctx, req.GetPodSandboxId())
	if status.Code(err) == codes.NotFound {
		return &runtimeapi.RemovePodSandboxResponse{}, nil
	}
	if err != nil {
		return nil, err
	}
	if _, err := s.Runs.RemovePod(ctx, p.ID, true); err != nil && !errors.Is(err, errdefs.ErrNotFound) {
		return nil, grpcError(err)
	}
	return &runtimeapi.RemovePodSandboxResponse{}, nil
}

// sandbox finds a CRI pod by ID or unique ID prefix, with its state.
func (s *RuntimeService) sandbox(ctx context.Context, id string) (run.Pod, error) {
	if id == "" {
		return run.Pod{}, invalid("no pod sandbox ID")
	}
	p, err := s.Runs.GetPod(ctx, id)
	if errors.Is(err, errdefs.ErrNotFound) || (err == nil && (p.Labels[labelSandboxConfig] == "" || p.Name == id)) {
		return run.Pod{}, notFound("pod sandbox", id)
	}
	if err != nil {
		return p, grpcError(err)
	}
	return p, nil
}

// sandboxView is a pod as the CRI shows it.
type sandboxView struct {
	pod    run.Pod
	config runtimeapi.PodSandboxConfig
	ready  bool
}

// findSandbox finds a CRI pod by ID or prefix, with its config.
func (s *RuntimeService) findSandbox(ctx context.Context, id string) (*sandboxView, error) {
	p, err := s.sandbox(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.view(p)
}

func (s *RuntimeService) view(p run.Pod) (*sandboxView, error) {
	v := &sandboxView{pod: p}
	if err := decodeConfig(p.Labels[labelSandboxConfig], &v.config); err != nil {
		return nil, status.Errorf(codes.Internal, "pod %s: its sandbox config: %v", p.ID, err)
	}
	v.ready = len(p.Containers) > 0 && p.Containers[0].Infra && p.Containers[0].Status == run.StatusRunning
	return v, nil
}

func (v *sandboxView) state() runtimeapi.PodSandboxState {
	if v.ready {
		return runtimeapi.PodSandboxState_SANDBOX_READY
	}
	return runtimeapi.PodSandboxState_SANDBOX_NOTREADY
}

// PodSandboxStatus reports a sandbox: its state, address and config.
func (s *RuntimeService) PodSandboxStatus(ctx context.Context, req *runtimeapi.PodSandboxStatusRequest) (*runtimeapi.PodSandboxStatusResponse, error) {
	v, err := s.findSandbox(ctx, req.GetPodSandboxId())
	if err != nil {
		return nil, err
	}
	p := v.pod
	st := &runtimeapi.PodSandboxStatus{
		Id: p.ID, Metadata: v.config.GetMetadata(), State: v.state(), CreatedAt: p.Created.UnixNano(),
		Labels: v.config.GetLabels(), Annotations: v.config.GetAnnotations(), RuntimeHandler: DefaultHandler,
		Network: &runtimeapi.PodSandboxNetworkStatus{},
		Linux: &runtimeapi.LinuxPodSandboxStatus{Namespaces: &runtimeapi.Namespace{
			Options: v.config.GetLinux().GetSecurityContext().GetNamespaceOptions()}},
	}
	if v.ready && p.InfraID != "" {
		if ips, err := s.Runs.Addresses(ctx, p.InfraID); err == nil && len(ips) > 0 {
			st.Network.Ip = ips[0]
			for _, ip := range ips[1:] {
				st.Network.AdditionalIps = append(st.Network.AdditionalIps, &runtimeapi.PodIP{Ip: ip})
			}
		}
	}
	out := &runtimeapi.PodSandboxStatusResponse{Status: st}
	if req.GetVerbose() {
		rec := p
		delete(rec.Labels, labelSandboxConfig)
		info, _ := json.Marshal(map[string]any{"pod": rec, "config": json.RawMessage(p.Labels[labelSandboxConfig])})
		out.Info = map[string]string{"info": string(info)}
	}
	return out, nil
}

// ListPodSandbox lists the CRI's pods, filtered by ID (or prefix), state
// and labels.
func (s *RuntimeService) ListPodSandbox(ctx context.Context, req *runtimeapi.ListPodSandboxRequest) (*runtimeapi.ListPodSandboxResponse, error) {
	pods, err := s.Runs.Pods(ctx)
	if err != nil {
		return nil, grpcError(err)
	}
	f := req.GetFilter()
	out := &runtimeapi.ListPodSandboxResponse{Items: []*runtimeapi.PodSandbox{}}
	for _, p := range pods {
		if p.Labels[labelSandboxConfig] == "" || (f.GetId() != "" && !strings.HasPrefix(p.ID, f.GetId())) {
			continue
		}
		v, err := s.view(p)
		if err != nil {
			continue
		}
		if f.GetState() != nil && f.GetState().GetState() != v.state() {
			continue
		}
		if !matchLabels(v.config.GetLabels(), f.GetLabelSelector()) {
			continue
		}
		out.Items = append(out.Items, &runtimeapi.PodSandbox{
			Id: p.ID, Metadata: v.config.GetMetadata(), State: v.state(), CreatedAt: p.Created.UnixNano(),
			Labels: v.config.GetLabels(), Annotations: v.config.GetAnnotations(), RuntimeHandler: DefaultHandler,
		})
	}
	return out, nil
}

// matchLabels says whether labels has every key and value of selector.
func matchLabels(labels, selector map[string]string) bool {
	for k, v := range selector {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}
