package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ctr-project/ctr/lib/monitor"
)

// daemonEnv marks the detached copy of the monitor.
const daemonEnv = "_CTR_MONITOR_DAEMON"

// globals are the top-level options: conmon's, and --runroot for the
// subcommands.
type globals struct {
	cfg                              monitor.Config
	apiVersion, logLevel, monitorPid string
	logPaths, allowDirs              []string
	exitDelay, timeout, logSizeMax   int64
	logMaxFiles                      int64
	systemdCgroup, sync, json        bool
	execAttach                       bool
	version, help                    bool
	runroot, root                    string
}

func (g *globals) options() []option {
	c := &g.cfg
	refuse := func(what string) func(string) error {
		return func(string) error { return errors.New(what + " is not supported") }
	}
	return []option{
		{long: "cid", short: 'c', arg: "ID", usage: "the container's ID (required)", set: str(&c.ID)},
		{long: "cuuid", short: 'u', arg: "UUID", usage: "names the attach socket's link in --socket-dir-path (default: the ID)", set: str(&c.UUID)},
		{long: "runtime", short: 'r', arg: "PATH", usage: "OCI runtime with runc's command line (required)", set: str(&c.Runtime)},
		{long: "runtime-arg", arg: "ARG", usage: "a global runtime argument, before the verb (repeatable)", set: list(&c.RuntimeArgs)},
		{long: "runtime-opt", arg: "ARG", usage: "a runtime argument after the verb (repeatable)", set: list(&c.RuntimeOpts)},
		{long: "bundle", short: 'b', arg: "DIR", usage: "the OCI bundle; also holds the attach socket, ctl FIFO and events (required)", set: str(&c.Bundle)},
		{long: "container-pidfile", short: 'p', arg: "FILE", usage: "the runtime writes the container's PID to FILE (default: BUNDLE/pidfile)", set: str(&c.PidFile)},
		{long: "pidfile", arg: "FILE", hidden: true, set: str(&c.PidFile)},
		{long: "conmon-pidfile", short: 'P', arg: "FILE", usage: "write the monitor's PID to FILE", set: str(&g.monitorPid)},
		{long: "log-path", short: 'l', arg: "[k8s-file:]FILE", usage: "the CRI log (default: BUNDLE/ctr.log); none: no log", set: list(&g.logPaths)},
		{long: "log-size-max", arg: "BYTES", usage: "truncate (or with --log-rotate rotate) the log at BYTES", set: integer(&g.logSizeMax)},
		{long: "log-rotate", usage: "rotate the log at --log-size-max instead of truncating it", set: flag(&c.LogRotate)},
		{long: "log-max-files", arg: "N", usage: "old logs kept when rotating (default 1, at most 100)", set: integer(&g.logMaxFiles)},
		{long: "log-allowlist-dir", arg: "DIR", usage: "the log must be inside DIR (repeatable)", set: list(&g.allowDirs)},
		{long: "log-tag", arg: "TAG", usage: "journald only; accepted and ignored", set: ignore},
		{long: "log-label", arg: "LABEL=VALUE", usage: "journald only; accepted and ignored", set: ignore},
		{long: "log-level", arg: "LEVEL", usage: "accepted for conmon's callers; errors go to the sync pipe", set: str(&g.logLevel)},
		{long: "no-sync-log", usage: "do not fsync the log after the container exits", set: ignore},
		{long: "exit-dir", arg: "DIR", usage: "write the exit status to DIR/ID", set: str(&c.ExitDir)},
		{long: "persist-dir", short: '0', arg: "DIR", usage: "write the exit status to DIR/exit (and DIR/oom after an OOM kill)", set: str(&c.PersistDir)},
		{long: "exit-command", arg: "PATH", usage: "run PATH after the container exits", set: str(&c.ExitCommand)},
		{long: "exit-command-arg", arg: "ARG", usage: "an argument of the exit command (repeatable)", set: list(&c.ExitArgs)},
		{long: "exit-delay", arg: "SECONDS", usage: "wait SECONDS before the exit command", set: integer(&g.exitDelay)},
		{long: "terminal", short: 't', usage: "give the container a pty (through a console socket)", set: flag(&c.Terminal)},
		{long: "stdin", short: 'i', usage: "keep the container's stdin open for attach clients", set: flag(&c.Stdin)},
		{long: "leave-stdin-open", usage: "an attach client leaving does not close stdin", set: flag(&c.LeaveStdinOpen)},
		{long: "exec", short: 'e', usage: "run --exec-process-spec in the running container --cid", set: flag(&c.Exec)},
		{long: "exec-process-spec", arg: "FILE", usage: "the process (runtime-spec JSON) to exec", set: str(&c.ExecProcess)},
		{long: "exec-attach", usage: "with --exec: tell the caller when the attach socket listens, wait for its start message", set: flag(&g.execAttach)},
		{long: "timeout", short: 'T', arg: "SECONDS", usage: "kill the process (group) after SECONDS; exec reports \"" + monitor.TimedOut + "\"", set: integer(&g.timeout)},
		{long: "full-attach", usage: "bind the attach socket in the bundle whatever its length", set: flag(&c.FullAttach)},
		{long: "socket-dir-path", arg: "DIR", usage: "where links to long bundle paths go (default /run/ctr/socket)", set: str(&c.SocketDir)},
		{long: "name", short: 'n', arg: "NAME", usage: "the container's name (journald only; accepted)", set: ignore},
		{long: "api-version", arg: "", numeric: true, usage: "conmon API version (1: the exec PID is reported too)", set: str(&g.apiVersion)},
		{long: "no-pivot", usage: "passed to the runtime's create", set: flag(&c.NoPivot)},
		{long: "no-new-keyring", usage: "passed to the runtime's create", set: flag(&c.NoNewKeyring)},
		{long: "systemd-cgroup", short: 's', usage: "passed to the runtime (--systemd-cgroup)", set: flag(&g.systemdCgroup)},
		{long: "syslog", usage: "accepted; a detached monitor reports errors on the sync pipe", set: ignore},
		{long: "sync", usage: "stay in the foreground instead of detaching", set: flag(&g.sync)},
		{long: "inherit-stdio", usage: "with --sync: the runtime's run, on the monitor's own stdin, stdout and stderr (no log, no attach); the exit status follows the PID on the sync pipe, and the exit command runs only if no caller holds that pipe any more; with _OCI_STARTPIPE the runtime's create, then its start once the caller writes to that pipe (\"started\": the caller started it; closed without a write: the container is removed unstarted)", set: flag(&c.Inherit)},
		{long: "json", usage: "with --sync: print events (started, oom, exited) as JSON lines on stdout", set: flag(&g.json)},
		{long: "restore", arg: "DIR", usage: "checkpoint restore: not supported", set: refuse("checkpoint restore")},
		{long: "replace-listen-pid", usage: "socket activation: not supported", set: refuse("--replace-listen-pid")},
		{long: "sdnotify-socket", arg: "PATH", usage: "sd-notify relay: not supported", set: refuse("--sdnotify-socket")},
		{long: "log-global-size-max", arg: "BYTES", usage: "not supported", set: refuse("--log-global-size-max")},
		{long: "root", arg: "DIR", usage: "storage root whose ctr/ keeps ctr-run's containers' logs and exit codes (commands; default /var/lib/containers/storage)", set: str(&g.root)},
		{long: "runroot", arg: "DIR", usage: "storage run root whose ctr/ holds ctr-run's containers (commands; default /run/containers/storage)", set: str(&g.runroot)},
		{long: "version", usage: "print the version (conmon's, then ctr-monitor's)", set: flag(&g.version)},
		{long: "help", short: 'h', usage: "show this help", set: flag(&g.help)},
	}
}

