package runflags

import (
	"strconv"
	"strings"

	"github.com/docker/go-units"
	"golang.org/x/sys/unix"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/run"
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

// ParseThrottle parses DEVICE:RATE, a block device's path and a rate: a
// size a second (1mb) or, with iops, a count a second.
func ParseThrottle(s string, iops bool) (run.ThrottleDevice, error) {
	path, rate, ok := strings.Cut(s, ":")
	if !ok || path == "" || rate == "" {
		return run.ThrottleDevice{}, errdefs.Usagef("invalid throttle %q: want DEVICE:RATE", s)
	}
	var d run.ThrottleDevice
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
