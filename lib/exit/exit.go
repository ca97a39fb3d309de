// Package exit carries an exit status out of a call, for the errors that
// decide one themselves: a container's or a build step's own status,
// passed through, or a tool's own code for a failure (ctr-run's 125-127).
// Every tool's main honours it before the error kinds of lib/errdefs.
//
// It imports nothing but the standard library's smallest packages, so the
// lean binaries (ctr-monitor, ctr-runtime) use it too.
package exit

import (
	"errors"
	"strconv"
	"strings"
)

// Coder is an error that chooses the exit status of the program it ends.
type Coder interface {
	error
	ExitCode() int
}

// Status is an exit status to pass through with nothing to print: a
// container's own.
type Status int

func (s Status) Error() string { return "exit status " + strconv.Itoa(int(s)) }

// ExitCode implements Coder.
func (s Status) ExitCode() int { return int(s) }

// With returns status as an error: nil for 0, a Status otherwise.
func With(status int) error {
	if status == 0 {
		return nil
	}
	return Status(status)
}

// coded is an error whose message is reported as any other's, with the
// exit status it chose.
type coded struct {
	code int
	err  error
}

func (c *coded) Error() string { return c.err.Error() }
func (c *coded) Unwrap() error { return c.err }
func (c *coded) ExitCode() int { return c.code }

// WithCode marks err to end the program with code. A nil err stays nil.
func WithCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &coded{code: code, err: err}
}

// Code returns the exit status err chose, if it chose one.
func Code(err error) (int, bool) {
	var c Coder
	if errors.As(err, &c) {
		return c.ExitCode(), true
	}
	return 0, false
}

// Silent reports whether err is a status with nothing to print.
func Silent(err error) bool {
	var s Status
	return errors.As(err, &s)
}

// Line is err's message as one line safe to print on a terminal: newlines
// become spaces and other control characters (a terminal's escape
// sequences among them, which could come from a reference or a name
// someone else chose) are written as \xNN.
func Line(err error) string {
	var b strings.Builder
	for _, r := range err.Error() {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			b.WriteByte(' ')
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatInt(int64(r)+0x100, 16)[1:])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
