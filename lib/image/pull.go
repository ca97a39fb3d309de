package image

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	digest "github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/docker/reference"
	cimage "go.podman.io/image/v5/image"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/pkg/shortnames"
	"go.podman.io/image/v5/pkg/sysregistriesv2"
	"go.podman.io/image/v5/signature"
	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/transports"
	"go.podman.io/image/v5/transports/alltransports"
	"go.podman.io/image/v5/types"
	"go.podman.io/storage"
	"golang.org/x/sync/semaphore"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/lookup"
	"github.com/ctr-project/ctr/lib/storedimage"
	ctrtypes "github.com/ctr-project/ctr/lib/types"
)

// Pull policies, as podman's --policy.
const (
	PullAlways  = "always"
	PullMissing = "missing"
	PullNever   = "never"
	PullNewer   = "newer"
)

// PullOptions configures Pull.
type PullOptions struct {
	// SystemCtx carries registry, TLS and auth settings.
	SystemCtx *types.SystemContext
	Policy    PolicyOptions
	// Local is the store images are pulled into.
	Local *LocalStore
	// PullPolicy is always (the default), missing, never or newer.
	PullPolicy string
	// Platform, if set, is pulled instead of the host's.
	Platform *Platform
	// AllTags pulls every tag of each repository named.
	AllTags bool
	// RegistryOnly takes registry references only (docker://NAME or a
	// plain NAME, short names resolved as usual) and refuses the other
	// transports (oci:, dir:, docker-archive:, …), which read the
	// machine's files: a daemon's clients name images, not paths.
	RegistryOnly bool
	// Jobs is the number of images pulled at once (default 3).
	Jobs  int
	Retry RetryOptions

	// Log receives progress and messages; nil is silent. LogIsTTY draws
	// bars instead of lines.
	Log              io.Writer
	LogIsTTY         bool
	ProgressInterval time.Duration
}

// Pull stores each image in local storage and calls emit with its record,
// in the order of images. Images are pulled concurrently; their layers are
// unpacked concurrently. Pull goes on after a failed image and returns the
// first error.
func Pull(ctx context.Context, opts PullOptions, images []string, emit func(ctrtypes.PullRecord) error) error {
	if len(images) == 0 {
		return errdefs.Usagef("no image to pull")
	}
	if err := opts.validate(); err != nil {
		return err
	}
	if opts.RegistryOnly {
		for _, name := range images {
			if err := registryReference(name); err != nil {
				return err
			}
		}
	}
	store, err := openLocal(opts.Local)
	if err != nil {
		return err
	}
	policy, err := loadPolicy(opts.Policy, opts.SystemCtx, opts.Log)
	if err != nil {
		return err
	}
	p := &puller{opts: opts, store: store, policy: policy,
		layerSem: semaphore.NewWeighted(3), blobSem: semaphore.NewWeighted(6)}

	// Each image gets a slot; a worker pool fills them, emit reads them in order.
	type result struct {
		recs []ctrtypes.PullRecord
		err  error
	}
	slots := make([]chan result, len(images))
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(opts.Jobs, len(images)) {
		wg.Go(func() {
			for i := range work {
				recs, err := p.pullName(ctx, images[i])
				slots[i] <- result{recs, err}
			}
		})
	}
	for i := range slots {
		slots[i] = make(chan result, 1)
	}
	go func() {
		for i := range images {
			work <- i
		}
		close(work)
	}()
	defer wg.Wait()

	var first error
	for i := range images {
		r := <-slots[i]
		err := r.err
		for _, rec := range r.recs {
			if err == nil {
				err = emit(rec)
			}
		}
		if err != nil {
			if len(images) > 1 && opts.Log != nil {
				fmt.Fprintf(opts.Log, "error: %v\n", err)
			}
			if first == nil {
				first = err
			}
		}
	}
	return first
}

