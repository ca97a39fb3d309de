// Package cli holds what every ctr command shares: the flag groups and
// their translators into library values, the pipe contract's input and
// output helpers, and the one mapping from errors to exit codes.
package cli

import (
	"context"
	"errors"
	"strconv"

	"github.com/ctr-project/ctr/lib/errdefs"
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

// exitWith is a status to exit with that is not an error to report: a
// container's own exit status, passed through.
type exitWith struct{ status int }

func (e exitWith) Error() string { return "exit status " + strconv.Itoa(e.status) }

// ExitWith makes the command exit with status, printing nothing.
func ExitWith(status int) error {
	if status == 0 {
		return nil
	}
	return exitWith{status}
}

// ExitStatus returns the status given to ExitWith, if err is one.
func ExitStatus(err error) (int, bool) {
	var ew exitWith
	if errors.As(err, &ew) {
		return ew.status, true
	}
	return 0, false
}

// ExitCode maps an error to the suite's exit code.
func ExitCode(err error) int {
	var ew exitWith
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ew):
		return ew.status
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
