package containerfile

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"go.podman.io/storage/pkg/archive"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/run"
	"github.com/ctr-project/ctr/lib/unpack"
	"github.com/ctr-project/ctr/lib/workcontainer"
)

// runStep runs a RUN instruction and commits its changes.
func (s *stage) runStep(c *instructions.RunCommand) error {
	// The --mount flags are expanded; the command line is the shell's.
	env := s.env()
	if err := c.Expand(func(w string) (string, error) { return s.b.expand(w, env) }); err != nil {
		return err
	}
	if n := instructions.GetNetwork(c); n != instructions.NetworkDefault {
		return errdefs.Usagef("RUN --network=%s: not supported yet by ctr-build", n)
	}
	if sec := instructions.GetSecurity(c); sec != instructions.SecuritySandbox {
		return errdefs.Usagef("RUN --security=%s: not supported by ctr-build", sec)
	}
	mounts, err := s.prepareMounts(c)
	if err != nil {
		return err
	}
	defer mounts.done()
	args := append([]string{}, c.CmdLine...)
	if c.PrependShell {
		script := strings.Join(c.CmdLine, " ")
		if len(c.Files) > 0 {
			// Heredocs: the shell reads them from the script itself.
			if len(c.Files) == 1 && (script == "<<"+c.Files[0].Name || script == "<<-"+c.Files[0].Name) {
				script = c.Files[0].Data
			} else {
				for _, f := range c.Files {
					script += "\n" + f.Data + f.Name
				}
			}
		}
		args = append(append([]string{}, s.shell...), script)
	} else if len(c.Files) > 0 {
		return errdefs.Usagef("RUN: heredocs need the shell form")
	}
	// Build args are the command's environment, not the image's.
	var argEnv []string
	for _, k := range s.argKeys {
		if !hasKey(s.meta.Image.Config.Env, k) {
			argEnv = append(argEnv, k+"="+s.args[k])
		}
	}
	createdBy := strings.Join(args, " ")
	if len(argEnv) > 0 {
		// buildah's form: the build args the command saw.
		createdBy = "|" + strconv.Itoa(len(argEnv)) + " " + strings.Join(argEnv, " ") + " " + createdBy
	}
	key := strings.Join(append(append(append([]string{}, args...), argEnv...), mounts.key...), "\x00")
	return s.layerStep(createdBy, key, func(wc *workcontainer.Container, rootfs string) error {
		o := s.b.o.Run
		o.Args, o.Env = args, append(append([]string{}, argEnv...), mounts.env...)
		o.Mounts = append(append([]run.Mount{}, o.Mounts...), mounts.mounts...)
		img := s.meta.Image
		stubs := missingStubs(rootfs)
		points := mountPoints(rootfs, mounts.mounts)
		status, err := s.b.o.Runs.RunMounted(s.b.ctx, o, wc.ID, rootfs, &img)
		removeMountPoints(rootfs, points)
		removeStubs(rootfs, stubs)
		if err != nil {
			return err
		}
		if status != 0 {
			return &errStep{status: status, step: fmt.Sprint(c)}
		}
		return nil
	})
}

// copyParams is what a COPY or ADD asks for.
type copyParams struct {
	instructions.SourcesAndDest
	from, chown, chmod string
	exclude            []string
	parents            bool // COPY --parents
	// ADD only: unpack archives (default: local files yes, URLs no), and
	// the digest a URL's content must have.
	add      bool
	unpack   *bool
	checksum string
}

