package cri

import (
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctr-project/ctr/lib/run"
)

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
