package run

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/ctr-project/ctr/internal/teststore"
	"github.com/ctr-project/ctr/lib/errdefs"
	ctrtypes "github.com/ctr-project/ctr/lib/types"
)

// id is a 64-hex ID beginning with prefix.
func id(prefix string) string { return prefix + strings.Repeat("0", 64-len(prefix)) }

// The containers of a store, by lib/lookup's rule: an ambiguous prefix is
// a usage error naming the ambiguity (it was "no such container"), and a
// container's layer ID is not one of its references (storage's own
// lookup took it).
func TestGetContainer(t *testing.T) {
	store := teststore.New(t)
	meta, _ := json.Marshal(ctrtypes.ContainerMeta{Schema: ctrtypes.ContainerSchema})
	var layer string
	for _, c := range []struct{ id, name string }{{id("abc1"), "web"}, {id("abc2"), "db"}, {id("fe"), "abc3"}} {
		sc, err := store.CreateContainer(c.id, []string{c.name}, "", "", string(meta), nil)
		if err != nil {
			t.Fatal(err)
		}
		layer = sc.LayerID
	}
	if _, err := store.CreateContainer(id("99"), []string{"podmans"}, "", "", `{"podman":true}`, nil); err != nil {
		t.Fatal(err)
	}
	m := &Manager{Store: store, Runtime: "/bin/false", StateDir: t.TempDir()}
	for _, tc := range []struct {
		ref, want string
		kind      error
	}{
		{ref: id("abc1"), want: id("abc1")},
		{ref: "db", want: id("abc2")},
		{ref: "abc2", want: id("abc2")},
		{ref: "abc3", want: id("fe")}, // a name before a prefix
		{ref: "f", want: id("fe")},
		{ref: "abc", kind: errdefs.ErrUsage}, // ambiguous
		{ref: "", kind: errdefs.ErrUsage},
		{ref: "nosuch", kind: errdefs.ErrNotFound},
		{ref: layer, kind: errdefs.ErrNotFound},
		{ref: "podmans", kind: errdefs.ErrNotFound}, // not ctr-run's
	} {
		got, err := m.Get(context.Background(), tc.ref)
		switch {
		case tc.kind == nil && (err != nil || got.ID != tc.want):
			t.Errorf("Get(%q) = %s, %v; want %s", tc.ref, got.ID, err, tc.want)
		case tc.kind != nil && !errors.Is(err, tc.kind):
			t.Errorf("Get(%q) = %s, %v; want an error of kind %v", tc.ref, got.ID, err, tc.kind)
		}
	}
	// The CRI's references are IDs: a name finds nothing.
	if _, err := m.GetByID(context.Background(), "web"); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("GetByID(web): %v, want not found", err)
	}
	if got, err := m.GetByID(context.Background(), "f"); err != nil || got.ID != id("fe") {
		t.Errorf("GetByID(f) = %s, %v", got.ID, err)
	}
}

// Pods, by the same rule: a short unique prefix finds its pod (it needed 3
// characters).
func TestGetPodRecord(t *testing.T) {
	m := &Manager{PersistDir: t.TempDir()}
	for _, p := range []Pod{{ID: id("abc1"), Name: "one"}, {ID: id("abc2"), Name: "two"}, {ID: id("d"), Name: "abc9"}} {
		p.Schema = PodSchema
		if err := m.writePod(&p); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		ref, want string
		kind      error
	}{
		{ref: id("abc2"), want: id("abc2")},
		{ref: "one", want: id("abc1")},
		{ref: "abc1", want: id("abc1")},
		{ref: "abc9", want: id("d")},
		{ref: "d", want: id("d")},
		{ref: "ab", kind: errdefs.ErrUsage},
		{ref: "", kind: errdefs.ErrUsage},
		{ref: "nosuch", kind: errdefs.ErrNotFound},
	} {
		got, err := m.findPod(tc.ref)
		switch {
		case tc.kind == nil && (err != nil || got.ID != tc.want):
			t.Errorf("findPod(%q) = %s, %v; want %s", tc.ref, got.ID, err, tc.want)
		case tc.kind != nil && !errors.Is(err, tc.kind):
			t.Errorf("findPod(%q) = %s, %v; want an error of kind %v", tc.ref, got.ID, err, tc.kind)
		}
	}
	// The CRI's references are IDs: a name finds nothing.
	byID := func(p Pod) (string, []string) { return p.ID, nil }
	if _, err := m.findPodBy("one", byID); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("by ID only, one: %v, want not found", err)
	}
}

// An image ID prefix several images begin with is an error naming the
// ambiguity, not a name to pull (ctr-run and ctr-build pulled it).
func TestFindImageAmbiguousPrefix(t *testing.T) {
	store := teststore.New(t)
	for _, p := range []string{"cafe1", "cafe2"} {
		if _, err := store.CreateImage(id(p), nil, "", "", nil); err != nil {
			t.Fatal(err)
		}
	}
	prefix := "cafe"
	pulled := false
	puller := func(context.Context, string, bool) (string, error) {
		pulled = true
		return "", errdefs.WithKind(errdefs.ErrNotFound, errors.New("not in any registry"))
	}
	_, err := FindImage(context.Background(), store, prefix, "missing", puller)
	if !errors.Is(err, errdefs.ErrUsage) || pulled {
		t.Errorf("FindImage(%q): %v (pulled: %v); want an ambiguous prefix, nothing pulled", prefix, err, pulled)
	}
}
