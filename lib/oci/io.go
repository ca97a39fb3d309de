package oci

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"

	"github.com/containerd/console"
	"github.com/opencontainers/runc/libcontainer"
	"github.com/opencontainers/runc/libcontainer/utils"
	"golang.org/x/sys/unix"
)

// stdio connects a container process to the caller. Without a terminal
// the process inherits the runtime's own stdin, stdout and stderr (what
// runc does when detached, and what conmon and ctr-run rely on). With a
// terminal, the pty master goes to a console socket, or, in the
// foreground, is copied to and from the caller's terminal.
type stdio struct {
	closeAfterStart []io.Closer
	consoleC        chan error
	master          console.Console
	host            console.Console
	copies          sync.WaitGroup
}

func setupIO(p *libcontainer.Process, terminal, detach bool, consoleSocket string) (*stdio, error) {
	s := &stdio{}
	if !terminal {
		if consoleSocket != "" {
			return nil, errors.New("a console socket needs process.terminal")
		}
		p.Stdin, p.Stdout, p.Stderr = os.Stdin, os.Stdout, os.Stderr
		return s, nil
	}
	if detach {
		if consoleSocket == "" {
			return nil, errors.New("a detached container with a terminal needs a console socket")
		}
		conn, err := net.Dial("unix", consoleSocket)
		if err != nil {
			return nil, fmt.Errorf("console socket: %w", err)
		}
		f, err := conn.(*net.UnixConn).File()
		conn.Close()
		if err != nil {
			return nil, err
		}
		p.ConsoleSocket = f
		s.closeAfterStart = append(s.closeAfterStart, f)
		return s, nil
	}
	if consoleSocket != "" {
		return nil, errors.New("a console socket is for detached containers")
	}
	parent, child, err := utils.NewSockPair("console")
	if err != nil {
		return nil, err
	}
	p.ConsoleSocket = child
	s.closeAfterStart = append(s.closeAfterStart, parent, child)
	s.consoleC = make(chan error, 1)
	go func() { s.consoleC <- s.receiveMaster(parent) }()
	return s, nil
}

// receiveMaster takes the pty master libcontainer sends and copies it to
// and from the caller's stdio, with the caller's terminal in raw mode.
func (s *stdio) receiveMaster(sock *os.File) error {
	f, err := recvFd(sock)
	if err != nil {
		return err
	}
	master, err := console.ConsoleFromFile(f)
	if err != nil {
		return err
	}
	// runc's foreground default: no \r added before \n by the pty.
	_ = console.ClearONLCR(master.Fd())
	s.master = master
	if host, err := console.ConsoleFromFile(os.Stdin); err == nil {
		if err := host.SetRaw(); err == nil {
			s.host = host
		}
	}
	s.resize()
	go func() { _, _ = io.Copy(master, os.Stdin) }()
	s.copies.Add(1)
	go func() {
		defer s.copies.Done()
		_, _ = io.Copy(os.Stdout, master)
	}()
	return nil
}

// waitConsole waits for the pty to arrive, if one was asked for.
func (s *stdio) waitConsole() error {
	if s.consoleC == nil {
		return nil
	}
	return <-s.consoleC
}

func (s *stdio) closePostStart() {
	for _, c := range s.closeAfterStart {
		c.Close()
	}
	s.closeAfterStart = nil
}

// resize gives the container's terminal the caller's size.
func (s *stdio) resize() {
	if s.master == nil {
		return
	}
	if ws, err := unix.IoctlGetWinsize(int(os.Stdin.Fd()), unix.TIOCGWINSZ); err == nil {
		_ = unix.IoctlSetWinsize(int(s.master.Fd()), unix.TIOCSWINSZ, ws)
	}
}

// close restores the caller's terminal after the output has drained.
func (s *stdio) close() {
	s.closePostStart()
	if s.master != nil {
		s.copies.Wait()
		s.master.Close()
	}
	if s.host != nil {
		_ = s.host.Reset()
	}
}

// recvFd receives one file descriptor sent with SCM_RIGHTS.
func recvFd(sock *os.File) (*os.File, error) {
	name := make([]byte, 4096)
	oob := make([]byte, unix.CmsgSpace(4))
	n, oobn, _, _, err := unix.Recvmsg(int(sock.Fd()), name, oob, 0)
	if err != nil {
		return nil, err
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	if len(msgs) != 1 {
		return nil, fmt.Errorf("console: %d control messages, expected one", len(msgs))
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	if len(fds) != 1 {
		for _, fd := range fds {
			unix.Close(fd)
		}
		return nil, fmt.Errorf("console: %d fds, expected one", len(fds))
	}
	return os.NewFile(uintptr(fds[0]), string(name[:n])), nil
}
