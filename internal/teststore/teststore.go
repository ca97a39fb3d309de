// Package teststore gives unit tests a containers/storage store of their
// own: vfs (no mounts to leave behind) in the test's temporary directory,
// shut down when the test ends.
package teststore

import (
	"os"
	"path/filepath"
	"testing"

	"go.podman.io/storage"
)

// New is a fresh store for t; the test is skipped without root, which
// containers/storage needs here.
func New(t testing.TB) storage.Store {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("containers/storage needs root here")
	}
	dir := t.TempDir()
	store, err := storage.GetStore(storage.StoreOptions{GraphRoot: filepath.Join(dir, "root"), RunRoot: filepath.Join(dir, "run"), GraphDriverName: "vfs"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = store.Shutdown(true) })
	return store
}
