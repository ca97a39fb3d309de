package image

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.podman.io/image/v5/signature"
	"go.podman.io/image/v5/transports/alltransports"
	"go.podman.io/image/v5/types"

	"github.com/ctr-project/ctr/tests/testimage"
)

func policyOf(t *testing.T, js string) *signature.Policy {
	t.Helper()
	p, err := signature.NewPolicyFromBytes([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

const signedByPolicy = `{"default": [{"type": "signedBy", "keyType": "GPGKeys", "keyData": "bm90IGEga2V5"}]}`

// TestSourceAllowedReadsTheImageOnlyForARequirementThatDoes: a policy
// that decides by the name is asked without opening the image (newer's
// check costs no request then); one that reads signatures gets the image.
func TestSourceAllowedReadsTheImageOnlyForARequirementThatDoes(t *testing.T) {
	// An image that cannot be opened: asking about it fails if it is read.
	gone, err := alltransports.ParseImageName("oci:" + filepath.Join(t.TempDir(), "gone") + ":1")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := testimage.Build(testimage.Options{Out: filepath.Join(dir, "img") + ":1", Files: []string{file + "=/f"}}); err != nil {
		t.Fatal(err)
	}
	there, err := alltransports.ParseImageName("oci:" + filepath.Join(dir, "img") + ":1")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, policy string
		ref          types.ImageReference
		want         string // "" allowed, else in the error
	}{
		{"accept, not opened", `{"default": [{"type": "insecureAcceptAnything"}]}`, gone, ""},
		{"reject, not opened", `{"default": [{"type": "reject"}]}`, gone, "Source image rejected: Running image oci:"},
		{"reject after accept", `{"default": [{"type": "insecureAcceptAnything"}, {"type": "reject"}]}`, gone, "rejected by policy"},
		{"signedBy opens it", signedByPolicy, gone, "no such file"},
		{"signedBy reads its signatures", signedByPolicy, there, "Source image rejected: A signature was required, but no signature exists"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &puller{opts: PullOptions{SystemCtx: &types.SystemContext{}}, policy: policyOf(t, tc.policy)}
			err := p.sourceAllowed(context.Background(), tc.ref)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("got %v, want allowed", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("got %v, want an error with %q", err, tc.want)
			}
		})
	}
}
