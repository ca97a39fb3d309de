package run

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"runtime"

	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/storage"

	"github.com/ctr-project/ctr/lib/storedimage"
)

// pauseBinary is where the infra container's catatonit is in its image.
const pauseBinary = "/catatonit"

// pauseImage is the image a pod's infra container runs: catatonit alone,
// as podman's podman-pause image, made from the host's catatonit (given,
// else found as --init finds it) on first use (no pull) and named after
// its digest, so that a new catatonit makes a new image. It returns the
// image's name.
func pauseImage(store storage.Store, given string) (string, error) {
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
	layer, err := pauseLayer(data)
	if err != nil {
		return "", err
	}
	cfg := imgspecv1.Image{
		Platform: imgspecv1.Platform{OS: "linux", Architecture: runtime.GOARCH},
		Config:   imgspecv1.ImageConfig{Entrypoint: []string{pauseBinary, "-P"}, StopSignal: "SIGTERM"},
	}
	if _, err := storedimage.Create(store, []string{name}, layer, cfg); err != nil {
		return "", fmt.Errorf("the pause image: %w", err)
	}
	return name, nil
}

// pauseLayer is the pause image's one layer: catatonit, and the
// directories the runtime mounts on.
func pauseLayer(catatonit []byte) ([]byte, error) {
	var layer bytes.Buffer
	tw := tar.NewWriter(&layer)
	for _, d := range []string{"dev", "etc", "proc", "sys"} {
		if err := tw.WriteHeader(&tar.Header{Name: d + "/", Typeflag: tar.TypeDir, Mode: 0o755}); err != nil {
			return nil, err
		}
	}
	if err := tw.WriteHeader(&tar.Header{Name: pauseBinary[1:], Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(catatonit))}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(catatonit); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return layer.Bytes(), nil
}
