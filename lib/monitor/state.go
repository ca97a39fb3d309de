package monitor

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ctr-project/ctr/lib/errkind"
	"github.com/ctr-project/ctr/lib/lookup"
)

// ErrNoContainer is returned for a container the state directory lacks;
// it is of the suite's kind not found.
var ErrNoContainer = errkind.With(errkind.ErrNotFound, errors.New("no such container"))

// StateDir is ctr-run's state directory under a storage run root: the
// bundles, logs and exit files of its containers, and the runtime's state.
// ctr-run, ctr-build and ctr-monitor must all find it here.
func StateDir(runRoot string) string { return filepath.Join(runRoot, "ctr") }

// PersistDir is ctr-run's directory under a storage root for what must
// outlive a reboot (the run root is a tmpfs): for each container its name,
// log, exit status (with its time), OOM mark and OCI config, as podman
// keeps them under its storage root.
func PersistDir(root string) string { return filepath.Join(root, "ctr") }

// Store finds containers in ctr-run's state directory: STATE/<id>/ is a
// bundle, STATE/exits/<id> an exit file; and in its persistent directory:
// PERSIST/<id>/ holds name, ctr.log and exit.
type Store struct {
	Dir     string
	Persist string // "": none (everything is in Dir, as before)
}

// ids lists the containers either directory knows.
func (s Store) ids() ([]string, error) {
	seen := map[string]bool{}
	var ids []string
	for _, dir := range []string{s.Dir, s.Persist} {
		if dir == "" {
			continue
		}
		entries, err := os.ReadDir(dir)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		for _, e := range entries {
			if !e.IsDir() || e.Name() == "exits" || e.Name() == "runtime" || seen[e.Name()] {
				continue
			}
			seen[e.Name()] = true
			ids = append(ids, e.Name())
		}
	}
	return ids, nil
}

// file is a container's file: in its persistent directory if it has one
// there, else in its bundle.
func (s Store) file(id, name string) string {
	if s.Persist != "" {
		if _, err := os.Stat(filepath.Join(s.Persist, id)); err == nil {
			return filepath.Join(s.Persist, id, name)
		}
	}
	return filepath.Join(s.Dir, id, name)
}

// Resolve finds a container by ID, name or unique ID prefix (lib/lookup's
// rule, as ctr-run finds it).
func (s Store) Resolve(ref string) (string, error) {
	ids, err := s.ids()
	if err != nil {
		return "", err
	}
	return lookup.Find("container", ref, ids, func(id string) (string, []string) {
		name, err := os.ReadFile(s.file(id, "name"))
		if err != nil {
			return id, nil
		}
		return id, []string{strings.TrimSpace(string(name))}
	})
}

// LogPath is the container's CRI log.
func (s Store) LogPath(id string) string { return s.file(id, "ctr.log") }

