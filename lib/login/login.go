// Package login keeps registry credentials in the auth.json that podman,
// skopeo and buildah read (containers-auth.json(5)): it checks them with
// the registry before it stores them, and removes them again.
package login

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/pkg/docker/config"
	"go.podman.io/image/v5/types"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/image"
)

// Key turns what a user names (host[:port], docker://host, host/namespace)
// into the key auth.json keeps credentials under.
func Key(s string) (string, error) {
	k := strings.TrimSuffix(strings.TrimPrefix(s, "docker://"), "/")
	if k == "" || strings.ContainsAny(k, "@ \t") || strings.Contains(k, "://") {
		return "", errdefs.Usagef("invalid registry %q: want HOST[:PORT][/NAMESPACE]", s)
	}
	host, _, _ := strings.Cut(k, "/")
	if _, err := reference.ParseNormalizedNamed(host + "/x"); err != nil || strings.ToLower(host) != host {
		return "", errdefs.Usagef("invalid registry %q: %v", s, errors.New("not a host name"))
	}
	return k, nil
}

// Login checks user and password with the registry of key, then stores
// them. Wrong credentials store nothing (the error is ErrNotAuthorized).
func Login(ctx context.Context, sys *types.SystemContext, key, user, password string) (string, error) {
	host, _, _ := strings.Cut(key, "/")
	if err := docker.CheckAuth(ctx, sys, user, password, host); err != nil {
		if _, ok := errors.AsType[docker.ErrUnauthorizedForCredentials](err); ok {
			return "", errdefs.WithKind(ErrNotAuthorized, fmt.Errorf("logging in to %s as %s: the registry refused the credentials", host, user))
		}
		return "", image.Classify(fmt.Errorf("logging in to %s: %w", host, err))
	}
	where, err := config.SetCredentials(sys, key, user, password)
	if err != nil {
		return "", fmt.Errorf("storing the credentials for %s: %w", key, err)
	}
	return where, nil
}

// ErrNotAuthorized marks credentials the registry refused.
var ErrNotAuthorized = errors.New("not authorized")

// User returns the user stored for key (podman login --get-login).
func User(sys *types.SystemContext, key string) (string, error) {
	auth, err := config.GetCredentials(sys, key)
	if err != nil {
		return "", err
	}
	if auth.Username == "" {
		return "", errdefs.WithKind(errdefs.ErrNotFound, fmt.Errorf("not logged in to %s", key))
	}
	return auth.Username, nil
}

// Logout removes the credentials stored for key.
func Logout(sys *types.SystemContext, key string) error {
	err := config.RemoveAuthentication(sys, key)
	if errors.Is(err, config.ErrNotLoggedIn) {
		return errdefs.WithKind(errdefs.ErrNotFound, fmt.Errorf("not logged in to %s", key))
	}
	return err
}

// LogoutAll removes every credential in the auth file.
func LogoutAll(sys *types.SystemContext) error {
	return config.RemoveAllAuthentication(sys)
}
