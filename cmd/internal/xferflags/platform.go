package xferflags

import "github.com/ctr-project/ctr/lib/image"

// OptionalPlatform parses a --platform value; "" is none (the host's).
func OptionalPlatform(s string) (*image.Platform, error) {
	if s == "" {
		return nil, nil
	}
	p, err := image.ParsePlatform(s)
	if err != nil {
		return nil, err
	}
	return &p, nil
}
