package run

import (
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/docker/go-units"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/ctr-project/ctr/lib/errdefs"
)

// Swap and I/O limits: --memory-swap, --device-read-bps and the other
// throttles of podman's.

// ParseMemorySwap parses --memory-swap: memory and swap together, a size
// at least memory's, or -1 for no swap limit. memory must be set.
func ParseMemorySwap(s string, memory int64) (int64, error) {
	if memory <= 0 {
		return 0, errdefs.Usagef("a swap limit needs a memory limit (--memory)")
	}
	if s == "-1" {
		return -1, nil
	}
	n, err := ParseMemory(s)
	if err != nil {
		return 0, err
	}
	if n < memory {
		return 0, errdefs.Usagef("invalid swap limit %q: memory and swap together, not less than the memory limit (%d bytes)", s, memory)
	}
	return n, nil
}

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

// ParseThrottle parses DEVICE:RATE, a block device's path and a rate: a
// size a second (1mb) or, with iops, a count a second.
func ParseThrottle(s string, iops bool) (ThrottleDevice, error) {
	path, rate, ok := strings.Cut(s, ":")
	if !ok || path == "" || rate == "" {
		return ThrottleDevice{}, errdefs.Usagef("invalid throttle %q: want DEVICE:RATE", s)
	}
	var d ThrottleDevice
	if iops {
		n, err := strconv.ParseUint(rate, 10, 64)
		if err != nil || n == 0 {
			return d, errdefs.Usagef("invalid rate %q: want a positive count of operations a second", rate)
		}
		d.Rate = n
	} else {
		n, err := units.RAMInBytes(rate)
		if err != nil || n <= 0 {
			return d, errdefs.Usagef("invalid rate %q: want a positive size a second such as 1mb", rate)
		}
		d.Rate = uint64(n)
	}
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return d, errdefs.Usagef("throttle device %s: %v", path, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFBLK {
		return d, errdefs.Usagef("throttle device %s: not a block device", path)
	}
	d.Major, d.Minor = int64(unix.Major(st.Rdev)), int64(unix.Minor(st.Rdev))
	return d, nil
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
