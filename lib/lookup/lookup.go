// Package lookup resolves what a user typed to the one thing it names (a
// container, a pod, a network, an image, a working container), by one rule
// for every tool of the suite, podman's:
//
//  1. the thing whose ID is the reference;
//  2. else the thing with that name (for an image, also the names a short
//     name stands for, in the caller's order);
//  3. else the thing whose ID begins with the reference, if only one does.
//
// An exact ID comes before a name because nobody chooses an ID and anybody
// chooses a name: a container named like another's ID must not capture
// it. A name comes before an ID prefix, as in podman, so that a thing
// named "cafe" stays found by "cafe" when some ID begins with cafe.
//
// There is no minimum prefix length: podman, docker and containers/storage
// accept any unique non-empty prefix, and since names are tried first a
// short prefix can only stand for an ID, or be reported as ambiguous. A
// caller whose reference may also name something not among the candidates
// asks for more before calling (ctr-pull: a repository to pull, see
// lib/image's idPrefix).
//
// The errors are the suite's kinds (lib/errkind, which lib/errdefs
// re-exports): a reference nothing matches is a NotFoundError (not found,
// exit 2); a prefix several IDs begin with is an AmbiguousError, a usage
// error (exit 64, InvalidArgument over the CRI) rather than "not found",
// because the things exist and the user must type more of the ID, and a
// script that reads exit 2 as "already gone" must not skip them; an empty
// reference is a usage error too.
//
// The package links nothing but errors, strconv and strings, so the lean
// ctr-monitor uses it as well.
package lookup

import (
	"errors"
	"strconv"
	"strings"

	"github.com/ctr-project/ctr/lib/errkind"
)

// Keys returns what an item is known by: its ID and its names (nil for
// things looked up by ID only, as the CRI's).
type Keys[T any] func(T) (id string, names []string)

// Find returns the item of items that ref names by the rule above; what
// says what is looked for ("container", "pod", "network"), for the errors.
func Find[T any](what, ref string, items []T, keys Keys[T]) (T, error) {
	return FindAs(what, ref, []string{ref}, items, keys)
}

// FindAs is Find for a reference that stands for the names given, tried
// in their order after the exact ID and before any ID prefix: an image's
// short name busybox stands for itself, docker.io/library/busybox:latest
// and localhost/busybox:latest.
func FindAs[T any](what, ref string, names []string, items []T, keys Keys[T]) (T, error) {
	var zero T
	if ref == "" {
		return zero, errkind.With(errkind.ErrUsage, errors.New("empty "+what+" name or ID"))
	}
	type key struct {
		id    string
		names []string
	}
	ks := make([]key, len(items))
	for i, it := range items {
		ks[i].id, ks[i].names = keys(it)
		if ks[i].id == ref {
			return it, nil
		}
	}
	for _, n := range names {
		if n == "" {
			continue
		}
		for i, k := range ks {
			for _, kn := range k.names {
				if kn == n {
					return items[i], nil
				}
			}
		}
	}
	hit, count := -1, 0
	for i, k := range ks {
		if k.id != "" && strings.HasPrefix(k.id, ref) {
			hit, count = i, count+1
		}
	}
	switch count {
	case 0:
		return zero, &NotFoundError{What: what, Ref: ref}
	case 1:
		return items[hit], nil
	}
	return zero, &AmbiguousError{What: what, Ref: ref, Count: count}
}

// NotFoundError says that no item has ref as its ID, name or ID prefix.
// It is of kind errkind.ErrNotFound (errdefs.ErrNotFound).
type NotFoundError struct {
	What string // what was looked for: "container", "network"
	Ref  string // what the user gave
}

func (e *NotFoundError) Error() string { return "no such " + e.What + " " + strconv.Quote(e.Ref) }

// Unwrap gives the error's kind.
func (e *NotFoundError) Unwrap() error { return errkind.ErrNotFound }

// AmbiguousError says that ref is no ID or name, and the beginning of
// several IDs. It is of kind errkind.ErrUsage (errdefs.ErrUsage).
type AmbiguousError struct {
	What  string // what was looked for: "container", "network"
	Ref   string // what the user gave
	Count int    // how many IDs begin with it
}

func (e *AmbiguousError) Error() string {
	return e.What + " ID prefix " + strconv.Quote(e.Ref) + " is ambiguous: " + strconv.Itoa(e.Count) + " IDs begin with it"
}

// Unwrap gives the error's kind.
func (e *AmbiguousError) Unwrap() error { return errkind.ErrUsage }