// maxLogFiles bounds --log-max-files (ctr-run's max-file is bounded the same).
const maxLogFiles = 100

// supervise is conmon's job. Unless --sync, the monitor detaches first:
// it starts itself again in a new session and returns, writing the
// detached copy's PID to --conmon-pidfile; the caller learns the rest
// from the sync pipe.
func supervise(g *globals) int {
	c := &g.cfg
	if c.ID == "" || c.Runtime == "" || (c.Bundle == "" && !c.Exec) {
		return fail(usagef("--cid, --runtime and --bundle are required (see --help)"))
	}
	if c.Exec && c.ExecProcess == "" {
		return fail(usagef("--exec needs --exec-process-spec"))
	}
	if c.Inherit && (!g.sync || c.Exec || c.Terminal || c.Stdin) {
		return fail(usagef("--inherit-stdio needs --sync, and takes no --exec, --terminal or --stdin (the caller's stdio is the container's)"))
	}
	if err := g.logOptions(); err != nil {
		return fail(err)
	}
	c.ExitDelay = time.Duration(g.exitDelay) * time.Second
	c.Timeout = time.Duration(g.timeout) * time.Second
	if g.systemdCgroup {
		c.RuntimeArgs = append([]string{"--systemd-cgroup"}, c.RuntimeArgs...)
	}
	syncPipe, startPipe, attachPipe := pipeFromEnv("_OCI_SYNCPIPE"), pipeFromEnv("_OCI_STARTPIPE"), pipeFromEnv("_OCI_ATTACHPIPE")
	held := monitor.HeldFromEnv()
	if g.execAttach && attachPipe == nil {
		return fail(usagef("--exec-attach needs _OCI_ATTACHPIPE"))
	}
	if !g.sync && os.Getenv(daemonEnv) == "" {
		if startPipe != nil {
			// The caller says go once it has put us in the right cgroup.
			buf := make([]byte, 64)
			if _, err := startPipe.Read(buf); err != nil {
				return fail(errors.New("reading the start pipe: " + err.Error()))
			}
			if !g.execAttach {
				startPipe.Close()
				startPipe = nil
			}
		}
		if err := detach(g.monitorPid, syncPipe, startPipe, attachPipe, held); err != nil {
			return fail(err)
		}
		return 0
	}
	for _, v := range []string{daemonEnv, "_OCI_SYNCPIPE", "_OCI_STARTPIPE", "_OCI_ATTACHPIPE", monitor.HeldEnv} {
		os.Unsetenv(v)
	}
	if g.sync && g.monitorPid != "" {
		if err := os.WriteFile(g.monitorPid, []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
			return fail(err)
		}
	}
	if syncPipe != nil {
		c.Sync = syncPipe
		defer syncPipe.Close()
	}
	if g.execAttach {
		c.AttachReady, c.Start = attachPipe, startPipe
	}
	if c.Inherit {
		c.Start = startPipe // create, then start when the caller says
	}
	if g.json {
		c.Events = os.Stdout
	}
	c.Held = held
	// One thread runs Go code: a monitor mostly waits, and under a flood
	// of output more threads only add wake-ups and context switches
	// (measured: bench/monitor.sh).
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
	if _, err := monitor.Supervise(*c); err != nil {
		if c.Inherit && c.Sync != nil {
			// Said on the sync pipe; the caller prints it, once.
			return 1
		}
		return fail(err)
	}
	return 0
}

