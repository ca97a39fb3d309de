package monitor

import (
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// stdio is the container's side of the monitor: what the runtime gets as
// the container's stdin, stdout and stderr, and the monitor's ends.
type stdio struct {
	workerIn, workerOut, workerErr *os.File // the runtime's (and so the container's)
	stdin                          *os.File // our end of the container's stdin: a pipe or the pty master
	stdout, stderr                 *os.File // our ends of its output
	devNull                        *os.File

	console     *consoleSocket // with a terminal: where the runtime sends the pty master
	consolePath string
	master      *os.File

	stdinMu  sync.Mutex
	lastRead atomic.Int64 // unix nanoseconds of the last read of output
}

func newStdio(cfg *Config) (*stdio, error) {
	s := &stdio{}
	var err error
	if s.devNull, err = os.OpenFile(os.DevNull, os.O_RDWR, 0); err != nil {
		return nil, err
	}
	s.workerIn, s.workerOut = s.devNull, s.devNull
	if cfg.Terminal {
		if s.console, err = listenConsole(); err != nil {
			return nil, err
		}
		s.consolePath = s.console.path
	} else {
		if cfg.Stdin {
			if s.workerIn, s.stdin, err = os.Pipe(); err != nil {
				return nil, err
			}
		}
		if s.stdout, s.workerOut, err = os.Pipe(); err != nil {
			return nil, err
		}
	}
	// Always a stderr pipe: it carries the runtime's errors too.
	if s.stderr, s.workerErr, err = os.Pipe(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *stdio) closeWorkers() {
	for _, f := range []*os.File{s.workerIn, s.workerOut, s.workerErr} {
		if f != nil && f != s.devNull {
			f.Close()
		}
	}
	s.workerIn, s.workerOut, s.workerErr = nil, nil, nil
	if s.console != nil {
		if err := s.console.receive(); err == nil {
			s.master = s.console.master
			s.stdout, s.stdin = s.master, s.master
		}
		s.console.close()
	}
}

// runtimeStderr is what the runtime wrote to stderr, when it failed.
func (s *stdio) runtimeStderr() string {
	_ = s.stderr.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	buf := make([]byte, 8192)
	n, _ := s.stderr.Read(buf)
	_ = s.stderr.SetReadDeadline(time.Time{})
	return strings.TrimSpace(string(buf[:n]))
}

// writeStdin gives the container input from an attach client.
func (s *stdio) writeStdin(b []byte) {
	s.stdinMu.Lock()
	defer s.stdinMu.Unlock()
	if s.stdin != nil {
		if _, err := s.stdin.Write(b); err != nil && s.stdin != s.master {
			s.stdin.Close()
			s.stdin = nil
		}
	}
}

// closeStdin closes the container's stdin (a pipe; never the pty).
func (s *stdio) closeStdin() {
	s.stdinMu.Lock()
	defer s.stdinMu.Unlock()
	if s.stdin != nil && s.stdin != s.master {
		s.stdin.Close()
		s.stdin = nil
	}
}

// pump copies one output stream to the log and the attach clients until
// EOF (for a pty: EIO, once the container's side is closed).
func (s *stdio) pump(r *os.File, stream string, log *LogWriter, att *attachServer) {
	// One packet for attach clients: the stream byte, then the data, as
	// one read of the container's output (conmon's framing).
	buf := make([]byte, 1+MaxPiece)
	code := byte(2)
	if stream == "stderr" {
		code = 3
	}
	buf[0] = code
	for {
		n, err := r.Read(buf[1:])
		if n > 0 {
			now := time.Now()
			s.lastRead.Store(now.UnixNano())
			if log != nil {
				_ = log.Write(stream, buf[1:1+n], now)
			}
			if att != nil {
				att.broadcast(buf[:1+n])
			}
		}
		if err != nil {
			return
		}
	}
}

// drain waits for the pumps after the container exited. Output still
// buffered in the pipes is read to the end; but a process that inherited
// the pipes may keep them open for ever, so once they have been quiet for
// a while the pumps are stopped.
func (s *stdio) drain(done <-chan struct{}) {
	const quiet = 300 * time.Millisecond
	for {
		select {
		case <-done:
			return
		case <-time.After(quiet / 3):
		}
		if time.Since(time.Unix(0, s.lastRead.Load())) > quiet {
			for _, f := range []*os.File{s.stdout, s.stderr} {
				if f != nil {
					_ = f.SetReadDeadline(time.Now())
				}
			}
			<-done
			return
		}
	}
}

// resize sets the pty's window size.
func (s *stdio) resize(rows, cols int) {
	if s.master == nil {
		return
	}
	ws := &unix.Winsize{Row: uint16(rows), Col: uint16(cols)}
	withFd(s.master, func(fd int) { _ = unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, ws) })
}

// withFd runs fn with f's descriptor. Unlike f.Fd(), it leaves f in
// non-blocking mode, so reads with deadlines keep working.
func withFd(f *os.File, fn func(fd int)) {
	if rc, err := f.SyscallConn(); err == nil {
		_ = rc.Control(func(fd uintptr) { fn(int(fd)) })
	}
}
