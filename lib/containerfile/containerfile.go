// Package containerfile is ctr-build's Containerfile interpreter: stages,
// the instructions' dispatch, RUN steps and their mounts, COPY and ADD
// sources (the context with its ignore file, URLs, heredocs), and the
// layer cache, on the working-container blocks of lib/workcontainer.
package containerfile

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	"github.com/opencontainers/go-digest"
	"go.podman.io/storage"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/image"
	"github.com/ctr-project/ctr/lib/run"
	"github.com/ctr-project/ctr/lib/workcontainer"
)

// BuildOptions describe a Containerfile build.
type BuildOptions struct {
	Context   string            // the build context directory
	File      string            // default: CONTEXT/Containerfile, else CONTEXT/Dockerfile
	Tags      []string          // names of the final image
	BuildArgs map[string]string // --build-arg
	Target    string            // the stage to build (default: the last)
	NoCache   bool
	// Timestamp, when set, is every history entry's and the image's
	// creation time and every file's time in the new layers: the same
	// context then gives the same image, digest for digest.
	Timestamp *time.Time
	// Format is the final image's: oci (default) or docker (which keeps
	// HEALTHCHECK and ONBUILD).
	Format string
	// Squash makes the target stage's new layers one; NoLayers does too,
	// and uses no cache (buildah's --layers=false).
	Squash, NoLayers bool
	// Secrets are the files RUN --mount=type=secret,id=ID reads, by ID.
	Secrets map[string]string
	// Labels are set on the final image after the Containerfile's own
	// (--label), in this order ("KEY=VALUE").
	Labels []string
	// IgnoreFile replaces CONTEXT/.containerignore and .dockerignore.
	IgnoreFile string
	Pull       string // pull policy for base images: missing (default), always, never
	PullOpts   image.PullOptions
	// Runs runs the RUN steps (its store is the build's); Run is what
	// each asks of it besides its command: the network, and Stdout
	// (where step output goes).
	Runs *run.Manager
	Run  run.Request
	Log  io.Writer // step lines
}

// builder runs one build.
type builder struct {
	ctx    context.Context
	store  storage.Store
	o      BuildOptions
	lex    *shell.Lex
	stages []instructions.Stage
	global []string // global ARGs, K=V, for FROM lines
	built  map[int]string
	bases  map[int]string // each stage's base image ("" for scratch)
	extras map[int]workcontainer.DockerExtras
	cache  layerCache
	ignore *contextIgnore // nil: no ignore file
	target int            // the stage built
	steps  int            // steps done, for the log
	total  int
}

// Build builds the Containerfile and returns the final image's ID and
// manifest digest.
func Build(ctx context.Context, store storage.Store, o BuildOptions) (string, digest.Digest, error) {
	if err := workcontainer.CheckImageNames(o.Tags); err != nil {
		return "", "", err
	}
	// Sources are resolved below the context: an absolute, clean root.
	abs, err := filepath.Abs(o.Context)
	if err != nil {
		return "", "", err
	}
	o.Context = abs
	file := o.File
	if file == "" {
		file = filepath.Join(o.Context, "Containerfile")
		if _, err := os.Stat(file); err != nil {
			file = filepath.Join(o.Context, "Dockerfile")
		}
	}
	f, err := os.Open(file)
	if err != nil {
		return "", "", errdefs.WithKind(errdefs.ErrNotFound, err)
	}
	defer f.Close()
	res, err := parser.Parse(f)
	if err != nil {
		return "", "", errdefs.WithKind(errdefs.ErrBadData, fmt.Errorf("%s: %w", file, err))
	}
	stages, metaArgs, err := instructions.Parse(res.AST, nil)
	if err != nil {
		return "", "", errdefs.WithKind(errdefs.ErrBadData, fmt.Errorf("%s: %w", file, err))
	}
	if len(stages) == 0 {
		return "", "", errdefs.WithKind(errdefs.ErrBadData, fmt.Errorf("%s: no FROM", file))
	}
	if o.NoLayers {
		o.NoCache = true
	}
	b := &builder{ctx: ctx, store: store, o: o, lex: shell.NewLex(res.EscapeToken), stages: stages, built: map[int]string{}, bases: map[int]string{}, extras: map[int]workcontainer.DockerExtras{},
		cache: layerCache{dir: filepath.Join(store.GraphRoot(), "ctr-build-cache"), off: o.NoCache}}
	if b.ignore, err = readIgnore(o.Context, o.IgnoreFile); err != nil {
		return "", "", err
	}
	for _, a := range metaArgs {
		for _, kv := range a.Args {
			v, ok := o.BuildArgs[kv.Key]
			if !ok && kv.Value != nil {
				if v, err = b.expand(*kv.Value, b.global); err != nil {
					return "", "", atLine(&a, err)
				}
				ok = true
			}
			if ok {
				b.global = append(b.global, kv.Key+"="+v)
			}
		}
	}
	target := len(stages) - 1
	if o.Target != "" {
		if target = b.stageIndex(o.Target, len(stages)); target < 0 {
			return "", "", errdefs.Usagef("target stage %q: no such stage", o.Target)
		}
	}
	b.target = target
	needed := map[int]bool{}
	if err := b.need(target, needed); err != nil {
		return "", "", err
	}
	for i := range stages {
		if needed[i] {
			b.total += len(stages[i].Commands) + 1
		}
	}
	for i := 0; i <= target; i++ {
		if !needed[i] {
			continue
		}
		id, err := b.runStage(i)
		if err != nil {
			return "", "", err
		}
		b.built[i] = id
	}
	final := b.built[target]
	if o.Squash || o.NoLayers {
		if final, err = b.squash(b.bases[target], final); err != nil {
			return "", "", err
		}
	}
	if o.Format == "docker" {
		if final, err = workcontainer.ToDocker(b.ctx, b.store, final, b.extras[target]); err != nil {
			return "", "", err
		}
	}
	md, err := b.tag(final, o.Tags)
	return final, md, err
}

