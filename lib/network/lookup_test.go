package network

import (
	"errors"
	"strconv"
	"testing"

	"github.com/ctr-project/ctr/lib/errdefs"
)

// Networks are found by lib/lookup's rule: a prefix two IDs begin with is
// ambiguous (it was "not found"), and a unique prefix shorter than 3
// characters finds its network (it was "not found").
func TestGetNetwork(t *testing.T) {
	m := New(Config{ConfDir: t.TempDir()})
	// Two names whose IDs share 2 hex digits, a third whose ID's first is
	// nobody else's (podman's default network's included).
	first := map[byte]int{networkID(DefaultName)[0]: 1}
	byTwo := map[string]string{}
	var a, b, c string
	for i := 0; a == ""; i++ {
		n := "net" + strconv.Itoa(i)
		p := networkID(n)[:2]
		if a == "" && byTwo[p] != "" {
			a, b = byTwo[p], n
		}
		byTwo[p] = n
		first[p[0]]++
	}
	for i := 0; c == ""; i++ {
		n := "solo" + strconv.Itoa(i)
		if id := networkID(n); first[id[0]] == 0 && id[0] != networkID(a)[0] && id[0] != networkID(b)[0] {
			c = n
		}
	}
	for _, n := range []string{a, b, c} {
		if _, err := m.Create(CreateOptions{Name: n}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		ref, want string
		kind      error
	}{
		{ref: a, want: a},
		{ref: networkID(b), want: b},
		{ref: networkID(b)[:12], want: b},
		{ref: networkID(c)[:1], want: c},
		{ref: networkID(a)[:2], kind: errdefs.ErrUsage},
		{ref: "", kind: errdefs.ErrUsage},
		{ref: "nosuchnet", kind: errdefs.ErrNotFound},
	} {
		got, err := m.Get(tc.ref)
		switch {
		case tc.kind == nil && (err != nil || got.Name != tc.want):
			t.Errorf("Get(%q) = %s, %v; want %s", tc.ref, got.Name, err, tc.want)
		case tc.kind != nil && !errors.Is(err, tc.kind):
			t.Errorf("Get(%q) = %s, %v; want an error of kind %v", tc.ref, got.Name, err, tc.kind)
		}
	}
	if _, err := m.Get("nosuchnet"); err == nil || err.Error() != `no such network "nosuchnet"` {
		t.Errorf("not found: %v", err)
	}
}
