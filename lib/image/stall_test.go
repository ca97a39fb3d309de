package image

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestWatchStallCancelsAnIdleAttempt(t *testing.T) {
	ctx, stop := watchStall(context.Background(), time.Second)
	defer stop()
	select {
	case <-ctx.Done():
		if !errors.Is(context.Cause(ctx), errStalled) {
			t.Fatalf("cause %v, want errStalled", context.Cause(ctx))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("an attempt that reads nothing was not ended")
	}
}
