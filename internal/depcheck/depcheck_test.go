package depcheck

import "testing"

// The check must be able to fail: ctr-copy does link containers/image.
func TestLinkedFindsWhatIsLinked(t *testing.T) {
	found, err := Linked("github.com/ctr-project/ctr/cmd/ctr-copy", "containers_image_openpgp exclude_graphdriver_btrfs", "go.podman.io/image/v5/copy")
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 1 {
		t.Fatalf("found %v, want go.podman.io/image/v5/copy", found)
	}
}
