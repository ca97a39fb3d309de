package image

import (
	"fmt"
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
	if _, err := l.store.Shutdown(false); err != nil {
		return fmt.Errorf("close storage: %w", err)
	}
	return nil
}
