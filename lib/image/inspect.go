package image

import (
	"context"
	"errors"
	"fmt"

	digest "github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/docker"
	cimage "go.podman.io/image/v5/image"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/transports"
	"go.podman.io/image/v5/types"

	"github.com/ctr-project/ctr/lib/errdefs"
	ctrtypes "github.com/ctr-project/ctr/lib/types"
)

// InspectOptions configure Inspect.
type InspectOptions struct {
	SystemCtx *types.SystemContext
	// Local is the store containers-storage: references (and names without
	// a transport) are looked up in, opened only if one is.
	Local *LocalStore
	// Platform chooses the instance of an index to describe (default: the
	// host's, as a pull would).
	Platform *Platform
	// NoTags leaves a registry repository's tags out (one request less);
	// ManifestOnly stops at the manifest (the record has its digest and
	// media type only, no tags).
	NoTags, ManifestOnly bool
	Retry                RetryOptions
}

// Inspected is what Inspect learnt of one image: the record, and the
// manifest (or index) and config as stored, byte for byte.
type Inspected struct {
	Record   ctrtypes.InspectRecord
	Manifest []byte
	Config   []byte
}

// Inspect describes the image ref names without pulling it: its manifest,
// its config, a registry repository's tags, an index's platforms.
func Inspect(ctx context.Context, opts InspectOptions, ref string) (Inspected, error) {
	var out Inspected
	src, err := ParseReference(ref, opts.Local)
	if err != nil {
		return out, err
	}
	sys := opts.SystemCtx
	if sys == nil {
		sys = &types.SystemContext{}
	}
	if opts.Platform != nil {
		c := *sys
		c.OSChoice, c.ArchitectureChoice, c.VariantChoice = opts.Platform.OS, opts.Platform.Architecture, opts.Platform.Variant
		sys = &c
	}
	err = withRetry(ctx, "inspect "+transports.ImageName(src), opts.Retry, func(ctx context.Context) error {
		var err error
		out, err = inspectOnce(ctx, sys, src, opts.ManifestOnly)
		return err
	})
	if err != nil {
		return out, fmt.Errorf("inspect %s: %w", transports.ImageName(src), err)
	}
	if src.Transport().Name() == docker.Transport.Name() && !opts.NoTags && !opts.ManifestOnly {
		err = withRetry(ctx, "list tags of "+transports.ImageName(src), opts.Retry, func(ctx context.Context) error {
			var err error
			out.Record.RepoTags, err = docker.GetRepositoryTags(ctx, sys, src)
			return err
		})
		if err != nil {
			return out, fmt.Errorf("tags of %s: %w", transports.ImageName(src), err)
		}
	}
	return out, nil
}

