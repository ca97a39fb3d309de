package monitor

import (
	"cmp"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Config describes the container (or exec session) a monitor supervises.
// The fields follow conmon's options.
type Config struct {
	ID          string // the container
	UUID        string // names the attach socket's link in SocketDir (default: ID)
	Runtime     string // an OCI runtime with runc's command line
	RuntimeArgs []string
	RuntimeOpts []string // after the verb
	Bundle      string   // holds the attach socket, ctl FIFO, events
	PidFile     string   // the container's PID (default: BUNDLE/pidfile)

	LogPath     string // CRI log (default: BUNDLE/ctr.log); see NoLog
	NoLog       bool
	LogSizeMax  int64 // <= 0: no limit
	LogRotate   bool  // at LogSizeMax rotate (keeping LogMaxFiles old logs) instead of truncating
	LogMaxFiles int

	ExitDir     string // the exit file is EXITDIR/ID
	PersistDir  string // PERSISTDIR/exit and PERSISTDIR/oom
	ExitCommand string
	ExitArgs    []string
	ExitDelay   time.Duration

	Terminal       bool // a pty, from the runtime over a console socket
	Stdin          bool // keep a pipe to the container's stdin for attach clients
	LeaveStdinOpen bool // an attach client leaving does not close stdin

	Exec         bool   // run ExecProcess in the running container ID
	ExecProcess  string // a runtime-spec process JSON file
	Timeout      time.Duration
	NoPivot      bool
	NoNewKeyring bool

	// Inherit runs the container in the foreground with the monitor's own
	// stdio (no log, no attach); the exit status follows the PID on Sync,
	// and the exit command runs only if that write fails (the caller died).
	Inherit bool

	FullAttach bool   // bind the attach socket in the bundle, however long its path
	SocketDir  string // else a link SOCKETDIR/UUID → BUNDLE keeps the path short

	// Sync receives one JSON line once the container is created,
	// {"data":PID} or {"data":-1,"message":"…"}, and for an exec session a
	// second with its exit status (conmon's protocol).
	Sync io.Writer
	// Start, when set, is read before the exec'd process starts, so the
	// caller can attach first (conmon's start pipe with --exec-attach).
	Start *os.File
	// AttachReady receives {"data":0} once the attach socket listens.
	AttachReady io.Writer
	// Events, when set, receives the events also kept in BUNDLE/events,
	// as JSON lines.
	Events io.Writer
	// Held are files the caller gave the monitor to hold while the
	// container runs (the sockets on its published host ports, which keep
	// them taken); they are closed as soon as it has exited.
	Held []*os.File
}

// releaseHeld closes Held: the container has exited.
func (c *Config) releaseHeld() {
	for _, f := range c.Held {
		f.Close()
	}
	c.Held = nil
}

func (c *Config) setDefaults() {
	c.PidFile = cmp.Or(c.PidFile, c.Bundle+"/pidfile")
	c.LogPath = cmp.Or(c.LogPath, c.Bundle+"/ctr.log")
	c.UUID = cmp.Or(c.UUID, c.ID)
	c.SocketDir = cmp.Or(c.SocketDir, "/run/ctr/socket")
}

// HeldEnv names the fds (comma-separated) a caller gives the monitor to
// hold while the container runs (Config.Held): ctr-run's sockets on the
// container's published host ports, which keep them taken (podman's
// conmon holds its caller's the same way).
const HeldEnv = "_CTR_HELD_FDS"

// PassHeld gives the process cmd starts the files to hold: after its
// other ExtraFiles, named in HeldEnv.
func PassHeld(cmd *exec.Cmd, held []*os.File) {
	if len(held) == 0 {
		return
	}
	fds := make([]string, len(held))
	for i, f := range held {
		cmd.ExtraFiles = append(cmd.ExtraFiles, f)
		fds[i] = strconv.Itoa(2 + len(cmd.ExtraFiles))
	}
	cmd.Env = append(cmd.Env, HeldEnv+"="+strings.Join(fds, ","))
}

// HeldFromEnv is the files HeldEnv names, each close-on-exec: neither the
// runtime nor the container gets them.
func HeldFromEnv() []*os.File {
	var out []*os.File
	for _, s := range strings.Split(os.Getenv(HeldEnv), ",") {
		n, err := strconv.Atoi(s)
		if err != nil || n < 3 {
			continue
		}
		syscall.CloseOnExec(n)
		out = append(out, os.NewFile(uintptr(n), "held"))
	}
	return out
}
