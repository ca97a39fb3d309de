package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	ucli "github.com/urfave/cli/v2"
	"go.podman.io/storage"

	"github.com/ctr-project/ctr/cmd/internal/cli"
	"github.com/ctr-project/ctr/lib/exit"
	"github.com/ctr-project/ctr/lib/localstore"
	"github.com/ctr-project/ctr/lib/monitor"
	"github.com/ctr-project/ctr/lib/run"
	"github.com/ctr-project/ctr/lib/signals"
)

// withManager opens the store named by the global flags and runs fn.
// The Manager's monitor is ctr-monitor beside this program; its clean-up
// command is ctr-run's cleanup, with the same global flags.
func withManager(f *runFlags, fn func(*run.Manager) error) error {
	rt, err := cli.ToolPath(f.runtime, "ctr-runtime")
	if err != nil {
		return err
	}
	mon, cleanup, err := f.monitorCommands(rt)
	if err != nil {
		return err
	}
	return withStore(f, func(local *localstore.Store, store storage.Store) error {
		return fn(&run.Manager{Store: store, Runtime: rt, StateDir: monitor.StateDir(local.Options.RunRoot), PersistDir: monitor.PersistDir(local.Options.GraphRoot),
			Networks: f.networks(), Monitor: mon, CleanupCommand: cleanup})
	})
}

// withStore opens the store named by the global flags, runs fn, closes it.
func withStore(f *runFlags, fn func(*localstore.Store, storage.Store) error) error {
	return f.storage.Open(fn)
}

// lifecycleCommands are ctr-run's commands for the containers it made.
func lifecycleCommands(f *runFlags) []*ucli.Command {
	return []*ucli.Command{psCommand(f), startCommand(f), stopCommand(f), killCommand(f), rmCommand(f), execCommand(f), cleanupCommand(f), inspectCommand(f)}
}

func psCommand(f *runFlags) *ucli.Command {
	var all, asJSON, pods bool
	return &ucli.Command{
		Name: "ps", Usage: "list containers (running ones, or all with -a)",
		Flags: []ucli.Flag{
			&ucli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "list exited containers too", Destination: &all},
			&ucli.BoolFlag{Name: "pod", Usage: "show the pod each container is in (the JSON records always say)", Destination: &pods},
			&ucli.BoolFlag{Name: "json", Usage: "print a JSON record per container", Destination: &asJSON},
		},
		Action: func(c *ucli.Context) error {
			return withManager(f, func(m *run.Manager) error {
				cs, err := m.List(c.Context, all)
				if err != nil {
					return err
				}
				if asJSON {
					enc := json.NewEncoder(c.App.Writer)
					for _, ct := range cs {
						if err := enc.Encode(ct); err != nil {
							return err
						}
					}
					return nil
				}
				w := tabwriter.NewWriter(c.App.Writer, 10, 1, 3, ' ', 0)
				podNames := map[string]string{}
				if pods {
					ps, err := m.Pods(c.Context)
					if err != nil {
						return err
					}
					for _, p := range ps {
						podNames[p.ID] = p.Name
					}
				}
				head := "CONTAINER ID\tIMAGE\tCOMMAND\tCREATED\tSTATUS\tNAMES"
				if pods {
					head += "\tPOD ID\tPODNAME"
				}
				fmt.Fprintln(w, head)
				for _, ct := range cs {
					status := string(ct.Status)
					if ct.ExitCode != nil {
						status = fmt.Sprintf("exited (%d)", *ct.ExitCode)
					}
					if ct.OOMKilled {
						status += " OOM"
					}
					if ct.Monitor == "gone" {
						status += " (monitor gone)"
					}
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s", ct.ID[:12], ct.Image, strings.Join(ct.Command, " "),
						ct.Created.Local().Format(time.DateTime), status, ct.Name)
					if pods {
						fmt.Fprintf(w, "\t%s\t%s", ct.Pod[:min(12, len(ct.Pod))], podNames[ct.Pod])
					}
					fmt.Fprintln(w)
				}
				return w.Flush()
			})
		},
	}
}

