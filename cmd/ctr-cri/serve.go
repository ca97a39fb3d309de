package main

import (
	"fmt"
	"io"
	"os/signal"
	"syscall"

	ucli "github.com/urfave/cli/v2"
	"go.podman.io/storage"

	"github.com/ctr-project/ctr/cmd/internal/cli"
	"github.com/ctr-project/ctr/cmd/internal/imgflags"
	"github.com/ctr-project/ctr/lib/cri"
	"github.com/ctr-project/ctr/lib/image"
	"github.com/ctr-project/ctr/lib/network"
)

type criFlags struct {
	storage  imgflags.StorageFlags
	registry imgflags.RegistryFlags
	policy   imgflags.PolicyFlags
	transfer imgflags.TransferFlags

	listen, netConfigDir string
	cniPluginDirs        ucli.StringSlice
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *ucli.App {
	var f criFlags
	app := cli.NewApp("ctr-cri", "serve the Kubernetes Container Runtime Interface (images so far) on a unix socket", stdin, stdout, stderr)
	app.UsageText = "ctr-cri [OPTIONS]"
	app.Flags = append(app.Flags,
		&ucli.StringFlag{Name: "listen", Value: "/run/ctr-cri/ctr-cri.sock", Usage: "serve on the unix socket `PATH`", Destination: &f.listen},
		&ucli.StringFlag{Name: "network-config-dir", Usage: "the CNI network configs' `DIR` (default /etc/cni/net.d)", Destination: &f.netConfigDir},
		&ucli.StringSliceFlag{Name: "cni-plugin-dir", Usage: "look for CNI plugins in `DIR` (repeat for more)", Destination: &f.cniPluginDirs},
	)
	app.Flags = append(app.Flags, f.transfer.Flags("pull")...)
	app.Flags = append(app.Flags, f.registry.Flags()...)
	app.Flags = append(app.Flags, f.policy.PullFlags()...)
	app.Flags = append(app.Flags, f.storage.Flags()...)
	app.Action = func(c *ucli.Context) error { return serve(c, &f) }
	return app
}

func serve(c *ucli.Context, f *criFlags) error {
	if c.NArg() != 0 {
		return cli.UsageError("ctr-cri takes no arguments")
	}
	po, err := f.pullOptions(c)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(c.Context, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	return f.storage.Open(func(local *image.LocalStore, store storage.Store) error {
		rs := &cri.RuntimeService{Version_: cli.Version,
			Networks: network.New(network.Config{ConfDir: f.netConfigDir, PluginDirs: f.cniPluginDirs.Value()})}
		is := &cri.ImageService{Store: store, Local: local, Pull: po}
		fmt.Fprintf(c.App.ErrWriter, "ctr-cri: serving on %s\n", f.listen)
		return cri.Serve(ctx, f.listen, rs, is)
	})
}

// pullOptions are how PullImage pulls: the registry, policy and retry
// flags, quietly (the daemon has no terminal to draw on).
func (f *criFlags) pullOptions(c *ucli.Context) (image.PullOptions, error) {
	var o image.PullOptions
	var err error
	if o.SystemCtx, err = f.registry.SystemContext(); err != nil {
		return o, err
	}
	if o.Policy, err = f.policy.Options(); err != nil {
		return o, err
	}
	if o.Retry, err = f.transfer.RetryOptions(nil, c.App.ErrWriter); err != nil {
		return o, err
	}
	o.ProgressInterval = f.transfer.ProgressInterval
	return o, nil
}
