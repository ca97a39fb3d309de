// Package network gives containers their network on CNI, as podman 4.3
// (its CNI backend) and CRI-O do: libcni drives the plugins Debian ships
// (bridge, host-local, portmap, firewall, tuning) from network configs in
// /etc/cni/net.d, the same conflist files podman reads and writes, so a
// network either tool makes is the other's too. Each container's network
// namespace is pinned under /run/netns while it is attached.
package network

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/containernetworking/cni/libcni"
	"go.podman.io/storage/pkg/lockfile"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/lookup"
)

// DefaultName is podman's default network, the one a container joins
// with --network bridge.
const DefaultName = "podman"

// Config says where the network configs, plugins and namespaces are.
type Config struct {
	ConfDir    string   // default /etc/cni/net.d
	PluginDirs []string // default /usr/lib/cni, /usr/libexec/cni, /opt/cni/bin
	NetnsDir   string   // default /run/netns
	CacheDir   string   // libcni's result cache (default /var/lib/cni)
	// Warn gets one line for each config file skipped (nil: silent).
	Warn io.Writer
}

func (c *Config) setDefaults() {
	c.ConfDir = cmp.Or(c.ConfDir, "/etc/cni/net.d")
	if len(c.PluginDirs) == 0 {
		c.PluginDirs = []string{"/usr/lib/cni", "/usr/libexec/cni", "/opt/cni/bin"}
	}
	c.CacheDir = cmp.Or(c.CacheDir, libcni.CacheDir)
	c.NetnsDir = cmp.Or(c.NetnsDir, DefaultNetnsDir)
}

// Manager manages networks and attaches containers to them.
type Manager struct {
	cfg Config
	cni *libcni.CNIConfig
}

// New returns a Manager for cfg.
func New(cfg Config) *Manager {
	cfg.setDefaults()
	return &Manager{cfg: cfg, cni: libcni.NewCNIConfigWithCacheDir(cfg.PluginDirs, cfg.CacheDir, nil)}
}

// Network is one network, described with podman's field names (podman
// network inspect).
type Network struct {
	Name      string    `json:"name"`
	ID        string    `json:"id"`
	Driver    string    `json:"driver"`
	Interface string    `json:"network_interface"`
	Created   time.Time `json:"created"`
	Subnets   []Subnet  `json:"subnets"`
	Internal  bool      `json:"internal"`
	File      string    `json:"file"`

	list *libcni.NetworkConfigList
}

// Subnet is one of a network's address ranges.
type Subnet struct {
	Subnet  string `json:"subnet"`
	Gateway string `json:"gateway,omitempty"`
}

// bridgeConf is what ctr reads of a conflist's bridge plugin.
type bridgeConf struct {
	Type      string `json:"type"`
	Bridge    string `json:"bridge"`
	IsGateway bool   `json:"isGateway"`
	IPMasq    bool   `json:"ipMasq"`
	IPAM      struct {
		Type   string     `json:"type"`
		Ranges [][]Subnet `json:"ranges"`
	} `json:"ipam"`
}

// networkID is a network's ID, as podman's CNI backend makes it.
func networkID(name string) string {
	sum := sha256.Sum256([]byte(name))
	return hex.EncodeToString(sum[:])
}

// List returns every network in the config directory, by name. podman's
// default network is written first if it is missing, as podman does.
func (m *Manager) List() ([]Network, error) {
	nets, err := m.read()
	if err != nil || hasDefault(nets) {
		return nets, err
	}
	unlock, err := m.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	if nets, err = m.read(); err != nil { // another process may have written it
		return nil, err
	}
	return m.withDefault(nets)
}

