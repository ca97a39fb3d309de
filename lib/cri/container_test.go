package cri

import (
	"bytes"
	"io"
	"testing"
)

// TestCappedBuffer: an ExecSync stream keeps its first 16 MB and drops
// the rest, reading on (issue 24: cat /dev/zero grew ctr-cri to 3 GB),
// and its buffer never grows past the cap.
func TestCappedBuffer(t *testing.T) {
	b := &cappedBuffer{max: maxExecSyncOutput}
	src := io.LimitReader(&patterned{}, maxExecSyncOutput+5<<20+123)
	n, err := io.Copy(b, src)
	if err != nil || n != maxExecSyncOutput+5<<20+123 {
		t.Fatalf("copied %d, %v: want all of it read", n, err)
	}
	if len(b.buf) != maxExecSyncOutput || cap(b.buf) > maxExecSyncOutput {
		t.Errorf("kept %d bytes in %d: want %d in at most as much", len(b.buf), cap(b.buf), maxExecSyncOutput)
	}
	if b.dropped != 5<<20+123 {
		t.Errorf("dropped %d, want %d", b.dropped, 5<<20+123)
	}
	want, _ := io.ReadAll(io.LimitReader(&patterned{}, maxExecSyncOutput))
	if !bytes.Equal(b.buf, want) {
		t.Error("the bytes kept are not the first ones written")
	}
	// A short output is whole, in a buffer of its size's order.
	s := &cappedBuffer{max: maxExecSyncOutput}
	_, _ = s.Write([]byte("hello\n"))
	if string(s.buf) != "hello\n" || s.dropped != 0 || cap(s.buf) > 4096 {
		t.Errorf("got %q (cap %d), %d dropped", s.buf, cap(s.buf), s.dropped)
	}
}

// patterned reads as the bytes 0, 1, …, 250, 0, 1, … (251: prime, so no
// power-of-two chunk repeats them in step).
type patterned struct{ pos int }

func (r *patterned) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r.pos % 251)
		r.pos++
	}
	return len(p), nil
}
