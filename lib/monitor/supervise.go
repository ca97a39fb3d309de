package monitor

import (
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// sleep is time.Sleep; a variable so tests need not wait.
var sleep = time.Sleep

// TimedOut is the message of an exec session killed by its timeout.
const TimedOut = "command timed out"

// Supervise creates the container (or runs the exec session) with the
// runtime, reports its PID on Sync, logs its output in the CRI format and
// serves attach clients and control messages until it exits; then it
// records the exit status and runs the exit command. It returns the
// container's exit status.
func Supervise(cfg Config) (int, error) {
	cfg.setDefaults()
	// The container's init is reparented to us when the runtime exits.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return -1, report(cfg.Sync, -1, wrap("becoming a subreaper", err))
	}
	var log *LogWriter
	if !cfg.NoLog {
		maxFiles := 1
		if cfg.LogRotate {
			maxFiles = max(cfg.LogMaxFiles, 1) + 1
		}
		var err error
		if log, err = OpenLog(cfg.LogPath, cfg.LogSizeMax, maxFiles); err != nil {
			return -1, report(cfg.Sync, -1, err)
		}
		defer log.Close()
	}
	io, err := newStdio(&cfg)
	if err != nil {
		return -1, report(cfg.Sync, -1, err)
	}
	var att *attachServer
	var ctl *os.File
	if cfg.Bundle != "" {
		if att, err = listenAttach(&cfg); err != nil {
			return -1, report(cfg.Sync, -1, err)
		}
		defer att.close()
		if ctl, err = openCtl(cfg.Bundle); err != nil {
			return -1, report(cfg.Sync, -1, err)
		}
		defer ctl.Close()
		if cfg.AttachReady != nil {
			_ = report(cfg.AttachReady, 0, nil)
		}
	}
	events := openEventLog(&cfg)
	defer events.close()

	pid, err := runRuntime(&cfg, io)
	if err != nil {
		return -1, report(cfg.Sync, -1, err)
	}
	oom := newOOMCounter(pid)
	oomBefore := oom.kills()
	if err := report(cfg.Sync, pid, nil); err != nil {
		return -1, err
	}
	events.add("started", pid)
	trimResident()

	closeStdinOnEOF := cfg.Stdin && !cfg.LeaveStdinOpen
	if att != nil {
		att.acceptPending(io, closeStdinOnEOF)
	}
	// The pump blocks in epoll_wait; an eventfd in its set says the
	// container exited.
	wake, err := unix.Eventfd(0, unix.EFD_CLOEXEC)
	if err != nil {
		return -1, err
	}
	defer unix.Close(wake)
	pumped := make(chan struct{})
	go func() { io.pump(log, att, wake); close(pumped) }()
	if att != nil {
		go att.serve(io, closeStdinOnEOF)
		go serveCtl(ctl, io, log)
	}
	var timer *time.Timer
	timedOut := make(chan struct{})
	if cfg.Timeout > 0 {
		timer = time.AfterFunc(cfg.Timeout, func() {
			close(timedOut)
			// The whole process group: what it started goes too.
			if pgid, err := unix.Getpgid(pid); err == nil && pgid > 1 && pgid != unix.Getpgrp() {
				_ = unix.Kill(-pgid, unix.SIGKILL)
			}
			_ = unix.Kill(pid, unix.SIGKILL)
		})
	}

	status := reapUntil(pid)
	if timer != nil {
		timer.Stop()
	}
	// Read before the exit command can remove the cgroup.
	oomKilled := oom.kills() > oomBefore
	_, _ = unix.Write(wake, []byte{1, 0, 0, 0, 0, 0, 0, 0})
	<-pumped
	if log != nil {
		_ = log.Sync()
	}
	message := ""
	select {
	case <-timedOut:
		status, message = -1, TimedOut
	default:
	}
	if oomKilled {
		events.add("oom", 0)
	}
	if err := recordExit(&cfg, status, oomKilled); err != nil {
		return status, err
	}
	events.add("exited", status)
	if cfg.Exec && cfg.Sync != nil {
		_, _ = cfg.Sync.Write(syncLine(status, message))
	}
	if att != nil {
		att.close()
	}
	return status, runExitCommand(&cfg)
}
