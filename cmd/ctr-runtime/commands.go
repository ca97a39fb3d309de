package main

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/sirupsen/logrus"
	ucli "github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"

	"github.com/ctr-project/ctr/lib/exit"
	"github.com/ctr-project/ctr/lib/oci"
	"github.com/ctr-project/ctr/lib/signals"
)

// Version is set at build time by the Makefile.
var Version = "dev"

type globalFlags struct {
	root, log, logFormat string
	debug, systemdCgroup bool
}

// run is the whole program: it returns the exit status. Errors go to
// stderr and, with --log, to the log file in --log-format (conmon and
// podman read runc's JSON errors from there).
func run(args []string) int {
	var g globalFlags
	app := &ucli.App{
		Name:                   "ctr-runtime",
		Usage:                  "a lean OCI runtime with runc's command line, on runc's libcontainer",
		Version:                Version,
		HideHelpCommand:        true,
		UseShortOptionHandling: true,
		ExitErrHandler:         func(*ucli.Context, error) {},
		Writer:                 os.Stdout,
		ErrWriter:              os.Stderr,
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "root", Value: "/run/ctr-runtime", Usage: "state `DIR` of the containers", Destination: &g.root},
			&ucli.StringFlag{Name: "log", Usage: "write the log (warnings and errors; debug messages with --debug) to `FILE`; errors also go to stderr", Destination: &g.log},
			&ucli.StringFlag{Name: "log-format", Value: "text", Usage: "`FORMAT` of the log: text or json", Destination: &g.logFormat},
			&ucli.BoolFlag{Name: "debug", Usage: "log debug messages too", Destination: &g.debug},
			&ucli.BoolFlag{Name: "systemd-cgroup", Usage: "have systemd make containers' cgroups, a scope each (cgroupsPath \"slice:prefix:name\"), as runc", Destination: &g.systemdCgroup},
		},
		Before: func(c *ucli.Context) error {
			// libcontainer logs through logrus, for the container's init
			// too: to --log when given (as runc), else to stderr.
			switch g.logFormat {
			case "text":
			case "json":
				logrus.SetFormatter(&logrus.JSONFormatter{})
			default:
				return fmt.Errorf("--log-format %q: want text or json", g.logFormat)
			}
			logrus.SetLevel(logrus.WarnLevel)
			if g.debug {
				logrus.SetLevel(logrus.DebugLevel)
			}
			if g.log != "" {
				f, err := os.OpenFile(g.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND|unix.O_CLOEXEC, 0o644)
				if err != nil {
					return fmt.Errorf("--log: %w", err)
				}
				logrus.SetOutput(f) // open until the runtime exits
			}
			return nil
		},
	}
	rt := func() *oci.Runtime {
		return &oci.Runtime{Root: g.root, SystemdCgroup: g.systemdCgroup, Warnf: logrus.Warnf}
	}
	app.Commands = append([]*ucli.Command{
		createCommand(rt), startCommand(rt), runCommand(rt), execCommand(rt),
		stateCommand(rt), killCommand(rt), deleteCommand(rt), listCommand(rt),
	}, adminCommands(rt)...)
	err := app.Run(args)
	if err == nil {
		return 0
	}
	if !exit.Silent(err) { // a container's own status says nothing
		report(g, err)
	}
	if code, ok := exit.Code(err); ok {
		return code
	}
	return 1
}

