// Package localimage manages the set of images in the store, for
// ctr-image and the CRI's image service (storedimage reads and writes one
// image without containers/image, and localstore only opens the store).
// It looks after the images in local containers/storage, the store
// podman and buildah share: list them, tag and untag them, remove them
// when no container uses them, prune what nothing needs, and read their
// history. The store's own locks make each change safe against a
// concurrent pull, run or build.
package localimage

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"go.podman.io/image/v5/docker/reference"
	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"
	"go.podman.io/storage"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/storedimage"
	ctrtypes "github.com/ctr-project/ctr/lib/types"
)

// Find resolves an image as ctr-run does (storedimage.Find: lib/lookup's
// rule, exact ID, then the names ref stands for, then a unique ID prefix).
func Find(store storage.Store, ref string) (*storage.Image, error) {
	img, _, err := find(store, ref)
	return img, err
}

// find is Find; it also returns the name that matched ("" for an ID).
func find(store storage.Store, ref string) (*storage.Image, string, error) {
	return storedimage.FindNamed(store, ref)
}

// localName is the name a tag makes of name: with a registry as given,
// without one below localhost/ (as podman tag does), with :latest if it
// has no tag.
func localName(name string) (string, error) {
	first, _, hasHost := strings.Cut(name, "/")
	if !hasHost || (!strings.ContainsAny(first, ".:") && first != "localhost") {
		name = "localhost/" + name
	}
	named, err := reference.ParseNormalizedNamed(name)
	if err != nil {
		return "", errdefs.Usagef("invalid image name %q: %v", name, err)
	}
	if _, ok := named.(reference.Digested); ok {
		return "", errdefs.Usagef("invalid image name %q: a tag, not a digest", name)
	}
	return reference.TagNameOnly(named).String(), nil
}

// record describes img; users counts the containers that use it.
func record(store storage.Store, img *storage.Image, users int) ctrtypes.ImageRecord {
	size, err := store.ImageSize(img.ID)
	if err != nil {
		size = -1
	}
	names := img.Names
	if names == nil {
		names = []string{}
	}
	return ctrtypes.ImageRecord{
		Schema: ctrtypes.ImageSchema, ID: img.ID, Names: names, Digest: img.Digest.String(),
		Created: img.Created.UTC(), Size: size, Dangling: len(img.Names) == 0, Containers: users, ReadOnly: img.ReadOnly,
	}
}

// users maps each image ID to the IDs of the containers made from it
// (ctr-run's, ctr-build's working containers, podman's, buildah's).
func users(store storage.Store) (map[string][]storage.Container, error) {
	cs, err := store.Containers()
	if err != nil {
		return nil, err
	}
	out := map[string][]storage.Container{}
	for _, c := range cs {
		out[c.ImageID] = append(out[c.ImageID], c)
	}
	return out, nil
}

// config reads an image's OCI config (for labels and history).
func config(ctx context.Context, store storage.Store, id string) (*types.ImageInspectInfo, error) {
	ref, err := istorage.Transport.NewStoreReference(store, nil, id)
	if err != nil {
		return nil, err
	}
	img, err := ref.NewImage(ctx, &types.SystemContext{})
	if err != nil {
		return nil, err
	}
	defer img.Close()
	return img.Inspect(ctx)
}

// Filters select images for List and Prune, as podman images --filter.
type Filters struct {
	References []string          // glob patterns on names (or their repository)
	Dangling   *bool             // only images without names (true) or with (false)
	Before     *time.Time        // created before
	Since      *time.Time        // created after
	Labels     map[string]string // label present (value "" = any value)
}

