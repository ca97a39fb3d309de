package containerfile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/patternmatcher"
	"github.com/opencontainers/go-digest"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/workcontainer"
)

// isURL says whether an ADD source is fetched over HTTP(S).
func isURL(src string) bool {
	return strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://")
}

// isGit says whether an ADD source names a git repository, which
// ctr-build does not fetch.
func isGit(src string) bool {
	return strings.HasPrefix(src, "git@") || strings.HasPrefix(src, "git://") ||
		(isURL(src) && strings.HasSuffix(strings.SplitN(src, "#", 2)[0], ".git"))
}

// heredocSources writes the inline files of COPY <<EOF (already expanded
// where the delimiter was not quoted) into dir, as BuildKit makes them:
// mode 0644, named by the delimiter.
func heredocSources(contents []instructions.SourceContent, dir string) ([]workcontainer.Source, error) {
	var out []workcontainer.Source
	for i, sc := range contents {
		name := path.Base(path.Clean("/" + sc.Path))
		if name == "/" {
			return nil, errdefs.Usagef("heredoc source %q: no file name", sc.Path)
		}
		p := filepath.Join(dir, "heredoc-"+strconv.Itoa(i))
		if err := os.WriteFile(p, []byte(sc.Data), 0o644); err != nil {
			return nil, err
		}
		// WriteFile's mode is masked by the umask; the file's is 0644.
		if err := os.Chmod(p, 0o644); err != nil {
			return nil, err
		}
		out = append(out, workcontainer.Source{Path: p, Name: name})
	}
	return out, nil
}

// fetchURL downloads an ADD source into dir as Docker and buildah do: the
// file gets mode 0600, the time of the Last-Modified header, and in a
// destination directory the last element of the URL's path as its name.
// checksum, when set ("sha256:…"), must match the content.
func fetchURL(ctx context.Context, raw, dir string, n int, checksum string) (workcontainer.Source, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return workcontainer.Source{}, errdefs.WithKind(errdefs.ErrUsage, fmt.Errorf("ADD %s: %w", raw, err))
	}
	name := path.Base(path.Clean("/" + u.Path))
	if name == "/" {
		name = "download" // only used when the destination is a directory
	}
	var want digest.Digest
	if checksum != "" {
		if want, err = digest.Parse(checksum); err != nil {
			return workcontainer.Source{}, errdefs.WithKind(errdefs.ErrUsage, fmt.Errorf("ADD --checksum=%s: %w", checksum, err))
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return workcontainer.Source{}, errdefs.WithKind(errdefs.ErrUsage, fmt.Errorf("ADD %s: %w", raw, err))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return workcontainer.Source{}, errdefs.WithKind(errdefs.ErrTemporary, fmt.Errorf("ADD %s: %w", raw, err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		kind := errdefs.ErrBadData
		switch {
		case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
			kind = errdefs.ErrNotFound
		case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
			kind = errdefs.ErrTemporary
		}
		return workcontainer.Source{}, errdefs.WithKind(kind, fmt.Errorf("ADD %s: %s", raw, resp.Status))
	}
	p := filepath.Join(dir, "url-"+strconv.Itoa(n))
	f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return workcontainer.Source{}, err
	}
	var w io.Writer = f
	var verifier digest.Verifier
	if want != "" {
		verifier = want.Verifier()
		w = io.MultiWriter(f, verifier)
	}
	_, err = io.Copy(w, resp.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return workcontainer.Source{}, errdefs.WithKind(errdefs.ErrTemporary, fmt.Errorf("ADD %s: %w", raw, err))
	}
	if verifier != nil && !verifier.Verified() {
		got, _ := digestFile(p, want.Algorithm())
		return workcontainer.Source{}, errdefs.WithKind(errdefs.ErrBadData, fmt.Errorf("ADD %s: checksum mismatch: got %s, want %s", raw, got, want))
	}
	if lm := resp.Header.Get("Last-Modified"); lm != "" {
		if t, err := http.ParseTime(lm); err == nil {
			_ = os.Chtimes(p, t, t)
		}
	} else {
		now := time.Now()
		_ = os.Chtimes(p, now, now)
	}
	return workcontainer.Source{Path: p, Name: name}, nil
}

func digestFile(p string, alg digest.Algorithm) (digest.Digest, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	return alg.FromReader(f)
}

// excludeSources applies COPY/ADD --exclude: a source whose name matches
// is dropped (not the whole context, as in COPY . /dst), and inside a
// directory source every path (relative to it) that matches, or lies below
// one that does, is left out.
func excludeSources(srcs []workcontainer.Source, patterns []string, contextRoot string) ([]workcontainer.Source, error) {
	if len(patterns) == 0 || len(srcs) == 0 {
		return srcs, nil
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		return nil, errdefs.WithKind(errdefs.ErrUsage, fmt.Errorf("--exclude: %w", err))
	}
	matches := func(rel string) bool {
		ok, err := pm.MatchesOrParentMatches(filepath.ToSlash(rel))
		return err == nil && ok
	}
	var out []workcontainer.Source
	for _, s := range srcs {
		// With --parents, a source is named by its path below the root.
		name := s.Name
		if s.Parents != "" {
			name = s.Rel
		}
		if s.Path != contextRoot && matches(name) {
			continue
		}
		root, prev := s.Path, s.Skip
		s.Skip = func(p string) bool {
			if prev != nil && prev(p) {
				return true
			}
			rel, err := filepath.Rel(root, p)
			return err == nil && rel != "." && matches(rel)
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, errdefs.WithKind(errdefs.ErrNotFound, errors.New("--exclude leaves nothing to copy"))
	}
	return out, nil
}
