package main

import (
	"cmp"
	"os"
	"strconv"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v2"
	"go.podman.io/storage"

	"github.com/ctr-project/ctr/cmd/internal/cli"
	"github.com/ctr-project/ctr/lib/containerfile"
	"github.com/ctr-project/ctr/lib/image"
	"github.com/ctr-project/ctr/lib/runflags"
	ctrtypes "github.com/ctr-project/ctr/lib/types"
)

// buildFlags are the Containerfile build's.
type buildFlags struct {
	file, target, pull, network, iidfile, runtime, timestamp, format, ignorefile string
	tags, buildArgs, secrets, labels                                             ucli.StringSlice
	noCache, squash, layers                                                      bool
}

func (f *buildFlags) flags(g *globalFlags) []ucli.Flag {
	return []ucli.Flag{
		&ucli.StringFlag{Name: "file", Aliases: []string{"f"}, Usage: "the Containerfile `FILE` (default: CONTEXT/Containerfile, else CONTEXT/Dockerfile)", Destination: &f.file},
		&ucli.StringSliceFlag{Name: "tag", Aliases: []string{"t"}, Usage: "name the image `NAME` (repeatable)", Destination: &f.tags},
		&ucli.StringSliceFlag{Name: "build-arg", Usage: "set the build argument `NAME=VALUE` (repeatable)", Destination: &f.buildArgs},
		&ucli.StringFlag{Name: "target", Usage: "build the `STAGE` (default: the last)", Destination: &f.target},
		&ucli.StringSliceFlag{Name: "label", Usage: "set the label `KEY=VALUE` on the image, over the Containerfile's (repeatable)", Destination: &f.labels},
		&ucli.StringFlag{Name: "ignorefile", Usage: "read what COPY and ADD leave out from `FILE` (default: CONTEXT/.containerignore, else .dockerignore)", Destination: &f.ignorefile},
		&ucli.StringFlag{Name: "format", Value: "oci", Usage: "the image's `FORMAT`: oci, or docker (keeps HEALTHCHECK and ONBUILD)", Destination: &f.format},
		&ucli.BoolFlag{Name: "squash", Usage: "make the new layers of the image one (the base image's stay)", Destination: &f.squash},
		&ucli.BoolFlag{Name: "layers", Value: true, Usage: "commit and cache each step (--layers=false: one layer at the end, no cache, as buildah's default)", Destination: &f.layers},
		&ucli.BoolFlag{Name: "no-cache", Usage: "run every step, using no cached layer", Destination: &f.noCache},
		&ucli.StringFlag{Name: "pull", Value: "missing", Usage: "pull base images: `POLICY` missing, always or never", Destination: &f.pull},
		&ucli.StringFlag{Name: "network", Value: "bridge", Usage: "RUN steps' network `MODE`: bridge (podman's default network, as podman build), none, host, or network names", Destination: &f.network},
		&ucli.StringSliceFlag{Name: "secret", Usage: "`id=ID,src=PATH`: the file RUN --mount=type=secret,id=ID reads (repeatable; never stored in the image)", Destination: &f.secrets},
		&ucli.StringFlag{Name: "timestamp", Usage: "record `SECONDS` since the epoch as every creation and file time: reproducible images (default: $SOURCE_DATE_EPOCH, else now)", Destination: &f.timestamp},
		&ucli.StringFlag{Name: "iidfile", Usage: "write the image ID to `FILE`", Destination: &f.iidfile},
		&ucli.StringFlag{Name: "runtime", Usage: "OCI runtime `PATH` for RUN steps (default: ctr-runtime beside this program)", Destination: &f.runtime},
		&ucli.BoolFlag{Name: "json", Usage: "print a JSON record instead of the image ID", Destination: &g.out.JSON},
		&ucli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print no step lines, only the image ID", Destination: &g.out.Quiet},
	}
}

