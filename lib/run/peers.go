package run

import (
	"cmp"
	"os"
	"path/filepath"
	"strings"

	"github.com/ctr-project/ctr/lib/network"
)

// Why /etc/hosts entries for names on a network: podman 4.3 resolves
// container names on its networks with the dnsname CNI plugin (dnsmasq),
// which Debian 12 does not ship, and aardvark-dns serves netavark's
// networks only. Entries in each container's /etc/hosts, kept current as
// containers join and leave, need no daemon and no port 53, work with any
// resolver in the image, and change nothing for podman's containers on the
// same network. The price: a name appears in a running container only for
// containers that joined after it or before it, as long as both run (as
// with DNS), and a program that caches /etc/hosts misses later changes.
// podman's default network, like podman's, gives no names.

// peer is another container on the same named network.
type peer struct {
	hosts string // its /etc/hosts
	line  string // "IP\tname" for it
}

// lockNetwork serializes joining and leaving one network.
func lockNetwork(stateDir, name string) (func(), error) {
	return flockFile(filepath.Join(stateDir, "network-"+name+".lock"))
}

// peers are the containers attached to network name now, but id: read
// from their network records (attached from start to exit), not by asking
// the runtime about every container.
func (m *Manager) peers(id, name string) []peer {
	dir := cmp.Or(m.PersistDir, m.StateDir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []peer
	for _, e := range entries {
		if !e.IsDir() || e.Name() == id || e.Name() == "exits" || e.Name() == "runtime" {
			continue
		}
		b := &bundle{store: m.Store, id: e.Name(), dir: filepath.Join(m.StateDir, e.Name()), persist: persistOf(m.PersistDir, e.Name())}
		r, err := b.readNet()
		if err != nil || r == nil || !r.Attached {
			continue
		}
		cname := b.name()
		for _, a := range r.State.Attachments {
			if a.Network == name && a.IP() != "" && cname != "" {
				out = append(out, peer{hosts: filepath.Join(b.dir, "hosts"), line: a.IP() + "\t" + cname})
			}
		}
	}
	return out
}

// name is the container's name, from its files.
func (b *bundle) name() string {
	for _, dir := range []string{b.persist, b.dir} {
		if dir == "" {
			continue
		}
		if n, err := os.ReadFile(filepath.Join(dir, "name")); err == nil {
			return strings.TrimSpace(string(n))
		}
	}
	return ""
}

// namedNetworks are the attachments that give names: all but podman's
// default network.
func namedNetworks(st *network.State) []network.Attachment {
	if st == nil {
		return nil
	}
	var out []network.Attachment
	for _, a := range st.Attachments {
		if a.Network != network.DefaultName && a.IP() != "" {
			out = append(out, a)
		}
	}
	return out
}

// joinNames adds the container's peers on its named networks to its
// /etc/hosts and itself to theirs.
func (m *Manager) joinNames(b *bundle, name string, st *network.State) error {
	own := filepath.Join(b.dir, "hosts")
	for _, a := range namedNetworks(st) {
		unlock, err := lockNetwork(m.StateDir, a.Network)
		if err != nil {
			return err
		}
		for _, p := range m.peers(b.id, a.Network) {
			_ = appendLine(own, p.line)
			_ = appendLine(p.hosts, a.IP()+"\t"+name)
		}
		unlock()
	}
	return nil
}

// leaveNames takes the container out of its peers' /etc/hosts.
func (m *Manager) leaveNames(b *bundle, name string, st *network.State) {
	for _, a := range namedNetworks(st) {
		unlock, err := lockNetwork(m.StateDir, a.Network)
		if err != nil {
			continue
		}
		for _, p := range m.peers(b.id, a.Network) {
			_ = removeLine(p.hosts, a.IP()+"\t"+name)
		}
		unlock()
	}
}

// appendLine adds line to a hosts file (in place: it is bind-mounted)
// unless it has it; a file that is not there (--no-hosts) is left so.
func appendLine(path, line string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if strings.Contains("\n"+string(data), "\n"+line+"\n") {
		return nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(line + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// removeLine takes line out of a hosts file, in place.
func removeLine(path, line string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var keep []string
	for _, l := range strings.SplitAfter(string(data), "\n") {
		if strings.TrimSuffix(l, "\n") != line {
			keep = append(keep, l)
		}
	}
	return writeInPlace(path, []byte(strings.Join(keep, "")))
}
