package monitor

import (
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// AttachSocket is the attach socket of the container whose bundle is dir.
func AttachSocket(dir string) string { return filepath.Join(dir, "attach") }

// attachServer is conmon's attach socket: SOCK_SEQPACKET; each packet to
// a client is one read of the container's output after a stream byte (2
// stdout, 3 stderr); what a client sends is the container's stdin.
type attachServer struct {
	ln   *os.File
	link string // SOCKETDIR/UUID → bundle, when made

	mu      sync.Mutex
	clients map[*os.File]bool
	closed  bool
}

// sunPathMax is the room for a socket path in sockaddr_un.
const sunPathMax = 107

func listenAttach(cfg *Config) (*attachServer, error) {
	a := &attachServer{clients: map[*os.File]bool{}}
	path := AttachSocket(cfg.Bundle)
	if !cfg.FullAttach && len(path) > sunPathMax {
		// conmon's short path for callers that need one.
		if err := os.MkdirAll(cfg.SocketDir, 0o755); err == nil {
			link := filepath.Join(cfg.SocketDir, cfg.UUID)
			_ = os.Remove(link)
			if os.Symlink(cfg.Bundle, link) == nil {
				a.link = link
			}
		}
	}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	_ = os.Remove(path)
	// Bound through /proc/self/fd/N, so a bundle path of any length works.
	dir, err := unix.Open(cfg.Bundle, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		unix.Close(fd)
		return nil, wrap("attach socket", err)
	}
	err = unix.Bind(fd, &unix.SockaddrUnix{Name: "/proc/self/fd/" + strconv.Itoa(dir) + "/attach"})
	unix.Close(dir)
	if err == nil {
		err = unix.Fchmodat(unix.AT_FDCWD, path, 0o700, 0)
	}
	if err == nil {
		err = unix.Listen(fd, 10)
	}
	if err != nil {
		unix.Close(fd)
		return nil, wrap("attach socket "+path, err)
	}
	a.ln = os.NewFile(uintptr(fd), "attach")
	return a, nil
}

// acceptPending takes the clients waiting in the backlog now, such as a
// caller that attached before saying go on the start pipe: none of the
// output may pass them by.
func (a *attachServer) acceptPending(io *stdio, closeStdinOnEOF bool) {
	rc, err := a.ln.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Control(func(fd uintptr) {
		for {
			nfd, _, err := unix.Accept4(int(fd), unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK)
			if err != nil {
				return
			}
			a.add(os.NewFile(uintptr(nfd), "attach-client"), io, closeStdinOnEOF)
		}
	})
}

func (a *attachServer) add(c *os.File, io *stdio, closeStdinOnEOF bool) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		c.Close()
		return false
	}
	a.clients[c] = true
	go a.readClient(c, io, closeStdinOnEOF)
	return true
}

// serve accepts clients until close.
func (a *attachServer) serve(io *stdio, closeStdinOnEOF bool) {
	rc, err := a.ln.SyscallConn()
	if err != nil {
		return
	}
	for {
		var nfd int
		var aerr error
		err := rc.Read(func(fd uintptr) bool {
			nfd, _, aerr = unix.Accept4(int(fd), unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK)
			return aerr != unix.EAGAIN
		})
		if err != nil {
			return // closed
		}
		if aerr != nil {
			continue
		}
		if !a.add(os.NewFile(uintptr(nfd), "attach-client"), io, closeStdinOnEOF) {
			return
		}
	}
}

// readClient passes a client's packets to the container's stdin. The
// client's EOF (it shut down its sending side) closes stdin unless told
// to leave it open; the client keeps receiving output.
func (a *attachServer) readClient(c *os.File, io *stdio, closeStdinOnEOF bool) {
	buf := make([]byte, MaxPiece)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			io.writeStdin(buf[:n])
		}
		if err != nil {
			if closeStdinOnEOF {
				io.closeStdin()
			}
			return
		}
	}
}

// broadcast sends one packet to every client. A client that cannot take
// it within a second is dropped rather than stall the container's log.
func (a *attachServer) broadcast(p []byte) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for c := range a.clients {
		_ = c.SetWriteDeadline(time.Now().Add(time.Second))
		if _, err := c.Write(p); err != nil {
			c.Close()
			delete(a.clients, c)
		}
	}
}

// close stops accepting and ends every client's connection.
func (a *attachServer) close() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.closed = true
	a.ln.Close()
	for c := range a.clients {
		c.Close()
	}
	a.clients = nil
	if a.link != "" {
		os.Remove(a.link)
	}
}
