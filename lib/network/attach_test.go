package network

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// BenchmarkAttachDetach attaches to and detaches from podman's default
// network (root, Debian's CNI plugins): go test -bench Attach ./lib/network
func BenchmarkAttachDetach(b *testing.B) {
	if os.Getuid() != 0 {
		b.Skip("needs root")
	}
	m := New(Config{})
	id := strings.Repeat("be", 32)
	var add, del time.Duration
	for i := 0; b.Loop(); i++ {
		t0 := time.Now()
		st, err := m.Attach(context.Background(), id, []Request{{Network: DefaultName}}, nil)
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := m.Detach(context.Background(), id, st); err != nil {
			b.Fatal(err)
		}
		add, del = add+t1.Sub(t0), del+time.Since(t1)
	}
	b.ReportMetric(float64(add.Milliseconds())/float64(b.N), "ms-attach")
	b.ReportMetric(float64(del.Milliseconds())/float64(b.N), "ms-detach")
}
