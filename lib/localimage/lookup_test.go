package localimage

import (
	"errors"
	"strings"
	"testing"

	"github.com/ctr-project/ctr/internal/teststore"
	"github.com/ctr-project/ctr/lib/errdefs"
)

// ctr-image (and the CRI's ImageStatus) find images as ctr-run does, by
// lib/lookup's rule: an ambiguous prefix is a usage error naming it (it
// was "image not known"), and a name wins over another image's ID prefix
// (the prefix won).
func TestFindAsCtrRun(t *testing.T) {
	store := teststore.New(t)
	id := func(prefix string) string { return prefix + strings.Repeat("0", 64-len(prefix)) }
	for _, img := range []struct {
		id    string
		names []string
	}{
		{id("cafe1"), nil}, {id("cafe2"), nil}, {id("beef"), []string{"localhost/cafe:latest"}},
		{id("d00d"), []string{"docker.io/library/busybox:latest", "localhost/bb:1"}},
		{id("aaaa"), []string{"localhost/d00:latest"}},
	} {
		if _, err := store.CreateImage(img.id, img.names, "", "", nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		ref, want, matched string
		kind               error
	}{
		{ref: "cafe", want: id("beef"), matched: "localhost/cafe:latest"},
		{ref: "cafe1", want: id("cafe1")},
		{ref: "busybox", want: id("d00d"), matched: "docker.io/library/busybox:latest"},
		{ref: "bb:1", want: id("d00d"), matched: "localhost/bb:1"},
		{ref: "d", want: id("d00d")},
		{ref: "d00", want: id("aaaa"), matched: "localhost/d00:latest"},
		{ref: "caf", kind: errdefs.ErrUsage},
		{ref: "nosuch", kind: errdefs.ErrNotFound},
	} {
		img, matched, err := find(store, tc.ref)
		switch {
		case tc.kind == nil && (err != nil || img.ID != tc.want || matched != tc.matched):
			t.Errorf("find(%q) = %v, %q, %v; want %s by %q", tc.ref, img, matched, err, tc.want, tc.matched)
		case tc.kind != nil && !errors.Is(err, tc.kind):
			t.Errorf("find(%q) = %v, %v; want an error of kind %v", tc.ref, img, err, tc.kind)
		}
	}
}
