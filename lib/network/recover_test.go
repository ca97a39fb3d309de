package network

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/containernetworking/cni/libcni"
	"github.com/containernetworking/cni/pkg/version"
)

// The chain name CNI's bridge plugin made on this host for a container of
// podman's network (seen in iptables-save).
func TestMasqueradeChainIsTheBridgePlugins(t *testing.T) {
	got := masqueradeChain("podman", "e23f3c086f407e667fa6cb50f7938f5852fc891979dff83b44501c6bd96f446b")
	if got != "CNI-1b608ac651f73c30c2bb4c47" {
		t.Fatalf("chain %s", got)
	}
}

// leaseList is a network whose host-local leases are under dir.
func leaseList(t *testing.T, dir string) *libcni.NetworkConfigList {
	t.Helper()
	list, err := libcni.ConfListFromBytes([]byte(`{"cniVersion":"0.4.0","name":"lnet","plugins":[{"type":"bridge",` +
		`"ipam":{"type":"host-local","dataDir":"` + dir + `","ranges":[[{"subnet":"10.231.9.0/24","gateway":"10.231.9.1"}]]}},{"type":"firewall"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// A DEL after an ADD that never finished (no cached result) gets the
// address host-local leased to that container and interface as its
// prevResult; another container's lease or interface is not taken.
func TestDelWithoutCacheGetsTheLeasedAddress(t *testing.T) {
	dir := t.TempDir()
	leases := filepath.Join(dir, "lnet")
	if err := os.MkdirAll(leases, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{"10.231.9.2": "c1\r\neth0", "10.231.9.3": "c2\r\neth0", "10.231.9.4": "c1\r\neth1", "lock": "", "last_reserved_ip.0": "10.231.9.4"} {
		if err := os.WriteFile(filepath.Join(leases, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	list := leaseList(t, dir)
	m := New(Config{ConfDir: dir, CacheDir: filepath.Join(dir, "cache")})
	rt := &libcni.RuntimeConf{ContainerID: "c1", NetNS: "/x", IfName: "eth0"}
	prev := m.rebuiltResult(list, rt, Attachment{Network: "lnet", IfName: "eth0"})
	if !strings.Contains(string(prev), `"address":"10.231.9.2/24"`) || strings.Contains(string(prev), "10.231.9.3") ||
		strings.Contains(string(prev), "10.231.9.4") || !strings.Contains(string(prev), `"cniVersion":"0.4.0"`) {
		t.Fatalf("prevResult %s", prev)
	}
	// What the attachment recorded wins over the leases.
	prev = m.rebuiltResult(list, rt, Attachment{IPs: []string{"10.231.9.7/24"}, Gateway: "10.231.9.1"})
	if !strings.Contains(string(prev), `"address":"10.231.9.7/24"`) || !strings.Contains(string(prev), `"gateway":"10.231.9.1"`) {
		t.Fatalf("prevResult %s", prev)
	}
	if prev := m.rebuiltResult(list, &libcni.RuntimeConf{ContainerID: "c3", IfName: "eth0"}, Attachment{}); prev != nil {
		t.Fatalf("a container with no lease got %s", prev)
	}
}

// The plugins of a DEL see the rebuilt prevResult; a DEL that has one
// (libcni's cache) keeps it, and an ADD is left alone.
func TestPrevResultExecFillsOnlyAMissingOne(t *testing.T) {
	var seen []string
	e := &prevResultExec{Exec: recordExec(func(stdin []byte) { seen = append(seen, string(stdin)) }), prev: []byte(`{"ips":[]}`)}
	ctx := context.Background()
	_, _ = e.ExecPlugin(ctx, "/p", []byte(`{"type":"firewall"}`), []string{"CNI_COMMAND=DEL"})
	_, _ = e.ExecPlugin(ctx, "/p", []byte(`{"type":"firewall","prevResult":{"ips":[1]}}`), []string{"CNI_COMMAND=DEL"})
	_, _ = e.ExecPlugin(ctx, "/p", []byte(`{"type":"firewall"}`), []string{"CNI_COMMAND=ADD"})
	want := []string{`{"prevResult":{"ips":[]},"type":"firewall"}`, `{"type":"firewall","prevResult":{"ips":[1]}}`, `{"type":"firewall"}`}
	if strings.Join(seen, "\n") != strings.Join(want, "\n") {
		t.Fatalf("plugins saw\n%s", strings.Join(seen, "\n"))
	}
}

// recordExec is an invoke.Exec that hands each plugin's stdin to f.
type recordExec func(stdin []byte)

func (f recordExec) ExecPlugin(_ context.Context, _ string, stdin []byte, _ []string) ([]byte, error) {
	f(stdin)
	return nil, nil
}
func (recordExec) FindInPath(plugin string, _ []string) (string, error) { return plugin, nil }
func (recordExec) Decode([]byte) (version.PluginInfo, error)            { return nil, nil }
