// Package errkind declares the suite's error kinds with nothing but package
// errors, so that the lean binaries (ctr-monitor may not link fmt) can mark
// and test errors with them. Everything else uses lib/errdefs, which
// re-exports these kinds (errdefs.ErrNotFound is ErrNotFound, the same value)
// beside its formatting helpers.
package errkind

import "errors"

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

// With returns err marked as kind (one of the kinds above); the message
// stays err's own. A nil err stays nil.
func With(kind, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, kind) {
		return err
	}
	return &kindError{kind: kind, err: err}
}

// Has reports whether err is already marked with one of the kinds.
func Has(err error) bool {
	for _, k := range []error{ErrUsage, ErrNotFound, ErrBadData, ErrTemporary} {
		if errors.Is(err, k) {
			return true
		}
	}
	return false
}
