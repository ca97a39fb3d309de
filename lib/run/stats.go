package run

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Stats is what a running container uses now, from its cgroups (the
// runtime's "events --stats", runc's format), and its writable layer.
type Stats struct {
	Time     time.Time
	CPUNanos uint64 // CPU time used, all CPUs
	// Memory: the usage, the working set (usage less the inactive file
	// cache, as the kubelet counts it), the anonymous memory, the page
	// faults, the limit (0: none).
	MemoryUsage, WorkingSet, RSS, PageFaults, MajorPageFaults, MemoryLimit uint64
	Pids                                                                   uint64
	// WritableBytes is the size of what the container wrote to its
	// layer (-1: unknown).
	WritableBytes int64
}

// runtimeStats is the part of the runtime's stats event read here.
type runtimeStats struct {
	Type string `json:"type"`
	Data struct {
		CPU struct {
			Usage struct {
				Total uint64 `json:"total"`
			} `json:"usage"`
		} `json:"cpu"`
		Memory struct {
			Usage struct {
				Usage uint64 `json:"usage"`
				Limit uint64 `json:"limit"`
			} `json:"usage"`
			Raw map[string]uint64 `json:"raw"`
		} `json:"memory"`
		Pids struct {
			Current uint64 `json:"current"`
		} `json:"pids"`
	} `json:"data"`
}

// noLimit is above any memory a machine has: the kernel's "max".
const noLimit = 1 << 62

// Stats reads a running container's use now.
func (m *Manager) Stats(ctx context.Context, ref string) (*Stats, error) {
	c, err := m.Get(ctx, ref)
	if err != nil {
		return nil, err
	}
	if c.Status != StatusRunning {
		return nil, fail(ExitRunFailure, "container %s is not running", c.Name)
	}
	out, err := m.runtime(ctx, "events", "--stats", c.ID).Output()
	if err != nil {
		return nil, fmt.Errorf("stats of %s: %w", c.Name, err)
	}
	var ev runtimeStats
	if err := json.Unmarshal([]byte(strings.TrimSpace(string(out))), &ev); err != nil || ev.Type != "stats" {
		return nil, fmt.Errorf("stats of %s: the runtime said %q", c.Name, strings.TrimSpace(string(out)))
	}
	mem := ev.Data.Memory
	st := &Stats{Time: time.Now(), CPUNanos: ev.Data.CPU.Usage.Total, MemoryUsage: mem.Usage.Usage, Pids: ev.Data.Pids.Current, WritableBytes: -1}
	if mem.Usage.Limit < noLimit {
		st.MemoryLimit = mem.Usage.Limit
	}
	// v1 names the hierarchy's totals total_*; v2 has one level.
	raw := func(v1, v2 string) uint64 {
		if v, ok := mem.Raw[v1]; ok {
			return v
		}
		return mem.Raw[v2]
	}
	inactive := raw("total_inactive_file", "inactive_file")
	st.WorkingSet = st.MemoryUsage - min(inactive, st.MemoryUsage)
	st.RSS = raw("total_rss", "anon")
	st.PageFaults, st.MajorPageFaults = raw("total_pgfault", "pgfault"), raw("total_pgmajfault", "pgmajfault")
	if size, err := m.Store.ContainerSize(c.ID); err == nil {
		st.WritableBytes = size
	}
	return st, nil
}
