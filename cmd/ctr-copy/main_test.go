package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/ctr-project/ctr/cmd/internal/cli"
	"github.com/ctr-project/ctr/cmd/internal/xferflags"
)

// runApp runs ctr-copy in process and returns stdout, stderr and the exit code.
func runApp(stdin string, args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	app := newApp(strings.NewReader(stdin), &out, &errb)
	code := cli.Main(app, append([]string{"ctr-copy"}, args...))
	return out.String(), errb.String(), code
}

func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
	}{
		{"no arguments", "", nil},
		{"one argument", "", []string{"docker://a/b:1"}},
		{"unknown flag", "", []string{"--nope", "a", "b"}},
		{"unknown transport", "", []string{"bogus://x", "dir:/x"}},
		{"bad format", "", []string{"--format", "v1", "dir:/a", "dir:/b"}},
		{"bad platform", "", []string{"--platform", "linux", "dir:/a", "dir:/b"}},
		{"all and platform", "", []string{"--all", "--platform", "linux/amd64", "dir:/a", "dir:/b"}},
		{"two sources, no prefix", "dir:/a\ndir:/b\n", []string{"-", "dir:/c"}},
		{"empty stdin", "# nothing\n", []string{"-", "dir:/c"}},
		{"prefix that is not a registry", "docker://h/a:1\n", []string{"-", "dir:/c/"}},
		{"a policy file and --insecure-policy", "", []string{"--signature-policy", "/p.json", "--insecure-policy", "dir:/a", "dir:/b"}},
		{"skopeo's --policy and --insecure-policy", "", []string{"--policy", "/p.json", "--insecure-policy", "dir:/a", "dir:/b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runApp(tc.stdin, tc.args...)
			if code != cli.ExitUsage {
				t.Errorf("exit %d, want %d; stderr %q", code, cli.ExitUsage, errOut)
			}
			if out != "" {
				t.Errorf("stdout should be empty, got %q", out)
			}
			if !strings.HasPrefix(errOut, "ctr-copy: ") || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
				t.Errorf("want one line on stderr, got %q", errOut)
			}
		})
	}
}

func TestHelpGoesToStdout(t *testing.T) {
	out, _, code := runApp("", "--help")
	if code != 0 || !strings.Contains(out, "--preserve-digests") {
		t.Fatalf("exit %d, help %q", code, out)
	}
}

func TestOptionsTranslation(t *testing.T) {
	f := copyFlags{transfer: xferflags.TransferFlags{Retry: 3, ProgressInterval: time.Second, StallTimeout: 7 * time.Second}, format: "oci", compressFormat: "zstd", compressLevel: 5, all: true}
	_ = f.platforms.Set("linux/arm64/v8")
	o, local, err := f.options(&bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if local == nil || o.Local != local {
		t.Error("store not passed on")
	}
	if o.Format != "oci" || o.CompressFormat != "zstd" || o.CompressLevel != 5 || !o.All || o.Retry.Times != 3 || o.Retry.Stall != 7*time.Second {
		t.Errorf("got %+v", o)
	}
	if len(o.Platforms) != 1 || o.Platforms[0].Variant != "v8" {
		t.Errorf("platforms %+v", o.Platforms)
	}
}