// copyStep runs COPY or ADD.
func (s *stage) copyStep(p copyParams, c instructions.Command) error {
	name := strings.ToUpper(c.Name())
	if p.checksum != "" && (len(p.SourcePaths) != 1 || len(p.SourceContents) > 0 || !isURL(p.SourcePaths[0])) {
		return errdefs.Usagef("ADD --checksum: only for a single http(s) source")
	}
	root, done, err := s.sourceRoot(p.from)
	if err != nil {
		return err
	}
	defer done()
	// Inline files and downloads are written here first, then copied like
	// files of the context.
	tmp, err := os.MkdirTemp("", "ctr-build-src")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	srcs, extract, err := s.gatherSources(p, root, tmp)
	if err != nil {
		return err
	}
	var mode func(fs.FileMode, bool) fs.FileMode
	if p.chmod != "" {
		if mode, err = workcontainer.ParseChmod(p.chmod); err != nil {
			return errdefs.WithKind(errdefs.ErrBadData, fmt.Errorf("%s: %w", c.Name(), err))
		}
	}
	digest, err := sourcesDigest(srcs)
	if err != nil {
		return err
	}
	names := append([]string{}, p.SourcePaths...)
	for _, sc := range p.SourceContents {
		names = append(names, "<<"+sc.Path)
	}
	dest := p.DestPath
	createdBy := "/bin/sh -c #(nop) " + name + " " + strings.Join(names, " ") + " " + dest
	unpack := ""
	if p.unpack != nil {
		unpack = strconv.FormatBool(*p.unpack)
	}
	key := strings.Join(append([]string{digest, p.from, p.chown, p.chmod, unpack}, p.exclude...), "\x00")
	return s.layerStep(createdBy, key, func(_ *workcontainer.Container, rootfs string) error {
		return s.copyInto(rootfs, p, srcs, extract, mode)
	})
}

// gatherSources finds a COPY or ADD step's sources: the context's files
// (its ignore file applied) or a stage's or image's, downloads and inline
// files (written below tmp), less the excluded ones. extract marks, by
// path, the archives ADD unpacks.
func (s *stage) gatherSources(p copyParams, root, tmp string) (srcs []workcontainer.Source, extract map[string]bool, err error) {
	extract = map[string]bool{}
	for i, pattern := range p.SourcePaths {
		switch {
		case p.add && isGit(pattern):
			return nil, nil, errdefs.Usagef("ADD %s: git sources are not supported by ctr-build", pattern)
		case p.add && isURL(pattern):
			src, err := fetchURL(s.b.ctx, pattern, tmp, i, p.checksum)
			if err != nil {
				return nil, nil, err
			}
			srcs = append(srcs, src)
			extract[src.Path] = p.unpack != nil && *p.unpack
			continue
		}
		glob := globIn
		if p.parents {
			glob = globParents
		}
		found, err := glob(root, pattern)
		if err != nil {
			return nil, nil, err
		}
		if p.from == "" && s.b.ignore != nil && len(found) > 0 { // (--parents: none may match)
			found = s.b.ignore.filter(found)
			if len(found) == 0 {
				return nil, nil, errdefs.WithKind(errdefs.ErrNotFound, fmt.Errorf("source %q: excluded by the ignore file", pattern))
			}
		}
		for _, f := range found {
			extract[f.Path] = p.add && (p.unpack == nil || *p.unpack)
		}
		srcs = append(srcs, found...)
	}
	inline, err := heredocSources(p.SourceContents, tmp)
	if err != nil {
		return nil, nil, err
	}
	srcs = append(srcs, inline...)
	if srcs, err = excludeSources(srcs, p.exclude, root); err != nil {
		return nil, nil, err
	}
	return srcs, extract, nil
}

