// Package cli holds what every ctr command shares: the flag groups and
// their translators into library values, the pipe contract's input and
// output helpers, and the one mapping from errors to exit codes.
package cli

import (
	"context"
	"errors"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/exit"
)

// The suite's exit codes (man ctr(7), EXIT STATUS).
const (
	ExitOK        = 0
	ExitFailure   = 1
	ExitNotFound  = 2
	ExitUsage     = 64
	ExitBadData   = 65
	ExitTemporary = 75
	// ExitInterrupted is what a shell reports for a process ended by SIGINT.
	ExitInterrupted = 130
)

// ExitCode maps an error to the suite's exit code: the one it chose
// (lib/exit), else its kind's.
func ExitCode(err error) int {
	if code, ok := exit.Code(err); ok {
		return code
	}
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, errdefs.ErrUsage):
		return ExitUsage
	case errors.Is(err, errdefs.ErrNotFound):
		return ExitNotFound
	case errors.Is(err, errdefs.ErrBadData):
		return ExitBadData
	case errors.Is(err, errdefs.ErrTemporary):
		return ExitTemporary
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	}
	return ExitFailure
}