func (o *PullOptions) validate() error {
	switch o.PullPolicy {
	case "":
		o.PullPolicy = PullAlways
	case PullAlways, PullMissing, PullNever, PullNewer:
	default:
		return errdefs.Usagef("unsupported pull policy %q: want always, missing, never or newer", o.PullPolicy)
	}
	if o.SystemCtx == nil {
		o.SystemCtx = &types.SystemContext{}
	}
	if o.Platform != nil {
		sys := *o.SystemCtx
		sys.OSChoice, sys.ArchitectureChoice, sys.VariantChoice = o.Platform.OS, o.Platform.Architecture, o.Platform.Variant
		o.SystemCtx = &sys
	}
	if o.Jobs <= 0 {
		o.Jobs = 3
	}
	if o.ProgressInterval <= 0 {
		o.ProgressInterval = 10 * time.Second
	}
	if o.Local == nil {
		return errdefs.Usagef("internal error: no local store")
	}
	return nil
}

type puller struct {
	opts     PullOptions
	store    storage.Store
	policy   *signature.Policy
	layerSem *semaphore.Weighted // layers unpacked at once, across images
	blobSem  *semaphore.Weighted // blobs copied at once by containers/image
}

// candidate is one place an image name may be pulled from.
type candidate struct {
	src    types.ImageReference
	name   reference.Named // name in local storage, nil for none
	record func() error    // records a short-name alias after success
}

// pullName pulls one name as given by the user (with --all-tags, each tag).
func (p *puller) pullName(ctx context.Context, name string) ([]ctrtypes.PullRecord, error) {
	if p.opts.AllTags {
		return p.pullAllTags(ctx, name)
	}
	rec, err := p.pullOne(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("pull %s: %w", name, err)
	}
	return []ctrtypes.PullRecord{rec}, nil
}

func (p *puller) pullAllTags(ctx context.Context, name string) ([]ctrtypes.PullRecord, error) {
	if named, err := reference.ParseNormalizedNamed(strings.TrimPrefix(name, "docker://")); err == nil && !reference.IsNameOnly(named) {
		return nil, errdefs.Usagef("pull %s: every tag of a repository: name it without a tag or digest", name)
	}
	cands, err := p.candidates(name)
	if err != nil {
		return nil, fmt.Errorf("pull %s: %w", name, err)
	}
	var errs []error
	for _, c := range cands {
		if c.src.Transport().Name() != docker.Transport.Name() || c.name == nil {
			return nil, errdefs.Usagef("pull %s: every tag of a repository: only a registry has tags to list", name)
		}
		// Only the repository of the reference is used to list tags.
		repo := c.src
		var tags []string
		err = withRetry(ctx, "list tags of "+c.name.Name(), p.opts.Retry, func(ctx context.Context) error {
			tags, err = docker.GetRepositoryTags(ctx, p.opts.SystemCtx, repo)
			return err
		})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		var recs []ctrtypes.PullRecord
		for _, tag := range tags {
			rec, err := p.pullOne(ctx, "docker://"+c.name.Name()+":"+tag)
			if err != nil {
				return recs, fmt.Errorf("pull %s:%s: %w", c.name.Name(), tag, err)
			}
			recs = append(recs, rec)
		}
		return recs, nil
	}
	return nil, fmt.Errorf("pull %s: %w", name, joinPullErrors(errs))
}

// pullOne applies the pull policy to one image and pulls it if needed,
// trying each short-name candidate in turn.
func (p *puller) pullOne(ctx context.Context, name string) (ctrtypes.PullRecord, error) {
	local, err := p.localByID(name)
	if err != nil {
		return ctrtypes.PullRecord{}, err
	}
	if local != nil {
		if p.opts.PullPolicy == PullAlways {
			return ctrtypes.PullRecord{}, errdefs.Usagef("%s is an image ID: there is nothing to pull with the always policy", name)
		}
		return p.record(local, name, false, 0, 0)
	}
	if fullID.MatchString(name) {
		// No registry has a repository named so (a reference may not be
		// 64 hex digits): an image ID this store does not have.
		return ctrtypes.PullRecord{}, errdefs.WithKind(errdefs.ErrNotFound, fmt.Errorf("%s: image not known", name))
	}
	cands, err := p.candidates(name)
	if err != nil {
		return ctrtypes.PullRecord{}, err
	}
	if p.opts.PullPolicy != PullAlways {
		if rec, ok, err := p.useStored(ctx, cands); ok || err != nil {
			return rec, err
		}
		if p.opts.PullPolicy == PullNever {
			return ctrtypes.PullRecord{}, errdefs.WithKind(errdefs.ErrNotFound, fmt.Errorf("%s: image not known", name))
		}
	}
	var errs []error
	for _, c := range cands {
		if len(cands) > 1 {
			p.logf("Trying to pull %s...\n", transports.ImageName(c.src))
		}
		rec, err := p.pullCandidate(ctx, c)
		if err == nil {
			if c.record != nil {
				if err := c.record(); err != nil {
					p.logf("warning: %v\n", err)
				}
			}
			return rec, nil
		}
		errs = append(errs, err)
	}
	return ctrtypes.PullRecord{}, joinPullErrors(errs)
}

