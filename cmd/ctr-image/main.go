// Command ctr-image looks after the images in local storage, the job of
// podman images, rmi, tag, untag, image prune and history, on the store
// podman and buildah share.
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
