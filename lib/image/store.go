package image

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"

	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/storage"
)

// LocalStore opens containers/storage only when a reference needs it, so
// that registry-to-registry copies never touch (or lock) the local store.
type LocalStore struct {
	// Options are the store options, as built from storage.conf and flags.
	Options storage.StoreOptions

	once  sync.Once
	store storage.Store
	err   error
}

// Get opens the store on first use and makes it the store that the
// containers-storage: transport resolves references in.
func (l *LocalStore) Get() (storage.Store, error) {
	l.once.Do(func() {
		l.store, l.err = storage.GetStore(l.Options)
		if l.err != nil {
			l.err = fmt.Errorf("open storage at %s: %w", l.Options.GraphRoot, l.err)
			return
		}
		istorage.Transport.SetStore(l.store)
	})
	return l.store, l.err
}

// Close releases the store if it was opened. Layers stay mounted only if
// something else holds them.
func (l *LocalStore) Close() error {
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
