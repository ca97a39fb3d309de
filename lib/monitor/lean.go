package monitor

// ctr-monitor lives as long as its container, so its binary is kept small:
// its resident size is mostly the binary's pages. This package therefore
// avoids fmt, encoding/json and reflect (a test in cmd/ctr-monitor checks
// it); these helpers do the little of their work it needs.

import (
	"strconv"
	"unicode/utf8"
)

// wrapError is fmt.Errorf("%s: %w", msg, err).
type wrapError struct {
	msg string
	err error
}

func (e *wrapError) Error() string { return e.msg + ": " + e.err.Error() }
func (e *wrapError) Unwrap() error { return e.err }

func wrap(msg string, err error) error { return &wrapError{msg, err} }

// jsonString appends s to b as a JSON string. Invalid UTF-8 becomes U+FFFD,
// as encoding/json does.
func jsonString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x7f:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// jsonObject builds a one-level JSON object in field order.
type jsonObject struct{ b []byte }

func (o *jsonObject) key(k string) {
	if len(o.b) == 0 {
		o.b = append(o.b, '{')
	} else {
		o.b = append(o.b, ',')
	}
	o.b = jsonString(o.b, k)
	o.b = append(o.b, ':')
}

func (o *jsonObject) Str(k, v string) *jsonObject {
	o.key(k)
	o.b = jsonString(o.b, v)
	return o
}

func (o *jsonObject) Int(k string, v int) *jsonObject {
	o.key(k)
	o.b = strconv.AppendInt(o.b, int64(v), 10)
	return o
}

func (o *jsonObject) Bool(k string, v bool) *jsonObject {
	o.key(k)
	o.b = strconv.AppendBool(o.b, v)
	return o
}

// Line is the object followed by a newline.
func (o *jsonObject) Line() []byte {
	if len(o.b) == 0 {
		return []byte("{}\n")
	}
	return append(o.b, '}', '\n')
}
