package mountinfo

import "testing"

func TestUnescape(t *testing.T) {
	for in, want := range map[string]string{`/run/netns`: "/run/netns", `/a\040b`: "/a b", `/a\134`: `/a\`, `/x\04`: `/x\04`} {
		if got := unescape(in); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}

// The root is always a mount point; a file below it is not.
func TestAt(t *testing.T) {
	if !Mounted("/") {
		t.Fatal("/ is not mounted")
	}
	if ms, err := At("/proc/self/mountinfo"); err != nil || len(ms) != 0 {
		t.Fatalf("a file: %v, %v", ms, err)
	}
}
