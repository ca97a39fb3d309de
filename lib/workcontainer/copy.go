package workcontainer

import (
	"archive/tar"
	"cmp"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/unpack"
)

// CopyOptions change what CopyIn writes.
type CopyOptions struct {
	// Owner of everything written (default 0:0, as COPY's).
	UID, GID int
	// Chmod, when set, gives the mode of what is written from its own
	// (ParseChmod).
	Chmod func(mode fs.FileMode, dir bool) fs.FileMode
	// Workdir resolves a relative destination (default /).
	Workdir string
}

// Source is one thing to copy: the file's path, and the name it gets in a
// destination directory (the name it was asked for by, which for a
// resolved symlink is not the path's base name).
type Source struct {
	Path, Name string
	// Skip, when set, leaves out the files below Path it says yes to
	// (the build context's ignore file).
	Skip func(path string) bool
	// SkipHasExceptions says that a skipped directory may still hold paths
	// Skip keeps (an ignore file's "!" lines): it is walked into, and
	// written only for what it holds that is kept.
	SkipHasExceptions bool
	// Rel is the path the source was found at, below the directory it was
	// looked up in. With Parents set (COPY --parents: that directory), the
	// source is written at dst/Rel, after the directories on the way, which
	// keep the modes they have below Parents.
	Rel, Parents string
}

// Sources names paths by their base names.
func Sources(paths ...string) []Source {
	out := make([]Source, len(paths))
	for i, p := range paths {
		out[i] = Source{Path: p, Name: filepath.Base(p)}
	}
	return out
}

// CopyIn copies host files and directories into the rootfs at dst, with
// COPY's rules: a directory's contents (not the directory) are copied;
// dst is a directory when it ends in "/", exists as one, or several
// sources are given; symlinks inside a directory are copied as symlinks,
// a source that is a symlink is followed. What is written goes through
// lib/unpack: every path is resolved inside the rootfs, so a symlink in
// the container cannot send it elsewhere.
func CopyIn(rootfs string, srcs []Source, dst string, o CopyOptions) error {
	if len(srcs) == 0 {
		return errdefs.Usagef("nothing to copy")
	}
	// Read the trailing "/" before joining a relative dst to the workdir
	// drops it.
	toDir := strings.HasSuffix(dst, "/") || len(srcs) > 1
	if !path.IsAbs(dst) {
		dst = path.Join(cmp.Or(o.Workdir, "/"), dst)
	}
	if !toDir {
		if p, err := securejoin.SecureJoin(rootfs, dst); err == nil {
			if st, err := os.Stat(p); err == nil && st.IsDir() {
				toDir = true
			}
		}
	}
	for _, src := range srcs {
		st, err := os.Stat(src.Path)
		if err != nil {
			return errdefs.WithKind(errdefs.ErrNotFound, fmt.Errorf("copy source: %w", err))
		}
		if st.IsDir() || src.Parents != "" {
			toDir = true
		}
	}
	// The destination directory, made (as mkdir -p) inside the rootfs:
	// symlinks on the way are followed there, never out of it.
	dstDir := dst
	if !toDir {
		dstDir = path.Dir(dst)
	}
	if err := MkdirOwned(rootfs, dstDir, o); err != nil {
		return err
	}
	pr, pw := io.Pipe()
	go func() {
		tw := tar.NewWriter(pw)
		err := func() error {
			for _, src := range srcs {
				st, err := os.Stat(src.Path)
				if err != nil {
					return err
				}
				at := dst
				if src.Parents != "" {
					if err := writeParents(tw, src, dst, o); err != nil {
						return err
					}
					at = path.Join(dst, filepath.ToSlash(src.Rel))
				}
				if st.IsDir() {
					if err := writeTree(tw, src, at, o); err != nil {
						return err
					}
					continue
				}
				name := dst
				switch {
				case src.Parents != "":
					name = at
				case toDir:
					name = path.Join(dst, src.Name)
				}
				if err := writeEntry(tw, src.Path, st, name, o); err != nil {
					return err
				}
			}
			return tw.Close()
		}()
		pw.CloseWithError(err)
	}()
	_, err := unpack.Unpack(pr, rootfs, unpack.Options{})
	pr.CloseWithError(err)
	if err != nil {
		return fmt.Errorf("copying into the container: %w", err)
	}
	return nil
}

