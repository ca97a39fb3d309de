package monitor

import (
	"errors"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// consoleSocket is where a runtime sends the pty master it made for a
// container with a terminal (runc's --console-socket: one connection, the
// fd in an SCM_RIGHTS message).
type consoleSocket struct {
	dir, path string
	fd        int
	master    *os.File
}

func listenConsole() (*consoleSocket, error) {
	dir, err := os.MkdirTemp("", "ctr-monitor-tty")
	if err != nil {
		return nil, err
	}
	c := &consoleSocket{dir: dir, path: filepath.Join(dir, "console.sock"), fd: -1}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		c.close()
		return nil, err
	}
	c.fd = fd
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: c.path}); err != nil {
		c.close()
		return nil, wrap("console socket", err)
	}
	if err := unix.Listen(fd, 1); err != nil {
		c.close()
		return nil, err
	}
	return c, nil
}

// receive takes the master the runtime sent. It is called once the
// runtime has exited: its connection and message wait in the socket.
func (c *consoleSocket) receive() error {
	conn, _, err := unix.Accept4(c.fd, unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK)
	if err != nil {
		return wrap("console socket: nothing from the runtime", err)
	}
	defer unix.Close(conn)
	buf := make([]byte, 4096)
	oob := make([]byte, unix.CmsgSpace(4))
	_, oobn, _, _, err := unix.Recvmsg(conn, buf, oob, unix.MSG_CMSG_CLOEXEC)
	if err != nil {
		return wrap("console socket", err)
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) == 0 {
		return errors.New("console socket: no file descriptor from the runtime")
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) == 0 {
		return errors.New("console socket: no file descriptor from the runtime")
	}
	for _, extra := range fds[1:] {
		unix.Close(extra)
	}
	master := fds[0]
	// Output lines end in CRLF, as on a terminal (conmon does the same).
	if t, err := unix.IoctlGetTermios(master, unix.TCGETS); err == nil {
		t.Oflag |= unix.OPOST | unix.ONLCR
		_ = unix.IoctlSetTermios(master, unix.TCSETS, t)
	}
	// Non-blocking, so the runtime poller serves it and deadlines work.
	_ = unix.SetNonblock(master, true)
	c.master = os.NewFile(uintptr(master), "pty-master")
	return nil
}

func (c *consoleSocket) close() {
	if c.fd >= 0 {
		unix.Close(c.fd)
		c.fd = -1
	}
	os.RemoveAll(c.dir)
}
