// Command ctr-inspect describes container images without pulling them,
// the job of skopeo inspect and skopeo list-tags, and prints them pinned
// by digest.
package main

import (
	"os"

	"go.podman.io/storage/pkg/reexec"

	"github.com/ctr-project/ctr/cmd/internal/cli"
)

func main() {
	// containers/storage re-executes this binary to unpack layers in a
	// chroot; that child run stops here.
	if reexec.Init() {
		return
	}
	os.Exit(cli.Main(newApp(os.Stdin, os.Stdout, os.Stderr), os.Args))
}
