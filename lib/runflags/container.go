package runflags

import (
	"slices"
	"strings"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/run"
)

// The container and its pod: the name, the annotations, the image's pull
// policy, the namespaces a pod shares.

// CheckName accepts a container name as podman does ([a-zA-Z0-9] then
// [a-zA-Z0-9_.-]), up to 253 characters (a DNS name's length: a longer one
// can never be a hostname, and a name of thousands broke ps's table).
func CheckName(name string) error {
	if len(name) > 253 {
		return errdefs.Usagef("container name of %d characters: at most 253", len(name))
	}
	for i, r := range name {
		alnum := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
		if !alnum && (i == 0 || (r != '_' && r != '.' && r != '-')) {
			return errdefs.Usagef("container name %q: want [a-zA-Z0-9][a-zA-Z0-9_.-]*", name)
		}
	}
	return nil
}

// ParseAnnotation parses --annotation KEY=VALUE (as podman, the value may
// be empty); the key as run.CheckKeys wants it.
func ParseAnnotation(s string) (string, string, error) {
	k, v, ok := strings.Cut(s, "=")
	if !ok {
		return "", "", errdefs.Usagef("%q: want KEY=VALUE", s)
	}
	// One key, so CheckKeys's error is that key's own.
	if err := run.CheckKeys(map[string]string{k: v}); err != nil {
		return "", "", err
	}
	return k, v, nil
}

// CheckPullPolicy accepts the policies for an image missing or present in
// the store: missing (pull only when absent), always, never.
func CheckPullPolicy(policy string) error {
	switch policy {
	case "missing", "always", "never":
		return nil
	}
	return errdefs.Usagef("pull policy %q: want missing, always or never", policy)
}

// ParseShare parses --share: comma-separated namespaces of run.PodShareable.
func ParseShare(s string) ([]string, error) {
	var out []string
	for _, k := range strings.Split(s, ",") {
		k = strings.TrimSpace(k)
		if k == "" {
			continue
		}
		if !slices.Contains(run.PodShareable, k) {
			return nil, errdefs.Usagef("--share: unknown namespace %q: want net, ipc, uts or pid", k)
		}
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out, nil
}
