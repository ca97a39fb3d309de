// Package storedimage reads and writes one image in the store without
// containers/image (localimage manages the set of images with it, and
// localstore only opens the store). It works on containers/storage
// directly, in the layout containers/image gives an image (the manifest
// under "manifest" and "manifest-DIGEST", the config under its digest),
// for the tools that only need what is stored: ctr-run finds an image,
// reads its config and makes the pod's pause image without linking
// containers/image's transports (lib/image), whose package init and size
// every start pays.
package storedimage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	digest "github.com/opencontainers/go-digest"
	imgspec "github.com/opencontainers/image-spec/specs-go"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/storage"

	"github.com/ctr-project/ctr/lib/errdefs"
)

// Find resolves name as podman does for a stored image: an ID, a unique ID
// prefix or an exact name; else the normalized name (docker.io/library/
// and :latest added), or the image with that repository and digest for
// NAME@DIGEST; a short name also finds the image built or tagged here
// under localhost/.
func Find(store storage.Store, name string) (*storage.Image, error) {
	name = strings.TrimPrefix(name, "containers-storage:")
	if img, err := store.Image(name); err == nil {
		return img, nil
	}
	img, err := byReference(store, name)
	if err != nil && isShortName(name) {
		if limg, lerr := byReference(store, "localhost/"+name); lerr == nil {
			return limg, nil
		}
	}
	return img, err
}

// byReference finds the image a normalized reference names.
func byReference(store storage.Store, name string) (*storage.Image, error) {
	named, err := reference.ParseNormalizedNamed(name)
	if err != nil {
		return nil, errdefs.Usagef("invalid image name %q: %v", name, err)
	}
	notFound := errdefs.WithKind(errdefs.ErrNotFound, fmt.Errorf("%s: image not known", name))
	if d, ok := named.(reference.Digested); ok {
		imgs, err := store.ImagesByDigest(d.Digest())
		if err != nil || len(imgs) == 0 {
			return nil, notFound
		}
		repo := named.Name()
		for _, img := range imgs {
			for _, n := range img.Names {
				if nn, err := reference.ParseNormalizedNamed(n); err == nil && nn.Name() == repo {
					return img, nil
				}
			}
		}
		return nil, notFound
	}
	img, err := store.Image(reference.TagNameOnly(named).String())
	if err != nil {
		return nil, notFound
	}
	return img, nil
}

// isShortName says whether name has no registry: its first part (before a
// "/") has no ".", no ":" and is not localhost, or there is no "/".
func isShortName(name string) bool {
	first, _, hasSlash := strings.Cut(name, "/")
	return !strings.Contains(name, "@") && (!hasSlash || (!strings.ContainsAny(first, ".:") && first != "localhost"))
}

// specsVersion2 is the schema version of an OCI manifest.
var specsVersion2 = imgspec.Versioned{SchemaVersion: 2}

// manifestKey is the big-data key of the manifest with digest d.
func manifestKey(d digest.Digest) string { return "manifest-" + d.String() }

// Config reads the OCI config of the stored image id: the config blob an
// OCI or Docker schema 2 manifest names (checked against its digest), or
// what a Docker schema 1 manifest says of its top layer.
func Config(store storage.Store, id string) (*imgspecv1.Image, error) {
	raw, err := Manifest(store, id)
	if err != nil {
		return nil, err
	}
	var m struct {
		SchemaVersion int
		Config        struct{ Digest digest.Digest }
		History       []struct{ V1Compatibility string }
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, errdefs.WithKind(errdefs.ErrBadData, fmt.Errorf("image %s: manifest: %w", id, err))
	}
	var blob []byte
	switch {
	case m.SchemaVersion == 1 && len(m.History) > 0:
		blob = []byte(m.History[0].V1Compatibility)
	case m.Config.Digest != "":
		if err := m.Config.Digest.Validate(); err != nil {
			return nil, errdefs.WithKind(errdefs.ErrBadData, fmt.Errorf("image %s: config digest: %w", id, err))
		}
		if blob, err = store.ImageBigData(id, m.Config.Digest.String()); err != nil {
			return nil, fmt.Errorf("image %s: config: %w", id, err)
		}
		if got := m.Config.Digest.Algorithm().FromBytes(blob); got != m.Config.Digest {
			return nil, errdefs.WithKind(errdefs.ErrBadData, fmt.Errorf("image %s: config is %s, the manifest says %s", id, got, m.Config.Digest))
		}
	default:
		return nil, errdefs.WithKind(errdefs.ErrBadData, fmt.Errorf("image %s: the manifest names no config", id))
	}
	var cfg imgspecv1.Image
	if err := json.Unmarshal(blob, &cfg); err != nil {
		return nil, errdefs.WithKind(errdefs.ErrBadData, fmt.Errorf("image %s: config: %w", id, err))
	}
	return &cfg, nil
}

