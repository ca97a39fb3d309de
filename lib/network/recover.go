package network

import (
	"cmp"
	"context"
	"crypto/sha512"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/containernetworking/cni/libcni"
	"github.com/containernetworking/cni/pkg/invoke"
	current "github.com/containernetworking/cni/pkg/types/100"
)

// Why a DEL may need what libcni did not keep: libcni caches a list's
// result only once its whole ADD succeeded, and passes it to each plugin's
// DEL as prevResult. A process killed while the plugins ran (ctr-run,
// ctr-cri in RunPodSandbox) leaves rules whose plugins find them by that
// result alone: the firewall plugin's two CNI-FORWARD rules per address
// stayed for good. So a DEL without a cached result is given the result
// the ADD would have cached, rebuilt from what the attachment recorded or,
// for an ADD that never finished, from the addresses host-local leased to
// this container and interface. And a DEL whose namespace is gone (its
// pin lost with a mount namespace or /run) cannot have the bridge plugin
// find the addresses it masqueraded: those rules, named after the network
// and the container, are removed here.

// prevResultExec runs plugins through Exec, and gives each DEL that has no
// prevResult the one rebuilt.
type prevResultExec struct {
	invoke.Exec
	prev json.RawMessage
}

func (e *prevResultExec) ExecPlugin(ctx context.Context, path string, stdin []byte, environ []string) ([]byte, error) {
	if commandOf(environ) == "DEL" {
		var conf map[string]json.RawMessage
		if err := json.Unmarshal(stdin, &conf); err == nil {
			if _, ok := conf["prevResult"]; !ok {
				conf["prevResult"] = e.prev
				if b, err := json.Marshal(conf); err == nil {
					stdin = b
				}
			}
		}
	}
	return e.Exec.ExecPlugin(ctx, path, stdin, environ)
}

// rebuiltResult is the result a DEL of a's attachment needs when libcni
// has none cached, in the list's version; nil when one is cached or no
// address is known.
func (m *Manager) rebuiltResult(list *libcni.NetworkConfigList, rt *libcni.RuntimeConf, a Attachment) json.RawMessage {
	if cached, err := m.cni.GetNetworkListCachedResult(list, rt); err == nil && cached != nil {
		return nil
	}
	ips := a.IPs
	if len(ips) == 0 {
		ips = leasedAddresses(list, rt.ContainerID, rt.IfName)
	}
	if len(ips) == 0 {
		return nil
	}
	res := &current.Result{CNIVersion: current.ImplementedSpecVersion,
		Interfaces: []*current.Interface{{Name: rt.IfName, Sandbox: rt.NetNS, Mac: a.MAC}}}
	for _, s := range ips {
		ip, ipn, err := net.ParseCIDR(s)
		if err != nil {
			continue
		}
		ipn.IP = ip
		res.IPs = append(res.IPs, &current.IPConfig{Interface: current.Int(0), Address: *ipn, Gateway: net.ParseIP(a.Gateway)})
	}
	conv, err := res.GetAsVersion(list.CNIVersion)
	if err != nil {
		return nil
	}
	b, err := json.Marshal(conv)
	if err != nil {
		return nil
	}
	return b
}

// leasedAddresses are the addresses (CIDR, with the range's prefix) that
// list's host-local IPAM leased to container id's interface ifname: a
// file named after the address, holding the ID and the interface name.
func leasedAddresses(list *libcni.NetworkConfigList, id, ifname string) []string {
	for _, p := range list.Plugins {
		var conf struct {
			IPAM struct {
				Type    string     `json:"type"`
				DataDir string     `json:"dataDir"`
				Ranges  [][]Subnet `json:"ranges"`
			} `json:"ipam"`
		}
		if json.Unmarshal(p.Bytes, &conf) != nil || conf.IPAM.Type != "host-local" {
			continue
		}
		dir := filepath.Join(cmp.Or(conf.IPAM.DataDir, "/var/lib/cni/networks"), list.Name)
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil
		}
		var out []string
		for _, e := range entries {
			ip := net.ParseIP(e.Name())
			if ip == nil {
				continue
			}
			data, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				continue
			}
			owner, iface, _ := strings.Cut(strings.TrimSpace(string(data)), "\n")
			if strings.TrimSpace(owner) != id || (iface != "" && strings.TrimSpace(iface) != ifname) {
				continue
			}
			if cidr := inRanges(ip, conf.IPAM.Ranges); cidr != "" {
				out = append(out, cidr)
			}
		}
		return out
	}
	return nil
}

// inRanges is ip with the prefix length of the range that holds it.
func inRanges(ip net.IP, ranges [][]Subnet) string {
	for _, set := range ranges {
		for _, r := range set {
			if _, ipn, err := net.ParseCIDR(r.Subnet); err == nil && ipn.Contains(ip) {
				ones, _ := ipn.Mask.Size()
				return fmt.Sprintf("%s/%d", ip, ones)
			}
		}
	}
	return ""
}

// netnsGone says whether a DEL's namespace path is missing: its plugins
// then find no interface, and the bridge plugin no address to stop
// masquerading.
func netnsGone(path string) bool {
	if path == "" {
		return false
	}
	_, err := os.Stat(path)
	return errors.Is(err, fs.ErrNotExist)
}

// masqueradeChain is the chain the bridge plugin (ipMasq) makes for one
// container on one network, as CNI's plugins name it.
func masqueradeChain(network, id string) string {
	sum := sha512.Sum512([]byte(network + id))
	return fmt.Sprintf("CNI-%x", sum)[:28]
}

var ruleSource = regexp.MustCompile(`-s (\S+)`)

// sweepMasquerade removes the rules the bridge plugin added for id on
// network when its DEL could not: POSTROUTING's jumps to the container's
// chain (matched by the plugin's comment and the chain), then the chain.
func sweepMasquerade(network, id string) error {
	chain := masqueradeChain(network, id)
	comment := fmt.Sprintf("name: %q id: %q", network, id)
	out, err := exec.Command("iptables", "-w", "-t", "nat", "-S", "POSTROUTING").Output()
	if err != nil {
		return fmt.Errorf("iptables -S: %w", err)
	}
	var first error
	for _, line := range strings.Split(string(out), "\n") {
		if !strings.HasSuffix(line, " -j "+chain) {
			continue
		}
		args := []string{"-w", "-t", "nat", "-D", "POSTROUTING"}
		if m := ruleSource.FindStringSubmatch(line); m != nil {
			args = append(args, "-s", m[1])
		}
		args = append(args, "-m", "comment", "--comment", comment, "-j", chain)
		if out, err := exec.Command("iptables", args...).CombinedOutput(); err != nil && first == nil {
			first = fmt.Errorf("iptables %s: %s", strings.Join(args, " "), strings.TrimSpace(string(out)))
		}
	}
	// The chain goes once nothing jumps to it; one that is not there is
	// the usual case.
	if exec.Command("iptables", "-w", "-t", "nat", "-F", chain).Run() == nil {
		if out, err := exec.Command("iptables", "-w", "-t", "nat", "-X", chain).CombinedOutput(); err != nil && first == nil {
			first = fmt.Errorf("iptables -X %s: %s", chain, strings.TrimSpace(string(out)))
		}
	}
	return first
}