// buildContainerfile is ctr-build CONTEXT.
func buildContainerfile(c *ucli.Context, g *globalFlags, f *buildFlags) error {
	if c.NArg() != 1 {
		return cli.UsageError("want a build CONTEXT directory, or a command (see --help)")
	}
	start := time.Now()
	o, err := f.options(c, g)
	if err != nil {
		return err
	}
	rt, err := cli.ToolPath(f.runtime, "ctr-runtime")
	if err != nil {
		return err
	}
	if g.out.Quiet {
		o.Run.Stdout = nil
		if devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0); err == nil {
			defer devNull.Close()
			o.Run.Stdout = devNull
		}
	}
	if o.PullOpts, err = g.pullOptions(nil, c.App.ErrWriter); err != nil {
		return err
	}
	return g.storage.Open(func(local *image.LocalStore, store storage.Store) error {
		o.Runs = stepRunner(store, local, rt)
		o.PullOpts.Local = local
		id, md, err := containerfile.Build(c.Context, store, o)
		if err != nil {
			return err
		}
		if f.iidfile != "" {
			if err := os.WriteFile(f.iidfile, []byte("sha256:"+id), 0o644); err != nil {
				return err
			}
		}
		var names []string
		if img, err := store.Image(id); err == nil {
			names = img.Names
		}
		return g.out.NewPrinter(c.App.Writer).Print(id, ctrtypes.BuildRecord{
			Schema: ctrtypes.BuildSchema, ID: id, Names: names, Digest: md.String(), Seconds: time.Since(start).Seconds(),
		})
	})
}

// options turns the flags into the build's options: what it builds, with
// which inputs, and how its RUN steps run.
func (f *buildFlags) options(c *ucli.Context, g *globalFlags) (containerfile.BuildOptions, error) {
	o := containerfile.BuildOptions{Context: c.Args().First(), File: f.file, Tags: f.tags.Value(), Target: f.target,
		NoCache: f.noCache, Pull: f.pull, BuildArgs: map[string]string{}, Squash: f.squash, NoLayers: !f.layers,
		IgnoreFile: f.ignorefile}
	if st, err := os.Stat(o.Context); err != nil || !st.IsDir() {
		return o, cli.UsageError("build context %q is not a directory", o.Context)
	}
	switch f.format {
	case "oci", "docker":
		o.Format = f.format
	default:
		return o, cli.UsageError("invalid --format %q: want oci or docker", f.format)
	}
	if err := f.inputs(&o); err != nil {
		return o, err
	}
	if err := runflags.CheckNetwork(f.network); err != nil {
		return o, cli.FlagError("network", err)
	}
	if err := runflags.CheckPullPolicy(f.pull); err != nil {
		return o, cli.FlagError("pull", err)
	}
	o.Run.Network, o.Run.Stdout = f.network, os.Stderr
	if !g.out.Quiet {
		o.Log = c.App.ErrWriter
	}
	return o, nil
}

// inputs: labels, build arguments, secrets and the timestamp.
func (f *buildFlags) inputs(o *containerfile.BuildOptions) error {
	for _, l := range f.labels.Value() {
		if k, _, ok := strings.Cut(l, "="); !ok || k == "" {
			return cli.UsageError("invalid --label %q: want KEY=VALUE", l)
		}
		o.Labels = append(o.Labels, l)
	}
	for _, a := range f.buildArgs.Value() {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			v, ok = os.LookupEnv(k)
		}
		if ok {
			o.BuildArgs[k] = v
		}
	}
	o.Secrets = map[string]string{}
	for _, sec := range f.secrets.Value() {
		id, src, err := containerfile.ParseSecret(sec)
		if err != nil {
			return cli.FlagError("secret", err)
		}
		o.Secrets[id] = src
	}
	ts := cmp.Or(f.timestamp, os.Getenv("SOURCE_DATE_EPOCH"))
	if ts != "" {
		sec, err := strconv.ParseInt(ts, 10, 64)
		if err != nil || sec < 0 {
			return cli.UsageError("invalid --timestamp (or SOURCE_DATE_EPOCH) %q: want seconds since 1970", ts)
		}
		t := time.Unix(sec, 0).UTC()
		o.Timestamp = &t
	}
	return nil
}
