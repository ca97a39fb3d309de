package image

import (
	"io"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"go.podman.io/image/v5/types"
)

// bars draws one progress bar per blob on a terminal: size done, total and
// speed while it is read, "done" or "skipped" after.
type bars struct {
	pool *mpb.Progress
	bar  map[string]*mpb.Bar
}

func newBars(w io.Writer) *bars {
	return &bars{
		pool: mpb.New(mpb.WithOutput(w), mpb.WithWidth(40), mpb.WithRefreshRate(150*time.Millisecond)),
		bar:  map[string]*mpb.Bar{},
	}
}

func (b *bars) start(short string, blob types.BlobInfo) {
	if _, ok := b.bar[short]; ok {
		return
	}
	prefix := "Copying blob " + short
	size := blob.Size
	if size < 0 {
		size = 0
	}
	b.bar[short] = b.pool.AddBar(size,
		mpb.BarFillerClearOnComplete(),
		mpb.PrependDecorators(decor.OnComplete(decor.Name(prefix), prefix+" done")),
		mpb.AppendDecorators(
			decor.OnComplete(decor.CountersKibiByte("%.1f / %.1f"), ""),
			decor.OnComplete(decor.Name(" | "), ""),
			decor.OnComplete(decor.AverageSpeed(decor.SizeB1024(0), "% .1f"), ""),
		),
	)
}

func (b *bars) read(short string, offset int64) {
	if bar, ok := b.bar[short]; ok {
		bar.SetCurrent(offset)
	}
}

func (b *bars) done(short string) {
	if bar, ok := b.bar[short]; ok {
		bar.SetTotal(-1, true)
	}
}

func (b *bars) skipped(short string) {
	prefix := "Copying blob " + short
	bar := b.pool.New(0, mpb.NopStyle(),
		mpb.PrependDecorators(decor.OnComplete(decor.Name(prefix), prefix+" skipped: already exists")))
	bar.SetTotal(-1, true)
	b.bar[short] = bar
}

func (b *bars) wait() { b.pool.Wait() }
