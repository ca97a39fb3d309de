package workcontainer

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/opencontainers/go-digest"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/manifest"
	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"
	"go.podman.io/storage"
)

// DockerExtras are the parts of a Docker image config the OCI one has
// no place for: HEALTHCHECK, ONBUILD and SHELL (only --format docker
// keeps them).
type DockerExtras struct {
	Healthcheck *manifest.Schema2HealthConfig `json:",omitempty"`
	OnBuild     []string                      `json:",omitempty"`
	Shell       []string                      `json:",omitempty"`
}

// ReadDockerExtras reads what an image's Docker config holds beyond the
// OCI one; nothing for an OCI image.
func ReadDockerExtras(ctx context.Context, store storage.Store, imageID string) (DockerExtras, error) {
	var ex DockerExtras
	if imageID == "" {
		return ex, nil
	}
	ref, err := istorage.Transport.NewStoreReference(store, nil, imageID)
	if err != nil {
		return ex, err
	}
	img, err := ref.NewImage(ctx, &types.SystemContext{})
	if err != nil {
		return ex, err
	}
	defer img.Close()
	if img.ConfigInfo().MediaType != manifest.DockerV2Schema2ConfigMediaType {
		return ex, nil
	}
	blob, err := img.ConfigBlob(ctx)
	if err != nil {
		return ex, err
	}
	var cfg manifest.Schema2Image
	if err := json.Unmarshal(blob, &cfg); err != nil {
		return ex, err
	}
	if cfg.Config != nil {
		ex.Healthcheck, ex.OnBuild, ex.Shell = cfg.Config.Healthcheck, cfg.Config.OnBuild, cfg.Config.Shell
	}
	return ex, nil
}

// ToDocker stores the image imageID again in Docker's format (schema 2
// manifest and config), with the extras, and returns the new image's ID.
// The layers are the same blobs.
func ToDocker(ctx context.Context, store storage.Store, imageID string, ex DockerExtras) (string, error) {
	ref, err := istorage.Transport.NewStoreReference(store, nil, imageID)
	if err != nil {
		return "", err
	}
	img, err := ref.NewImage(ctx, &types.SystemContext{})
	if err != nil {
		return "", err
	}
	oci, err := img.OCIConfig(ctx)
	if err != nil {
		img.Close()
		return "", err
	}
	img.Close()
	base, layers, err := baseLayers(ctx, store, imageID)
	if err != nil {
		return "", err
	}
	src := &commitSource{layers: map[digest.Digest]string{}, base: base}
	defer src.Close()
	if src.config, err = json.Marshal(dockerConfig(oci, ex)); err != nil {
		return "", err
	}
	src.configD = digest.FromBytes(src.config)
	var dl []manifest.Schema2Descriptor
	for _, l := range layers {
		dl = append(dl, manifest.Schema2Descriptor{MediaType: dockerLayerType(l.MediaType), Size: l.Size, Digest: l.Digest})
	}
	m := manifest.Schema2FromComponents(manifest.Schema2Descriptor{
		MediaType: manifest.DockerV2Schema2ConfigMediaType, Size: int64(len(src.config)), Digest: src.configD}, dl)
	if src.manifest, err = m.Serialize(); err != nil {
		return "", err
	}
	src.mimeType = manifest.DockerV2Schema2MediaType
	src.ref = commitRef{container: imageID, src: src}
	id := src.configD.Encoded()
	dest, err := istorage.Transport.NewStoreReference(store, nil, id)
	if err != nil {
		return "", err
	}
	if _, err := src.storeTo(ctx, dest); err != nil {
		return "", fmt.Errorf("storing the image in Docker's format: %w", err)
	}
	return id, nil
}

// dockerConfig is the OCI config in Docker's format, with the extras.
func dockerConfig(oci *imgspecv1.Image, ex DockerExtras) manifest.Schema2Image {
	c := oci.Config
	ports := manifest.Schema2PortSet{}
	for p := range c.ExposedPorts {
		ports[manifest.Schema2Port(p)] = struct{}{}
	}
	cfg := &manifest.Schema2Config{
		User: c.User, ExposedPorts: ports, Env: c.Env, Cmd: c.Cmd, Entrypoint: c.Entrypoint,
		Volumes: c.Volumes, WorkingDir: c.WorkingDir, Labels: c.Labels, StopSignal: c.StopSignal,
		Healthcheck: ex.Healthcheck, OnBuild: ex.OnBuild, Shell: ex.Shell,
	}
	out := manifest.Schema2Image{
		Schema2V1Image: manifest.Schema2V1Image{
			Author: oci.Author, Architecture: oci.Architecture, OS: oci.OS, Variant: oci.Variant,
			Config: cfg, ContainerConfig: *cfg,
		},
		RootFS: &manifest.Schema2RootFS{Type: "layers", DiffIDs: oci.RootFS.DiffIDs},
	}
	if oci.Created != nil {
		out.Created = *oci.Created
	}
	for _, h := range oci.History {
		e := manifest.Schema2History{Author: h.Author, CreatedBy: h.CreatedBy, Comment: h.Comment, EmptyLayer: h.EmptyLayer}
		if h.Created != nil {
			e.Created = *h.Created
		}
		out.History = append(out.History, e)
	}
	return out
}

// dockerLayerType is a layer's media type in a Docker manifest.
func dockerLayerType(mt string) string {
	switch {
	case strings.HasSuffix(mt, "gzip"):
		return manifest.DockerV2Schema2LayerMediaType
	case strings.HasSuffix(mt, "zstd"):
		return manifest.DockerV2SchemaLayerMediaTypeZstd
	}
	return manifest.DockerV2SchemaLayerMediaTypeUncompressed
}
