package image_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/image"
	"github.com/ctr-project/ctr/lib/types"
	"github.com/ctr-project/ctr/tests/testimage"
)

// layout writes a two-platform test index and returns its oci: reference
// and the index digest.
func layout(t testing.TB) (string, string) {
	dir := t.TempDir()
	file := filepath.Join(dir, "hello")
	if err := os.WriteFile(file, []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "src")
	if err := testimage.Build(testimage.Options{Out: out + ":1", Files: []string{file + "=/hello"},
		Platforms: []string{"linux/amd64", "linux/arm64"}}); err != nil {
		t.Fatal(err)
	}
	var idx struct {
		Manifests []struct{ Digest string }
	}
	b, err := os.ReadFile(filepath.Join(out, "index.json"))
	if err == nil {
		err = json.Unmarshal(b, &idx)
	}
	if err != nil {
		t.Fatal(err)
	}
	return "oci:" + out + ":1", idx.Manifests[0].Digest
}

func copyOne(t *testing.T, opts image.CopyOptions, src, dst string) (types.CopyRecord, error) {
	t.Helper()
	var rec types.CopyRecord
	err := image.Copy(context.Background(), opts, []string{src}, dst, func(r types.CopyRecord) error {
		rec = r
		return nil
	})
	return rec, err
}

func TestCopyAllKeepsTheIndexDigest(t *testing.T) {
	src, want := layout(t)
	dst := "oci:" + filepath.Join(t.TempDir(), "dst") + ":2"
	rec, err := copyOne(t, image.CopyOptions{Policy: image.PolicyOptions{Insecure: true}, All: true}, src, dst)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Digest != want || rec.Ref != dst || rec.Schema != types.CopySchema {
		t.Fatalf("got %+v, want digest %s", rec, want)
	}
	// Back again by its own output: the copy is the same image.
	back, err := copyOne(t, image.CopyOptions{Policy: image.PolicyOptions{Insecure: true}, All: true}, rec.Ref, "oci:"+filepath.Join(t.TempDir(), "back")+":3")
	if err != nil || back.Digest != want {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
}

func TestCopyPlatformSubset(t *testing.T) {
	src, whole := layout(t)
	opts := image.CopyOptions{Policy: image.PolicyOptions{Insecure: true}, Platforms: []image.Platform{{OS: "linux", Architecture: "arm64"}}}
	rec, err := copyOne(t, opts, src, "oci:"+filepath.Join(t.TempDir(), "dst")+":1")
	if err != nil {
		t.Fatal(err)
	}
	if rec.Digest == whole {
		t.Fatal("a one-platform subset should be a new, smaller index")
	}
	opts.Platforms = []image.Platform{{OS: "plan9", Architecture: "amd64"}}
	if _, err := copyOne(t, opts, src, "oci:"+filepath.Join(t.TempDir(), "none")+":1"); !errors.Is(err, errdefs.ErrNotFound) {
		t.Fatalf("missing platform: got %v, want not found", err)
	}
}

func TestCopyMissingSourceIsNotFound(t *testing.T) {
	_, err := copyOne(t, image.CopyOptions{Policy: image.PolicyOptions{Insecure: true}},
		"oci:"+t.TempDir()+":nope", "dir:"+t.TempDir())
	if !errors.Is(err, errdefs.ErrNotFound) {
		t.Fatalf("got %v, want not found", err)
	}
}

// Copy an OCI layout into a dir: tree and print the manifest digest.
func ExampleCopy() {
	src := "oci:/srv/images/app:1"
	err := image.Copy(context.Background(), image.CopyOptions{}, []string{src}, "dir:/tmp/app",
		func(r types.CopyRecord) error {
			fmt.Println(r.Digest)
			return nil
		})
	if err != nil {
		fmt.Println("error:", err)
	}
}
