// Package localstore is the handle on the store, not what is in it
// (storedimage reads and writes an image in it, localimage manages the
// set; lib/image calls this handle LocalStore). It opens the local
// containers/storage store, the one podman, buildah and every ctr tool
// share, when it is first needed, and closes it tidily. It links
// containers/storage alone, so that the tools that only read stored
// images (ctr-run) stay small and quick to start.
package localstore

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"go.podman.io/storage"
)

// Store opens containers/storage only when a reference needs it, so that
// registry-to-registry copies never touch (or lock) the local store.
type Store struct {
	// Options are the store options, as built from storage.conf and flags.
	Options storage.StoreOptions

	once  sync.Once
	store storage.Store
	err   error
}

// Get opens the store on first use.
func (l *Store) Get() (storage.Store, error) {
	l.once.Do(func() {
		l.store, l.err = storage.GetStore(l.Options)
		if l.err != nil {
			l.err = fmt.Errorf("open storage at %s: %w", l.Options.GraphRoot, l.err)
		}
	})
	return l.store, l.err
}

// Close releases the store if it was opened. Layers stay mounted only if
// something else holds them.
func (l *Store) Close() error {
	if l == nil || l.store == nil {
		return nil
	}
	root, driver := l.store.GraphRoot(), l.store.GraphDriverName()
	if _, err := l.store.Shutdown(false); err != nil {
		return fmt.Errorf("close storage: %w", err)
	}
	if driver == "overlay" {
		// The driver's staging directory and ctr-pull's stage area stay
		// behind empty otherwise. rmdir removes only an empty directory;
		// a process about to use one makes it again (ctr-pull retries).
		for _, d := range []string{"staging", "tempdirs"} {
			_ = os.Remove(filepath.Join(root, driver, d))
		}
	}
	return nil
}
