package run

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Why read the runtime's state file: ps, pod ls and the CRI's lists ask
// for every container's state, and a runtime run per container made a
// list of N containers cost N processes (a CRI listing 40 containers 20
// times at once, 800). ctr-runtime (and runc: the same libcontainer)
// keeps a container's state in ROOT/ID/state.json; its status follows
// from it as the runtime's own "state" decides it: the init process
// alive (its PID with the start time recorded), and then created while
// the exec FIFO waits, paused while the freezer holds it, else running.

// libcontainerState is the part of state.json read here.
type libcontainerState struct {
	ID         string            `json:"id"`
	InitPID    int               `json:"init_process_pid"`
	InitStart  uint64            `json:"init_process_start"`
	Created    time.Time         `json:"created"`
	CgroupPath map[string]string `json:"cgroup_paths"`
}

// errNoState: the runtime has no state for the container.
var errNoState = errors.New("the runtime has no state for it")

// fileState reads a container's state from the runtime's state file; ok
// is false when the file is not libcontainer's (another runtime's): the
// runtime's "state" is asked then.
func fileState(root, id string) (st *specs.State, ok bool, err error) {
	ls, err := readStateFile(filepath.Join(root, id, "state.json"))
	if errors.Is(err, fs.ErrNotExist) {
		if _, derr := os.Stat(filepath.Join(root, id)); errors.Is(derr, fs.ErrNotExist) {
			return nil, true, errNoState
		}
		return nil, false, nil // a runtime that keeps no state.json
	}
	if err != nil || ls.InitPID <= 0 || ls.InitStart == 0 {
		return nil, false, nil //nolint:nilerr // unreadable or not libcontainer's: the runtime is asked
	}
	st = &specs.State{Version: specs.Version, ID: id, Status: specs.StateStopped}
	if !processStarted(ls.InitPID, ls.InitStart) {
		return st, true, nil
	}
	st.Pid = ls.InitPID
	switch {
	case exists(filepath.Join(root, id, "exec.fifo")):
		st.Status = specs.StateCreated
	case frozen(ls.CgroupPath):
		st.Status = "paused" // runc's word; the OCI has none
	default:
		st.Status = specs.StateRunning
	}
	return st, true, nil
}

// stateFiles keeps what was read of each state.json, keyed by its path,
// for as long as the file is the same (inode, size, modification time:
// libcontainer replaces it by a rename when it changes). A state.json
// holds the container's whole configuration, and its parse was most of a
// long-running ctr-cri's CPU time, once per container per list; the
// fields read here change only when the file does.
var stateFiles = struct {
	sync.Mutex
	m map[string]stateFile
}{m: map[string]stateFile{}}

type stateFile struct {
	ino, size uint64
	mtime     int64
	state     libcontainerState
}

// maxStateFiles bounds the cache: past it, it starts again (the entries
// of containers removed long ago go with the rest).
const maxStateFiles = 4096

// readStateFile reads the fields of libcontainerState from a state file,
// parsing it only when it changed since the last read.
func readStateFile(path string) (libcontainerState, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return libcontainerState{}, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	key := stateFile{ino: st.Ino, size: uint64(st.Size), mtime: st.Mtim.Nano()}
	stateFiles.Lock()
	got, ok := stateFiles.m[path]
	stateFiles.Unlock()
	if ok && got.ino == key.ino && got.size == key.size && got.mtime == key.mtime {
		return got.state, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return libcontainerState{}, err
	}
	if err := json.Unmarshal(data, &key.state); err != nil {
		return libcontainerState{}, err
	}
	stateFiles.Lock()
	if len(stateFiles.m) >= maxStateFiles {
		clear(stateFiles.m)
	}
	stateFiles.m[path] = key
	stateFiles.Unlock()
	return key.state, nil
}

// processStarted says whether pid is the process that started at start
// (clock ticks after boot, /proc/PID/stat's 22nd field): not a PID reused.
func processStarted(pid int, start uint64) bool {
	f, ok := liveProcStat(pid)
	if !ok {
		return false
	}
	got, err := strconv.ParseUint(f[19], 10, 64)
	return err == nil && got == start
}

// liveProcStat is /proc/PID/stat's fields after the command name (state
// first, then ppid, pgrp, session…; the start time is f[19]), for a
// process that has not ended: ok is false for a zombie or none.
func liveProcStat(pid int) ([]string, bool) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil, false
	}
	// The command name, in parentheses, may hold spaces: the fields
	// counted come after its closing one.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 || f[0] == "Z" || f[0] == "X" {
		return nil, false // a zombie has ended
	}
	return f, true
}

// frozen says whether the container's freezer holds it (v1's freezer
// hierarchy, or v2's cgroup.freeze).
func frozen(paths map[string]string) bool {
	if p := paths["freezer"]; p != "" {
		b, err := os.ReadFile(filepath.Join(p, "freezer.state"))
		return err == nil && strings.TrimSpace(string(b)) == "FROZEN"
	}
	if p := paths[""]; p != "" {
		b, err := os.ReadFile(filepath.Join(p, "cgroup.freeze"))
		return err == nil && strings.TrimSpace(string(b)) == "1"
	}
	return false
}