// ParseFilter adds one --filter KEY=VALUE to f; find resolves before= and
// since= images.
func (f *Filters) ParseFilter(s string, find func(string) (*storage.Image, error)) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || v == "" {
		return errdefs.Usagef("invalid filter %q: want KEY=VALUE", s)
	}
	switch k {
	case "reference":
		if _, err := path.Match(v, ""); err != nil {
			return errdefs.Usagef("invalid filter %q: %v", s, err)
		}
		f.References = append(f.References, v)
	case "dangling":
		b := v == "true"
		if v != "true" && v != "false" {
			return errdefs.Usagef("invalid filter %q: dangling is true or false", s)
		}
		f.Dangling = &b
	case "before", "since":
		img, err := find(v)
		if err != nil {
			return err
		}
		t := img.Created
		if k == "before" {
			f.Before = &t
		} else {
			f.Since = &t
		}
	case "until":
		t, err := parseUntil(v)
		if err != nil {
			return errdefs.Usagef("invalid filter %q: %v", s, err)
		}
		f.Before = &t
	case "label":
		if f.Labels == nil {
			f.Labels = map[string]string{}
		}
		lk, lv, _ := strings.Cut(v, "=")
		f.Labels[lk] = lv
	default:
		return errdefs.Usagef("invalid filter %q: want reference, dangling, before, since, until or label", s)
	}
	return nil
}

// parseUntil reads until=: a duration ago (24h, 90m) or a time (RFC 3339,
// or Unix seconds).
func parseUntil(v string) (time.Time, error) {
	if d, err := time.ParseDuration(v); err == nil {
		return time.Now().Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	var secs int64
	if _, err := fmt.Sscanf(v, "%d", &secs); err == nil && fmt.Sprint(secs) == v {
		return time.Unix(secs, 0), nil
	}
	return time.Time{}, errors.New("want a duration (24h) or a time (RFC 3339, Unix seconds)")
}

func (f *Filters) match(ctx context.Context, store storage.Store, img *storage.Image) bool {
	if f.Dangling != nil && *f.Dangling != (len(img.Names) == 0) {
		return false
	}
	if f.Before != nil && !img.Created.Before(*f.Before) {
		return false
	}
	if f.Since != nil && !img.Created.After(*f.Since) {
		return false
	}
	if len(f.References) > 0 && !slices.ContainsFunc(img.Names, func(n string) bool {
		return slices.ContainsFunc(f.References, func(p string) bool { return nameMatches(p, n) })
	}) {
		return false
	}
	if len(f.Labels) > 0 {
		info, err := config(ctx, store, img.ID)
		if err != nil {
			return false
		}
		for k, v := range f.Labels {
			got, ok := info.Labels[k]
			if !ok || (v != "" && got != v) {
				return false
			}
		}
	}
	return true
}

// nameMatches says whether a reference= pattern names n: the whole name,
// its repository, or either without the registry (busybox, library/*).
func nameMatches(pattern, n string) bool {
	repo, _, _ := strings.Cut(n, "@")
	if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo = repo[:i]
	}
	forms := []string{n, repo}
	for _, f := range []string{n, repo} {
		if _, rest, ok := strings.Cut(f, "/"); ok {
			forms = append(forms, rest)
			if r, ok := strings.CutPrefix(rest, "library/"); ok {
				forms = append(forms, r)
			}
		}
	}
	for _, f := range forms {
		if ok, _ := path.Match(pattern, f); ok {
			return true
		}
	}
	return false
}

// List returns the stored images f selects, newest first.
func List(ctx context.Context, store storage.Store, f Filters) ([]ctrtypes.ImageRecord, error) {
	imgs, err := store.Images()
	if err != nil {
		return nil, err
	}
	used, err := users(store)
	if err != nil {
		return nil, err
	}
	var out []ctrtypes.ImageRecord
	for i := range imgs {
		if f.match(ctx, store, &imgs[i]) {
			out = append(out, record(store, &imgs[i], len(used[imgs[i].ID])))
		}
	}
	slices.SortStableFunc(out, func(a, b ctrtypes.ImageRecord) int { return b.Created.Compare(a.Created) })
	return out, nil
}

