package image

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ctr-project/ctr/lib/errdefs"
)

// RetryOptions says how often a failed operation is tried again.
type RetryOptions struct {
	// Times is the number of retries after the first attempt.
	Times int
	// Delay between attempts; 0 means exponential backoff from one second.
	Delay time.Duration
	// Log receives one line per retry; nil is silent.
	Log io.Writer
	// Stall ends an attempt that reads nothing for this long, as a
	// temporary failure (retried); 0 means DefaultStall.
	Stall time.Duration
}

// withRetry runs op until it succeeds, fails for a reason a retry cannot
// fix, or the retries are used up. The final error is classified; a
// temporary failure that outlived the retries is ErrTemporary. Each attempt
// gets a context that ends when the attempt stalls.
func withRetry(ctx context.Context, what string, ro RetryOptions, op func(context.Context) error) error {
	delay := ro.Delay
	if delay <= 0 {
		delay = time.Second
	}
	for attempt := 0; ; attempt++ {
		err := classify(attemptOnce(ctx, ro.Stall, op))
		if err == nil || !errors.Is(err, errdefs.ErrTemporary) || attempt >= ro.Times {
			return err
		}
		if ro.Log != nil {
			fmt.Fprintf(ro.Log, "%s failed (attempt %d of %d): %v; retrying in %s\n", what, attempt+1, ro.Times+1, err, delay)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		if ro.Delay <= 0 {
			delay *= 2
		}
	}
}

// attemptOnce runs op under a stall watch; a stalled op is a temporary
// failure that says so, whatever error the cancelled op returned.
func attemptOnce(ctx context.Context, stall time.Duration, op func(context.Context) error) error {
	stall = cmp.Or(stall, DefaultStall)
	actx, stop := watchStall(ctx, stall)
	err := op(actx)
	stalled := errors.Is(context.Cause(actx), errStalled)
	stop()
	if err != nil && stalled && ctx.Err() == nil {
		return errdefs.WithKind(errdefs.ErrTemporary, fmt.Errorf("nothing received for %s (the stall timeout): %w", stall, err))
	}
	return err
}
