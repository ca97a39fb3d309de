package run

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// runRuntime runs ctr-runtime in the foreground with our stdio, passing on
// SIGINT and SIGTERM, and returns the container's status.
func runRuntime(o *launch, b *bundle) (int, error) {
	logPath := filepath.Join(b.dir, "runtime.log")
	global := []string{"--root", runtimeRoot(o.StateDir), "--log", logPath, "--log-format", "json"}
	if o.CgroupManager == SystemdManager {
		global = append(global, "--systemd-cgroup")
	}
	cmd := exec.Command(o.Runtime, append(global, "run", "--bundle", b.dir, b.id)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if o.Stdout != nil {
		cmd.Stdout = o.Stdout
	}
	if !o.Interactive && !o.TTY {
		cmd.Stdin = nil // /dev/null, as podman without -i
	}
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return -1, fail(ExitRunFailure, "starting %s: %w", o.Runtime, err)
	}
	done := make(chan struct{})
	go func() {
		var kill *time.Timer
		defer func() {
			if kill != nil {
				kill.Stop()
			}
		}()
		for {
			select {
			case s := <-sigs:
				_ = cmd.Process.Signal(s)
				if o.KillAfter > 0 && kill == nil && (s == syscall.SIGINT || s == syscall.SIGTERM) {
					kill = time.AfterFunc(o.KillAfter, func() {
						_ = exec.Command(o.Runtime, "--root", runtimeRoot(o.StateDir), "kill", "--all", b.id, "KILL").Run()
					})
				}
			case <-done:
				return
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	// The runtime's own failures are in its log; the container's exit
	// status is not.
	if msg := runtimeError(logPath); msg != "" {
		return -1, fail(ExitRunFailure, "%s", msg)
	}
	if status, ok := exitStatus(err); ok {
		return status, nil
	}
	return -1, fail(ExitRunFailure, "%s: %w", o.Runtime, err)
}

// exitStatus is a finished command's status (128+N for signal N); false
// if the command did not run to an exit.
func exitStatus(err error) (int, bool) {
	if err == nil {
		return 0, true
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return -1, false
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal()), true
	}
	return ee.ExitCode(), true
}

// forceDelete has the runtime kill and forget the container id; one it
// does not know is no error.
func forceDelete(ctx context.Context, runtime, stateDir, id string) error {
	out, err := exec.CommandContext(ctx, runtime, "--root", runtimeRoot(stateDir), "delete", "--force", id).CombinedOutput()
	if err != nil && !strings.Contains(string(out), "does not exist") {
		return errors.New(strings.TrimSpace(string(out)))
	}
	return nil
}

// runtimeError returns the last error ctr-runtime logged, "" if none.
func runtimeError(logPath string) string {
	b, err := os.ReadFile(logPath)
	if err != nil {
		return ""
	}
	msg := ""
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var e struct{ Level, Msg string }
		if json.Unmarshal([]byte(line), &e) == nil && e.Level == "error" {
			msg = e.Msg
		}
	}
	return msg
}
