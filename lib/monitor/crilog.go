// Package monitor holds what ctr-monitor does for one container, as conmon
// does for podman and CRI-O. It links neither libcontainer nor
// containers/image: a monitor lives as long as its container, so it must
// stay small.
package monitor

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// The Kubernetes CRI log format: one record per line,
//
//	<RFC 3339 time, 9 fractional digits> <stdout|stderr> <F|P> <text>
//
// F ends a line of the container's output, P is a piece of a line whose
// end has not come yet. conmon and kubelet read and write the same.
const timeLayout = "2006-01-02T15:04:05.000000000Z07:00"

// MaxPiece is the longest text of one record; longer lines are split into
// P records (conmon's buffer size).
const MaxPiece = 8192

// LogWriter writes a container's output to a CRI log file. It is safe for
// use by the stdout and stderr copiers at once; each record is written
// with one write, so a reader never sees half a record.
type LogWriter struct {
	mu       sync.Mutex
	path     string
	f        *os.File
	size     int64
	maxSize  int64 // <= 0: no limit
	maxFiles int   // with maxSize: files kept, the current one included; 1 truncates
	buf      []byte

	// The time stamp's text up to the second and after the nanoseconds,
	// kept for the second they are good for: formatting a time for each
	// read of a flood of output is a cost worth saving.
	stampSec             int64
	stampHead, stampTail []byte
	stampBuf             []byte
}

// stamp is now in timeLayout.
func (w *LogWriter) stamp(now time.Time) []byte {
	if sec := now.Unix(); sec != w.stampSec || w.stampHead == nil {
		full := now.Truncate(time.Second).AppendFormat(nil, timeLayout)
		dot := bytes.IndexByte(full, '.')
		w.stampSec, w.stampHead, w.stampTail = sec, full[:dot+1], full[dot+10:]
	}
	b := append(w.stampBuf[:0], w.stampHead...)
	ns := now.Nanosecond()
	for div := 100000000; div > 0; div /= 10 {
		b = append(b, byte('0'+ns/div%10))
	}
	w.stampBuf = append(b, w.stampTail...)
	return w.stampBuf
}

// OpenLog opens (appending to) the log at path. maxSize limits the file;
// when a record would pass it, the log is rotated to path.1 … path.N-1
// (maxFiles N > 1) or truncated (maxFiles <= 1), as conmon does.
func OpenLog(path string, maxSize int64, maxFiles int) (*LogWriter, error) {
	w := &LogWriter{path: path, maxSize: maxSize, maxFiles: maxFiles}
	if err := w.open(); err != nil {
		return nil, err
	}
	return w, nil
}

func (w *LogWriter) open() error {
	// Never through a symbolic link put where the log goes.
	f, err := os.OpenFile(w.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND|unix.O_NOFOLLOW, 0o600)
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	w.f, w.size = f, st.Size()
	return nil
}

// Write logs data read from stream ("stdout" or "stderr") at now. Complete
// lines become F records; a trailing piece without its newline becomes a P
// record (the next write continues the line). The records of one call go
// to the file in one write (two around a rotation).
func (w *LogWriter) Write(stream string, data []byte, now time.Time) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	ts := w.stamp(now)
	w.buf = w.buf[:0]
	for len(data) > 0 {
		line, rest, complete := data, []byte(nil), false
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, rest, complete = data[:i], data[i+1:], true
		}
		if len(line) > MaxPiece {
			line, rest, complete = data[:MaxPiece], data[MaxPiece:], false
		}
		tag := "P"
		if complete {
			tag = "F"
		}
		recordLen := int64(len(ts) + len(stream) + len(tag) + len(line) + 4)
		if w.maxSize > 0 && w.size+int64(len(w.buf))+recordLen > w.maxSize && w.size+int64(len(w.buf)) > 0 {
			if err := w.flush(); err != nil {
				return err
			}
			if err := w.rotate(); err != nil {
				return err
			}
		}
		w.buf = append(w.buf, ts...)
		w.buf = append(w.buf, ' ')
		w.buf = append(w.buf, stream...)
		w.buf = append(w.buf, ' ')
		w.buf = append(w.buf, tag...)
		w.buf = append(w.buf, ' ')
		w.buf = append(w.buf, line...)
		w.buf = append(w.buf, '\n')
		data = rest
	}
	return w.flush()
}

