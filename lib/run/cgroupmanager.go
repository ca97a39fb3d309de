package run

import (
	"cmp"
	"fmt"
	"os"
	"strings"

	"github.com/opencontainers/cgroups"
	"github.com/opencontainers/cgroups/manager"

	"github.com/ctr-project/ctr/lib/errdefs"
)

// The cgroup managers, as podman's --cgroup-manager: cgroupfs has the
// runtime write the cgroup tree itself; systemd has systemd make a scope
// per container (a slice per pod), so that systemd, which owns the tree
// on the machines that boot with it, knows every cgroup and its limits.
const (
	CgroupfsManager = "cgroupfs"
	SystemdManager  = "systemd"
)

// systemdParent is where the containers' scopes go under systemd, as
// podman's machine.slice.
const systemdParent = "machine.slice"

// DefaultCgroupManager is podman's default: systemd when it is the
// machine's init (sd_booted: /run/systemd/system is there), else cgroupfs.
func DefaultCgroupManager() string {
	if fi, err := os.Stat("/run/systemd/system"); err == nil && fi.IsDir() {
		return SystemdManager
	}
	return CgroupfsManager
}

// CheckCgroupManager refuses what is neither manager; with systemd a
// cgroup parent is a slice, with cgroupfs an absolute path.
func CheckCgroupManager(manager, parent string) error {
	switch manager {
	case "", CgroupfsManager:
		if parent != "" && (!strings.HasPrefix(parent, "/") || strings.Contains(parent, "..")) {
			return errdefs.Usagef("cgroup parent %q: want an absolute cgroup path with the cgroupfs manager", parent)
		}
	case SystemdManager:
		if parent != "" && (!strings.HasSuffix(parent, ".slice") || strings.ContainsAny(parent, "/:")) {
			return errdefs.Usagef("cgroup parent %q: want a slice (NAME.slice) with the systemd manager", parent)
		}
	default:
		return errdefs.Usagef("cgroup manager %q: want systemd or cgroupfs", manager)
	}
	if manager == SystemdManager && DefaultCgroupManager() != SystemdManager {
		return errdefs.Usagef("cgroup manager systemd: systemd is not this machine's init (no /run/systemd/system)")
	}
	return nil
}

// cgroupsPath is a container's linux.cgroupsPath: with systemd the
// runtime's "slice:prefix:name" (the scope ctr-ID.scope in parent, by
// default machine.slice); with cgroupfs PARENT/ID, or "" for the runtime's
// default (/ID) when there is no parent.
func cgroupsPath(manager, parent, id string) string {
	if manager == SystemdManager {
		return cmp.Or(parent, systemdParent) + ":ctr:" + id
	}
	if parent == "" {
		return ""
	}
	return strings.TrimSuffix(parent, "/") + "/" + id
}

// cgroupManagerOf says which manager made a bundle's cgroupsPath: the
// systemd form has three parts and no leading "/".
func cgroupManagerOf(path string) string {
	if !strings.HasPrefix(path, "/") && strings.Count(path, ":") == 2 {
		return SystemdManager
	}
	return CgroupfsManager
}

// monitorCgroupArgs has the monitor pass --systemd-cgroup to the runtime's
// create: a container made so keeps the manager for its lifetime (the
// runtime's state says), so no other command needs it.
func (o *launch) monitorCgroupArgs() []string {
	if o.CgroupManager == SystemdManager {
		return []string{"--systemd-cgroup"}
	}
	return nil
}

// systemdSliceOf is the slice of a systemd cgroupsPath ("" for a
// cgroupfs path).
func systemdSliceOf(path string) string {
	if cgroupManagerOf(path) != SystemdManager {
		return ""
	}
	slice, _, _ := strings.Cut(path, ":")
	return slice
}

// monitorScopePrefix names a monitor's scope, ctr-monitor-ID.scope, as
// podman's libpod-conmon-ID.scope beside the container's libpod-ID.scope.
const monitorScopePrefix = "ctr-monitor"

// startMonitorScope moves a container's monitor, under the systemd
// manager, into a scope of its own beside the container's, as podman
// does with conmon. The monitor outlives the command that started it,
// and systemd stops a unit by killing every process in its cgroup: the
// service or cron job that ran `ctr-run -d` would take the monitor with
// it (the container, in its own scope, would run on unsupervised: no
// exit status, no logs). It runs beside the runtime's create; wait says
// whether systemd made the scope. A monitor that stays where it was is
// a warning, as for podman, not a failure.
func (o *launch) startMonitorScope(id string, pid int) (wait func() error) {
	if o.CgroupManager != SystemdManager || pid <= 0 {
		return func() error { return nil }
	}
	done := make(chan error, 1)
	go func() {
		m, err := manager.New(&cgroups.Cgroup{
			Systemd: true, Parent: cmp.Or(o.CgroupParent, systemdParent), ScopePrefix: monitorScopePrefix, Name: id,
			Resources: &cgroups.Resources{SkipDevices: true},
		})
		if err == nil {
			err = m.Apply(pid)
		}
		done <- err
	}()
	return func() error {
		if err := <-done; err != nil {
			return fmt.Errorf("the monitor's scope %s-%s.scope: %w", monitorScopePrefix, id, err)
		}
		return nil
	}
}
