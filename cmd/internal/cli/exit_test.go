package cli

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/ctr-project/ctr/lib/errdefs"
)

func TestExitCode(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{nil, 0},
		{errors.New("boom"), 1},
		{errdefs.WithKind(errdefs.ErrNotFound, errors.New("x")), 2},
		{fmt.Errorf("wrapped: %w", errdefs.Usagef("bad")), 64},
		{errdefs.WithKind(errdefs.ErrBadData, errors.New("x")), 65},
		{errdefs.WithKind(errdefs.ErrTemporary, errors.New("x")), 75},
		{fmt.Errorf("copy: %w", context.Canceled), 130},
	} {
		if got := ExitCode(tc.err); got != tc.want {
			t.Errorf("ExitCode(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}

func TestWithKindKeepsTheMessage(t *testing.T) {
	err := errdefs.WithKind(errdefs.ErrNotFound, errors.New("manifest unknown"))
	if err.Error() != "manifest unknown" {
		t.Fatalf("message changed: %q", err)
	}
}
