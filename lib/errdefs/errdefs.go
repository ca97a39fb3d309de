// Package errdefs holds the error kinds shared by every ctr tool. Library
// code wraps its errors with one of these sentinels (with %w) so that the
// command layer can map them to the suite's exit codes with errors.Is,
// without knowing which library produced them.
package errdefs

import (
	"errors"
	"fmt"
)

var (
	// ErrUsage marks bad flags, arguments or references (exit 64).
	ErrUsage = errors.New("usage error")
	// ErrNotFound marks a missing image or container (exit 2).
	ErrNotFound = errors.New("not found")
	// ErrBadData marks malformed or corrupt input: a manifest, a JSON
	// record, a blob whose bytes do not match its digest (exit 65).
	ErrBadData = errors.New("bad input data")
	// ErrTemporary marks a failure that may go away if retried later: a
	// registry that is unreachable or rate-limiting (exit 75).
	ErrTemporary = errors.New("temporary failure")
)

// kindError attaches a kind to an error without changing its message.
type kindError struct {
	kind error
	err  error
}

func (e *kindError) Error() string { return e.err.Error() }

func (e *kindError) Unwrap() []error { return []error{e.err, e.kind} }

// WithKind returns err marked as kind (one of the sentinels above); the
// message stays err's own. A nil err stays nil.
func WithKind(kind, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, kind) {
		return err
	}
	return &kindError{kind: kind, err: err}
}

// HasKind reports whether err is already marked with one of the kinds.
func HasKind(err error) bool {
	for _, k := range []error{ErrUsage, ErrNotFound, ErrBadData, ErrTemporary} {
		if errors.Is(err, k) {
			return true
		}
	}
	return false
}

// Usagef formats a usage error.
func Usagef(format string, args ...any) error {
	return WithKind(ErrUsage, fmt.Errorf(format, args...))
}
