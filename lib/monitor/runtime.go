package monitor

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// runtimeArgs is the runtime's command line, as conmon builds it:
//
//	RUNTIME [ARGS] create --bundle B --pid-file P [--no-pivot] [--no-new-keyring] [OPTS] [--console-socket S] ID
//	RUNTIME [ARGS] exec --pid-file P --process SPEC --detach [OPTS] [--console-socket S] ID
func runtimeArgs(cfg *Config, consoleSocket string) []string {
	args := append([]string{}, cfg.RuntimeArgs...)
	if cfg.Exec {
		args = append(args, "exec", "--pid-file", cfg.PidFile, "--process", cfg.ExecProcess, "--detach")
	} else {
		args = append(args, "create", "--bundle", cfg.Bundle, "--pid-file", cfg.PidFile)
		if cfg.NoPivot {
			args = append(args, "--no-pivot")
		}
		if cfg.NoNewKeyring {
			args = append(args, "--no-new-keyring")
		}
	}
	args = append(args, cfg.RuntimeOpts...)
	if consoleSocket != "" {
		args = append(args, "--console-socket", consoleSocket)
	}
	return append(args, cfg.ID)
}

// runRuntime runs the runtime's create (or exec) with the container's
// stdio ends and returns the container's PID. On failure the error holds
// what the runtime said on stderr.
func runRuntime(cfg *Config, io *stdio) (int, error) {
	// A PID file from an earlier run must not pass for this one's.
	_ = os.Remove(cfg.PidFile)
	cmd := exec.Command(cfg.Runtime, runtimeArgs(cfg, io.consolePath)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = io.workerIn, io.workerOut, io.workerErr
	// The runtime dies with us rather than leave a half-made container. In
	// a process group of its own, which the container's process inherits,
	// a timeout can kill all it started and nothing of ours.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if cfg.Start != nil && cfg.Exec {
		// The caller attaches, then says go: no output is lost.
		buf := make([]byte, 64)
		if _, err := cfg.Start.Read(buf); err != nil {
			return -1, wrap("reading the start pipe", err)
		}
		cfg.Start.Close()
	}
	runErr := cmd.Start()
	if runErr == nil {
		runErr = cmd.Wait()
	}
	// The container holds the worker ends now; ours would keep the pipes
	// from ever reaching EOF.
	io.closeWorkers()
	name := filepath.Base(cfg.Runtime)
	verb := " create"
	if cfg.Exec {
		verb = " exec"
	}
	if runErr != nil {
		if msg := io.runtimeStderr(); msg != "" {
			return -1, errors.New(msg)
		}
		return -1, wrap(name+verb, runErr)
	}
	if cfg.Terminal && io.master == nil {
		return -1, errors.New("runtime did not set up terminal")
	}
	b, err := os.ReadFile(cfg.PidFile)
	if err != nil {
		if msg := io.runtimeStderr(); msg != "" {
			return -1, errors.New(msg)
		}
		return -1, wrap(name+verb+": no PID file", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return -1, errors.New("PID file " + cfg.PidFile + ": not a PID")
	}
	return pid, nil
}

// reapUntil reaps children until pid exits and returns its status (128+N
// for signal N). It returns -1 when pid is not (or no longer) a child.
func reapUntil(pid int) int {
	for {
		var ws unix.WaitStatus
		got, err := unix.Wait4(-1, &ws, 0, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return -1
		}
		if got != pid {
			continue
		}
		if ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ws.ExitStatus()
	}
}

// runExitCommand runs the exit command, after the delay, with no stdio.
func runExitCommand(cfg *Config) error {
	if cfg.ExitCommand == "" {
		return nil
	}
	if cfg.Bundle != "" {
		if _, err := os.Stat(filepath.Join(cfg.Bundle, skipExitFile)); err == nil {
			return nil // the container's remover cleans up (SkipExitCommand)
		}
	}
	if cfg.ExitDelay > 0 {
		sleep(cfg.ExitDelay)
	}
	// Our children are its business from here: stop being their reaper.
	_ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
	cmd := exec.Command(cfg.ExitCommand, cfg.ExitArgs...)
	if err := cmd.Run(); err != nil {
		return wrap("exit command", err)
	}
	return nil
}