func startCommand(f *runFlags) *ucli.Command {
	var attach bool
	return &ucli.Command{
		Name: "start", Usage: "start containers that are not running (exited, or found after a reboot), detached", ArgsUsage: "CONTAINER...",
		Flags: []ucli.Flag{&ucli.BoolFlag{Name: "attach", Aliases: []string{"a"}, Usage: "one CONTAINER: print its output as it comes and exit with its status", Destination: &attach}},
		Action: func(c *ucli.Context) error {
			if attach && c.NArg() != 1 {
				return cli.UsageError("--attach takes one CONTAINER")
			}
			if !attach {
				return eachContainer(c, f, func(m *run.Manager, ref string) error {
					ct, err := m.Start(c.Context, ref)
					if err == nil {
						fmt.Fprintln(c.App.Writer, ct.ID)
					}
					return err
				})
			}
			return withManager(f, func(m *run.Manager) error {
				since := time.Now()
				ct, err := m.Start(c.Context, c.Args().First())
				if err != nil {
					return err
				}
				s := monitor.Store{Dir: m.StateDir, Persist: m.PersistDir}
				done := c.Done()
				if err := s.Logs(ct.ID, monitor.LogOptions{Follow: true, Tail: -1, Since: since}, c.App.Writer, done); err != nil {
					return err
				}
				status, err := s.Wait(ct.ID, done)
				if err != nil {
					return err
				}
				return exit.With(status)
			})
		},
	}
}

func stopCommand(f *runFlags) *ucli.Command {
	var timeout int
	return &ucli.Command{
		Name: "stop", Usage: "stop containers: their stop signal (SIGTERM unless set), then SIGKILL after the timeout", ArgsUsage: "CONTAINER...",
		Flags: []ucli.Flag{&ucli.IntFlag{Name: "time", Aliases: []string{"t"}, Usage: "wait `SECONDS` before SIGKILL (default: the container's --stop-timeout, else 10)", Destination: &timeout}},
		Action: func(c *ucli.Context) error {
			wait, err := stopTime(c, timeout)
			if err != nil {
				return err
			}
			// At once: each may wait its timeout out.
			return allContainers(c, f, func(m *run.Manager, ref string) error {
				return m.Stop(c.Context, ref, wait)
			})
		},
	}
}

// stopTime is --time as stop takes it: nil when not given (each
// container's own timeout).
func stopTime(c *ucli.Context, seconds int) (*time.Duration, error) {
	if !c.IsSet("time") {
		return nil, nil
	}
	if seconds < 0 {
		return nil, cli.UsageError("invalid --time %d: want 0 or more seconds", seconds)
	}
	d := time.Duration(seconds) * time.Second
	return &d, nil
}

// signalFlag is kill's --signal (default KILL), for containers and pods.
func signalFlag(dest *string) ucli.Flag {
	return &ucli.StringFlag{Name: "signal", Aliases: []string{"s"}, Value: "KILL", Usage: "the `SIGNAL` (a name such as TERM or RTMIN+3, or a number)", Destination: dest}
}

// parseSignal reads --signal: a usage error when it names no signal.
func parseSignal(s string) (syscall.Signal, error) {
	sig, err := signals.Parse(s)
	if err != nil || sig < 1 || sig > 64 {
		return 0, cli.UsageError("invalid --signal %q", s)
	}
	return sig, nil
}

func killCommand(f *runFlags) *ucli.Command {
	var killSignal string
	return &ucli.Command{
		Name: "kill", Usage: "send a signal to containers (default SIGKILL)", ArgsUsage: "CONTAINER...",
		Flags: []ucli.Flag{signalFlag(&killSignal)},
		Action: func(c *ucli.Context) error {
			sig, err := parseSignal(killSignal)
			if err != nil {
				return err
			}
			return eachContainer(c, f, func(m *run.Manager, ref string) error { return m.Kill(c.Context, ref, sig) })
		},
	}
}

func rmCommand(f *runFlags) *ucli.Command {
	var force bool
	return &ucli.Command{
		Name: "rm", Usage: "remove containers (their storage, mount, state and cgroups)", ArgsUsage: "CONTAINER...",
		Flags: []ucli.Flag{&ucli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "kill running containers first", Destination: &force}},
		Action: func(c *ucli.Context) error {
			return allContainers(c, f, func(m *run.Manager, ref string) error { return m.Remove(c.Context, ref, force) })
		},
	}
}

