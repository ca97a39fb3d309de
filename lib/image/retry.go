package image

import (
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
}

// withRetry runs op until it succeeds, fails for a reason a retry cannot
// fix, or the retries are used up. The final error is classified; a
// temporary failure that outlived the retries is ErrTemporary.
func withRetry(ctx context.Context, what string, ro RetryOptions, op func() error) error {
	delay := ro.Delay
	if delay <= 0 {
		delay = time.Second
	}
	for attempt := 0; ; attempt++ {
		err := classify(op())
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
