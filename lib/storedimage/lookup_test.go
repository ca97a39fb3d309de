package storedimage

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/storage"

	"github.com/ctr-project/ctr/internal/teststore"
	"github.com/ctr-project/ctr/lib/errdefs"
)

// images makes stored images until two IDs share their first two hex
// digits; it returns those two and every image made.
func images(t *testing.T, store storage.Store) (a, b *storage.Image, all []*storage.Image) {
	t.Helper()
	layer := layerTar(t)
	byTwo := map[string]*storage.Image{}
	for i := 0; a == nil; i++ {
		img, err := Create(store, nil, layer, imgspecv1.Image{Config: imgspecv1.ImageConfig{Env: []string{"N=" + strconv.Itoa(i)}}})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, img)
		if o := byTwo[img.ID[:2]]; o != nil {
			a, b = o, img
		}
		byTwo[img.ID[:2]] = img
	}
	return a, b, all
}

func idOf(img *storage.Image) string {
	if img == nil {
		return "nothing"
	}
	return img.ID
}

// Images are found by lib/lookup's rule, as podman's LookupImage: exact
// ID, then the names a reference stands for (as given, docker.io's, then
// localhost/'s), then a unique ID prefix. An ambiguous prefix is a usage
// error naming it (it was "image not known"), and a short name stored
// under docker.io wins over an ID prefix (the prefix won).
func TestFindRule(t *testing.T) {
	store := teststore.New(t)
	a, b, all := images(t, store)
	// Some other image's unique 3-digit prefix, as a short name of a.
	var other *storage.Image
	for _, img := range all {
		unique := img.ID[:2] != a.ID[:2]
		for _, o := range all {
			if o != img && o.ID[:3] == img.ID[:3] {
				unique = false
			}
		}
		if unique {
			other = img
			break
		}
	}
	if other == nil {
		t.Fatal("no image with a unique prefix")
	}
	short := other.ID[:3]
	if err := store.AddNames(a.ID, []string{"docker.io/library/" + short + ":latest"}); err != nil {
		t.Fatal(err)
	}
	if err := store.AddNames(b.ID, []string{"localhost/mine:latest"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		ref, want string
		kind      error
	}{
		{ref: a.ID, want: a.ID},
		{ref: short, want: a.ID}, // the name, not other's prefix
		{ref: other.ID[:4], want: other.ID},
		{ref: "mine", want: b.ID},
		{ref: "localhost/mine", want: b.ID},
		{ref: "containers-storage:mine:latest", want: b.ID},
		{ref: a.ID[:2], kind: errdefs.ErrUsage}, // ambiguous
		{ref: "", kind: errdefs.ErrUsage},
		{ref: "nosuch", kind: errdefs.ErrNotFound},
		{ref: "B!", kind: errdefs.ErrUsage},
	} {
		got, err := Find(store, tc.ref)
		switch {
		case tc.kind == nil && (err != nil || got.ID != tc.want):
			t.Errorf("Find(%q) = %s, %v; want %s", tc.ref, idOf(got), err, tc.want)
		case tc.kind != nil && !errors.Is(err, tc.kind):
			t.Errorf("Find(%q) = %s, %v; want an error of kind %v", tc.ref, idOf(got), err, tc.kind)
		}
	}
	if _, err := Find(store, "nosuch"); err == nil || err.Error() != `no such image "nosuch"` {
		t.Errorf("not found: %v", err)
	}
	for _, tc := range []struct{ ref, name string }{
		{"mine", "localhost/mine:latest"}, {short, "docker.io/library/" + short + ":latest"}, {b.ID, ""}, {other.ID[:4], ""},
	} {
		if _, name, err := FindNamed(store, tc.ref); err != nil || name != tc.name {
			t.Errorf("FindNamed(%q) matched %q, %v; want %q", tc.ref, name, err, tc.name)
		}
	}
}

// An ID that is not stored is not found, not an invalid name: a 64-digit
// hex string is no image name (the reference grammar refuses it), but it
// is an ID, and the CRI's ImageStatus of a removed image's ID must say
// "no such image" (critest's simultaneous RemoveImage test).
func TestFindAnIDNotStored(t *testing.T) {
	store := teststore.New(t)
	for _, ref := range []string{strings.Repeat("ab", 32), "sha256:" + strings.Repeat("ab", 32), "abcdef0123"} {
		if _, _, err := FindNamed(store, strings.TrimPrefix(ref, "sha256:")); !errors.Is(err, errdefs.ErrNotFound) {
			t.Errorf("FindNamed(%q) = %v, want not found", ref, err)
		}
	}
}
