package image

import (
	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/storage"

	"github.com/ctr-project/ctr/lib/localstore"
)

// LocalStore is the local store, opened on first use (lib/localstore).
type LocalStore = localstore.Store

// openLocal opens the local store and makes it the one the
// containers-storage: transport resolves references in (a reference
// parsed without a store would otherwise open storage.conf's default).
func openLocal(l *LocalStore) (storage.Store, error) {
	store, err := l.Get()
	if err == nil {
		istorage.Transport.SetStore(store)
	}
	return store, err
}
