package cri

import (
	"os"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctr-project/ctr/lib/network"
	"github.com/ctr-project/ctr/lib/run"
)

// The CRI → lib/run mapping of a sandbox, as the container's is tested
// (containerspec_test.go): a PodSandboxConfig in, the pod's options and
// its infra's out.

func sandboxConfig() *runtimeapi.PodSandboxConfig {
	return &runtimeapi.PodSandboxConfig{Metadata: &runtimeapi.PodSandboxMetadata{Name: "p", Namespace: "n", Uid: "u", Attempt: 3}, Hostname: "p"}
}

// sandboxSecurity is cfg's security context, made if need be.
func sandboxSecurity(cfg *runtimeapi.PodSandboxConfig) *runtimeapi.LinuxSandboxSecurityContext {
	if cfg.Linux == nil {
		cfg.Linux = &runtimeapi.LinuxPodSandboxConfig{}
	}
	if cfg.Linux.SecurityContext == nil {
		cfg.Linux.SecurityContext = &runtimeapi.LinuxSandboxSecurityContext{}
	}
	return cfg.Linux.SecurityContext
}

type sandboxCase struct {
	name  string
	edit  func(cfg *runtimeapi.PodSandboxConfig)
	check func(t *testing.T, po run.PodOptions)
	// code and errHas (a part of the message): how the mapping must fail.
	code   codes.Code
	errHas string
}

func runSandboxCases(t *testing.T, cases []sandboxCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := sandboxConfig()
			if tc.edit != nil {
				tc.edit(cfg)
			}
			po, err := sandboxRequest(cfg, run.CgroupfsManager)
			if tc.code != codes.OK {
				if status.Code(err) != tc.code || !strings.Contains(err.Error(), tc.errHas) {
					t.Fatalf("got %v, want %s with %q", err, tc.code, tc.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// The daemon's own are RunPodSandbox's to add.
			if po.PauseBinary != "" || po.OwnLabels != nil {
				t.Errorf("the request has the daemon's settings: %+v", po)
			}
			tc.check(t, po)
		})
	}
}

func TestSandboxRequestNamespaces(t *testing.T) {
	ns := func(network, pid, ipc runtimeapi.NamespaceMode) func(*runtimeapi.PodSandboxConfig) {
		return func(cfg *runtimeapi.PodSandboxConfig) {
			sandboxSecurity(cfg).NamespaceOptions = &runtimeapi.NamespaceOption{Network: network, Pid: pid, Ipc: ipc}
		}
	}
	const (
		pod    = runtimeapi.NamespaceMode_POD
		ctr    = runtimeapi.NamespaceMode_CONTAINER
		node   = runtimeapi.NamespaceMode_NODE
		target = runtimeapi.NamespaceMode_TARGET
	)
	runSandboxCases(t, []sandboxCase{{
		name: "name and cgroup manager",
		check: func(t *testing.T, po run.PodOptions) {
			eq(t, "name", po.Name, "k8s_POD_p_n_u_3")
			eq(t, "cgroup manager", po.CgroupManager, run.CgroupfsManager)
		},
	}, {
		name: "none asked: every namespace the pod's, on podman's network",
		check: func(t *testing.T, po run.PodOptions) {
			eq(t, "share", po.Share, []string{"net", "uts", "ipc", "pid"})
			eq(t, "network", po.Infra.Network, run.NetBridge)
			eq(t, "hostname", po.Hostname, "p")
		},
	}, {
		name: "the kubelet's usual: PID the container's",
		edit: ns(pod, ctr, pod),
		check: func(t *testing.T, po run.PodOptions) {
			eq(t, "share", po.Share, []string{"net", "uts", "ipc"})
		},
	}, {
		name: "the node's network: the host's name, nothing of its own",
		edit: ns(node, ctr, ctr),
		check: func(t *testing.T, po run.PodOptions) {
			eq(t, "share", po.Share, []string{})
			eq(t, "network", po.Infra.Network, "")
			eq(t, "uts", po.Infra.UTS, "host")
			eq(t, "hostname", po.Hostname, "")
		},
	}, {
		name: "the node's IPC and PID: not shared by the pod",
		edit: ns(pod, node, node),
		check: func(t *testing.T, po run.PodOptions) {
			eq(t, "share", po.Share, []string{"net", "uts"})
		},
	}, {
		name: "a PID namespace of a container", edit: ns(pod, target, pod),
		code: codes.InvalidArgument, errHas: "TARGET",
	}, {
		name: "an IPC namespace of a container", edit: ns(pod, pod, target),
		code: codes.InvalidArgument, errHas: "TARGET",
	}, {
		name: "a network namespace of a container", edit: ns(target, pod, pod),
		code: codes.InvalidArgument, errHas: "TARGET",
	}})
}

