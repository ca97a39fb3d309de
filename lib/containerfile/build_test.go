package containerfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestCleanPath(t *testing.T) {
	for in, want := range map[string]string{"/a/b/../c": "/a/c", "/../..": "/", "/a//b/./": "/a/b", "/": "/"} {
		if got := cleanPath(in); got != want {
			t.Errorf("cleanPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestGlobStaysInTheContext(t *testing.T) {
	root := t.TempDir()
	outside := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(outside, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"a.txt", "b.txt"} {
		if err := os.WriteFile(filepath.Join(root, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(outside, filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	got, err := globIn(root, "*.txt")
	if err != nil || len(got) != 2 || got[0].Name != "a.txt" {
		t.Fatalf("*.txt: %v %v", got, err)
	}
	for _, pattern := range []string{"../" + filepath.Base(filepath.Dir(outside)) + "/secret", "link", "/../../etc/passwd"} {
		if got, err := globIn(root, pattern); err == nil {
			t.Errorf("%s: got %v, want an error", pattern, got)
		}
	}
}

func TestLayerCache(t *testing.T) {
	c := layerCache{dir: t.TempDir()}
	if k1, k2 := c.key("a", "b"), c.key("a", "b"); k1 == c.key("ab") || k1 != k2 {
		t.Error("keys must keep their parts apart and be stable")
	}
	c.put("k", "id")
	b, err := os.ReadFile(filepath.Join(c.dir, "k"))
	if err != nil || string(b) != "id\n" {
		t.Errorf("entry %q %v", b, err)
	}
}