// Manifest is the stored image's own manifest (for a multi-platform pull,
// the chosen instance's, not the list's).
func Manifest(store storage.Store, id string) ([]byte, error) {
	raw, err := store.ImageBigData(id, storage.ImageDigestBigDataKey)
	if err == nil {
		return raw, nil
	}
	img, ierr := store.Image(id)
	if ierr != nil {
		return nil, errdefs.WithKind(errdefs.ErrNotFound, fmt.Errorf("%s: image not known", id))
	}
	if img.Digest != "" {
		if raw, derr := store.ImageBigData(img.ID, manifestKey(img.Digest)); derr == nil {
			return raw, nil
		}
	}
	return nil, fmt.Errorf("image %s: no manifest stored: %w", id, err)
}

// Create stores a one-layer image made here (layer: an uncompressed tar)
// with config under names, as containers/image would have stored it from
// an OCI layout, and returns it. Its ID is its config's digest. A name
// another image holds moves to this one, as a pull does.
func Create(store storage.Store, names []string, layer []byte, cfg imgspecv1.Image) (*storage.Image, error) {
	diffID := digest.FromBytes(layer)
	cfg.RootFS = imgspecv1.RootFS{Type: "layers", DiffIDs: []digest.Digest{diffID}}
	config, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	configDigest := digest.FromBytes(config)
	manifest, err := json.Marshal(imgspecv1.Manifest{
		Versioned: specsVersion2, MediaType: imgspecv1.MediaTypeImageManifest,
		Config: imgspecv1.Descriptor{MediaType: imgspecv1.MediaTypeImageConfig, Digest: configDigest, Size: int64(len(config))},
		Layers: []imgspecv1.Descriptor{{MediaType: imgspecv1.MediaTypeImageLayer, Digest: diffID, Size: int64(len(layer))}},
	})
	if err != nil {
		return nil, err
	}
	manifestDigest := digest.FromBytes(manifest)
	// A one-layer image's chain ID is its diff ID, as containers/image
	// names the layer.
	layerID := diffID.Encoded()
	if _, err := store.Layer(layerID); err != nil {
		if _, _, err := store.PutLayer(layerID, "", nil, "", false, nil, bytes.NewReader(layer)); err != nil && !errors.Is(err, storage.ErrDuplicateID) {
			return nil, fmt.Errorf("storing the layer: %w", err)
		}
	}
	img, err := store.CreateImage(configDigest.Encoded(), nil, layerID, "", &storage.ImageOptions{
		Digest: manifestDigest,
		BigData: []storage.ImageBigDataOption{
			{Key: configDigest.String(), Data: config, Digest: configDigest},
			{Key: manifestKey(manifestDigest), Data: manifest, Digest: manifestDigest},
			{Key: storage.ImageDigestBigDataKey, Data: manifest, Digest: manifestDigest},
		},
	})
	if errors.Is(err, storage.ErrDuplicateID) {
		img, err = store.Image(configDigest.Encoded())
	}
	if err != nil {
		return nil, fmt.Errorf("storing the image: %w", err)
	}
	if err := store.AddNames(img.ID, names); err != nil {
		return nil, err
	}
	return store.Image(img.ID)
}
