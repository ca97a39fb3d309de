package network

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/containernetworking/cni/libcni"
	"github.com/containernetworking/cni/pkg/invoke"
	"github.com/containernetworking/cni/pkg/version"
	"go.podman.io/storage/pkg/lockfile"
)

// Why some plugins of a list run side by side: an attachment's time is
// nearly all the plugins' (each runs iptables several times), and libcni
// runs a list's plugins one after another, as the CNI spec orders. In
// podman's networks (bridge, portmap, firewall, tuning), portmap and
// firewall are pass-through plugins: each answers ADD with the result it
// was given, and neither reads what the other does. So once the bridge
// has answered, they start together and the chain goes on at once with
// the result they would have returned; the list's last plugin waits for
// them, and their failure is the list's (libcni then caches nothing, as
// for any failed ADD). DEL goes the same way in reverse: tuning first (it
// restores the interface the bridge then removes; beside the rest when
// it changed nothing there), portmap and firewall beside the bridge,
// which waits for them before libcni drops its cache, so a failed DEL can
// be run again. Lists of any other shape, or with plugins this package
// does not know, run in the spec's order.
//
// One thing the overlap changes: the bridge gives the address back while
// firewall may still remove its rules for it. host-local hands addresses
// out in turn, so only a container that asks for that very address (--ip)
// could get it in between and lose its rules; such an attachment waits
// for the network's overlapped DELs (lockDel).

// passThrough are the plugins whose ADD result is their prevResult.
var passThrough = map[string]bool{"portmap": true, "firewall": true}

// overlaps says whether list has the shape whose plugins may overlap: a
// bridge first, then only portmap, firewall and tuning, each once.
func overlaps(list *libcni.NetworkConfigList) bool {
	if len(list.Plugins) < 2 || list.Plugins[0].Network.Type != "bridge" {
		return false
	}
	seen := map[string]bool{}
	for _, p := range list.Plugins[1:] {
		t := p.Network.Type
		if seen[t] || (!passThrough[t] && t != "tuning") {
			return false
		}
		seen[t] = true
	}
	return true
}

// chainExec runs one ADD or DEL of a list, starting pass-through plugins
// in the background; last is the type of the plugin the list ends with in
// this direction, which waits for them. quietTuning: tuning's DEL has
// nothing to restore, and runs in the background too.
type chainExec struct {
	invoke.Exec
	last        string
	quietTuning bool
	pending     sync.WaitGroup
	mu          sync.Mutex
	errs        []error
}

// cniFor is a libcni config whose plugins of list overlap for command
// ("ADD" or "DEL") with rt, or m.cni when they may not; a DEL's plugins
// get prev as their prevResult when libcni passes none.
func (m *Manager) cniFor(list *libcni.NetworkConfigList, command string, rt *libcni.RuntimeConf, prev json.RawMessage) *libcni.CNIConfig {
	var base invoke.Exec = &invoke.DefaultExec{RawExec: &invoke.RawExec{Stderr: os.Stderr}, PluginDecoder: version.PluginDecoder{}}
	if prev != nil {
		base = &prevResultExec{Exec: base, prev: prev}
	}
	if !overlaps(list) {
		if prev == nil {
			return m.cni
		}
		return libcni.NewCNIConfigWithCacheDir(m.cfg.PluginDirs, m.cfg.CacheDir, base)
	}
	e := &chainExec{Exec: base, last: list.Plugins[len(list.Plugins)-1].Network.Type}
	if command == "DEL" {
		e.last = list.Plugins[0].Network.Type
		e.quietTuning = tuningRestoresNothing(list, rt)
	}
	return libcni.NewCNIConfigWithCacheDir(m.cfg.PluginDirs, m.cfg.CacheDir, e)
}

// tuningRestoresNothing says whether list's tuning plugin, if any, changed
// nothing its DEL puts back: it keeps a backup of the interface, and its
// DEL restores it, only when it set a MAC, MTU, promisc or allmulti.
// Otherwise its DEL need not come before the bridge removes the interface.
func tuningRestoresNothing(list *libcni.NetworkConfigList, rt *libcni.RuntimeConf) bool {
	if _, ok := rt.CapabilityArgs["mac"]; ok {
		return false
	}
	for _, a := range rt.Args {
		if a[0] == "MAC" {
			return false
		}
	}
	for _, p := range list.Plugins {
		if p.Network.Type != "tuning" {
			continue
		}
		var conf map[string]json.RawMessage
		if err := json.Unmarshal(p.Bytes, &conf); err != nil {
			return false
		}
		for _, k := range []string{"mac", "mtu", "promisc", "allmulti"} {
			if _, ok := conf[k]; ok {
				return false
			}
		}
	}
	return true
}

func (e *chainExec) ExecPlugin(ctx context.Context, path string, stdin []byte, environ []string) ([]byte, error) {
	var conf struct {
		Type       string          `json:"type"`
		PrevResult json.RawMessage `json:"prevResult"`
	}
	_ = json.Unmarshal(stdin, &conf)
	command := commandOf(environ)
	background := conf.Type != e.last &&
		((passThrough[conf.Type] && (command == "DEL" || (command == "ADD" && len(conf.PrevResult) > 0))) ||
			(conf.Type == "tuning" && command == "DEL" && e.quietTuning))
	if !background {
		out, err := e.Exec.ExecPlugin(ctx, path, stdin, environ)
		if conf.Type == e.last {
			err = errors.Join(err, e.wait())
		}
		return out, err
	}
	e.pending.Add(1)
	go func() {
		defer e.pending.Done()
		if _, err := e.Exec.ExecPlugin(ctx, path, stdin, environ); err != nil {
			e.mu.Lock()
			e.errs = append(e.errs, fmt.Errorf("plugin type=%q failed (%s): %w", conf.Type, strings.ToLower(command), err))
			e.mu.Unlock()
		}
	}()
	if command == "ADD" {
		return conf.PrevResult, nil
	}
	return nil, nil
}

func (e *chainExec) wait() error {
	e.pending.Wait()
	e.mu.Lock()
	defer e.mu.Unlock()
	return errors.Join(e.errs...)
}

func commandOf(environ []string) string {
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, "CNI_COMMAND="); ok {
			return v
		}
	}
	return ""
}

// lockDel is held (shared) by each overlapped DEL on a network and taken
// (exclusive, for a moment) by an attachment that asks for an address,
// which so never gets one whose old firewall rules are still going.
func (m *Manager) lockDel(network string, exclusive bool) (func(), error) {
	l, err := lockfile.GetLockFile(m.delLockPath(network))
	if err != nil {
		return nil, err
	}
	if exclusive {
		l.Lock()
	} else {
		l.RLock()
	}
	return l.Unlock, nil
}

func (m *Manager) delLockPath(network string) string {
	return filepath.Join(m.cfg.CacheDir, "ctr-locks", network+".lock")
}
