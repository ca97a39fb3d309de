package run

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
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
	data, err := os.ReadFile(filepath.Join(root, id, "state.json"))
	if errors.Is(err, fs.ErrNotExist) {
		if _, derr := os.Stat(filepath.Join(root, id)); errors.Is(derr, fs.ErrNotExist) {
			return nil, true, errNoState
		}
		return nil, false, nil // a runtime that keeps no state.json
	}
	if err != nil {
		return nil, false, nil
	}
	var ls libcontainerState
	if json.Unmarshal(data, &ls) != nil || ls.InitPID <= 0 || ls.InitStart == 0 {
		return nil, false, nil
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

// processStarted says whether pid is the process that started at start
// (clock ticks after boot, /proc/PID/stat's 22nd field): not a PID reused.
func processStarted(pid int, start uint64) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The command name, in parentheses, may hold spaces: the fields
	// counted come after its closing one.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return false
	}
	f := strings.Fields(s[i+1:])
	// After ")": state is field 3, so start time (22) is f[19].
	if len(f) < 20 {
		return false
	}
	if f[0] == "Z" || f[0] == "X" {
		return false // a zombie has ended
	}
	got, err := strconv.ParseUint(f[19], 10, 64)
	return err == nil && got == start
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
