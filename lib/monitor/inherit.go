package monitor

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Why a foreground container has a monitor too: ctr-run in the foreground
// used to be the only process waiting for the runtime. Killed (kill -9, a
// closed ssh session), it took the container's exit status with it, and
// nothing unmounted the container or honoured --rm. podman runs every
// container under conmon for this reason. In this mode the monitor is
// the runtime's parent, with the caller's own stdin, stdout and stderr
// passed straight through (no copy: a foreground container costs no more
// than before); it records the exit as always, and runs the exit command
// only if its caller died (a living caller cleans up itself, after reading
// the runtime's log).

// superviseInherited runs the container with the runtime's "run" (or, with
// a start pipe, create then start) in the foreground on the monitor's own
// stdio and returns its exit status.
//
// The caller learns the container's PID on the sync pipe, then its exit
// status as a second message. That write is also how the monitor knows
// whether its caller lives: it holds the pipe's read end until the monitor
// has exited, so a write that fails (EPIPE) means it died, and the exit
// command runs. Without a sync pipe there is no caller to leave it to.
func superviseInherited(cfg Config) (int, error) {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return -1, report(cfg.Sync, -1, wrap("becoming a subreaper", err))
	}
	// Signals from the terminal reach the caller and the runtime, which
	// passes them on; a handler (not SIG_IGN, which the container would
	// inherit) keeps them from ending the monitor.
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, unix.SIGINT, unix.SIGQUIT, unix.SIGHUP, unix.SIGTERM, unix.SIGPIPE)
	defer signal.Stop(sigs)
	go func() {
		for range sigs {
		}
	}()
	if f, ok := cfg.Sync.(*os.File); ok {
		// Not for the runtime and the container to hold open.
		unix.CloseOnExec(int(f.Fd()))
	}

	_ = os.Remove(cfg.PidFile)
	if cfg.Start != nil {
		return createThenStart(cfg)
	}
	cmd := inheritedRuntime(cfg, "run", "--bundle", cfg.Bundle, "--pid-file", cfg.PidFile)
	if err := cmd.Start(); err != nil {
		return -1, report(cfg.Sync, -1, wrap("starting "+cfg.Runtime, err))
	}
	runtimePid := cmd.Process.Pid
	// The runtime's exit is waited for at once (a short container must not
	// wait for a poll); the PID file is watched beside it, and the PID
	// reported as soon as it is there, for the caller's signals.
	stop := make(chan struct{})
	found := make(chan started, 1)
	go func() { found <- watchPidFile(cfg.PidFile, stop, cfg.Sync) }()
	status := reapUntil(runtimePid)
	close(stop)
	st := <-found
	if st.pid <= 0 {
		// Written just before the runtime ended, between two looks?
		if st.pid = readPid(cfg.PidFile); st.pid <= 0 {
			// Never started: nothing to record. The runtime's log says why.
			return -1, report(cfg.Sync, -1, errors.New(filepath.Base(cfg.Runtime)+" exited with status "+strconv.Itoa(status)+" before the container started"))
		}
		st.oom = watchOOM(st.pid)
		if err := report(cfg.Sync, st.pid, nil); err != nil {
			return -1, err
		}
	}
	if status == 128+int(unix.SIGKILL) && unix.Kill(st.pid, 0) == nil {
		// The runtime was killed, not the container: it is our child now.
		status = reapUntil(st.pid)
	}
	return finishInherited(&cfg, status, st.oom.killed(status))
}

// finishInherited records the exit and tells the caller, or runs the
// exit command if there is no caller any more.
func finishInherited(cfg *Config, status int, oomKilled bool) (int, error) {
	if err := recordExit(cfg, status, oomKilled); err != nil {
		return status, err
	}
	return status, tellCaller(cfg, status, "")
}

// tellCaller writes the second sync message; a caller that is gone leaves
// the clean-up to the exit command.
func tellCaller(cfg *Config, status int, message string) error {
	if cfg.Sync == nil {
		return runExitCommand(cfg)
	}
	if _, err := cfg.Sync.Write(syncLine(status, message)); err != nil {
		return runExitCommand(cfg) // the caller is gone
	}
	return nil
}

// inheritedRuntime is the runtime's command VERB ARGS… ID on the monitor's
// own stdio.
func inheritedRuntime(cfg Config, verb string, args ...string) *exec.Cmd {
	all := append(append([]string{}, cfg.RuntimeArgs...), verb)
	all = append(append(append(all, args...), cfg.RuntimeOpts...), cfg.ID)
	cmd := exec.Command(cfg.Runtime, all...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	return cmd
}

// createThenStart is the foreground run in two steps, so the caller can
// make the container while its network is set up: the runtime's create
// (the container's process gets the monitor's stdio), the PID on the sync
// pipe, then the runtime's start once the caller writes to the start pipe.
// A start pipe closed without a write means the caller gave up, or died:
// the container goes, never started, and the caller (or, with none, the
// exit command) cleans up.
func createThenStart(cfg Config) (int, error) {
	create := inheritedRuntime(cfg, "create", "--bundle", cfg.Bundle, "--pid-file", cfg.PidFile)
	if err := create.Run(); err != nil {
		if _, ok := err.(*exec.ExitError); ok { //nolint:errorlint // Run returns it unwrapped
			err = errors.New(filepath.Base(cfg.Runtime) + " create: " + err.Error())
		}
		return -1, report(cfg.Sync, -1, err)
	}
	pid := readPid(cfg.PidFile)
	if pid <= 0 {
		return -1, report(cfg.Sync, -1, errors.New(filepath.Base(cfg.Runtime)+" create wrote no PID file"))
	}
	oom := watchOOM(pid)
	defer oom.close()
	if err := report(cfg.Sync, pid, nil); err != nil {
		return -1, err
	}
	buf := make([]byte, 64)
	n, _ := cfg.Start.Read(buf)
	cfg.Start.Close()
	started := false
	if strings.TrimSpace(string(buf[:n])) == "started" {
		// The caller started it itself (the runtime's exec fifo).
		started = true
	} else if n > 0 {
		// Its stdout is not the container's: the runtime's start prints
		// nothing there, but nothing of it may reach the caller's data.
		start := inheritedRuntime(cfg, "start")
		start.Stdin, start.Stdout = nil, nil
		started = start.Run() == nil // its error is on stderr and in its log
	}
	if !started {
		_ = exec.Command(cfg.Runtime, append(append([]string{}, cfg.RuntimeArgs...), "delete", "--force", cfg.ID)...).Run()
		reapUntil(pid)
		return -1, tellCaller(&cfg, -1, "the container was not started")
	}
	status := reapUntil(pid)
	return finishInherited(&cfg, status, oom.killed(status))
}

// started is what watchPidFile learnt: the container's PID (0: none
// before the runtime ended) and its OOM watch.
type started struct {
	pid int
	oom *oomWatch
}

// watchPidFile waits for the runtime to write the container's PID, then
// reports it on sync and starts counting OOM kills; it gives up when stop
// closes.
func watchPidFile(path string, stop <-chan struct{}, sync io.Writer) started {
	for delay := 500 * time.Microsecond; ; delay = min(delay*2, 10*time.Millisecond) {
		if pid := readPid(path); pid > 0 {
			st := started{pid: pid, oom: watchOOM(pid)}
			_ = report(sync, pid, nil)
			return st
		}
		select {
		case <-stop:
			return started{}
		case <-time.After(delay):
		}
	}
}

func readPid(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0
	}
	return n
}
