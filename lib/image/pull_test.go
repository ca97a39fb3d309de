package image_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"go.podman.io/storage"
	"go.podman.io/storage/pkg/reexec"

	"github.com/ctr-project/ctr/lib/image"
	"github.com/ctr-project/ctr/lib/types"
	"github.com/ctr-project/ctr/tests/testimage"
)

// TestMain lets containers/storage re-run this binary to apply layers
// (vfs does), as the tools' main functions do.
func TestMain(m *testing.M) {
	if reexec.Init() {
		return
	}
	os.Exit(m.Run())
}

// TestPullManyAtOnceSharesNoPolicyState pulls several images with as many
// jobs: containers/image's policy context may serve one copy at a time,
// and sharing one failed a pull with "found InUse" when two overlapped.
func TestPullManyAtOnceSharesNoPolicyState(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for containers/storage")
	}
	dir := t.TempDir()
	var refs []string
	for i := range 8 {
		file := filepath.Join(dir, fmt.Sprintf("f%d", i))
		if err := os.WriteFile(file, []byte(fmt.Sprintf("image %d\n", i)), 0o644); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, fmt.Sprintf("img%d", i))
		if err := testimage.Build(testimage.Options{Out: out + ":1", Files: []string{file + "=/f"}}); err != nil {
			t.Fatal(err)
		}
		refs = append(refs, "oci:"+out+":1")
	}
	for round, driver := range []string{"overlay", "vfs", "overlay", "vfs"} {
		local := &image.LocalStore{Options: storage.StoreOptions{
			GraphRoot: filepath.Join(dir, fmt.Sprintf("root%d", round)), RunRoot: filepath.Join(dir, fmt.Sprintf("run%d", round)),
			GraphDriverName: driver}}
		n := 0
		err := image.Pull(context.Background(), image.PullOptions{Local: local, Jobs: len(refs),
			Policy: image.PolicyOptions{Insecure: true}}, refs, func(types.PullRecord) error {
			n++
			return nil
		})
		if cerr := local.Close(); cerr != nil {
			t.Error(cerr)
		}
		if err != nil || n != len(refs) {
			t.Fatalf("round %d (%s): %d of %d pulled: %v", round, driver, n, len(refs), err)
		}
	}
}
