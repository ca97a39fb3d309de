package run

import (
	"os"
	"testing"
)

// A pod's creating file says "half-made" only when no process holds its
// lock: not while its creator runs, not once it is done.
func TestHalfMadeOnlyWithoutItsCreator(t *testing.T) {
	m := &Manager{PersistDir: t.TempDir()}
	done, err := m.markCreating("p1")
	if err != nil {
		t.Fatal(err)
	}
	if m.leftHalfMade("p1") {
		t.Fatal("a pod its creator is making was taken for half-made")
	}
	done()
	if m.leftHalfMade("p1") {
		t.Fatal("a finished pod was taken for half-made")
	}
	// A creator killed: the file stays, with no lock on it.
	if err := os.WriteFile(m.creatingFile("p2"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if !m.leftHalfMade("p2") {
		t.Fatal("a pod whose creator is gone was not found")
	}
}
