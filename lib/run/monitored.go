package run

import (
	"bufio"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/ctr-project/ctr/lib/exit"
	"github.com/ctr-project/ctr/lib/monitor"
)

// startDetached creates the container under ctr-monitor, which reports the
// PID on a sync pipe (conmon's protocol), then starts it.
//
// before, if not nil, runs between the two (the container's network).
func startDetached(o *launch, b *bundle, before func() error) error {
	if o.Monitor == "" {
		return fail(ExitRunFailure, "no monitor (ctr-monitor) to run %s under", b.id)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	args := []string{
		"--log-path", cmp.Or(o.LogPath, b.logPath()),
		// No short link to the attach socket outside our run root (conmon's
		// /run/ctr/socket): ctr-monitor attach reaches a path of any length.
		"--full-attach",
	}
	if o.LogSizeMax > 0 {
		args = append(args, "--log-size-max", strconv.FormatInt(o.LogSizeMax, 10))
		if o.LogMaxFiles > 1 {
			args = append(args, "--log-rotate", "--log-max-files", strconv.Itoa(o.LogMaxFiles-1))
		}
	}
	// The terminal or stdin wait in the monitor for "ctr-monitor attach".
	if o.TTY {
		args = append(args, "--terminal")
	}
	if o.Interactive {
		args = append(args, "--stdin")
	}
	cmd := monitorCmd(o, b, w, nil, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, nil, os.Stderr
	err = cmd.Run() // returns once the monitor has detached
	w.Close()
	o.netState.ReleasePorts() // the monitor holds them now
	if err != nil {
		return fail(ExitRunFailure, "starting %s: %w", o.Monitor, err)
	}
	defer warnIf(o.startMonitorScope(b.id, monitor.WrittenMonitorPID(b.dir)))
	pid, err := readSync(r, o.Monitor)
	if err != nil {
		if before != nil {
			_ = before()
		}
		return err
	}
	if before != nil {
		if err := before(); err != nil {
			return err
		}
	}
	if err := startByFifo(runtimeRoot(o.StateDir), b.id, pid); !errors.Is(err, errNotFifo) {
		if err != nil {
			return fail(ExitRunFailure, "%s", err)
		}
		return nil
	}
	out, err := exec.Command(o.Runtime, "--root", runtimeRoot(o.StateDir), "start", b.id).CombinedOutput()
	if err != nil {
		return fail(ExitRunFailure, "starting the container: %s", strings.TrimSpace(string(out)))
	}
	return nil
}

// warnIf says on stderr, in one line, what wait returns: something that
// went wrong beside the container's start without stopping it.
func warnIf(wait func() error) {
	if err := wait(); err != nil {
		fmt.Fprintf(os.Stderr, "%s: warning: %v\n", filepath.Base(os.Args[0]), err)
	}
}

// logPath is the container's log: kept with what outlives a reboot.
func (b *bundle) logPath() string {
	if b.persist != "" {
		return filepath.Join(b.persist, "ctr.log")
	}
	return filepath.Join(b.dir, "ctr.log")
}

// persistArgs has the monitor record the exit in the persistent directory.
func (b *bundle) persistArgs() []string {
	if b.persist == "" {
		return nil
	}
	return []string{"--persist-dir", b.persist}
}

// monitorCmd is the monitor's command for the container in b: what every
// monitor of ctr's is told, then extra (what a detached or a supervised
// one is told besides). sync is the write end of its sync pipe, start
// (if not nil) the read end of its start pipe; the host ports the run
// holds are passed on.
func monitorCmd(o *launch, b *bundle, sync, start *os.File, extra ...string) *exec.Cmd {
	args := []string{
		"--cid", b.id, "--runtime", o.Runtime, "--runtime-arg", "--root", "--runtime-arg", runtimeRoot(o.StateDir),
		"--bundle", b.dir, "--exit-dir", filepath.Dir(exitPath(o.StateDir, b.id)),
		// The monitor's PID, as podman keeps conmon's: a way to reach the
		// one process that supervises this container, with no name pattern.
		"--conmon-pidfile", filepath.Join(b.dir, monitor.MonitorPidfile),
	}
	args = append(args, extra...)
	args = append(args, b.persistArgs()...)
	args = append(args, o.monitorCgroupArgs()...)
	args = append(args, exitCommandArgs(o, b)...)
	cmd := exec.Command(o.Monitor, args...)
	cmd.ExtraFiles = []*os.File{sync}
	cmd.Env = append(os.Environ(), "_OCI_SYNCPIPE=3")
	if start != nil {
		cmd.ExtraFiles = append(cmd.ExtraFiles, start)
		cmd.Env = append(cmd.Env, "_OCI_STARTPIPE=4")
	}
	monitor.PassHeld(cmd, o.netState.HeldPorts())
	return cmd
}

// exitCommandArgs are the monitor's arguments for the clean-up command it
// runs when the container exits (with --rm for a removed one).
func exitCommandArgs(o *launch, b *bundle) []string {
	cleanup := o.cleanupCommand(o.Request.Remove)
	if len(cleanup) == 0 {
		return nil
	}
	args := []string{"--exit-command", cleanup[0]}
	for _, a := range append(cleanup[1:], b.id) {
		args = append(args, "--exit-command-arg", a)
	}
	return args
}

// readSync reads the monitor's one sync message: the container's PID, or
// the error that kept it from starting.
func readSync(r io.Reader, monitorPath string) (int, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		return -1, fail(ExitRunFailure, "%s reported nothing: %v", filepath.Base(monitorPath), err)
	}
	var msg struct {
		Data    int    `json:"data"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal([]byte(line), &msg); err != nil {
		return -1, fail(ExitRunFailure, "%s: bad sync message %q", filepath.Base(monitorPath), strings.TrimSpace(line))
	}
	if msg.Data <= 0 {
		return -1, fail(ExitRunFailure, "%s", msg.Message)
	}
	return msg.Data, nil
}

// runSupervised runs the container in the foreground under ctr-monitor
// (--inherit-stdio): the container has our stdio, the monitor records its
// exit and, should ctr-run be killed, cleans up (--rm too). Signals sent
// to ctr-run go to the container's process, as the runtime's run passes
// them on; SIGWINCH reaches the runtime from the terminal itself.
//
// With before, the container is created first (the monitor's start pipe)
// and started once before has returned: the runtime's create overlaps
// what before waits for, the network's plugins. A failure of before
// removes the container unstarted.
func runSupervised(o *launch, b *bundle, before func() error) (int, error) {
	logPath := filepath.Join(b.dir, "runtime.log")
	r, w, err := os.Pipe()
	if err != nil {
		return -1, err
	}
	defer r.Close()
	var startR, startW *os.File
	if before != nil {
		if startR, startW, err = os.Pipe(); err != nil {
			w.Close()
			return -1, err
		}
		defer startW.Close()
	}
	cmd := monitorCmd(o, b, w, startR, "--sync", "--inherit-stdio", "--log-path", "none",
		"--runtime-arg", "--log", "--runtime-arg", logPath, "--runtime-arg", "--log-format", "--runtime-arg", "json")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if !o.Interactive && !o.TTY {
		cmd.Stdin = nil // /dev/null, as podman without -i
	}
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2)
	defer signal.Stop(sigs)
	err = cmd.Start()
	w.Close()
	if startR != nil {
		startR.Close()
	}
	o.netState.ReleasePorts() // the monitor holds them now
	if err != nil {
		return -1, fail(ExitRunFailure, "starting %s: %w", o.Monitor, err)
	}
	defer warnIf(o.startMonitorScope(b.id, cmd.Process.Pid))
	syncCh := make(chan synced, 1)
	go func() {
		pid, err := readSync(r, o.Monitor)
		if startW != nil {
			b.created = err == nil
			if err == nil {
				var word string
				if err = before(); err == nil {
					if word, err = startWord(o, b.id, pid); err == nil {
						_, err = startW.Write([]byte(word))
					}
				}
			}
			// Without the word, the monitor removes the container.
			startW.Close()
			if err != nil {
				pid = -1
			}
		}
		syncCh <- synced{pid, err}
	}()
	waited := make(chan struct{})
	go func() {
		_ = cmd.Wait() // the exit file holds the container's status
		close(waited)
	}()
	pid, syncErr := forwardSignals(sigs, syncCh, waited)
	// The runtime's own failures are in its log, and it has said them on
	// stderr (ours): they are not said twice. The container's exit status
	// is in its exit file.
	if msg := runtimeError(logPath); msg != "" {
		return -1, exit.With(execFailure(msg))
	}
	if pid <= 0 {
		if syncErr == nil {
			syncErr = fail(ExitRunFailure, "%s ended before the container started", filepath.Base(o.Monitor))
		}
		return -1, syncErr
	}
	st, err := os.ReadFile(exitPath(o.StateDir, b.id))
	if err != nil {
		return -1, fail(ExitRunFailure, "the container's exit status: %w", err)
	}
	status, err := strconv.Atoi(strings.TrimSpace(string(st)))
	if err != nil {
		return -1, fail(ExitRunFailure, "the container's exit status: %w", err)
	}
	return status, nil
}

// startWord is what the monitor's start pipe is told once the container
// may start: "start" has it run the runtime's start, "started" says the
// container was started here (its exec fifo). On an error nothing is
// written, and the monitor removes the container unstarted.
func startWord(o *launch, id string, pid int) (string, error) {
	err := startByFifo(runtimeRoot(o.StateDir), id, pid)
	switch {
	case err == nil:
		return "started\n", nil
	case errors.Is(err, errNotFifo):
		return "start\n", nil
	}
	return "", fail(ExitRunFailure, "%s", err)
}

// synced is the monitor's sync message: the container's PID, or an error.
type synced struct {
	pid int
	err error
}

// forwardSignals passes signals to the container once its PID is known
// (those before wait for it) until the monitor has exited.
func forwardSignals(sigs <-chan os.Signal, syncCh <-chan synced, waited <-chan struct{}) (int, error) {
	pid := 0
	var pending []os.Signal
	var syncErr error
	for {
		select {
		case s := <-sigs:
			if pid > 0 {
				_ = syscall.Kill(pid, s.(syscall.Signal))
			} else {
				pending = append(pending, s)
			}
		case got := <-syncCh:
			pid, syncErr = got.pid, got.err
			for _, s := range pending {
				if pid > 0 {
					_ = syscall.Kill(pid, s.(syscall.Signal))
				}
			}
			pending = nil
		case <-waited:
			if pid == 0 && syncErr == nil {
				// The message, or EOF, is in the pipe now the monitor is gone.
				got := <-syncCh
				pid, syncErr = got.pid, got.err
			}
			return pid, syncErr
		}
	}
}
