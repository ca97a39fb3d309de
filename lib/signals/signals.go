// Package signals reads signal names and numbers as kill(1) and runc take
// them. It is shared by ctr-runtime, which must stay lean: x/sys only.
package signals

import (
	"fmt"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Parse reads a signal: a number, or a name with or without "SIG", in any
// case (TERM, sigterm, SIGRTMIN+3).
func Parse(s string) (syscall.Signal, error) {
	if n, err := strconv.Atoi(s); err == nil {
		return syscall.Signal(n), nil
	}
	name := strings.ToUpper(s)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	if sig := unix.SignalNum(name); sig != 0 {
		return sig, nil
	}
	// Real-time signals as glibc numbers them (34 to 64: it keeps 32 and
	// 33 for itself).
	for _, rt := range []struct {
		prefix string
		base   int
		sign   int
	}{{"SIGRTMIN+", 34, 1}, {"SIGRTMAX-", 64, -1}, {"SIGRTMIN", 34, 0}, {"SIGRTMAX", 64, 0}} {
		rest, ok := strings.CutPrefix(name, rt.prefix)
		if !ok {
			continue
		}
		n := 0
		if rt.sign != 0 {
			var err error
			if n, err = strconv.Atoi(rest); err != nil || n < 0 {
				break
			}
		} else if rest != "" {
			continue
		}
		if sig := rt.base + rt.sign*n; sig >= 34 && sig <= 64 {
			return syscall.Signal(sig), nil
		}
		break
	}
	return 0, fmt.Errorf("unknown signal %q", s)
}
