package main

import (
	"context"
	"runtime/debug"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"

	"github.com/ctr-project/ctr/lib/resident"
)

// idleTrim gives memory back once the daemon is idle: a kubelet's bursts
// (a pod's start, a listing every second or so) leave freed heap and the
// pages of code they ran mapped, which a daemon that then waits keeps
// resident for nothing. After a quiet period (no request for that long)
// following some requests, and at most every busyEvery under a steady
// load (a kubelet's polling), the heap's free pages go back to the system
// and the program's pages are unmapped (lib/resident: they stay in the
// page cache, and those used again come back at once). At rest, most of
// the daemon's resident set was its program: 29 of 33 MB, 3.7 MB heap.
type idleTrim struct {
	requests atomic.Int64
	last     atomic.Int64 // when the last request came, in Unix ns
	trim     func()       // trimMemory; a test's own
}

// busyEvery is how often a daemon that is never quiet trims.
const busyEvery = time.Minute

// interceptor counts the requests.
func (t *idleTrim) interceptor() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		t.requests.Add(1)
		resp, err := handler(ctx, req)
		t.last.Store(time.Now().UnixNano())
		return resp, err
	}
}

// run trims once at start, then as the type says, looking every tenth of
// quiet; it returns when ctx ends.
func (t *idleTrim) run(ctx context.Context, quiet time.Duration) {
	t.trim()
	trimmed, trimmedAt := time.Now(), t.requests.Load()
	tick := time.NewTicker(quiet / 10)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		n := t.requests.Load()
		if n == trimmedAt {
			continue
		}
		if time.Since(time.Unix(0, t.last.Load())) >= quiet || time.Since(trimmed) >= busyEvery {
			t.trim()
			trimmed, trimmedAt = time.Now(), n
		}
	}
}

// trimMemory returns the heap's free pages and unmaps the program's.
func trimMemory() {
	debug.FreeOSMemory()
	resident.Trim()
}
