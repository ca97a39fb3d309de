package containerfile

import (
	"cmp"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/manifest"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/run"
	"github.com/ctr-project/ctr/lib/storedimage"
	"github.com/ctr-project/ctr/lib/workcontainer"
)

// stage is one stage being built: the image so far, and the config and
// history changed since it (committed with the next layer, or at the end).
type stage struct {
	b       *builder
	index   int
	image   string // the image so far ("" for scratch, nothing yet)
	from    string // how FROM named the base
	meta    imgMeta
	args    map[string]string // ARGs in scope, with their values
	argKeys []string
	shell   []string
	cmdSet  bool
	mkdir   string                     // a WORKDIR to make with the next layer
	extras  workcontainer.DockerExtras // HEALTHCHECK and ONBUILD, kept by --format docker
}

// imgMeta is the config and the history not yet committed.
type imgMeta struct {
	Image   imgspecv1.Image
	History []imgspecv1.History
}

func (b *builder) runStage(i int) (string, error) {
	st := b.stages[i]
	base, err := b.expand(st.BaseName, b.global)
	if err != nil {
		return "", err
	}
	b.steps++
	b.logf("[%d/%d] STEP %d/%d: FROM %s\n", i+1, len(b.stages), b.steps, b.total, base)
	s := &stage{b: b, index: i, from: base, args: map[string]string{}, shell: []string{"/bin/sh", "-c"}}
	var triggers []string
	if j := b.stageIndex(base, i); j >= 0 {
		s.image = b.built[j]
		s.extras = b.extras[j]
	} else if base != "scratch" {
		img, err := run.FindImage(b.ctx, b.store, base, cmp.Or(b.o.Pull, "missing"), b.o.PullOpts.PullOne)
		if err != nil {
			return "", err
		}
		s.image = img.ID
		if s.extras, err = workcontainer.ReadDockerExtras(b.ctx, b.store, img.ID); err != nil {
			return "", err
		}
	}
	// The base's ONBUILD triggers run first; the new image has none of
	// its own until it says so. Its SHELL is the stage's shell until one
	// is given.
	triggers, s.extras.OnBuild = s.extras.OnBuild, nil
	if len(s.extras.Shell) > 0 {
		s.shell = append([]string{}, s.extras.Shell...)
	}
	b.bases[i] = s.image
	if err := s.load(); err != nil {
		return "", err
	}
	for _, t := range triggers {
		b.logf("[%d/%d] ONBUILD trigger: %s\n", i+1, len(b.stages), t)
		res, err := parser.Parse(strings.NewReader(t))
		if err != nil || len(res.AST.Children) != 1 {
			return "", errdefs.WithKind(errdefs.ErrBadData, fmt.Errorf("ONBUILD trigger %q of %s: not one instruction", t, base))
		}
		c, err := instructions.ParseInstruction(res.AST.Children[0])
		if err != nil {
			return "", errdefs.WithKind(errdefs.ErrBadData, fmt.Errorf("ONBUILD trigger %q: %w", t, err))
		}
		cmd, ok := c.(instructions.Command)
		if !ok {
			return "", errdefs.WithKind(errdefs.ErrBadData, fmt.Errorf("ONBUILD trigger %q: not allowed", t))
		}
		if err := s.dispatch(cmd); err != nil {
			return "", err
		}
	}
	for _, c := range st.Commands {
		b.steps++
		b.logf("[%d/%d] STEP %d/%d: %s\n", i+1, len(b.stages), b.steps, b.total, c)
		if err := s.dispatch(c); err != nil {
			return "", atLine(c, err)
		}
	}
	if i == b.target && len(b.o.Labels) > 0 {
		s.addLabels(b.o.Labels)
	}
	if len(s.meta.History) > 0 || s.image == "" || s.mkdir != "" {
		if err := s.commit("", nil, nil); err != nil {
			return "", err
		}
	}
	b.extras[i] = s.extras
	return s.image, nil
}

// load reads the config of the image so far, with no pending history.
func (s *stage) load() error {
	s.meta = imgMeta{}
	if s.image == "" {
		s.meta.Image = workcontainer.ScratchImage()
		return nil
	}
	img, err := storedimage.Config(s.b.store, s.image)
	if err != nil {
		return err
	}
	s.meta.Image = *img
	return nil
}

// env is the environment for expanding words: the image's, then ARGs.
func (s *stage) env() []string {
	env := append([]string{}, s.meta.Image.Config.Env...)
	for _, k := range s.argKeys {
		if !hasKey(env, k) {
			env = append(env, k+"="+s.args[k])
		}
	}
	return env
}