// MkdirOwned makes dir (as mkdir -p) inside the rootfs: symlinks on the
// way are followed there, never out of it. The directories it makes belong
// to the copy's owner, as with BuildKit and buildah.
func MkdirOwned(rootfs, dir string, o CopyOptions) error {
	if !path.IsAbs(dir) {
		dir = path.Join(cmp.Or(o.Workdir, "/"), dir)
	}
	created := MissingDirs(rootfs, dir)
	if err := pathrs.MkdirAll(rootfs, dir, 0o755); err != nil {
		return fmt.Errorf("copy destination %s: %w", dir, err)
	}
	for _, d := range created {
		if full, err := securejoin.SecureJoin(rootfs, d); err == nil {
			_ = os.Lchown(full, o.UID, o.GID)
		}
	}
	return nil
}

// writeParents writes the directories between src.Parents and src (COPY
// --parents) below dst, each with its mode there.
func writeParents(tw *tar.Writer, src Source, dst string, o CopyOptions) error {
	rel := filepath.Dir(src.Rel)
	if rel == "." {
		return nil
	}
	p := ""
	for _, part := range strings.Split(rel, string(filepath.Separator)) {
		p = filepath.Join(p, part)
		host, err := securejoin.SecureJoin(src.Parents, p)
		if err != nil {
			return err
		}
		st, err := os.Stat(host)
		if err != nil {
			return err
		}
		if err := writeEntry(tw, host, st, path.Join(dst, filepath.ToSlash(p)), o); err != nil {
			return err
		}
	}
	return nil
}

// writeTree writes the contents of the directory src below dst.
func writeTree(tw *tar.Writer, src Source, dst string, o CopyOptions) error {
	return WalkSource(src, func(p, rel string, st fs.FileInfo) error {
		if rel == "." {
			return nil
		}
		return writeEntry(tw, p, st, path.Join(dst, filepath.ToSlash(rel)), o)
	})
}

// WalkSource calls fn for src and everything below it (lstat'ed, in
// lexical order), but what src.Skip leaves out.
func WalkSource(src Source, fn func(p, rel string, st fs.FileInfo) error) error {
	emit := func(p string) error {
		st, err := os.Lstat(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src.Path, p)
		if err != nil {
			return err
		}
		return fn(p, rel, st)
	}
	// Skipped directories walked into for their exceptions, outermost
	// first, each written (once) before the first kept path inside it.
	type skipped struct {
		path    string
		written bool
	}
	var open []skipped
	return filepath.WalkDir(src.Path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		for len(open) > 0 && !strings.HasPrefix(p, open[len(open)-1].path+string(filepath.Separator)) {
			open = open[:len(open)-1]
		}
		if src.Skip != nil && p != src.Path && src.Skip(p) {
			if !d.IsDir() {
				return nil
			}
			if !src.SkipHasExceptions {
				return filepath.SkipDir
			}
			open = append(open, skipped{path: p})
			return nil
		}
		for i := range open {
			if !open[i].written {
				if err := emit(open[i].path); err != nil {
					return err
				}
				open[i].written = true
			}
		}
		return emit(p)
	})
}

// writeEntry writes one file, directory or symlink as name.
func writeEntry(tw *tar.Writer, p string, st fs.FileInfo, name string, o CopyOptions) error {
	link := ""
	if st.Mode()&fs.ModeSymlink != 0 {
		var err error
		if link, err = os.Readlink(p); err != nil {
			return err
		}
	}
	hdr, err := tar.FileInfoHeader(st, link)
	if err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	hdr.Name = strings.TrimPrefix(name, "/")
	if st.IsDir() {
		hdr.Name += "/"
	}
	hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = o.UID, o.GID, "", ""
	if o.Chmod != nil && st.Mode()&fs.ModeSymlink == 0 {
		m := o.Chmod(st.Mode(), st.IsDir())
		hdr.Mode = int64(uint32(m.Perm()) | unixSpecial(m))
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return nil
	}
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(tw, f)
	return err
}

// MissingDirs lists dir and its parents that do not exist in the rootfs,
// outermost first.
func MissingDirs(rootfs, dir string) []string {
	var out []string
	for d := path.Clean(dir); d != "/" && d != "."; d = path.Dir(d) {
		full, err := securejoin.SecureJoin(rootfs, d)
		if err != nil {
			break
		}
		if _, err := os.Lstat(full); err == nil {
			break
		}
		out = append([]string{d}, out...)
	}
	return out
}
