package runflags

import (
	"errors"
	"testing"

	"github.com/ctr-project/ctr/lib/errdefs"
)

func TestParseAnnotation(t *testing.T) {
	for in, want := range map[string][2]string{
		"a=b": {"a", "b"}, "example.com/x=": {"example.com/x", ""}, "k=with = and spaces": {"k", "with = and spaces"},
	} {
		k, v, err := ParseAnnotation(in)
		if err != nil || k != want[0] || v != want[1] {
			t.Errorf("ParseAnnotation(%q) = %q, %q, %v", in, k, v, err)
		}
	}
	for _, bad := range []string{"novalue", "=v", "io.ctr.pod=x", "Io.Ctr.log-path=/tmp/x", "a\nb=1"} {
		if _, _, err := ParseAnnotation(bad); !errors.Is(err, errdefs.ErrUsage) {
			t.Errorf("ParseAnnotation(%q): %v, want a usage error", bad, err)
		}
	}
}
