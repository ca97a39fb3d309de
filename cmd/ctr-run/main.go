// Command ctr-run runs images from local storage as containers, the job of
// podman run, through ctr-runtime.
package main

import (
	"os"

	"go.podman.io/storage/pkg/reexec"
)

func main() {
	// containers/storage re-executes this binary to unpack layers in a
	// chroot; that child run stops here.
	if reexec.Init() {
		return
	}
	os.Exit(runMain(os.Args))
}