// Tag adds names to the image ref names.
func Tag(store storage.Store, ref string, names []string) (*storage.Image, error) {
	img, err := Find(store, ref)
	if err != nil {
		return nil, err
	}
	var add []string
	for _, n := range names {
		full, err := localName(n)
		if err != nil {
			return nil, err
		}
		add = append(add, full)
	}
	// A name moves from the image that had it, as podman tag moves it.
	if err := store.AddNames(img.ID, add); err != nil {
		return nil, err
	}
	return store.Image(img.ID)
}

// Untag removes names from the image ref names (all of them with none
// given); the image stays, dangling if it has no name left.
func Untag(store storage.Store, ref string, names []string) (*storage.Image, error) {
	img, err := Find(store, ref)
	if err != nil {
		return nil, err
	}
	remove := img.Names
	if len(names) > 0 {
		remove = nil
		for _, n := range names {
			full, err := localName(n)
			if err != nil {
				return nil, err
			}
			if !slices.Contains(img.Names, full) {
				// A name as Find reads it (docker.io/library/… for a short one).
				if _, matched, err := find(store, n); err == nil && matched != "" && slices.Contains(img.Names, matched) {
					full = matched
				}
			}
			if !slices.Contains(img.Names, full) {
				return nil, errdefs.WithKind(errdefs.ErrNotFound, fmt.Errorf("image %s has no name %s", img.ID[:12], full))
			}
			remove = append(remove, full)
		}
	}
	if err := store.RemoveNames(img.ID, remove); err != nil {
		return nil, err
	}
	return store.Image(img.ID)
}

// Removed is what Remove did to one image: the names it took off, and
// whether the image itself went.
type Removed struct {
	ID       string
	Untagged []string
	Deleted  bool
	// Record is the image as it was.
	Record ctrtypes.ImageRecord
}

// RemoveContainer removes a container that uses an image being removed
// with force; it returns an error for a container it cannot remove (one
// of another tool's).
type RemoveContainer func(c storage.Container) error

// Remove removes the image ref names. By a name of an image that has
// other names it takes that name off only; otherwise the image goes, and
// its layers no other image or container uses. An image a container uses
// is refused, unless force, which removes those containers first through
// rm (nil: none may be removed).
func Remove(store storage.Store, ref string, force bool, rm RemoveContainer) (Removed, error) {
	img, matched, err := find(store, ref)
	if err != nil {
		return Removed{}, err
	}
	out := Removed{ID: img.ID, Record: record(store, img, 0)}
	if matched != "" && len(img.Names) > 1 {
		// By name: that name only, the image keeps its others.
		if err := store.RemoveNames(img.ID, []string{matched}); err != nil {
			return out, err
		}
		out.Untagged = []string{matched}
		return out, nil
	}
	if matched == "" && len(img.Names) > 1 && !force {
		return out, errdefs.Usagef("image %s has several names (%s): remove them one by one, or use -f", img.ID[:12], strings.Join(img.Names, ", "))
	}
	if img.ReadOnly {
		return out, errdefs.Usagef("image %s is in a read-only image store", img.ID[:12])
	}
	used, err := users(store)
	if err != nil {
		return out, err
	}
	for _, c := range used[img.ID] {
		name := c.ID[:12]
		if len(c.Names) > 0 {
			name = c.Names[0]
		}
		if !force {
			return out, errdefs.Usagef("image %s is used by container %s: remove it first, or use -f", img.ID[:12], name)
		}
		if rm == nil {
			return out, errdefs.Usagef("image %s is used by container %s", img.ID[:12], name)
		}
		if err := rm(c); err != nil {
			return out, fmt.Errorf("image %s: removing its container %s: %w", img.ID[:12], name, err)
		}
	}
	if _, err := store.DeleteImage(img.ID, true); err != nil {
		if errors.Is(err, storage.ErrImageUsedByContainer) {
			return out, errdefs.Usagef("image %s is used by a container made meanwhile: %v", img.ID[:12], err)
		}
		return out, err
	}
	out.Untagged, out.Deleted = img.Names, true
	return out, nil
}

