package containerfile

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/run"
	"github.com/ctr-project/ctr/lib/workcontainer"
)

// runMounts are what RUN --mount gives one step: mounts for the runtime,
// variables from secrets, and what to undo afterwards.
type runMounts struct {
	mounts  []run.Mount
	env     []string
	key     []string // what the mounts add to the step's cache key
	cleanup []func()
}

func (rm *runMounts) done() {
	for i := len(rm.cleanup) - 1; i >= 0; i-- {
		rm.cleanup[i]()
	}
}

// prepareMounts resolves a RUN step's --mount flags: bind (read-only
// unless rw; the source, from the context, a stage or an image, resolved
// inside it; writes to an rw bind go to a copy and are dropped), cache (a
// directory kept under the store, named by a hash of its id), tmpfs and
// secret (from --secret, copied to a private file of mode 0400 unless
// mode= says otherwise, or given as a variable with env=). On an error
// nothing it made is left.
func (s *stage) prepareMounts(c *instructions.RunCommand) (_ *runMounts, retErr error) {
	rm := &runMounts{}
	defer func() {
		if retErr != nil {
			rm.done()
		}
	}()
	for _, m := range instructions.GetMounts(c) {
		target := m.Target
		if target != "" && !path.IsAbs(target) {
			target = path.Join(cmp.Or(s.meta.Image.Config.WorkingDir, "/"), target)
		}
		var err error
		switch m.Type {
		case instructions.MountTypeBind:
			err = s.bindMount(rm, m, target)
		case instructions.MountTypeCache:
			err = s.cacheMount(rm, m, target)
		case instructions.MountTypeTmpfs:
			var opts []string
			if m.SizeLimit > 0 {
				opts = append(opts, fmt.Sprintf("size=%d", m.SizeLimit))
			}
			rm.mounts = append(rm.mounts, run.Mount{Type: "tmpfs", Target: target, Options: opts})
		case instructions.MountTypeSecret:
			err = s.secretMount(rm, m, target)
		default:
			err = errdefs.Usagef("RUN --mount=type=%s: not supported yet by ctr-build", m.Type)
		}
		if err != nil {
			return nil, err
		}
	}
	return rm, nil
}

// bindMount: the source inside the context, a stage or an image; an rw
// one is a copy, its writes dropped with it.
func (s *stage) bindMount(rm *runMounts, m *instructions.Mount, target string) error {
	root, done, err := s.sourceRoot(m.From)
	if err != nil {
		return err
	}
	rm.cleanup = append(rm.cleanup, done)
	src, err := securejoin.SecureJoin(root, m.Source)
	if err != nil {
		return err
	}
	if _, err := os.Stat(src); err != nil {
		return errdefs.WithKind(errdefs.ErrNotFound, fmt.Errorf("RUN --mount=type=bind source %q: %w", m.Source, err))
	}
	if m.From == "" {
		d, err := sourcesDigest([]workcontainer.Source{{Path: src, Name: m.Source}})
		if err != nil {
			return err
		}
		rm.key = append(rm.key, "bind:"+target+":"+d)
	} else {
		rm.key = append(rm.key, "bind:"+target+":"+m.From+":"+m.Source)
	}
	if !m.ReadOnly {
		copyDir, err := os.MkdirTemp("", "ctr-build-bind")
		if err != nil {
			return err
		}
		rm.cleanup = append(rm.cleanup, func() { os.RemoveAll(copyDir) })
		if err := workcontainer.CopyIn(copyDir, []workcontainer.Source{{Path: src, Name: "src"}}, "/src", workcontainer.CopyOptions{}); err != nil {
			return err
		}
		src = filepath.Join(copyDir, "src")
	}
	rm.mounts = append(rm.mounts, run.Mount{Type: "bind", Source: src, Target: target, ReadOnly: m.ReadOnly})
	return nil
}

