package run

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/opencontainers/cgroups"
	"github.com/opencontainers/cgroups/manager"
)

// podCgroupRoot holds the pods' cgroups (podman's cgroupfs manager keeps
// them under libpod_parent): a pod's limits are set on POD and its
// containers run in POD/CONTAINER, so they count against them together.
const podCgroupRoot = "/ctr-pods"

func podCgroupPath(podID string) string { return podCgroupRoot + "/" + podID }

// makePodCgroup makes the pod's cgroup, in every hierarchy (v1) or the
// unified one, with its limits: memory in bytes, CPU as a quota per 100 ms
// period (0: none).
func makePodCgroup(podID string, memory, cpuQuota int64) error {
	r := &cgroups.Resources{SkipDevices: true}
	if memory > 0 {
		r.Memory = memory
	}
	if cpuQuota > 0 {
		r.CpuQuota, r.CpuPeriod = cpuQuota, 100000
	}
	m, err := manager.New(&cgroups.Cgroup{Path: podCgroupPath(podID), Resources: r})
	if err != nil {
		return fmt.Errorf("the pod's cgroup: %w", err)
	}
	// No process: -1 makes the directories only.
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
// them), and the root too once no pod is left. One that is gone is no
// error.
func removePodCgroup(podID string) error {
	m, err := manager.New(&cgroups.Cgroup{Path: podCgroupPath(podID), Resources: &cgroups.Resources{SkipDevices: true}})
	if err != nil {
		return err
	}
	paths := m.GetPaths()
	if err := m.Destroy(); err != nil {
		return fmt.Errorf("removing the pod's cgroup: %w", err)
	}
	for _, p := range paths {
		if root, ok := strings.CutSuffix(p, "/"+podID); ok && filepath.Base(root) == filepath.Base(podCgroupRoot) {
			_ = os.Remove(root) // refused while another pod's is there
		}
	}
	return nil
}
