package signals

import (
	"syscall"
	"testing"
)

func TestParse(t *testing.T) {
	for in, want := range map[string]syscall.Signal{
		"TERM": syscall.SIGTERM, "sigquit": syscall.SIGQUIT, "SIGKILL": syscall.SIGKILL, "9": syscall.SIGKILL, "SIGRTMIN+3": 37, "rtmax-2": 62, "RTMIN": 34, "SIGRTMAX": 64,
	} {
		if got, err := Parse(in); err != nil || got != want {
			t.Errorf("Parse(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "SIGNOPE", "TERM9", "RTMIN+31", "RTMAX-x", "RTMINX"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q): no error", bad)
		}
	}
}
