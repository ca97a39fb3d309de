// Package resident gives back the pages of a long-lived process's own
// program that it touched to get going and does not need while it waits.
package resident

import (
	"bufio"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Trim unmaps the pages of this process's own program (its code and
// read-only data) that are mapped now: what it touched to get going
// (flag parsing, package initialisation, starting a runtime, …) and will
// not use while it waits. They stay in the page cache, shared; the few
// that are needed again come back on first touch (a minor fault).
//
// Only read-only mappings of the executable that hold no page of their
// own are dropped: a dynamically linked program's RELRO segment is
// read-only once the loader has written its relocations there, and
// dropping those private copies would bring back the file's unrelocated
// bytes. (It takes no fmt: ctr-monitor, whose size is mostly its
// program's pages, calls it.)
func Trim() {
	self, err := os.Executable()
	if err != nil {
		return
	}
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return
	}
	defer f.Close()
	for _, r := range trimmable(f, self) {
		_, _, _ = unix.Syscall(unix.SYS_MADVISE, uintptr(r.start), uintptr(r.end-r.start), unix.MADV_DONTNEED)
	}
}

// span is an address range, [start, end).
type span struct{ start, end uint64 }

// trimmable reads smaps and returns the mappings of the program self that
// Trim may drop: read-only (r-xp, r--p) and with no anonymous page.
func trimmable(smaps io.Reader, self string) []span {
	var out []span
	var cur span
	candidate := false
	sc := bufio.NewScanner(smaps)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		if lo, hi, ok := strings.Cut(fields[0], "-"); ok && len(fields) >= 5 {
			// A mapping's header: start-end perms offset dev inode [path].
			start, err1 := strconv.ParseUint(lo, 16, 64)
			end, err2 := strconv.ParseUint(hi, 16, 64)
			candidate = err1 == nil && err2 == nil && end > start && len(fields) >= 6 && fields[5] == self &&
				(fields[1] == "r-xp" || fields[1] == "r--p")
			cur = span{start, end}
			continue
		}
		if candidate && fields[0] == "Anonymous:" && len(fields) >= 2 {
			if fields[1] == "0" {
				out = append(out, cur)
			}
			candidate = false
		}
	}
	return out
}
