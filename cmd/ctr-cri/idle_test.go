package main

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// TestIdleTrimAfterABurst: one trim at start, one after a burst of
// requests once it is quiet, none while nothing happens.
func TestIdleTrimAfterABurst(t *testing.T) {
	var trims atomic.Int32
	it := &idleTrim{trim: func() { trims.Add(1) }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { it.run(ctx, 20*time.Millisecond); close(done) }()
	defer func() { cancel(); <-done }()
	waitTrims := func(want int32) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); trims.Load() < want; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%d trims, want %d", trims.Load(), want)
			}
		}
	}
	waitTrims(1)
	time.Sleep(100 * time.Millisecond) // quiet, nothing since the start
	if n := trims.Load(); n != 1 {
		t.Fatalf("%d trims while idle from the start, want 1", n)
	}
	for range 3 {
		it.requests.Add(1)
		it.last.Store(time.Now().UnixNano())
		time.Sleep(5 * time.Millisecond)
	}
	waitTrims(2)
	time.Sleep(100 * time.Millisecond)
	if n := trims.Load(); n != 2 {
		t.Fatalf("%d trims after one burst, want 2", n)
	}
}
