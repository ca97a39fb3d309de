package run

import (
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// flockFile takes an exclusive flock on path (made, with its directory,
// if missing); the function returned releases it.
func flockFile(path string) (func(), error) { return flockAs(path, unix.LOCK_EX) }

// flockAs is flockFile with the lock how: unix.LOCK_EX or LOCK_SH.
func flockAs(path string, how int) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), how); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}
