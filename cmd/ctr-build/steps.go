package main

import (
	"encoding/json"
	"os"
	"strings"

	ucli "github.com/urfave/cli/v2"
	"go.podman.io/storage"

	"github.com/ctr-project/ctr/cmd/internal/cli"
	"github.com/ctr-project/ctr/lib/exit"
	"github.com/ctr-project/ctr/lib/image"
	"github.com/ctr-project/ctr/lib/monitor"
	"github.com/ctr-project/ctr/lib/run"
	"github.com/ctr-project/ctr/lib/runflags"
	"github.com/ctr-project/ctr/lib/workcontainer"
)

func runCommand(g *globalFlags) *ucli.Command {
	var env, volumes ucli.StringSlice
	var workdir, user, network, runtime string
	return &ucli.Command{
		Name: "run", Usage: "run a command in a working container (its exit status is ctr-build's)", ArgsUsage: "CONTAINER [--] COMMAND [ARG...]",
		Flags: []ucli.Flag{
			&ucli.StringSliceFlag{Name: "env", Aliases: []string{"e"}, Usage: "set `VAR=VALUE` for the command", Destination: &env},
			&ucli.StringFlag{Name: "workdir", Aliases: []string{"w"}, Usage: "working `DIR` (default: the container's)", Destination: &workdir},
			&ucli.StringFlag{Name: "user", Aliases: []string{"u"}, Usage: "run as `USER[:GROUP]` (default: the container's)", Destination: &user},
			&ucli.StringFlag{Name: "network", Value: "bridge", Usage: "`MODE`: bridge (podman's default network, as podman build), none, host, or network names", Destination: &network},
			&ucli.StringSliceFlag{Name: "volume", Aliases: []string{"v"}, Usage: "bind mount `SRC:DST[:ro]`", Destination: &volumes},
			&ucli.StringFlag{Name: "runtime", Usage: "OCI runtime `PATH` (default: ctr-runtime beside this program)", Destination: &runtime},
		},
		Action: func(c *ucli.Context) error {
			args := c.Args().Tail()
			if len(args) > 0 && args[0] == "--" {
				args = args[1:]
			}
			if len(args) == 0 {
				return cli.UsageError("want a COMMAND to run")
			}
			if err := runflags.CheckNetwork(network); err != nil {
				return cli.FlagError("network", err)
			}
			o := run.Request{Args: args, Env: env.Value(), Workdir: workdir, User: user, Network: network, Stdout: os.Stderr}
			for _, v := range volumes.Value() {
				m, err := runflags.ParseVolume(v)
				if err != nil {
					return cli.FlagError("volume", err)
				}
				o.Mounts = append(o.Mounts, m)
			}
			rt, err := cli.ToolPath(runtime, "ctr-runtime")
			if err != nil {
				return err
			}
			var status int
			err = g.storage.Open(func(local *image.LocalStore, store storage.Store) error {
				wc, err := workcontainer.Get(store, c.Args().First())
				if err != nil {
					return err
				}
				rootfs, err := wc.Mount(store)
				if err != nil {
					return err
				}
				defer wc.Unmount(store) //nolint:errcheck // a stale mount is undone by rm
				status, err = stepRunner(store, local, rt).RunMounted(c.Context, o, wc.ID, rootfs, &wc.Meta.Image)
				return err
			})
			if err != nil {
				return err
			}
			return exit.With(status)
		},
	}
}

func copyCommand(g *globalFlags) *ucli.Command {
	var chown, chmod string
	return &ucli.Command{
		Name: "copy", Usage: "copy host files and directories into a working container", ArgsUsage: "CONTAINER SRC... DST",
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "chown", Usage: "owner `USER[:GROUP]` of what is copied (names from the container's /etc/passwd; default 0:0)", Destination: &chown},
			&ucli.StringFlag{Name: "chmod", Usage: "`MODE` of what is copied: octal, or symbolic as chmod(1) takes it (u+x, go=rx)", Destination: &chmod},
		},
		Action: func(c *ucli.Context) error {
			if c.NArg() < 3 {
				return cli.UsageError("want CONTAINER SRC... DST")
			}
			args := c.Args().Slice()
			srcs, dst := args[1:len(args)-1], args[len(args)-1]
			var o workcontainer.CopyOptions
			if chmod != "" {
				var err error
				if o.Chmod, err = workcontainer.ParseChmod(chmod); err != nil {
					return cli.UsageError("%v", err)
				}
			}
			return withContainer(c, g, func(store storage.Store, wc *workcontainer.Container) error {
				rootfs, err := wc.Mount(store)
				if err != nil {
					return err
				}
				defer wc.Unmount(store) //nolint:errcheck // a stale mount is undone by rm
				if chown != "" {
					if o.UID, o.GID, err = workcontainer.LookupOwner(rootfs, chown); err != nil {
						return err
					}
				}
				o.Workdir = wc.Meta.Image.Config.WorkingDir
				return workcontainer.CopyIn(rootfs, workcontainer.Sources(srcs...), dst, o)
			})
		},
	}
}

