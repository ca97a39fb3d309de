package image

import (
	"fmt"
	"io"
	"sync"
	"time"

	"go.podman.io/image/v5/types"
)

// progress consumes containers/image's progress events. It counts what a
// copy moved (for the JSON record) and, when it has a writer, prints plain
// lines: one when a blob starts, one per interval while it is read, one
// when it is done or skipped. Terminal bars are drawn by containers/image
// itself; then this writer is nil and progress only counts.
type progress struct {
	ch       chan types.ProgressProperties
	out      io.Writer
	bars     *bars
	stopOnce sync.Once
	interval time.Duration
	done     chan struct{}
	stats    progressStats
}

type progressStats struct {
	blobs, reused int
	bytes         int64
}

// startProgress starts a renderer writing to out (nil: count only), as bars
// when tty, as a line per blob and interval otherwise.
func startProgress(out io.Writer, tty bool, interval time.Duration) *progress {
	p := &progress{
		// Buffered so a slow stderr does not stall the copy's goroutines.
		ch:       make(chan types.ProgressProperties, 64),
		out:      out,
		interval: interval,
		done:     make(chan struct{}),
	}
	if out != nil && tty {
		p.bars, p.out = newBars(out), nil
	}
	go p.run()
	return p
}

func (p *progress) run() {
	defer close(p.done)
	last := map[string]time.Time{}
	finished := map[string]bool{} // blobs ctr itself put in place
	for ev := range p.ch {
		d := ev.Artifact.Digest.Encoded()
		if len(d) > 12 {
			d = d[:12]
		}
		switch ev.Event {
		case types.ProgressEventNewArtifact:
			p.stats.blobs++
			last[d] = time.Now()
			p.printf("copying blob %s (%s)\n", d, humanSize(ev.Artifact.Size))
			if p.bars != nil {
				p.bars.start(d, ev.Artifact)
			}
		case types.ProgressEventRead:
			p.stats.bytes += int64(ev.OffsetUpdate)
			if p.bars != nil {
				p.bars.read(d, int64(ev.Offset))
			}
			if time.Since(last[d]) >= p.interval*10 {
				last[d] = time.Now()
				p.printf("copying blob %s: %s / %s\n", d, humanSize(int64(ev.Offset)), humanSize(ev.Artifact.Size))
			}
		case types.ProgressEventDone:
			p.stats.bytes += int64(ev.OffsetUpdate)
			finished[d] = true
			p.printf("copying blob %s: done (%s)\n", d, humanSize(int64(ev.Offset)))
			if p.bars != nil {
				p.bars.done(d)
			}
		case types.ProgressEventSkipped:
			if finished[d] {
				continue // staged by ctr a moment ago, not found there before
			}
			p.stats.blobs++
			p.stats.reused++
			p.printf("copying blob %s: skipped, already exists\n", d)
			if p.bars != nil {
				p.bars.skipped(d)
			}
		}
	}
	if p.bars != nil {
		p.bars.wait()
	}
}

func (p *progress) printf(format string, args ...any) {
	if p.out != nil {
		fmt.Fprintf(p.out, format, args...)
	}
}

// stop waits for the last event and returns the counts. It may be called
// more than once.
func (p *progress) stop() progressStats {
	p.stopOnce.Do(func() { close(p.ch) })
	<-p.done
	return p.stats
}

func humanSize(n int64) string {
	if n < 0 {
		return "?"
	}
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// blobReader reports the progress of a blob that ctr reads itself, through
// the same events containers/image sends.
type blobReader struct {
	r        io.Reader
	p        *progress
	blob     types.BlobInfo
	n, sent  int64
	lastSent time.Time
}

// reader wraps r, announcing blob now and its progress as it is read.
func (p *progress) reader(r io.Reader, blob types.BlobInfo) *blobReader {
	p.ch <- types.ProgressProperties{Event: types.ProgressEventNewArtifact, Artifact: blob}
	return &blobReader{r: r, p: p, blob: blob, lastSent: time.Now()}
}

func (b *blobReader) Read(buf []byte) (int, error) {
	n, err := b.r.Read(buf)
	b.n += int64(n)
	if time.Since(b.lastSent) >= b.p.interval/10 {
		b.send(types.ProgressEventRead)
	}
	return n, err
}

func (b *blobReader) send(ev types.ProgressEvent) {
	b.p.ch <- types.ProgressProperties{Event: ev, Artifact: b.blob, Offset: uint64(b.n), OffsetUpdate: uint64(b.n - b.sent)}
	b.sent, b.lastSent = b.n, time.Now()
}

// done reports the blob complete.
func (b *blobReader) done() { b.send(types.ProgressEventDone) }
