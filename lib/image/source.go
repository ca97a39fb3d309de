package image

import (
	"context"
	"fmt"
	"slices"
	"strings"

	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/ctr-project/ctr/lib/errdefs"

	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/pkg/blobinfocache"
	"go.podman.io/image/v5/transports"
	"go.podman.io/image/v5/types"

	digest "github.com/opencontainers/go-digest"
)

// sourcePlan is what reading the source's manifest before the copy decided.
type sourcePlan struct {
	skip     bool // the destination already has this exact manifest
	digest   digest.Digest
	mimeType string
}

// inspectSource reads the source manifest when that saves work or is needed:
// to pick --platform instances from an index, to skip a registry copy whose
// destination already has the same manifest (two cheap requests instead of
// one per blob), and to let a registry mount blobs from the source
// repository instead of receiving them. Other copies go straight to
// copy.Image, which reads the manifest itself.
func (c *copier) inspectSource(ctx context.Context, srcRef, destRef types.ImageReference, co *copy.Options) (sourcePlan, error) {
	fromRegistry := transportName(srcRef) == docker.Transport.Name()
	toRegistry := transportName(destRef) == docker.Transport.Name()
	checkPreserve := c.opts.PreserveDigests && (c.opts.Format != "" || c.opts.CompressFormat != "")
	if len(c.opts.Platforms) == 0 && (!fromRegistry || !toRegistry) && !checkPreserve {
		return sourcePlan{}, nil
	}
	src, err := srcRef.NewImageSource(ctx, c.opts.SourceCtx)
	if err != nil {
		return sourcePlan{}, err
	}
	defer src.Close()
	mb, mt, err := src.GetManifest(ctx, nil)
	if err != nil {
		return sourcePlan{}, err
	}
	d, err := manifest.Digest(mb)
	if err != nil {
		return sourcePlan{}, err
	}
	plan := sourcePlan{digest: d, mimeType: mt}
	isList := manifest.MIMETypeIsMultiImage(mt)
	if checkPreserve {
		if err := c.checkPreservable(mb, mt, isList); err != nil {
			return plan, err
		}
	}

	var instances []digest.Digest
	if len(c.opts.Platforms) > 0 && isList {
		if instances, err = c.selectInstances(mb, mt); err != nil {
			return plan, fmt.Errorf("%s: %w", transports.ImageName(srcRef), err)
		}
		co.ImageListSelection = copy.CopySpecificImages
		co.Instances = instances
		// A registry refuses an index naming manifests it does not hold, so
		// the copy is a smaller index, not a sparse one.
		co.SparseManifestListAction = copy.StripSparseManifestList
	}
	if !fromRegistry || !toRegistry {
		return plan, nil
	}
	unchanged := c.opts.Format == "" && c.opts.CompressFormat == "" && !c.opts.RemoveSignatures && len(c.opts.Platforms) == 0
	if unchanged {
		// What the copy would write: the manifest itself, or for an index
		// without --all the host's instance, copied byte for byte.
		want := d
		if isList && !c.opts.All {
			want = ""
			if list, err := manifest.ListFromBlob(mb, mt); err == nil {
				if chosen, err := list.ChooseInstance(c.opts.SourceCtx); err == nil {
					want = chosen
				}
			}
		}
		// A HEAD request: cheap, and not counted by rate-limiting registries.
		if want != "" {
			if have, err := docker.GetDigest(ctx, c.opts.DestinationCtx, destRef); err == nil && have == want {
				instances, err := policyInstances(mb, mt, isList, want, d)
				if err == nil {
					err = checkSource(ctx, c.policy, src, instances)
				}
				if err != nil {
					return plan, err
				}
				plan.skip, plan.digest = true, want
				if want != d {
					plan.mimeType = ""
				}
				return plan, nil
			}
		}
	}
	c.offerMounts(ctx, src, srcRef, destRef, mb, mt, isList, instances)
	return plan, nil
}

// policyInstances are the images of a source the policy is asked about
// when a copy is skipped, those copy.Image would ask about: the manifest
// itself; of an index, the instance chosen (want), or with --all (want is
// the index) the index itself and every instance.
func policyInstances(mb []byte, mt string, isList bool, want, top digest.Digest) ([]digest.Digest, error) {
	if !isList {
		return nil, nil
	}
	if want != top {
		return []digest.Digest{want}, nil
	}
	list, err := manifest.ListFromBlob(mb, mt)
	if err != nil {
		return nil, errdefs.WithKind(errdefs.ErrBadData, err)
	}
	return append([]digest.Digest{top}, list.Instances()...), nil
}