// read parses the config directory's networks, each file once.
func (m *Manager) read() ([]Network, error) {
	files, err := libcni.ConfFiles(m.cfg.ConfDir, []string{".conflist"})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	var out []Network
	seen := map[string]bool{}
	for _, f := range files {
		n, err := readNetwork(f)
		if err != nil {
			m.warnSkipped(f, err) // not a network ctr can use; podman skips it too
			continue
		}
		if seen[n.Name] {
			continue
		}
		seen[n.Name] = true
		out = append(out, n)
	}
	slices.SortFunc(out, func(a, b Network) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func hasDefault(nets []Network) bool {
	return slices.ContainsFunc(nets, func(n Network) bool { return n.Name == DefaultName })
}

// withDefault writes podman's default network if nets lack it, and adds
// it. The caller holds the lock.
func (m *Manager) withDefault(nets []Network) ([]Network, error) {
	if hasDefault(nets) {
		return nets, nil
	}
	file := filepath.Join(m.cfg.ConfDir, "87-podman-bridge.conflist")
	if err := writeFileAtomic(file, []byte(defaultConflist)); err != nil {
		return nil, err
	}
	n, err := readNetwork(file)
	if err != nil {
		return nil, err
	}
	nets = append(nets, n)
	slices.SortFunc(nets, func(a, b Network) int { return strings.Compare(a.Name, b.Name) })
	return nets, nil
}

// warned are the files a warning was given for, once per process (a
// command may read the config directory more than once).
var warned sync.Map

// warnSkipped says, once, that file is not a network ctr can use.
func (m *Manager) warnSkipped(file string, err error) {
	if m.cfg.Warn == nil {
		return
	}
	if _, done := warned.LoadOrStore(file, true); !done {
		fmt.Fprintf(m.cfg.Warn, "warning: skipping network config %s: %v\n", file, err)
	}
}

// readNetwork reads one conflist. Its name must be a network name: it
// names files and directories (leases, locks), and one such as "../x"
// would lead them anywhere.
func readNetwork(file string) (Network, error) {
	list, err := libcni.ConfListFromFile(file)
	if err != nil {
		return Network{}, err
	}
	if err := checkName(list.Name); err != nil {
		return Network{}, err
	}
	n := Network{Name: list.Name, ID: networkID(list.Name), Driver: "bridge", File: file, list: list}
	if st, err := os.Stat(file); err == nil {
		n.Created = st.ModTime().UTC()
	}
	for _, p := range list.Plugins {
		if p.Network.Type != "bridge" {
			continue
		}
		var b bridgeConf
		if err := json.Unmarshal(p.Bytes, &b); err != nil {
			return Network{}, err
		}
		n.Interface, n.Internal = b.Bridge, !b.IsGateway && !b.IPMasq
		for _, r := range b.IPAM.Ranges {
			n.Subnets = append(n.Subnets, r...)
		}
		return n, nil
	}
	n.Driver = list.Plugins[0].Network.Type
	return n, nil
}

// Get finds a network by ID, name or unique ID prefix (lib/lookup's rule).
func (m *Manager) Get(ref string) (Network, error) {
	nets, err := m.List()
	if err != nil {
		return Network{}, err
	}
	return lookup.Find("network", ref, nets, func(n Network) (string, []string) { return n.ID, []string{n.Name} })
}

// lock takes the lock podman takes to change the config directory.
func (m *Manager) lock() (func(), error) {
	if err := os.MkdirAll(m.cfg.ConfDir, 0o755); err != nil {
		return nil, err
	}
	l, err := lockfile.GetLockFile(filepath.Join(m.cfg.ConfDir, "cni.lock"))
	if err != nil {
		return nil, err
	}
	l.Lock()
	return l.Unlock, nil
}

// defaultConflist is podman 4.3's default network, byte for byte in
// meaning (87-podman-bridge.conflist).
const defaultConflist = `{
  "cniVersion": "0.4.0",
  "name": "podman",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "cni-podman0",
      "isGateway": true,
      "ipMasq": true,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "routes": [{ "dst": "0.0.0.0/0" }],
        "ranges": [
          [
            {
              "subnet": "10.88.0.0/16",
              "gateway": "10.88.0.1"
            }
          ]
        ]
      }
    },
    {
      "type": "portmap",
      "capabilities": {
        "portMappings": true
      }
    },
    {
      "type": "firewall"
    },
    {
      "type": "tuning"
    }
  ]
}
`

// CreateOptions describe a new network.
type CreateOptions struct {
	Name     string
	Subnet   string // CIDR; default: the first free 10.89.N.0/24, as podman
	Gateway  string // default: the subnet's first address
	Internal bool   // no gateway, no masquerading: the containers reach only each other
}

var validName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

// checkName refuses what is not a network name: podman's rule, and
// short enough for the files named after it.
func checkName(name string) error {
	if !validName.MatchString(name) || len(name) > 200 {
		return errdefs.Usagef("invalid network name %q: want [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 200 characters", name)
	}
	return nil
}

// Create writes a new network's conflist, as podman 4.3 writes it.
func (m *Manager) Create(o CreateOptions) (Network, error) {
	if err := checkName(o.Name); err != nil {
		return Network{}, err
	}
	unlock, err := m.lock()
	if err != nil {
		return Network{}, err
	}
	defer unlock()
	// Under the lock already: read, not List (its lock is not re-entrant).
	nets, err := m.read()
	if err == nil {
		nets, err = m.withDefault(nets)
	}
	if err != nil {
		return Network{}, err
	}
	for _, n := range nets {
		if n.Name == o.Name {
			return Network{}, errdefs.Usagef("network %q exists already", o.Name)
		}
	}
	subnet, gateway, err := pickSubnet(o, nets)
	if err != nil {
		return Network{}, err
	}
	conf := conflist(o.Name, pickBridge(nets), subnet, gateway, o.Internal)
	file := filepath.Join(m.cfg.ConfDir, o.Name+".conflist")
	if err := writeFileAtomic(file, conf); err != nil {
		return Network{}, err
	}
	return readNetwork(file)
}

// pickSubnet checks the subnet asked for (or picks a free one) and its
// gateway.
func pickSubnet(o CreateOptions, nets []Network) (*net.IPNet, net.IP, error) {
	used := usedSubnets(nets)
	var subnet *net.IPNet
	if o.Subnet != "" {
		ip, ipn, err := net.ParseCIDR(o.Subnet)
		if err != nil || ip.To4() == nil {
			return nil, nil, errdefs.Usagef("invalid --subnet %q: want an IPv4 CIDR such as 10.89.5.0/24", o.Subnet)
		}
		if ones, _ := ipn.Mask.Size(); ones > 30 {
			return nil, nil, errdefs.Usagef("--subnet %s is too small: /30 at most", o.Subnet)
		}
		for _, u := range used {
			if u.Contains(ipn.IP) || ipn.Contains(u.IP) {
				return nil, nil, errdefs.Usagef("--subnet %s overlaps %s, %s", o.Subnet, u.IPNet, u.what)
			}
		}
		subnet = ipn
	} else {
		for i := 0; i < 256 && subnet == nil; i++ {
			_, c, _ := net.ParseCIDR(fmt.Sprintf("10.89.%d.0/24", i))
			if !slices.ContainsFunc(used, func(u usedSubnet) bool { return u.Contains(c.IP) || c.Contains(u.IP) }) {
				subnet = c
			}
		}
		if subnet == nil {
			return nil, nil, errors.New("no free subnet in 10.89.0.0/16: give one with --subnet")
		}
	}
	if o.Internal && o.Gateway == "" {
		return subnet, nil, nil
	}
	gw := nextIP(subnet.IP)
	if o.Gateway != "" {
		gw = net.ParseIP(o.Gateway).To4()
		if gw == nil || !subnet.Contains(gw) || gw.Equal(subnet.IP) {
			return nil, nil, errdefs.Usagef("invalid --gateway %q: want an address inside %s", o.Gateway, subnet)
		}
	}
	return subnet, gw, nil
}

// usedSubnet is a range a new network may not overlap, and why.
type usedSubnet struct {
	*net.IPNet
	what string
}

// reservedSubnets are never a network's: loopback, "this network",
// link-local, multicast and the reserved block.
var reservedSubnets = []string{"127.0.0.0/8", "0.0.0.0/8", "169.254.0.0/16", "224.0.0.0/4", "240.0.0.0/4"}

// usedSubnets are the ranges a new network may not overlap: the other
// networks', the host's own (each address of its interfaces, with its
// prefix, as podman 4.3 counts them: its containers could not reach that
// network), and the reserved ones.
func usedSubnets(nets []Network) []usedSubnet {
	var used []usedSubnet
	for _, s := range reservedSubnets {
		_, ipn, _ := net.ParseCIDR(s)
		used = append(used, usedSubnet{ipn, "a reserved range"})
	}
	for _, n := range nets {
		for _, s := range n.Subnets {
			if _, ipn, err := net.ParseCIDR(s.Subnet); err == nil {
				used = append(used, usedSubnet{ipn, "the subnet of network " + n.Name})
			}
		}
	}
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil {
				_, own, _ := net.ParseCIDR(ipn.String())
				used = append(used, usedSubnet{own, "a subnet of the host's own (" + ipn.IP.String() + ")"})
			}
		}
	}
	return used
}

