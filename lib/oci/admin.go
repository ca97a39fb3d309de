package oci

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/opencontainers/cgroups"
	"github.com/opencontainers/runc/libcontainer"
	"github.com/opencontainers/runc/libcontainer/configs"
	"github.com/opencontainers/runc/libcontainer/seccomp"
	"github.com/opencontainers/runc/libcontainer/specconv"
	"github.com/opencontainers/runc/types"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"
)

// The commands podman and the CRI use besides the lifecycle: freeze and
// thaw (pause, resume), change a running container's limits (update),
// list its processes (ps), read its cgroup's counters (events --stats),
// and say what this runtime supports (features).

// Pause freezes every process of a running container.
func (r *Runtime) Pause(id string) error {
	c, err := libcontainer.Load(r.Root, id)
	if err != nil {
		return err
	}
	return c.Pause()
}

// Resume thaws a paused container.
func (r *Runtime) Resume(id string) error {
	c, err := libcontainer.Load(r.Root, id)
	if err != nil {
		return err
	}
	return c.Resume()
}

// Processes lists the PIDs of a container's processes.
func (r *Runtime) Processes(id string) ([]int, error) {
	c, err := libcontainer.Load(r.Root, id)
	if err != nil {
		return nil, err
	}
	return c.Processes()
}

// Update changes a created, running or paused container's resources to
// those set in res (the fields it leaves nil stay as they are).
func (r *Runtime) Update(id string, res *specs.LinuxResources) error {
	c, err := libcontainer.Load(r.Root, id)
	if err != nil {
		return err
	}
	st, err := c.Status()
	if err != nil {
		return err
	}
	if st == libcontainer.Stopped {
		return fmt.Errorf("container %s is stopped: nothing to update", id)
	}
	cfg := c.Config()
	if cfg.Cgroups == nil || cfg.Cgroups.Resources == nil {
		return fmt.Errorf("container %s has no cgroup to update", id)
	}
	if res.BlockIO != nil && res.BlockIO.Weight != nil && !blkioWeights() {
		// libcontainer writes no weight where the kernel has none: say so
		// rather than take it and do nothing.
		return errors.New("this kernel has no block I/O weight (blkio.weight, blkio.bfq.weight or io.weight)")
	}
	if err := checkRealtime(res); err != nil {
		return err
	}
	applyResources(cfg.Cgroups.Resources, res)
	return c.Set(cfg)
}

// checkRealtime refuses real-time CPU time on cgroup v2, which has none
// (no cpu.rt_* files): libcontainer would take it and do nothing.
func checkRealtime(res *specs.LinuxResources) error {
	if cpu := res.CPU; cpu != nil && (cpu.RealtimeRuntime != nil || cpu.RealtimePeriod != nil) && cgroups.IsCgroup2UnifiedMode() {
		return errors.New("cgroup v2 has no real-time CPU time (--cpu-rt-period, --cpu-rt-runtime): nothing would be set")
	}
	return nil
}

// applyResources sets the resources res gives on have.
func applyResources(have *cgroups.Resources, res *specs.LinuxResources) {
	if m := res.Memory; m != nil {
		setInt64(&have.Memory, m.Limit)
		setInt64(&have.MemoryReservation, m.Reservation)
		setInt64(&have.MemorySwap, m.Swap)
	}
	if cpu := res.CPU; cpu != nil {
		setUint64(&have.CpuShares, cpu.Shares)
		if cpu.Shares != nil {
			// cgroup v2 has a weight, which libcontainer writes from
			// CpuWeight alone (runc's update converts the same way).
			have.CpuWeight = cgroups.ConvertCPUSharesToCgroupV2Value(*cpu.Shares)
		}
		setInt64(&have.CpuQuota, cpu.Quota)
		setUint64(&have.CpuPeriod, cpu.Period)
		setInt64(&have.CpuRtRuntime, cpu.RealtimeRuntime)
		setUint64(&have.CpuRtPeriod, cpu.RealtimePeriod)
		if cpu.Cpus != "" {
			have.CpusetCpus = cpu.Cpus
		}
		if cpu.Mems != "" {
			have.CpusetMems = cpu.Mems
		}
	}
	if p := res.Pids; p != nil && p.Limit != nil {
		have.PidsLimit = p.Limit
	}
	if b := res.BlockIO; b != nil && b.Weight != nil {
		have.BlkioWeight = *b.Weight
	}
}