// cacheMount: a directory under the store that outlives the build, named
// by a hash of its id (so no id can point outside the cache directory).
func (s *stage) cacheMount(rm *runMounts, m *instructions.Mount, target string) error {
	if m.From != "" {
		return errdefs.Usagef("RUN --mount=type=cache,from=: not supported yet by ctr-build")
	}
	sum := sha256.Sum256([]byte(cmp.Or(m.CacheID, target)))
	dir := filepath.Join(s.b.store.GraphRoot(), "ctr-build-cache-mounts", hex.EncodeToString(sum[:]))
	if _, err := os.Stat(dir); os.IsNotExist(err) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if m.Mode != nil {
			_ = os.Chmod(dir, os.FileMode(*m.Mode))
		}
		if m.UID != nil || m.GID != nil {
			_ = os.Chown(dir, intOrZero(m.UID), intOrZero(m.GID))
		}
	}
	rm.mounts = append(rm.mounts, run.Mount{Type: "bind", Source: dir, Target: target, ReadOnly: m.ReadOnly})
	return nil
}

// secretMount: a --secret as a private file (mode 0400 unless mode=), or
// as a variable with env=; an optional one not given is left out.
func (s *stage) secretMount(rm *runMounts, m *instructions.Mount, target string) error {
	id := cmp.Or(m.CacheID, path.Base(target))
	src, ok := s.b.o.Secrets[id]
	if !ok {
		if m.Required {
			return errdefs.Usagef("RUN --mount=type=secret,id=%s: the build was given no secret %s", id, id)
		}
		return nil
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if m.Env != nil {
		rm.env = append(rm.env, cmp.Or(*m.Env, strings.ToUpper(id))+"="+string(data))
		if target == "" {
			return nil
		}
	}
	target = cmp.Or(target, "/run/secrets/"+id)
	dir, err := os.MkdirTemp("", "ctr-build-secret")
	if err != nil {
		return err
	}
	rm.cleanup = append(rm.cleanup, func() { os.RemoveAll(dir) })
	mode := os.FileMode(0o400)
	if m.Mode != nil {
		mode = os.FileMode(*m.Mode)
	}
	file := filepath.Join(dir, "secret")
	if err := os.WriteFile(file, data, mode); err != nil {
		return err
	}
	_ = os.Chmod(file, mode)
	_ = os.Chown(file, intOrZero(m.UID), intOrZero(m.GID))
	rm.mounts = append(rm.mounts, run.Mount{Type: "bind", Source: file, Target: target, ReadOnly: true})
	return nil
}

func intOrZero(p *uint64) int {
	if p == nil {
		return 0
	}
	return int(*p)
}

// mountPoints lists the mount targets (and their parents) the rootfs
// does not have, outermost first: the runtime makes them, and they are
// removed again after the step, as BuildKit does.
func mountPoints(rootfs string, mounts []run.Mount) []string {
	var out []string
	for _, m := range mounts {
		out = append(out, workcontainer.MissingDirs(rootfs, m.Target)...)
	}
	return out
}

// removeMountPoints removes what mountPoints listed, innermost first, if
// the step left it empty.
func removeMountPoints(rootfs string, points []string) {
	for i := len(points) - 1; i >= 0; i-- {
		full, err := securejoin.SecureJoin(rootfs, points[i])
		if err != nil {
			continue
		}
		if st, err := os.Lstat(full); err == nil && (st.IsDir() || st.Size() == 0) {
			_ = os.Remove(full) // fails, as it should, for a directory with files
		}
	}
}

// ParseSecret parses a build secret, id=ID,src=PATH (source= too), as
// podman build's --secret; the file must exist.
func ParseSecret(spec string) (id, src string, err error) {
	for _, field := range strings.Split(spec, ",") {
		k, v, _ := strings.Cut(field, "=")
		switch k {
		case "id":
			id = v
		case "src", "source":
			src = v
		default:
			return "", "", errdefs.Usagef("invalid secret %q: want id=ID,src=PATH", spec)
		}
	}
	if id == "" || src == "" {
		return "", "", errdefs.Usagef("invalid secret %q: want id=ID,src=PATH", spec)
	}
	if _, err := os.Stat(src); err != nil {
		return "", "", errdefs.Usagef("secret %s: %v", id, err)
	}
	return id, src, nil
}
