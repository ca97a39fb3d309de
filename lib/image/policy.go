package image

import (
	"errors"
	"fmt"
	"io"
	"io/fs"

	"go.podman.io/image/v5/signature"
	"go.podman.io/image/v5/types"

	"github.com/ctr-project/ctr/lib/errdefs"
)

// PolicyOptions selects the signature policy (policy.json) that every copy
// is checked against.
type PolicyOptions struct {
	// Path of a policy.json; "" means the system's (CONTAINERS_POLICY_JSON,
	// $XDG_CONFIG_HOME/containers, /etc/containers, /usr/share/containers).
	Path string
	// Insecure accepts any image, ignoring every policy file.
	Insecure bool
}

// loadPolicy reads the signature policy. With no policy file at all on the
// system it refuses, as podman and skopeo do, and says which file to make:
// accepting any image is asked for (Insecure), never assumed.
func loadPolicy(po PolicyOptions, sys *types.SystemContext, _ io.Writer) (*signature.Policy, error) {
	var policy *signature.Policy
	if po.Insecure {
		policy = &signature.Policy{Default: []signature.PolicyRequirement{signature.NewPRInsecureAcceptAnything()}}
	} else {
		ctx := *sys
		ctx.SignaturePolicyPath = po.Path
		p, err := signature.DefaultPolicy(&ctx)
		switch {
		case err == nil:
			policy = p
		case po.Path == "" && errors.Is(err, fs.ErrNotExist):
			return nil, errdefs.Usagef("no signature policy: make /etc/containers/policy.json (containers-policy.json(5); podman's containers-common has one), or give --policy FILE, or --insecure-policy (%v)", err)
		default:
			return nil, fmt.Errorf("signature policy: %w", err)
		}
	}
	return policy, nil
}

// withPolicy runs f with a policy context of its own: a context serves one
// copy at a time ("Invalid PolicyContext state … InUse" otherwise), so
// images pulled at once each need theirs.
func withPolicy(policy *signature.Policy, f func(*signature.PolicyContext) error) error {
	pc, err := signature.NewPolicyContext(policy)
	if err != nil {
		return fmt.Errorf("signature policy: %w", err)
	}
	defer pc.Destroy() //nolint:errcheck // nothing to do about it
	return f(pc)
}
