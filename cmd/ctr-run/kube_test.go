package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ctr-project/ctr/cmd/internal/cli"
)

// runApp runs ctr-run in-process; it returns the exit status and stderr.
func runApp(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	app := newApp(strings.NewReader(""), &stdout, &stderr)
	err := cli.Run(app, append([]string{"ctr-run"}, args...))
	if err == nil {
		return 0, stderr.String()
	}
	cli.PrintError(app, err)
	return exitCode(err), stderr.String()
}

// kube play reads where and how it runs from the global flags, and its
// containers' options from the manifest alone: a container's own flag
// before it (it used to be set on a copy of the flags, some then kept
// for every container, others overwritten) is a usage error, before the
// store is opened.
func TestKubePlayFlags(t *testing.T) {
	dir := t.TempDir()
	manifest := filepath.Join(dir, "pod.yaml")
	// Keys of ctr's own: kube play stops there, before the store.
	yaml := "apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {io.ctr.x: y}}\nspec:\n  containers: [{name: c, image: i:1}]\n"
	if err := os.WriteFile(manifest, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(dir, "root")
	store := []string{"--root", root, "--runroot", filepath.Join(dir, "runroot"), "--storage-driver", "vfs"}
	for _, tc := range []struct {
		flags []string
		name  string // the flag the error names
	}{
		{[]string{"--memory", "1g"}, "memory"}, {[]string{"-v", "/tmp:/x"}, "volume"}, {[]string{"--rm"}, "rm"},
		{[]string{"-d"}, "detach"}, {[]string{"--pull", "never"}, "pull"}, {[]string{"-e", "A=1"}, "env"},
		{[]string{"--network", "host"}, "network"}, {[]string{"--pids-limit", "10"}, "pids-limit"},
		{[]string{"--cgroup-parent", "/x"}, "cgroup-parent"},
	} {
		code, stderr := runApp(t, append(append(append([]string{}, store...), tc.flags...), "kube", "play", manifest)...)
		want := "--" + tc.name + ": kube play takes its containers' options from the manifest\n"
		if code != cli.ExitUsage || !strings.HasSuffix(stderr, want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%q: exit %d, %q; want 64 and %q", tc.flags, code, stderr, want)
		}
	}
	// The flags of where and how: past the check, to the manifest's keys.
	tool := append(append([]string{}, store...), "--runtime", "/bin/true", "--cgroup-manager", "cgroupfs", "--quiet",
		"--tls-verify=false", "--insecure-policy", "--network-config-dir", dir)
	code, stderr := runApp(t, append(tool, "kube", "play", manifest)...)
	if code != cli.ExitUsage || !strings.Contains(stderr, `"io.ctr.x"`) {
		t.Errorf("tool flags: exit %d, %q; want 64 for the manifest's key", code, stderr)
	}
	if _, err := os.Stat(root); !os.IsNotExist(err) {
		t.Errorf("the store was opened: %v", err)
	}
}
