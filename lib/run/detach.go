package run

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ctr-project/ctr/lib/monitor"
)

// startDetached creates the container under ctr-monitor, which reports the
// PID on a sync pipe (conmon's protocol), then starts it.
func startDetached(o *Options, b *bundle) error {
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	args := []string{
		"--cid", b.id, "--runtime", o.Runtime, "--runtime-arg", "--root", "--runtime-arg", runtimeRoot(o.StateDir),
		"--bundle", b.dir, "--log-path", filepath.Join(b.dir, "ctr.log"), "--exit-dir", filepath.Dir(exitPath(o.StateDir, b.id)),
		// The monitor's PID, as podman keeps conmon's: a way to reach the
		// one process that supervises this container, with no name pattern.
		"--conmon-pidfile", filepath.Join(b.dir, monitor.MonitorPidfile),
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
	if len(o.CleanupCommand) > 0 {
		args = append(args, "--exit-command", o.CleanupCommand[0])
		for _, a := range append(o.CleanupCommand[1:], b.id) {
			args = append(args, "--exit-command-arg", a)
		}
	}
	cmd := exec.Command(o.Monitor, args...)
	cmd.ExtraFiles = []*os.File{w}
	cmd.Env = append(os.Environ(), "_OCI_SYNCPIPE=3")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, nil, os.Stderr
	err = cmd.Run() // returns once the monitor has detached
	w.Close()
	if err != nil {
		return fail(ExitRunFailure, "starting %s: %w", o.Monitor, err)
	}
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		return fail(ExitRunFailure, "%s reported nothing: %v", filepath.Base(o.Monitor), err)
	}
	var msg struct {
		Data    int    `json:"data"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal([]byte(line), &msg); err != nil {
		return fail(ExitRunFailure, "%s: bad sync message %q", filepath.Base(o.Monitor), strings.TrimSpace(line))
	}
	if msg.Data <= 0 {
		return fail(ExitRunFailure, "%s", msg.Message)
	}
	out, err := exec.Command(o.Runtime, "--root", runtimeRoot(o.StateDir), "start", b.id).CombinedOutput()
	if err != nil {
		return fail(ExitRunFailure, "starting the container: %s", strings.TrimSpace(string(out)))
	}
	return nil
}

// Cleanup is what the monitor runs when a detached container exits: the
// runtime forgets it, its rootfs is unmounted, and with remove it is
// deleted.
func (m *Manager) Cleanup(ref string, remove bool) error {
	c, err := m.Get(ref)
	if err != nil {
		return err
	}
	_ = m.runtime("delete", "--force", c.ID).Run()
	b := &bundle{store: m.Store, id: c.ID, dir: c.Bundle, mounted: true}
	if remove {
		return b.remove()
	}
	b.unmount()
	return nil
}