// joinPullErrors reports every candidate's error; the kind is not found
// only if every candidate was not found.
func joinPullErrors(errs []error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	msgs := make([]string, len(errs))
	allNotFound, kind := true, error(nil)
	for i, e := range errs {
		msgs[i] = e.Error()
		if !errors.Is(e, errdefs.ErrNotFound) {
			allNotFound = false
			for _, k := range []error{errdefs.ErrTemporary, errdefs.ErrBadData, errdefs.ErrUsage} {
				if kind == nil && errors.Is(e, k) {
					kind = k
				}
			}
		}
	}
	err := fmt.Errorf("%d errors occurred while pulling: %s", len(errs), strings.Join(msgs, "; "))
	if allNotFound {
		return errdefs.WithKind(errdefs.ErrNotFound, err)
	}
	if kind != nil {
		return errdefs.WithKind(kind, err)
	}
	return err
}

// candidates turns what the user wrote into the references to try: one
// for a reference with a transport, the short-name candidates otherwise.
func (p *puller) candidates(name string) ([]candidate, error) {
	// With RegistryOnly a name that reads as another transport's is a
	// short name ("oci:foo" is the image oci, tag foo, of a registry).
	if ref, err := alltransports.ParseImageName(name); err == nil &&
		(!p.opts.RegistryOnly || ref.Transport().Name() == docker.Transport.Name()) {
		if ref.Transport().Name() == istorage.Transport.Name() {
			return nil, errdefs.Usagef("%s is already in local storage", name)
		}
		return []candidate{{src: ref, name: storageName(ref)}}, nil
	}
	if strings.Contains(name, "://") {
		return nil, errdefs.Usagef("invalid image reference %q", name)
	}
	resolved, err := shortnames.Resolve(p.opts.SystemCtx, name)
	if err != nil {
		if strings.Contains(err.Error(), "cannot prompt without a TTY") {
			return nil, p.ambiguous(name)
		}
		return nil, errdefs.Usagef("%v", err)
	}
	if d := resolved.Description(); d != "" {
		p.logf("%s\n", d)
	}
	var out []candidate
	for _, c := range resolved.PullCandidates {
		ref, err := docker.NewReference(c.Value)
		if err != nil {
			return nil, errdefs.Usagef("%v", err)
		}
		out = append(out, candidate{src: ref, name: c.Value, record: c.Record})
	}
	return out, nil
}

// registryReference checks that name is an image of a registry:
// docker://NAME or a plain NAME, NAME a reference of the distribution
// grammar (not an image ID, nor a path).
func registryReference(name string) error {
	if _, err := reference.ParseNormalizedNamed(strings.TrimPrefix(name, "docker://")); err != nil {
		return errdefs.Usagef("%q is not a registry reference (docker://NAME or NAME): %v", name, err)
	}
	return nil
}

// ambiguous explains an enforcing short-name mode that cannot prompt.
func (p *puller) ambiguous(name string) error {
	regs, _ := sysregistriesv2.UnqualifiedSearchRegistries(p.opts.SystemCtx)
	var alts []string
	for _, r := range regs {
		alts = append(alts, "docker://"+r+"/"+name)
	}
	return errdefs.Usagef("short name %q is ambiguous (short-name-mode is enforcing and there is no terminal to ask): write one of %s",
		name, strings.Join(alts, ", "))
}

