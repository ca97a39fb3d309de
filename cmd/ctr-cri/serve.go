package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os/signal"
	"slices"
	"syscall"
	"time"

	ucli "github.com/urfave/cli/v2"
	"go.podman.io/storage"
	"google.golang.org/grpc"

	"github.com/ctr-project/ctr/cmd/internal/cli"
	"github.com/ctr-project/ctr/cmd/internal/imgflags"
	"github.com/ctr-project/ctr/cmd/internal/netflags"
	"github.com/ctr-project/ctr/cmd/internal/xferflags"
	"github.com/ctr-project/ctr/lib/cri"
	"github.com/ctr-project/ctr/lib/image"
	"github.com/ctr-project/ctr/lib/monitor"
	"github.com/ctr-project/ctr/lib/run"
)

type criFlags struct {
	storage  imgflags.StorageFlags
	registry imgflags.RegistryFlags
	policy   xferflags.PolicyFlags
	transfer xferflags.TransferFlags

	net                            netflags.Flags
	listen, runtime, streamAddress string
	config, pauseBinary            string
	cgroupManager, logLevel        string
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *ucli.App {
	var f criFlags
	f.net.Warn = stderr
	app := cli.NewApp("ctr-cri", "serve the Kubernetes Container Runtime Interface on a unix socket", stdin, stdout, stderr)
	app.UsageText = "ctr-cri [OPTIONS]"
	app.Flags = append(app.Flags,
		&ucli.StringFlag{Name: "listen", Value: "/run/ctr-cri/ctr-cri.sock", Usage: "serve on the unix socket `PATH`", Destination: &f.listen},
		&ucli.StringFlag{Name: "runtime", Usage: "OCI runtime `PATH` (default: ctr-runtime beside this program, else on PATH)", Destination: &f.runtime},
		&ucli.StringFlag{Name: "stream-address", Value: "127.0.0.1:0", Usage: "serve exec, attach and port forwarding on `HOST:PORT` (port 0: a free one)", Destination: &f.streamAddress},
		&ucli.StringFlag{Name: "config", Value: defaultConfig, Usage: "read settings from the TOML `FILE` (flags given win; the default file may be missing)", Destination: &f.config},
		&ucli.StringFlag{Name: "pause-binary", Usage: "the static catatonit `PATH` the pods' infra runs (default: podman's, else catatonit on PATH)", Destination: &f.pauseBinary},
		&ucli.StringFlag{Name: "cgroup-manager", Usage: "how cgroups are made: `MANAGER` systemd (a scope per container, a slice per pod) or cgroupfs (default: systemd when it is the machine's init)", Destination: &f.cgroupManager},
		&ucli.StringFlag{Name: "log-level", Value: "info", Usage: "what goes to stderr: `LEVEL` error, warn, info (notes), debug (each request too)", Destination: &f.logLevel},
	)
	app.Flags = append(app.Flags, f.net.Flags()...)
	app.Flags = append(app.Flags, f.transfer.Flags("pull")...)
	app.Flags = append(app.Flags, f.registry.Flags()...)
	app.Flags = append(app.Flags, f.policy.Flags()...)
	app.Flags = append(app.Flags, f.storage.Flags()...)
	app.Action = func(c *ucli.Context) error { return serve(c, &f) }
	app.Commands = []*ucli.Command{{
		Name: "cleanup", Usage: "after a container exits: what its monitor runs (unmount it; for an infra, release the pod's network)", ArgsUsage: "CONTAINER",
		Hidden: true,
		Action: func(c *ucli.Context) error {
			if c.NArg() != 1 {
				return cli.UsageError("cleanup takes one CONTAINER")
			}
			return f.withRuns(func(m *run.Manager, _ *image.LocalStore) error { return m.Cleanup(c.Context, c.Args().First(), false) })
		},
	}}
	return app
}

// withRuns opens the store and runs fn with the pods' and containers'
// manager on it (ctr-run's state directories: ctr-run ps lists them too).
func (f *criFlags) withRuns(fn func(*run.Manager, *image.LocalStore) error) error {
	rt, err := cli.ToolPath(f.runtime, "ctr-runtime")
	if err != nil {
		return err
	}
	return f.storage.Open(func(local *image.LocalStore, store storage.Store) error {
		return fn(&run.Manager{Store: store, Runtime: rt, StateDir: monitor.StateDir(local.Options.RunRoot),
			PersistDir: monitor.PersistDir(local.Options.GraphRoot), Networks: f.net.Manager()}, local)
	})
}

// logger writes a line at level when --log-level lets it through.
func (f *criFlags) logger(w io.Writer) func(level, format string, args ...any) {
	limit := slices.Index(logLevels, f.logLevel)
	return func(level, format string, args ...any) {
		if slices.Index(logLevels, level) <= limit {
			fmt.Fprintf(w, "ctr-cri: "+format+"\n", args...)
		}
	}
}

// debugRequests logs each request, its time and its error, at debug.
func (f *criFlags) debugRequests(logf func(level, format string, args ...any)) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		t0 := time.Now()
		resp, err := handler(ctx, req)
		if err != nil {
			logf("debug", "%s: %v (%s)", info.FullMethod, err, time.Since(t0).Round(time.Microsecond))
		} else {
			logf("debug", "%s (%s)", info.FullMethod, time.Since(t0).Round(time.Microsecond))
		}
		return resp, err
	}
}

