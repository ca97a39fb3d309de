package monitor

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

const sigkilled = 137

// memcg makes DIR/parent/memory.events and DIR/parent/child/memory.events
// with these OOM kill counts and returns the child's file.
func memcg(t *testing.T, parent, child string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "parent")
	if err := os.MkdirAll(filepath.Join(dir, "child"), 0o755); err != nil {
		t.Fatal(err)
	}
	setEvents(t, filepath.Join(dir, "memory.events"), parent)
	file := filepath.Join(dir, "child", "memory.events")
	setEvents(t, file, child)
	return file
}

func setEvents(t *testing.T, file, kills string) {
	t.Helper()
	if err := os.WriteFile(file, []byte("low 0\nhigh 0\nmax 3\noom 0\noom_kill "+kills+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func parentOf(file string) string {
	return filepath.Join(filepath.Dir(filepath.Dir(file)), "memory.events")
}

// waitFor waits until cond holds, for at most 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal(what)
		}
	}
}

// TestOOMSeenBeforeTheCgroupGoes: under systemd the container's scope is
// removed as soon as it is empty, often before the monitor has reaped the
// container; a kill the kernel counted while it ran must still be seen.
func TestOOMSeenBeforeTheCgroupGoes(t *testing.T) {
	events := memcg(t, "0", "0")
	w := watchOOMFile(events)
	defer w.close()
	if w.before != 0 || w.seen.Load() != 0 {
		t.Fatalf("counted %d, %d before any OOM kill", w.before, w.seen.Load())
	}
	setEvents(t, events, "1")
	waitFor(t, "the watch did not read the changed count", func() bool { return w.seen.Load() == 1 })
	if err := os.Remove(events); err != nil {
		t.Fatal(err)
	}
	if !w.killed(sigkilled) {
		t.Fatal("the OOM kill was lost with the cgroup's file")
	}
}

// TestOOMLostFileAsksTheParent: the file changed and could not be read
// (here: garbage; in life: gone); the parent counted a kill meanwhile.
func TestOOMLostFileAsksTheParent(t *testing.T) {
	for _, c := range []struct {
		parentAfter string
		status      int
		want        bool
	}{
		{"1", sigkilled, true},
		{"0", sigkilled, false}, // no kill below the parent
		{"1", 0, false},         // the container exited by itself
		{"1", 143, false},       // SIGTERM: not the OOM killer
	} {
		events := memcg(t, "0", "0")
		w := watchOOMFile(events)
		if err := os.WriteFile(events, []byte("oom_kill x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the watch did not see the change", w.lost.Load)
		setEvents(t, parentOf(events), c.parentAfter)
		if err := os.Remove(events); err != nil {
			t.Fatal(err)
		}
		if got := w.killed(c.status); got != c.want {
			t.Errorf("parent %s, status %d: OOM-killed %v, want %v", c.parentAfter, c.status, got, c.want)
		}
	}
}

// TestOOMGoneWithoutAChange: a cgroup removed with no change seen is no
// OOM kill, whatever its parent counted (a sibling's).
func TestOOMGoneWithoutAChange(t *testing.T) {
	events := memcg(t, "0", "0")
	w := watchOOMFile(events)
	setEvents(t, parentOf(events), "2")
	if err := os.Remove(events); err != nil {
		t.Fatal(err)
	}
	if w.killed(sigkilled) {
		t.Fatal("a sibling's OOM kill counted as this container's")
	}
}

// TestOOMWithoutACgroup: no file (no memory controller) is no OOM kill.
func TestOOMWithoutACgroup(t *testing.T) {
	w := watchOOMFile("")
	defer w.close()
	if w.killed(sigkilled) {
		t.Fatal("an OOM kill without a cgroup")
	}
}
