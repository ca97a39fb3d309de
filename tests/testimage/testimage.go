// Package testimage writes small, reproducible test images as OCI layouts:
// a busybox image from busybox-static, trees of local files as layers, and
// multi-platform indexes. Used by the mkimage command and by Go tests.
package testimage

import (
	"archive/tar"
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
	digest "github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// Options says what image to write.
type Options struct {
	// Out is the layout directory, optionally with :TAG (default latest).
	Out string
	// Busybox is the path of a static busybox: one layer with it, a link
	// per applet and a minimal /etc.
	Busybox string
	// Dirs and Files make one layer each from SRC=DEST.
	Dirs, Files []string
	// Platforms are os/arch[/variant]; more than one writes an index.
	Platforms []string
	// Labels are K=V config labels; Cmd is the config's Cmd.
	Labels, Cmd []string
	// Hostile adds one layer that tries to escape the layer directory, as
	// KIND=TARGET (see hostileLayer).
	Hostile []string
}

// epoch is the fixed time stamped on every file so that digests repeat.
var epoch = time.Unix(1700000000, 0).UTC()

type layer struct {
	desc   v1.Descriptor
	diffID digest.Digest
}

// Build writes the image described by o.
func Build(o Options) error {
	busybox, dirs, files, platforms, labels, cmd := o.Busybox, o.Dirs, o.Files, o.Platforms, o.Labels, o.Cmd
	dir, tag, _ := strings.Cut(o.Out, ":")
	if dir == "" {
		return fmt.Errorf("-o is required")
	}
	tag = cmp.Or(tag, "latest")
	if len(platforms) == 0 {
		platforms = []string{"linux/amd64"}
	}
	for _, d := range []string{dir, filepath.Join(dir, "blobs", "sha256")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	var layers []layer
	add := func(write func(*tar.Writer) error) error {
		l, err := writeLayer(dir, write)
		layers = append(layers, l)
		return err
	}
	if busybox != "" {
		if err := add(func(tw *tar.Writer) error { return busyboxTree(tw, busybox) }); err != nil {
			return err
		}
	}
	for _, d := range dirs {
		src, dest, _ := strings.Cut(d, "=")
		if err := add(func(tw *tar.Writer) error { return tree(tw, src, dest) }); err != nil {
			return err
		}
	}
	for _, f := range files {
		src, dest, _ := strings.Cut(f, "=")
		if err := add(func(tw *tar.Writer) error { return fileWithParents(tw, src, dest) }); err != nil {
			return err
		}
	}
	for _, h := range o.Hostile {
		kind, target, _ := strings.Cut(h, "=")
		if err := add(func(tw *tar.Writer) error { return hostileLayer(tw, kind, target) }); err != nil {
			return err
		}
	}
	lbl := map[string]string{}
	for _, l := range labels {
		k, v, _ := strings.Cut(l, "=")
		lbl[k] = v
	}
	var manifests []v1.Descriptor
	for _, p := range platforms {
		d, err := writeImage(dir, p, layers, lbl, cmd)
		if err != nil {
			return err
		}
		manifests = append(manifests, d)
	}
	top := manifests[0]
	if len(manifests) > 1 {
		idx := v1.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: v1.MediaTypeImageIndex, Manifests: manifests}
		var err error
		if top, err = writeJSON(dir, v1.MediaTypeImageIndex, idx); err != nil {
			return err
		}
	}
	top.Platform = nil
	top.Annotations = map[string]string{v1.AnnotationRefName: tag}
	layout := v1.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: v1.MediaTypeImageIndex, Manifests: []v1.Descriptor{top}}
	b, _ := json.Marshal(layout)
	if err := os.WriteFile(filepath.Join(dir, "index.json"), b, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644)
}

