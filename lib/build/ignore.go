package build

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// contextIgnore is the build context's .containerignore (or
// .dockerignore): what COPY and ADD never take from the context.
type contextIgnore struct {
	root string
	pm   *patternmatcher.PatternMatcher
}

// readIgnore reads CONTEXT/.containerignore, else CONTEXT/.dockerignore;
// nil when there is neither.
func readIgnore(root string) (*contextIgnore, error) {
	for _, name := range []string{".containerignore", ".dockerignore"} {
		f, err := os.Open(filepath.Join(root, name))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		defer f.Close()
		patterns, err := ignorefile.ReadAll(f)
		if err != nil {
			return nil, errdefs.WithKind(errdefs.ErrBadData, fmt.Errorf("%s: %w", name, err))
		}
		pm, err := patternmatcher.New(patterns)
		if err != nil {
			return nil, errdefs.WithKind(errdefs.ErrBadData, fmt.Errorf("%s: %w", name, err))
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
func (ci *contextIgnore) filter(srcs []Source) []Source {
	var out []Source
	for _, s := range srcs {
		if ci.skip(s.Path) {
			// An ignored directory may still hold exceptions ("!dir/keep").
			if st, err := os.Stat(s.Path); err != nil || !st.IsDir() || !ci.pm.Exclusions() {
				continue
			}
		}
		s.Skip = ci.skip
		out = append(out, s)
	}
	return out
}
