package run

import (
	"os"
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Resource limits in the spec: swap and I/O (--memory-swap,
// --device-read-bps and the other throttles of podman's), rlimits.

// memorySwap is the container's memory and swap together: as given, else
// podman's default, twice the memory (as much swap as memory), where the
// kernel accounts swap; 0 leaves swap alone.
func memorySwap(o *Request) int64 {
	if o.MemorySwap != 0 || o.Memory <= 0 {
		return o.MemorySwap
	}
	if !swapAccounted() {
		return 0
	}
	return 2 * o.Memory
}

// swapAccounted says whether the kernel limits swap per cgroup: v1's
// memsw files, v2's memory controller (memory.swap.max comes with it).
func swapAccounted() bool {
	if CgroupV2() {
		b, err := os.ReadFile("/sys/fs/cgroup/cgroup.controllers")
		return err == nil && slices.Contains(strings.Fields(string(b)), "memory")
	}
	_, err := os.Stat("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes")
	return err == nil
}

// ThrottleDevice is one block device's limit: bytes or operations a second.
type ThrottleDevice struct {
	Major, Minor int64
	Rate         uint64
}

// Throttle is a container's I/O limits, per block device.
type Throttle struct {
	ReadBps, WriteBps, ReadIOPS, WriteIOPS []ThrottleDevice
}

// blockIO is the spec's form of t; nil when it limits nothing.
func (t Throttle) blockIO() *specs.LinuxBlockIO {
	if len(t.ReadBps)+len(t.WriteBps)+len(t.ReadIOPS)+len(t.WriteIOPS) == 0 {
		return nil
	}
	conv := func(ds []ThrottleDevice) []specs.LinuxThrottleDevice {
		var out []specs.LinuxThrottleDevice
		for _, d := range ds {
			td := specs.LinuxThrottleDevice{Rate: d.Rate}
			td.Major, td.Minor = d.Major, d.Minor
			out = append(out, td)
		}
		return out
	}
	return &specs.LinuxBlockIO{
		ThrottleReadBpsDevice: conv(t.ReadBps), ThrottleWriteBpsDevice: conv(t.WriteBps),
		ThrottleReadIOPSDevice: conv(t.ReadIOPS), ThrottleWriteIOPSDevice: conv(t.WriteIOPS),
	}
}

// Ulimit is one --ulimit.
type Ulimit struct {
	Name       string // RLIMIT_NOFILE…
	Soft, Hard uint64
}
