package image

import (
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"

	digest "github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/transports/alltransports"

	"github.com/ctr-project/ctr/lib/errdefs"
)

func TestParsePlatform(t *testing.T) {
	for in, want := range map[string]string{"linux/amd64": "linux/amd64", "linux/arm/v7": "linux/arm/v7"} {
		p, err := ParsePlatform(in)
		if err != nil || p.String() != want {
			t.Errorf("ParsePlatform(%q) = %v, %v", in, p, err)
		}
	}
	for _, bad := range []string{"", "linux", "linux/", "/amd64", "a/b/c/d"} {
		if _, err := ParsePlatform(bad); !errors.Is(err, errdefs.ErrUsage) {
			t.Errorf("ParsePlatform(%q): got %v, want a usage error", bad, err)
		}
	}
}

func TestDestinationUnderPrefix(t *testing.T) {
	for src, want := range map[string]string{
		"docker://h:5000/a:1":             "docker://m/mirror/a:1",
		"docker://h.test/ns/b":            "docker://m/mirror/ns/b:latest",
		"docker://alpine:3":               "docker://m/mirror/library/alpine:3",
		"docker://h.test/c@" + testDigest: "docker://m/mirror/c@" + testDigest,
	} {
		ref, err := alltransports.ParseImageName(src)
		if err != nil {
			t.Fatal(err)
		}
		got, err := destinationUnder("docker://m/mirror/", ref)
		if err != nil || got != want {
			t.Errorf("%s: got %q, %v; want %q", src, got, err, want)
		}
	}
	ref, _ := alltransports.ParseImageName("dir:/x")
	if _, err := destinationUnder("docker://m/", ref); !errors.Is(err, errdefs.ErrUsage) {
		t.Errorf("dir: source has no name to keep, got %v", err)
	}
}

const testDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestPinnedReference(t *testing.T) {
	d := digest.Digest(testDigest)
	for in, want := range map[string]string{
		"docker://h.test/a:1": "docker://h.test/a@" + testDigest,
		"oci:/x:tag":          "oci:/x:tag",
		"dir:/d":              "dir:/d",
	} {
		ref, err := alltransports.ParseImageName(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := pinnedReference(ref, d, ""); got != want {
			t.Errorf("%s: got %q, want %q", in, got, want)
		}
	}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		err  error
		kind error
	}{
		{fmt.Errorf("x: %w", syscall.ECONNREFUSED), errdefs.ErrTemporary},
		{&net.OpError{Op: "dial", Err: errors.New("x")}, errdefs.ErrTemporary},
		{docker.ErrTooManyRequests, errdefs.ErrTemporary},
		{errors.New("Digest did not match, expected a, got b"), errdefs.ErrBadData},
	} {
		if got := classify(tc.err); !errors.Is(got, tc.kind) {
			t.Errorf("classify(%v): not %v", tc.err, tc.kind)
		}
	}
	if got := classify(docker.ErrUnauthorizedForCredentials{Err: errors.New("no")}); errors.Is(got, errdefs.ErrTemporary) {
		t.Error("an authentication failure must not be retried")
	}
}
