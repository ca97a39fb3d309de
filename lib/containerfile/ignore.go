package containerfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/workcontainer"
)

// contextIgnore is the build context's .containerignore (or
// .dockerignore): what COPY and ADD never take from the context.
type contextIgnore struct {
	root string
	pm   *patternmatcher.PatternMatcher
}

// readIgnore reads the ignore file given, else CONTEXT/.containerignore,
// else CONTEXT/.dockerignore; nil when there is none.
func readIgnore(root, given string) (*contextIgnore, error) {
	names := []string{filepath.Join(root, ".containerignore"), filepath.Join(root, ".dockerignore")}
	if given != "" {
		names = []string{given}
	}
	for _, name := range names {
		f, err := os.Open(name)
		if errors.Is(err, os.ErrNotExist) && given == "" {
			continue
		}
		if err != nil && given != "" {
			return nil, errdefs.WithKind(errdefs.ErrNotFound, fmt.Errorf("ignore file: %w", err))
		}
		if err != nil {
			return nil, err
		}
		defer f.Close()
		patterns, err := ignorefile.ReadAll(f)
		if err != nil {
			return nil, errdefs.WithKind(errdefs.ErrBadData, fmt.Errorf("%s: %w", filepath.Base(name), err))
		}
		pm, err := patternmatcher.New(patterns)
		if err != nil {
			return nil, errdefs.WithKind(errdefs.ErrBadData, fmt.Errorf("%s: %w", filepath.Base(name), err))
		}
		return &contextIgnore{root: root, pm: pm}, nil
	}
	return nil, nil
}

// skip says whether the host path p (inside the context) is ignored.
func (ci *contextIgnore) skip(p string) bool {
	rel, err := filepath.Rel(ci.root, p)
	if err != nil || rel == "." {
		return false
	}
	ok, err := ci.pm.MatchesOrParentMatches(filepath.ToSlash(rel))
	return err == nil && ok
}

// filter drops ignored sources and makes the rest skip ignored files
// inside them.
func (ci *contextIgnore) filter(srcs []workcontainer.Source) []workcontainer.Source {
	var out []workcontainer.Source
	for _, s := range srcs {
		if ci.skip(s.Path) {
			// An ignored directory may still hold exceptions ("!dir/keep").
			if st, err := os.Stat(s.Path); err != nil || !st.IsDir() || !ci.pm.Exclusions() {
				continue
			}
		}
		s.Skip, s.SkipHasExceptions = ci.skip, ci.pm.Exclusions()
		out = append(out, s)
	}
	return out
}
