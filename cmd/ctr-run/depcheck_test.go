package main

import (
	"testing"

	"github.com/ctr-project/ctr/internal/depcheck"
)

// TestLeanOfImageTransfer keeps containers/image's transports, copy
// pipeline, signatures and encryption out of ctr-run: each start of a
// binary that links them pays for their package init and a bigger
// image (about 6 ms a call, measured), and ctr-run runs once per
// container. Pulls go through ctr-pull, which has them.
func TestLeanOfImageTransfer(t *testing.T) {
	depcheck.Forbid(t, ".", "containers_image_openpgp exclude_graphdriver_btrfs urfave_cli_no_docs",
		"go.podman.io/image/v5/copy", "go.podman.io/image/v5/storage", "go.podman.io/image/v5/signature",
		"go.podman.io/image/v5/transports", "go.podman.io/image/v5/oci/", "go.podman.io/image/v5/docker/archive",
		"github.com/containers/ocicrypt", "github.com/sigstore/", "github.com/docker/docker-credential-helpers")
}
