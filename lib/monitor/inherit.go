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

// superviseInherited runs the container with the runtime's "run" in the
// foreground on the monitor's own stdio and returns its exit status.
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
	args := append(append([]string{}, cfg.RuntimeArgs...), "run", "--bundle", cfg.Bundle, "--pid-file", cfg.PidFile)
	args = append(append(args, cfg.RuntimeOpts...), cfg.ID)
	cmd := exec.Command(cfg.Runtime, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
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
		if err := report(cfg.Sync, st.pid, nil); err != nil {
			return -1, err
		}
	}
	if status == 128+int(unix.SIGKILL) && unix.Kill(st.pid, 0) == nil {
		// The runtime was killed, not the container: it is our child now.
		status = reapUntil(st.pid)
	}
	oomKilled := st.oom.kills() > st.oomBefore
	if err := recordExit(&cfg, status, oomKilled); err != nil {
		return status, err
	}
	if cfg.Sync == nil {
		return status, runExitCommand(&cfg)
	}
	if _, err := cfg.Sync.Write(syncLine(status, "")); err != nil {
		return status, runExitCommand(&cfg) // the caller is gone
	}
	return status, nil
}

// started is what watchPidFile learnt: the container's PID (0: none
// before the runtime ended) and its OOM counter.
type started struct {
	pid       int
	oom       oomCounter
	oomBefore int
}

// watchPidFile waits for the runtime to write the container's PID, then
// reports it on sync and starts counting OOM kills; it gives up when stop
// closes.
func watchPidFile(path string, stop <-chan struct{}, sync io.Writer) started {
	for delay := 500 * time.Microsecond; ; delay = min(delay*2, 10*time.Millisecond) {
		if pid := readPid(path); pid > 0 {
			st := started{pid: pid, oom: newOOMCounter(pid)}
			st.oomBefore = st.oom.kills()
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
