package run

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"

	digest "github.com/opencontainers/go-digest"
	imgspec "github.com/opencontainers/image-spec/specs-go"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/oci/layout"
	"go.podman.io/image/v5/signature"
	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/storage"
)

// pauseBinary is where the infra container's catatonit is in its image.
const pauseBinary = "/catatonit"

// pauseImage is the image a pod's infra container runs: catatonit alone,
// as podman's podman-pause image, made from the host's catatonit (given,
// else found as --init finds it) on first use (no pull) and named after
// its digest, so that a new catatonit makes a new image. It returns the
// image's name.
func pauseImage(ctx context.Context, store storage.Store, given string) (string, error) {
	bin, err := findInit(given)
	if err != nil {
		return "", err
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	name := "localhost/ctr-pause:" + hex.EncodeToString(sum[:])[:12]
	if _, err := store.Image(name); err == nil {
		return name, nil
	}
	dir, err := os.MkdirTemp("", "ctr-pause-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	if err := writePauseLayout(dir, data); err != nil {
		return "", fmt.Errorf("the pause image: %w", err)
	}
	src, err := layout.ParseReference(dir + ":latest")
	if err != nil {
		return "", err
	}
	dest, err := istorage.Transport.ParseStoreReference(store, name)
	if err != nil {
		return "", err
	}
	policy, err := signature.NewPolicyContext(&signature.Policy{Default: []signature.PolicyRequirement{signature.NewPRInsecureAcceptAnything()}})
	if err != nil {
		return "", err
	}
	defer policy.Destroy() //nolint:errcheck // an accept-anything policy holds nothing to release
	// Made here: no signature to check.
	if _, err := copy.Image(ctx, policy, dest, src, &copy.Options{ReportWriter: io.Discard}); err != nil {
		return "", fmt.Errorf("storing the pause image: %w", err)
	}
	return name, nil
}

// writePauseLayout writes an OCI layout at dir with one image, tagged
// latest: one layer holding catatonit, the directories the runtime mounts
// on, and an entrypoint that pauses.
func writePauseLayout(dir string, catatonit []byte) error {
	var layer bytes.Buffer
	tw := tar.NewWriter(&layer)
	for _, d := range []string{"dev", "etc", "proc", "sys"} {
		if err := tw.WriteHeader(&tar.Header{Name: d + "/", Typeflag: tar.TypeDir, Mode: 0o755}); err != nil {
			return err
		}
	}
	if err := tw.WriteHeader(&tar.Header{Name: pauseBinary[1:], Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(catatonit))}); err != nil {
		return err
	}
	if _, err := tw.Write(catatonit); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	layerDesc, err := writeBlob(dir, imgspecv1.MediaTypeImageLayer, layer.Bytes())
	if err != nil {
		return err
	}
	config, err := json.Marshal(imgspecv1.Image{
		Platform: imgspecv1.Platform{OS: "linux", Architecture: runtime.GOARCH},
		Config:   imgspecv1.ImageConfig{Entrypoint: []string{pauseBinary, "-P"}, StopSignal: "SIGTERM"},
		RootFS:   imgspecv1.RootFS{Type: "layers", DiffIDs: []digest.Digest{layerDesc.Digest}},
	})
	if err != nil {
		return err
	}
	configDesc, err := writeBlob(dir, imgspecv1.MediaTypeImageConfig, config)
	if err != nil {
		return err
	}
	manifest, err := json.Marshal(imgspecv1.Manifest{
		Versioned: imgspec.Versioned{SchemaVersion: 2}, MediaType: imgspecv1.MediaTypeImageManifest,
		Config: configDesc, Layers: []imgspecv1.Descriptor{layerDesc},
	})
	if err != nil {
		return err
	}
	manifestDesc, err := writeBlob(dir, imgspecv1.MediaTypeImageManifest, manifest)
	if err != nil {
		return err
	}
	manifestDesc.Annotations = map[string]string{imgspecv1.AnnotationRefName: "latest"}
	index, err := json.Marshal(imgspecv1.Index{
		Versioned: imgspec.Versioned{SchemaVersion: 2}, MediaType: imgspecv1.MediaTypeImageIndex,
		Manifests: []imgspecv1.Descriptor{manifestDesc},
	})
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "index.json"), index, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, imgspecv1.ImageLayoutFile), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644)
}

func writeBlob(dir, mediaType string, data []byte) (imgspecv1.Descriptor, error) {
	d := digest.FromBytes(data)
	p := filepath.Join(dir, "blobs", d.Algorithm().String(), d.Encoded())
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return imgspecv1.Descriptor{}, err
	}
	return imgspecv1.Descriptor{MediaType: mediaType, Digest: d, Size: int64(len(data))}, os.WriteFile(p, data, 0o644)
}
