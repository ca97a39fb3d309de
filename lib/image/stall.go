package image

import (
	"bufio"
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"time"
)

// DefaultStall is how long an attempt may go without reading a byte before
// it counts as stalled, when RetryOptions.Stall is zero.
const DefaultStall = 60 * time.Second

// errStalled is the cause given to an attempt's context when it stalls.
var errStalled = errors.New("stalled")

// Why the process's read counter: containers/image builds its own HTTP
// client (no dialer or transport can be given to it), and its progress
// events stop while a layer is committed, so neither can tell a registry
// that stopped sending from one that is slow or an attempt busy with local
// work. Every byte the process reads, from a socket or a file, moves the
// kernel's rchar; when it stands still for the whole stall time, nothing
// at all is arriving: the registry hangs.

// ioCounter reads this process's rchar (bytes read by read(2) and
// friends, sockets included), less what reading the counter itself costs.
type ioCounter struct {
	f    *os.File
	own  int64 // bytes this counter has read from /proc/self/io
	last int64
}

func openIOCounter() (*ioCounter, error) {
	f, err := os.Open("/proc/self/io")
	if err != nil {
		return nil, err
	}
	c := &ioCounter{f: f}
	if c.last, err = c.read(); err != nil {
		f.Close()
		return nil, err
	}
	return c, nil
}

func (c *ioCounter) read() (int64, error) {
	if _, err := c.f.Seek(0, 0); err != nil {
		return 0, err
	}
	r := bufio.NewReaderSize(c.f, 512)
	var total int64
	for {
		line, err := r.ReadString('\n')
		total += int64(len(line))
		if v, ok := strings.CutPrefix(line, "rchar: "); ok {
			n, perr := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if perr != nil {
				return 0, perr
			}
			// The kernel counts this read after producing the file, so
			// the value holds our earlier reads, not this one (the whole
			// file, which came in one read).
			n -= c.own
			rest, _ := r.Discard(r.Buffered())
			c.own += total + int64(rest)
			return n, nil
		}
		if err != nil {
			return 0, errors.New("/proc/self/io has no rchar")
		}
	}
}

// idleBytes is what an idle process still reads between two looks: the Go
// runtime reads 8 bytes from an eventfd each time a timer wakes its poller.
// Less than this since the last look is nothing arriving.
const idleBytes = 256

// moved reports whether the process read more than idleBytes since the
// last call.
func (c *ioCounter) moved() bool {
	n, err := c.read()
	if err != nil {
		return true // cannot tell: never call it stalled
	}
	moved := n-c.last >= idleBytes
	c.last = n
	return moved
}

// watchStall returns a context for one attempt that is cancelled, with
// errStalled as its cause, once the process has read nothing for stall.
// stop ends the watch. Without /proc/self/io the attempt is not watched.
func watchStall(ctx context.Context, stall time.Duration) (context.Context, func()) {
	actx, cancel := context.WithCancelCause(ctx)
	counter, err := openIOCounter()
	if err != nil || stall <= 0 {
		return actx, func() { cancel(nil) }
	}
	done := make(chan struct{})
	go func() {
		defer counter.f.Close()
		tick := time.NewTicker(min(stall/4, time.Second))
		defer tick.Stop()
		lastMove := time.Now()
		for {
			select {
			case <-done:
				return
			case <-actx.Done():
				return
			case now := <-tick.C:
				if counter.moved() {
					lastMove = now
				} else if now.Sub(lastMove) >= stall {
					cancel(errStalled)
					return
				}
			}
		}
	}()
	return actx, func() {
		close(done)
		cancel(nil)
	}
}