// copyInto is a COPY or ADD step's work in the container's rootfs: the
// archives unpacked, the rest copied, with the step's owner and mode.
func (s *stage) copyInto(rootfs string, p copyParams, srcs []workcontainer.Source, extract map[string]bool, mode func(fs.FileMode, bool) fs.FileMode) error {
	dest := p.DestPath
	o := workcontainer.CopyOptions{Chmod: mode, Workdir: s.meta.Image.Config.WorkingDir}
	if p.chown != "" {
		var err error
		if o.UID, o.GID, err = workcontainer.LookupOwner(rootfs, p.chown); err != nil {
			return err
		}
	}
	var rest []workcontainer.Source
	for _, src := range srcs {
		if extract[src.Path] {
			ok, err := extractArchive(rootfs, src.Path, dest, o.Workdir)
			if err != nil {
				return err
			}
			if ok {
				continue
			}
		}
		rest = append(rest, src)
	}
	if len(rest) == 0 {
		if len(srcs) == 0 {
			// COPY --parents whose wildcards matched nothing: the
			// destination is still made, as with BuildKit.
			return workcontainer.MkdirOwned(rootfs, dest, o)
		}
		return nil
	}
	return workcontainer.CopyIn(rootfs, rest, dest, o)
}

// sourceRoot is where COPY's sources are: the context, a stage's image or
// another image (mounted read-only until done is called).
func (s *stage) sourceRoot(from string) (string, func(), error) {
	if from == "" {
		return s.b.o.Context, func() {}, nil
	}
	id := ""
	if j := s.b.stageIndex(from, s.index); j >= 0 {
		id = s.b.built[j]
	} else {
		img, err := run.FindImage(s.b.ctx, s.b.store, from, cmp.Or(s.b.o.Pull, "missing"), s.b.o.PullOpts.PullOne)
		if err != nil {
			return "", nil, err
		}
		id = img.ID
	}
	p, err := s.b.store.MountImage(id, nil, "")
	if err != nil {
		return "", nil, fmt.Errorf("COPY --from=%s: %w", from, err)
	}
	return p, func() { _, _ = s.b.store.UnmountImage(id, false) }, nil
}

// globIn finds the sources a COPY pattern names below root, resolved
// inside it: neither ../ nor a symlink reaches outside.
func globIn(root, pattern string) ([]workcontainer.Source, error) {
	clean := path.Clean("/" + filepath.ToSlash(pattern))
	matches, err := filepath.Glob(filepath.Join(root, filepath.FromSlash(clean)))
	if err != nil {
		return nil, errdefs.WithKind(errdefs.ErrBadData, fmt.Errorf("source %q: %w", pattern, err))
	}
	if len(matches) == 0 {
		return nil, errdefs.WithKind(errdefs.ErrNotFound, fmt.Errorf("source %q: no such file in the build context", pattern))
	}
	sort.Strings(matches)
	var out []workcontainer.Source
	for _, m := range matches {
		rel, err := filepath.Rel(root, m)
		if err != nil {
			return nil, err
		}
		resolved, err := securejoin.SecureJoin(root, rel)
		if err != nil {
			return nil, err
		}
		if _, err := os.Stat(resolved); err != nil {
			return nil, errdefs.WithKind(errdefs.ErrNotFound, fmt.Errorf("source %q: %s points outside the build context or nowhere", pattern, rel))
		}
		out = append(out, workcontainer.Source{Path: resolved, Name: filepath.Base(m), Rel: rel})
	}
	return out, nil
}

// globParents finds the sources of COPY --parents: pattern below root, or
// below its pivot ("dir/./pattern": below root/dir), each to keep its path
// below the destination. A wildcard that matches nothing is no error, as
// with BuildKit.
func globParents(root, pattern string) ([]workcontainer.Source, error) {
	parent, pat, ok := strings.Cut(pattern, "/./")
	if !ok {
		parent, pat = "", pattern
	}
	base, err := securejoin.SecureJoin(root, parent)
	if err != nil {
		return nil, err
	}
	if strings.ContainsAny(pat, "*?[") {
		if m, _ := filepath.Glob(filepath.Join(base, filepath.FromSlash(path.Clean("/"+pat)))); len(m) == 0 {
			return nil, nil
		}
	}
	found, err := globIn(base, pat)
	for i := range found {
		found[i].Parents = base
	}
	return found, err
}

