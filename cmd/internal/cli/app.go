package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"sync/atomic"
	"syscall"

	"github.com/sirupsen/logrus"
	ucli "github.com/urfave/cli/v2"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/exit"
)

// Version is set at build time by the Makefile.
var Version = "dev"

// NewApp returns an app with the suite's common settings: output through
// the given writers, no os.Exit inside Run, usage errors marked as such.
func NewApp(name, usage string, stdin io.Reader, stdout, stderr io.Writer) *ucli.App {
	// --version only: -v is ctr-run's --volume, as in podman.
	ucli.VersionFlag = &ucli.BoolFlag{Name: "version", Usage: "print the version", DisableDefaultText: true}
	app := &ucli.App{
		Name:            name,
		Usage:           usage,
		Version:         Version,
		Reader:          stdin,
		Writer:          stdout,
		ErrWriter:       stderr,
		HideHelpCommand: true,
		// Repeat a flag for several values: a comma is part of a value
		// (--mount type=bind,src=…).
		DisableSliceFlagSeparator: true,
		UseShortOptionHandling:    true,
		ExitErrHandler:            func(*ucli.Context, error) {},
		OnUsageError: func(c *ucli.Context, err error, _ bool) error {
			return errdefs.Usagef("%v", err)
		},
	}
	// Help goes to stdout only when asked for; it is data then.
	return app
}

// Main runs app with a context cancelled on SIGINT or SIGTERM, prints the
// error (one line, prefixed with the tool's name) and returns the exit code:
// 128+N when signal N interrupted the work (130, 143), as a shell reports.
func Main(app *ucli.App, args []string) int {
	sig, err := run(app, args)
	if err != nil && !exit.Silent(err) {
		PrintError(app, err)
	}
	if err != nil && sig != 0 {
		return 128 + int(sig)
	}
	return ExitCode(err)
}

// Run runs app as Main does, returning its error unprinted.
func Run(app *ucli.App, args []string) error {
	_, err := run(app, args)
	return err
}

// run is Run, with the signal that cancelled the work (0: none).
func run(app *ucli.App, args []string) (syscall.Signal, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	var got atomic.Int32
	go func() {
		select {
		case s := <-sigs:
			got.Store(int32(s.(syscall.Signal)))
			cancel()
		case <-ctx.Done():
		}
	}()
	if path := os.Getenv("CTR_CPUPROFILE"); path != "" {
		// For performance work: a CPU profile of this run, for go tool pprof.
		if f, err := os.Create(path); err == nil {
			if pprof.StartCPUProfile(f) == nil {
				defer pprof.StopCPUProfile()
			}
		}
	}
	// containers/image and storage log through logrus: warnings and errors
	// only, on stderr; CTR_DEBUG=1 shows everything they say.
	logrus.SetOutput(app.ErrWriter)
	logrus.SetLevel(logrus.WarnLevel)
	if os.Getenv("CTR_DEBUG") != "" {
		logrus.SetLevel(logrus.DebugLevel)
	}
	err := app.RunContext(ctx, args)
	return syscall.Signal(got.Load()), err
}

// PrintError prints err as one line on the app's stderr.
func PrintError(app *ucli.App, err error) {
	fmt.Fprintf(app.ErrWriter, "%s: %s\n", app.Name, exit.Line(err))
}

// UsageError reports a problem with the command line.
func UsageError(format string, args ...any) error {
	return errdefs.Usagef(format, args...)
}

// FlagError names the flag whose value a library refused: lib/ speaks of
// values, the command line of flags.
func FlagError(name string, err error) error {
	return fmt.Errorf("--%s: %w", name, err)
}
