// Command ctr-build builds images, buildah style: working containers made
// from an image, changed by commands, copies and config edits, committed
// as new images in local storage. Each subcommand prints what the next
// one (or another ctr tool) reads.
package main

import (
	"os"

	"go.podman.io/storage/pkg/reexec"

	"github.com/ctr-project/ctr/cmd/internal/cli"
)

func main() {
	// containers/storage re-executes this binary to apply layers in a
	// chroot; that child run stops here.
	if reexec.Init() {
		return
	}
	os.Exit(cli.Main(newApp(os.Stdin, os.Stdout, os.Stderr), os.Args))
}
