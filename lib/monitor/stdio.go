package monitor

import (
	"os"
	"strings"
	"sync"
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

	stdinMu sync.Mutex
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

// pump copies the container's output to the log and the attach clients
// until both streams end (for a pty: EIO, once the container's side is
// closed), or, after exited is closed, once they have been quiet for a
// while: a process that inherited them may keep them open for ever.
//
// One loop polls both streams and reads them in turn, so output keeps
// the order in which it was written as far as the pipes can tell (two
// readers would race each other), and one packet for attach clients is
// one read: the stream byte, then the data (conmon's framing).
func (s *stdio) pump(log *LogWriter, att *attachServer, exited <-chan struct{}, wake *os.File) {
	type stream struct {
		f    *os.File
		name string
		code byte
	}
	var streams []stream
	if s.stdout != nil {
		streams = append(streams, stream{s.stdout, "stdout", 2})
	}
	streams = append(streams, stream{s.stderr, "stderr", 3})
	fds := make([]int, len(streams))
	for i, st := range streams {
		withFd(st.f, func(fd int) { fds[i] = fd })
	}
	wakeFd := -1
	withFd(wake, func(fd int) { wakeFd = fd })
	buf := make([]byte, 1+MaxPiece)
	open := len(streams)
	done := false
	for open > 0 {
		pfds := make([]unix.PollFd, 0, len(streams)+1)
		for _, fd := range fds {
			pfds = append(pfds, unix.PollFd{Fd: int32(fd), Events: unix.POLLIN})
		}
		timeout := -1
		if done {
			timeout = 300
		} else {
			pfds = append(pfds, unix.PollFd{Fd: int32(wakeFd), Events: unix.POLLIN})
		}
		n, err := unix.Poll(pfds, timeout)
		if err == unix.EINTR {
			continue
		}
		if err != nil || n == 0 {
			return // nothing for a while after the exit
		}
		if !done && pfds[len(pfds)-1].Revents != 0 {
			<-exited
			done = true
		}
		for i, st := range streams {
			if fds[i] < 0 || pfds[i].Revents == 0 {
				continue
			}
			n, err := unix.Read(fds[i], buf[1:])
			if n > 0 {
				now := time.Now()
				if log != nil {
					_ = log.Write(st.name, buf[1:1+n], now)
				}
				if att != nil {
					buf[0] = st.code
					att.broadcast(buf[:1+n])
				}
				continue
			}
			if err == unix.EAGAIN || err == unix.EINTR {
				continue
			}
			fds[i] = -1 // EOF, or EIO from a pty whose other side is gone
			open--
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
