package run

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ExecOptions configure Exec.
type ExecOptions struct {
	Args        []string
	Interactive bool
	TTY         bool
	Env         []string
	Workdir     string
	User        string
	// Stdin, Stdout and Stderr are the process's (nil: ours; Stdin only
	// with Interactive or TTY).
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// Exec runs a command in a running container and returns its status.
// When ctx ends (the CRI's ExecSync timeout) the process is killed with
// its process group, and Exec returns ctx's error at once, whatever still
// holds the output.
func (m *Manager) Exec(ctx context.Context, ref string, o ExecOptions) (int, error) {
	c, err := m.Get(ctx, ref)
	if err != nil {
		return -1, err
	}
	if c.Status != StatusRunning {
		return -1, fail(ExitRunFailure, "container %s is not running", c.Name)
	}
	// The runtime's own failure is in its log (it also says it on
	// stderr, the one line the user sees); the process's status is not.
	tag := strconv.Itoa(os.Getpid()) + "-" + NewID()[:8]
	logPath := filepath.Join(c.Bundle, "exec-"+tag+".log")
	pidFile := filepath.Join(c.Bundle, "exec-"+tag+".pid")
	defer os.Remove(logPath)
	defer os.Remove(pidFile)
	args := []string{"--log", logPath, "--log-format", "json", "exec", "--pid-file", pidFile}
	if o.TTY {
		args = append(args, "--tty")
	}
	if o.Workdir != "" {
		args = append(args, "--cwd", o.Workdir)
	}
	for _, e := range expandEnv(o.Env) {
		args = append(args, "--env", e)
	}
	if o.User != "" {
		rootfs, err := bundleRootfs(c.Bundle)
		if err != nil {
			return -1, err
		}
		u, err := resolveUser(rootfs, o.User)
		if err != nil {
			return -1, err
		}
		args = append(args, "--user", fmt.Sprintf("%d:%d", u.Uid, u.Gid))
	}
	args = append(args, c.ID)
	args = append(args, o.Args...)
	// Not ended by ctx itself: waitExec kills the process, which the
	// runtime waits for, and its session.
	cmd := m.runtime(context.WithoutCancel(ctx), args...)
	stdout, stderr := o.Stdout, o.Stderr
	if stdout == nil {
		stdout = os.Stdout
	}
	if stderr == nil {
		stderr = os.Stderr
	}
	var out execOutputs
	if cmd.Stdout, err = out.file(stdout); err == nil {
		cmd.Stderr, err = out.file(stderr)
	}
	if err != nil {
		out.close()
		return -1, fail(ExitRunFailure, "exec: %w", err)
	}
	var stdinW *os.File
	switch {
	case !o.Interactive && !o.TTY:
	case o.Stdin == nil:
		cmd.Stdin = os.Stdin
	default:
		// Through a pipe of our own: exec's Wait would wait for a copy
		// from a reader that never ends (a client's stream) after the
		// process has exited.
		r, w, err := os.Pipe()
		if err != nil {
			out.close()
			return -1, err
		}
		defer r.Close()
		stdinW = w
		go func(in io.Reader) {
			_, _ = io.Copy(w, in)
			w.Close()
		}(o.Stdin)
		cmd.Stdin = r
	}
	if err := cmd.Start(); err != nil {
		out.close()
		if stdinW != nil {
			stdinW.Close()
		}
		return -1, fail(ExitRunFailure, "exec: %w", err)
	}
	out.start()
	stopped, err := waitExec(ctx, cmd, &out, pidFile)
	if stopped {
		return -1, ctx.Err()
	}
	if msg := runtimeError(logPath); msg != "" {
		return execFailure(msg), nil
	}
	if status, ok := exitStatus(err); ok {
		return status, nil
	}
	return -1, fail(ExitRunFailure, "exec: %w", err)
}

// waitExec waits for the runtime's exec to exit and for its output to be
// read, or for ctx's end: the process is the container's, not the
// runtime's child, so it is killed by the PID the runtime wrote, with its
// process group and session (what it left running, which may hold the
// output), and the runtime, which waits for it, returns; the output is
// read no longer (a process that left the session may hold it still). A
// runtime that wrote no PID is stuck before the process started, and one
// still there execGrace after the kill waits for a process stuck in the
// kernel: they are killed. Once the runtime has exited, the process has
// been reaped and its PID may be another's: only what it left in its
// session is killed then. It returns whether ctx's end stopped the exec,
// and Wait's error.
func waitExec(ctx context.Context, cmd *exec.Cmd, out *execOutputs, pidFile string) (bool, error) {
	exited := make(chan struct{})
	ended := make(chan struct{})
	stopped := make(chan bool, 1)
	go func() {
		select {
		case <-ctx.Done():
			select {
			case <-exited:
				killLeftovers(pidFile)
			default:
				if !killExec(pidFile) {
					_ = cmd.Process.Kill()
				}
				go func() {
					select {
					case <-exited:
					case <-time.After(execGrace):
						_ = cmd.Process.Kill()
					}
				}()
			}
			out.abandon()
			stopped <- true
		case <-ended:
			stopped <- false
		}
	}()
	err := cmd.Wait()
	close(exited)
	out.wait()
	close(ended)
	return <-stopped, err
}

// execGrace is how long the runtime may take to return once the exec'd
// process was killed.
const execGrace = 2 * time.Second

// execFailure is the status for a process the runtime could not start,
// as podman exec's: 127 not found, 126 not executable, 125 otherwise.
func execFailure(msg string) int {
	execing := strings.Contains(msg, "exec")
	switch {
	case strings.Contains(msg, "executable file not found"), execing && strings.Contains(msg, "no such file or directory"):
		return ExitCommandNotFound
	case execing && strings.Contains(msg, "permission denied"):
		return ExitCannotExecute
	}
	return ExitRunFailure
}