func report(g globalFlags, err error) {
	msg := exit.Line(err)
	fmt.Fprintln(os.Stderr, "ctr-runtime: "+msg)
	if g.log == "" {
		return
	}
	f, ferr := os.OpenFile(g.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if ferr != nil {
		return
	}
	defer f.Close()
	if g.logFormat == "json" {
		_ = json.NewEncoder(f).Encode(map[string]string{"level": "error", "msg": msg, "time": time.Now().Format(time.RFC3339Nano)})
		return
	}
	fmt.Fprintf(f, "time=%q level=error msg=%q\n", time.Now().Format(time.RFC3339Nano), msg)
}

func idArg(c *ucli.Context) (string, error) {
	id := c.Args().First()
	if id == "" {
		return "", errors.New("container id cannot be empty")
	}
	return id, nil
}

// startFlags are the flags create, run and exec share.
func startFlags(o *oci.StartOptions, withBundle bool) []ucli.Flag {
	o.AfterStart = afterStart
	fs := []ucli.Flag{
		&ucli.StringFlag{Name: "pid-file", Usage: "write the process ID to `FILE`", Destination: &o.PidFile},
		&ucli.StringFlag{Name: "console-socket", Usage: "send the pty master to the AF_UNIX socket at `PATH`", Destination: &o.ConsoleSocket},
		&ucli.IntFlag{Name: "preserve-fds", Usage: "pass `N` more file descriptors (from 3) to the process", Destination: &o.PreserveFDs},
	}
	if withBundle {
		fs = append(fs,
			&ucli.StringFlag{Name: "bundle", Aliases: []string{"b"}, Value: ".", Usage: "bundle `DIR` holding config.json", Destination: &o.Bundle},
			&ucli.BoolFlag{Name: "no-pivot", Usage: "do not use pivot_root", Destination: &o.NoPivot},
			&ucli.BoolFlag{Name: "no-new-keyring", Usage: "do not create a session keyring", Destination: &o.NoNewKeyring},
		)
	}
	return fs
}

func createCommand(rt func() *oci.Runtime) *ucli.Command {
	var o oci.StartOptions
	return &ucli.Command{
		Name: "create", Usage: "create a container; its process waits for start", ArgsUsage: "ID",
		Flags: startFlags(&o, true),
		Action: func(c *ucli.Context) error {
			id, err := idArg(c)
			if err != nil {
				return err
			}
			return rt().Create(id, o)
		},
	}
}

func startCommand(rt func() *oci.Runtime) *ucli.Command {
	return &ucli.Command{
		Name: "start", Usage: "start a created container", ArgsUsage: "ID",
		Action: func(c *ucli.Context) error {
			id, err := idArg(c)
			if err != nil {
				return err
			}
			return rt().Start(id)
		},
	}
}

func runCommand(rt func() *oci.Runtime) *ucli.Command {
	var o oci.StartOptions
	flags := append(startFlags(&o, true),
		&ucli.BoolFlag{Name: "detach", Aliases: []string{"d"}, Usage: "return once the container has started", Destination: &o.Detach},
		&ucli.BoolFlag{Name: "keep", Usage: "do not delete the container when it exits", Destination: &o.Keep},
	)
	return &ucli.Command{
		Name: "run", Usage: "create and start a container; in the foreground, exit with its status", ArgsUsage: "ID",
		Flags: flags,
		Action: func(c *ucli.Context) error {
			id, err := idArg(c)
			if err != nil {
				return err
			}
			status, err := rt().Run(id, o)
			if err != nil {
				return err
			}
			return exitIf(status)
		},
	}
}

func exitIf(status int) error {
	if status != 0 {
		return exit.With(status)
	}
	return nil
}

func execCommand(rt func() *oci.Runtime) *ucli.Command {
	var o oci.StartOptions
	var processFile, cwd, user string
	var tty, noNewPrivs bool
	var env, caps ucli.StringSlice
	flags := append(startFlags(&o, false),
		&ucli.StringFlag{Name: "process", Aliases: []string{"p"}, Usage: "read the process from the JSON `FILE` (a spec's process)", Destination: &processFile},
		&ucli.BoolFlag{Name: "tty", Aliases: []string{"t"}, Usage: "allocate a pseudo-TTY", Destination: &tty},
		&ucli.StringFlag{Name: "cwd", Usage: "working `DIR` in the container", Destination: &cwd},
		&ucli.StringSliceFlag{Name: "env", Aliases: []string{"e"}, Usage: "set `VAR=VALUE`", Destination: &env},
		&ucli.StringFlag{Name: "user", Aliases: []string{"u"}, Usage: "`UID[:GID]` to run as", Destination: &user},
		&ucli.StringSliceFlag{Name: "cap", Aliases: []string{"c"}, Usage: "add a `CAPABILITY`", Destination: &caps},
		&ucli.BoolFlag{Name: "no-new-privs", Usage: "set no_new_privs", Destination: &noNewPrivs},
		&ucli.BoolFlag{Name: "detach", Aliases: []string{"d"}, Usage: "return once the process has started", Destination: &o.Detach},
	)
	return &ucli.Command{
		Name: "exec", Usage: "run a process in a running container", ArgsUsage: "ID [COMMAND [ARG...]]",
		Flags: flags,
		Action: func(c *ucli.Context) error {
			id, err := idArg(c)
			if err != nil {
				return err
			}
			r := rt()
			p, err := execProcess(r, id, processFile, c.Args().Tail())
			if err != nil {
				return err
			}
			if tty {
				p.Terminal = true
			}
			if cwd != "" {
				p.Cwd = cwd
			}
			p.Env = append(p.Env, env.Value()...)
			if user != "" {
				uid, gid, _ := strings.Cut(user, ":")
				u, err1 := strconv.ParseUint(uid, 10, 32)
				g, err2 := strconv.ParseUint(cmp.Or(gid, "0"), 10, 32)
				if err1 != nil || err2 != nil {
					return fmt.Errorf("--user %q: want numeric UID[:GID]", user)
				}
				p.User.UID, p.User.GID = uint32(u), uint32(g)
			}
			if noNewPrivs {
				p.NoNewPrivileges = true
			}
			if cs := caps.Value(); len(cs) > 0 && p.Capabilities != nil {
				for _, cp := range cs {
					p.Capabilities.Bounding = append(p.Capabilities.Bounding, cp)
					p.Capabilities.Effective = append(p.Capabilities.Effective, cp)
					p.Capabilities.Permitted = append(p.Capabilities.Permitted, cp)
				}
			}
			status, err := r.Exec(id, p, o)
			if err != nil {
				return err
			}
			return exitIf(status)
		},
	}
}

// execProcess is the process to exec: from --process, or the container's
// own process settings with the given command.
func execProcess(r *oci.Runtime, id, file string, args []string) (*specs.Process, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		var p specs.Process
		if err := json.Unmarshal(b, &p); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		return &p, nil
	}
	if len(args) == 0 {
		return nil, errors.New("exec needs a command or --process")
	}
	p, err := r.InitProcess(id)
	if err != nil {
		return nil, err
	}
	p.Args, p.Terminal = args, false
	return p, nil
}

