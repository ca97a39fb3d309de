package monitor

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ctr-project/ctr/lib/errkind"
)

// ctr-monitor's CONTAINER is found by lib/lookup's rule, with the suite's
// error kinds: an ambiguous prefix is a usage error (it was a plain
// failure, exit 1), nothing found is of kind not found, and an empty
// argument names nothing (it named the only container there was).
func TestResolve(t *testing.T) {
	s := Store{Dir: t.TempDir(), Persist: t.TempDir()}
	id := func(prefix string) string { return prefix + strings.Repeat("0", 64-len(prefix)) }
	for _, c := range []struct{ dir, id, name string }{
		{s.Dir, id("abc1"), "web"}, {s.Persist, id("abc2"), "db"}, {s.Dir, id("e"), "abc3"},
	} {
		if err := os.MkdirAll(filepath.Join(c.dir, c.id), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(c.dir, c.id, "name"), []byte(c.name+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		ref, want string
		kind      error
	}{
		{ref: id("abc1"), want: id("abc1")},
		{ref: "db", want: id("abc2")},
		{ref: "abc2", want: id("abc2")},
		{ref: "abc3", want: id("e")},
		{ref: "e", want: id("e")},
		{ref: "abc", kind: errkind.ErrUsage},
		{ref: "nosuch", kind: errkind.ErrNotFound},
	} {
		got, err := s.Resolve(tc.ref)
		switch {
		case tc.kind == nil && (err != nil || got != tc.want):
			t.Errorf("Resolve(%q) = %s, %v; want %s", tc.ref, got, err, tc.want)
		case tc.kind != nil && !errors.Is(err, tc.kind):
			t.Errorf("Resolve(%q) = %s, %v; want an error of kind %v", tc.ref, got, err, tc.kind)
		}
	}
	// With one container, "" is still no reference to it.
	one := Store{Dir: t.TempDir()}
	if err := os.MkdirAll(filepath.Join(one.Dir, id("f")), 0o700); err != nil {
		t.Fatal(err)
	}
	if got, err := one.Resolve(""); !errors.Is(err, errkind.ErrUsage) {
		t.Errorf(`Resolve("") = %s, %v; want a usage error`, got, err)
	}
}