func setInt64(dst *int64, v *int64) {
	if v != nil {
		*dst = *v
	}
}

func setUint64(dst *uint64, v *uint64) {
	if v != nil {
		*dst = *v
	}
}

// blkioWeights says whether the kernel weighs block I/O: a weight file in
// the blkio hierarchy (v1), or the io controller (v2).
func blkioWeights() bool {
	for _, f := range []string{"/sys/fs/cgroup/blkio/blkio.weight", "/sys/fs/cgroup/blkio/blkio.bfq.weight"} {
		if _, err := os.Stat(f); err == nil {
			return true
		}
	}
	ctl, err := os.ReadFile("/sys/fs/cgroup/cgroup.controllers")
	return err == nil && slices.Contains(strings.Fields(string(ctl)), "io")
}

// Stats reads a container's cgroup counters, in runc's events format.
func (r *Runtime) Stats(id string) (*types.Stats, error) {
	c, err := libcontainer.Load(r.Root, id)
	if err != nil {
		return nil, err
	}
	ls, err := c.Stats()
	if err != nil {
		return nil, err
	}
	cg := ls.CgroupStats
	if cg == nil {
		return nil, fmt.Errorf("container %s: no cgroup statistics", id)
	}
	s := &types.Stats{Hugetlb: map[string]types.Hugetlb{}}
	s.Pids = types.Pids{Current: cg.PidsStats.Current, Limit: cg.PidsStats.Limit}
	u := cg.CpuStats.CpuUsage
	s.CPU.Usage = types.CpuUsage{Total: u.TotalUsage, Percpu: u.PercpuUsage, Kernel: u.UsageInKernelmode, User: u.UsageInUsermode}
	t := cg.CpuStats.ThrottlingData
	s.CPU.Throttling = types.Throttling{Periods: t.Periods, ThrottledPeriods: t.ThrottledPeriods, ThrottledTime: t.ThrottledTime}
	m := cg.MemoryStats
	s.Memory.Cache, s.Memory.Raw = m.Cache, m.Stats
	s.Memory.Usage = memoryEntry(m.Usage)
	s.Memory.Swap = memoryEntry(m.SwapUsage)
	s.Memory.Kernel = memoryEntry(m.KernelUsage)
	s.Memory.KernelTCP = memoryEntry(m.KernelTCPUsage)
	s.Blkio.IoServiceBytesRecursive = blkioEntries(cg.BlkioStats.IoServiceBytesRecursive)
	s.Blkio.IoServicedRecursive = blkioEntries(cg.BlkioStats.IoServicedRecursive)
	for size, h := range cg.HugetlbStats {
		s.Hugetlb[size] = types.Hugetlb{Usage: h.Usage, Max: h.MaxUsage, Failcnt: h.Failcnt}
	}
	return s, nil
}

func memoryEntry(d cgroups.MemoryData) types.MemoryEntry {
	return types.MemoryEntry{Limit: d.Limit, Usage: d.Usage, Max: d.MaxUsage, Failcnt: d.Failcnt}
}

func blkioEntries(in []cgroups.BlkioStatEntry) []types.BlkioEntry {
	out := make([]types.BlkioEntry, len(in))
	for i, e := range in {
		out[i] = types.BlkioEntry{Major: e.Major, Minor: e.Minor, Op: e.Op, Value: e.Value}
	}
	return out
}

// Features says what this runtime supports, as runtime-spec's features
// document (runc features).
func Features() features.Features {
	yes, no, sec := true, false, seccomp.Enabled
	caps := slices.Sorted(maps.Keys(knownCaps))
	return features.Features{
		OCIVersionMin: "1.0.0",
		OCIVersionMax: specs.Version,
		Hooks:         configs.KnownHookNames(),
		MountOptions:  specconv.KnownMountOptions(),
		Linux: &features.Linux{
			Namespaces:   specconv.KnownNamespaces(),
			Capabilities: caps,
			Cgroup:       &features.Cgroup{V1: &yes, V2: &yes, Systemd: &yes, SystemdUser: &no},
			Seccomp: &features.Seccomp{
				Enabled: &sec, Actions: seccomp.KnownActions(), Operators: seccomp.KnownOperators(),
				Archs: seccomp.KnownArchs(), KnownFlags: seccomp.KnownFlags(), SupportedFlags: seccomp.SupportedFlags(),
			},
			Apparmor: &features.Apparmor{Enabled: &no},
			Selinux:  &features.Selinux{Enabled: &no},
		},
	}
}
