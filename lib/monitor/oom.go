package monitor

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// oomCounter reads how many processes the kernel's OOM killer killed in a
// memory cgroup: "oom_kill N" in memory.oom_control (cgroup v1) or
// memory.events (v2).
type oomCounter struct {
	file string // "" when the cgroup could not be found
}

// newOOMCounter finds pid's memory cgroup. It must be called while pid
// runs: after it exits, /proc no longer says where it was.
func newOOMCounter(pid int) oomCounter {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		return oomCounter{}
	}
	defer f.Close()
	v2 := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			if c == "memory" {
				return oomCounter{file: filepath.Join("/sys/fs/cgroup/memory", parts[2], "memory.oom_control")}
			}
		}
		if parts[0] == "0" && parts[1] == "" {
			v2 = filepath.Join("/sys/fs/cgroup", parts[2], "memory.events")
		}
	}
	if v2 != "" {
		if _, err := os.Stat(v2); err == nil {
			return oomCounter{file: v2}
		}
	}
	return oomCounter{}
}

// kills returns the cgroup's OOM kill count, 0 when unknown.
func (o oomCounter) kills() int {
	if o.file == "" {
		return 0
	}
	b, err := os.ReadFile(o.file)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "oom_kill "); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	return 0
}
