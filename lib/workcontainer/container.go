// Package workcontainer holds the building blocks of an image, as
// buildah's: working containers in containers/storage (from an image or
// from scratch), files copied in, config changes, commits of their
// changes as new images, and an image stored again in Docker's format.
// ctr-build's scripted mode drives it step by step; lib/containerfile
// drives it from a Containerfile's instructions.
package workcontainer

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/storage"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/lookup"
	"github.com/ctr-project/ctr/lib/run"
	"github.com/ctr-project/ctr/lib/storedimage"
	ctrtypes "github.com/ctr-project/ctr/lib/types"
)

// Container is a working container: a storage container with ctr-build's
// record in its metadata.
type Container struct {
	ID   string
	Name string
	Meta ctrtypes.WorkingContainer
}

// ErrNotWorkingContainer marks a storage container ctr-build did not make.
var ErrNotWorkingContainer = errors.New("not a ctr-build working container")

// From makes a working container from the image with this ID ("" for
// scratch); fromName is how the user named it.
func From(ctx context.Context, store storage.Store, imageID, fromName, name string) (*Container, error) {
	meta := ctrtypes.WorkingContainer{Schema: ctrtypes.WorkingContainerSchema, FromImage: imageID, FromName: fromName, Created: time.Now().UTC()}
	if imageID != "" {
		img, err := storedimage.Config(store, imageID)
		if err != nil {
			return nil, err
		}
		meta.Image = *img
	} else {
		meta.Image = ScratchImage()
	}
	id := run.NewID()
	name = cmp.Or(name, "ctr-build-"+id[:12])
	data, err := json.Marshal(meta)
	if err != nil {
		return nil, err
	}
	c, err := store.CreateContainer(id, []string{name}, imageID, "", string(data), nil)
	if err != nil {
		if errors.Is(err, storage.ErrDuplicateName) {
			return nil, errdefs.Usagef("the name %q is already in use", name)
		}
		return nil, fmt.Errorf("creating the working container: %w", err)
	}
	return &Container{ID: c.ID, Name: name, Meta: meta}, nil
}

// Get finds a working container by ID, name or unique ID prefix
// (lib/lookup's rule), among all of the store's containers, which share
// one set of IDs and names: another tool's is "not a working container".
func Get(store storage.Store, ref string) (*Container, error) {
	cs, err := store.Containers()
	if err != nil {
		return nil, err
	}
	c, err := lookup.Find("working container", ref, cs, func(c storage.Container) (string, []string) { return c.ID, c.Names })
	if err != nil {
		return nil, err
	}
	wc, err := describe(&c)
	if err != nil {
		return nil, errdefs.WithKind(errdefs.ErrNotFound, fmt.Errorf("%s: %w", ref, err))
	}
	return wc, nil
}

func describe(c *storage.Container) (*Container, error) {
	var meta ctrtypes.WorkingContainer
	if json.Unmarshal([]byte(c.Metadata), &meta) != nil || meta.Schema != ctrtypes.WorkingContainerSchema {
		return nil, ErrNotWorkingContainer
	}
	wc := &Container{ID: c.ID, Meta: meta}
	if len(c.Names) > 0 {
		wc.Name = c.Names[0]
	}
	return wc, nil
}

// List returns the working containers.
func List(store storage.Store) ([]*Container, error) {
	cs, err := store.Containers()
	if err != nil {
		return nil, err
	}
	var out []*Container
	for i := range cs {
		if wc, err := describe(&cs[i]); err == nil {
			out = append(out, wc)
		}
	}
	return out, nil
}

// Save stores the container's record (after a config change or a step).
func (c *Container) Save(store storage.Store) error {
	data, err := json.Marshal(c.Meta)
	if err != nil {
		return err
	}
	return store.SetMetadata(c.ID, string(data))
}

// Mount mounts the container's rootfs and returns its path. Mounts are
// counted: each Mount needs an Unmount.
func (c *Container) Mount(store storage.Store) (string, error) {
	p, err := store.Mount(c.ID, "")
	if err != nil {
		return "", fmt.Errorf("mounting %s: %w", c.Name, err)
	}
	return p, nil
}

// Unmount undoes one Mount.
func (c *Container) Unmount(store storage.Store) error {
	_, err := store.Unmount(c.ID, false)
	return err
}

// Remove deletes the working container, mounted or not.
func (c *Container) Remove(store storage.Store) error {
	_, _ = store.Unmount(c.ID, true)
	err := store.DeleteContainer(c.ID)
	if errors.Is(err, storage.ErrContainerUnknown) {
		return nil
	}
	return err
}

// WorkingContainerMeta is the record of a working container made from
// the image baseID, with the config img and history not yet committed.
func WorkingContainerMeta(baseID string, img imgspecv1.Image, history []imgspecv1.History) ctrtypes.WorkingContainer {
	return ctrtypes.WorkingContainer{Schema: ctrtypes.WorkingContainerSchema, FromImage: baseID, Image: img, History: history}
}
