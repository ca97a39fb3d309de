package image

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"syscall"

	"github.com/vbatts/tar-split/archive/tar"

	digest "github.com/opencontainers/go-digest"
	"github.com/vbatts/tar-split/tar/asm"
	tsstorage "github.com/vbatts/tar-split/tar/storage"
	"go.podman.io/image/v5/pkg/blobinfocache/none"
	"go.podman.io/image/v5/pkg/compression"
	"go.podman.io/image/v5/types"
	"go.podman.io/storage"
	drivers "go.podman.io/storage/drivers"
	"go.podman.io/storage/pkg/archive"
	"go.podman.io/storage/pkg/chrootarchive"
	"go.podman.io/storage/pkg/tarlog"
	"golang.org/x/sync/semaphore"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/unpack"
)

// Why this file exists: containers/image writes a pulled image into
// containers/storage one layer after another. Each layer is downloaded to a
// temporary file (decompressed once to learn its DiffID), then decompressed
// again and unpacked only once the layer below it is committed, so on a
// multi-layer image one core unpacks while the other waits.
//
// stageLayers does the expensive part first, the way containers/storage's
// own partial-pull code does: every missing layer streams from the registry
// straight into a staging directory of the storage driver (one pass:
// digest, decompress, record tar-split, unpack in a chroot), all layers at
// once; the staged layers are then committed in order, which is a rename.
// The layers get the IDs, digests and tar-split data that containers/image
// would give them, so the copy.Image call that follows finds every layer
// present, stores the image record (config, manifest, names, signatures)
// exactly as podman would, and transfers nothing more.

// layerPlan is one layer of the image being pulled.
type layerPlan struct {
	blob   types.BlobInfo
	diffID digest.Digest
	id     string // storage layer ID: the chain ID containers/image uses
	parent string
}

// planLayers computes the storage layer IDs for blobs with diffIDs, as
// containers/image's storage destination does for layers identified by
// their uncompressed digest.
func planLayers(blobs []types.BlobInfo, diffIDs []digest.Digest) ([]layerPlan, error) {
	if len(blobs) != len(diffIDs) {
		return nil, fmt.Errorf("%d layers but %d DiffIDs in the config", len(blobs), len(diffIDs))
	}
	plans := make([]layerPlan, len(blobs))
	parent := ""
	for i, b := range blobs {
		id := diffIDs[i].Encoded()
		if parent != "" {
			id = digest.Canonical.FromString(parent + "+" + id).Encoded()
		}
		plans[i] = layerPlan{blob: b, diffID: diffIDs[i], id: id, parent: parent}
		parent = id
	}
	return plans, nil
}

// stager stages and commits the missing layers of one image.
type stager struct {
	store storage.Store
	src   types.ImageSource
	sem   *semaphore.Weighted // shared by every image of one ctr-pull
	prog  *progress
}

// stagedLayer is a layer unpacked and ready to commit.
type stagedLayer struct {
	out *drivers.DriverWithDifferOutput
	dir *stageDir // nil when unpacked in the driver's own staging directory
}

// drop removes a staged layer that will not be committed.
func (s *stager) drop(st *stagedLayer) {
	if st.dir == nil {
		_ = s.store.CleanupStagedLayer(st.out)
		return
	}
	if st.out.TarSplit != nil {
		st.out.TarSplit.Close()
	}
	st.dir.Remove()
}

// stageLayers makes sure every layer of plans is in the store. It returns
// the layers it created, also on failure: what arrived and was checked
// stays for the next attempt, and the caller decides whether a refused
// image takes them away again.
func (s *stager) stageLayers(ctx context.Context, plans []layerPlan) (created []string, retErr error) {
	type staged struct {
		layer *stagedLayer
		err   error
	}
	results := make([]chan staged, len(plans))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	var missing []int
	for i, p := range plans {
		results[i] = make(chan staged, 1)
		if l, err := s.store.Layer(p.id); err == nil && l != nil {
			results[i] <- staged{}
			continue
		}
		missing = append(missing, i)
	}
	// The biggest layers start first: the last one to finish decides when
	// the image is ready.
	slices.SortStableFunc(missing, func(a, b int) int { return cmp.Compare(plans[b].blob.Size, plans[a].blob.Size) })
	wg.Go(func() {
		for _, i := range missing {
			if err := s.sem.Acquire(ctx, 1); err != nil {
				results[i] <- staged{err: err}
				continue
			}
			wg.Go(func() {
				defer s.sem.Release(1)
				layer, err := s.stageOne(ctx, plans[i])
				results[i] <- staged{layer: layer, err: err}
			})
		}
	})
	defer func() {
		cancel()
		// Staged layers not committed are cleaned up as their results arrive.
		for _, ch := range results {
			if r, ok := <-ch; ok && r.layer != nil {
				s.drop(r.layer)
			}
		}
		wg.Wait()
	}()
	for i, p := range plans {
		r := <-results[i]
		close(results[i])
		if r.err != nil {
			return created, r.err
		}
		if r.layer == nil {
			continue // already there
		}
		ok, err := s.commit(p, r.layer)
		if err != nil {
			return created, err
		}
		if ok {
			created = append(created, p.id)
		}
	}
	return created, nil
}

