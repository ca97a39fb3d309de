package errdefs

import (
	"errors"
	"fmt"
	"testing"
)

func TestWithKind(t *testing.T) {
	base := errors.New("manifest unknown")
	err := WithKind(ErrNotFound, base)
	if !errors.Is(err, ErrNotFound) || !errors.Is(err, base) {
		t.Errorf("%v: want both the kind and the error it marks", err)
	}
	if err.Error() != "manifest unknown" {
		t.Errorf("message %q: the kind must not change it", err.Error())
	}
	if errors.Is(err, ErrUsage) || errors.Is(err, ErrBadData) || errors.Is(err, ErrTemporary) {
		t.Errorf("%v: marked with a kind it was not given", err)
	}
	// Marked twice with the same kind: the same error back.
	if again := WithKind(ErrNotFound, err); again != err { //nolint:errorlint // the very same value, not an equivalent one
		t.Error("marking an error with a kind it has must return it as it is")
	}
	// Wrapped further, the kind still shows.
	if !errors.Is(fmt.Errorf("pull x: %w", err), ErrNotFound) {
		t.Error("the kind must survive wrapping")
	}
	if WithKind(ErrBadData, nil) != nil {
		t.Error("a nil error must stay nil")
	}
}

func TestHasKindAndUsagef(t *testing.T) {
	if HasKind(errors.New("plain")) || HasKind(nil) {
		t.Error("an unmarked error has no kind")
	}
	for _, k := range []error{ErrUsage, ErrNotFound, ErrBadData, ErrTemporary} {
		if !HasKind(fmt.Errorf("x: %w", WithKind(k, errors.New("e")))) {
			t.Errorf("HasKind misses %v", k)
		}
	}
	err := Usagef("bad value %q", "x")
	if !errors.Is(err, ErrUsage) || err.Error() != `bad value "x"` {
		t.Errorf("Usagef: %v", err)
	}
}
