package xferflags

import (
	ucli "github.com/urfave/cli/v2"

	"github.com/ctr-project/ctr/cmd/internal/cli"
	"github.com/ctr-project/ctr/lib/image"
)

// PolicyFlags choose the signature policy (policy.json).
type PolicyFlags struct {
	Path     string
	Insecure bool
}

// Flags declares the group.
func (f *PolicyFlags) Flags() []ucli.Flag {
	return []ucli.Flag{
		&ucli.StringFlag{Name: "policy", Usage: "signature policy `FILE` (default: the system's policy.json)", Destination: &f.Path},
		&ucli.BoolFlag{Name: "insecure-policy", Usage: "accept any image, ignoring policy.json", Destination: &f.Insecure},
	}
}

// PullFlags declares the group under podman pull's names, for the tools
// whose --policy is something else (ctr-pull's pull policy) or that pull
// for others (ctr-cri).
func (f *PolicyFlags) PullFlags() []ucli.Flag {
	return []ucli.Flag{
		&ucli.StringFlag{Name: "signature-policy", Usage: "signature policy `FILE` (default: the system's policy.json)", Destination: &f.Path},
		&ucli.BoolFlag{Name: "insecure-policy", Usage: "accept any image, ignoring policy.json", Destination: &f.Insecure},
	}
}

// Options returns the library's policy options.
func (f *PolicyFlags) Options() (image.PolicyOptions, error) {
	if f.Insecure && f.Path != "" {
		return image.PolicyOptions{}, cli.UsageError("--policy and --insecure-policy cannot be used together")
	}
	return image.PolicyOptions{Path: f.Path, Insecure: f.Insecure}, nil
}
