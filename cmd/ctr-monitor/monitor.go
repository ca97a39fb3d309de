package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/ctr-project/ctr/cmd/internal/cli"
	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/monitor"
	ucli "github.com/urfave/cli/v2"
)

// daemonEnv marks the detached copy of the monitor.
const daemonEnv = "_CTR_MONITOR_DAEMON"

type monitorFlags struct {
	cid, runtime, bundle, pidFile, logPath, exitDir, exitCommand, monitorPidFile, runroot string
	runtimeArgs, exitArgs                                                                 ucli.StringSlice
	logSizeMax                                                                            int64
	logMaxFiles                                                                           int
	sync                                                                                  bool
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *ucli.App {
	var f monitorFlags
	app := cli.NewApp("ctr-monitor", "supervise one container: create it, log its output, record its exit", stdin, stdout, stderr)
	app.UsageText = "ctr-monitor --cid ID --runtime PATH --bundle DIR [OPTIONS]\n   ctr-monitor [--runroot DIR] logs|wait CONTAINER"
	app.Flags = []ucli.Flag{
		&ucli.StringFlag{Name: "cid", Aliases: []string{"c"}, Usage: "the container `ID`", Destination: &f.cid},
		&ucli.StringFlag{Name: "runtime", Aliases: []string{"r"}, Usage: "OCI runtime `PATH` (runc's command line)", Destination: &f.runtime},
		&ucli.StringSliceFlag{Name: "runtime-arg", Usage: "global runtime `ARG`, before the verb (repeatable)", Destination: &f.runtimeArgs},
		&ucli.StringFlag{Name: "bundle", Aliases: []string{"b"}, Usage: "bundle `DIR`", Destination: &f.bundle},
		&ucli.StringFlag{Name: "container-pidfile", Aliases: []string{"p"}, Usage: "write the container's PID to `FILE`", Destination: &f.pidFile},
		&ucli.StringFlag{Name: "conmon-pidfile", Aliases: []string{"P"}, Usage: "write the monitor's PID to `FILE`", Destination: &f.monitorPidFile},
		&ucli.StringFlag{Name: "log-path", Aliases: []string{"l"}, Usage: "CRI log `FILE` (k8s-file:FILE accepted)", Destination: &f.logPath},
		&ucli.Int64Flag{Name: "log-size-max", Value: -1, Usage: "rotate or truncate the log at `BYTES` (-1: no limit)", Destination: &f.logSizeMax},
		&ucli.IntFlag{Name: "log-max-files", Value: 1, Usage: "keep `N` log files when rotating (1: truncate)", Destination: &f.logMaxFiles},
		&ucli.StringFlag{Name: "exit-dir", Usage: "write the exit status to `DIR`/ID", Destination: &f.exitDir},
		&ucli.StringFlag{Name: "exit-command", Usage: "run `PATH` after the container exits", Destination: &f.exitCommand},
		&ucli.StringSliceFlag{Name: "exit-command-arg", Usage: "an `ARG` of the exit command (repeatable)", Destination: &f.exitArgs},
		&ucli.BoolFlag{Name: "sync", Usage: "stay in the foreground instead of detaching", Destination: &f.sync},
		&ucli.StringFlag{Name: "runroot", Value: "/run/containers/storage", Usage: "storage run root `DIR` whose ctr/ holds the containers (logs, wait)", Destination: &f.runroot},
	}
	app.Action = func(c *ucli.Context) error { return supervise(c, &f) }
	app.Commands = []*ucli.Command{logsCommand(&f), waitCommand(&f)}
	return app
}

func supervise(c *ucli.Context, f *monitorFlags) error {
	if f.cid == "" || f.runtime == "" || f.bundle == "" {
		return cli.UsageError("--cid, --runtime and --bundle are required")
	}
	sync := syncPipe()
	if !f.sync && os.Getenv(daemonEnv) == "" {
		return detach(sync)
	}
	if f.monitorPidFile != "" {
		if err := os.WriteFile(f.monitorPidFile, []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
			return err
		}
	}
	logPath := f.logPath
	if len(logPath) > 9 && logPath[:9] == "k8s-file:" {
		logPath = logPath[9:]
	}
	cfg := monitor.Config{
		ID: f.cid, Runtime: f.runtime, RuntimeArgs: f.runtimeArgs.Value(), Bundle: f.bundle,
		PidFile: f.pidFile, LogPath: logPath, LogSizeMax: f.logSizeMax, LogMaxFiles: f.logMaxFiles,
		ExitDir: f.exitDir, ExitCommand: f.exitCommand, ExitArgs: f.exitArgs.Value(),
	}
	if sync != nil {
		cfg.Sync = sync
		defer sync.Close()
	}
	_, err := monitor.Supervise(cfg)
	return err
}

// syncPipe is the caller's pipe for the container's PID, as conmon takes
// it: the fd number in _OCI_SYNCPIPE.
func syncPipe() *os.File {
	n, err := strconv.Atoi(os.Getenv("_OCI_SYNCPIPE"))
	if err != nil || n < 3 {
		return nil
	}
	return os.NewFile(uintptr(n), "syncpipe")
}

// detach starts this same command again in a new session, away from the
// caller's terminal and process group, and returns at once: the caller
// learns the outcome from the sync pipe.
func detach(sync *os.File) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(self, os.Args[1:]...)
	cmd.Env = append(os.Environ(), daemonEnv+"=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if sync != nil {
		cmd.ExtraFiles = []*os.File{sync}
		cmd.Env = append(cmd.Env, "_OCI_SYNCPIPE=3")
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("detaching: %w", err)
	}
	return cmd.Process.Release()
}