func writeImage(dir, platform string, layers []layer, labels map[string]string, cmd []string) (v1.Descriptor, error) {
	parts := strings.Split(platform, "/")
	if len(parts) < 2 {
		return v1.Descriptor{}, fmt.Errorf("bad platform %q", platform)
	}
	p := v1.Platform{OS: parts[0], Architecture: parts[1]}
	if len(parts) > 2 {
		p.Variant = parts[2]
	}
	created := epoch
	cfg := v1.Image{
		Created:  &created,
		Platform: p,
		Config: v1.ImageConfig{
			Env:    []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
			Cmd:    cmd,
			Labels: labels,
		},
		RootFS: v1.RootFS{Type: "layers"},
	}
	m := v1.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: v1.MediaTypeImageManifest}
	for _, l := range layers {
		cfg.RootFS.DiffIDs = append(cfg.RootFS.DiffIDs, l.diffID)
		cfg.History = append(cfg.History, v1.History{Created: &created, CreatedBy: "mkimage"})
		m.Layers = append(m.Layers, l.desc)
	}
	cd, err := writeJSON(dir, v1.MediaTypeImageConfig, cfg)
	if err != nil {
		return cd, err
	}
	m.Config = cd
	md, err := writeJSON(dir, v1.MediaTypeImageManifest, m)
	md.Platform = &p
	return md, err
}

func writeJSON(dir, mediaType string, v any) (v1.Descriptor, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return v1.Descriptor{}, err
	}
	d := digest.FromBytes(b)
	return v1.Descriptor{MediaType: mediaType, Digest: d, Size: int64(len(b))},
		os.WriteFile(filepath.Join(dir, "blobs", "sha256", d.Encoded()), b, 0o644)
}

// writeLayer writes one gzip-compressed tar layer and returns its
// descriptor and its uncompressed digest.
func writeLayer(dir string, write func(*tar.Writer) error) (layer, error) {
	tmp, err := os.CreateTemp(filepath.Join(dir, "blobs", "sha256"), ".layer-")
	if err != nil {
		return layer{}, err
	}
	defer os.Remove(tmp.Name())
	compressed := sha256.New()
	uncompressed := sha256.New()
	gz := gzip.NewWriter(io.MultiWriter(tmp, compressed))
	tw := tar.NewWriter(io.MultiWriter(gz, uncompressed))
	if err := write(tw); err != nil {
		return layer{}, err
	}
	if err := tw.Close(); err != nil {
		return layer{}, err
	}
	if err := gz.Close(); err != nil {
		return layer{}, err
	}
	st, err := tmp.Stat()
	if err != nil {
		return layer{}, err
	}
	if err := tmp.Close(); err != nil {
		return layer{}, err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return layer{}, err
	}
	d := digest.NewDigestFromBytes(digest.SHA256, compressed.Sum(nil))
	if err := os.Rename(tmp.Name(), filepath.Join(dir, "blobs", "sha256", d.Encoded())); err != nil {
		return layer{}, err
	}
	return layer{
		desc:   v1.Descriptor{MediaType: v1.MediaTypeImageLayerGzip, Digest: d, Size: st.Size()},
		diffID: digest.NewDigestFromBytes(digest.SHA256, uncompressed.Sum(nil)),
	}, nil
}

func header(name string, mode int64, typ byte) *tar.Header {
	return &tar.Header{Name: name, Mode: mode, Typeflag: typ, ModTime: epoch, Format: tar.FormatPAX}
}

// busyboxTree writes /bin/busybox, a link for each applet, and the files a
// container expects in /etc.
func busyboxTree(tw *tar.Writer, bin string) error {
	for _, d := range []string{"bin/", "etc/", "tmp/", "root/", "proc/", "sys/", "dev/", "home/"} {
		mode := int64(0o755)
		if d == "tmp/" {
			mode = 0o1777
		}
		if err := tw.WriteHeader(header(d, mode, tar.TypeDir)); err != nil {
			return err
		}
	}
	if err := oneFile(tw, bin, "/bin/busybox"); err != nil {
		return err
	}
	applets, err := exec.Command(bin, "--list").Output()
	if err != nil {
		return fmt.Errorf("%s --list: %w", bin, err)
	}
	for _, a := range strings.Fields(string(applets)) {
		if a == "busybox" {
			continue
		}
		h := header("bin/"+a, 0o777, tar.TypeSymlink)
		h.Linkname = "busybox"
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
	}
	etc := map[string]string{
		"etc/passwd": "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n",
		"etc/group":  "root:x:0:\nnobody:x:65534:\n",
		"etc/motd":   "ctr test image\n",
	}
	for _, name := range []string{"etc/group", "etc/motd", "etc/passwd"} {
		if err := bytesFile(tw, name, []byte(etc[name])); err != nil {
			return err
		}
	}
	return nil
}

