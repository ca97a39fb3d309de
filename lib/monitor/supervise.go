package monitor

import (
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ctr-project/ctr/lib/resident"
)

// settleTrim is when a monitor trims its resident program a second time.
const settleTrim = 2 * time.Second

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
	if cfg.Inherit {
		return superviseInherited(cfg)
	}
	// The container's init is reparented to us when the runtime exits.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return -1, report(cfg.Sync, -1, wrap("becoming a subreaper", err))
	}
	ep, err := openEndpoints(&cfg)
	if err != nil {
		return -1, report(cfg.Sync, -1, err)
	}
	defer ep.close()
	if cfg.Bundle != "" && !cfg.Exec {
		// A removal that failed half-way told the last run's monitor to
		// skip its exit command; this run's is to be run.
		_ = os.Remove(filepath.Join(cfg.Bundle, skipExitFile))
	}

	pid, err := runRuntime(&cfg, ep.io)
	if err != nil {
		return -1, report(cfg.Sync, -1, err)
	}
	oom := watchOOM(pid)
	defer oom.close()
	if err := report(cfg.Sync, pid, nil); err != nil {
		return -1, err
	}
	ep.events.add("started", pid)
	resident.Trim()
	// Again once settled: what the start ran after the first trim (the
	// pump's and the attach socket's set-up, the OOM watch) goes too.
	settled := time.AfterFunc(settleTrim, resident.Trim)
	defer settled.Stop()

	closeStdinOnEOF := cfg.Stdin && !cfg.LeaveStdinOpen
	if ep.att != nil {
		ep.att.acceptPending(ep.io, closeStdinOnEOF)
	}
	// The pump blocks in epoll_wait; an eventfd in its set says the
	// container exited.
	wake, err := unix.Eventfd(0, unix.EFD_CLOEXEC)
	if err != nil {
		return -1, err
	}
	defer unix.Close(wake)
	pumped := make(chan struct{})
	go func() { ep.io.pump(ep.log, ep.att, wake); close(pumped) }()
	if ep.att != nil {
		go ep.att.serve(ep.io, closeStdinOnEOF)
		go serveCtl(ep.ctl, ep.io, ep.log)
	}
	timedOut, stopTimer := killAfter(cfg.Timeout, pid)

	status := reapUntil(pid)
	stopTimer()
	// Read before the exit command can remove the cgroup.
	oomKilled := oom.killed(status)
	_, _ = unix.Write(wake, []byte{1, 0, 0, 0, 0, 0, 0, 0})
	<-pumped
	if ep.log != nil {
		_ = ep.log.Sync()
	}
	message := ""
	select {
	case <-timedOut:
		status, message = -1, TimedOut
	default:
	}
	if oomKilled {
		ep.events.add("oom", 0)
	}
	if err := recordExit(&cfg, status, oomKilled); err != nil {
		return status, err
	}
	ep.events.add("exited", status)
	if cfg.Exec && cfg.Sync != nil {
		_, _ = cfg.Sync.Write(syncLine(status, message))
	}
	if ep.att != nil {
		ep.att.close()
	}
	return status, runExitCommand(&cfg)
}

// endpoints are what the monitor opens before the container starts: the
// log, the container's stdio, the attach socket and control FIFO (with a
// bundle), the event log.
type endpoints struct {
	log    *LogWriter
	io     *stdio
	att    *attachServer
	ctl    *os.File
	events *eventLog
}

func openEndpoints(cfg *Config) (_ *endpoints, retErr error) {
	ep := &endpoints{}
	defer func() {
		if retErr != nil {
			ep.close()
		}
	}()
	if !cfg.NoLog {
		maxFiles := 1
		if cfg.LogRotate {
			maxFiles = max(cfg.LogMaxFiles, 1) + 1
		}
		var err error
		if ep.log, err = OpenLog(cfg.LogPath, cfg.LogSizeMax, maxFiles); err != nil {
			return nil, err
		}
	}
	var err error
	if ep.io, err = newStdio(cfg); err != nil {
		return nil, err
	}
	if cfg.Bundle != "" {
		if ep.att, err = listenAttach(cfg); err != nil {
			return nil, err
		}
		if ep.ctl, err = openCtl(cfg.Bundle); err != nil {
			return nil, err
		}
		if cfg.AttachReady != nil {
			_ = report(cfg.AttachReady, 0, nil)
		}
	}
	ep.events = openEventLog(cfg)
	return ep, nil
}

// close releases what openEndpoints opened; the stdio pipes are the
// pump's and the runtime's to close.
func (ep *endpoints) close() {
	if ep.events != nil {
		ep.events.close()
	}
	if ep.ctl != nil {
		ep.ctl.Close()
	}
	if ep.att != nil {
		ep.att.close()
	}
	if ep.log != nil {
		ep.log.Close()
	}
}

// killAfter kills the container's process group, and the process, once
// timeout has passed (none: never); timedOut is closed when it did. stop
// ends the wait.
func killAfter(timeout time.Duration, pid int) (timedOut <-chan struct{}, stop func()) {
	done := make(chan struct{})
	if timeout <= 0 {
		return done, func() {}
	}
	timer := time.AfterFunc(timeout, func() {
		close(done)
		// The whole process group: what it started goes too.
		if pgid, err := unix.Getpgid(pid); err == nil && pgid > 1 && pgid != unix.Getpgrp() {
			_ = unix.Kill(-pgid, unix.SIGKILL)
		}
		_ = unix.Kill(pid, unix.SIGKILL)
	})
	return done, func() { timer.Stop() }
}
