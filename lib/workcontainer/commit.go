package workcontainer

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/distribution/reference"
	"github.com/opencontainers/go-digest"
	imgspec "github.com/opencontainers/image-spec/specs-go"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/manifest"
	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"
	"go.podman.io/storage"
	"go.podman.io/storage/pkg/archive"

	"github.com/ctr-project/ctr/lib/errdefs"
)

// CommitOptions say what the committed image is called and records.
type CommitOptions struct {
	Names      []string  // image names; none: only the ID
	CreatedBy  string    // the history entry's created_by
	Created    time.Time // zero: now
	EmptyLayer bool      // record no layer, only the history entry (config-only steps)
	// Reproducible sets every file's times in the new layer to Created, so
	// that the same changes give the same layer (--timestamp).
	Reproducible bool

	// Layer, when set, gives the new layer's tar instead of the
	// container's changes (a squash).
	Layer func() (io.ReadCloser, error)
}

// Commit makes an image of the working container: the base image's
// layers, plus the container's changes as one new layer, with the config
// and history the container has collected. It returns the image ID.
func Commit(ctx context.Context, store storage.Store, c *Container, o CommitOptions) (string, digest.Digest, error) {
	if err := CheckImageNames(o.Names); err != nil {
		return "", "", err
	}
	created := o.Created
	if created.IsZero() {
		created = time.Now().UTC()
	}
	if o.Layer == nil {
		sc, err := store.Container(c.ID)
		if err != nil {
			return "", "", err
		}
		o.Layer = func() (io.ReadCloser, error) {
			rc, err := store.Diff("", sc.LayerID, &storage.DiffOptions{Compression: ptr(archive.Uncompressed)})
			if err != nil {
				return nil, fmt.Errorf("reading the container's changes: %w", err)
			}
			return rc, nil
		}
	}
	tmp, err := os.MkdirTemp("", "ctr-build-commit")
	if err != nil {
		return "", "", err
	}
	defer os.RemoveAll(tmp)

	img := c.Meta.Image // a copy: Meta keeps the base's history and diff IDs
	var layers []imgspecv1.Descriptor
	var base types.ImageSource
	if c.Meta.FromImage != "" {
		if base, layers, err = baseLayers(ctx, store, c.Meta.FromImage); err != nil {
			return "", "", err
		}
	}
	src := &commitSource{layers: map[digest.Digest]string{}, base: base}
	defer src.Close()

	history := append(append([]imgspecv1.History{}, img.History...), c.Meta.History...)
	entry := imgspecv1.History{Created: &created, CreatedBy: o.CreatedBy, EmptyLayer: o.EmptyLayer}
	if !o.EmptyLayer {
		path := tmp + "/layer.tar"
		var clamp *time.Time
		if o.Reproducible {
			clamp = &created
		}
		diffID, size, err := diffToFile(o.Layer, path, clamp)
		if err != nil {
			return "", "", err
		}
		src.layers[diffID] = path
		layers = append(layers, imgspecv1.Descriptor{MediaType: imgspecv1.MediaTypeImageLayer, Digest: diffID, Size: size})
		img.RootFS.DiffIDs = append(append([]digest.Digest{}, img.RootFS.DiffIDs...), diffID)
	}
	history = append(history, entry)
	img.History = history
	img.Created = &created
	img.RootFS.Type = "layers"

	if src.config, err = json.Marshal(img); err != nil {
		return "", "", err
	}
	src.configD = digest.FromBytes(src.config)
	m := imgspecv1.Manifest{
		Versioned: imgspec.Versioned{SchemaVersion: 2},
		MediaType: imgspecv1.MediaTypeImageManifest,
		Config:    imgspecv1.Descriptor{MediaType: imgspecv1.MediaTypeImageConfig, Digest: src.configD, Size: int64(len(src.config))},
		Layers:    layers,
	}
	if m.Layers == nil {
		m.Layers = []imgspecv1.Descriptor{}
	}
	if src.manifest, err = json.Marshal(m); err != nil {
		return "", "", err
	}
	src.mimeType = imgspecv1.MediaTypeImageManifest
	src.ref = commitRef{container: c.ID, src: src}

	id := src.configD.Encoded()
	dest, err := destination(store, id, o.Names)
	if err != nil {
		return "", "", err
	}
	manifestBytes, err := src.storeTo(ctx, dest)
	if err != nil {
		return "", "", fmt.Errorf("committing %s: %w", c.Name, err)
	}
	for _, extra := range tail(o.Names) {
		if err := store.AddNames(id, []string{NormalName(extra)}); err != nil {
			return "", "", err
		}
	}
	md, err := manifest.Digest(manifestBytes)
	return id, md, err
}

