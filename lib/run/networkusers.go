package run

import (
	"slices"
	"strings"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/network"
)

// NetworkUsers are the containers that use network name: those attached
// to it now, by any runtime on libcni (podman's too: by ID, or by name
// when they are this store's), and this store's containers that name it
// to attach at their next start (stopped, or created and never started),
// as podman counts them.
func (m *Manager) NetworkUsers(name string) ([]string, error) {
	ids, err := m.networks().Users(name)
	if err != nil {
		return nil, err
	}
	all, err := m.List(true)
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
func (m *Manager) RemoveNetwork(ref string) (network.Network, error) {
	nm := m.networks()
	n, err := nm.Get(ref)
	if err != nil {
		return n, err
	}
	users, err := m.NetworkUsers(n.Name)
	if err != nil {
		return n, err
	}
	if len(users) > 0 {
		return n, errdefs.Usagef("network %s is used by container %s: remove it first", n.Name, strings.Join(users, ", "))
	}
	return nm.Remove(n.Name)
}

// PruneNetworks removes every network no container uses but podman's
// default; it returns their names.
func (m *Manager) PruneNetworks() ([]string, error) {
	nets, err := m.networks().List()
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, n := range nets {
		if n.Name == network.DefaultName {
			continue
		}
		if users, err := m.NetworkUsers(n.Name); err != nil || len(users) > 0 {
			continue
		}
		if _, err := m.networks().Remove(n.Name); err != nil {
			return removed, err
		}
		removed = append(removed, n.Name)
	}
	return removed, nil
}