// ExitStatus reads the container's exit file (the persistent one first);
// ok is false while there is none.
func (s Store) ExitStatus(id string) (status int, ok bool, err error) {
	b, err := os.ReadFile(filepath.Join(s.Dir, "exits", id))
	if s.Persist != "" {
		if pb, perr := os.ReadFile(filepath.Join(s.Persist, id, "exit")); perr == nil {
			b, err = pb, nil
		}
	}
	if errors.Is(err, os.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	return n, err == nil, err
}

// ErrMonitorGone is returned to a waiter whose container's monitor died
// before it recorded the exit.
var ErrMonitorGone = errors.New("the container's monitor is gone: its exit was not recorded")

// Gone says why a wait for the container can no longer end with its exit
// file: the container was removed (ErrNoContainer), or its monitor died
// without writing one (ErrMonitorGone; known from the monitor's pidfile,
// where there is one). nil while either may still come.
func (s Store) Gone(id string) error {
	if _, err := os.Stat(filepath.Join(s.Dir, id)); errors.Is(err, os.ErrNotExist) {
		if _, ok, _ := s.ExitStatus(id); ok {
			return nil
		}
		if s.Persist != "" {
			if _, err := os.Stat(filepath.Join(s.Persist, id)); err == nil {
				// Known, but with no bundle: nothing runs it since the
				// run root was emptied (a reboot).
				return ErrMonitorGone
			}
		}
		return ErrNoContainer
	}
	if MonitorPID(filepath.Join(s.Dir, id), id) == 0 && s.hasMonitorPidfile(id) {
		// It writes the exit file before it ends: look once more.
		if _, ok, _ := s.ExitStatus(id); !ok {
			return ErrMonitorGone
		}
	}
	return nil
}

func (s Store) hasMonitorPidfile(id string) bool {
	_, err := os.Stat(filepath.Join(s.Dir, id, MonitorPidfile))
	return err == nil
}

// skipExitFile, in the bundle, tells the monitor not to run its exit
// command: whoever wrote it removes the container and cleans up itself.
const skipExitFile = "exit-command.skip"

// SkipExitCommand has the bundle's monitor, once its container exits,
// record the exit and end without running the exit command. A removal
// writes it before it kills the container: the monitor then reaps the
// container (no process is left to a PID 1 that may not reap it, as
// killing the monitor first did) and does not clean up beside it.
func SkipExitCommand(bundle string) error {
	return os.WriteFile(filepath.Join(bundle, skipExitFile), nil, 0o600)
}

// MonitorPidfile is where ctr-run has a detached container's monitor
// write its PID, in the bundle (as podman keeps conmon.pid).
const MonitorPidfile = "monitor.pid"

// WrittenMonitorPID is the PID in the bundle's monitor pidfile, unchecked
// (0 without one): for the caller that has just started that monitor,
// whose command line may still read empty while it execs.
func WrittenMonitorPID(bundle string) int {
	return readPid(filepath.Join(bundle, MonitorPidfile))
}

// MonitorPID is the PID of the container's ctr-monitor while it runs, from
// its pidfile in the bundle, checked against the process's command line
// (PIDs are reused); 0 when there is none running.
func MonitorPID(bundle, id string) int {
	pid := WrittenMonitorPID(bundle)
	if pid < 2 {
		return 0
	}
	cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil || !strings.Contains(string(cmdline), "\x00--cid\x00"+id+"\x00") {
		return 0
	}
	return pid
}

// Inherits says whether the monitor pid runs its container on its
// caller's stdio (--inherit-stdio): a foreground ctr-run waits for it.
func Inherits(pid int) bool {
	cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	return err == nil && strings.Contains(string(cmdline), "\x00--inherit-stdio\x00")
}

// Wait waits for the exit file (polling: it appears once, atomically),
// and returns an error once it can no longer come (Gone).
func (s Store) Wait(id string, done <-chan struct{}) (int, error) {
	for {
		st, ok, err := s.ExitStatus(id)
		if err != nil || ok {
			return st, err
		}
		if err := s.Gone(id); err != nil {
			return -1, err
		}
		select {
		case <-done:
			return -1, errors.New("interrupted")
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// LogOptions select what Logs prints.
type LogOptions struct {
	Follow bool
	Tail   int // the last N lines; < 0 all
	Since  time.Time
}

// Logs writes the container's output lines to w (stdout and stderr
// interleaved as logged). With Follow it keeps reading until the
// container has exited and its log is drained.
//
// Rotated logs (ctr.log.N … ctr.log.1) are read first, oldest first.
func (s Store) Logs(id string, o LogOptions, w io.Writer, done <-chan struct{}) error {
	path := s.LogPath(id)
	var readers []io.Reader
	for n := 1; ; n++ {
		old, err := os.Open(path + "." + strconv.Itoa(n))
		if err != nil {
			break
		}
		defer old.Close()
		readers = append([]io.Reader{old}, readers...)
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer func() { f.Close() }()
	var lines []Entry
	err = ReadLog(io.MultiReader(append(readers, f)...), func(e Entry) error {
		if e.Time.Before(o.Since) {
			return nil
		}
		lines = append(lines, e)
		return nil
	})
	if err != nil {
		return err
	}
	if o.Tail >= 0 && len(lines) > o.Tail {
		lines = lines[len(lines)-o.Tail:]
	}
	for _, e := range lines {
		if _, err := w.Write(append(e.Text, '\n')); err != nil {
			return err
		}
	}
	if !o.Follow {
		return nil
	}
	// Follow: read on from where the complete records ended.
	return follow(&f, path, s, id, w, done)
}

// follow prints the records appended to f after what was read, a P
// piece as it comes and an F record with its newline, until the container
// has exited (its exit file exists) and the log is drained. When the log
// is rotated, it goes on with the new file once the old one is read.
func follow(fp **os.File, path string, s Store, id string, w io.Writer, done <-chan struct{}) error {
	var partial []byte
	buf := make([]byte, 64*1024)
	for {
		f := *fp
		n, rerr := f.Read(buf)
		if n > 0 {
			partial = append(partial, buf[:n]...)
			for {
				i := bytes.IndexByte(partial, '\n')
				if i < 0 {
					break
				}
				_, _, tag, text, err := parseRecord(partial[:i])
				partial = partial[i+1:]
				if err != nil {
					continue
				}
				if tag == "F" {
					text = append(text, '\n')
				}
				if _, err := w.Write(text); err != nil {
					return err
				}
			}
			continue
		}
		if rerr != nil && rerr != io.EOF {
			return rerr
		}
		if truncated(f) {
			// Truncated at its size limit: what is there now is new.
			_, _ = f.Seek(0, io.SeekStart)
			partial = partial[:0]
			continue
		}
		if rotated(f, path) {
			nf, err := os.Open(path)
			if err == nil {
				f.Close()
				*fp = nf
				partial = partial[:0]
				continue
			}
		}
		if _, exited, _ := s.ExitStatus(id); exited {
			return nil
		}
		if err := s.Gone(id); err != nil {
			return err
		}
		select {
		case <-done:
			return nil
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// rotated says whether path is no longer the file f has open.
func rotated(f *os.File, path string) bool {
	a, err1 := f.Stat()
	b, err2 := os.Stat(path)
	return err1 == nil && err2 == nil && !os.SameFile(a, b)
}

// truncated says whether f's file is now shorter than what was read.
func truncated(f *os.File) bool {
	pos, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Size() < pos
}
