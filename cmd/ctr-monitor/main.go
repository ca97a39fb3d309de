// Command ctr-monitor supervises one container, as conmon does: it creates
// it with an OCI runtime, logs its output in the CRI format, serves attach
// clients, reaps it and records its exit status. Its subcommands read
// those records. Its command line is conmon's, so podman can use it.
package main

import (
	"errors"
	"os"
	"slices"
	"strconv"

	"github.com/ctr-project/ctr/lib/errkind"
	"github.com/ctr-project/ctr/lib/exit"
)

// Version is set at build time.
var Version = "dev"

// conmonVersion is the conmon release whose command line and protocols
// ctr-monitor speaks; callers such as podman check it.
const conmonVersion = "2.1.0"

// Exit statuses (ctr(7)).
const (
	exitFailure  = 1
	exitNotFound = 2
	exitUsage    = 64
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	var g globals
	rest, err := parse(g.options(), args)
	switch {
	case err != nil:
		return fail(err)
	case g.version:
		os.Stdout.WriteString("conmon version " + conmonVersion + "\nctr-monitor version " + Version + "\n")
		return 0
	case g.help:
		os.Stdout.WriteString(usage(&g))
		return 0
	}
	if len(rest) > 0 {
		cmd, ok := commands[rest[0]]
		if !ok {
			return fail(usagef("unknown command ", strconv.Quote(rest[0]), " (see --help)"))
		}
		// "ctr-monitor logs --help": the one usage text, which has every
		// command's options.
		if slices.Contains(rest[1:], "--help") || slices.Contains(rest[1:], "-h") {
			os.Stdout.WriteString(usage(&g))
			return 0
		}
		return cmd(&g, rest[1:])
	}
	return supervise(&g)
}

// fail prints err on stderr, one line, and returns its exit status.
func fail(err error) int {
	if !exit.Silent(err) {
		os.Stderr.WriteString("ctr-monitor: " + exit.Line(err) + "\n")
	}
	if code, ok := exit.Code(err); ok {
		return code
	}
	switch {
	case errors.Is(err, errkind.ErrNotFound):
		return exitNotFound
	case errors.Is(err, errkind.ErrUsage):
		return exitUsage
	}
	return exitFailure
}

func usage(g *globals) string {
	return `NAME:
   ctr-monitor - supervise one container: create it, log its output, serve attach clients, record its exit

USAGE:
   ctr-monitor --cid ID --runtime PATH --bundle DIR [OPTIONS]    (conmon's command line)
   ctr-monitor [--root DIR] [--runroot DIR] logs [--follow] [--tail N] [--since TIME] CONTAINER
   ctr-monitor [--root DIR] [--runroot DIR] wait CONTAINER
   ctr-monitor [--root DIR] [--runroot DIR] attach [--no-stdin] CONTAINER
   ctr-monitor [--root DIR] [--runroot DIR] events [--follow] [--json] CONTAINER

COMMANDS:
   logs     print a container's output
   wait     wait for a container to exit, print its status and exit with it
   attach   connect to a running container's stdin, stdout and stderr
   events   print a container's events: started, oom, exited

OPTIONS:
` + help(g.options()) + `
COMMAND OPTIONS:
` + help(commandOptions()) + `
Full documentation: man ctr-monitor
`
}