func hasKey(env []string, k string) bool {
	for _, e := range env {
		if name, _, _ := strings.Cut(e, "="); name == k {
			return true
		}
	}
	return false
}

// addLabels sets --label's labels, as a LABEL step at the end would (but
// with their values as given: nothing is expanded).
func (s *stage) addLabels(labels []string) {
	cfg := &s.meta.Image.Config
	if cfg.Labels == nil {
		cfg.Labels = map[string]string{}
	}
	for _, l := range labels {
		k, v, _ := strings.Cut(l, "=")
		cfg.Labels[k] = v
	}
	now := s.b.now()
	s.meta.History = append(s.meta.History, imgspecv1.History{Created: &now, CreatedBy: "/bin/sh -c #(nop) LABEL " + strings.Join(labels, " "), EmptyLayer: true})
}

// note records a config-only step in the pending history.
func (s *stage) note(c instructions.Command) {
	now := s.b.now()
	s.meta.History = append(s.meta.History, imgspecv1.History{Created: &now, CreatedBy: "/bin/sh -c #(nop) " + historyText(c), EmptyLayer: true})
}

// dispatch runs one instruction: its words expanded, then a step that
// makes a layer (RUN, COPY, ADD) or a change of the config and history.
func (s *stage) dispatch(c instructions.Command) error {
	if err := s.expand(c); err != nil {
		return err
	}
	switch c := c.(type) {
	case *instructions.RunCommand:
		return s.runStep(c)
	case *instructions.CopyCommand:
		// --link changes how BuildKit stacks the layer, not what is in it:
		// here the layer is made the same way with or without it.
		return s.copyStep(copyParams{SourcesAndDest: c.SourcesAndDest, from: c.From, chown: c.Chown, chmod: c.Chmod,
			exclude: c.ExcludePatterns, parents: c.Parents}, c)
	case *instructions.AddCommand:
		if c.KeepGitDir != nil {
			return errdefs.Usagef("ADD --keep-git-dir: git sources are not supported by ctr-build")
		}
		return s.copyStep(copyParams{SourcesAndDest: c.SourcesAndDest, chown: c.Chown, chmod: c.Chmod, exclude: c.ExcludePatterns,
			add: true, unpack: c.Unpack, checksum: c.Checksum}, c)
	}
	return s.configure(c)
}

// expand replaces the variables in an instruction's words (RUN's are the
// shell's to expand).
func (s *stage) expand(c instructions.Command) error {
	if ex, ok := c.(instructions.SupportsSingleWordExpansion); ok {
		if _, isRun := c.(*instructions.RunCommand); !isRun {
			env := s.env()
			if err := ex.Expand(func(w string) (string, error) { return s.b.expand(w, env) }); err != nil {
				return err
			}
		}
	}
	// EXPOSE's ports are words the parser leaves as written.
	if e, ok := c.(*instructions.ExposeCommand); ok {
		env := s.env()
		for i, p := range e.Ports {
			var err error
			if e.Ports[i], err = s.b.expand(p, env); err != nil {
				return err
			}
		}
	}
	// The inline files of COPY/ADD <<EOF (delimiter unquoted): variables
	// replaced, quotes kept, as BuildKit does.
	if ex, ok := c.(instructions.SupportsSingleWordExpansionRaw); ok {
		env := s.env()
		if err := ex.ExpandRaw(func(w string) (string, error) { return expandRaw(w, env) }); err != nil {
			return err
		}
	}
	return nil
}

// declareArgs puts an ARG's variables in scope. The value: --build-arg's,
// else the default, else a global ARG's; with none the variable stays
// unset, as in Docker.
func (s *stage) declareArgs(c *instructions.ArgCommand) {
	for _, kv := range c.Args {
		v, ok := s.b.o.BuildArgs[kv.Key]
		if !ok && kv.Value != nil {
			v, ok = *kv.Value, true
		}
		if !ok {
			v, ok = lookup(s.b.global, kv.Key)
		}
		if !ok {
			continue
		}
		if _, seen := s.args[kv.Key]; !seen {
			s.argKeys = append(s.argKeys, kv.Key)
		}
		s.args[kv.Key] = v
	}
}