func nextIP(ip net.IP) net.IP {
	out := slices.Clone(ip.To4())
	for i := len(out) - 1; i >= 0; i-- {
		out[i]++
		if out[i] != 0 {
			break
		}
	}
	return out
}

// pickBridge is the first cni-podmanN no network uses and no interface
// has, as podman picks it.
func pickBridge(nets []Network) string {
	for i := 0; ; i++ {
		name := fmt.Sprintf("cni-podman%d", i)
		used := slices.ContainsFunc(nets, func(n Network) bool { return n.Interface == name })
		if _, err := os.Stat("/sys/class/net/" + name); !used && errors.Is(err, fs.ErrNotExist) {
			return name
		}
	}
}

// conflist is the network config podman 4.3 writes for a bridge network.
func conflist(name, bridge string, subnet *net.IPNet, gateway net.IP, internal bool) []byte {
	rng := map[string]string{"subnet": subnet.String()}
	if gateway != nil {
		rng["gateway"] = gateway.String()
	}
	ipam := map[string]any{"type": "host-local", "ranges": [][]map[string]string{{rng}}}
	br := map[string]any{"type": "bridge", "bridge": bridge, "isGateway": !internal, "hairpinMode": true, "ipam": ipam,
		"capabilities": map[string]bool{"ips": true}}
	if !internal {
		br["ipMasq"] = true
		ipam["routes"] = []map[string]string{{"dst": "0.0.0.0/0"}}
	}
	doc := map[string]any{
		"cniVersion": "0.4.0",
		"name":       name,
		"plugins": []any{
			br,
			map[string]any{"type": "portmap", "capabilities": map[string]bool{"portMappings": true}},
			map[string]any{"type": "firewall", "backend": ""},
			map[string]any{"type": "tuning"},
		},
	}
	out, _ := json.MarshalIndent(doc, "", "   ")
	return append(out, '\n')
}

// Remove deletes a network's config, its bridge and its address leases.
// podman's default network stays.
func (m *Manager) Remove(ref string) (Network, error) {
	n, err := m.Get(ref)
	if err != nil {
		return n, err
	}
	if n.Name == DefaultName {
		return n, errdefs.Usagef("the default network %q cannot be removed", DefaultName)
	}
	unlock, err := m.lock()
	if err != nil {
		return n, err
	}
	defer unlock()
	if err := os.Remove(n.File); err != nil {
		return n, err
	}
	deleteLink(n.Interface)
	_ = os.RemoveAll(filepath.Join("/var/lib/cni/networks", n.Name))
	_ = os.Remove(m.delLockPath(n.Name))
	return n, nil
}

func writeFileAtomic(path string, data []byte) error {
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Users are the IDs of the containers attached to a network now, by any
// runtime that uses libcni (podman's too): libcni caches each attachment's
// result as RESULTS/NETWORK-CONTAINERID-IFNAME until its DEL.
func (m *Manager) Users(name string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(m.cfg.CacheDir, "results"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), name+"-")
		if !ok {
			continue
		}
		id, ifname, ok := strings.Cut(rest, "-")
		if ok && ifname != "" && !strings.Contains(ifname, "-") && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}
