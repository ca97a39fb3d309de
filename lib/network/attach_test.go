package network

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ctr-project/ctr/lib/errdefs"
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

// TestHoldPortsParsesHostIP: a host address is parsed, never looked up
// (net.Listen would resolve "localhost" or send "not-an-ip" to DNS).
func TestHoldPortsParsesHostIP(t *testing.T) {
	for _, ip := range []string{"localhost", "not-an-ip", "127.0.0.1.5", "::1"} {
		held, err := holdPorts([]PortMapping{{HostIP: ip, HostPort: 1, ContainerPort: 80, Protocol: "tcp"}})
		closeAll(held)
		if !errors.Is(err, errdefs.ErrUsage) || !strings.Contains(err.Error(), "not an IPv4 address") {
			t.Errorf("host address %q: got %v, want a usage error", ip, err)
		}
	}
}