// commit moves a staged layer into place, unless another process created
// the same layer meanwhile (then the staged copy is dropped).
func (s *stager) commit(p layerPlan, st *stagedLayer) (bool, error) {
	if l, err := s.store.Layer(p.id); err == nil && l != nil {
		s.drop(st)
		return false, nil
	}
	_, err := s.store.ApplyStagedLayer(storage.ApplyStagedLayerOptions{
		ID:          p.id,
		ParentLayer: p.parent,
		DiffOutput:  st.out,
		DiffOptions: &drivers.ApplyDiffWithDifferOpts{},
		LayerOptions: &storage.LayerOptions{
			OriginalDigest:     p.blob.Digest,
			UncompressedDigest: p.diffID,
		},
	})
	if errors.Is(err, storage.ErrDuplicateID) {
		s.drop(st)
		return false, nil
	}
	if err != nil {
		err = st.dir.Lost(err)
		s.drop(st)
		return false, fmt.Errorf("committing layer %s: %w", p.blob.Digest, err)
	}
	st.dir.Remove() // what is left: the empty directory and the lock
	return true, nil
}

// stageOne downloads one layer into a staging directory.
func (s *stager) stageOne(ctx context.Context, p layerPlan) (*stagedLayer, error) {
	blob, size, err := s.src.GetBlob(ctx, p.blob, none.NoCache)
	if err != nil {
		return nil, fmt.Errorf("reading blob %s: %w", p.blob.Digest, err)
	}
	defer blob.Close()
	if p.blob.Size <= 0 {
		p.blob.Size = size
	}
	d := &blobDiffer{plan: p, blob: blob, prog: s.prog}
	out, err := s.store.PrepareStagedLayer(nil, d)
	// The driver makes its staging directory before it calls the differ;
	// podman 4.3 removing the directory they go in can fail that step.
	// Nothing was read yet: try again at once.
	for try := 0; err != nil && d.target == "" && errors.Is(err, fs.ErrNotExist) && try < 10; try++ {
		out, err = s.store.PrepareStagedLayer(nil, d)
	}
	if err != nil {
		if out != nil && out.Target != "" {
			_ = s.store.CleanupStagedLayer(out)
		}
		err = d.dir.Lost(err)
		d.dir.Remove()
		return nil, err
	}
	if d.dir != nil {
		// The driver's own staging directory holds nothing of the layer:
		// remove it now, and commit from ctr's.
		own := *out
		own.TarSplit = nil
		_ = s.store.CleanupStagedLayer(&own)
		out.Target = d.dir.Tree
	}
	return &stagedLayer{out: out, dir: d.dir}, nil
}

// blobDiffer unpacks one compressed layer blob into a staging directory,
// checking both of its digests on the way.
type blobDiffer struct {
	plan   layerPlan
	blob   io.Reader
	prog   *progress
	dir    *stageDir // where ApplyDiff unpacked, if not in dest
	target string    // where ApplyDiff unpacked
}

// ApplyDiff implements drivers.Differ.
func (d *blobDiffer) ApplyDiff(dest string, options *archive.TarOptions, differOpts *drivers.DifferOptions) (out drivers.DriverWithDifferOutput, retErr error) {
	tarSplit, err := os.CreateTemp(differOpts.StagingDirectory, "tar-split-")
	if err != nil {
		return out, err
	}
	defer func() {
		if retErr != nil {
			tarSplit.Close()
		}
	}()
	if err := os.Remove(tarSplit.Name()); err != nil { // only the open file is needed
		return out, err
	}
	if d.dir, err = newStageDir(dest); err != nil {
		return out, err
	}
	if d.dir != nil {
		dest = d.dir.Tree
	}
	d.target = dest

	counted := newDigestingReader(d.prog.reader(d.blob, d.plan.blob))
	uncompressedStream, _, err := compression.AutoDecompress(counted)
	if err != nil {
		return out, errdefs.WithKind(errdefs.ErrBadData, fmt.Errorf("layer %s: %w", d.plan.blob.Digest, err))
	}
	defer uncompressedStream.Close()

	uncompressed := digest.Canonical.Digester()
	sizeCounter := &countingWriter{}
	payload, done, err := asm.NewInputTarStreamWithDone(
		io.TeeReader(uncompressedStream, io.MultiWriter(uncompressed.Hash(), sizeCounter)),
		tsstorage.NewJSONPacker(tarSplit), tsstorage.NewDiscardFilePutter())
	if err != nil {
		return out, err
	}
	res, err := untar(payload, dest, options)
	if err == nil {
		// The tar's end padding must pass through tar-split too.
		_, err = io.Copy(io.Discard, payload)
	}
	payload.Close()
	if doneErr := <-done; err == nil {
		err = doneErr
	}
	if err == nil {
		_, err = io.Copy(io.Discard, counted) // the rest of the compressed stream, for its digest
	}
	if err != nil {
		return out, d.explain(err, counted)
	}
	if got := counted.Digest(); got != d.plan.blob.Digest {
		return out, errdefs.WithKind(errdefs.ErrBadData, fmt.Errorf("layer %s: Digest did not match, got %s", d.plan.blob.Digest, got))
	}
	if got := uncompressed.Digest(); got != d.plan.diffID {
		return out, errdefs.WithKind(errdefs.ErrBadData, fmt.Errorf("layer %s: uncompressed digest %s does not match the config's DiffID %s", d.plan.blob.Digest, got, d.plan.diffID))
	}
	counted.done()
	return drivers.DriverWithDifferOutput{
		Size:               sizeCounter.n,
		UIDs:               res.UIDs,
		GIDs:               res.GIDs,
		RootDirMode:        res.RootMode,
		UncompressedDigest: uncompressed.Digest(),
		CompressedDigest:   counted.Digest(),
		TarSplit:           tarSplit,
	}, nil
}

