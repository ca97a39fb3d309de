package xferflags

import (
	"github.com/ctr-project/ctr/cmd/internal/imgflags"
	"github.com/ctr-project/ctr/lib/image"
)

// PolicyFlags are imgflags' signature policy flags with their translator
// into the library's options (which imgflags cannot link: see doc.go).
type PolicyFlags struct {
	imgflags.PolicyFlags
}

// Options returns the library's policy options.
func (f *PolicyFlags) Options() (image.PolicyOptions, error) {
	if err := f.Check(); err != nil {
		return image.PolicyOptions{}, err
	}
	return image.PolicyOptions{Path: f.Path, Insecure: f.Insecure}, nil
}
