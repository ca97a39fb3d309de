package oci

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/opencontainers/cgroups"
)

// primeCgroupAttach makes the kernel start, in the background, the wait
// that the container's first cgroup join would otherwise pay in line.
//
// Moving a process into a cgroup by writing its PID to cgroup.procs takes
// the kernel's global cgroup_threadgroup_rwsem for writing. Unless the
// hierarchy is mounted with favordynmods, that first waits for an RCU grace
// period (rcu_sync_enter), and the lock stays cheap for about one more
// grace period after it is released. libcontainer joins the container's
// init to its cgroups with such writes, from this process, while the init
// sits blocked waiting for them: measured here, the first write of a start
// took 8-9 ms of a 55 ms `run` (the next ones a few µs).
//
// So at the start of create, run and exec, one goroutine moves this
// process into the cgroup it is already in (a no-op for the process, but
// the same lock) while the config is read and converted and the init is
// executed; libcontainer's first write comes ~10 ms later, within the
// grace period that follows, and finds the lock cheap. Errors (no
// permission, no cgroup file) are ignored: then nothing is gained, and
// nothing else changes. (Were this process moved elsewhere by someone else
// between reading /proc/self/cgroup and writing, the write would move it
// back; the window is microseconds and only the runtime itself is
// concerned, never the container.)
func primeCgroupAttach() {
	go func() { _ = moveToOwnCgroup() }()
	// Where the main goroutine has the only free P, the new one would
	// wait for it to block; let it reach its write now.
	runtime.Gosched()
}

// moveToOwnCgroup writes this process's PID to the cgroup.procs of a
// cgroup it is in.
func moveToOwnCgroup() error {
	dir := ownCgroupDir()
	if dir == "" {
		return errors.New("no cgroup of this process found")
	}
	return cgroups.WriteCgroupProc(dir, os.Getpid())
}

// ownCgroupDir is the directory of one cgroup this process is in, on a
// mounted hierarchy, or "" if none can be found.
func ownCgroupDir() string {
	own, err := cgroups.ParseCgroupFile("/proc/self/cgroup")
	if err != nil {
		return ""
	}
	if cgroups.IsCgroup2UnifiedMode() {
		if p, ok := own[""]; ok {
			return filepath.Join("/sys/fs/cgroup", p)
		}
		return ""
	}
	subs := make([]string, 0, len(own))
	for s := range own {
		if s != "" && !strings.HasPrefix(s, "name=") {
			subs = append(subs, s)
		}
	}
	sort.Strings(subs)
	for _, s := range subs {
		if dir, err := cgroups.GetOwnCgroupPath(s); err == nil {
			return dir
		}
	}
	return ""
}