func bytesFile(tw *tar.Writer, name string, b []byte) error {
	h := header(name, 0o644, tar.TypeReg)
	h.Size = int64(len(b))
	if err := tw.WriteHeader(h); err != nil {
		return err
	}
	_, err := io.Copy(tw, bytes.NewReader(b))
	return err
}

func oneFile(tw *tar.Writer, src, dest string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	h := header(strings.TrimPrefix(dest, "/"), int64(st.Mode().Perm()), tar.TypeReg)
	h.Size = st.Size()
	if err := tw.WriteHeader(h); err != nil {
		return err
	}
	_, err = io.Copy(tw, f)
	return err
}

// fileWithParents writes the file at src as dest after an entry for each
// of its parent directories, as image builders write them: an extractor
// then sets their metadata rather than making it up.
func fileWithParents(tw *tar.Writer, src, dest string) error {
	name := strings.TrimPrefix(dest, "/")
	for i := range name {
		if name[i] == '/' {
			if err := tw.WriteHeader(header(name[:i+1], 0o755, tar.TypeDir)); err != nil {
				return err
			}
		}
	}
	return oneFile(tw, src, dest)
}

// tree writes the tree at src below dest, in a stable order.
func tree(tw *tar.Writer, src, dest string) error {
	dest = strings.Trim(dest, "/")
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		name := filepath.ToSlash(filepath.Join(dest, rel))
		if name == "." || name == "" {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return tw.WriteHeader(header(name+"/", int64(info.Mode().Perm()), tar.TypeDir))
		case info.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(path)
			if err != nil {
				return err
			}
			h := header(name, 0o777, tar.TypeSymlink)
			h.Linkname = target
			return tw.WriteHeader(h)
		case info.Mode().IsRegular():
			return oneFile(tw, path, name)
		}
		return nil
	})
}

// hostileLayer writes entries that try to create or change TARGET (an
// absolute path on the host) from inside a layer:
//
//	dotdot    a file named ../../…/TARGET
//	symlink   an absolute symlink to TARGET's directory, then a file through it
//	relsymlink a ../../… symlink to TARGET's directory, then a file through it
//	hardlink  a hard link to ../../…/TARGET, then a write through the link
//	device    a device node (/dev/null's numbers) and a fifo
func hostileLayer(tw *tar.Writer, kind, target string) error {
	up := strings.Repeat("../", 32)
	dir, file := filepath.Dir(target), filepath.Base(target)
	write := func(h *tar.Header, body string) error {
		h.ModTime, h.Format = epoch, tar.FormatPAX
		h.Mode = cmp.Or(h.Mode, 0o644)
		h.Size = int64(len(body))
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		_, err := tw.Write([]byte(body))
		return err
	}
	switch kind {
	case "dotdot":
		return write(&tar.Header{Name: up + strings.TrimPrefix(target, "/"), Typeflag: tar.TypeReg}, "pwned\n")
	case "symlink", "relsymlink":
		link := dir
		if kind == "relsymlink" {
			link = up + strings.TrimPrefix(dir, "/")
		}
		if err := write(&tar.Header{Name: "esc", Typeflag: tar.TypeSymlink, Linkname: link, Mode: 0o777}, ""); err != nil {
			return err
		}
		if err := write(&tar.Header{Name: "esc/" + file, Typeflag: tar.TypeReg}, "pwned\n"); err != nil {
			return err
		}
		return write(&tar.Header{Name: "esc/new-" + file, Typeflag: tar.TypeReg}, "pwned\n")
	case "hardlink":
		if err := write(&tar.Header{Name: "hl", Typeflag: tar.TypeLink, Linkname: up + strings.TrimPrefix(target, "/")}, ""); err != nil {
			return err
		}
		return write(&tar.Header{Name: "hl", Typeflag: tar.TypeReg}, "pwned\n")
	case "device":
		if err := write(&tar.Header{Name: "null", Typeflag: tar.TypeChar, Devmajor: 1, Devminor: 3, Mode: 0o666}, ""); err != nil {
			return err
		}
		return write(&tar.Header{Name: "fifo", Typeflag: tar.TypeFifo, Mode: 0o600}, "")
	}
	return fmt.Errorf("unknown hostile layer kind %q", kind)
}
