package cri

import (
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func sandboxConfig() *runtimeapi.PodSandboxConfig {
	return &runtimeapi.PodSandboxConfig{Metadata: &runtimeapi.PodSandboxMetadata{Name: "p", Namespace: "n", Uid: "u"}, Hostname: "p"}
}

// A dns_config is checked as ctr-run's flags are, each field named.
func TestSandboxDNS(t *testing.T) {
	s := &RuntimeService{}
	for field, dns := range map[string]*runtimeapi.DNSConfig{
		"dns_config.servers":  {Servers: []string{"10.0.0.53\nnameserver 6.6.6.6"}},
		"dns_config.searches": {Searches: []string{"a.test\nnameserver 6.6.6.6"}},
		"dns_config.options":  {Options: []string{"ndots:2\vx"}},
	} {
		cfg := sandboxConfig()
		cfg.DnsConfig = dns
		_, err := s.podOptions(cfg)
		if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), field) {
			t.Errorf("%s: %v, want InvalidArgument naming it", field, err)
		}
	}
	cfg := sandboxConfig()
	cfg.DnsConfig = &runtimeapi.DNSConfig{Searches: []string{"a.test"}, Options: []string{"ndots:2"}}
	po, err := s.podOptions(cfg)
	if err != nil || po.Infra.DNS != nil || po.Infra.DNSSearch[0] != "a.test" {
		t.Errorf("searches alone (the host's servers): %+v, %v", po.Infra, err)
	}
}

// A sandbox's annotations with ctr's keys are refused too.
func TestSandboxAnnotations(t *testing.T) {
	cfg := sandboxConfig()
	cfg.Annotations = map[string]string{"io.ctr.cri.sandbox-config": "{}"}
	if _, err := (&RuntimeService{}).podOptions(cfg); status.Code(err) != codes.InvalidArgument {
		t.Errorf("a sandbox annotation of ctr's: %v, want InvalidArgument", err)
	}
}
