package errkind_test

import (
	"errors"
	"testing"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/errkind"
)

// An error marked here is of errdefs' kind, and the other way round: the
// lean binaries and the others map one set of kinds to exit codes.
func TestOneSetOfKinds(t *testing.T) {
	pairs := []struct{ lean, full error }{
		{errkind.ErrUsage, errdefs.ErrUsage}, {errkind.ErrNotFound, errdefs.ErrNotFound},
		{errkind.ErrBadData, errdefs.ErrBadData}, {errkind.ErrTemporary, errdefs.ErrTemporary},
	}
	for _, p := range pairs {
		if !errors.Is(errkind.With(p.lean, errors.New("x")), p.full) || !errors.Is(errdefs.WithKind(p.full, errors.New("x")), p.lean) {
			t.Errorf("%v: errkind and errdefs disagree", p.lean)
		}
	}
	if !errkind.Has(errdefs.Usagef("x")) || errkind.Has(errors.New("x")) {
		t.Error("Has must see errdefs' kinds and only them")
	}
}
