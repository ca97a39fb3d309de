// Command ctr-runtime is a lean OCI runtime with runc's command line, on
// runc's libcontainer. It links nothing else of substance: this binary is
// re-executed as the init of every container it starts.
package main

import (
	"os"
	"runtime/debug"

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
	// A start is a burst of short work: no garbage collection until the
	// container runs (see afterStart) saves a few milliseconds per start.
	// GOMAXPROCS stays at its default: the goroutines that install the
	// signal handlers and prime the cgroup join (lib/oci) run beside the
	// start on a second P; with one P they took turns with it, 2-3 ms
	// slower (bench/RESULTS.md).
	debug.SetGCPercent(-1)
	os.Exit(run(os.Args))
}

// afterStart turns garbage collection back on for a runtime that stays in
// the foreground (run, exec), which may live as long as its container.
func afterStart() { debug.SetGCPercent(100) }
