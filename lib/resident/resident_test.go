package resident

import (
	"strings"
	"testing"
)

const smaps = `00400000-00401000 r--p 00000000 fe:01 123 /usr/bin/prog
Size:                  4 kB
Anonymous:             0 kB
00401000-00800000 r-xp 00001000 fe:01 123 /usr/bin/prog
Size:               4092 kB
Anonymous:             0 kB
00800000-00900000 r--p 00400000 fe:01 123 /usr/bin/prog
Size:               1024 kB
Anonymous:            12 kB
00900000-00910000 rw-p 00500000 fe:01 123 /usr/bin/prog
Anonymous:            64 kB
7f0000000000-7f0000100000 r-xp 00000000 fe:01 456 /usr/lib/libc.so.6
Anonymous:             0 kB
7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0 [stack]
Anonymous:           132 kB
`

// TestTrimmable: the program's read-only mappings, not the one the loader
// wrote relocations into (its pages are anonymous copies), not what is
// writable, not another file's.
func TestTrimmable(t *testing.T) {
	got := trimmable(strings.NewReader(smaps), "/usr/bin/prog")
	want := []span{{0x400000, 0x401000}, {0x401000, 0x800000}}
	if len(got) != len(want) {
		t.Fatalf("got %x, want %x", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %x, want %x", got, want)
		}
	}
}

// TestTrimKeepsTheProgramRunning: the program goes on after a trim, its
// code and data read back from the page cache.
func TestTrimKeepsTheProgramRunning(t *testing.T) {
	Trim()
	if s := strings.Repeat("ab", 3); s != "ababab" {
		t.Fatal(s)
	}
}
