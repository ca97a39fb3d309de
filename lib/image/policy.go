package image

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"

	digest "github.com/opencontainers/go-digest"
	cimage "go.podman.io/image/v5/image"
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
			return nil, errdefs.Usagef("no signature policy: make /etc/containers/policy.json (containers-policy.json(5); podman's containers-common has one), or give --signature-policy FILE, or --insecure-policy (%v)", err)
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

// checkSource asks the signature policy about the images of src that a
// copy would take, as copy.Image asks before it reads anything else:
// PolicyContext.IsRunningImageAllowed on each as an unparsed image, so a
// requirement sees the image's signatures (signedBy, sigstoreSigned) and
// not only its name. instances are the index entries to ask about; none
// means src's own manifest. For the paths that skip copy.Image (nothing
// to send, nothing newer): skipping the copy must not skip the policy.
func checkSource(ctx context.Context, policy *signature.Policy, src types.ImageSource, instances []digest.Digest) error {
	unparsed := []types.UnparsedImage{cimage.UnparsedInstance(src, nil)}
	if len(instances) > 0 {
		unparsed = unparsed[:0]
		for _, d := range instances {
			unparsed = append(unparsed, cimage.UnparsedInstance(src, &d))
		}
	}
	return withPolicy(policy, func(pc *signature.PolicyContext) error {
		for _, u := range unparsed {
			if err := allowed(pc.IsRunningImageAllowed(ctx, u)); err != nil {
				return err
			}
		}
		return nil
	})
}

// allowed turns a policy verdict into copy.Image's error for a refusal
// ("Source image rejected: …"), failing on either value as it does.
func allowed(ok bool, err error) error {
	if ok && err == nil {
		return nil
	}
	if err == nil {
		err = errors.New("rejected by policy")
	}
	return fmt.Errorf("Source image rejected: %w", err) //nolint:staticcheck // copy.Image's words, which skopeo and podman print
}

// errUnread is what a policy requirement gets from nameOnly when it reads
// the image.
var errUnread = errors.New("internal error: the image was not read")

// nameOnly is an image of which only the name is known. A policy asked
// about it either decides by the name (its requirements never read an
// image) or fails with errUnread, and then must be asked about the image.
type nameOnly struct{ ref types.ImageReference }

func (n nameOnly) Reference() types.ImageReference { return n.ref }

func (n nameOnly) Manifest(context.Context) ([]byte, string, error) { return nil, "", errUnread }

func (n nameOnly) Signatures(context.Context) ([][]byte, error) { return nil, errUnread }