// expandRaw replaces variables in the text of an inline file, leaving
// quotes as they are.
func expandRaw(text string, env []string) (string, error) {
	lex := shell.NewLex('\\')
	lex.SkipProcessQuotes = true
	out, _, err := lex.ProcessWord(text, shell.EnvsFromSlice(env))
	if err != nil {
		return "", errdefs.WithKind(errdefs.ErrBadData, err)
	}
	return out, nil
}

// expand replaces variables in word, as the shell would in a Containerfile.
func (b *builder) expand(word string, env []string) (string, error) {
	out, _, err := b.lex.ProcessWord(word, shell.EnvsFromSlice(env))
	if err != nil {
		return "", errdefs.WithKind(errdefs.ErrBadData, err)
	}
	if len(out) > maxExpanded {
		// Variables built of variables double at each step: thirty ARGs
		// reach gigabytes. No real word comes near this.
		return "", errdefs.WithKind(errdefs.ErrBadData, fmt.Errorf("a word expands to more than %d bytes", maxExpanded))
	}
	return out, nil
}

// maxExpanded bounds one word after variable expansion.
const maxExpanded = 1 << 20

// atLine names the Containerfile line of the instruction an error came
// from.
func atLine(c interface{ Location() []parser.Range }, err error) error {
	if loc := c.Location(); len(loc) > 0 && err != nil {
		return fmt.Errorf("line %d: %w", loc[0].Start.Line, err)
	}
	return err
}

// stageIndex finds a stage by name or number among the first n.
func (b *builder) stageIndex(ref string, n int) int {
	for i := 0; i < n && i < len(b.stages); i++ {
		if strings.EqualFold(b.stages[i].Name, ref) {
			return i
		}
	}
	if i, err := strconv.Atoi(ref); err == nil && i >= 0 && i < n {
		return i
	}
	return -1
}

// need marks stage i and the stages it builds on or copies from.
func (b *builder) need(i int, needed map[int]bool) error {
	if needed[i] {
		return nil
	}
	needed[i] = true
	st := b.stages[i]
	base, err := b.expand(st.BaseName, b.global)
	if err != nil {
		return err
	}
	if j := b.stageIndex(base, i); j >= 0 {
		if err := b.need(j, needed); err != nil {
			return err
		}
	}
	for _, c := range st.Commands {
		if cp, ok := c.(*instructions.CopyCommand); ok && cp.From != "" {
			if j := b.stageIndex(cp.From, i); j >= 0 {
				if err := b.need(j, needed); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// tag names the final image (and returns its manifest digest).
func (b *builder) tag(id string, names []string) (digest.Digest, error) {
	for _, n := range names {
		if err := b.store.AddNames(id, []string{workcontainer.NormalName(n)}); err != nil {
			return "", fmt.Errorf("naming the image %s: %w", n, err)
		}
	}
	img, err := b.store.Image(id)
	if err != nil {
		return "", err
	}
	if len(img.Digests) > 0 {
		return img.Digests[0], nil
	}
	return img.Digest, nil
}

func (b *builder) logf(format string, args ...any) {
	if b.o.Log != nil {
		fmt.Fprintf(b.o.Log, format, args...)
	}
}

// errStep carries a failed RUN step's exit status.
type errStep struct {
	status int
	step   string
}

func (e *errStep) Error() string {
	return fmt.Sprintf("%s: exit status %d", e.step, e.status)
}

// ExitCode makes the step's status the builder's (lib/exit).
func (e *errStep) ExitCode() int { return e.status }

// now is the time the build records: --timestamp's, or the clock's.
func (b *builder) now() time.Time {
	if b.o.Timestamp != nil {
		return b.o.Timestamp.UTC()
	}
	return time.Now().UTC()
}
