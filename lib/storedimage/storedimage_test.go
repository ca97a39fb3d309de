package storedimage

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	digest "github.com/opencontainers/go-digest"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/pkg/blobinfocache/none"
	"go.podman.io/image/v5/signature"
	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"
	"go.podman.io/storage"

	"github.com/ctr-project/ctr/internal/teststore"
	"github.com/ctr-project/ctr/lib/errdefs"
)

// layerTar is a one-file layer.
func layerTar(t *testing.T) []byte {
	t.Helper()
	return tarOf(t, "hello", []byte("hi\n"))
}

// What Create stores, containers/image reads as the same image: config,
// manifest and the layer's bytes (podman and ctr-image read it that way).
func TestCreateIsWhatContainersImageReads(t *testing.T) {
	store := teststore.New(t)
	layer := layerTar(t)
	cfg := imgspecv1.Image{Platform: imgspecv1.Platform{OS: "linux", Architecture: "amd64"},
		Config: imgspecv1.ImageConfig{Entrypoint: []string{"/hello"}, Env: []string{"A=1"}, StopSignal: "SIGTERM"}}
	img, err := Create(store, []string{"localhost/a:1"}, layer, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ref, err := istorage.Transport.NewStoreReference(store, nil, img.ID)
	if err != nil {
		t.Fatal(err)
	}
	ci, err := ref.NewImage(ctx, &types.SystemContext{})
	if err != nil {
		t.Fatal(err)
	}
	defer ci.Close()
	want, err := ci.OCIConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Config(store, img.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Config.Entrypoint[0] != "/hello" || got.Config.Env[0] != "A=1" || len(got.RootFS.DiffIDs) != 1 || got.RootFS.DiffIDs[0] != want.RootFS.DiffIDs[0] {
		t.Fatalf("Config = %+v, containers/image reads %+v", got, want)
	}
	src, err := ref.NewImageSource(ctx, &types.SystemContext{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	infos := ci.LayerInfos()
	if len(infos) != 1 {
		t.Fatalf("containers/image sees %d layers, want 1", len(infos))
	}
	rc, _, err := src.GetBlob(ctx, infos[0], none.NoCache)
	if err != nil {
		t.Fatal(err)
	}
	blob, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(blob, layer) {
		t.Fatal("the layer containers/image reads is not the one stored")
	}
	// Once more with the same content: the same image, no error.
	again, err := Create(store, []string{"localhost/a:2"}, layer, cfg)
	if err != nil || again.ID != img.ID || len(again.Names) != 2 {
		t.Fatalf("second Create = %+v, %v; want the same image with both names", again, err)
	}
}

// Config reads an image containers/image stored (a Docker schema 2
// manifest here) as containers/image does; Find resolves names as podman.
func TestConfigAndFindOnAPulledImage(t *testing.T) {
	from, store := teststore.New(t), teststore.New(t)
	base, err := Create(from, []string{"localhost/a:1"}, layerTar(t), imgspecv1.Image{
		Platform: imgspecv1.Platform{OS: "linux", Architecture: "amd64"},
		Config:   imgspecv1.ImageConfig{Cmd: []string{"sh"}, WorkingDir: "/w", ExposedPorts: map[string]struct{}{"80/tcp": {}}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	srcRef, _ := istorage.Transport.NewStoreReference(from, nil, base.ID)
	destRef, err := istorage.Transport.ParseStoreReference(store, "docker.io/library/b:latest")
	if err != nil {
		t.Fatal(err)
	}
	policy, _ := signature.NewPolicyContext(&signature.Policy{Default: []signature.PolicyRequirement{signature.NewPRInsecureAcceptAnything()}})
	defer policy.Destroy() //nolint:errcheck // nothing to release
	man, err := copy.Image(ctx, policy, destRef, srcRef, &copy.Options{ReportWriter: io.Discard, ForceManifestMIMEType: manifest.DockerV2Schema2MediaType})
	if err != nil {
		t.Fatal(err)
	}
	mdigest, _ := manifest.Digest(man)
	pulled, err := store.Image("docker.io/library/b:latest")
	if err != nil {
		t.Fatal(err)
	}
	if raw, _ := Manifest(store, pulled.ID); manifest.GuessMIMEType(raw) != manifest.DockerV2Schema2MediaType {
		t.Fatalf("the copy's manifest is %s, the test needs Docker schema 2", manifest.GuessMIMEType(raw))
	}
	local, err := Create(store, []string{"localhost/a:1"}, tarOf(t, "other", []byte("x")), imgspecv1.Image{})
	if err != nil {
		t.Fatal(err)
	}
	ci, err := destRef.NewImage(ctx, &types.SystemContext{})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := ci.OCIConfig(ctx)
	ci.Close()
	got, err := Config(store, pulled.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Config.WorkingDir != want.Config.WorkingDir || got.Config.Cmd[0] != "sh" || len(got.Config.ExposedPorts) != 1 || got.RootFS.DiffIDs[0] != want.RootFS.DiffIDs[0] {
		t.Fatalf("Config = %+v, containers/image reads %+v", got, want)
	}

	for _, c := range []struct{ name, id string }{
		{"b", pulled.ID}, {"b:latest", pulled.ID}, {"docker.io/b", pulled.ID},
		{"docker.io/library/b@" + mdigest.String(), pulled.ID},
		{"containers-storage:docker.io/library/b:latest", pulled.ID},
		{pulled.ID[:12], pulled.ID},
		{"a:1", local.ID}, {"localhost/a:1", local.ID},
	} {
		img, err := Find(store, c.name)
		if err != nil || img.ID != c.id {
			t.Errorf("Find(%q) = %v, %v; want %s", c.name, img, err, c.id)
		}
	}
	for _, name := range []string{"c", "b:2", "docker.io/library/a@" + mdigest.String(), "quay.io/b"} {
		if _, err := Find(store, name); !errors.Is(err, errdefs.ErrNotFound) {
			t.Errorf("Find(%q) = %v, want not found", name, err)
		}
	}
	if _, err := Find(store, "B!"); !errors.Is(err, errdefs.ErrUsage) {
		t.Errorf("Find of an invalid name = %v, want a usage error", err)
	}
}

// A config whose bytes do not match the manifest's digest is bad data.
func TestConfigRefusesATamperedConfig(t *testing.T) {
	store := teststore.New(t)
	img, err := Create(store, nil, layerTar(t), imgspecv1.Image{Config: imgspecv1.ImageConfig{Cmd: []string{"x"}}})
	if err != nil {
		t.Fatal(err)
	}
	var key string
	for _, k := range img.BigDataNames {
		if len(k) > 7 && k[:7] == "sha256:" {
			key = k
		}
	}
	if err := store.SetImageBigData(img.ID, key, []byte(`{"config":{"Cmd":["evil"]}}`), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := Config(store, img.ID); !errors.Is(err, errdefs.ErrBadData) {
		t.Fatalf("Config of a tampered config = %v, want bad data", err)
	}
}

// A Docker schema 1 image has no config blob: its top history entry's
// v1Compatibility holds the config, as containers/image reads it.
func TestConfigOfASchema1Image(t *testing.T) {
	store := teststore.New(t)
	img, err := Create(store, nil, layerTar(t), imgspecv1.Image{})
	if err != nil {
		t.Fatal(err)
	}
	schema1 := `{"schemaVersion": 1, "name": "library/old", "tag": "1", "architecture": "amd64",
		"fsLayers": [{"blobSum": "sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4"}],
		"history": [{"v1Compatibility": "{\"id\":\"e1\",\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":[\"OLD=1\"],\"Cmd\":[\"/bin/old\"],\"WorkingDir\":\"/srv\"}}"}]}`
	if err := store.SetImageBigData(img.ID, storage.ImageDigestBigDataKey, []byte(schema1), func(b []byte) (digest.Digest, error) { return digest.FromBytes(b), nil }); err != nil {
		t.Fatal(err)
	}
	cfg, err := Config(store, img.ID)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Config.Cmd[0] != "/bin/old" || cfg.Config.Env[0] != "OLD=1" || cfg.Config.WorkingDir != "/srv" || cfg.OS != "linux" {
		t.Fatalf("schema 1 config = %+v", cfg)
	}
}