// logOptions turns -l and the size options into the Config.
func (g *globals) logOptions() error {
	c := &g.cfg
	for _, p := range g.logPaths {
		switch {
		case p == "none" || p == "off" || p == "null":
			c.NoLog = true
		case strings.HasPrefix(p, "k8s-file:"):
			c.LogPath, c.NoLog = strings.TrimPrefix(p, "k8s-file:"), false
		case p == "journald" || strings.HasPrefix(p, "journald:"):
			return usagef("--log-path journald: not supported (k8s-file or none)")
		case p == "passthrough":
			return usagef("--log-path passthrough: not supported (k8s-file or none)")
		default:
			c.LogPath, c.NoLog = p, false
		}
	}
	if c.LogPath != "" && len(g.allowDirs) > 0 {
		// Checked where the path really leads: its directory resolved,
		// its last name no symbolic link (and opened without following
		// one, lib/monitor), every allowed directory resolved too.
		dir, err := filepath.EvalSymlinks(filepath.Dir(c.LogPath))
		if err != nil {
			return usagef("--log-path ", c.LogPath, ": ", err.Error())
		}
		resolved := filepath.Join(dir, filepath.Base(c.LogPath))
		if st, err := os.Lstat(resolved); err == nil && st.Mode()&os.ModeSymlink != 0 {
			return usagef("--log-path ", c.LogPath, " is a symbolic link")
		}
		ok := false
		for _, d := range g.allowDirs {
			if rd, err := filepath.EvalSymlinks(d); err == nil {
				if rel, err := relPath(rd, resolved); err == nil && rel {
					ok = true
				}
			}
		}
		if !ok {
			return usagef("--log-path ", c.LogPath, " is outside the --log-allowlist-dir directories")
		}
		c.LogPath = resolved
	}
	c.LogSizeMax = g.logSizeMax
	c.LogMaxFiles = 1
	if g.logMaxFiles > maxLogFiles {
		// Each rotation renames every kept file: a huge count spins.
		return usagef("--log-max-files ", strconv.FormatInt(g.logMaxFiles, 10), ": at most ", strconv.Itoa(maxLogFiles))
	}
	if g.logMaxFiles > 0 {
		c.LogMaxFiles = int(g.logMaxFiles)
	}
	return nil
}

// pipeFromEnv is the caller's pipe whose fd number is in the variable.
func pipeFromEnv(name string) *os.File {
	n, err := strconv.Atoi(os.Getenv(name))
	if err != nil || n < 3 {
		return nil
	}
	return os.NewFile(uintptr(n), name)
}

// detach starts this same command again in a new session, away from the
// caller's terminal and process group, with the caller's pipes as fds 3,
// 4 and 5 (and the fds to hold after them), and writes its PID to pidFile.
func detach(pidFile string, syncPipe, startPipe, attachPipe *os.File, held []*os.File) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(self, os.Args[1:]...)
	cmd.Env = append(os.Environ(), daemonEnv+"=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	for _, p := range []struct {
		f   *os.File
		env string
	}{{syncPipe, "_OCI_SYNCPIPE"}, {startPipe, "_OCI_STARTPIPE"}, {attachPipe, "_OCI_ATTACHPIPE"}} {
		if p.f == nil {
			cmd.Env = append(cmd.Env, p.env+"=")
			continue
		}
		cmd.ExtraFiles = append(cmd.ExtraFiles, p.f)
		cmd.Env = append(cmd.Env, p.env+"="+strconv.Itoa(2+len(cmd.ExtraFiles)))
	}
	cmd.Env = append(cmd.Env, monitor.HeldEnv+"=")
	monitor.PassHeld(cmd, held)
	if err := cmd.Start(); err != nil {
		return errors.New("detaching: " + err.Error())
	}
	if pidFile != "" {
		if err := os.WriteFile(pidFile, []byte(strconv.Itoa(cmd.Process.Pid)), 0o644); err != nil {
			return err
		}
	}
	return cmd.Process.Release()
}
