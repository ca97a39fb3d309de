package image

import (
	"fmt"
	"strings"

	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/ctr-project/ctr/lib/errdefs"
)

// Platform is an os/arch[/variant] triple as written on command lines.
type Platform struct {
	OS, Architecture, Variant string
}

// ParsePlatform parses "os/arch" or "os/arch/variant".
func ParsePlatform(s string) (Platform, error) {
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
		return Platform{}, errdefs.Usagef("invalid platform %q: want os/arch[/variant]", s)
	}
	p := Platform{OS: parts[0], Architecture: parts[1]}
	if len(parts) == 3 {
		p.Variant = parts[2]
	}
	return p, nil
}

func (p Platform) String() string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

// matches reports whether an index entry's platform is p. A variant left
// out of p matches any variant.
func (p Platform) matches(ip *imgspecv1.Platform) bool {
	if ip == nil || ip.OS != p.OS || ip.Architecture != p.Architecture {
		return false
	}
	return p.Variant == "" || ip.Variant == p.Variant
}

func platformsString(ps []Platform) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ", ")
}

func errNoPlatform(ps []Platform, where string) error {
	return errdefs.WithKind(errdefs.ErrNotFound, fmt.Errorf("no image for platform %s in %s", platformsString(ps), where))
}
