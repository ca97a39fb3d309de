// Package mountinfo reads the calling process's mount table,
// /proc/self/mountinfo: which mounts have a given mount point.
package mountinfo

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"
)

// Mount is one line of the table, what the callers need of it.
type Mount struct {
	ID, Parent uint64
}

// At lists the mounts whose mount point is path (more than one where a
// mount was made over another, or on a path a later mount covers).
func At(path string) ([]Mount, error) {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	var out []Mount
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		// ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS ...
		f := strings.Fields(sc.Text())
		if len(f) < 5 || unescape(f[4]) != path {
			continue
		}
		id, err1 := strconv.ParseUint(f[0], 10, 64)
		parent, err2 := strconv.ParseUint(f[1], 10, 64)
		if err1 == nil && err2 == nil {
			out = append(out, Mount{ID: id, Parent: parent})
		}
	}
	return out, sc.Err()
}

// Mounted says whether something is mounted on path.
func Mounted(path string) bool {
	ms, err := At(path)
	return err == nil && len(ms) > 0
}

// unescape undoes the kernel's octal escapes (\040 for a space).
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
