// Command ctr-monitor supervises one container, as conmon does: it creates
// it with an OCI runtime, logs its output in the CRI format, reaps it and
// records its exit status. Its subcommands read those records.
package main

import (
	"os"

	"github.com/ctr-project/ctr/cmd/internal/cli"
)

func main() {
	os.Exit(cli.Main(newApp(os.Stdin, os.Stdout, os.Stderr), os.Args))
}
