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

// readSize is how much of the container's output one read takes:
// conmon's 8 KiB. Measured (bench/monitor.sh): reading the pipe dry with
// 64 KiB reads, or letting output gather between reads, makes a container
// writing flat out slower, not faster: it blocks on a full pipe more.
const readSize = MaxPiece

// pump copies the container's output to the log and the attach clients
// until both streams end (for a pty: EIO, once the container's side is
// closed), or, after wake is signalled (the container exited), once they
// have been quiet for a while: a process that inherited them may keep
// them open for ever.
//
// One loop waits for both streams in one epoll set and reads them in
// turn, stdout first, so output keeps the order in which it was written
// as far as the pipes can tell (two readers would race each other). It
// blocks in epoll_wait as conmon blocks in poll: under a flood of small
// writes, parking a goroutine in Go's poller for each one costs more than
// the reads themselves (measured: bench/monitor.sh).
func (s *stdio) pump(log *LogWriter, att *attachServer, wake int) {
	type stream struct {
		fd   int
		name string
		code byte
	}
	var streams []*stream
	for _, st := range []struct {
		f    *os.File
		name string
		code byte
	}{{s.stdout, "stdout", 2}, {s.stderr, "stderr", 3}} {
		if st.f != nil {
			one := &stream{fd: -1, name: st.name, code: st.code}
			withFd(st.f, func(fd int) { one.fd = fd })
			streams = append(streams, one)
		}
	}
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return
	}
	defer unix.Close(ep)
	for _, fd := range []int{streams[0].fd, streams[len(streams)-1].fd, wake} {
		ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)}
		_ = unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, fd, &ev)
	}
	// One packet for attach clients: the stream byte, then one read.
	packet := make([]byte, 1+readSize)
	events := make([]unix.EpollEvent, 4)
	open := len(streams)
	timeout := -1
	for open > 0 {
		n, err := unix.EpollWait(ep, events, timeout)
		if err == unix.EINTR {
			continue
		}
		if err != nil || n == 0 {
			return // quiet for a while after the exit
		}
		for _, st := range streams {
			ready := false
			for _, ev := range events[:n] {
				ready = ready || int(ev.Fd) == st.fd
			}
			if !ready {
				continue
			}
			n, err := unix.Read(st.fd, packet[1:])
			if n > 0 {
				if log != nil {
					_ = log.Write(st.name, packet[1:1+n], time.Now())
				}
				if att != nil {
					packet[0] = st.code
					att.broadcast(packet[:1+n])
				}
				continue
			}
			if err == unix.EAGAIN || err == unix.EINTR {
				continue
			}
			// EOF, or EIO from a pty whose other side is gone.
			_ = unix.EpollCtl(ep, unix.EPOLL_CTL_DEL, st.fd, nil)
			st.fd = -1
			open--
		}
		if timeout < 0 {
			for _, ev := range events[:n] {
				if int(ev.Fd) == wake {
					// The container exited: drain what is there, then stop
					// once nothing comes for a while.
					_ = unix.EpollCtl(ep, unix.EPOLL_CTL_DEL, wake, nil)
					timeout = 300
				}
			}
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
