package run

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Why start a container without the runtime: its start is on the path
// of every run from the moment the network is up to the moment the
// process runs, and most of it is the runtime's own start-up (about 5 of
// its 6 ms here). What it does there is small: libcontainer's init waits,
// after create, to open ROOT/ID/exec.fifo for writing; the runtime's
// start opens it for reading, reads the byte init writes, and removes it
// (the fifo's absence is what makes the state "running"). The hooks of
// this libcontainer all run at create. So where the runtime keeps that
// layout (state.json naming this init, the fifo beside it) the fifo is
// opened here; anywhere else the runtime's start runs, as before.

// errNotFifo: the runtime does not keep libcontainer's layout.
var errNotFifo = errors.New("no libcontainer exec fifo")

// startByFifo lets the created container whose init is pid run, as the
// runtime's start would; errNotFifo means the caller must run that start.
func startByFifo(root, id string, pid int) error {
	dir := filepath.Join(root, id)
	if st, ok, _ := fileState(root, id); !ok || st == nil || st.Pid != pid || st.Status != specs.StateCreated {
		return errNotFifo
	}
	fifo := filepath.Join(dir, "exec.fifo")
	// Non-blocking: the open returns at once whether or not init has
	// reached its end yet, and the wait below notices init dying.
	fd, err := unix.Open(fifo, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return errNotFifo
	}
	defer unix.Close(fd)
	if err := awaitFifoByte(fd, pid); err != nil {
		return fmt.Errorf("starting the container: %w", err)
	}
	if err := os.Remove(fifo); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("starting the container: %w", err)
	}
	return nil
}

// awaitFifoByte waits for init's byte on fd, checking every 100 ms (as
// the runtime does) that init still lives.
func awaitFifoByte(fd, pid int) error {
	buf := make([]byte, 16)
	for {
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		// Until a writer has opened it, a FIFO polls as nothing to read
		// (no hang-up either); init opens, writes its byte and closes.
		if _, err := unix.Poll(fds, 100); err != nil && !errors.Is(err, unix.EINTR) {
			return err
		}
		if fds[0].Revents&(unix.POLLIN|unix.POLLHUP) != 0 {
			n, err := unix.Read(fd, buf)
			switch {
			case n > 0:
				return nil
			case err != nil && !errors.Is(err, unix.EAGAIN) && !errors.Is(err, unix.EINTR):
				return err
			case fds[0].Revents&unix.POLLHUP != 0:
				return errors.New("its init closed the exec fifo without a word")
			}
		}
		if !alive(pid) {
			return errors.New("its init ended before it started")
		}
	}
}

// alive says whether pid is a process that has not ended (a zombie has).
func alive(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(data)
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == ')' {
			return i+2 < len(s) && s[i+2] != 'Z' && s[i+2] != 'X'
		}
	}
	return false
}
