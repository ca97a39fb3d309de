package types

import (
	"errors"
	"strings"
	"testing"

	"github.com/ctr-project/ctr/lib/errdefs"
)

func TestParseInputLine(t *testing.T) {
	for _, tc := range []struct {
		line, want string
		bad        bool
	}{
		{line: "", want: ""},
		{line: "   ", want: ""},
		{line: "# a comment", want: ""},
		{line: "alpine", want: "alpine"},
		{line: "  docker://h/r:1  ", want: "docker://h/r:1"},
		{line: `{"schema":"ctr.copy/v1","ref":"docker://h/r@sha256:ab","id":"x"}`, want: "docker://h/r@sha256:ab"},
		{line: `{"schema":"ctr.pull/v1","id":"0123abcd"}`, want: "0123abcd"},
		{line: `{"schema":"x"}`, bad: true},
		{line: `{"ref":`, bad: true},
		{line: "two words", bad: true},
	} {
		got, err := ParseInputLine(tc.line)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("ParseInputLine(%q) = %q, %v; want %q, error %v", tc.line, got, err, tc.want, tc.bad)
		}
	}
}

func TestReadInputsNamesTheBadLine(t *testing.T) {
	_, err := ReadInputs(strings.NewReader("a\n\n# c\n{oops\nb\n"))
	if err == nil || !strings.Contains(err.Error(), "stdin line 4") || !errors.Is(err, errdefs.ErrBadData) {
		t.Fatalf("got %v, want a bad-data error naming line 4", err)
	}
	refs, err := ReadInputs(strings.NewReader("a\n\n# c\nb\n"))
	if err != nil || strings.Join(refs, ",") != "a,b" {
		t.Fatalf("got %v, %v", refs, err)
	}
}
