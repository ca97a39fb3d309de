package image_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/storage"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/image"
	"github.com/ctr-project/ctr/lib/types"
)

// lookupStore is a store with images of chosen IDs and names.
func lookupStore(t *testing.T) *image.LocalStore {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root for containers/storage")
	}
	dir := t.TempDir()
	local := &image.LocalStore{Options: storage.StoreOptions{GraphRoot: filepath.Join(dir, "root"), RunRoot: filepath.Join(dir, "run"), GraphDriverName: "vfs"}}
	t.Cleanup(func() { _ = local.Close() })
	store, err := local.Get()
	if err != nil {
		t.Fatal(err)
	}
	for _, img := range []struct {
		id    string
		names []string
	}{
		{lookupID("cafe1"), nil}, {lookupID("cafe2"), nil}, {lookupID("beef"), []string{"localhost/cafe:latest"}},
		{lookupID("d0"), []string{"docker.io/library/busybox:latest"}},
	} {
		if _, err := store.CreateImage(img.id, img.names, "", "", nil); err != nil {
			t.Fatal(err)
		}
	}
	return local
}

func lookupID(prefix string) string { return prefix + strings.Repeat("0", 64-len(prefix)) }

// A reference without a transport names a stored image by lib/lookup's
// rule, as ctr-run finds it: a short name stored under localhost/ (it was
// not found), a unique prefix of any length (3 digits were needed), and
// an ambiguous prefix is a usage error naming it (it was not found).
func TestLocalReferenceRule(t *testing.T) {
	local := lookupStore(t)
	for _, tc := range []struct {
		ref, want string
		kind      error
	}{
		{ref: "cafe", want: lookupID("beef")},
		{ref: "d0", want: lookupID("d0")},
		{ref: "busybox", want: lookupID("d0")},
		{ref: lookupID("cafe1"), want: lookupID("cafe1")},
		{ref: "cafe2", want: lookupID("cafe2")},
		{ref: "caf", kind: errdefs.ErrUsage},
		{ref: "nosuch", kind: errdefs.ErrNotFound},
	} {
		ref, err := image.ParseReference(tc.ref, local)
		if tc.kind != nil {
			if !errors.Is(err, tc.kind) {
				t.Errorf("ParseReference(%q) = %v, %v; want an error of kind %v", tc.ref, ref, err, tc.kind)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseReference(%q): %v", tc.ref, err)
			continue
		}
		_, img, err := istorage.ResolveReference(ref)
		if err != nil || img.ID != tc.want {
			t.Errorf("ParseReference(%q) resolves to %v, %v; want %s", tc.ref, img, err, tc.want)
		}
	}
}

// ctr-pull takes a stored image's ID or unique prefix of 3 hex digits or
// more for that image; an ambiguous one is an error naming it (it was
// pulled from a registry as a repository name).
func TestPullLocalIDPrefix(t *testing.T) {
	local := lookupStore(t)
	opts := image.PullOptions{Local: local, PullPolicy: image.PullMissing, Policy: image.PolicyOptions{Insecure: true}}
	var got []string
	err := image.Pull(context.Background(), opts, []string{"cafe2", "d00"}, func(r types.PullRecord) error {
		got = append(got, r.ID)
		return nil
	})
	if err != nil || len(got) != 2 || got[0] != lookupID("cafe2") || got[1] != lookupID("d0") {
		t.Errorf("pull by ID prefix: %v, %v", got, err)
	}
	err = image.Pull(context.Background(), opts, []string{"caf"}, func(types.PullRecord) error { return nil })
	if !errors.Is(err, errdefs.ErrUsage) || !strings.Contains(err.Error(), "ambiguous") {
		t.Errorf("pull caf: %v, want an ambiguous ID prefix", err)
	}
}
