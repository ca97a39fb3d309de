// Package image moves images between the locations containers/image knows:
// registries, OCI layouts and archives, dir: trees and containers/storage.
package image

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/pkg/compression"
	"go.podman.io/image/v5/signature"
	"go.podman.io/image/v5/signature/signer"
	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/transports"
	"go.podman.io/image/v5/types"
	"golang.org/x/sync/semaphore"

	"github.com/ctr-project/ctr/lib/errdefs"
	ctrtypes "github.com/ctr-project/ctr/lib/types"

	digest "github.com/opencontainers/go-digest"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// CopyOptions configures Copy. The zero value copies the host's platform
// with no retries and no output.
type CopyOptions struct {
	// SourceCtx and DestinationCtx carry registry, TLS and auth settings.
	SourceCtx, DestinationCtx *types.SystemContext
	// Policy selects the signature policy.
	Policy PolicyOptions
	// Local is the containers/storage store, opened only if needed.
	Local *LocalStore

	// All copies every image of an index; Platforms copies a subset.
	All       bool
	Platforms []Platform

	// PreserveDigests fails instead of changing any digest.
	PreserveDigests bool
	// Format forces the manifest format: "", "oci" or "v2s2".
	Format string
	// CompressFormat ("", "gzip", "zstd") and CompressLevel (0: default)
	// choose the compression of layers written to the destination.
	CompressFormat string
	CompressLevel  int
	// RemoveSignatures drops the source's signatures.
	RemoveSignatures bool
	// Sign adds a sigstore signature to each image written.
	Sign SignOptions

	// Jobs is the number of blobs copied at once across all images
	// (0: containers/image's default of 6).
	Jobs  int
	Retry RetryOptions

	// Log receives progress and warnings; nil is silent. When LogIsTTY,
	// progress is drawn as bars instead of plain lines.
	Log              io.Writer
	LogIsTTY         bool
	ProgressInterval time.Duration
}

// Copy copies each source to dest and calls emit with each result, in the
// order of sources. With more than one source, or a dest ending in "/",
// dest is a repository prefix: each image keeps its repository path and
// tag below it. Copy goes on after a failed image and returns the first
// error.
func Copy(ctx context.Context, opts CopyOptions, sources []string, dest string, emit func(ctrtypes.CopyRecord) error) error {
	if len(sources) == 0 {
		return errdefs.Usagef("no source image")
	}
	prefix := strings.HasSuffix(dest, "/")
	if len(sources) > 1 && !prefix {
		return errdefs.Usagef("%d source images need a destination ending in / (a repository prefix), got %q", len(sources), dest)
	}
	if err := opts.validate(); err != nil {
		return err
	}
	policy, err := loadPolicy(opts.Policy, opts.SourceCtx, opts.Log)
	if err != nil {
		return err
	}

	signers, err := opts.Sign.signers()
	if err != nil {
		return err
	}
	defer closeSigners(signers)
	c := &copier{opts: opts, policy: policy, signers: signers}
	if opts.Jobs > 0 {
		c.sem = semaphore.NewWeighted(int64(opts.Jobs))
	}
	var first error
	for _, s := range sources {
		rec, err := c.copyOne(ctx, s, dest, prefix)
		if err == nil {
			err = emit(rec)
		}
		if err != nil {
			if len(sources) > 1 && opts.Log != nil {
				fmt.Fprintf(opts.Log, "error: %v\n", err)
			}
			if first == nil {
				first = err
			}
			if ctx.Err() != nil {
				break
			}
		}
	}
	return first
}

func (o *CopyOptions) validate() error {
	switch o.Format {
	case "", "oci", "v2s2":
	default:
		return errdefs.Usagef("manifest format %q: want oci or v2s2", o.Format)
	}
	switch o.CompressFormat {
	case "", "gzip", "zstd":
	default:
		return errdefs.Usagef("invalid compression format %q: want gzip or zstd", o.CompressFormat)
	}
	if o.All && len(o.Platforms) > 0 {
		return errdefs.Usagef("every platform and a list of platforms cannot be asked for together")
	}
	if o.SourceCtx == nil {
		o.SourceCtx = &types.SystemContext{}
	}
	if o.DestinationCtx == nil {
		o.DestinationCtx = &types.SystemContext{}
	}
	if o.ProgressInterval <= 0 {
		o.ProgressInterval = 10 * time.Second
	}
	return nil
}

type copier struct {
	opts    CopyOptions
	policy  *signature.Policy
	sem     *semaphore.Weighted
	signers []*signer.Signer
}

// copyOne copies one source, retrying the whole copy on temporary errors;
// blobs that made it to the destination are not sent again on a retry.
func (c *copier) copyOne(ctx context.Context, source, dest string, prefix bool) (ctrtypes.CopyRecord, error) {
	srcRef, err := ParseReference(source, c.opts.Local)
	if err != nil {
		return ctrtypes.CopyRecord{}, err
	}
	if prefix {
		if dest, err = destinationUnder(dest, srcRef); err != nil {
			return ctrtypes.CopyRecord{}, err
		}
	}
	destRef, err := ParseReference(dest, c.opts.Local)
	if errors.Is(err, errdefs.ErrNotFound) {
		err = errdefs.Usagef("destination %q has no transport (write docker://, oci:, dir:, containers-storage: …)", dest)
	}
	if err != nil {
		return ctrtypes.CopyRecord{}, err
	}
	what := fmt.Sprintf("copy %s", transports.ImageName(srcRef))
	var rec ctrtypes.CopyRecord
	start := time.Now()
	err = withRetry(ctx, what, c.opts.Retry, func(ctx context.Context) error {
		var err error
		rec, err = c.attempt(ctx, srcRef, destRef)
		return err
	})
	if err != nil {
		return ctrtypes.CopyRecord{}, fmt.Errorf("%s: %w", what, err)
	}
	rec.Seconds = time.Since(start).Seconds()
	return rec, nil
}

