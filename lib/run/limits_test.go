package run

import "testing"

// podman's default: as much swap as memory, where swap is accounted.
func TestMemorySwapDefault(t *testing.T) {
	mem := int64(64 << 20)
	if got := memorySwap(&Request{Memory: mem}); got != 0 && got != 2*mem {
		t.Errorf("default swap = %d, want %d (or 0 without swap accounting)", got, 2*mem)
	}
	if got := memorySwap(&Request{}); got != 0 {
		t.Errorf("swap without a memory limit = %d, want 0", got)
	}
}