// storageName is the name a pulled image gets in local storage.
func storageName(ref types.ImageReference) reference.Named {
	if named := ref.DockerReference(); named != nil {
		return reference.TagNameOnly(named)
	}
	return nil
}

// fullID is a whole image ID, with no "sha256:".
var fullID = regexp.MustCompile(`^[0-9a-f]{64}$`)

// localByID finds the stored image name is the ID or unique ID prefix of
// (lib/lookup's rule: a stored name it stands for wins, and is left to the
// pull policy; nil when there is none); a prefix several IDs begin with
// is an error.
func (p *puller) localByID(name string) (*storage.Image, error) {
	if !idPrefix.MatchString(name) {
		return nil, nil
	}
	img, matched, err := storedimage.FindNamed(p.store, name)
	switch {
	case err == nil && matched == "":
		return img, nil
	case errors.As(err, new(*lookup.AmbiguousError)):
		return nil, err
	}
	return nil, nil // not a stored ID (maybe a stored name): a name to pull
}

// local finds the image stored under name, nil if there is none (or it is
// for another platform than the one asked for).
func (p *puller) local(name reference.Named) *storage.Image {
	if name == nil {
		return nil
	}
	ref, err := istorage.Transport.NewStoreReference(p.store, name, "")
	if err != nil {
		return nil
	}
	_, img, err := istorage.ResolveReference(ref)
	if err != nil {
		return nil
	}
	if p.opts.Platform != nil && !p.hasPlatform(img) {
		return nil
	}
	return img
}

func (p *puller) hasPlatform(img *storage.Image) bool {
	ref, err := istorage.Transport.NewStoreReference(p.store, nil, img.ID)
	if err != nil {
		return false
	}
	i, err := ref.NewImage(context.Background(), p.opts.SystemCtx)
	if err != nil {
		return false
	}
	defer i.Close()
	info, err := i.Inspect(context.Background())
	if err != nil {
		return false
	}
	pl := p.opts.Platform
	return info.Os == pl.OS && info.Architecture == pl.Architecture && (pl.Variant == "" || info.Variant == pl.Variant)
}

// useStored applies the missing, never and newer policies to the
// candidates: the record of the stored image to use instead of a pull
// (ok), or nothing to pull.
func (p *puller) useStored(ctx context.Context, cands []candidate) (ctrtypes.PullRecord, bool, error) {
	for _, c := range cands {
		img := p.local(c.name)
		if img == nil {
			continue
		}
		if p.opts.PullPolicy == PullNewer {
			pull, err := p.newer(ctx, c, img)
			if err != nil || pull {
				return ctrtypes.PullRecord{}, err != nil, err
			}
		}
		rec, err := p.record(img, transports.ImageName(c.src), false, 0, 0)
		return rec, true, err
	}
	return ctrtypes.PullRecord{}, false, nil
}

// newer asks the registry (a HEAD request) whether the tag now names a
// manifest the local image does not have. When the registry cannot say,
// the local image is used, as podman does. When it says the image is
// unchanged, the signature policy is asked about what it serves, as a
// pull would: the registry was asked, so keeping the stored image is
// taking the source's image again (unlike --policy missing, which asks
// no one and accepts nothing new). podman keeps it without asking; then
// whether a policy that now rejects the source holds would depend on
// whether the tag happened to move.
func (p *puller) newer(ctx context.Context, c candidate, img *storage.Image) (bool, error) {
	if c.src.Transport().Name() != docker.Transport.Name() {
		return true, nil
	}
	d, err := docker.GetDigest(ctx, p.opts.SystemCtx, c.src)
	if err != nil {
		p.logf("warning: checking %s for a newer image: %v; using the local image\n", transports.ImageName(c.src), err)
		return false, nil
	}
	if d != img.Digest && !containsDigest(img.Digests, d) {
		return true, nil
	}
	return false, p.sourceAllowed(ctx, c.src)
}

