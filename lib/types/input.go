package types

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ctr-project/ctr/lib/errdefs"
)

// record is the part of any ctr JSON record that names an image or container.
type record struct {
	Ref string `json:"ref"`
	ID  string `json:"id"`
}

// ParseInputLine turns one stdin line into a reference. It returns "" for a
// blank line or a # comment. A line starting with { must be a ctr JSON
// record; its ref field is used, else its id field.
func ParseInputLine(line string) (string, error) {
	line = strings.TrimSpace(line)
	if line == "" || strings.HasPrefix(line, "#") {
		return "", nil
	}
	if !strings.HasPrefix(line, "{") {
		if strings.ContainsAny(line, " \t") {
			return "", fmt.Errorf("%q is neither a reference nor a JSON record", line)
		}
		return line, nil
	}
	var r record
	if err := json.Unmarshal([]byte(line), &r); err != nil {
		return "", fmt.Errorf("malformed JSON record: %w", err)
	}
	switch {
	case r.Ref != "":
		return r.Ref, nil
	case r.ID != "":
		return r.ID, nil
	}
	return "", fmt.Errorf("JSON record has neither a ref nor an id field")
}

// maxInputLine bounds one stdin line: a reference or a JSON record is far
// shorter.
const maxInputLine = 1 << 20

// ReadInputs reads references from r, one per line, as ParseInputLine
// describes. A bad line gives an ErrBadData error naming its line number.
func ReadInputs(r io.Reader) ([]string, error) {
	var refs []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), maxInputLine)
	n := 1
	for ; sc.Scan(); n++ {
		ref, err := ParseInputLine(sc.Text())
		if err != nil {
			return nil, errdefs.WithKind(errdefs.ErrBadData, fmt.Errorf("stdin line %d: %w", n, err))
		}
		if ref != "" {
			refs = append(refs, ref)
		}
	}
	if err := sc.Err(); errors.Is(err, bufio.ErrTooLong) {
		return nil, errdefs.WithKind(errdefs.ErrBadData, fmt.Errorf("stdin line %d: longer than %d bytes", n, maxInputLine))
	} else if err != nil {
		return nil, fmt.Errorf("reading stdin: %w", err)
	}
	return refs, nil
}
