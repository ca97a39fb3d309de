package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"time"

	ucli "github.com/urfave/cli/v2"
	"go.podman.io/storage"

	"github.com/ctr-project/ctr/cmd/internal/cli"
	"github.com/ctr-project/ctr/cmd/internal/imgflags"
	"github.com/ctr-project/ctr/cmd/internal/xferflags"
	"github.com/ctr-project/ctr/lib/image"
	"github.com/ctr-project/ctr/lib/run"
	"github.com/ctr-project/ctr/lib/runflags"
	ctrtypes "github.com/ctr-project/ctr/lib/types"
	"github.com/ctr-project/ctr/lib/workcontainer"
)

type globalFlags struct {
	registry imgflags.RegistryFlags
	policy   xferflags.PolicyFlags
	storage  imgflags.StorageFlags
	out      cli.OutputFlags
}

// pullOptions are how base images are pulled: registry, signature policy,
// three retries, progress on stderr unless quiet.
func (g *globalFlags) pullOptions(local *image.LocalStore, stderr io.Writer) (image.PullOptions, error) {
	o := image.PullOptions{Local: local, Retry: image.RetryOptions{Times: 3, Log: stderr}}
	var err error
	if o.SystemCtx, err = g.registry.SystemContext(); err != nil {
		return o, err
	}
	if o.Policy, err = g.policy.Options(); err != nil {
		return o, err
	}
	if !g.out.Quiet {
		o.Log, o.LogIsTTY = (&cli.OutputFlags{}).LogWriter(stderr)
	}
	return o, nil
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *ucli.App {
	var g globalFlags
	var f buildFlags
	app := cli.NewApp("ctr-build", "build images from Containerfiles, or step by step from a script", stdin, stdout, stderr)
	app.UsageText = "ctr-build [OPTIONS] CONTEXT\n" +
		"   ctr-build from IMAGE | run ID -- CMD... | copy ID SRC... DST | config [OPTIONS] ID | commit ID [NAME...]\n" +
		"   ctr-build mount ID | umount ID | rm ID... | containers"
	app.Flags = append(app.Flags, f.flags(&g)...)
	app.Flags = append(app.Flags, g.storage.Flags()...)
	app.Flags = append(app.Flags, g.registry.Flags()...)
	app.Flags = append(app.Flags, g.policy.Flags()...)
	app.Action = func(c *ucli.Context) error { return buildContainerfile(c, &g, &f) }
	app.Commands = []*ucli.Command{
		fromCommand(&g), runCommand(&g), copyCommand(&g), configCommand(&g), commitCommand(&g),
		mountCommand(&g), umountCommand(&g), rmCommand(&g), containersCommand(&g),
	}
	return app
}

// withContainer opens the store and finds the working container named by
// the command's first argument.
func withContainer(c *ucli.Context, g *globalFlags, fn func(storage.Store, *workcontainer.Container) error) error {
	if c.NArg() == 0 {
		return cli.UsageError("want a working CONTAINER (an ID or name from ctr-build from)")
	}
	return g.storage.Open(func(_ *image.LocalStore, store storage.Store) error {
		wc, err := workcontainer.Get(store, c.Args().First())
		if err != nil {
			return err
		}
		return fn(store, wc)
	})
}

func fromCommand(g *globalFlags) *ucli.Command {
	var name, pull string
	return &ucli.Command{
		Name: "from", Usage: "make a working container from IMAGE (or scratch); print its ID", ArgsUsage: "IMAGE|scratch|-",
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "name", Usage: "the working container's `NAME`", Destination: &name},
			&ucli.StringFlag{Name: "pull", Value: "missing", Usage: "pull the image: `POLICY` missing, always or never", Destination: &pull},
		},
		Action: func(c *ucli.Context) error {
			args, err := cli.ExpandStdin(c.Args().Slice(), c.App.Reader)
			if err != nil {
				return err
			}
			if len(args) != 1 {
				return cli.UsageError("want one IMAGE (or scratch)")
			}
			if err := runflags.CheckPullPolicy(pull); err != nil {
				return cli.FlagError("pull", err)
			}
			if name != "" {
				if err := runflags.CheckName(name); err != nil {
					return cli.FlagError("name", err)
				}
			}
			return g.storage.Open(func(local *image.LocalStore, store storage.Store) error {
				imageID := ""
				if args[0] != "scratch" {
					po, err := g.pullOptions(local, c.App.ErrWriter)
					if err != nil {
						return err
					}
					img, err := run.FindImage(c.Context, store, args[0], pull, po.PullOne)
					if err != nil {
						return err
					}
					imageID = img.ID
				}
				wc, err := workcontainer.From(c.Context, store, imageID, args[0], name)
				if err != nil {
					return err
				}
				fmt.Fprintln(c.App.Writer, wc.ID)
				return nil
			})
		},
	}
}

