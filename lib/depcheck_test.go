// Package lib_test holds checks on the library as a whole.
package lib_test

import (
	"testing"

	"github.com/ctr-project/ctr/internal/depcheck"
)

// TestLibraryDoesNotImportTheCLI keeps lib/ usable from any program: the
// CLI framework belongs to cmd/ only.
func TestLibraryDoesNotImportTheCLI(t *testing.T) {
	depcheck.Forbid(t, "./...", "containers_image_openpgp exclude_graphdriver_btrfs", "github.com/urfave/cli")
}