func configCommand(g *globalFlags) *ucli.Command {
	var env, labels, ports, volumes ucli.StringSlice
	var cmd, entrypoint, workdir, user, stopSignal, author string
	return &ucli.Command{
		Name: "config", Usage: "change the config the committed image will have", ArgsUsage: "CONTAINER",
		Flags: []ucli.Flag{
			&ucli.StringSliceFlag{Name: "env", Aliases: []string{"e"}, Usage: "set `VAR=VALUE` (VAR- removes VAR)", Destination: &env},
			&ucli.StringFlag{Name: "cmd", Usage: "the default `COMMAND`: a JSON array, or a string run by /bin/sh -c", Destination: &cmd},
			&ucli.StringFlag{Name: "entrypoint", Usage: "the `ENTRYPOINT`: a JSON array, or a string run by /bin/sh -c (\"\" clears it)", Destination: &entrypoint},
			&ucli.StringSliceFlag{Name: "label", Aliases: []string{"l"}, Usage: "set `KEY=VALUE` (KEY- removes it)", Destination: &labels},
			&ucli.StringFlag{Name: "workdir", Usage: "the working `DIR`", Destination: &workdir},
			&ucli.StringFlag{Name: "user", Usage: "the `USER[:GROUP]` commands run as", Destination: &user},
			&ucli.StringSliceFlag{Name: "port", Aliases: []string{"p"}, Usage: "expose `PORT[/PROTO]`", Destination: &ports},
			&ucli.StringSliceFlag{Name: "volume", Usage: "declare a volume at `DIR`", Destination: &volumes},
			&ucli.StringFlag{Name: "stop-signal", Usage: "the `SIGNAL` that stops the container", Destination: &stopSignal},
			&ucli.StringFlag{Name: "author", Usage: "the image's `AUTHOR`", Destination: &author},
		},
		Action: func(c *ucli.Context) error {
			return withContainer(c, g, func(store storage.Store, wc *workcontainer.Container) error {
				ch := workcontainer.ConfigChange{Env: env.Value(), Labels: labels.Value(), Ports: ports.Value(), Volumes: volumes.Value()}
				var err error
				if c.IsSet("cmd") {
					if ch.Cmd, err = commandValue(cmd); err != nil {
						return err
					}
				}
				if c.IsSet("entrypoint") {
					if ch.Entrypoint, err = commandValue(entrypoint); err != nil {
						return err
					}
				}
				for name, p := range map[string]**string{"workdir": &ch.Workdir, "user": &ch.User, "stop-signal": &ch.StopSignal, "author": &ch.Author} {
					if c.IsSet(name) {
						v := c.String(name)
						*p = &v
					}
				}
				if err := ch.Apply(&wc.Meta.Image); err != nil {
					return err
				}
				return wc.Save(store)
			})
		},
	}
}

// commandValue parses --cmd and --entrypoint: a JSON array as it is, a
// string as a shell command, "" as none.
func commandValue(s string) (*[]string, error) {
	v := []string{}
	switch t := strings.TrimSpace(s); {
	case t == "":
	case strings.HasPrefix(t, "["):
		if err := json.Unmarshal([]byte(t), &v); err != nil {
			return nil, cli.UsageError("invalid command %q: not a JSON array of strings", s)
		}
	default:
		v = []string{"/bin/sh", "-c", s}
	}
	return &v, nil
}

// stepRunner runs RUN steps in working containers of store: in the
// foreground, on the runtime's state beside ctr-run's, with no monitor.
func stepRunner(store storage.Store, local *image.LocalStore, runtime string) *run.Manager {
	return &run.Manager{Store: store, Runtime: runtime, StateDir: monitor.StateDir(local.Options.RunRoot)}
}
