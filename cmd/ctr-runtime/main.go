// Command ctr-runtime is a lean OCI runtime with runc's command line, on
// runc's libcontainer. It links nothing else of substance: this binary is
// re-executed as the init of every container it starts.
package main

import (
	"os"

	"github.com/opencontainers/runc/libcontainer"
	// Blank imports that libcontainer needs: nsenter joins namespaces in a
	// C constructor before the Go runtime starts; devices lets the cgroup
	// manager apply device rules.
	_ "github.com/opencontainers/cgroups/devices"
	_ "github.com/opencontainers/runc/libcontainer/nsenter"
)

func init() {
	// libcontainer re-executes this binary as "ctr-runtime init" to set up
	// and exec each container process; that run never returns.
	if len(os.Args) > 1 && os.Args[1] == "init" {
		libcontainer.Init()
	}
}

func main() {
	os.Exit(run(os.Args))
}