func inspectOnce(ctx context.Context, sys *types.SystemContext, ref types.ImageReference, manifestOnly bool) (Inspected, error) {
	var out Inspected
	src, err := ref.NewImageSource(ctx, sys)
	if err != nil {
		return out, err
	}
	defer src.Close()
	raw, mt, err := src.GetManifest(ctx, nil)
	if err != nil {
		return out, err
	}
	d, err := manifest.Digest(raw)
	if err != nil {
		return out, errdefs.WithKind(errdefs.ErrBadData, err)
	}
	rec := ctrtypes.InspectRecord{Schema: ctrtypes.InspectSchema, Digest: d.String(), MediaType: mt,
		Ref: transports.ImageName(ref), Name: transports.ImageName(ref)}
	if named := ref.DockerReference(); named != nil && ref.Transport().Name() == docker.Transport.Name() {
		rec.Name = named.Name()
		rec.Ref = "docker://" + named.Name() + "@" + d.String()
	}
	if manifestOnly {
		return Inspected{Record: rec, Manifest: raw}, nil
	}
	var instance *digest.Digest
	if manifest.MIMETypeIsMultiImage(mt) {
		list, err := manifest.ListFromBlob(raw, mt)
		if err != nil {
			return out, errdefs.WithKind(errdefs.ErrBadData, err)
		}
		for _, id := range list.Instances() {
			info, err := list.Instance(id)
			if err != nil {
				return out, errdefs.WithKind(errdefs.ErrBadData, err)
			}
			p := ctrtypes.InspectPlatform{Digest: id.String(), MediaType: info.MediaType, Size: info.Size}
			if pl := info.ReadOnly.Platform; pl != nil {
				p.OS, p.Architecture, p.Variant = pl.OS, pl.Architecture, pl.Variant
			}
			rec.Platforms = append(rec.Platforms, p)
		}
		chosen, err := list.ChooseInstance(sys)
		if err != nil {
			return out, errdefs.WithKind(errdefs.ErrNotFound, err)
		}
		instance = &chosen
		rec.Instance = chosen.String()
	}
	img, err := cimage.FromUnparsedImage(ctx, sys, cimage.UnparsedInstance(src, instance))
	if err != nil {
		return out, err
	}
	info, err := img.Inspect(ctx)
	if err != nil {
		return out, err
	}
	config, err := img.ConfigBlob(ctx)
	if err != nil {
		return out, err
	}
	rec.Created, rec.Author = info.Created, info.Author
	rec.Architecture, rec.OS, rec.Variant = info.Architecture, info.Os, info.Variant
	rec.Labels, rec.Env = info.Labels, info.Env
	rec.Layers = []ctrtypes.InspectLayer{}
	for _, l := range info.LayersData {
		rec.Layers = append(rec.Layers, ctrtypes.InspectLayer{Digest: l.Digest.String(), Size: l.Size, MediaType: l.MIMEType})
	}
	return Inspected{Record: rec, Manifest: raw, Config: config}, nil
}

// ListTags lists the tags of the registry repository ref names (its tag
// or digest, if any, is ignored) as docker:// references, one per tag.
func ListTags(ctx context.Context, opts InspectOptions, ref string) ([]string, error) {
	src, err := ParseReference(ref, opts.Local)
	if err != nil {
		return nil, err
	}
	named := src.DockerReference()
	sys := opts.SystemCtx
	if sys == nil {
		sys = &types.SystemContext{}
	}
	if src.Transport().Name() != docker.Transport.Name() || named == nil {
		return nil, errdefs.Usagef("tags: %s is not a registry image (docker://…)", ref)
	}
	var tags []string
	err = withRetry(ctx, "list tags of "+named.Name(), opts.Retry, func(ctx context.Context) error {
		var err error
		tags, err = docker.GetRepositoryTags(ctx, sys, src)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("tags of %s: %w", named.Name(), err)
	}
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = "docker://" + named.Name() + ":" + t
	}
	return out, nil
}

// ManifestDigest is the digest of a manifest as a registry computes it
// (skopeo manifest-digest): of the bytes, less a schema 1 signature.
func ManifestDigest(raw []byte) (string, error) {
	if len(raw) == 0 {
		return "", errdefs.WithKind(errdefs.ErrBadData, errors.New("an empty manifest"))
	}
	d, err := manifest.Digest(raw)
	if err != nil {
		return "", errdefs.WithKind(errdefs.ErrBadData, err)
	}
	return d.String(), nil
}

// Delete deletes the manifest a registry reference names (skopeo delete):
// every tag that points at it goes with it. It returns the reference
// pinned by the digest deleted.
func Delete(ctx context.Context, opts InspectOptions, ref string) (string, error) {
	src, err := ParseReference(ref, opts.Local)
	if err != nil {
		return "", err
	}
	named := src.DockerReference()
	if src.Transport().Name() != docker.Transport.Name() || named == nil {
		return "", errdefs.Usagef("delete: %s is not a registry image (docker://…)", ref)
	}
	sys := opts.SystemCtx
	if sys == nil {
		sys = &types.SystemContext{}
	}
	var pinned string
	err = withRetry(ctx, "delete "+transports.ImageName(src), opts.Retry, func(ctx context.Context) error {
		got, err := inspectOnce(ctx, sys, src, true)
		if err != nil {
			return err
		}
		pinned = got.Record.Ref
		return src.DeleteImage(ctx, sys)
	})
	if err != nil {
		return "", fmt.Errorf("delete %s: %w", transports.ImageName(src), err)
	}
	return pinned, nil
}