func store(f *monitorFlags) monitor.Store {
	return monitor.Store{Dir: filepath.Join(f.runroot, "ctr")}
}

func resolve(c *ucli.Context, f *monitorFlags) (monitor.Store, string, error) {
	if c.NArg() != 1 {
		return monitor.Store{}, "", cli.UsageError("want one CONTAINER")
	}
	s := store(f)
	id, err := s.Resolve(c.Args().First())
	if errors.Is(err, monitor.ErrNoContainer) {
		err = errdefs.WithKind(errdefs.ErrNotFound, err)
	}
	return s, id, err
}

func logsCommand(f *monitorFlags) *ucli.Command {
	var o monitor.LogOptions
	var since string
	return &ucli.Command{
		Name: "logs", Usage: "print a container's output", ArgsUsage: "CONTAINER",
		Flags: []ucli.Flag{
			&ucli.BoolFlag{Name: "follow", Aliases: []string{"f"}, Usage: "keep printing until the container exits", Destination: &o.Follow},
			&ucli.IntFlag{Name: "tail", Value: -1, Usage: "print the last `N` lines only", Destination: &o.Tail},
			&ucli.StringFlag{Name: "since", Usage: "print lines logged after `TIME` (RFC 3339) or DURATION ago", Destination: &since},
		},
		Action: func(c *ucli.Context) error {
			s, id, err := resolve(c, f)
			if err != nil {
				return err
			}
			if since != "" {
				if d, err := time.ParseDuration(since); err == nil {
					o.Since = time.Now().Add(-d)
				} else if o.Since, err = time.Parse(time.RFC3339Nano, since); err != nil {
					return cli.UsageError("--since %q: want a time (RFC 3339) or a duration", since)
				}
			}
			return s.Logs(id, o, c.App.Writer, c.Context.Done())
		},
	}
}

func waitCommand(f *monitorFlags) *ucli.Command {
	return &ucli.Command{
		Name: "wait", Usage: "wait for a container to exit, print its status and exit with it", ArgsUsage: "CONTAINER",
		Action: func(c *ucli.Context) error {
			s, id, err := resolve(c, f)
			if err != nil {
				return err
			}
			status, err := s.Wait(id, c.Context.Done())
			if err != nil {
				return err
			}
			fmt.Fprintln(c.App.Writer, status)
			return cli.ExitWith(status)
		},
	}
}
