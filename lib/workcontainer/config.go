package workcontainer

import (
	"cmp"
	"path"
	"strings"

	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/ctr-project/ctr/lib/errdefs"
)

// ConfigChange is a set of changes to an image config; nil and empty
// fields change nothing.
type ConfigChange struct {
	Env, Labels, Ports, Volumes       []string
	Cmd, Entrypoint                   *[]string
	Workdir, User, StopSignal, Author *string
}

// Apply makes the changes. Setting an entrypoint clears an inherited
// command, as Dockerfile's ENTRYPOINT does, unless a command is set too.
func (ch ConfigChange) Apply(img *imgspecv1.Image) error {
	cfg := &img.Config
	for _, e := range ch.Env {
		if name, ok := strings.CutSuffix(e, "-"); ok && !strings.Contains(e, "=") {
			cfg.Env = SetEnv(cfg.Env, name, "", true)
			continue
		}
		name, value, ok := strings.Cut(e, "=")
		if !ok || name == "" {
			return errdefs.Usagef("invalid env %q: want VAR=VALUE or VAR-", e)
		}
		cfg.Env = SetEnv(cfg.Env, name, value, false)
	}
	for _, l := range ch.Labels {
		if name, ok := strings.CutSuffix(l, "-"); ok && !strings.Contains(l, "=") {
			delete(cfg.Labels, name)
			continue
		}
		k, v, ok := strings.Cut(l, "=")
		if !ok || k == "" {
			return errdefs.Usagef("invalid label %q: want KEY=VALUE or KEY-", l)
		}
		if cfg.Labels == nil {
			cfg.Labels = map[string]string{}
		}
		cfg.Labels[k] = v
	}
	for _, p := range ch.Ports {
		if !strings.Contains(p, "/") {
			p += "/tcp"
		}
		if cfg.ExposedPorts == nil {
			cfg.ExposedPorts = map[string]struct{}{}
		}
		cfg.ExposedPorts[p] = struct{}{}
	}
	for _, v := range ch.Volumes {
		if !path.IsAbs(v) {
			return errdefs.Usagef("invalid volume %q: want an absolute path", v)
		}
		if cfg.Volumes == nil {
			cfg.Volumes = map[string]struct{}{}
		}
		cfg.Volumes[v] = struct{}{}
	}
	if ch.Entrypoint != nil {
		cfg.Entrypoint = *ch.Entrypoint
		if ch.Cmd == nil {
			cfg.Cmd = nil
		}
	}
	if ch.Cmd != nil {
		cfg.Cmd = *ch.Cmd
	}
	if ch.Workdir != nil {
		w := *ch.Workdir
		if w != "" && !path.IsAbs(w) {
			w = path.Join(cmp.Or(cfg.WorkingDir, "/"), w)
		}
		cfg.WorkingDir = w
	}
	if ch.User != nil {
		cfg.User = *ch.User
	}
	if ch.StopSignal != nil {
		cfg.StopSignal = *ch.StopSignal
	}
	if ch.Author != nil {
		img.Author = *ch.Author
	}
	return nil
}

// SetEnv sets (or with remove, deletes) name in env, keeping its place.
func SetEnv(env []string, name, value string, remove bool) []string {
	out := env[:0:0]
	found := false
	for _, e := range env {
		if k, _, _ := strings.Cut(e, "="); k == name {
			found = true
			if !remove {
				out = append(out, name+"="+value)
			}
			continue
		}
		out = append(out, e)
	}
	if !found && !remove {
		out = append(out, name+"="+value)
	}
	return out
}
