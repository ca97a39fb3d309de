package network

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ctr-project/ctr/lib/mountinfo"
)

// inMountNamespace runs the calling test again in a private mount
// namespace of its own (unshare(1)), where it may mount what it likes: a
// Go thread cannot leave its process's mount namespace alone. It returns
// true in that child, where the test goes on.
func inMountNamespace(t *testing.T) bool {
	t.Helper()
	if os.Getenv("CTR_NETNS_TEST_CHILD") == "1" {
		return true
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root: mounts")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("unshare(1) is not installed")
	}
	cmd := exec.Command("unshare", "--mount", "--propagation", "private", os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v")
	cmd.Env = append(os.Environ(), "CTR_NETNS_TEST_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("in a mount namespace: %v\n%s", err, out)
	}
	return false
}

// freshRun is a directory like /run after a boot, on a tmpfs of its own:
// its netns directory (returned) does not exist yet.
func freshRun(t *testing.T) string {
	t.Helper()
	run := t.TempDir()
	if err := unix.Mount("tmpfs", run, "tmpfs", 0, ""); err != nil {
		t.Fatal(err)
	}
	// Before TempDir's removal (clean-ups run last first).
	t.Cleanup(func() { _ = unix.Unmount(run, unix.MNT_DETACH) })
	return filepath.Join(run, "netns")
}

// mountedAt says how many mounts have path as their mount point.
func mountedAt(t *testing.T, path string) int {
	t.Helper()
	ms, err := mountinfo.At(path)
	if err != nil {
		t.Fatal(err)
	}
	return len(ms)
}

// pin bind-mounts this process's network namespace on path.
func pin(t *testing.T, path string) {
	t.Helper()
	if err := unix.Mount("/proc/self/ns/net", path, "none", unix.MS_BIND, ""); err != nil {
		t.Fatal(err)
	}
}

// requireRemoved has removeNetns unpin path, and fails the test unless it
// is gone, with nothing mounted on it.
func requireRemoved(t *testing.T, path string) {
	t.Helper()
	if err := removeNetns(path); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) || mountedAt(t, path) != 0 {
		t.Fatalf("%s left: %v, %d mounts", path, err, mountedAt(t, path))
	}
}

// podmanFirstRun does to dir what podman's (CNI's) netns code does before
// it pins a namespace: make it shared, and if it is not a mount point,
// bind it onto itself first (recursively, carrying what is pinned there).
func podmanFirstRun(t *testing.T, dir string) {
	t.Helper()
	if err := unix.Mount("", dir, "none", unix.MS_SHARED|unix.MS_REC, ""); err == nil {
		return
	}
	if err := unix.Mount(dir, dir, "none", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("", dir, "none", unix.MS_SHARED|unix.MS_REC, ""); err != nil {
		t.Fatal(err)
	}
}

// On a fresh /run, ctr makes the netns directory a shared mount point
// before it pins there, so podman's first run binds nothing over ctr's
// pin, and the removal leaves nothing (it failed with EBUSY before: the
// pin was under podman's mount).
func TestNetnsSurvivesPodmansFirstRun(t *testing.T) {
	if !inMountNamespace(t) {
		return
	}
	dir := freshRun(t)
	path, err := newNetns(dir)
	if err != nil {
		t.Fatal(err)
	}
	if mountedAt(t, dir) != 1 {
		t.Fatalf("%s is not one mount point", dir)
	}
	podmanFirstRun(t, dir)
	if mountedAt(t, dir) != 1 {
		t.Fatalf("podman's first run mounted %s again", dir)
	}
	// A second pin reuses the mount point.
	second, err := newNetns(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, second} {
		requireRemoved(t, p)
	}
}

// A pin made while the directory was plain (an older ctr, or ip-netns'
// files) and then covered by podman's bind of the directory onto itself:
// the removal finds the mount beneath the cover and unmounts it.
func TestRemoveNetnsCoveredByALaterMount(t *testing.T) {
	if !inMountNamespace(t) {
		return
	}
	dir := freshRun(t)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "ctr-covered")
	if err := os.WriteFile(path, nil, 0o444); err != nil {
		t.Fatal(err)
	}
	pin(t, path)
	podmanFirstRun(t, dir)
	if n := mountedAt(t, path); n != 2 {
		t.Fatalf("%d mounts on %s, want the pin and its copy", n, path)
	}
	requireRemoved(t, path)
}

// A pin mounted twice on one path (propagated there again) goes whole.
func TestRemoveNetnsStacked(t *testing.T) {
	if !inMountNamespace(t) {
		return
	}
	dir := freshRun(t)
	path, err := newNetns(dir)
	if err != nil {
		t.Fatal(err)
	}
	pin(t, path)
	requireRemoved(t, path)
}
