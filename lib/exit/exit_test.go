package exit

import (
	"errors"
	"fmt"
	"testing"
)

func TestCode(t *testing.T) {
	base := errors.New("boom")
	for _, tc := range []struct {
		err    error
		code   int
		ok     bool
		silent bool
	}{
		{nil, 0, false, false},
		{base, 0, false, false},
		{With(3), 3, true, true},
		{fmt.Errorf("wrapped: %w", With(137)), 137, true, true},
		{WithCode(125, base), 125, true, false},
		{fmt.Errorf("ctx: %w", WithCode(127, base)), 127, true, false},
	} {
		code, ok := Code(tc.err)
		if code != tc.code || ok != tc.ok || Silent(tc.err) != tc.silent {
			t.Errorf("%v: Code = %d, %v; Silent = %v; want %d, %v, %v", tc.err, code, ok, Silent(tc.err), tc.code, tc.ok, tc.silent)
		}
	}
	if With(0) != nil || WithCode(1, nil) != nil {
		t.Error("a zero status and a nil error must stay nil")
	}
	if !errors.Is(WithCode(125, base), base) {
		t.Error("WithCode must keep the error it marks")
	}
	if got := WithCode(126, base).Error(); got != "boom" {
		t.Errorf("message %q, want the error's own", got)
	}
}

func TestLine(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                  "plain",
		"two\nlines":             "two lines",
		"bad\x1b]0;x\aref":       `bad\x1b]0;x\x07ref`,
		"del\x7f and \u009b csi": `del\x7f and \x9b csi`,
		"ünïcode stays":          "ünïcode stays",
	} {
		if got := Line(errors.New(in)); got != want {
			t.Errorf("Line(%q) = %q, want %q", in, got, want)
		}
	}
}
