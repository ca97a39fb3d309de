package monitor

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 28, 12, 0, 0, 5, time.UTC)

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRecordsByteForByte(t *testing.T) {
	p := filepath.Join(t.TempDir(), "ctr.log")
	w, err := OpenLog(p, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write("stdout", []byte("hello\nwor"), t0); err != nil {
		t.Fatal(err)
	}
	if err := w.Write("stdout", []byte("ld\n"), t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := w.Write("stderr", []byte("\n"), t0); err != nil {
		t.Fatal(err)
	}
	w.Close()
	want := "2026-11-28T12:00:00.000000005Z stdout F hello\n" +
		"2026-11-28T12:00:00.000000005Z stdout P wor\n" +
		"2026-11-28T12:00:01.000000005Z stdout F ld\n" +
		"2026-11-28T12:00:00.000000005Z stderr F \n"
	if got := readFile(t, p); got != want {
		t.Fatalf("got\n%q\nwant\n%q", got, want)
	}
}

func TestLongLinesAreSplitAndReassembled(t *testing.T) {
	p := filepath.Join(t.TempDir(), "ctr.log")
	w, _ := OpenLog(p, 0, 1)
	long := strings.Repeat("x", 2*MaxPiece+10)
	_ = w.Write("stdout", []byte(long+"\nnext\n"), t0)
	w.Close()
	if n := strings.Count(readFile(t, p), " stdout P "); n != 2 {
		t.Errorf("%d P records, want 2", n)
	}
	var got []string
	f, _ := os.Open(p)
	defer f.Close()
	if err := ReadLog(f, func(e Entry) error { got = append(got, string(e.Text)); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != long || got[1] != "next" {
		t.Fatalf("reassembled %d lines, first %d bytes", len(got), len(got[0]))
	}
}

func TestRotationKeepsEveryLine(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "ctr.log")
	w, _ := OpenLog(p, 200, 3)
	for i := 0; i < 10; i++ {
		_ = w.Write("stdout", []byte(strings.Repeat("a", 40)+"\n"), t0)
	}
	w.Close()
	var all bytes.Buffer
	for _, f := range []string{p + ".2", p + ".1", p} {
		all.WriteString(readFile(t, f))
		if st, _ := os.Stat(f); st.Size() > 200 {
			t.Errorf("%s is %d bytes, over the limit", f, st.Size())
		}
	}
	if n := strings.Count(all.String(), " F "); n < 6 {
		t.Errorf("only %d lines kept in 3 files", n)
	}
	// Truncation mode: the file never passes the limit.
	q := filepath.Join(dir, "t.log")
	w, _ = OpenLog(q, 200, 1)
	for i := 0; i < 10; i++ {
		_ = w.Write("stdout", []byte(strings.Repeat("b", 40)+"\n"), t0)
	}
	w.Close()
	if st, _ := os.Stat(q); st.Size() > 200 || st.Size() == 0 {
		t.Errorf("truncated log is %d bytes", st.Size())
	}
}

func TestReadLogRejectsGarbage(t *testing.T) {
	err := ReadLog(strings.NewReader("not a record\n"), func(Entry) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "log line 1") {
		t.Fatalf("got %v", err)
	}
}

func TestUnfinishedLineIsPartial(t *testing.T) {
	var got []Entry
	_ = ReadLog(strings.NewReader("2026-11-28T12:00:00.000000005Z stdout P half\n"), func(e Entry) error {
		got = append(got, e)
		return nil
	})
	if len(got) != 1 || !got[0].Partial || string(got[0].Text) != "half" {
		t.Fatalf("got %+v", got)
	}
}

func TestStampMatchesTheLayout(t *testing.T) {
	w := &LogWriter{}
	loc := time.FixedZone("x", 5*3600+30*60)
	for _, now := range []time.Time{
		time.Date(2026, 11, 28, 15, 4, 5, 7, time.UTC),
		time.Date(2026, 11, 28, 15, 4, 5, 999999999, time.UTC),
		time.Date(2026, 11, 28, 15, 4, 6, 0, time.UTC),
		time.Date(2026, 11, 28, 15, 4, 6, 120000000, loc),
	} {
		if got, want := string(w.stamp(now)), now.Format(timeLayout); got != want {
			t.Errorf("stamp %q, want %q", got, want)
		}
	}
}
