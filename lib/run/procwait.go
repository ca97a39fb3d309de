package run

import (
	"context"
	"errors"
	"time"

	"golang.org/x/sys/unix"
)

// Why a pidfd: a stop or a pod's removal waits for processes that are not
// our children (a container's init, its monitor) several times in a row,
// and a poll every 10 or 20 ms cost half a period on average at each
// wait. A pidfd turns readable the moment its process ends, child or not.

// awaitEnd waits until the process pid has ended, at most d or until ctx
// ends; alive says whether pid is still the process meant (not a reused
// PID, nor ended). It returns whether the process ended. Where pidfds do
// not work (kernels before 5.3) it polls alive every 10 ms.
func awaitEnd(ctx context.Context, pid int, alive func() bool, d time.Duration) bool {
	deadline := time.Now().Add(d)
	fd, err := unix.PidfdOpen(pid, 0)
	switch {
	case errors.Is(err, unix.ESRCH):
		return true
	case err != nil:
		return pollEnd(ctx, alive, deadline)
	}
	defer unix.Close(fd)
	// Checked after the open: the descriptor is then the process alive saw.
	if !alive() {
		return true
	}
	for {
		left := time.Until(deadline)
		if left <= 0 || ctx.Err() != nil {
			return false
		}
		// Slices of at most 50 ms: ctx is looked at in between.
		n, err := unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, int(min(left, 50*time.Millisecond)/time.Millisecond)+1)
		switch {
		case n > 0:
			return true
		case errors.Is(err, unix.EINTR), err == nil:
			continue
		default:
			return pollEnd(ctx, alive, deadline)
		}
	}
}

// pollEnd is awaitEnd without a pidfd.
func pollEnd(ctx context.Context, alive func() bool, deadline time.Time) bool {
	for alive() {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}