// configure applies an instruction that changes only the config, and
// records it in the history.
func (s *stage) configure(c instructions.Command) error {
	cfg := &s.meta.Image.Config
	switch c := c.(type) {
	case *instructions.EnvCommand:
		for _, kv := range c.Env {
			cfg.Env = workcontainer.SetEnv(cfg.Env, kv.Key, kv.Value, false)
		}
	case *instructions.ArgCommand:
		s.declareArgs(c)
	case *instructions.LabelCommand:
		if cfg.Labels == nil {
			cfg.Labels = map[string]string{}
		}
		for _, kv := range c.Labels {
			cfg.Labels[kv.Key] = kv.Value
		}
	case *instructions.MaintainerCommand:
		s.meta.Image.Author = c.Maintainer
	case *instructions.WorkdirCommand:
		w := c.Path
		if !strings.HasPrefix(w, "/") {
			w = strings.TrimSuffix(cmp.Or(cfg.WorkingDir, "/"), "/") + "/" + w
		}
		cfg.WorkingDir = cleanPath(w)
		s.mkdir = cfg.WorkingDir
	case *instructions.UserCommand:
		cfg.User = c.User
	case *instructions.CmdCommand:
		cfg.Cmd = s.commandLine(c.ShellDependantCmdLine)
		s.cmdSet = true
	case *instructions.EntrypointCommand:
		cfg.Entrypoint = s.commandLine(c.ShellDependantCmdLine)
		if !s.cmdSet {
			cfg.Cmd = nil
		}
	case *instructions.ExposeCommand:
		if cfg.ExposedPorts == nil {
			cfg.ExposedPorts = map[string]struct{}{}
		}
		for _, p := range c.Ports {
			for _, one := range strings.Fields(p) {
				if !strings.Contains(one, "/") {
					one += "/tcp"
				}
				cfg.ExposedPorts[one] = struct{}{}
			}
		}
	case *instructions.VolumeCommand:
		if cfg.Volumes == nil {
			cfg.Volumes = map[string]struct{}{}
		}
		for _, v := range c.Volumes {
			cfg.Volumes[v] = struct{}{}
		}
	case *instructions.StopSignalCommand:
		cfg.StopSignal = c.Signal
	case *instructions.ShellCommand:
		s.dockerOnly(c)
		s.shell = append([]string{}, c.Shell...)
		s.extras.Shell = append([]string{}, c.Shell...)
	case *instructions.HealthCheckCommand:
		s.dockerOnly(c)
		h := c.Health
		s.extras.Healthcheck = &manifest.Schema2HealthConfig{Test: h.Test, Interval: h.Interval, Timeout: h.Timeout,
			StartPeriod: h.StartPeriod, StartInterval: h.StartInterval, Retries: h.Retries}
	case *instructions.OnbuildCommand:
		s.dockerOnly(c)
		s.extras.OnBuild = append(s.extras.OnBuild, c.Expression)
	default:
		return errdefs.Usagef("%s: not supported yet by ctr-build", c.Name())
	}
	s.note(c)
	return nil
}

// dockerOnly warns, as buildah does, of an instruction only the Docker
// format keeps.
func (s *stage) dockerOnly(c instructions.Command) {
	if s.b.o.Format != "docker" {
		s.b.logf("warning: %s is not kept in the OCI format; use --format docker\n", strings.ToUpper(c.Name()))
	}
}

// commandLine is CMD's or ENTRYPOINT's argument list.
func (s *stage) commandLine(cl instructions.ShellDependantCmdLine) []string {
	if cl.PrependShell {
		return append(append([]string{}, s.shell...), strings.Join(cl.CmdLine, " "))
	}
	return append([]string{}, cl.CmdLine...)
}

func lookup(env []string, k string) (string, bool) {
	for _, e := range env {
		if name, v, _ := strings.Cut(e, "="); name == k {
			return v, true
		}
	}
	return "", false
}

func cleanPath(p string) string {
	parts := []string{}
	for _, seg := range strings.Split(p, "/") {
		switch seg {
		case "", ".":
		case "..":
			if len(parts) > 0 {
				parts = parts[:len(parts)-1]
			}
		default:
			parts = append(parts, seg)
		}
	}
	return "/" + strings.Join(parts, "/")
}

// layerStep runs work in a working container made from the image so far,
// with the pending config, and commits the result as the next layer;
// the cache is asked first, with key.
func (s *stage) layerStep(createdBy, key string, work func(wc *workcontainer.Container, rootfs string) error) error {
	return s.commit(createdBy, []string{key}, work)
}