// baseLayers returns the base image's source and its layers as OCI
// descriptors.
func baseLayers(ctx context.Context, store storage.Store, imageID string) (types.ImageSource, []imgspecv1.Descriptor, error) {
	ref, err := istorage.Transport.NewStoreReference(store, nil, imageID)
	if err != nil {
		return nil, nil, err
	}
	src, err := ref.NewImageSource(ctx, &types.SystemContext{})
	if err != nil {
		return nil, nil, err
	}
	mb, mt, err := src.GetManifest(ctx, nil)
	if err != nil {
		src.Close()
		return nil, nil, err
	}
	m, err := manifest.FromBlob(mb, mt)
	if err != nil {
		src.Close()
		return nil, nil, err
	}
	var out []imgspecv1.Descriptor
	for _, l := range m.LayerInfos() {
		out = append(out, imgspecv1.Descriptor{MediaType: ociLayerType(l.MediaType), Digest: l.Digest, Size: l.Size})
	}
	return src, out, nil
}

// ociLayerType is the OCI media type of a layer of any manifest.
func ociLayerType(mt string) string {
	switch {
	case strings.HasSuffix(mt, "gzip"):
		return imgspecv1.MediaTypeImageLayerGzip
	case strings.HasSuffix(mt, "zstd"):
		return imgspecv1.MediaTypeImageLayerZstd
	case mt == "" || strings.HasSuffix(mt, ".tar") || mt == "application/vnd.docker.image.rootfs.diff.tar":
		return imgspecv1.MediaTypeImageLayer
	}
	return mt
}

// diffToFile writes the layer's tar to path and returns its digest and
// size.
func diffToFile(layer func() (io.ReadCloser, error), path string, clamp *time.Time) (digest.Digest, int64, error) {
	rc, err := layer()
	if err != nil {
		return "", 0, err
	}
	defer rc.Close()
	f, err := os.Create(path)
	if err != nil {
		return "", 0, err
	}
	h := sha256.New()
	var n int64
	if clamp != nil {
		cw := &countingWriter{w: io.MultiWriter(f, h)}
		err = retime(cw, rc, *clamp)
		n = cw.n
	} else {
		n, err = io.Copy(io.MultiWriter(f, h), rc)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", 0, fmt.Errorf("reading the container's changes: %w", err)
	}
	return digest.NewDigest(digest.SHA256, h), n, nil
}

// destination is the storage reference the image is committed to: its
// first name, or only its ID.
func destination(store storage.Store, id string, names []string) (types.ImageReference, error) {
	if len(names) == 0 {
		return istorage.Transport.NewStoreReference(store, nil, id)
	}
	ref, err := istorage.Transport.ParseStoreReference(store, NormalName(names[0]))
	if err != nil {
		return nil, fmt.Errorf("image name %q: %w", names[0], err)
	}
	return ref, nil
}

// NormalName adds podman's "localhost/" to a name without a registry, as
// buildah does.
func NormalName(name string) string {
	// A registry is a first component followed by "/" that has a dot or
	// a port, or is localhost; "app:1" has none.
	first, _, hasSlash := strings.Cut(name, "/")
	if !hasSlash || (!strings.ContainsAny(first, ".:") && first != "localhost") {
		name = "localhost/" + name
	}
	if !strings.Contains(name[strings.LastIndex(name, "/")+1:], ":") && !strings.Contains(name, "@") {
		name += ":latest"
	}
	return name
}

func tail(s []string) []string {
	if len(s) < 2 {
		return nil
	}
	return s[1:]
}

func ptr[T any](v T) *T { return &v }

// retime copies a tar stream with every entry's times set to t (and no
// access or change times), so that a layer's bytes depend only on what
// it holds.
func retime(w io.Writer, r io.Reader, t time.Time) error {
	tr := tar.NewReader(r)
	tw := tar.NewWriter(w)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return tw.Close()
		}
		if err != nil {
			return err
		}
		hdr.ModTime, hdr.AccessTime, hdr.ChangeTime = t, time.Time{}, time.Time{}
		for _, k := range []string{"mtime", "atime", "ctime"} {
			delete(hdr.PAXRecords, k)
		}
		hdr.Format = tar.FormatPAX
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := io.Copy(tw, tr); err != nil {
			return err
		}
	}
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// CheckImageNames refuses, before anything is stored, a name that is no
// image reference: one would break every tool that lists the shared store
// (podman images among them).
func CheckImageNames(names []string) error {
	for _, n := range names {
		ref, err := reference.ParseNormalizedNamed(NormalName(n))
		if err != nil || ref.String() != NormalName(n) {
			return errdefs.Usagef("image name %q: not a valid image reference", n)
		}
	}
	return nil
}
