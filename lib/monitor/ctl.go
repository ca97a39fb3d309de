package monitor

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// CtlFIFO is the control FIFO of the container whose bundle is dir.
// Callers write lines "TYPE HEIGHT WIDTH": 1 resizes the terminal, 2
// reopens the log (conmon's protocol).
func CtlFIFO(dir string) string { return filepath.Join(dir, "ctl") }

// openCtl makes the FIFO and opens it for reading. It is opened read-write:
// with a writer of our own, a caller closing its end is not an EOF.
func openCtl(bundle string) (*os.File, error) {
	path := CtlFIFO(bundle)
	_ = os.Remove(path)
	if err := unix.Mkfifo(path, 0o660); err != nil {
		return nil, wrap("control fifo", err)
	}
	return os.OpenFile(path, os.O_RDWR, 0)
}

// serveCtl acts on control lines until the FIFO is closed.
func serveCtl(f *os.File, io *stdio, log *LogWriter) {
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 3 {
			continue
		}
		kind, _ := strconv.Atoi(fields[0])
		h, err1 := strconv.Atoi(fields[1])
		w, err2 := strconv.Atoi(fields[2])
		if err1 != nil || err2 != nil {
			continue
		}
		switch kind {
		case 1:
			io.resize(h, w)
		case 2:
			if log != nil {
				_ = log.Reopen()
			}
		}
	}
}
