package monitor

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// ErrDetached is returned by Attach when the client typed the detach keys.
var ErrDetached = errors.New("detached")

// AttachOptions say where an attach session's streams go.
type AttachOptions struct {
	Stdin          io.Reader // nil: send nothing
	Stdout, Stderr io.Writer
	// DetachKeys end the session, leaving the container running, when they
	// come in one read of Stdin (a terminal sends a key per read).
	DetachKeys []byte
}

// Attach connects to the attach socket in bundle and copies the
// container's output to Stdout and Stderr until the monitor closes the
// connection (the container exited), and Stdin to the container. Stdin's
// EOF is passed on as a shutdown of the sending side.
func Attach(bundle string, o AttachOptions) error {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	dir, err := unix.Open(bundle, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		unix.Close(fd)
		return err
	}
	err = unix.Connect(fd, &unix.SockaddrUnix{Name: "/proc/self/fd/" + strconv.Itoa(dir) + "/attach"})
	unix.Close(dir)
	if err != nil {
		unix.Close(fd)
		return wrap("attach", err)
	}
	conn := os.NewFile(uintptr(fd), "attach")
	defer conn.Close()
	detached := make(chan struct{})
	if o.Stdin != nil {
		go func() {
			buf := make([]byte, MaxPiece)
			for {
				n, err := o.Stdin.Read(buf)
				if n > 0 {
					if len(o.DetachKeys) > 0 && bytes.Contains(buf[:n], o.DetachKeys) {
						close(detached)
						// Unblocks the reader below.
						_ = unix.Shutdown(fd, unix.SHUT_RDWR)
						return
					}
					if _, werr := conn.Write(buf[:n]); werr != nil {
						return
					}
				}
				if err != nil {
					_ = unix.Shutdown(fd, unix.SHUT_WR)
					return
				}
			}
		}()
	}
	buf := make([]byte, 1+MaxPiece)
	for {
		n, err := conn.Read(buf)
		if n > 1 {
			w := o.Stdout
			if buf[0] == 3 {
				w = o.Stderr
			}
			if w != nil {
				if _, werr := w.Write(buf[1:n]); werr != nil {
					return werr
				}
			}
		}
		if err != nil || n == 0 {
			select {
			case <-detached:
				return ErrDetached
			default:
			}
			if err == nil || err == io.EOF {
				return nil
			}
			return err
		}
	}
}

// SendCtl writes one control line, "TYPE HEIGHT WIDTH", to the control
// FIFO of the container whose bundle is dir.
func SendCtl(dir string, kind, height, width int) error {
	f, err := os.OpenFile(CtlFIFO(dir), os.O_WRONLY|unix.O_NONBLOCK, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	line := strconv.Itoa(kind) + " " + strconv.Itoa(height) + " " + strconv.Itoa(width) + "\n"
	_, err = f.WriteString(line)
	return err
}