// monitorCommands: each container's ctr-monitor, and the clean-up it runs
// when the container exits: ctr-run's cleanup, with this program's
// storage and network flags. ctr-run does the same clean-up on the same
// state (lib/run) and starts in half the time of this daemon's binary
// (a third of its size, no gRPC or Kubernetes packages to initialise):
// one such process per container exit, 40 when 20 pods go at once. (The
// hidden cleanup command stays, for the monitors of containers an older
// ctr-cri started.)
func (f *criFlags) monitorCommands(m *run.Manager) error {
	mon, err := cli.FindBeside("ctr-monitor")
	if err != nil {
		return err
	}
	runner, err := cli.FindBeside("ctr-run")
	if err != nil {
		return err
	}
	cleanup := append(append([]string{runner}, f.storage.Args()...), f.net.Args()...)
	m.Monitor, m.CleanupCommand = mon, append(cleanup, "--runtime", m.Runtime, "cleanup")
	return nil
}

// idleQuiet is how long the daemon waits without a request before it
// gives memory back (idleTrim).
const idleQuiet = 5 * time.Second

func serve(c *ucli.Context, f *criFlags) error {
	if c.NArg() != 0 {
		return cli.UsageError("ctr-cri takes no arguments")
	}
	if err := applyConfig(c, f.config); err != nil {
		return err
	}
	if err := checkLogLevel(f.logLevel); err != nil {
		return err
	}
	f.cgroupManager = cmp.Or(f.cgroupManager, run.DefaultCgroupManager())
	if err := run.CheckCgroupManager(f.cgroupManager, ""); err != nil {
		return cli.FlagError("cgroup-manager", err)
	}
	po, err := f.pullOptions(c)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(c.Context, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	return f.withRuns(func(m *run.Manager, local *image.LocalStore) error {
		if err := f.monitorCommands(m); err != nil {
			return err
		}
		logf := f.logger(c.App.ErrWriter)
		rs := &cri.RuntimeService{RuntimeVersion: cli.Version, Networks: m.Networks, Runs: m, PauseBinary: f.pauseBinary,
			CgroupManager: f.cgroupManager, Log: func(format string, args ...any) { logf("info", format, args...) }}
		if err := rs.RemoveHalfMade(ctx); err != nil {
			logf("warn", "removing half-made pod sandboxes: %v", err)
		}
		if err := rs.StartStreaming(ctx, f.streamAddress); err != nil {
			return err
		}
		is := &cri.ImageService{Store: m.Store, Local: local, Pull: po}
		logf("info", "serving on %s", f.listen)
		idle := &idleTrim{trim: trimMemory}
		go idle.run(ctx, idleQuiet)
		return cri.Serve(ctx, f.listen, rs, is, grpc.ChainUnaryInterceptor(idle.interceptor(), f.debugRequests(logf)))
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
