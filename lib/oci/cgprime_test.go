package oci

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The primer must find a cgroup this process really is in, and its write
// must succeed and leave the process where it was.
func TestMoveToOwnCgroupIsANoOp(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to write cgroup.procs")
	}
	dir := ownCgroupDir()
	if dir == "" {
		t.Fatal("no cgroup of this process found")
	}
	procs, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(strings.Fields(string(procs)), strconv.Itoa(os.Getpid())) {
		t.Fatalf("%s/cgroup.procs does not list this process (%d):\n%s", dir, os.Getpid(), procs)
	}
	before, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	if err := moveToOwnCgroup(); err != nil {
		t.Fatal(err)
	}
	after, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	if string(before) != string(after) {
		t.Fatalf("the write moved the process:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}
