package unpack

import (
	"archive/tar"
	"bytes"
	"cmp"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

type entry struct {
	name, link string
	typ        byte
	mode       int64
	body       string
	uid        int
	xattrs     map[string]string
}

func layer(t *testing.T, entries ...entry) *bytes.Buffer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Linkname: e.link, Typeflag: e.typ, Mode: cmp.Or(e.mode, 0o644), Size: int64(len(e.body)),
			Uid: e.uid, Gid: e.uid, ModTime: time.Unix(1600000000, 0), Format: tar.FormatPAX}
		if e.typ != tar.TypeReg {
			h.Size = 0
		}
		for k, v := range e.xattrs {
			if h.PAXRecords == nil {
				h.PAXRecords = map[string]string{}
			}
			h.PAXRecords["SCHILY.xattr."+k] = v
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf
}

// sandbox returns a layer dir inside a parent dir that holds a file the
// tests must never change, and that file's path.
func sandbox(t *testing.T) (string, string) {
	parent := t.TempDir()
	outside := filepath.Join(parent, "outside")
	if err := os.WriteFile(outside, []byte("untouched"), 0o644); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(parent, "layer")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	return root, outside
}

func untouched(t *testing.T, outside string) {
	t.Helper()
	b, err := os.ReadFile(outside)
	if err != nil || string(b) != "untouched" {
		t.Fatalf("file outside the layer changed: %q, %v", b, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(outside))
	if len(entries) != 2 {
		t.Fatalf("something was created next to the layer: %v", entries)
	}
}

func TestUnpackTree(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for ownership and devices")
	}
	root, _ := sandbox(t)
	res, err := Unpack(layer(t,
		entry{name: "./", typ: tar.TypeDir, mode: 0o711},
		entry{name: "etc/", typ: tar.TypeDir, mode: 0o755},
		entry{name: "etc/passwd", typ: tar.TypeReg, body: "root:x:0:0\n"},
		entry{name: "usr/bin/tool", typ: tar.TypeReg, mode: 0o4755, body: "#!/bin/sh\n", uid: 7},
		entry{name: "usr/bin/alias", typ: tar.TypeLink, link: "usr/bin/tool"},
		entry{name: "bin", typ: tar.TypeSymlink, link: "/usr/bin"},
		entry{name: "dev/null", typ: tar.TypeChar, mode: 0o666},
		entry{name: "etc/cap", typ: tar.TypeReg, body: "x", xattrs: map[string]string{"user.test": "v"}},
		entry{name: "etc/passwd", typ: tar.TypeReg, body: "replaced\n"},
	), root, Options{OverlayWhiteouts: true})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "etc/passwd")); string(b) != "replaced\n" {
		t.Errorf("a later entry must replace an earlier one: %q", b)
	}
	st, err := os.Stat(filepath.Join(root, "usr/bin/tool"))
	if err != nil || st.Mode()&os.ModeSetuid == 0 || st.Mode().Perm() != 0o755 {
		t.Errorf("tool mode: %v %v", st.Mode(), err)
	}
	var s1, s2 unix.Stat_t
	_ = unix.Stat(filepath.Join(root, "usr/bin/tool"), &s1)
	_ = unix.Stat(filepath.Join(root, "usr/bin/alias"), &s2)
	if s1.Ino != s2.Ino || s1.Uid != 7 {
		t.Errorf("hard link or owner wrong: ino %d/%d uid %d", s1.Ino, s2.Ino, s1.Uid)
	}
	if l, _ := os.Readlink(filepath.Join(root, "bin")); l != "/usr/bin" {
		t.Errorf("symlink: %q", l)
	}
	if st, err := os.Lstat(filepath.Join(root, "dev/null")); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		t.Errorf("device: %v %v", st, err)
	}
	if v := make([]byte, 8); true {
		n, err := unix.Getxattr(filepath.Join(root, "etc/cap"), "user.test", v)
		if err != nil || string(v[:n]) != "v" {
			t.Errorf("xattr: %q %v", v[:n], err)
		}
	}
	if st, _ := os.Stat(filepath.Join(root, "etc")); !st.ModTime().Equal(time.Unix(1600000000, 0)) {
		t.Errorf("directory mtime %v", st.ModTime())
	}
	if res.RootMode == nil || res.RootMode.Perm() != 0o711 {
		t.Errorf("root mode %v", res.RootMode)
	}
	if len(res.UIDs) != 2 || res.UIDs[1] != 7 {
		t.Errorf("uids %v", res.UIDs)
	}
}

func TestUnpackWhiteouts(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for whiteout devices and trusted xattrs")
	}
	root, _ := sandbox(t)
	_, err := Unpack(layer(t,
		entry{name: "gone/", typ: tar.TypeDir, mode: 0o755},
		entry{name: "gone/.wh..wh..opq", typ: tar.TypeReg},
		entry{name: ".wh.removed", typ: tar.TypeReg},
	), root, Options{OverlayWhiteouts: true})
	if err != nil {
		t.Fatal(err)
	}
	var st unix.Stat_t
	if err := unix.Lstat(filepath.Join(root, "removed"), &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Rdev != 0 {
		t.Errorf("whiteout device: %+v %v", st, err)
	}
	v := make([]byte, 4)
	if n, err := unix.Getxattr(filepath.Join(root, "gone"), "trusted.overlay.opaque", v); err != nil || string(v[:n]) != "y" {
		t.Errorf("opaque xattr: %q %v", v[:n], err)
	}
	if _, err := os.Lstat(filepath.Join(root, ".wh.removed")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the AUFS whiteout file itself must not be written")
	}
}

// Hostile layers: nothing outside the layer is created or changed.
func TestUnpackHostile(t *testing.T) {
	for name, entries := range map[string][]entry{
		"dot-dot name":     {{name: "../outside", typ: tar.TypeReg, body: "pwned"}},
		"dot-dot deep":     {{name: "a/../../outside", typ: tar.TypeReg, body: "pwned"}},
		"dot-dot hardlink": {{name: "l", typ: tar.TypeLink, link: "../outside"}},
		"absolute symlink, write through": {
			{name: "esc", typ: tar.TypeSymlink, link: "/"},
			{name: "esc/outside", typ: tar.TypeReg, body: "pwned"},
		},
		"relative symlink, write through": {
			{name: "esc", typ: tar.TypeSymlink, link: "../"},
			{name: "esc/outside", typ: tar.TypeReg, body: "pwned"},
		},
		"symlink to the file, then a hard link to it and a write": {
			{name: "sl", typ: tar.TypeSymlink, link: "../outside"},
			{name: "hl", typ: tar.TypeLink, link: "sl"},
			{name: "hl", typ: tar.TypeReg, body: "pwned"},
		},
		"symlinked directory, then a new file below": {
			{name: "d", typ: tar.TypeSymlink, link: "../../.."},
			{name: "d/outside", typ: tar.TypeReg, body: "pwned"},
			{name: "d/new-file", typ: tar.TypeReg, body: "pwned"},
		},
		"absolute name": {{name: "/outside", typ: tar.TypeReg, body: "inside is fine"}},
	} {
		t.Run(name, func(t *testing.T) {
			root, outside := sandbox(t)
			_, _ = Unpack(layer(t, entries...), root, Options{OverlayWhiteouts: true})
			untouched(t, outside)
		})
	}
}

func TestUnpackRefusesEscapingNames(t *testing.T) {
	root, _ := sandbox(t)
	_, err := Unpack(layer(t, entry{name: "../x", typ: tar.TypeReg}), root, Options{})
	if !errors.Is(err, ErrEscape) {
		t.Fatalf("got %v, want ErrEscape", err)
	}
}
