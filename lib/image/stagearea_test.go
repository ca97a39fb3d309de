package image

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ctr-project/ctr/lib/errdefs"
)

// driverDest makes HOME/staging/X/dir as the overlay driver would.
func driverDest(t *testing.T) (home, dest string) {
	home = filepath.Join(t.TempDir(), "overlay")
	dest = filepath.Join(home, "staging", "123", "dir")
	if err := os.MkdirAll(dest, 0o555); err != nil {
		t.Fatal(err)
	}
	return home, dest
}

func TestStageDirIsLockedAndKeptFromCleaners(t *testing.T) {
	home, dest := driverDest(t)
	d, err := newStageDir(dest)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Remove()
	if filepath.Dir(d.base) != filepath.Join(home, "tempdirs") {
		t.Fatalf("staged in %s, want the driver's tempdirs", d.base)
	}
	if st, err := os.Stat(d.Tree); err != nil || st.Mode().Perm() != 0o555 {
		t.Fatalf("tree %v %v: want the driver's mode 0555", st, err)
	}
	// A stale one (its lock free) goes; ours, locked, stays.
	stale := filepath.Join(home, "tempdirs", stagePrefix+"9")
	if err := os.MkdirAll(filepath.Join(stale, "dir"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stale+".lock", nil, 0o600); err != nil {
		t.Fatal(err)
	}
	removeStaleStageDirs(filepath.Join(home, "tempdirs"))
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale dir left: %v", err)
	}
	if _, err := os.Stat(d.Tree); err != nil {
		t.Errorf("the dir in use was removed: %v", err)
	}
	// containers/storage's own entries are not ours to touch.
	own := filepath.Join(home, "tempdirs", "temp-dir-1")
	if err := os.Mkdir(own, 0o700); err != nil {
		t.Fatal(err)
	}
	removeStaleStageDirs(filepath.Join(home, "tempdirs"))
	if _, err := os.Stat(own); err != nil {
		t.Errorf("containers/storage's temp dir removed: %v", err)
	}
}

func TestLostStagingIsTemporary(t *testing.T) {
	_, dest := driverDest(t)
	d, err := newStageDir(dest)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Remove()
	cause := errors.New("unpacking: no such file or directory")
	if err := d.Lost(cause); errors.Is(err, errdefs.ErrTemporary) {
		t.Errorf("%v: temporary while the directory is there", err)
	}
	if err := os.RemoveAll(d.base); err != nil {
		t.Fatal(err)
	}
	if err := d.Lost(cause); !errors.Is(err, errdefs.ErrTemporary) || !errors.Is(err, cause) {
		t.Errorf("%v: want a temporary failure wrapping the cause", err)
	}
}
