package monitor

import (
	"bufio"
	"encoding/binary"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// oomWatch tells whether the kernel's OOM killer killed a process in a
// container's memory cgroup: "oom_kill N" in memory.oom_control (cgroup
// v1) or memory.events (v2) went up since the watch began.
//
// On v2 the count is also followed while the container runs (the file
// says "modified" when it changes), because under systemd the container's
// scope, and the file with it, goes as soon as the last process exits:
// often before the monitor has reaped it and could read it. conmon follows
// the file the same way and loses the race now and then (conmon issue
// 426); when the file changed and was gone before it could be read, the
// parent's count, which counts its children's kills too and outlives
// them, says whether the kill that ended the container was the OOM
// killer's.
type oomWatch struct {
	file, parent string // "" when the cgroup could not be found
	before       int
	parentBefore int
	seen         atomic.Int64 // the highest count read
	lost         atomic.Bool  // the file changed and could not be read
	notify       *os.File     // inotify, nil when not followed
	done         chan struct{}
}

// watchOOM finds pid's memory cgroup and starts the watch. It must be
// called while pid runs: after it exits, /proc no longer says where it was.
func watchOOM(pid int) *oomWatch {
	return watchOOMFile(memoryEventsFile(pid))
}

func watchOOMFile(file string) *oomWatch {
	w := &oomWatch{file: file}
	if filepath.Base(file) == "memory.events" {
		w.parent = filepath.Join(filepath.Dir(filepath.Dir(file)), "memory.events")
		w.follow() // before the first read: no change falls between
	}
	w.before = max(readOOMKills(w.file), 0)
	w.parentBefore = readOOMKills(w.parent)
	w.seen.Store(int64(w.before))
	return w
}

// killed says whether the count went up for a container that ended with
// status; it stops the watch.
func (w *oomWatch) killed(status int) bool {
	now := readOOMKills(w.file)
	w.note(now)
	w.close()
	if w.seen.Load() > int64(w.before) {
		return true
	}
	// Gone after a change it could not be read for: only a SIGKILL can
	// have been the OOM killer's, and then the parent counted it.
	return now < 0 && w.lost.Load() && status == 128+int(unix.SIGKILL) &&
		w.parentBefore >= 0 && readOOMKills(w.parent) > w.parentBefore
}

func (w *oomWatch) close() {
	if w.notify != nil {
		w.notify.Close()
		<-w.done
		w.notify = nil
	}
}

// follow reads the count each time inotify says the file changed, until
// close. Non-blocking, so Go's poller owns it and Close ends the Read.
func (w *oomWatch) follow() {
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		return
	}
	if _, err := unix.InotifyAddWatch(fd, w.file, unix.IN_MODIFY); err != nil {
		unix.Close(fd)
		return
	}
	w.notify = os.NewFile(uintptr(fd), "inotify")
	w.done = make(chan struct{})
	go func() {
		defer close(w.done)
		buf := make([]byte, 4096)
		for {
			n, err := w.notify.Read(buf)
			if err != nil {
				return
			}
			if !modified(buf[:n]) {
				continue // the watch's end (IN_IGNORED)
			}
			if c := readOOMKills(w.file); c >= 0 {
				w.note(c)
			} else {
				w.lost.Store(true)
			}
		}
	}()
}

// modified says whether a read of inotify events holds an IN_MODIFY.
func modified(events []byte) bool {
	for len(events) >= unix.SizeofInotifyEvent {
		mask := binary.NativeEndian.Uint32(events[4:8])
		size := unix.SizeofInotifyEvent + int(binary.NativeEndian.Uint32(events[12:16]))
		if mask&unix.IN_MODIFY != 0 {
			return true
		}
		if size > len(events) {
			break
		}
		events = events[size:]
	}
	return false
}

// note keeps the highest count read.
func (w *oomWatch) note(n int) {
	for {
		old := w.seen.Load()
		if int64(n) <= old || w.seen.CompareAndSwap(old, int64(n)) {
			return
		}
	}
}

// readOOMKills returns the OOM kill count in file, -1 when unknown.
func readOOMKills(file string) int {
	if file == "" {
		return -1
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "oom_kill "); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				return -1
			}
			return n
		}
	}
	return -1
}

// memoryEventsFile is the file that counts OOM kills in pid's memory
// cgroup, "" when it has none.
func memoryEventsFile(pid int) string {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		return ""
	}
	defer f.Close()
	v2 := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			if c == "memory" {
				return filepath.Join("/sys/fs/cgroup/memory", parts[2], "memory.oom_control")
			}
		}
		if parts[0] == "0" && parts[1] == "" {
			v2 = filepath.Join("/sys/fs/cgroup", parts[2], "memory.events")
		}
	}
	if v2 != "" {
		if _, err := os.Stat(v2); err == nil {
			return v2
		}
	}
	return ""
}
