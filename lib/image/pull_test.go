package image_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	ctypes "go.podman.io/image/v5/types"
	"go.podman.io/storage"
	"go.podman.io/storage/pkg/reexec"

	"github.com/ctr-project/ctr/lib/errdefs"
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

// TestPullRegistryOnly: with RegistryOnly (ctr-cri's PullImage) a name of
// another transport, a path or an image ID is a usage error before the
// store (or the named file) is opened; a name that reads as a transport's
// ("oci:NAME") is a short name of a registry, not a directory.
func TestPullRegistryOnly(t *testing.T) {
	dir := t.TempDir()
	layout := filepath.Join(dir, "layout")
	if err := testimage.Build(testimage.Options{Out: layout + ":1"}); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(dir, "root")
	local := &image.LocalStore{Options: storage.StoreOptions{GraphRoot: root, RunRoot: filepath.Join(dir, "run"), GraphDriverName: "vfs"}}
	defer local.Close()
	opts := image.PullOptions{Local: local, RegistryOnly: true, Policy: image.PolicyOptions{Insecure: true}}
	for _, name := range []string{"oci:" + layout + ":1", "dir:" + layout, "docker-archive:/etc/passwd",
		"oci-archive:" + fifo, "containers-storage:localhost/busybox:latest", "docker://", "/etc/passwd", strings.Repeat("0a", 32)} {
		err := image.Pull(context.Background(), opts, []string{name}, func(types.PullRecord) error { return nil })
		if !errors.Is(err, errdefs.ErrUsage) || !strings.Contains(err.Error(), "not a registry reference") {
			t.Errorf("%s: got %v, want a usage error", name, err)
		}
	}
	if _, err := os.Stat(root); !os.IsNotExist(err) {
		t.Errorf("the store was opened (%s: %v)", root, err)
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root for containers/storage")
	}
	// No search registry configured: the short name "oci:NAME" is not
	// pulled from the layout, but has nowhere to be looked for.
	conf := filepath.Join(dir, "registries.conf")
	if err := os.WriteFile(conf, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	opts.SystemCtx = &ctypes.SystemContext{SystemRegistriesConfPath: conf, SystemRegistriesConfDirPath: dir}
	err := image.Pull(context.Background(), opts, []string{"oci:" + filepath.Base(layout)}, func(types.PullRecord) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "short-name") {
		t.Errorf("oci:NAME: got %v, want a short name with no registry to search", err)
	}
}