func execCommand(f *runFlags) *ucli.Command {
	var eo run.ExecOptions
	var execEnv ucli.StringSlice
	return &ucli.Command{
		Name: "exec", Usage: "run a command in a running container", ArgsUsage: "CONTAINER COMMAND [ARG...]",
		Flags: []ucli.Flag{
			&ucli.BoolFlag{Name: "interactive", Aliases: []string{"i"}, Usage: "keep stdin open", Destination: &eo.Interactive},
			&ucli.BoolFlag{Name: "tty", Aliases: []string{"t"}, Usage: "allocate a pseudo-terminal", Destination: &eo.TTY},
			&ucli.StringSliceFlag{Name: "env", Aliases: []string{"e"}, Usage: "set `VAR=VALUE`", Destination: &execEnv},
			&ucli.StringFlag{Name: "workdir", Aliases: []string{"w"}, Usage: "working `DIR`", Destination: &eo.Workdir},
			&ucli.StringFlag{Name: "user", Aliases: []string{"u"}, Usage: "run as `USER[:GROUP]`", Destination: &eo.User},
		},
		Action: func(c *ucli.Context) error {
			if c.NArg() < 2 {
				return cli.UsageError("want CONTAINER and COMMAND")
			}
			eo.Args, eo.Env = c.Args().Tail(), execEnv.Value()
			return withManager(f, func(m *run.Manager) error {
				// A signal goes to the process (the terminal's, or the
				// runtime passes it on), whose status is ours: it does not
				// end the exec here.
				status, err := m.Exec(context.WithoutCancel(c.Context), c.Args().First(), eo)
				if err != nil {
					return err
				}
				return exit.With(status)
			})
		},
	}
}

func cleanupCommand(f *runFlags) *ucli.Command {
	var remove bool
	return &ucli.Command{
		Name: "cleanup", Usage: "after a detached container exits: unmount it (and remove it with --rm)", ArgsUsage: "CONTAINER",
		Hidden: true,
		Flags:  []ucli.Flag{&ucli.BoolFlag{Name: "rm", Usage: "remove the container", Destination: &remove}},
		Action: func(c *ucli.Context) error {
			return eachContainer(c, f, func(m *run.Manager, ref string) error { return m.Cleanup(c.Context, ref, remove) })
		},
	}
}

func inspectCommand(f *runFlags) *ucli.Command {
	return &ucli.Command{
		Name: "inspect", Usage: "print containers as JSON", ArgsUsage: "CONTAINER...",
		Action: func(c *ucli.Context) error {
			enc := json.NewEncoder(c.App.Writer)
			return eachContainer(c, f, func(m *run.Manager, ref string) error {
				ct, err := m.Get(c.Context, ref)
				if err != nil {
					return err
				}
				return enc.Encode(ct)
			})
		},
	}
}

// eachContainer runs fn for every CONTAINER argument, one after another,
// printing each error as it comes; the exit status is the first error's.
func eachContainer(c *ucli.Context, f *runFlags, fn func(*run.Manager, string) error) error {
	return forRefs(c, f, "CONTAINER", 1, fn)
}

// allContainers is eachContainer with fn run for up to 32 containers at
// once; errors are printed in the arguments' order.
func allContainers(c *ucli.Context, f *runFlags, fn func(*run.Manager, string) error) error {
	return forRefs(c, f, "CONTAINER", 32, fn)
}

// forRefs runs fn for each argument (a container or pod: noun), up to
// parallel at once, and prints the errors in the arguments' order.
func forRefs(c *ucli.Context, f *runFlags, noun string, parallel int, fn func(*run.Manager, string) error) error {
	if c.NArg() == 0 {
		return cli.UsageError("want at least one %s", noun)
	}
	refs := c.Args().Slice()
	return withManager(f, func(m *run.Manager) error {
		errs := make([]error, len(refs))
		done := make([]chan struct{}, len(refs))
		sem := make(chan struct{}, parallel)
		for i, ref := range refs {
			done[i] = make(chan struct{})
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; close(done[i]) }()
				errs[i] = fn(m, ref)
			}()
			if parallel == 1 {
				<-done[i]
			}
		}
		var first error
		for i := range refs {
			<-done[i]
			if errs[i] != nil {
				cli.PrintError(c.App, errs[i])
				first = cmp.Or(first, errs[i])
			}
		}
		if first == nil {
			return nil
		}
		// Printed already: the status only.
		return exit.With(exitCode(first))
	})
}
