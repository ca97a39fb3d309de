package workcontainer

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"

	"github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/signature"
	"go.podman.io/image/v5/types"
)

// commitSource is the image being committed, as an image source that
// copy.Image can read: the manifest and config made here, the new layer
// from a file, and the base image's layers from its own source (copying
// into the same store reuses them without reading them).
type commitSource struct {
	ref      commitRef
	manifest []byte
	mimeType string
	config   []byte
	configD  digest.Digest
	layers   map[digest.Digest]string // digest → file
	base     types.ImageSource        // nil for scratch
}

func (s *commitSource) Reference() types.ImageReference { return s.ref }

// storeTo copies the image into dest (a containers-storage reference)
// and returns the manifest written. The source is built here, so any
// signature policy is beside the point: it accepts anything.
func (s *commitSource) storeTo(ctx context.Context, dest types.ImageReference) ([]byte, error) {
	policy, err := signature.NewPolicyContext(&signature.Policy{Default: []signature.PolicyRequirement{signature.NewPRInsecureAcceptAnything()}})
	if err != nil {
		return nil, err
	}
	defer policy.Destroy() //nolint:errcheck // an accept-anything policy holds nothing to release
	return copy.Image(ctx, policy, dest, s.ref, &copy.Options{ReportWriter: io.Discard})
}

func (s *commitSource) Close() error {
	if s.base != nil {
		return s.base.Close()
	}
	return nil
}

func (s *commitSource) GetManifest(_ context.Context, instance *digest.Digest) ([]byte, string, error) {
	if instance != nil {
		return nil, "", errors.New("a committed image has no manifest list")
	}
	return s.manifest, s.mimeType, nil
}

func (s *commitSource) HasThreadSafeGetBlob() bool { return false }

func (s *commitSource) GetBlob(ctx context.Context, info types.BlobInfo, cache types.BlobInfoCache) (io.ReadCloser, int64, error) {
	if info.Digest == s.configD {
		return io.NopCloser(bytes.NewReader(s.config)), int64(len(s.config)), nil
	}
	if path, ok := s.layers[info.Digest]; ok {
		f, err := os.Open(path)
		if err != nil {
			return nil, -1, err
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, -1, err
		}
		return f, st.Size(), nil
	}
	if s.base != nil {
		return s.base.GetBlob(ctx, info, cache)
	}
	return nil, -1, errors.New("no blob " + info.Digest.String())
}

func (s *commitSource) GetSignatures(context.Context, *digest.Digest) ([][]byte, error) {
	return nil, nil
}

func (s *commitSource) LayerInfosForCopy(context.Context, *digest.Digest) ([]types.BlobInfo, error) {
	return nil, nil
}

// commitRef names a commitSource for copy.Image; it cannot be opened any
// other way.
type commitRef struct {
	container string
	src       *commitSource
}

func (r commitRef) Transport() types.ImageTransport         { return commitTransport{} }
func (r commitRef) StringWithinTransport() string           { return r.container }
func (r commitRef) DockerReference() reference.Named        { return nil }
func (r commitRef) PolicyConfigurationIdentity() string     { return r.container }
func (r commitRef) PolicyConfigurationNamespaces() []string { return nil }

func (r commitRef) NewImage(context.Context, *types.SystemContext) (types.ImageCloser, error) {
	return nil, errors.New("commit source: not an image")
}

func (r commitRef) NewImageSource(context.Context, *types.SystemContext) (types.ImageSource, error) {
	return r.src, nil
}

func (r commitRef) NewImageDestination(context.Context, *types.SystemContext) (types.ImageDestination, error) {
	return nil, errors.New("commit source: not writable")
}

func (r commitRef) DeleteImage(context.Context, *types.SystemContext) error {
	return errors.New("commit source: cannot delete")
}

type commitTransport struct{}

func (commitTransport) Name() string { return "ctr-build-commit" }

func (commitTransport) ParseReference(string) (types.ImageReference, error) {
	return nil, errors.New("ctr-build-commit: references are made by ctr-build only")
}

func (commitTransport) ValidatePolicyConfigurationScope(string) error { return nil }
