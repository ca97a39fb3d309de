package network

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A network created in a config directory without podman's default one:
// the default is written too, and the lock taken once (it is not
// re-entrant: taking it again hung).
func TestCreateWritesTheDefaultNetwork(t *testing.T) {
	dir := t.TempDir()
	m := New(Config{ConfDir: dir})
	done := make(chan error, 1)
	go func() {
		_, err := m.Create(CreateOptions{Name: "unit", Subnet: "10.231.250.0/24"})
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Create hung")
	}
	nets, err := m.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(nets) != 2 || nets[0].Name != "podman" || nets[1].Name != "unit" || nets[1].Subnets[0].Gateway != "10.231.250.1" {
		t.Fatalf("networks %+v", nets)
	}
	if _, err := os.Stat(filepath.Join(dir, "87-podman-bridge.conflist")); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Create(CreateOptions{Name: "overlap", Subnet: "10.88.5.0/24"}); err == nil {
		t.Fatal("a subnet inside the default network's was taken")
	}
}