func commitCommand(g *globalFlags) *ucli.Command {
	var rm bool
	var createdBy string
	cmd := &ucli.Command{
		Name: "commit", Usage: "commit a working container as an image; print its ID", ArgsUsage: "CONTAINER [NAME...]",
		Flags: []ucli.Flag{
			&ucli.BoolFlag{Name: "rm", Usage: "remove the working container after the commit", Destination: &rm},
			&ucli.StringFlag{Name: "created-by", Usage: "the history entry's `TEXT` (default: ctr-build commit)", Destination: &createdBy},
		},
	}
	cmd.Flags = append(cmd.Flags,
		&ucli.BoolFlag{Name: "json", Usage: "print a JSON record instead of the image ID", Destination: &g.out.JSON},
		&ucli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only the image ID (the default)", Destination: &g.out.Quiet})
	cmd.Action = func(c *ucli.Context) error {
		start := time.Now()
		return withContainer(c, g, func(store storage.Store, wc *workcontainer.Container) error {
			names := c.Args().Tail()
			id, md, err := workcontainer.Commit(c.Context, store, wc, workcontainer.CommitOptions{Names: names, CreatedBy: cmp.Or(createdBy, "ctr-build commit")})
			if err != nil {
				return err
			}
			if rm {
				if err := wc.Remove(store); err != nil {
					return err
				}
			}
			img, err := store.Image(id)
			var stored []string
			if err == nil {
				stored = img.Names
			}
			return g.out.NewPrinter(c.App.Writer).Print(id, ctrtypes.BuildRecord{
				Schema: ctrtypes.BuildSchema, ID: id, Names: stored, Digest: md.String(),
				Seconds: time.Since(start).Seconds(),
			})
		})
	}
	return cmd
}

func mountCommand(g *globalFlags) *ucli.Command {
	return &ucli.Command{
		Name: "mount", Usage: "mount a working container's rootfs; print its path", ArgsUsage: "CONTAINER",
		Action: func(c *ucli.Context) error {
			return withContainer(c, g, func(store storage.Store, wc *workcontainer.Container) error {
				p, err := wc.Mount(store)
				if err != nil {
					return err
				}
				fmt.Fprintln(c.App.Writer, p)
				return nil
			})
		},
	}
}

func umountCommand(g *globalFlags) *ucli.Command {
	return &ucli.Command{
		Name: "umount", Usage: "undo a mount", ArgsUsage: "CONTAINER",
		Action: func(c *ucli.Context) error {
			return withContainer(c, g, func(store storage.Store, wc *workcontainer.Container) error {
				return wc.Unmount(store)
			})
		},
	}
}

func rmCommand(g *globalFlags) *ucli.Command {
	return &ucli.Command{
		Name: "rm", Usage: "remove working containers", ArgsUsage: "CONTAINER...",
		Action: func(c *ucli.Context) error {
			if c.NArg() == 0 {
				return cli.UsageError("want a working CONTAINER")
			}
			rt, err := cli.ToolPath("", "ctr-runtime")
			if err != nil {
				return err
			}
			return g.storage.Open(func(local *image.LocalStore, store storage.Store) error {
				for _, ref := range c.Args().Slice() {
					wc, err := workcontainer.Get(store, ref)
					if err != nil {
						return err
					}
					// A RUN step still running in it goes first.
					if err := stepRunner(store, local, rt).StopStep(c.Context, wc.ID); err != nil {
						return err
					}
					if err := wc.Remove(store); err != nil {
						return err
					}
					fmt.Fprintln(c.App.Writer, wc.ID)
				}
				return nil
			})
		},
	}
}

func containersCommand(g *globalFlags) *ucli.Command {
	var asJSON bool
	return &ucli.Command{
		Name: "containers", Usage: "list the working containers",
		Flags: []ucli.Flag{&ucli.BoolFlag{Name: "json", Usage: "one JSON record per container", Destination: &asJSON}},
		Action: func(c *ucli.Context) error {
			return g.storage.Open(func(_ *image.LocalStore, store storage.Store) error {
				cs, err := workcontainer.List(store)
				if err != nil {
					return err
				}
				for _, wc := range cs {
					if asJSON {
						b, _ := json.Marshal(map[string]any{"schema": "ctr.build-containers/v1", "id": wc.ID, "name": wc.Name,
							"from": wc.Meta.FromName, "fromImage": wc.Meta.FromImage, "created": wc.Meta.Created})
						fmt.Fprintln(c.App.Writer, string(b))
						continue
					}
					fmt.Fprintf(c.App.Writer, "%s  %-24s %s\n", wc.ID[:12], wc.Name, wc.Meta.FromName)
				}
				return nil
			})
		},
	}
}