// sourceAllowed asks the signature policy about the image ref names, as
// a pull of it would (checkSource). The image is opened (a manifest GET,
// counted by rate-limiting registries, which the HEAD of newer is not)
// only when a requirement reads it: a policy that decides by the name
// alone (insecureAcceptAnything, reject) is asked without it.
func (p *puller) sourceAllowed(ctx context.Context, ref types.ImageReference) error {
	err := withPolicy(p.policy, func(pc *signature.PolicyContext) error {
		return allowed(pc.IsRunningImageAllowed(ctx, nameOnly{ref}))
	})
	if !errors.Is(err, errUnread) {
		return err
	}
	src, err := ref.NewImageSource(ctx, p.opts.SystemCtx)
	if err != nil {
		return err
	}
	defer src.Close()
	mb, mt, err := src.GetManifest(ctx, nil)
	if err != nil {
		return err
	}
	var instances []digest.Digest
	if manifest.MIMETypeIsMultiImage(mt) { // the instance a pull takes, as copy.Image asks
		list, err := manifest.ListFromBlob(mb, mt)
		if err != nil {
			return errdefs.WithKind(errdefs.ErrBadData, err)
		}
		d, err := list.ChooseInstance(p.opts.SystemCtx)
		if err != nil {
			return errdefs.WithKind(errdefs.ErrNotFound, err)
		}
		instances = []digest.Digest{d}
	}
	return checkSource(ctx, p.policy, src, instances)
}

func containsDigest(ds []digest.Digest, d digest.Digest) bool {
	for _, x := range ds {
		if x == d {
			return true
		}
	}
	return false
}

// pullCandidate pulls one reference into local storage, retrying the whole
// pull on temporary failures. The layers that arrived are kept for the next
// attempt (or the next run), unless the image is refused as bad data: then
// none of it stays.
func (p *puller) pullCandidate(ctx context.Context, c candidate) (ctrtypes.PullRecord, error) {
	start := time.Now()
	var rec ctrtypes.PullRecord
	var created []string
	err := withRetry(ctx, "pull "+transports.ImageName(c.src), p.opts.Retry, func(ctx context.Context) error {
		var err error
		var ids []string
		rec, ids, err = p.attempt(ctx, c)
		created = append(created, ids...)
		return err
	})
	if errors.Is(err, errdefs.ErrBadData) {
		for _, id := range slices.Backward(created) {
			_ = p.store.DeleteLayer(id) // refused while something uses it
		}
	}
	rec.Seconds = time.Since(start).Seconds()
	return rec, err
}

// attempt is one try at pulling c. It returns the layers it created, also
// when it fails.
func (p *puller) attempt(ctx context.Context, c candidate) (ctrtypes.PullRecord, []string, error) {
	prog := startProgress(p.opts.Log, p.opts.LogIsTTY, p.opts.ProgressInterval/10)
	defer prog.stop()
	configDigest, created, err := p.stage(ctx, c.src, prog)
	if err != nil {
		return ctrtypes.PullRecord{}, created, err
	}
	rec, err := p.storeImage(ctx, c, configDigest, prog)
	return rec, created, err
}

// storeImage has containers/image store the image record, all its layers being
// in place (or, for images stage cannot plan, the whole image).
func (p *puller) storeImage(ctx context.Context, c candidate, configDigest digest.Digest, prog *progress) (ctrtypes.PullRecord, error) {
	dest, err := istorage.Transport.NewStoreReference(p.store, c.name, "")
	if c.name == nil {
		if configDigest == "" {
			return ctrtypes.PullRecord{}, errdefs.Usagef("%s has no name to store it under", transports.ImageName(c.src))
		}
		dest, err = istorage.Transport.NewStoreReference(p.store, nil, configDigest.Encoded())
	}
	if err != nil {
		return ctrtypes.PullRecord{}, err
	}
	var resolved types.ImageReference
	co := &copy.Options{
		SourceCtx:                     p.opts.SystemCtx,
		DestinationCtx:                p.opts.SystemCtx,
		ReportResolvedReference:       &resolved,
		ConcurrentBlobCopiesSemaphore: p.blobSem,
		Progress:                      prog.ch,
		ProgressInterval:              p.opts.ProgressInterval / 10,
	}
	if err := withPolicy(p.policy, func(pc *signature.PolicyContext) error {
		_, err := copy.Image(ctx, pc, dest, c.src, co)
		return err
	}); err != nil {
		return ctrtypes.PullRecord{}, err
	}
	_, img, err := istorage.ResolveReference(resolved)
	if err != nil {
		return ctrtypes.PullRecord{}, fmt.Errorf("internal error: finding the image just stored: %w", err)
	}
	return p.record(img, transports.ImageName(c.src), true, prog.stats.bytes, 0)
}

