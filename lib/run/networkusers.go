package run

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/network"
)

// NetworkUsers are the containers that use network name: those attached
// to it now, by any runtime on libcni (podman's too: by ID, or by name
// when they are this store's), and this store's containers that name it
// to attach at their next start (stopped, or created and never started),
// as podman counts them.
func (m *Manager) NetworkUsers(ctx context.Context, name string) ([]string, error) {
	ids, err := m.networks().Users(name)
	if err != nil {
		return nil, err
	}
	all, err := m.List(ctx, true)
	if err != nil {
		return nil, err
	}
	var users []string
	for _, c := range all {
		if slices.Contains(ids, c.ID) || m.names(c, name) {
			users = append(users, c.Name)
			ids = slices.DeleteFunc(ids, func(id string) bool { return id == c.ID })
		}
	}
	for _, id := range ids {
		users = append(users, id[:min(12, len(id))])
	}
	return users, nil
}

// names says whether container c's network record asks for network name.
func (m *Manager) names(c Container, name string) bool {
	r, err := m.bundle(c).readNet()
	if err != nil || r == nil {
		return false
	}
	return slices.ContainsFunc(r.Requests, func(q network.Request) bool { return q.Network == name })
}

// RemoveNetwork removes a network no container uses (NetworkUsers).
func (m *Manager) RemoveNetwork(ctx context.Context, ref string) (network.Network, error) {
	nm := m.networks()
	n, err := nm.Get(ref)
	if err != nil {
		return n, err
	}
	return n, m.removeUnused(ctx, n.Name)
}

// removeUnused removes network name if no container uses it, holding it
// (useNetworks) so that a container about to name it either has, and
// stops the removal, or finds it gone.
func (m *Manager) removeUnused(ctx context.Context, name string) error {
	unlock, err := flockAs(m.networkUseLock(name), unix.LOCK_EX)
	if err != nil {
		return err
	}
	defer unlock()
	users, err := m.NetworkUsers(ctx, name)
	if err != nil {
		return err
	}
	if len(users) > 0 {
		return errdefs.Usagef("network %s is used by container %s: remove it first", name, strings.Join(users, ", "))
	}
	_, err = m.networks().Remove(name)
	return err
}

// useNetworks holds, shared, the networks a container is about to name in
// its record, from before they are looked up until the record is written;
// the function returned lets go.
func (m *Manager) useNetworks(reqs []network.Request) (func(), error) {
	var unlocks []func()
	release := func() {
		for _, u := range unlocks {
			u()
		}
	}
	for _, r := range reqs {
		n, err := m.networks().Get(r.Network) // a name or an ID prefix
		if err != nil {
			continue // not a network: the attachment says so
		}
		unlock, err := flockAs(m.networkUseLock(n.Name), unix.LOCK_SH)
		if err != nil {
			release()
			return nil, err
		}
		unlocks = append(unlocks, unlock)
	}
	return release, nil
}

// networkUseLock is the lock file of network name's users in this store
// (a network's name, as Get found it: never a client's string).
func (m *Manager) networkUseLock(name string) string {
	return filepath.Join(m.StateDir, "network-use-"+name+".lock")
}

// PruneNetworks removes every network no container uses but podman's
// default; it returns their names.
func (m *Manager) PruneNetworks(ctx context.Context) ([]string, error) {
	nets, err := m.networks().List()
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, n := range nets {
		if n.Name == network.DefaultName {
			continue
		}
		err := m.removeUnused(ctx, n.Name)
		if errors.Is(err, errdefs.ErrUsage) {
			continue // in use
		}
		if err != nil {
			return removed, err
		}
		removed = append(removed, n.Name)
	}
	return removed, nil
}
