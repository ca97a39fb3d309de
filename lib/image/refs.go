package image

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"go.podman.io/image/v5/docker/reference"
	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/transports/alltransports"
	"go.podman.io/image/v5/types"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/storedimage"
)

const storagePrefix = "containers-storage:"

// ParseReference parses an image reference with its transport
// (docker://, oci:, oci-archive:, docker-archive:, dir:, containers-storage:).
// A reference without a transport that names an image in local storage (by
// name, ID or unique ID prefix) means containers-storage:.
func ParseReference(s string, local *LocalStore) (types.ImageReference, error) {
	if strings.HasPrefix(s, storagePrefix) {
		// The transport resolves names in the store set by Get, so the
		// store must be open before the reference is parsed.
		if _, err := openLocal(local); err != nil {
			return nil, err
		}
	}
	ref, err := alltransports.ParseImageName(s)
	if err == nil {
		return ref, nil
	}
	if !isLocalName(s) {
		return nil, errdefs.Usagef("invalid image reference %q: %v", s, err)
	}
	return localReference(s, local)
}

// idPrefix matches an image ID or a prefix of one of 3 digits or more:
// what ctr-pull, which may fetch a name from a registry, takes for an ID
// (containers/image's storage transport has the same minimum). Among
// stored images names are tried before prefixes (lib/lookup), but a
// repository named "ab" is not stored before it is pulled, and 1 or 2
// digits would too often begin the ID of some stored image.
var idPrefix = regexp.MustCompile(`^[0-9a-f]{3,64}$`)

// isLocalName reports whether s could name a local image: an image ID (or
// unique prefix), or a name with no transport.
func isLocalName(s string) bool {
	if idPrefix.MatchString(s) {
		return true
	}
	_, err := reference.ParseNormalizedNamed(s)
	return err == nil && !strings.Contains(s, "://")
}

// localReference resolves a transport-less name or ID in local storage,
// as ctr-run finds it (storedimage.Find: lib/lookup's rule), and gives
// the reference containers/image would have parsed for what matched: the
// stored name, or the image's ID.
func localReference(s string, local *LocalStore) (types.ImageReference, error) {
	store, err := openLocal(local)
	if err != nil {
		return nil, err
	}
	img, name, err := storedimage.FindNamed(store, s)
	if errors.Is(err, errdefs.ErrNotFound) {
		return nil, errdefs.WithKind(errdefs.ErrNotFound,
			fmt.Errorf("%q has no transport and is not an image in local storage (for a registry write docker://%s)", s, s))
	}
	if err != nil {
		return nil, err
	}
	switch {
	case name != "":
	case strings.HasPrefix(img.ID, s):
		name = img.ID
	default:
		name = s // NAME@DIGEST
	}
	ref, err := istorage.Transport.ParseStoreReference(store, name)
	if err == nil {
		_, _, err = istorage.ResolveReference(ref)
	}
	if err != nil {
		return nil, errdefs.Usagef("invalid image reference %q: %v", s, err)
	}
	return ref, nil
}

// transportName is the name of ref's transport, e.g. "docker".
func transportName(ref types.ImageReference) string {
	return ref.Transport().Name()
}
