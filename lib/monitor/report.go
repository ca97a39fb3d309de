package monitor

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// syncLine is conmon's sync-pipe record: {"data":N} or
// {"data":N,"message":"…"}, one line.
func syncLine(data int, message string) []byte {
	o := new(jsonObject).Int("data", data)
	if message != "" {
		o.Str("message", strings.TrimSpace(message))
	}
	return o.Line()
}

// report writes a sync record to w (when there is one) and returns err.
func report(w io.Writer, data int, err error) error {
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	if w != nil {
		if _, werr := w.Write(syncLine(data, msg)); werr != nil && err == nil {
			return werr
		}
	}
	return err
}

// writeFileAtomic writes data so that a reader sees all of it or no file.
func writeFileAtomic(path string, data []byte) error {
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// recordExit writes the OOM marks and exit files: EXITDIR/ID.oom,
// PERSISTDIR/oom and BUNDLE/oom when the OOM killer struck, then
// PERSISTDIR/exit and EXITDIR/ID. The marks come first, so that a reader
// who sees the status sees them too.
func recordExit(cfg *Config, status int, oomKilled bool) error {
	// The host ports are free once the container has exited, not after
	// the exit command: a stop then a new run on them must not collide.
	cfg.releaseHeld()
	st := []byte(strconv.Itoa(status))
	if oomKilled {
		if cfg.ExitDir != "" {
			if err := os.MkdirAll(cfg.ExitDir, 0o700); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(cfg.ExitDir, cfg.ID+".oom"), nil, 0o644); err != nil {
				return err
			}
		}
		for _, dir := range []string{cfg.PersistDir, cfg.Bundle} {
			if dir != "" {
				_ = os.WriteFile(filepath.Join(dir, "oom"), nil, 0o644)
			}
		}
	}
	if cfg.PersistDir != "" {
		if err := os.MkdirAll(cfg.PersistDir, 0o700); err != nil {
			return err
		}
		if err := writeFileAtomic(filepath.Join(cfg.PersistDir, "exit"), st); err != nil {
			return err
		}
	}
	if cfg.ExitDir != "" {
		if err := os.MkdirAll(cfg.ExitDir, 0o700); err != nil {
			return err
		}
		if err := writeFileAtomic(filepath.Join(cfg.ExitDir, cfg.ID), st); err != nil {
			return err
		}
	}
	return nil
}

// Event is one line of a container's event record, BUNDLE/events:
//
//	<RFC 3339 time> started <pid>
//	<RFC 3339 time> oom
//	<RFC 3339 time> exited <status>
type Event struct {
	Time  time.Time
	Kind  string // started, oom, exited
	Value int    // the PID (started), the exit status (exited)
}

// EventsFile is where a monitor records a container's events.
func EventsFile(bundle string) string { return filepath.Join(bundle, "events") }

func (e Event) text() []byte {
	b := e.Time.AppendFormat(nil, time.RFC3339Nano)
	b = append(b, ' ')
	b = append(b, e.Kind...)
	if e.Kind != "oom" {
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(e.Value), 10)
	}
	return append(b, '\n')
}

// JSON is the event as one line of JSON for scripts.
func (e Event) JSON(id string) []byte {
	o := new(jsonObject).Str("time", e.Time.Format(time.RFC3339Nano)).Str("event", e.Kind).Str("id", id)
	switch e.Kind {
	case "started":
		o.Int("pid", e.Value)
	case "exited":
		o.Int("status", e.Value)
	}
	return o.Line()
}

// ParseEvent reads one line of an events file.
func ParseEvent(line string) (Event, bool) {
	f := strings.Fields(line)
	if len(f) < 2 {
		return Event{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, f[0])
	if err != nil {
		return Event{}, false
	}
	e := Event{Time: t, Kind: f[1]}
	if len(f) > 2 {
		e.Value, _ = strconv.Atoi(f[2])
	}
	return e, true
}

// eventLog appends events to the events file and copies them, as JSON,
// to an optional writer.
type eventLog struct {
	f  *os.File
	w  io.Writer
	id string
}

func openEventLog(cfg *Config) *eventLog {
	l := &eventLog{w: cfg.Events, id: cfg.ID}
	if cfg.Bundle != "" {
		l.f, _ = os.OpenFile(EventsFile(cfg.Bundle), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	}
	return l
}

func (l *eventLog) add(kind string, value int) {
	e := Event{Time: time.Now(), Kind: kind, Value: value}
	if l.f != nil {
		_, _ = l.f.Write(e.text())
	}
	if l.w != nil {
		_, _ = l.w.Write(e.JSON(l.id))
	}
}

func (l *eventLog) close() {
	if l.f != nil {
		l.f.Close()
	}
}