func TestSandboxRequestHostname(t *testing.T) {
	node, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	runSandboxCases(t, []sandboxCase{{
		name: "none given: the node's, as containerd",
		edit: func(cfg *runtimeapi.PodSandboxConfig) { cfg.Hostname = "" },
		check: func(t *testing.T, po run.PodOptions) {
			eq(t, "hostname", po.Hostname, node)
		},
	}, {
		name: "one that is no host name",
		edit: func(cfg *runtimeapi.PodSandboxConfig) { cfg.Hostname = "a b" },
		code: codes.InvalidArgument, errHas: "a b",
	}})
}

func TestSandboxRequestPorts(t *testing.T) {
	ports := []*runtimeapi.PortMapping{
		{ContainerPort: 80, HostPort: 8080},
		{Protocol: runtimeapi.Protocol_UDP, ContainerPort: 53, HostPort: 5353, HostIp: "127.0.0.1"},
		{ContainerPort: 9090}, // the container's only
	}
	runSandboxCases(t, []sandboxCase{{
		name: "those with a host port are published",
		edit: func(cfg *runtimeapi.PodSandboxConfig) { cfg.PortMappings = ports },
		check: func(t *testing.T, po run.PodOptions) {
			eq(t, "publish", po.Infra.Publish, []network.PortMapping{
				{HostPort: 8080, ContainerPort: 80, Protocol: "tcp"},
				{HostIP: "127.0.0.1", HostPort: 5353, ContainerPort: 53, Protocol: "udp"},
			})
		},
	}, {
		name: "none on the node's network",
		edit: func(cfg *runtimeapi.PodSandboxConfig) {
			cfg.PortMappings = ports
			sandboxSecurity(cfg).NamespaceOptions = &runtimeapi.NamespaceOption{Network: runtimeapi.NamespaceMode_NODE}
		},
		check: func(t *testing.T, po run.PodOptions) {
			eq(t, "publish", po.Infra.Publish, []network.PortMapping(nil))
		},
	}, {
		name: "SCTP",
		edit: func(cfg *runtimeapi.PodSandboxConfig) {
			cfg.PortMappings = []*runtimeapi.PortMapping{{Protocol: runtimeapi.Protocol_SCTP, ContainerPort: 9, HostPort: 9}}
		},
		code: codes.InvalidArgument, errHas: "SCTP",
	}})
}