// sourcesDigest sums what the sources hold (names, modes, contents), the
// part of a COPY's cache key that changes with the files.
func sourcesDigest(srcs []workcontainer.Source) (string, error) {
	h := sha256.New()
	for _, src := range srcs {
		fmt.Fprintf(h, "source %s\x00", src.Name)
		if src.Parents != "" {
			// Where it goes, and the modes of the directories on the way.
			fmt.Fprintf(h, "at %s\x00", src.Rel)
			for d := filepath.Dir(src.Rel); d != "."; d = filepath.Dir(d) {
				if st, err := os.Stat(filepath.Join(src.Parents, d)); err == nil {
					fmt.Fprintf(h, "%s %v\x00", d, st.Mode())
				}
			}
		}
		err := workcontainer.WalkSource(src, func(p, rel string, st fs.FileInfo) error {
			fmt.Fprintf(h, "%s\x00%v\x00%d\x00", rel, st.Mode(), st.Size())
			switch {
			case st.Mode()&fs.ModeSymlink != 0:
				l, _ := os.Readlink(p)
				h.Write([]byte(l))
			case st.Mode().IsRegular():
				f, err := os.Open(p)
				if err != nil {
					return err
				}
				_, err = io.Copy(h, f)
				f.Close()
				return err
			}
			return nil
		})
		if err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// extractArchive unpacks a local tar archive (compressed or not) for ADD
// into the directory dest; false when src is not an archive.
func extractArchive(rootfs, src, dest, workdir string) (bool, error) {
	ok, err := isTarArchive(src)
	if err != nil || !ok {
		return false, err
	}
	// A second, separate read of the file for the extraction.
	f, err := os.Open(src)
	if err != nil {
		return false, err
	}
	defer f.Close()
	r, err := archive.DecompressStream(f)
	if err != nil {
		return false, err
	}
	defer r.Close()
	if !path.IsAbs(dest) {
		dest = path.Join(cmp.Or(workdir, "/"), dest)
	}
	if err := pathrs.MkdirAll(rootfs, dest, 0o755); err != nil {
		return false, err
	}
	dir, err := securejoin.SecureJoin(rootfs, dest)
	if err != nil {
		return false, err
	}
	if _, err := unpack.Unpack(r, dir, unpack.Options{}); err != nil {
		return false, fmt.Errorf("ADD %s: %w", filepath.Base(src), err)
	}
	return true, nil
}

// isTarArchive says whether src is a regular file holding a tar archive,
// compressed or not (its first header has the ustar magic).
func isTarArchive(src string) (bool, error) {
	f, err := os.Open(src)
	if err != nil {
		return false, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return false, err
	}
	r, err := archive.DecompressStream(f)
	if err != nil {
		return false, nil
	}
	defer r.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(r, head)
	return n == 512 && string(head[257:262]) == "ustar", nil
}

// runStubs are the files a RUN step's container gets bind-mounted over
// (generated by ctr-run); the runtime creates them, empty, when the image
// has none.
var runStubs = []string{"/etc/hostname", "/etc/hosts", "/etc/resolv.conf"}

// missingStubs lists the stubs the image does not have.
func missingStubs(rootfs string) []string {
	var out []string
	for _, p := range runStubs {
		full, err := securejoin.SecureJoin(rootfs, p)
		if err != nil {
			continue
		}
		if _, err := os.Lstat(full); os.IsNotExist(err) {
			out = append(out, p)
		}
	}
	return out
}

// removeStubs removes the mount points the runtime made for a RUN step,
// as BuildKit does: they are not the step's work (buildah leaves them in
// the layer, empty). One the step itself filled is kept.
func removeStubs(rootfs string, stubs []string) {
	for _, p := range stubs {
		full, err := securejoin.SecureJoin(rootfs, p)
		if err != nil {
			continue
		}
		if st, err := os.Lstat(full); err == nil && st.Mode().IsRegular() && st.Size() == 0 {
			_ = os.Remove(full)
		}
	}
}