func (w *LogWriter) flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	n, err := w.f.Write(w.buf)
	w.size += int64(n)
	w.buf = w.buf[:0]
	return err
}

// rotate keeps maxFiles-1 old logs (path.1 the newest) or truncates.
func (w *LogWriter) rotate() error {
	if w.maxFiles <= 1 {
		if err := w.f.Truncate(0); err != nil {
			return err
		}
		w.size = 0
		return nil
	}
	if err := w.f.Close(); err != nil {
		return err
	}
	for i := w.maxFiles - 1; i > 1; i-- {
		_ = os.Rename(w.path+"."+strconv.Itoa(i-1), w.path+"."+strconv.Itoa(i))
	}
	if err := os.Rename(w.path, w.path+".1"); err != nil {
		return err
	}
	return w.open()
}

// Reopen closes and reopens the file, for a log moved away by a rotator.
func (w *LogWriter) Reopen() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.f.Close(); err != nil {
		return err
	}
	return w.open()
}

// Sync flushes the log to disk.
func (w *LogWriter) Sync() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.f.Sync()
}

// Close closes the log.
func (w *LogWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.f.Close()
}

// Entry is one line of a container's output, put together from its
// records.
type Entry struct {
	Time   time.Time // time of the line's first record
	Stream string
	Text   []byte // without the newline
	// Partial is true for a line whose end the log does not hold (yet).
	Partial bool
}

// ErrBadRecord marks a line of a log that is not a CRI record.
var ErrBadRecord = errors.New("not a CRI log record")

// ReadLog reads a CRI log and calls fn with each line of output, pieces (P)
// joined to the line they belong to, per stream.
func ReadLog(r io.Reader, fn func(Entry) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 4*MaxPiece+1024)
	sc.Split(scanLF)
	pending := map[string]*Entry{}
	for n := 1; sc.Scan(); n++ {
		ts, stream, tag, text, err := parseRecord(sc.Bytes())
		if err != nil {
			return wrap("log line "+strconv.Itoa(n), err)
		}
		e := pending[stream]
		if e == nil {
			e = &Entry{Time: ts, Stream: stream}
			pending[stream] = e
		}
		e.Text = append(e.Text, text...)
		if tag == "F" {
			delete(pending, stream)
			if err := fn(*e); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	for _, s := range []string{"stdout", "stderr"} {
		if e := pending[s]; e != nil {
			e.Partial = true
			if err := fn(*e); err != nil {
				return err
			}
		}
	}
	return nil
}

func parseRecord(b []byte) (time.Time, string, string, []byte, error) {
	fields := bytes.SplitN(b, []byte{' '}, 4)
	if len(fields) < 3 {
		return time.Time{}, "", "", nil, ErrBadRecord
	}
	ts, err := time.Parse(time.RFC3339Nano, string(fields[0]))
	if err != nil {
		return time.Time{}, "", "", nil, ErrBadRecord
	}
	stream, tag := string(fields[1]), string(fields[2])
	if (stream != "stdout" && stream != "stderr") || (tag != "F" && tag != "P") {
		return time.Time{}, "", "", nil, ErrBadRecord
	}
	var text []byte
	if len(fields) == 4 {
		text = append([]byte(nil), fields[3]...)
	}
	return ts, stream, tag, text, nil
}

// scanLF splits at each \n only: unlike bufio.ScanLines it keeps a \r,
// which is part of a terminal's output.
func scanLF(data []byte, atEOF bool) (int, []byte, error) {
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		return i + 1, data[:i], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}