// attempt is one try at copying srcRef to destRef.
func (c *copier) attempt(ctx context.Context, srcRef, destRef types.ImageReference) (ctrtypes.CopyRecord, error) {
	rec := ctrtypes.CopyRecord{
		Schema:      ctrtypes.CopySchema,
		Source:      transports.ImageName(srcRef),
		Destination: transports.ImageName(destRef),
	}
	co := c.copyOptions()
	plan, err := c.inspectSource(ctx, srcRef, destRef, co)
	if err != nil {
		return rec, err
	}
	if plan.skip && len(c.signers) == 0 { // a signature to add is not there yet
		rec.Digest, rec.MediaType, rec.Skipped = plan.digest.String(), plan.mimeType, true
		rec.Ref = pinnedReference(destRef, plan.digest, "")
		if c.opts.Log != nil {
			fmt.Fprintf(c.opts.Log, "%s: already at %s, nothing to copy\n", rec.Source, rec.Destination)
		}
		return rec, nil
	}

	var resolved types.ImageReference
	co.ReportResolvedReference = &resolved
	prog := startProgress(c.opts.Log, c.opts.LogIsTTY, c.opts.ProgressInterval/10)
	co.Progress, co.ProgressInterval = prog.ch, c.opts.ProgressInterval/10
	var manifestBytes []byte
	err = withPolicy(c.policy, func(pc *signature.PolicyContext) (err error) {
		manifestBytes, err = copy.Image(ctx, pc, destRef, srcRef, co)
		return err
	})
	stats := prog.stop()
	if err != nil {
		return rec, err
	}
	d, err := manifest.Digest(manifestBytes)
	if err != nil {
		return rec, fmt.Errorf("digest of the written manifest: %w", err)
	}
	rec.Digest, rec.MediaType = d.String(), manifest.GuessMIMEType(manifestBytes)
	rec.Blobs, rec.BlobsReused, rec.Bytes = stats.blobs, stats.reused, stats.bytes
	if resolved != nil && transportName(resolved) == istorage.Transport.Name() {
		if _, img, err := istorage.ResolveReference(resolved); err == nil {
			rec.ID = img.ID
		}
	}
	rec.Ref = pinnedReference(destRef, d, rec.ID)
	return rec, nil
}

func (c *copier) copyOptions() *copy.Options {
	o := &copy.Options{
		SourceCtx:                     c.opts.SourceCtx,
		DestinationCtx:                c.destinationCtx(),
		PreserveDigests:               c.opts.PreserveDigests,
		RemoveSignatures:              c.opts.RemoveSignatures,
		ConcurrentBlobCopiesSemaphore: c.sem,
		ImageListSelection:            copy.CopySystemImage,
		Signers:                       c.signers,
	}
	if c.opts.All {
		o.ImageListSelection = copy.CopyAllImages
	}
	switch c.opts.Format {
	case "oci":
		o.ForceManifestMIMEType = imgspecv1.MediaTypeImageManifest
	case "v2s2":
		o.ForceManifestMIMEType = manifest.DockerV2Schema2MediaType
	}
	if c.opts.CompressFormat != "" {
		o.ForceCompressionFormat = true
	}
	return o
}

// destinationCtx adds the compression choice to a copy of DestinationCtx.
func (c *copier) destinationCtx() *types.SystemContext {
	sys := *c.opts.DestinationCtx
	if c.opts.CompressFormat != "" {
		alg, err := compression.AlgorithmByName(c.opts.CompressFormat)
		if err == nil { // validated before
			sys.CompressionFormat = &alg
		}
		if c.opts.CompressLevel != 0 {
			level := c.opts.CompressLevel
			sys.CompressionLevel = &level
		}
	}
	return &sys
}

// pinnedReference names what was written so that the next tool reads
// exactly it: by digest for registries, by image ID for local storage, as
// written for transports that cannot name a digest.
func pinnedReference(ref types.ImageReference, d digest.Digest, id string) string {
	switch transportName(ref) {
	case docker.Transport.Name():
		if named := ref.DockerReference(); named != nil {
			if pinned, err := reference.WithDigest(reference.TrimNamed(named), d); err == nil {
				return "docker://" + pinned.String()
			}
		}
	case istorage.Transport.Name():
		if id != "" {
			return storagePrefix + id
		}
	}
	return transports.ImageName(ref)
}

// destinationUnder builds the destination of src below a repository
// prefix such as docker://host/mirror/: the source keeps its repository
// path (without the registry host) and its tag, or its digest.
func destinationUnder(prefix string, src types.ImageReference) (string, error) {
	if !strings.HasPrefix(prefix, "docker://") {
		return "", errdefs.Usagef("a destination prefix must be a registry (docker://host/path/), got %q", prefix)
	}
	named := src.DockerReference()
	if named == nil {
		return "", errdefs.Usagef("%s has no repository name to keep below %s; give a full destination", transports.ImageName(src), prefix)
	}
	dest := prefix + reference.Path(named)
	switch r := named.(type) {
	case reference.Tagged:
		dest += ":" + r.Tag()
	case reference.Digested:
		dest += "@" + r.Digest().String()
	default:
		dest += ":latest"
	}
	return dest, nil
}
