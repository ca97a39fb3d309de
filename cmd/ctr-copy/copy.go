package main

import (
	"cmp"
	"io"
	"os"

	ucli "github.com/urfave/cli/v2"

	"github.com/ctr-project/ctr/cmd/internal/cli"
	"github.com/ctr-project/ctr/cmd/internal/imgflags"
	"github.com/ctr-project/ctr/cmd/internal/xferflags"
	"github.com/ctr-project/ctr/lib/image"
	"github.com/ctr-project/ctr/lib/types"
)

// copyFlags are ctr-copy's own flags; shared groups are embedded.
type copyFlags struct {
	registry imgflags.CopyRegistryFlags
	policy   xferflags.PolicyFlags
	storage  imgflags.StorageFlags
	output   cli.OutputFlags
	transfer xferflags.TransferFlags

	all              bool
	platforms        ucli.StringSlice
	preserveDigests  bool
	format           string
	compressFormat   string
	compressLevel    int
	removeSignatures bool
	digestFile       string
	jobs             int
	sign             image.SignOptions
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *ucli.App {
	var f copyFlags
	app := cli.NewApp("ctr-copy", "copy container images between registries, layouts, archives and local storage", stdin, stdout, stderr)
	app.UsageText = "ctr-copy [OPTIONS] SOURCE DESTINATION\n   ctr-copy [OPTIONS] - DESTINATION   (sources on stdin; DESTINATION ends in / for several)"
	app.Flags = append(app.Flags,
		&ucli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "copy every image of an index, not just the host's platform", Destination: &f.all},
		&ucli.StringSliceFlag{Name: "platform", Usage: "copy the index entries for `OS/ARCH[/VARIANT]` only (repeatable)", Destination: &f.platforms},
		&ucli.BoolFlag{Name: "preserve-digests", Usage: "fail rather than change any digest", Destination: &f.preserveDigests},
		&ucli.StringFlag{Name: "format", Aliases: []string{"f"}, Usage: "write manifests in `FORMAT`: oci or v2s2", Destination: &f.format},
		&ucli.StringFlag{Name: "dest-compress-format", Usage: "compress layers with `FORMAT`: gzip or zstd", Destination: &f.compressFormat},
		&ucli.IntFlag{Name: "dest-compress-level", Usage: "compression `LEVEL` (gzip 1-9, zstd 1-20)", Destination: &f.compressLevel},
		&ucli.BoolFlag{Name: "remove-signatures", Usage: "do not copy signatures", Destination: &f.removeSignatures},
		&ucli.StringFlag{Name: "sign-by-sigstore-private-key", Usage: "add a sigstore signature made with the private key in `FILE` (cosign's format)", Destination: &f.sign.PrivateKey},
		&ucli.StringFlag{Name: "sign-passphrase-file", Usage: "the signing key's passphrase: the first line of `FILE`", Destination: &f.sign.PassphraseFile},
		&ucli.StringFlag{Name: "digestfile", Usage: "write the digest of each written manifest to `FILE`, one per line", Destination: &f.digestFile},
		&ucli.IntFlag{Name: "jobs", Aliases: []string{"j"}, Usage: "copy at most `N` blobs at once (default 6)", Destination: &f.jobs},
		&ucli.BoolFlag{Name: "json", Usage: "print a JSON record per image instead of the reference", Destination: &f.output.JSON},
		&ucli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print no progress", Destination: &f.output.Quiet},
	)
	app.Flags = append(app.Flags, f.transfer.Flags("copy")...)
	app.Flags = append(app.Flags, f.registry.Flags()...)
	app.Flags = append(app.Flags, f.registry.RegistriesDFlag())
	app.Flags = append(app.Flags, f.policy.CopyFlags()...)
	app.Flags = append(app.Flags, f.storage.Flags()...)
	app.Action = func(c *ucli.Context) error { return runCopy(c, &f) }
	return app
}

func runCopy(c *ucli.Context, f *copyFlags) error {
	if c.NArg() != 2 {
		return cli.UsageError("want SOURCE and DESTINATION, got %d arguments", c.NArg())
	}
	sources, err := cli.ExpandStdin(c.Args().Slice()[:1], c.App.Reader)
	if err != nil {
		return err
	}
	opts, local, err := f.options(c.App.ErrWriter)
	if err != nil {
		return err
	}
	defer local.Close() // an error is reported by the store on its next open

	out := f.output.NewPrinter(c.App.Writer)
	var digests []string
	err = image.Copy(c.Context, opts, sources, c.Args().Get(1), func(r types.CopyRecord) error {
		digests = append(digests, r.Digest)
		return out.Print(r.Ref, r)
	})
	if f.digestFile != "" && len(digests) > 0 {
		if werr := writeLines(f.digestFile, digests); werr != nil && err == nil {
			err = werr
		}
	}
	return err
}

// options translates the flags into the library's options.
func (f *copyFlags) options(stderr io.Writer) (image.CopyOptions, *image.LocalStore, error) {
	var o image.CopyOptions
	var err error
	if o.SourceCtx, err = f.registry.SourceContext(); err != nil {
		return o, nil, err
	}
	if o.DestinationCtx, err = f.registry.DestinationContext(); err != nil {
		return o, nil, err
	}
	if o.Policy, err = f.policy.Options(); err != nil {
		return o, nil, err
	}
	so, err := f.storage.StoreOptions()
	if err != nil {
		return o, nil, err
	}
	o.Local = &image.LocalStore{Options: so}
	for _, p := range f.platforms.Value() {
		pl, err := image.ParsePlatform(p)
		if err != nil {
			return o, nil, err
		}
		o.Platforms = append(o.Platforms, pl)
	}
	if f.jobs < 0 {
		return o, nil, cli.UsageError("--jobs must not be negative")
	}
	if f.compressLevel != 0 {
		top := 9
		if f.compressFormat == "zstd" || f.compressFormat == "zstd:chunked" {
			top = 20
		}
		if f.compressLevel < 1 || f.compressLevel > top {
			return o, nil, cli.UsageError("invalid --dest-compress-level %d: want 1 to %d for %s", f.compressLevel, top, cmp.Or(f.compressFormat, "gzip"))
		}
	}
	o.All, o.PreserveDigests, o.RemoveSignatures = f.all, f.preserveDigests, f.removeSignatures
	o.Format, o.CompressFormat, o.CompressLevel = f.format, f.compressFormat, f.compressLevel
	o.Sign = f.sign
	o.Jobs = f.jobs
	o.Log, o.LogIsTTY = f.output.LogWriter(stderr)
	o.ProgressInterval = f.transfer.ProgressInterval
	if o.Retry, err = f.transfer.RetryOptions(o.Log, stderr); err != nil {
		return o, nil, err
	}
	return o, o.Local, nil
}

// writeLines replaces path with lines, atomically so a reader never sees
// half a file.
func writeLines(path string, lines []string) error {
	tmp := path + ".tmp"
	data := ""
	for _, l := range lines {
		data += l + "\n"
	}
	if err := os.WriteFile(tmp, []byte(data), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