// historyText is an instruction as the history records it: its name and its
// arguments after expansion.
func historyText(c instructions.Command) string {
	name := strings.ToUpper(c.Name())
	switch c := c.(type) {
	case *instructions.EnvCommand:
		return name + " " + kvs(c.Env)
	case *instructions.ArgCommand:
		// The names and defaults as written, as BuildKit records them: a
		// --build-arg value stays out of the image.
		var out []string
		for _, kv := range c.Args {
			if kv.Value != nil {
				out = append(out, kv.Key+"="+*kv.Value)
			} else {
				out = append(out, kv.Key)
			}
		}
		return name + " " + strings.Join(out, " ")
	case *instructions.LabelCommand:
		return name + " " + kvs(c.Labels)
	case *instructions.WorkdirCommand:
		return name + " " + c.Path
	case *instructions.UserCommand:
		return name + " " + c.User
	case *instructions.StopSignalCommand:
		return name + " " + c.Signal
	case *instructions.ExposeCommand:
		return name + " " + strings.Join(c.Ports, " ")
	case *instructions.VolumeCommand:
		return name + " " + strings.Join(c.Volumes, " ")
	case *instructions.CmdCommand:
		return name + " " + cmdText(c.ShellDependantCmdLine)
	case *instructions.EntrypointCommand:
		return name + " " + cmdText(c.ShellDependantCmdLine)
	}
	return fmt.Sprint(c)
}

func kvs(pairs instructions.KeyValuePairs) string {
	var out []string
	for _, kv := range pairs {
		out = append(out, kv.Key+"="+kv.Value)
	}
	return strings.Join(out, " ")
}

func cmdText(cl instructions.ShellDependantCmdLine) string {
	if cl.PrependShell {
		return strings.Join(cl.CmdLine, " ")
	}
	b, _ := json.Marshal(cl.CmdLine)
	return string(b)
}

// commit makes the next image of the stage: from the cache when an image
// was made with the same key from the same image, else by running work
// (nil: only the pending config and history) in a working container.
func (s *stage) commit(createdBy string, key []string, work func(wc *workcontainer.Container, rootfs string) error) error {
	// The key: where the step starts (image, pending config and history,
	// without their times) and what it does.
	cfgJSON, _ := json.Marshal(s.meta.Image.Config)
	stamp := ""
	if s.b.o.Timestamp != nil {
		stamp = s.b.o.Timestamp.UTC().Format(time.RFC3339)
	}
	extrasJSON, _ := json.Marshal(s.extras)
	parts := []string{s.image, string(cfgJSON), string(extrasJSON), s.meta.Image.Author, s.mkdir, createdBy, stamp}
	for _, h := range s.meta.History {
		parts = append(parts, h.CreatedBy)
	}
	k := s.b.cache.key(append(parts, key...)...)
	if id, ok := s.b.cache.get(s.b.store, k); ok {
		s.b.logf("--> using cache %s\n", id[:12])
		s.image, s.mkdir = id, ""
		return s.load()
	}
	wc, err := workcontainer.From(s.b.ctx, s.b.store, s.image, s.from, "")
	if err != nil {
		return err
	}
	defer wc.Remove(s.b.store) //nolint:errcheck // best effort: the build's result does not depend on it
	wc.Meta.Image, wc.Meta.History = s.meta.Image, s.meta.History
	// A scratch image gets a layer even without files: an image has one.
	empty := work == nil && s.mkdir == "" && s.image != ""
	if !empty {
		rootfs, err := wc.Mount(s.b.store)
		if err != nil {
			return err
		}
		if s.mkdir != "" {
			if err := pathrs.MkdirAll(rootfs, s.mkdir, 0o755); err != nil {
				wc.Unmount(s.b.store) //nolint:errcheck // the step's error is the one to report
				return fmt.Errorf("WORKDIR %s: %w", s.mkdir, err)
			}
		}
		if work != nil {
			if err := work(wc, rootfs); err != nil {
				wc.Unmount(s.b.store) //nolint:errcheck // the step's error is the one to report
				return err
			}
		}
		if err := wc.Unmount(s.b.store); err != nil {
			return err
		}
	}
	if createdBy == "" {
		// The stage ends with config steps: their history is the image's.
		if n := len(wc.Meta.History); n > 0 && empty {
			last := wc.Meta.History[n-1]
			wc.Meta.History = wc.Meta.History[:n-1]
			createdBy = last.CreatedBy
		} else {
			createdBy = "/bin/sh -c #(nop) WORKDIR " + s.mkdir
		}
	}
	id, _, err := workcontainer.Commit(s.b.ctx, s.b.store, wc, workcontainer.CommitOptions{CreatedBy: createdBy, EmptyLayer: empty,
		Created: s.b.now(), Reproducible: s.b.o.Timestamp != nil})
	if err != nil {
		return err
	}
	s.b.cache.put(k, id)
	s.image, s.mkdir = id, ""
	return s.load()
}
