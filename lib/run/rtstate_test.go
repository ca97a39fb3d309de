package run

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// ownStart is this process's start time, from /proc/self/stat.
func ownStart(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	return strings.Fields(s[strings.LastIndexByte(s, ')')+1:])[19]
}

func writeState(t *testing.T, root, id, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(root, id), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, id, "state.json"), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestFileState(t *testing.T) {
	root := t.TempDir()
	pid := os.Getpid()
	writeState(t, root, "live", fmt.Sprintf(`{"init_process_pid": %d, "init_process_start": %s}`, pid, ownStart(t)))
	writeState(t, root, "reused", fmt.Sprintf(`{"init_process_pid": %d, "init_process_start": 1}`, pid))
	writeState(t, root, "waiting", fmt.Sprintf(`{"init_process_pid": %d, "init_process_start": %s}`, pid, ownStart(t)))
	if err := os.WriteFile(filepath.Join(root, "waiting", "exec.fifo"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	writeState(t, root, "other", `{"status": "running"}`)
	for _, c := range []struct {
		id     string
		status specs.ContainerState
		ok     bool
		err    error
	}{
		{"live", specs.StateRunning, true, nil},
		{"reused", specs.StateStopped, true, nil}, // the PID is another process now
		{"waiting", specs.StateCreated, true, nil},
		{"other", "", false, nil}, // not libcontainer's: ask the runtime
		{"gone", "", true, errNoState},
	} {
		st, ok, err := fileState(root, c.id)
		if ok != c.ok || !errors.Is(err, c.err) {
			t.Fatalf("%s: ok %v err %v, want %v %v", c.id, ok, err, c.ok, c.err)
		}
		if c.status != "" && (st == nil || st.Status != c.status) {
			t.Fatalf("%s: state %+v, want %s", c.id, st, c.status)
		}
	}
}

// TestStateFileReadAgainWhenReplaced: the cache gives what was read while
// the file is the same, and reads a file replaced as libcontainer does
// (a new file renamed over it) again.
func TestStateFileReadAgainWhenReplaced(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	put := func(pid int) {
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, fmt.Appendf(nil, `{"id":"c","init_process_pid":%d,"init_process_start":7,"config":{"big":"x"}}`, pid), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
	}
	put(101)
	for range 2 {
		if st, err := readStateFile(path); err != nil || st.InitPID != 101 {
			t.Fatalf("got %+v, %v; want PID 101", st, err)
		}
	}
	put(202)
	if st, err := readStateFile(path); err != nil || st.InitPID != 202 {
		t.Fatalf("after the replacement: got %+v, %v; want PID 202", st, err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if _, err := readStateFile(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a removed file: %v, want not exist", err)
	}
}
