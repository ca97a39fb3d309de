package workcontainer

import (
	"runtime"

	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// ScratchImage is the config of an image built from nothing.
func ScratchImage() imgspecv1.Image {
	return imgspecv1.Image{
		Platform: imgspecv1.Platform{Architecture: runtime.GOARCH, OS: runtime.GOOS},
		RootFS:   imgspecv1.RootFS{Type: "layers"},
	}
}
