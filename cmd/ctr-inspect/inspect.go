package main

import (
	"bytes"
	"io"
	"os"
	"text/template"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/ctr-project/ctr/cmd/internal/cli"
	"github.com/ctr-project/ctr/cmd/internal/imgflags"
	"github.com/ctr-project/ctr/cmd/internal/xferflags"
	"github.com/ctr-project/ctr/lib/image"
)

// inspectFlags are ctr-inspect's own flags; shared groups are embedded.
type inspectFlags struct {
	registry imgflags.RegistryFlags
	storage  imgflags.StorageFlags

	json, raw, config, tags, noTags bool
	format, platform, digestOf      string
	retry                           int
	retryDelay, stall               time.Duration
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *ucli.App {
	var f inspectFlags
	app := cli.NewApp("ctr-inspect", "describe container images without pulling them; print each pinned by digest", stdin, stdout, stderr)
	app.UsageText = "ctr-inspect [OPTIONS] IMAGE...\n   ctr-inspect [OPTIONS] -        (images on stdin)\n   ctr-inspect --tags IMAGE...    (one reference per tag)\n   ctr-inspect --manifest-digest FILE"
	app.Flags = append(app.Flags,
		&ucli.BoolFlag{Name: "json", Usage: "print a JSON record per image (skopeo inspect's fields, an index's platforms)", Destination: &f.json},
		&ucli.StringFlag{Name: "format", Usage: "print each record through the Go `TEMPLATE` (e.g. '{{.Digest}}')", Destination: &f.format},
		&ucli.BoolFlag{Name: "raw", Usage: "print the manifest (or index) as stored, byte for byte (one IMAGE)", Destination: &f.raw},
		&ucli.BoolFlag{Name: "config", Usage: "print the image's config blob as stored (one IMAGE)", Destination: &f.config},
		&ucli.BoolFlag{Name: "tags", Usage: "print a docker:// reference for every tag of each registry repository", Destination: &f.tags},
		&ucli.BoolFlag{Name: "no-tags", Usage: "leave the repository's tags out of the records (one request less)", Destination: &f.noTags},
		&ucli.StringFlag{Name: "platform", Usage: "describe the index entry for `OS/ARCH[/VARIANT]` instead of the host's", Destination: &f.platform},
		&ucli.StringFlag{Name: "manifest-digest", Usage: "print the digest of the manifest in `FILE` (- for stdin), as a registry computes it", Destination: &f.digestOf},
		&ucli.IntFlag{Name: "retry", Usage: "retry a request that failed for a temporary reason `N` times", Value: 3, Destination: &f.retry},
		&ucli.DurationFlag{Name: "retry-delay", Usage: "wait `DURATION` between retries (default: exponential from 1s)", Destination: &f.retryDelay},
		&ucli.DurationFlag{Name: "stall-timeout", Usage: "treat an attempt that receives nothing for `DURATION` as a temporary failure", Value: image.DefaultStall, Destination: &f.stall},
	)
	app.Flags = append(app.Flags, f.registry.Flags()...)
	app.Flags = append(app.Flags, f.storage.Flags()...)
	app.Action = func(c *ucli.Context) error { return runInspect(c, &f) }
	return app
}

func runInspect(c *ucli.Context, f *inspectFlags) error {
	if f.digestOf != "" {
		return manifestDigest(c, f.digestOf)
	}
	if c.NArg() == 0 {
		return cli.UsageError("want at least one IMAGE (or - to read them from stdin)")
	}
	modes := 0
	for _, on := range []bool{f.json, f.format != "", f.raw, f.config, f.tags} {
		if on {
			modes++
		}
	}
	if modes > 1 {
		return cli.UsageError("--json, --format, --raw, --config and --tags are one each")
	}
	var tmpl *template.Template
	if f.format != "" {
		var err error
		if tmpl, err = template.New("format").Option("missingkey=error").Parse(f.format); err != nil {
			return cli.UsageError("invalid --format: %v", err)
		}
	}
	refs, err := cli.ExpandStdin(c.Args().Slice(), c.App.Reader)
	if err != nil {
		return err
	}
	if (f.raw || f.config) && len(refs) != 1 {
		return cli.UsageError("--raw and --config take one IMAGE, got %d", len(refs))
	}
	opts, err := f.options(c.App.ErrWriter)
	if err != nil {
		return err
	}
	defer opts.Local.Close() // an error is reported by the store on its next open
	for _, ref := range refs {
		if f.tags {
			tagged, err := image.ListTags(c.Context, opts, ref)
			if err != nil {
				return err
			}
			for _, t := range tagged {
				if _, err := io.WriteString(c.App.Writer, t+"\n"); err != nil {
					return err
				}
			}
			continue
		}
		got, err := image.Inspect(c.Context, opts, ref)
		if err != nil {
			return err
		}
		if err := f.print(c.App.Writer, got, tmpl); err != nil {
			return err
		}
	}
	return nil
}

// print writes one image as the flags ask.
func (f *inspectFlags) print(w io.Writer, got image.Inspected, tmpl *template.Template) error {
	switch {
	case f.raw:
		_, err := w.Write(got.Manifest)
		return err
	case f.config:
		_, err := w.Write(got.Config)
		return err
	case tmpl != nil:
		var b bytes.Buffer
		if err := tmpl.Execute(&b, got.Record); err != nil {
			return cli.UsageError("--format: %v", err)
		}
		b.WriteByte('\n')
		_, err := w.Write(b.Bytes())
		return err
	}
	out := cli.OutputFlags{JSON: f.json}
	return out.NewPrinter(w).Print(got.Record.Ref, got.Record)
}

// manifestDigest prints the digest of the manifest in path (- for stdin).
func manifestDigest(c *ucli.Context, path string) error {
	if c.NArg() != 0 {
		return cli.UsageError("--manifest-digest takes no IMAGE")
	}
	var raw []byte
	var err error
	if path == "-" {
		raw, err = io.ReadAll(c.App.Reader)
	} else {
		raw, err = os.ReadFile(path)
	}
	if err != nil {
		return err
	}
	d, err := image.ManifestDigest(raw)
	if err != nil {
		return err
	}
	_, err = io.WriteString(c.App.Writer, d+"\n")
	return err
}

// options translates the flags into the library's options.
func (f *inspectFlags) options(stderr io.Writer) (image.InspectOptions, error) {
	var o image.InspectOptions
	var err error
	if o.SystemCtx, err = f.registry.SystemContext(); err != nil {
		return o, err
	}
	if o.Local, err = f.storage.LocalStore(); err != nil {
		return o, err
	}
	if o.Platform, err = xferflags.OptionalPlatform(f.platform); err != nil {
		return o, err
	}
	if f.retry < 0 || f.retryDelay < 0 {
		return o, cli.UsageError("--retry and --retry-delay must not be negative")
	}
	if f.stall < time.Second {
		return o, cli.UsageError("invalid --stall-timeout %s: want 1s or more", f.stall)
	}
	o.NoTags, o.ManifestOnly = f.noTags || f.config, f.raw
	o.Retry = image.RetryOptions{Times: f.retry, Delay: f.retryDelay, Log: stderr, Stall: f.stall}
	return o, nil
}