// Prune removes the images f selects that no container uses: those
// without a name (dangling) unless all. It returns what it removed.
func Prune(ctx context.Context, store storage.Store, all bool, f Filters) ([]ctrtypes.ImageRecord, error) {
	if !all {
		t := true
		f.Dangling = &t
	}
	var out []ctrtypes.ImageRecord
	// Removing an image can leave its parent unused and nameless: go on
	// until a round removes nothing.
	for {
		imgs, err := store.Images()
		if err != nil {
			return out, err
		}
		used, err := users(store)
		if err != nil {
			return out, err
		}
		removed := 0
		for i := range imgs {
			img := &imgs[i]
			if img.ReadOnly || len(used[img.ID]) > 0 || beingCommitted(store, img) || !f.match(ctx, store, img) {
				continue
			}
			rec := record(store, img, 0)
			if _, err := store.DeleteImage(img.ID, true); err != nil {
				if errors.Is(err, storage.ErrImageUsedByContainer) || errors.Is(err, storage.ErrImageUnknown) {
					continue // a container made meanwhile, or another prune
				}
				return out, err
			}
			out = append(out, rec)
			removed++
		}
		if removed == 0 {
			return out, nil
		}
	}
}

// commitGrace is how long an image that never had a name is spared after
// its top layer was made.
const commitGrace = time.Minute

// beingCommitted says whether img may be a pull's image not named yet:
// containers/image creates the image, then adds its names, and a prune
// between the two saw it dangling and removed what the pull then named.
// An image that had names (untagged since) has them in its history; one
// that never had any is spared while its top layer is new.
func beingCommitted(store storage.Store, img *storage.Image) bool {
	if len(img.Names) > 0 || len(img.NamesHistory) > 0 || img.TopLayer == "" {
		return false
	}
	l, err := store.Layer(img.TopLayer)
	return err == nil && time.Since(l.Created) < commitGrace
}

// History is an image's history, newest first, as podman history shows it.
func History(ctx context.Context, store storage.Store, ref string) ([]ctrtypes.HistoryRecord, error) {
	img, err := Find(store, ref)
	if err != nil {
		return nil, err
	}
	sref, err := istorage.Transport.NewStoreReference(store, nil, img.ID)
	if err != nil {
		return nil, err
	}
	simg, err := sref.NewImage(ctx, &types.SystemContext{})
	if err != nil {
		return nil, err
	}
	defer simg.Close()
	cfg, err := simg.OCIConfig(ctx)
	if err != nil {
		return nil, err
	}
	hist := cfg.History
	layers, err := layerChain(store, img.TopLayer)
	if err != nil {
		return nil, err
	}
	out := make([]ctrtypes.HistoryRecord, 0, len(hist))
	li := 0
	for _, h := range hist {
		r := ctrtypes.HistoryRecord{Schema: ctrtypes.HistorySchema, ID: "<missing>", CreatedBy: h.CreatedBy, Comment: h.Comment, EmptyLayer: h.EmptyLayer}
		if h.Created != nil {
			t := h.Created.UTC()
			r.Created = &t
		}
		if !h.EmptyLayer && li < len(layers) {
			r.Size = layers[li].UncompressedSize
			li++
		}
		out = append(out, r)
	}
	if len(out) > 0 {
		out[len(out)-1].ID = img.ID
	}
	slices.Reverse(out)
	return out, nil
}

// layerChain is the image's layers, base first.
func layerChain(store storage.Store, top string) ([]*storage.Layer, error) {
	var out []*storage.Layer
	for id := top; id != ""; {
		l, err := store.Layer(id)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
		id = l.Parent
	}
	slices.Reverse(out)
	return out, nil
}
