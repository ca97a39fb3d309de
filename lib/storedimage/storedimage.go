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
	"slices"
	"strings"

	digest "github.com/opencontainers/go-digest"
	imgspec "github.com/opencontainers/image-spec/specs-go"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/storage"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/lookup"
)

// Find resolves name to a stored image by lib/lookup's rule, as podman's
// LookupImage: the image with that ID; else the one with a name name
// stands for: itself, its normalized form (docker.io/library/ and :latest
// added), then for a short name the one built or tagged here
// (localhost/NAME:latest), or for NAME@DIGEST the image with that
// repository and digest; else the one whose ID begins with name, if only
// one does. A "containers-storage:" before name is ignored.
func Find(store storage.Store, name string) (*storage.Image, error) {
	img, _, err := FindNamed(store, name)
	return img, err
}

// FindNamed is Find, and returns the stored name that matched too ("" for
// an ID or an ID prefix, or a NAME@DIGEST).
func FindNamed(store storage.Store, name string) (*storage.Image, string, error) {
	name = strings.TrimPrefix(name, "containers-storage:")
	imgs, err := store.Images()
	if err != nil {
		return nil, "", err
	}
	named, perr := reference.ParseNormalizedNamed(name)
	names := []string{name}
	if perr == nil {
		names = append(names, reference.TagNameOnly(named).String())
		if local, err := reference.ParseNormalizedNamed("localhost/" + name); err == nil && isShortName(name) {
			names = append(names, reference.TagNameOnly(local).String())
		}
	}
	img, err := lookup.FindAs("image", name, names, imgs, func(img storage.Image) (string, []string) { return img.ID, img.Names })
	var nf *lookup.NotFoundError
	switch {
	case err == nil:
		for _, n := range names {
			if slices.Contains(img.Names, n) {
				return &img, n, nil
			}
		}
		return &img, "", nil
	case !errors.As(err, &nf):
		return nil, "", err
	case perr != nil && !isIDPrefix(name):
		// Neither a name nor an ID (a 64-digit one the grammar refuses as
		// a name): the user's mistake. An ID not stored is not found.
		return nil, "", errdefs.Usagef("invalid image name %q: %v", name, perr)
	case perr != nil:
		return nil, "", err
	}
	if d, ok := named.(reference.Digested); ok {
		if img := byDigest(imgs, named.Name(), d.Digest()); img != nil {
			return img, "", nil
		}
	}
	return nil, "", err
}

// byDigest is the image with a name in repository repo and the manifest
// digest d.
func byDigest(imgs []storage.Image, repo string, d digest.Digest) *storage.Image {
	for i := range imgs {
		if imgs[i].Digest != d && !slices.Contains(imgs[i].Digests, d) {
			continue
		}
		for _, n := range imgs[i].Names {
			if nn, err := reference.ParseNormalizedNamed(n); err == nil && nn.Name() == repo {
				return &imgs[i]
			}
		}
	}
	return nil
}

// isIDPrefix says whether ref could be an image ID or a prefix of one.
func isIDPrefix(ref string) bool {
	return len(ref) > 0 && len(ref) <= 64 && strings.Trim(ref, "0123456789abcdef") == ""
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