// stage unpacks the missing layers of the image src names (the instance
// for this platform of an index) straight into storage, concurrently. It
// returns the image's config digest. Images it cannot plan (schema 1,
// configs without DiffIDs) are left to containers/image.
func (p *puller) stage(ctx context.Context, ref types.ImageReference, prog *progress) (digest.Digest, []string, error) {
	src, err := ref.NewImageSource(ctx, p.opts.SystemCtx)
	if err != nil {
		return "", nil, err
	}
	defer src.Close()
	// The signature policy first, as copy.Image would: an image it
	// rejects leaves nothing in the store, not even layers.
	if err := checkSource(ctx, p.policy, src, nil); err != nil {
		return "", nil, err
	}
	mb, mt, err := src.GetManifest(ctx, nil)
	if err != nil {
		return "", nil, err
	}
	var instance *digest.Digest
	if manifest.MIMETypeIsMultiImage(mt) {
		list, err := manifest.ListFromBlob(mb, mt)
		if err != nil {
			return "", nil, errdefs.WithKind(errdefs.ErrBadData, err)
		}
		d, err := list.ChooseInstance(p.opts.SystemCtx)
		if err != nil {
			return "", nil, errdefs.WithKind(errdefs.ErrNotFound, err)
		}
		instance = &d
	}
	img, err := cimage.FromUnparsedImage(ctx, p.opts.SystemCtx, cimage.UnparsedInstance(src, instance))
	if err != nil {
		return "", nil, err
	}
	configDigest := img.ConfigInfo().Digest
	if p.store.GraphDriverName() != "overlay" {
		// Staging is the overlay driver's (vfs answers "not supported"):
		// containers/image unpacks for the others.
		return configDigest, nil, nil
	}
	cfg, err := img.OCIConfig(ctx)
	if err != nil {
		return configDigest, nil, err
	}
	plans, err := planLayers(img.LayerInfos(), cfg.RootFS.DiffIDs)
	if err != nil || img.ConfigInfo().Digest == "" {
		return configDigest, nil, nil // containers/image copes with odd images its own way
	}
	st := &stager{store: p.store, src: src, sem: p.layerSem, prog: prog}
	created, err := st.stageLayers(ctx, plans)
	return configDigest, created, err
}

func (p *puller) record(img *storage.Image, source string, pulled bool, bytes int64, seconds float64) (ctrtypes.PullRecord, error) {
	size, err := p.store.ImageSize(img.ID)
	if err != nil {
		size = -1
	}
	names := img.Names
	if names == nil {
		names = []string{}
	}
	return ctrtypes.PullRecord{
		Schema: ctrtypes.PullSchema, ID: img.ID, Names: names, Digest: img.Digest.String(),
		Size: size, Source: source, Pulled: pulled, Bytes: bytes, Seconds: seconds,
	}, nil
}

func (p *puller) logf(format string, args ...any) {
	if p.opts.Log != nil {
		fmt.Fprintf(p.opts.Log, format, args...)
	}
}

// PullOne pulls one image with these options and returns its ID; always
// pulls it even if it is stored (else: only when missing). Its signature
// is lib/run's Puller, for the tools that pull in-process.
func (o PullOptions) PullOne(ctx context.Context, name string, always bool) (string, error) {
	o.PullPolicy = PullMissing
	if always {
		o.PullPolicy = PullAlways
	}
	var id string
	err := Pull(ctx, o, []string{name}, func(r ctrtypes.PullRecord) error {
		id = r.ID
		return nil
	})
	return id, err
}