func TestSandboxRequestSecurity(t *testing.T) {
	runSandboxCases(t, []sandboxCase{{
		name: "the infra's user, group and groups, read-only root",
		edit: func(cfg *runtimeapi.PodSandboxConfig) {
			sc := sandboxSecurity(cfg)
			sc.RunAsUser, sc.RunAsGroup, sc.SupplementalGroups, sc.ReadonlyRootfs = i64(65535), i64(65534), []int64{5}, true
		},
		check: func(t *testing.T, po run.PodOptions) {
			eq(t, "user", po.Infra.User, "65535:65534")
			eq(t, "groups", po.Infra.GroupAdd, []string{"5"})
			eq(t, "read-only", po.Infra.ReadOnly, true)
		},
	}, {
		name: "a group without a user",
		edit: func(cfg *runtimeapi.PodSandboxConfig) { sandboxSecurity(cfg).RunAsGroup = i64(5) },
		code: codes.InvalidArgument, errHas: "run_as_group",
	}, {
		name: "a user ID out of range",
		edit: func(cfg *runtimeapi.PodSandboxConfig) { sandboxSecurity(cfg).RunAsUser = i64(-5) },
		code: codes.InvalidArgument, errHas: "user or group -5",
	}, {
		name:  "seccomp: none is unconfined",
		edit:  func(cfg *runtimeapi.PodSandboxConfig) { sandboxSecurity(cfg) },
		check: func(t *testing.T, po run.PodOptions) { eq(t, "seccomp", po.Infra.Seccomp, "unconfined") },
	}, {
		name: "seccomp: the runtime's default",
		edit: func(cfg *runtimeapi.PodSandboxConfig) {
			sandboxSecurity(cfg).Seccomp = &runtimeapi.SecurityProfile{ProfileType: runtimeapi.SecurityProfile_RuntimeDefault}
		},
		check: func(t *testing.T, po run.PodOptions) { eq(t, "seccomp", po.Infra.Seccomp, "") },
	}, {
		name: "seccomp: privileged is unconfined",
		edit: func(cfg *runtimeapi.PodSandboxConfig) {
			sc := sandboxSecurity(cfg)
			sc.Privileged, sc.Seccomp = true, &runtimeapi.SecurityProfile{ProfileType: runtimeapi.SecurityProfile_RuntimeDefault}
		},
		check: func(t *testing.T, po run.PodOptions) { eq(t, "seccomp", po.Infra.Seccomp, "unconfined") },
	}})
}

func TestSandboxRequestLinux(t *testing.T) {
	runSandboxCases(t, []sandboxCase{{
		name: "sysctls, for the infra (its namespaces are the pod's)",
		edit: func(cfg *runtimeapi.PodSandboxConfig) {
			cfg.Linux = &runtimeapi.LinuxPodSandboxConfig{Sysctls: map[string]string{"net.ipv4.ip_forward": "1", "kernel.shm_rmid_forced": "1"}}
		},
		check: func(t *testing.T, po run.PodOptions) {
			eq(t, "sysctls", po.Infra.Sysctls, map[string]string{"net.ipv4.ip_forward": "1", "kernel.shm_rmid_forced": "1"})
		},
	}, {
		name: "the kubelet's cgroup parent",
		edit: func(cfg *runtimeapi.PodSandboxConfig) {
			cfg.Linux = &runtimeapi.LinuxPodSandboxConfig{CgroupParent: "/kubepods/besteffort/pod1"}
		},
		check: func(t *testing.T, po run.PodOptions) {
			eq(t, "cgroup parent", po.CgroupParent, "/kubepods/besteffort/pod1")
		},
	}, {
		name: "a cgroup parent of the other driver",
		edit: func(cfg *runtimeapi.PodSandboxConfig) {
			cfg.Linux = &runtimeapi.LinuxPodSandboxConfig{CgroupParent: "kubepods-besteffort.slice"}
		},
		code: codes.InvalidArgument, errHas: "cgroup driver",
	}})
}