// selectInstances returns the digests of the index entries matching the
// requested platforms; every platform must match at least one.
func (c *copier) selectInstances(mb []byte, mt string) ([]digest.Digest, error) {
	list, err := manifest.ListFromBlob(mb, mt)
	if err != nil {
		return nil, err
	}
	var out []digest.Digest
	for _, p := range c.opts.Platforms {
		found := false
		for _, d := range list.Instances() {
			info, err := list.Instance(d)
			if err != nil {
				return nil, err
			}
			if p.matches(info.ReadOnly.Platform) {
				out = append(out, d)
				found = true
			}
		}
		if !found {
			return nil, errNoPlatform([]Platform{p}, "the index")
		}
	}
	return out, nil
}

// offerMounts records the source repository as a known location of each
// blob in the blob info cache, when source and destination are on the same
// registry. containers/image then asks the registry to mount those blobs
// into the destination repository (no bytes sent); without this it only
// knows locations it has seen before, so a first copy uploads everything.
func (c *copier) offerMounts(ctx context.Context, src types.ImageSource, srcRef, destRef types.ImageReference, mb []byte, mt string, isList bool, instances []digest.Digest) {
	srcName, destName := srcRef.DockerReference(), destRef.DockerReference()
	if srcName == nil || destName == nil || reference.Domain(srcName) != reference.Domain(destName) || srcName.Name() == destName.Name() {
		return
	}
	var blobs []digest.Digest
	add := func(mb []byte, mt string) {
		m, err := manifest.FromBlob(mb, mt)
		if err != nil {
			return
		}
		blobs = append(blobs, m.ConfigInfo().Digest)
		for _, l := range m.LayerInfos() {
			blobs = append(blobs, l.Digest)
		}
	}
	if !isList {
		add(mb, mt)
	} else {
		if instances == nil && c.opts.All {
			if list, err := manifest.ListFromBlob(mb, mt); err == nil {
				instances = list.Instances()
			}
		}
		if instances == nil {
			if list, err := manifest.ListFromBlob(mb, mt); err == nil {
				if d, err := list.ChooseInstance(c.opts.SourceCtx); err == nil {
					instances = []digest.Digest{d}
				}
			}
		}
		for _, d := range instances {
			if imb, imt, err := src.GetManifest(ctx, &d); err == nil {
				add(imb, imt)
			}
		}
	}
	cache := blobinfocache.DefaultCache(c.opts.DestinationCtx)
	scope := types.BICTransportScope{Opaque: reference.Domain(srcName)}
	loc := types.BICLocationReference{Opaque: srcName.Name()}
	for _, b := range blobs {
		if b != "" {
			cache.RecordKnownLocation(docker.Transport, scope, b, loc)
		}
	}
}

// checkPreservable refuses, before anything is written, a --format or
// --dest-compress-format that would change the digests --preserve-digests
// promises to keep. (containers/image itself would quietly keep the source
// format instead.)
func (c *copier) checkPreservable(mb []byte, mt string, isList bool) error {
	if c.opts.Format != "" {
		want := map[string][]string{
			"oci":  {imgspecv1.MediaTypeImageManifest, imgspecv1.MediaTypeImageIndex},
			"v2s2": {manifest.DockerV2Schema2MediaType, manifest.DockerV2ListMediaType},
		}[c.opts.Format]
		if !slices.Contains(want, mt) {
			return fmt.Errorf("preserving digests: writing the %s manifest as %s would change its digest", mt, c.opts.Format)
		}
	}
	if c.opts.CompressFormat != "" && !isList {
		m, err := manifest.FromBlob(mb, mt)
		if err != nil {
			return errdefs.WithKind(errdefs.ErrBadData, err)
		}
		for _, l := range m.LayerInfos() {
			if !strings.Contains(l.MediaType, c.opts.CompressFormat) {
				return fmt.Errorf("preserving digests: layer %s is not %s; recompressing it would change its digest", l.Digest, c.opts.CompressFormat)
			}
		}
	}
	return nil
}
