// Package depcheck lets tests assert what a package must not link: the
// lean binaries (ctr-runtime, ctr-monitor) and the CLI-free library.
package depcheck

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

// Linked returns the dependencies of the packages matching pattern (built
// with tags) whose paths start with one of banned.
func Linked(pattern, tags string, banned ...string) ([]string, error) {
	out, err := exec.Command("go", "list", "-tags", tags, "-deps", pattern).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("go list: %w\n%s", err, out)
	}
	var found []string
	for _, dep := range strings.Fields(string(out)) {
		for _, b := range banned {
			if strings.HasPrefix(dep, b) {
				found = append(found, dep)
			}
		}
	}
	return found, nil
}

// Forbid fails t if pattern links anything banned.
func Forbid(t *testing.T, pattern, tags string, banned ...string) {
	t.Helper()
	found, err := Linked(pattern, tags, banned...)
	if err != nil {
		t.Fatal(err)
	}
	for _, dep := range found {
		t.Errorf("%s links %s", pattern, dep)
	}
}
