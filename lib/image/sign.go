package image

import (
	"fmt"
	"os"
	"strings"

	"go.podman.io/image/v5/signature/signer"
	"go.podman.io/image/v5/signature/sigstore"

	"github.com/ctr-project/ctr/lib/errdefs"
)

// SignOptions ask for a sigstore signature on each image a copy writes,
// as skopeo copy's --sign-by-sigstore-private-key. Not here: keyless
// signing through Fulcio and Rekor (skopeo's --sign-by-sigstore PARAMFILE),
// whose OIDC and Rekor clients every tool that links this package would
// carry (ctr-run too), for services a node may not reach; and signing with
// a GPG key (--sign-by), which needs gpgme, left out of this pure-Go
// (openpgp) build: GPG signatures are verified, not made.
type SignOptions struct {
	// PrivateKey is a sigstore private key file (cosign's format).
	PrivateKey string
	// PassphraseFile holds the key's passphrase (its first line).
	PassphraseFile string
}

func (o SignOptions) signers() ([]*signer.Signer, error) {
	if o.PrivateKey == "" {
		if o.PassphraseFile != "" {
			return nil, errdefs.Usagef("--sign-passphrase-file goes with --sign-by-sigstore-private-key")
		}
		return nil, nil
	}
	var pass []byte
	if o.PassphraseFile != "" {
		b, err := os.ReadFile(o.PassphraseFile)
		if err != nil {
			return nil, errdefs.Usagef("--sign-passphrase-file: %v", err)
		}
		line, _, _ := strings.Cut(string(b), "\n")
		pass = []byte(strings.TrimSuffix(line, "\r"))
	}
	if _, err := os.Stat(o.PrivateKey); err != nil {
		return nil, errdefs.Usagef("--sign-by-sigstore-private-key: %v", err)
	}
	s, err := sigstore.NewSigner(sigstore.WithPrivateKeyFile(o.PrivateKey, pass))
	if err != nil {
		return nil, signError(err)
	}
	return []*signer.Signer{s}, nil
}

// signError: a key that cannot be used is the user's to fix.
func signError(err error) error {
	return errdefs.WithKind(errdefs.ErrUsage, fmt.Errorf("the signing key: %w", err))
}

func closeSigners(ss []*signer.Signer) {
	for _, s := range ss {
		_ = s.Close()
	}
}
