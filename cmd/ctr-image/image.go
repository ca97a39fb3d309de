package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/docker/go-units"
	ucli "github.com/urfave/cli/v2"
	"go.podman.io/storage"
	"golang.org/x/term"

	"github.com/ctr-project/ctr/cmd/internal/cli"
	"github.com/ctr-project/ctr/cmd/internal/imgflags"
	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/exit"
	"github.com/ctr-project/ctr/lib/image"
	"github.com/ctr-project/ctr/lib/localimage"
	"github.com/ctr-project/ctr/lib/monitor"
	"github.com/ctr-project/ctr/lib/run"
	ctrtypes "github.com/ctr-project/ctr/lib/types"
)

type imageFlags struct {
	storage  imgflags.StorageFlags
	registry imgflags.RegistryFlags
	runtime  string
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *ucli.App {
	var f imageFlags
	app := cli.NewApp("ctr-image", "list, tag, remove and prune the images in local storage (shared with podman)", stdin, stdout, stderr)
	app.UsageText = "ctr-image [GLOBAL OPTIONS] COMMAND [OPTIONS] [IMAGE...]"
	app.Flags = append(app.Flags, f.storage.Flags()...)
	app.Flags = append(app.Flags, f.registry.Flags()...)
	app.Flags = append(app.Flags,
		&ucli.StringFlag{Name: "runtime", Usage: "OCI runtime `PATH` for removing ctr-run's containers with rm -f (default: ctr-runtime beside this program, else on PATH)", Destination: &f.runtime})
	app.Commands = []*ucli.Command{lsCommand(&f), rmCommand(&f), tagCommand(&f, true), tagCommand(&f, false), pruneCommand(&f), historyCommand(&f)}
	return app
}

func (f *imageFlags) open(fn func(storage.Store) error) error {
	return f.storage.Open(func(_ *image.LocalStore, s storage.Store) error { return fn(s) })
}

// filters parses the --filter flags.
func filters(store storage.Store, given []string) (localimage.Filters, error) {
	var fl localimage.Filters
	for _, g := range given {
		if err := fl.ParseFilter(g, func(ref string) (*storage.Image, error) { return localimage.Find(store, ref) }); err != nil {
			return fl, err
		}
	}
	return fl, nil
}

func isTerminal(w io.Writer) bool {
	file, ok := w.(*os.File)
	return ok && term.IsTerminal(int(file.Fd()))
}

func lsCommand(f *imageFlags) *ucli.Command {
	var quiet, asJSON, table bool
	var filterFlags ucli.StringSlice
	return &ucli.Command{
		Name: "ls", Aliases: []string{"list"}, Usage: "list stored images: a table on a terminal (or with --table), else one ID per line; JSON records with --json",
		Flags: []ucli.Flag{
			&ucli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print image IDs only", Destination: &quiet},
			&ucli.BoolFlag{Name: "json", Usage: "print a JSON record per image", Destination: &asJSON},
			&ucli.BoolFlag{Name: "table", Usage: "print the table, also when stdout is not a terminal", Destination: &table},
			&ucli.StringSliceFlag{Name: "filter", Aliases: []string{"f"}, Usage: "only images that match `KEY=VALUE`: reference=PATTERN, dangling=BOOL, before=IMAGE, since=IMAGE, until=DURATION|TIME, label=KEY[=VALUE] (repeatable: all must match)", Destination: &filterFlags},
		},
		Action: func(c *ucli.Context) error {
			if c.NArg() != 0 {
				return cli.UsageError("ls takes no arguments (select with --filter)")
			}
			return f.open(func(store storage.Store) error {
				fl, err := filters(store, filterFlags.Value())
				if err != nil {
					return err
				}
				recs, err := localimage.List(c.Context, store, fl)
				if err != nil {
					return err
				}
				switch {
				case asJSON:
					return printJSON(c.App.Writer, recs)
				case table || (!quiet && isTerminal(c.App.Writer)):
					return printTable(c.App.Writer, recs)
				}
				for _, r := range recs {
					fmt.Fprintln(c.App.Writer, r.ID)
				}
				return nil
			})
		},
	}
}

func printJSON[T any](w io.Writer, recs []T) error {
	enc := json.NewEncoder(w)
	for _, r := range recs {
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	return nil
}

// printTable prints podman images' table: a row per name.
func printTable(w io.Writer, recs []ctrtypes.ImageRecord) error {
	tw := tabwriter.NewWriter(w, 10, 1, 3, ' ', 0)
	fmt.Fprintln(tw, "REPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE")
	for _, r := range recs {
		names := r.Names
		if len(names) == 0 {
			names = []string{"<none>:<none>"}
		}
		for _, n := range names {
			repo, tag := n, "<none>"
			if i := strings.LastIndex(n, ":"); i > strings.LastIndex(n, "/") {
				repo, tag = n[:i], n[i+1:]
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", repo, tag, r.ID[:12], r.Created.Local().Format(time.DateTime), units.HumanSizeWithPrecision(float64(r.Size), 3))
		}
	}
	return tw.Flush()
}

func rmCommand(f *imageFlags) *ucli.Command {
	var force, asJSON bool
	return &ucli.Command{
		Name: "rm", Aliases: []string{"rmi"}, Usage: "remove images (by a name: that name, if the image has others); print the ID of each image removed; docker://… deletes a registry's manifest (its tags with it)", ArgsUsage: "IMAGE...",
		Flags: []ucli.Flag{
			&ucli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "remove an image with several names, and ctr-run's containers that use it", Destination: &force},
			&ucli.BoolFlag{Name: "json", Usage: "print a JSON record per image (its names taken off, whether it went)", Destination: &asJSON},
		},
		Action: func(c *ucli.Context) error {
			refs, err := cli.ExpandStdin(c.Args().Slice(), c.App.Reader)
			if err != nil {
				return err
			}
			if len(refs) == 0 {
				return cli.UsageError("want at least one IMAGE (or - to read them from stdin)")
			}
			return f.open(func(store storage.Store) error {
				rm := f.containerRemover(c.Context, store)
				var first error
				for _, ref := range refs {
					var err error
					if strings.HasPrefix(ref, "docker://") {
						err = f.deleteRemote(c, ref, asJSON)
					} else {
						var r localimage.Removed
						if r, err = localimage.Remove(store, ref, force, rm); err == nil {
							err = printRemoved(c.App.Writer, asJSON, r)
						}
					}
					if err != nil {
						cli.PrintError(c.App, err)
						if first == nil {
							first = err
						}
					}
				}
				return silenced(first)
			})
		},
	}
}

func printRemoved(w io.Writer, asJSON bool, r localimage.Removed) error {
	if asJSON {
		rec := r.Record
		rec.Untagged, rec.Deleted = r.Untagged, r.Deleted
		return json.NewEncoder(w).Encode(rec)
	}
	if !r.Deleted {
		for _, n := range r.Untagged {
			fmt.Fprintln(w, n)
		}
		return nil
	}
	_, err := fmt.Fprintln(w, r.ID)
	return err
}

// deleteRemote deletes a registry's manifest (skopeo delete) and prints
// the reference pinned by the digest deleted.
func (f *imageFlags) deleteRemote(c *ucli.Context, ref string, asJSON bool) error {
	sys, err := f.registry.SystemContext()
	if err != nil {
		return err
	}
	pinned, err := image.Delete(c.Context, image.InspectOptions{SystemCtx: sys, Retry: image.RetryOptions{Times: 3, Log: c.App.ErrWriter}}, ref)
	if err != nil {
		return err
	}
	if asJSON {
		_, digest, _ := strings.Cut(pinned, "@")
		return json.NewEncoder(c.App.Writer).Encode(ctrtypes.ImageRecord{Schema: ctrtypes.ImageSchema, Ref: pinned, Digest: digest, Names: []string{}, Deleted: true})
	}
	_, err = fmt.Fprintln(c.App.Writer, pinned)
	return err
}

// containerRemover removes ctr-run's containers for rm -f; any other
// tool's container is left to that tool.
func (f *imageFlags) containerRemover(ctx context.Context, store storage.Store) localimage.RemoveContainer {
	return func(c storage.Container) error {
		var meta ctrtypes.ContainerMeta
		if json.Unmarshal([]byte(c.Metadata), &meta) != nil || meta.Schema != ctrtypes.ContainerSchema {
			return errdefs.Usagef("it is not ctr-run's (podman's, buildah's or ctr-build's): remove it with that tool")
		}
		rt, err := cli.ToolPath(f.runtime, "ctr-runtime")
		if err != nil {
			return err
		}
		m := &run.Manager{Store: store, Runtime: rt, StateDir: monitor.StateDir(store.RunRoot()), PersistDir: monitor.PersistDir(store.GraphRoot())}
		return m.Remove(ctx, c.ID, true)
	}
}

// silenced is err's exit status without its message, printed already.
func silenced(err error) error {
	if err == nil {
		return nil
	}
	return exit.With(cli.ExitCode(err))
}

// tagCommand is tag (add names) or untag (remove them).
func tagCommand(f *imageFlags, add bool) *ucli.Command {
	name, usage, args := "tag", "add names to an image; print its ID", "IMAGE NAME..."
	if !add {
		name, usage, args = "untag", "remove names from an image (all of them with none given); print its ID", "IMAGE [NAME...]"
	}
	return &ucli.Command{
		Name: name, Usage: usage, ArgsUsage: args,
		Action: func(c *ucli.Context) error {
			if c.NArg() < 1 || (add && c.NArg() < 2) {
				return cli.UsageError("want %s", args)
			}
			return f.open(func(store storage.Store) error {
				var img *storage.Image
				var err error
				if add {
					img, err = localimage.Tag(store, c.Args().First(), c.Args().Tail())
				} else {
					img, err = localimage.Untag(store, c.Args().First(), c.Args().Tail())
				}
				if err != nil {
					return err
				}
				_, err = fmt.Fprintln(c.App.Writer, img.ID)
				return err
			})
		},
	}
}

func pruneCommand(f *imageFlags) *ucli.Command {
	var all, asJSON bool
	var filterFlags ucli.StringSlice
	return &ucli.Command{
		Name: "prune", Usage: "remove images no container uses: those without a name (dangling), or all with -a; print the ID of each removed",
		Flags: []ucli.Flag{
			&ucli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "every image no container uses, named or not", Destination: &all},
			&ucli.BoolFlag{Name: "json", Usage: "print a JSON record per image removed", Destination: &asJSON},
			&ucli.StringSliceFlag{Name: "filter", Usage: "only images that match `KEY=VALUE` (as ls: until=DURATION keeps what is newer)", Destination: &filterFlags},
		},
		Action: func(c *ucli.Context) error {
			if c.NArg() != 0 {
				return cli.UsageError("prune takes no arguments (select with --filter)")
			}
			return f.open(func(store storage.Store) error {
				fl, err := filters(store, filterFlags.Value())
				if err != nil {
					return err
				}
				recs, err := localimage.Prune(c.Context, store, all, fl)
				if asJSON {
					if perr := printJSON(c.App.Writer, recs); perr != nil && err == nil {
						err = perr
					}
				} else {
					for _, r := range recs {
						fmt.Fprintln(c.App.Writer, r.ID)
					}
				}
				return err
			})
		},
	}
}

func historyCommand(f *imageFlags) *ucli.Command {
	var asJSON bool
	return &ucli.Command{
		Name: "history", Usage: "show an image's history, newest first: a table, or JSON records with --json", ArgsUsage: "IMAGE",
		Flags: []ucli.Flag{&ucli.BoolFlag{Name: "json", Usage: "print a JSON record per step", Destination: &asJSON}},
		Action: func(c *ucli.Context) error {
			if c.NArg() != 1 {
				return cli.UsageError("want one IMAGE")
			}
			return f.open(func(store storage.Store) error {
				recs, err := localimage.History(c.Context, store, c.Args().First())
				if err != nil {
					return err
				}
				if asJSON {
					return printJSON(c.App.Writer, recs)
				}
				tw := tabwriter.NewWriter(c.App.Writer, 10, 1, 3, ' ', 0)
				fmt.Fprintln(tw, "ID\tCREATED\tCREATED BY\tSIZE\tCOMMENT")
				for _, r := range recs {
					id, created := r.ID, ""
					if len(id) > 12 {
						id = id[:12]
					}
					if r.Created != nil {
						created = r.Created.Local().Format(time.DateTime)
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", id, created, r.CreatedBy, units.HumanSizeWithPrecision(float64(r.Size), 3), r.Comment)
				}
				return tw.Flush()
			})
		},
	}
}
