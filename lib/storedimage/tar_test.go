package storedimage

import (
	"archive/tar"
	"bytes"
	"os"
	"testing"

	"go.podman.io/storage/pkg/reexec"
)

// tarOf is an uncompressed tar holding one file.
func tarOf(t *testing.T, name string, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(data))}); err != nil {
		t.Fatal(err)
	}
	_, _ = tw.Write(data)
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestMain lets containers/storage re-run this binary to apply layers
// (chrootarchive), as the tools' main functions do.
func TestMain(m *testing.M) {
	if reexec.Init() {
		return
	}
	os.Exit(m.Run())
}
