package run

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fakeInit starts script as a container's init in libcontainer's layout
// under root/id: its state file, and the exec fifo it is to write to
// (the script's $1).
func fakeInit(t *testing.T, root, id, script string) *exec.Cmd {
	t.Helper()
	fifo := filepath.Join(root, id, "exec.fifo")
	if err := os.MkdirAll(filepath.Dir(fifo), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", "-c", script, "sh", fifo)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	start := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])[19]
	writeState(t, root, id, fmt.Sprintf(`{"init_process_pid": %d, "init_process_start": %s}`, cmd.Process.Pid, start))
	return cmd
}

func TestStartByFifo(t *testing.T) {
	root := t.TempDir()
	// Init as libcontainer's: blocks opening the fifo, writes its byte.
	c := fakeInit(t, root, "ok", `printf 0 > "$1"; sleep 5`)
	if err := startByFifo(root, "ok", c.Process.Pid); err != nil {
		t.Fatalf("start: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "ok", "exec.fifo")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the fifo is still there after the start (%v): the state would stay created", err)
	}
	// Init dies before it writes: an error, not a wait for ever.
	c = fakeInit(t, root, "dies", `sleep 0.3`)
	t0 := time.Now()
	if err := startByFifo(root, "dies", c.Process.Pid); err == nil || errors.Is(err, errNotFifo) {
		t.Fatalf("start of an init that died: %v", err)
	}
	if d := time.Since(t0); d > 3*time.Second {
		t.Fatalf("took %v to notice", d)
	}
	// Not libcontainer's layout, or another init: the runtime's start.
	if err := startByFifo(root, "none", 1); !errors.Is(err, errNotFifo) {
		t.Fatalf("no state: %v", err)
	}
	if err := startByFifo(root, "ok", c.Process.Pid); !errors.Is(err, errNotFifo) {
		t.Fatalf("another init's PID: %v", err)
	}
}
