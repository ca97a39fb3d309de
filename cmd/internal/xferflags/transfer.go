package xferflags

import (
	"io"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/ctr-project/ctr/cmd/internal/cli"
	"github.com/ctr-project/ctr/lib/image"
)

// TransferFlags are the retry and progress flags of the tools that move
// images (ctr-copy, ctr-pull).
type TransferFlags struct {
	Retry            int
	RetryDelay       time.Duration
	ProgressInterval time.Duration
	StallTimeout     time.Duration
}

// Flags declares the group; what names the operation retried ("copy").
func (f *TransferFlags) Flags(what string) []ucli.Flag {
	return []ucli.Flag{
		&ucli.IntFlag{Name: "retry", Usage: "retry a " + what + " that failed for a temporary reason `N` times", Value: 3, Destination: &f.Retry},
		&ucli.DurationFlag{Name: "retry-delay", Usage: "wait `DURATION` between retries (default: exponential from 1s)", Destination: &f.RetryDelay},
		&ucli.DurationFlag{Name: "stall-timeout", Usage: "treat an attempt that receives nothing for `DURATION` as a temporary failure (retried, then exit 75)", Value: image.DefaultStall, Destination: &f.StallTimeout},
		&ucli.DurationFlag{Name: "progress-interval", Usage: "print progress every `DURATION` when stderr is not a terminal", Value: 10 * time.Second, Destination: &f.ProgressInterval},
	}
}

// RetryOptions returns the library's retry options. Retries are warnings
// and go to stderr even when log (progress) is silenced.
func (f *TransferFlags) RetryOptions(log, stderr io.Writer) (image.RetryOptions, error) {
	if f.Retry < 0 {
		return image.RetryOptions{}, cli.UsageError("--retry must not be negative")
	}
	if f.RetryDelay < 0 {
		return image.RetryOptions{}, cli.UsageError("invalid --retry-delay %s: must not be negative", f.RetryDelay)
	}
	if f.ProgressInterval <= 0 {
		return image.RetryOptions{}, cli.UsageError("invalid --progress-interval %s: want a positive duration", f.ProgressInterval)
	}
	if f.StallTimeout < time.Second {
		return image.RetryOptions{}, cli.UsageError("invalid --stall-timeout %s: want 1s or more", f.StallTimeout)
	}
	if log == nil {
		log = stderr
	}
	return image.RetryOptions{Times: f.Retry, Delay: f.RetryDelay, Log: log, Stall: f.StallTimeout}, nil
}