// A dns_config is checked as ctr-run's flags are, each field named.
func TestSandboxDNS(t *testing.T) {
	for field, dns := range map[string]*runtimeapi.DNSConfig{
		"dns_config.servers":  {Servers: []string{"10.0.0.53\nnameserver 6.6.6.6"}},
		"dns_config.searches": {Searches: []string{"a.test\nnameserver 6.6.6.6"}},
		"dns_config.options":  {Options: []string{"ndots:2\vx"}},
	} {
		cfg := sandboxConfig()
		cfg.DnsConfig = dns
		_, err := sandboxRequest(cfg, "")
		if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), field) {
			t.Errorf("%s: %v, want InvalidArgument naming it", field, err)
		}
	}
	cfg := sandboxConfig()
	cfg.DnsConfig = &runtimeapi.DNSConfig{Searches: []string{"a.test"}, Options: []string{"ndots:2"}}
	po, err := sandboxRequest(cfg, "")
	if err != nil || po.Infra.DNS != nil || po.Infra.DNSSearch[0] != "a.test" || po.Infra.DNSOptions[0] != "ndots:2" {
		t.Errorf("searches alone (the host's servers): %+v, %v", po.Infra, err)
	}
	cfg.DnsConfig = &runtimeapi.DNSConfig{Servers: []string{"10.0.0.53"}}
	if po, err = sandboxRequest(cfg, ""); err != nil || len(po.Infra.DNS) != 1 || po.Infra.DNS[0] != "10.0.0.53" {
		t.Errorf("servers: %+v, %v", po.Infra, err)
	}
}

// A sandbox's annotations with ctr's keys are refused too; its labels
// are the kubelet's, kept in the config RunPodSandbox records.
func TestSandboxMetadata(t *testing.T) {
	runSandboxCases(t, []sandboxCase{{
		name: "an annotation of ctr's",
		edit: func(cfg *runtimeapi.PodSandboxConfig) {
			cfg.Annotations = map[string]string{"io.ctr.cri.sandbox-config": "{}"}
		},
		code: codes.InvalidArgument, errHas: "io.ctr.cri.sandbox-config",
	}, {
		name: "labels stay in the config",
		edit: func(cfg *runtimeapi.PodSandboxConfig) {
			cfg.Labels = map[string]string{"io.ctr.cri.sandbox-config": "{}", "app": "web"}
		},
		check: func(t *testing.T, po run.PodOptions) { eq(t, "labels", po.Labels, map[string]string(nil)) },
	}})
}

// TestPortOptionsHostIP: a port mapping's host_ip is an IPv4 address,
// parsed (never resolved); anything else is InvalidArgument naming the
// field (issue 24: "not-an-ip" went to DNS and came back as "port in use").
func TestPortOptionsHostIP(t *testing.T) {
	for _, tc := range []struct {
		ip, want string // want: the mapping's HostIP, or "" with an error
		bad      bool
	}{
		{ip: "", want: ""},
		{ip: "127.0.0.1", want: "127.0.0.1"},
		{ip: "0.0.0.0", want: "0.0.0.0"},
		{ip: "::ffff:127.0.0.1", want: "127.0.0.1"},
		{ip: "not-an-ip", bad: true},
		{ip: "localhost", bad: true},
		{ip: "127.0.0.1.5", bad: true},
		{ip: "127.000.000.001", bad: true},
		{ip: " 127.0.0.1", bad: true},
		{ip: "::1", bad: true},
		{ip: "fe80::1%eth0", bad: true},
	} {
		ports := []*runtimeapi.PortMapping{
			{ContainerPort: 80, HostPort: 8080},
			{ContainerPort: 81, HostPort: 8081, HostIp: tc.ip},
		}
		var o run.Request
		err := portOptions(&o, ports, false)
		if tc.bad {
			if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "port_mappings[1].host_ip") {
				t.Errorf("host_ip %q: got %v, want InvalidArgument naming port_mappings[1].host_ip", tc.ip, err)
			}
			continue
		}
		if err != nil || len(o.Publish) != 2 || o.Publish[1].HostIP != tc.want {
			t.Errorf("host_ip %q: got %+v, %v; want host address %q", tc.ip, o.Publish, err, tc.want)
		}
	}
}

// TestPortOptionsHostIPHostNetwork: a bad host_ip is refused even where
// the mapping publishes nothing (host network, no host port).
func TestPortOptionsHostIPHostNetwork(t *testing.T) {
	var o run.Request
	err := portOptions(&o, []*runtimeapi.PortMapping{{ContainerPort: 80, HostIp: "not-an-ip"}}, true)
	if status.Code(err) != codes.InvalidArgument {
		t.Fatalf("got %v, want InvalidArgument", err)
	}
}