func stateCommand(rt func() *oci.Runtime) *ucli.Command {
	return &ucli.Command{
		Name: "state", Usage: "print a container's OCI state as JSON", ArgsUsage: "ID",
		Action: func(c *ucli.Context) error {
			id, err := idArg(c)
			if err != nil {
				return err
			}
			st, err := rt().State(id)
			if err != nil {
				return err
			}
			return printJSON(c.App.Writer, st)
		},
	}
}

func printJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, string(b))
	return err
}

func killCommand(rt func() *oci.Runtime) *ucli.Command {
	var all bool
	return &ucli.Command{
		Name: "kill", Usage: "send a signal (default SIGTERM) to a container", ArgsUsage: "ID [SIGNAL]",
		Flags: []ucli.Flag{&ucli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "signal every process of the container", Destination: &all}},
		Action: func(c *ucli.Context) error {
			id, err := idArg(c)
			if err != nil {
				return err
			}
			sig, err := signals.Parse(cmp.Or(c.Args().Get(1), "SIGTERM"))
			if err != nil {
				return err
			}
			return rt().Kill(id, sig, all)
		},
	}
}

func deleteCommand(rt func() *oci.Runtime) *ucli.Command {
	var force bool
	return &ucli.Command{
		Name: "delete", Usage: "delete a stopped container", ArgsUsage: "ID",
		Flags: []ucli.Flag{&ucli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "kill a running container first", Destination: &force}},
		Action: func(c *ucli.Context) error {
			id, err := idArg(c)
			if err != nil {
				return err
			}
			err = rt().Delete(id, force)
			if force && errors.Is(err, oci.ErrNotExist) {
				return nil
			}
			return err
		},
	}
}

func listCommand(rt func() *oci.Runtime) *ucli.Command {
	var format string
	var quiet bool
	return &ucli.Command{
		Name: "list", Usage: "list the containers",
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "table", Usage: "`FORMAT`: table or json", Destination: &format},
			&ucli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print the IDs only", Destination: &quiet},
		},
		Action: func(c *ucli.Context) error {
			states, err := rt().List()
			if err != nil {
				return err
			}
			switch {
			case quiet:
				for _, s := range states {
					fmt.Fprintln(c.App.Writer, s.ID)
				}
			case format == "json":
				if states == nil {
					states = []specs.State{}
				}
				return json.NewEncoder(c.App.Writer).Encode(states)
			default:
				w := tabwriter.NewWriter(c.App.Writer, 12, 1, 3, ' ', 0)
				fmt.Fprintln(w, "ID\tPID\tSTATUS\tBUNDLE")
				for _, s := range states {
					fmt.Fprintf(w, "%s\t%d\t%s\t%s\n", s.ID, s.Pid, s.Status, s.Bundle)
				}
				return w.Flush()
			}
			return nil
		},
	}
}
