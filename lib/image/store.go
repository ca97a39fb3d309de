package image

import (
	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/storage"

	"github.com/ctr-project/ctr/lib/localstore"
)

// LocalStore is lib/localstore's handle on the local store, opened on
// first use: the same type under the name lib/image's options use, not a
// store of its own (the images in it: lib/storedimage, lib/localimage).
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
