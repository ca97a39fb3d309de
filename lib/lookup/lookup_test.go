package lookup

import (
	"errors"
	"testing"

	"github.com/ctr-project/ctr/internal/depcheck"
	"github.com/ctr-project/ctr/lib/errdefs"
)

type thing struct {
	id   string
	name string
}

func keys(t thing) (string, []string) {
	if t.name == "" {
		return t.id, nil
	}
	return t.id, []string{t.name}
}

// The rule: exact ID, then exact name, then a unique ID prefix; ambiguity,
// emptiness and absence are errors of the suite's kinds.
func TestFind(t *testing.T) {
	things := []thing{
		{"abc123", "web"},
		{"abd456", "db"},
		{"fed789", "abc1"},   // a name that is a prefix of another's ID
		{"c0ffee", "fed789"}, // a name that is another's whole ID
		{"99aa00", ""},
	}
	for _, tc := range []struct {
		ref, want string
		kind      error // the error's kind, nil for a match
	}{
		{ref: "abd456", want: "abd456"},             // exact ID
		{ref: "db", want: "abd456"},                 // name
		{ref: "abd", want: "abd456"},                // unique prefix
		{ref: "a", kind: errdefs.ErrUsage},          // begins two IDs (99aa00 only has an a)
		{ref: "ab", kind: errdefs.ErrUsage},         // ambiguous prefix
		{ref: "abc1", want: "fed789"},               // a name wins over a prefix
		{ref: "fed789", want: "fed789"},             // an ID wins over a name
		{ref: "9", want: "99aa00"},                  // no minimum length
		{ref: "", kind: errdefs.ErrUsage},           // empty
		{ref: "nosuch", kind: errdefs.ErrNotFound},  // nothing
		{ref: "abc1234", kind: errdefs.ErrNotFound}, // longer than any ID
		{ref: "WEB", kind: errdefs.ErrNotFound},     // names are exact
	} {
		got, err := Find("container", tc.ref, things, keys)
		switch {
		case tc.kind == nil && (err != nil || got.id != tc.want):
			t.Errorf("%q: got %v, %v; want %s", tc.ref, got, err, tc.want)
		case tc.kind != nil && !errors.Is(err, tc.kind):
			t.Errorf("%q: got %v, %v; want an error of kind %v", tc.ref, got, err, tc.kind)
		}
	}
}

// Each error is one line that says what was looked for and what was given.
func TestErrors(t *testing.T) {
	things := []thing{{"abc123", ""}, {"abd456", ""}}
	for _, tc := range []struct {
		ref, msg string
	}{
		{"ab", `network ID prefix "ab" is ambiguous: 2 IDs begin with it`},
		{"zz", `no such network "zz"`},
		{"", "empty network name or ID"},
	} {
		_, err := Find("network", tc.ref, things, keys)
		if err == nil || err.Error() != tc.msg {
			t.Errorf("%q: got %v, want %s", tc.ref, err, tc.msg)
		}
	}
	_, err := Find("pod", "ab", things, keys)
	var amb *AmbiguousError
	if !errors.As(err, &amb) || amb.Count != 2 || amb.What != "pod" {
		t.Errorf("ambiguous: got %#v", err)
	}
	_, err = Find("pod", "zz", things, keys)
	var nf *NotFoundError
	if !errors.As(err, &nf) || nf.Ref != "zz" || errors.Is(err, errdefs.ErrUsage) {
		t.Errorf("not found: got %#v", err)
	}
}

// FindAs tries every name a reference stands for, in order, before prefixes.
func TestFindAs(t *testing.T) {
	images := []thing{
		{"cafe01", "docker.io/library/cafe:latest"},
		{"cafe02", "localhost/cafe:latest"},
		{"beef03", "localhost/solo:latest"},
	}
	for _, tc := range []struct {
		ref   string
		names []string
		want  string
	}{
		{"cafe", []string{"cafe", "docker.io/library/cafe:latest", "localhost/cafe:latest"}, "cafe01"},
		{"cafe", []string{"cafe", "", "localhost/cafe:latest"}, "cafe02"},
		{"solo", []string{"solo", "docker.io/library/solo:latest", "localhost/solo:latest"}, "beef03"},
		{"cafe02", []string{"cafe02", "docker.io/library/cafe02:latest"}, "cafe02"},
	} {
		got, err := FindAs("image", tc.ref, tc.names, images, keys)
		if err != nil || got.id != tc.want {
			t.Errorf("%q as %q: got %v, %v; want %s", tc.ref, tc.names, got, err, tc.want)
		}
	}
	// Not a name it stands for: the prefix, which is ambiguous here.
	if _, err := FindAs("image", "cafe", []string{"cafe"}, images, keys); !errors.Is(err, errdefs.ErrUsage) {
		t.Errorf("cafe as itself only: got %v, want ambiguous", err)
	}
}

// Things known by ID only (the CRI's) are never found by a name.
func TestIDsOnly(t *testing.T) {
	things := []thing{{"abc123", "web"}}
	idOnly := func(t thing) (string, []string) { return t.id, nil }
	if _, err := Find("container", "web", things, idOnly); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("by name with IDs only: got %v, want not found", err)
	}
	if got, err := Find("container", "abc", things, idOnly); err != nil || got.id != "abc123" {
		t.Errorf("by prefix: got %v, %v", got, err)
	}
}

// ctr-monitor resolves its CONTAINER argument here, and may not link fmt.
func TestLookupStaysLean(t *testing.T) {
	depcheck.Forbid(t, ".", "", "fmt", "encoding/json", "reflect")
}
