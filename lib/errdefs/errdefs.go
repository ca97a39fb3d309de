// Package errdefs holds the error kinds shared by every ctr tool. Library
// code wraps its errors with one of these sentinels (with %w) so that the
// command layer can map them to the suite's exit codes with errors.Is,
// without knowing which library produced them.
//
// The kinds themselves are declared in lib/errkind, which links no fmt, for
// ctr-monitor; they are the same values here.
package errdefs

import (
	"fmt"

	"github.com/ctr-project/ctr/lib/errkind"
)

var (
	// ErrUsage marks bad flags, arguments or references (exit 64).
	ErrUsage = errkind.ErrUsage
	// ErrNotFound marks a missing image or container (exit 2).
	ErrNotFound = errkind.ErrNotFound
	// ErrBadData marks malformed or corrupt input: a manifest, a JSON
	// record, a blob whose bytes do not match its digest (exit 65).
	ErrBadData = errkind.ErrBadData
	// ErrTemporary marks a failure that may go away if retried later: a
	// registry that is unreachable or rate-limiting (exit 75).
	ErrTemporary = errkind.ErrTemporary
)

// WithKind returns err marked as kind (one of the sentinels above); the
// message stays err's own. A nil err stays nil.
func WithKind(kind, err error) error { return errkind.With(kind, err) }

// HasKind reports whether err is already marked with one of the kinds.
func HasKind(err error) bool { return errkind.Has(err) }

// Usagef formats a usage error.
func Usagef(format string, args ...any) error {
	return WithKind(ErrUsage, fmt.Errorf(format, args...))
}
