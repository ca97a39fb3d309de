package cri

import (
	"fmt"
	"os"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctr-project/ctr/lib/kube"
	"github.com/ctr-project/ctr/lib/network"
	"github.com/ctr-project/ctr/lib/run"
)

// The CRI → lib/run mapping of a pod sandbox, apart from the RPCs
// (sandbox.go), as the container's is (containerspec.go): the sandbox
// config in, the pod's options and its infra's out, for RunPodSandbox to
// add the daemon's own (the pause binary, how monitors start) and make.

// sandboxName is the pod's name in lib/run, as CRI-O names its infra:
// unique per pod name, namespace, UID and attempt.
func sandboxName(md *runtimeapi.PodSandboxMetadata) string {
	return fmt.Sprintf("k8s_POD_%s_%s_%s_%d", md.GetName(), md.GetNamespace(), md.GetUid(), md.GetAttempt())
}

// sandboxRequest maps a sandbox config onto a pod of lib/run, whose
// cgroups cgroupManager makes: what it shares (the network, IPC and PID
// namespaces as asked; UTS with the network), its network (podman's
// default CNI network, or the host's), ports, DNS, sysctls, cgroup
// parent and its infra's security. Its errors are gRPC statuses.
func sandboxRequest(cfg *runtimeapi.PodSandboxConfig, cgroupManager string) (run.PodOptions, error) {
	// The pod's annotations reach no spec today; ctr's own keys are
	// refused all the same, as in a container's, so that none ever does.
	if err := run.CheckKeys(cfg.GetAnnotations()); err != nil {
		return run.PodOptions{}, invalid("annotations: %v", err)
	}
	lin := cfg.GetLinux()
	sc := lin.GetSecurityContext()
	ns := sc.GetNamespaceOptions()
	po := run.PodOptions{Name: sandboxName(cfg.GetMetadata()), Share: []string{}, CgroupManager: cgroupManager}
	// The host's network: the infra has none of its own, and each
	// container is given the host's (containerRequest).
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
		ip, err := kube.HostIP(pm.GetHostIp())
		if err != nil {
			return invalid("port_mappings[%d].host_ip %q: %v", i, pm.GetHostIp(), err)
		}
		if pm.GetHostPort() <= 0 {
			continue
		}
		if hostNet {
			continue // the container's port is the host's already
		}
		proto, err := kube.Protocol(pm.GetProtocol().String())
		if err != nil {
			return invalid("port %d: %v", pm.GetContainerPort(), err)
		}
		o.Publish = append(o.Publish, network.PortMapping{HostIP: ip, HostPort: int(pm.GetHostPort()),
			ContainerPort: int(pm.GetContainerPort()), Protocol: proto})
	}
	return nil
}

// infraSecurity applies the sandbox's security context to its infra
// process: its user and groups, a read-only root, the seccomp profile.
func infraSecurity(o *run.Request, sc *runtimeapi.LinuxSandboxSecurityContext) error {
	if sc == nil {
		return nil
	}
	if sc.GetRunAsUser() == nil && sc.GetRunAsGroup() != nil {
		return invalid("run_as_group needs run_as_user")
	}
	var err error
	if o.User, err = kube.User(int64Of(sc.GetRunAsUser()), int64Of(sc.GetRunAsGroup())); err != nil {
		return invalid("%v", err)
	}
	for _, g := range sc.GetSupplementalGroups() {
		o.GroupAdd = append(o.GroupAdd, fmt.Sprint(g))
	}
	o.ReadOnly = sc.GetReadonlyRootfs()
	o.Seccomp, err = seccompOption(sc.GetSeccomp(), sc.GetSeccompProfilePath(), sc.GetPrivileged()) //nolint:staticcheck // the field older kubelets send
	return err
}
