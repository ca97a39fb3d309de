// Command ctr-cri serves the Kubernetes Container Runtime Interface on a
// unix socket, on the suite's libraries (CRI-O's and containerd's job).
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
