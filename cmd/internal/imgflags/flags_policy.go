package imgflags

import (
	ucli "github.com/urfave/cli/v2"

	"github.com/ctr-project/ctr/cmd/internal/cli"
)

// PolicyFlags choose the signature policy (policy.json). Every tool that
// takes one names it --signature-policy (podman's and buildah's name):
// ctr-pull's --policy is the pull policy, as podman pull's. ctr-copy also
// takes skopeo's --policy for it (CopyFlags).
type PolicyFlags struct {
	Path     string
	Insecure bool
}

// Flags declares the group.
func (f *PolicyFlags) Flags() []ucli.Flag {
	return f.flags(nil)
}

// CopyFlags declares the group with skopeo's --policy as another name of
// --signature-policy, for ctr-copy, skopeo copy's peer.
func (f *PolicyFlags) CopyFlags() []ucli.Flag {
	return f.flags([]string{"policy"})
}

func (f *PolicyFlags) flags(aliases []string) []ucli.Flag {
	return []ucli.Flag{
		&ucli.StringFlag{Name: "signature-policy", Aliases: aliases, Usage: "signature policy `FILE` (default: the system's policy.json)", Destination: &f.Path},
		&ucli.BoolFlag{Name: "insecure-policy", Usage: "accept any image, ignoring policy.json", Destination: &f.Insecure},
	}
}

// Check refuses a policy file and --insecure-policy together.
func (f *PolicyFlags) Check() error {
	if f.Insecure && f.Path != "" {
		return cli.UsageError("--signature-policy and --insecure-policy cannot be used together")
	}
	return nil
}

// Args returns the flags as given, to pass a pull on to ctr-pull.
func (f *PolicyFlags) Args() []string {
	var a []string
	if f.Path != "" {
		a = append(a, "--signature-policy="+f.Path)
	}
	if f.Insecure {
		a = append(a, "--insecure-policy")
	}
	return a
}
