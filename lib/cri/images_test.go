package cri

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.podman.io/storage"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctr-project/ctr/lib/image"
	"github.com/ctr-project/ctr/tests/testimage"
)

// TestPullImageRegistryOnly: PullImage takes a registry's image only
// (issue 24: oci:, dir: and docker-archive: opened the machine's files,
// /etc/passwd among them); the others are InvalidArgument before the
// store, or the file, is opened.
func TestPullImageRegistryOnly(t *testing.T) {
	dir := t.TempDir()
	layout := filepath.Join(dir, "layout")
	if err := testimage.Build(testimage.Options{Out: layout + ":1"}); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(dir, "root")
	local := &image.LocalStore{Options: storage.StoreOptions{GraphRoot: root, RunRoot: filepath.Join(dir, "run"), GraphDriverName: "vfs"}}
	defer local.Close()
	s := &ImageService{Local: local, Pull: image.PullOptions{Policy: image.PolicyOptions{Insecure: true}}}
	for _, ref := range []string{"oci:" + layout + ":1", "dir:" + layout, "docker-archive:/etc/passwd", "oci-archive:/etc/passwd",
		"docker://oci:" + layout, strings.Repeat("ab", 32)} {
		_, err := s.PullImage(context.Background(), &runtimeapi.PullImageRequest{Image: &runtimeapi.ImageSpec{Image: ref}})
		if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "not a registry reference") {
			t.Errorf("%s: got %v, want InvalidArgument", ref, err)
		}
	}
	if _, err := os.Stat(root); !os.IsNotExist(err) {
		t.Errorf("the store was opened (%s: %v)", root, err)
	}
}
