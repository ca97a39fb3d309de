// Package lib_test holds checks on the library as a whole.
package lib_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLibraryDoesNotImportTheCLI keeps lib/ usable from any program: the
// CLI framework belongs to cmd/ only.
func TestLibraryDoesNotImportTheCLI(t *testing.T) {
	out, err := exec.Command("go", "list", "-tags", "containers_image_openpgp exclude_graphdriver_btrfs",
		"-deps", "./...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/urfave/cli") {
			t.Fatalf("lib depends on %s", dep)
		}
	}
}
