package image

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/ctr-project/ctr/lib/errdefs"
)

// Why ctr-pull does not unpack in the overlay driver's staging directory:
// podman 4.3 (containers/storage 1.43) removes that whole directory each
// time it shuts its driver down — every `podman images` does — without
// looking at the lock newer containers/storage keeps in each staging dir.
// A pull beside it lost its layers half-way (21 of 21 tries in the probe).
//
// So ctr-pull unpacks in the driver's "tempdirs" directory, inside its
// home and mount (the driver's commit renames the tree into the layer's
// place, which only works on one mount), where containers/storage 1.43
// never looks and later versions look only for their own names. Each
// directory ctr-stage-ID has a file ctr-stage-ID.lock that holds a flock
// while the directory is in use (flock, not the POSIX locks
// containers/storage uses: those are per process, and containers/storage
// re-opening its driver in this very process would take them). Directories
// whose lock nobody holds are what a killed pull left; the next pull
// removes them.
const stagePrefix = "ctr-stage-"

// stageDir is one locked staging directory: Tree is where a layer goes.
type stageDir struct {
	base string // ctr-stage-ID: Tree and nothing else
	Tree string
	lock *os.File // ctr-stage-ID.lock, flocked while the directory is in use
}

// newStageDir makes a staging directory for a layer the driver would
// unpack into driverDest (HOME/staging/X/dir), with the same mode.
func newStageDir(driverDest string) (*stageDir, error) {
	home := filepath.Dir(filepath.Dir(filepath.Dir(driverDest)))
	area := filepath.Join(home, "tempdirs")
	if err := os.MkdirAll(area, 0o700); err != nil {
		return nil, err
	}
	st, err := os.Stat(driverDest)
	if err != nil {
		return nil, err
	}
	removeStaleStageDirs(area)
	for try := 0; ; try++ {
		lock, err := os.CreateTemp(area, stagePrefix+"*.lock")
		if errors.Is(err, fs.ErrNotExist) && try < 10 {
			// Another pull, closing its store, removed the area while
			// it was empty.
			if err := os.MkdirAll(area, 0o700); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		if unix.Flock(int(lock.Fd()), unix.LOCK_EX|unix.LOCK_NB) != nil || !stillNamed(lock) {
			lock.Close() // a cleaner took it between create and lock
			continue
		}
		d := &stageDir{base: strings.TrimSuffix(lock.Name(), ".lock"), lock: lock}
		d.Tree = filepath.Join(d.base, "dir")
		err = os.Mkdir(d.base, 0o700)
		if err == nil {
			err = os.Mkdir(d.Tree, st.Mode().Perm())
		}
		if err == nil {
			err = os.Chmod(d.Tree, st.Mode().Perm()) // as the driver made it, whatever the umask
		}
		if err != nil {
			d.Remove()
			return nil, err
		}
		return d, nil
	}
}

// Remove deletes what is left of the directory (nothing once the driver
// renamed the tree away), then its lock.
func (d *stageDir) Remove() {
	if d == nil {
		return
	}
	_ = os.RemoveAll(d.base)
	_ = os.Remove(d.lock.Name())
	d.lock.Close()
}

// Lost explains an error while d was in use: if its tree is gone, another
// process removed it, and another attempt may well succeed.
func (d *stageDir) Lost(err error) error {
	if d == nil || err == nil {
		return err
	}
	if _, serr := os.Lstat(d.Tree); errors.Is(serr, fs.ErrNotExist) {
		return errdefs.WithKind(errdefs.ErrTemporary, fmt.Errorf("the staging directory %s was removed by another process: %w", d.base, err))
	}
	return err
}

// removeStaleStageDirs removes the directories of pulls that are gone:
// their lock is free, or missing (a directory is made only after its lock
// is taken, and its lock is removed only after it).
func removeStaleStageDirs(area string) {
	entries, err := os.ReadDir(area)
	if err != nil {
		return
	}
	for _, e := range entries {
		name := filepath.Join(area, e.Name())
		switch {
		case !strings.HasPrefix(e.Name(), stagePrefix):
			continue // containers/storage's own
		case strings.HasSuffix(name, ".lock"):
			tryRemoveLocked(name, strings.TrimSuffix(name, ".lock"))
		default:
			if _, err := os.Lstat(name + ".lock"); errors.Is(err, fs.ErrNotExist) {
				_ = os.RemoveAll(name)
			}
		}
	}
}

// tryRemoveLocked removes base and lockPath if nobody holds the lock.
func tryRemoveLocked(lockPath, base string) {
	f, err := os.Open(lockPath)
	if err != nil {
		return
	}
	defer f.Close()
	if unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) != nil {
		return // in use
	}
	_ = os.RemoveAll(base)
	_ = os.Remove(lockPath)
}

// stillNamed reports whether f's name still refers to f (no one removed or
// replaced it).
func stillNamed(f *os.File) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Stat(f.Name())
	return err == nil && os.SameFile(a, b)
}
