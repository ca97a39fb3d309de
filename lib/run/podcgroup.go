package run

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/opencontainers/cgroups"
	"github.com/opencontainers/cgroups/manager"
)

// podCgroupRoot holds the pods' cgroups under cgroupfs (podman's cgroupfs
// manager keeps them under libpod_parent): a pod's limits are set on POD
// and its containers run in POD/CONTAINER, so they count against them
// together.
const podCgroupRoot = "/ctr-pods"

func podCgroupPath(podID string) string { return podCgroupRoot + "/" + podID }

// podSlice is a pod's slice under systemd, as podman's
// machine-libpod_pod_ID.slice: "-" nests it in machine.slice.
func podSlice(podID string) string { return "machine-ctr_pod_" + podID + ".slice" }

// ownPodCgroup is the cgroup a pod makes for itself under manager.
func ownPodCgroup(manager, podID string) string {
	if manager == SystemdManager {
		return podSlice(podID)
	}
	return podCgroupPath(podID)
}

// podCgroupConfig describes the pod's own cgroup to libcontainer's
// managers: a path under cgroupfs; under systemd a slice in machine.slice,
// which the systemd manager makes as a unit of its own (a name ending in
// .slice) with the limits as the unit's properties.
func podCgroupConfig(p Pod, r *cgroups.Resources) *cgroups.Cgroup {
	if p.cgroupManager() == SystemdManager {
		return &cgroups.Cgroup{Systemd: true, Parent: systemdParent, Name: podSlice(p.ID), Resources: r}
	}
	return &cgroups.Cgroup{Path: podCgroupPath(p.ID), Resources: r}
}

// makePodCgroup makes the pod's cgroup, in every hierarchy (v1) or the
// unified one, with its limits: memory in bytes, CPU as a quota per 100 ms
// period (0: none).
func makePodCgroup(p Pod) error {
	r := &cgroups.Resources{SkipDevices: true}
	if p.Memory > 0 {
		r.Memory = p.Memory
	}
	if p.CPUQuota > 0 {
		r.CpuQuota, r.CpuPeriod = p.CPUQuota, 100000
	}
	m, err := manager.New(podCgroupConfig(p, r))
	if err != nil {
		return fmt.Errorf("the pod's cgroup: %w", err)
	}
	// No process: -1 makes the directories (or the slice) only.
	if err := m.Apply(-1); err != nil {
		_ = m.Destroy()
		return fmt.Errorf("the pod's cgroup: %w", err)
	}
	if err := m.Set(r); err != nil {
		_ = m.Destroy()
		return fmt.Errorf("the pod's limits: %w", err)
	}
	return nil
}

// removePodCgroup removes the pod's cgroup (its containers' went with
// them): stops its slice under systemd; under cgroupfs removes the
// directories, and the root too once no pod is left. One that is gone is
// no error.
func removePodCgroup(p Pod) error {
	m, err := manager.New(podCgroupConfig(p, &cgroups.Resources{SkipDevices: true}))
	if err != nil {
		return err
	}
	paths := m.GetPaths()
	if err := m.Destroy(); err != nil {
		return fmt.Errorf("removing the pod's cgroup: %w", err)
	}
	if p.cgroupManager() == SystemdManager {
		return nil
	}
	for _, path := range paths {
		if root, ok := strings.CutSuffix(path, "/"+p.ID); ok && filepath.Base(root) == filepath.Base(podCgroupRoot) {
			_ = os.Remove(root) // refused while another pod's is there
		}
	}
	return nil
}
