// Command ctr-login stores registry credentials in the auth.json podman,
// skopeo and buildah read, after checking them with the registry, and
// removes them again (--logout), the job of podman login and logout.
package main

import (
	"os"

	"github.com/ctr-project/ctr/cmd/internal/cli"
)

func main() {
	os.Exit(cli.Main(newApp(os.Stdin, os.Stdout, os.Stderr), os.Args))
}
