package workcontainer

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/ctr-project/ctr/internal/teststore"
	"github.com/ctr-project/ctr/lib/errdefs"
	ctrtypes "github.com/ctr-project/ctr/lib/types"
)

// Working containers are found by lib/lookup's rule: an ambiguous prefix
// is a usage error naming the ambiguity (it was "no such working
// container"), and a container's layer ID is not one of its references.
func TestGet(t *testing.T) {
	store := teststore.New(t)
	id := func(prefix string) string { return prefix + strings.Repeat("0", 64-len(prefix)) }
	meta, _ := json.Marshal(ctrtypes.WorkingContainer{Schema: ctrtypes.WorkingContainerSchema})
	var layer string
	for _, c := range []struct{ id, name string }{{id("abc1"), "w1"}, {id("abc2"), "w2"}, {id("e"), "abc3"}} {
		sc, err := store.CreateContainer(c.id, []string{c.name}, "", "", string(meta), nil)
		if err != nil {
			t.Fatal(err)
		}
		layer = sc.LayerID
	}
	for _, tc := range []struct {
		ref, want string
		kind      error
	}{
		{ref: id("abc1"), want: id("abc1")},
		{ref: "w2", want: id("abc2")},
		{ref: "abc2", want: id("abc2")},
		{ref: "abc3", want: id("e")},
		{ref: "abc", kind: errdefs.ErrUsage},
		{ref: "", kind: errdefs.ErrUsage},
		{ref: "nosuch", kind: errdefs.ErrNotFound},
		{ref: layer, kind: errdefs.ErrNotFound},
	} {
		got, err := Get(store, tc.ref)
		switch {
		case tc.kind == nil && (err != nil || got.ID != tc.want):
			t.Errorf("Get(%q) = %v, %v; want %s", tc.ref, got, err, tc.want)
		case tc.kind != nil && !errors.Is(err, tc.kind):
			t.Errorf("Get(%q) = %v, %v; want an error of kind %v", tc.ref, got, err, tc.kind)
		}
	}
}
