package imgflags

import (
	"fmt"

	ucli "github.com/urfave/cli/v2"
	"go.podman.io/storage"

	"github.com/ctr-project/ctr/lib/localstore"
)

// StorageFlags choose the containers/storage store; unset flags keep what
// storage.conf says (podman's defaults: /var/lib/containers/storage,
// /run/containers/storage, overlay).
type StorageFlags struct {
	Root    string
	RunRoot string
	Driver  string
	Opts    ucli.StringSlice
}

// Flags declares the group.
func (f *StorageFlags) Flags() []ucli.Flag {
	return []ucli.Flag{
		&ucli.StringFlag{Name: "root", Usage: "storage root `DIR` (default: storage.conf's graphroot)", Destination: &f.Root},
		&ucli.StringFlag{Name: "runroot", Usage: "storage state `DIR` (default: storage.conf's runroot)", Destination: &f.RunRoot},
		&ucli.StringFlag{Name: "storage-driver", Usage: "storage `DRIVER` (default: storage.conf's driver)", Destination: &f.Driver},
		&ucli.StringSliceFlag{Name: "storage-opt", Usage: "storage driver `OPTION` (repeatable)", Destination: &f.Opts},
	}
}

// StoreOptions returns fresh store options: storage.conf, then the flags.
func (f *StorageFlags) StoreOptions() (storage.StoreOptions, error) {
	opts, err := storage.DefaultStoreOptions()
	if err != nil {
		return opts, fmt.Errorf("storage.conf: %w", err)
	}
	if f.Root != "" {
		opts.GraphRoot = f.Root
	}
	if f.RunRoot != "" {
		opts.RunRoot = f.RunRoot
	}
	if f.Driver != "" {
		opts.GraphDriverName = f.Driver
	}
	if o := f.Opts.Value(); len(o) > 0 {
		opts.GraphDriverOptions = o
	}
	return opts, nil
}

// Args returns the flags as given, to pass them on to another ctr tool.
func (f *StorageFlags) Args() []string {
	var a []string
	for _, kv := range [][2]string{{"--root", f.Root}, {"--runroot", f.RunRoot}, {"--storage-driver", f.Driver}} {
		if kv[1] != "" {
			a = append(a, kv[0], kv[1])
		}
	}
	for _, o := range f.Opts.Value() {
		a = append(a, "--storage-opt", o)
	}
	return a
}

// Open opens the store the flags choose, runs fn with it and closes it.
func (f *StorageFlags) Open(fn func(*localstore.Store, storage.Store) error) error {
	so, err := f.StoreOptions()
	if err != nil {
		return err
	}
	local := &localstore.Store{Options: so}
	store, err := local.Get()
	if err != nil {
		return err
	}
	defer local.Close() // an error is reported by the store on its next open
	return fn(local, store)
}

// LocalStore is the store the flags choose, opened when first needed.
func (f *StorageFlags) LocalStore() (*localstore.Store, error) {
	so, err := f.StoreOptions()
	if err != nil {
		return nil, err
	}
	return &localstore.Store{Options: so}, nil
}
