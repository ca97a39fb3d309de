package main

import (
	"io"

	ucli "github.com/urfave/cli/v2"

	"github.com/ctr-project/ctr/cmd/internal/cli"
	"github.com/ctr-project/ctr/cmd/internal/imgflags"
	"github.com/ctr-project/ctr/cmd/internal/xferflags"
	"github.com/ctr-project/ctr/lib/image"
	"github.com/ctr-project/ctr/lib/types"
)

// pullFlags are ctr-pull's own flags; shared groups are embedded.
type pullFlags struct {
	registry imgflags.RegistryFlags
	policy   xferflags.PolicyFlags
	storage  imgflags.StorageFlags
	output   cli.OutputFlags
	transfer xferflags.TransferFlags

	pullPolicy string
	platform   string
	allTags    bool
	jobs       int
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *ucli.App {
	var f pullFlags
	app := cli.NewApp("ctr-pull", "store container images in local storage and print their IDs", stdin, stdout, stderr)
	app.UsageText = "ctr-pull [OPTIONS] IMAGE...\n   ctr-pull [OPTIONS] -   (images on stdin)"
	app.Flags = append(app.Flags,
		&ucli.StringFlag{Name: "policy", Usage: "pull `POLICY`: always, missing (keep a stored image), never (only stored images), newer (pull when the registry's digest differs)", Value: image.PullAlways, Destination: &f.pullPolicy},
		&ucli.StringFlag{Name: "platform", Usage: "pull the image for `OS/ARCH[/VARIANT]` instead of the host's", Destination: &f.platform},
		&ucli.BoolFlag{Name: "all-tags", Aliases: []string{"a"}, Usage: "pull every tag of each repository", Destination: &f.allTags},
		&ucli.IntFlag{Name: "jobs", Aliases: []string{"j"}, Usage: "pull at most `N` images at once", Value: 3, Destination: &f.jobs},
		&ucli.BoolFlag{Name: "json", Usage: "print a JSON record per image instead of its ID", Destination: &f.output.JSON},
		&ucli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print no progress, only the IDs", Destination: &f.output.Quiet},
	)
	app.Flags = append(app.Flags, f.transfer.Flags("pull")...)
	app.Flags = append(app.Flags, f.registry.Flags()...)
	app.Flags = append(app.Flags, f.registry.RegistriesDFlag())
	app.Flags = append(app.Flags, f.policy.Flags()...)
	app.Flags = append(app.Flags, f.storage.Flags()...)
	app.Action = func(c *ucli.Context) error { return runPull(c, &f) }
	return app
}

func runPull(c *ucli.Context, f *pullFlags) error {
	if c.NArg() == 0 {
		return cli.UsageError("want at least one IMAGE (or - to read them from stdin)")
	}
	images, err := cli.ExpandStdin(c.Args().Slice(), c.App.Reader)
	if err != nil {
		return err
	}
	opts, err := f.options(c.App.ErrWriter)
	if err != nil {
		return err
	}
	defer opts.Local.Close() // an error is reported by the store on its next open

	out := f.output.NewPrinter(c.App.Writer)
	return image.Pull(c.Context, opts, images, func(r types.PullRecord) error {
		return out.Print(r.ID, r)
	})
}

// options translates the flags into the library's options.
func (f *pullFlags) options(stderr io.Writer) (image.PullOptions, error) {
	var o image.PullOptions
	var err error
	if o.SystemCtx, err = f.registry.SystemContext(); err != nil {
		return o, err
	}
	if o.Policy, err = f.policy.Options(); err != nil {
		return o, err
	}
	if o.Local, err = f.storage.LocalStore(); err != nil {
		return o, err
	}
	if o.Platform, err = xferflags.OptionalPlatform(f.platform); err != nil {
		return o, err
	}
	if f.jobs < 1 {
		return o, cli.UsageError("--jobs must be at least 1")
	}
	o.PullPolicy, o.AllTags, o.Jobs = f.pullPolicy, f.allTags, f.jobs
	o.Log, o.LogIsTTY = f.output.LogWriter(stderr)
	o.ProgressInterval = f.transfer.ProgressInterval
	if o.Retry, err = f.transfer.RetryOptions(o.Log, stderr); err != nil {
		return o, err
	}
	return o, nil
}