// explain turns an unpacking error caused by corrupt bytes into bad data:
// when the blob's digest is wrong, that is the cause worth reporting. A full
// disk is said in plain words, with where it is full.
func (d *blobDiffer) explain(err error, rest *digestingReader) error {
	// Read what is left so the digest covers the whole blob, then compare.
	if _, cerr := io.Copy(io.Discard, rest); cerr == nil && rest.Digest() != d.plan.blob.Digest {
		return errdefs.WithKind(errdefs.ErrBadData, fmt.Errorf("layer %s: Digest did not match, got %s", d.plan.blob.Digest, rest.Digest()))
	}
	if errors.Is(err, syscall.ENOSPC) {
		return fmt.Errorf("unpacking layer %s: the filesystem of %s is full: %w", d.plan.blob.Digest, d.target, err)
	}
	return fmt.Errorf("unpacking layer %s: %w", d.plan.blob.Digest, err)
}

// Close implements drivers.Differ.
func (d *blobDiffer) Close() error { return nil }

// untar unpacks a layer in process with package unpack, or, for what it
// does not do (user namespace ID maps, forced modes), with
// containers/storage's chroot unpacker.
func untar(payload io.Reader, dest string, options *archive.TarOptions) (unpack.Result, error) {
	if len(options.UIDMaps) == 0 && len(options.GIDMaps) == 0 && options.ForceMask == nil && !options.InUserNS {
		res, err := unpack.Unpack(payload, dest, unpack.Options{OverlayWhiteouts: options.WhiteoutFormat == archive.OverlayWhiteoutFormat})
		if errors.Is(err, unpack.ErrInvalid) {
			err = errdefs.WithKind(errdefs.ErrBadData, err)
		}
		return res, err
	}
	uids, gids := map[uint32]struct{}{}, map[uint32]struct{}{}
	idLog, err := tarlog.NewLogger(func(h *tar.Header) {
		if !strings.HasPrefix(path.Base(h.Name), archive.WhiteoutPrefix) {
			uids[uint32(h.Uid)] = struct{}{}
			gids[uint32(h.Gid)] = struct{}{}
		}
	})
	if err != nil {
		return unpack.Result{}, err
	}
	err = chrootarchive.UntarUncompressed(io.TeeReader(payload, idLog), dest, options)
	if cerr := idLog.Close(); err == nil {
		err = cerr
	}
	return unpack.Result{UIDs: unpack.SortedIDs(uids), GIDs: unpack.SortedIDs(gids)}, err
}

type countingWriter struct{ n int64 }

func (w *countingWriter) Write(b []byte) (int, error) {
	w.n += int64(len(b))
	return len(b), nil
}

// digestingReader digests what is read through it. Reads are serialized:
// the gzip decompressor reads ahead in a goroutine of its own, and after a
// failed unpack explain drains the rest from another; the digest must see
// every byte once, in order (unserialized, a tampered blob got a different
// "got" digest each run, and a full disk looked like a digest mismatch).
type digestingReader struct {
	mu  sync.Mutex
	r   *blobReader
	dig digest.Digester
}

func newDigestingReader(r *blobReader) *digestingReader {
	return &digestingReader{r: r, dig: digest.Canonical.Digester()}
}

func (r *digestingReader) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n, err := r.r.Read(p)
	r.dig.Hash().Write(p[:n])
	return n, err
}

// Digest is the digest of what was read so far.
func (r *digestingReader) Digest() digest.Digest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.dig.Digest()
}

func (r *digestingReader) done() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.r.done()
}
