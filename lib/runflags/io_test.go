package runflags

import (
	"errors"
	"testing"

	"github.com/ctr-project/ctr/lib/errdefs"
)

func TestParseMemorySwap(t *testing.T) {
	mem := int64(64 << 20)
	for _, c := range []struct {
		in     string
		memory int64
		want   int64
		ok     bool
	}{{"96m", mem, 96 << 20, true}, {"-1", mem, -1, true}, {"64m", mem, 64 << 20, true},
		{"32m", mem, 0, false}, {"96m", 0, 0, false}, {"lots", mem, 0, false}} {
		got, err := ParseMemorySwap(c.in, c.memory)
		if (err == nil) != c.ok || got != c.want || (err != nil && !errors.Is(err, errdefs.ErrUsage)) {
			t.Errorf("ParseMemorySwap(%q, %d) = %d, %v", c.in, c.memory, got, err)
		}
	}
}

func TestParseThrottleWantsABlockDeviceAndARate(t *testing.T) {
	for _, in := range []string{"/dev/null:1mb", "/nonexistent:1mb", "1mb", ":1mb", "/dev/null:"} {
		if _, err := ParseThrottle(in, false); !errors.Is(err, errdefs.ErrUsage) {
			t.Errorf("ParseThrottle(%q) = %v, want a usage error", in, err)
		}
	}
}
