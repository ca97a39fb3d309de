package containerfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/workcontainer"
)

// The unit tests of the Containerfile interpreter's pieces: the ignore
// file, ARG and ENV scope and expansion.

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestReadIgnoreChoosesTheFile(t *testing.T) {
	dir := t.TempDir()
	if ci, err := readIgnore(dir, ""); err != nil || ci != nil {
		t.Fatalf("no ignore file: got %v, %v; want nil, nil", ci, err)
	}
	writeFiles(t, dir, map[string]string{".dockerignore": "from-docker\n"})
	ci, err := readIgnore(dir, "")
	if err != nil || !ci.skip(filepath.Join(dir, "from-docker")) {
		t.Fatalf(".dockerignore alone: %v, skips from-docker: %v", err, ci != nil && ci.skip(filepath.Join(dir, "from-docker")))
	}
	// .containerignore wins over .dockerignore.
	writeFiles(t, dir, map[string]string{".containerignore": "from-containers\n"})
	ci, err = readIgnore(dir, "")
	if err != nil || !ci.skip(filepath.Join(dir, "from-containers")) || ci.skip(filepath.Join(dir, "from-docker")) {
		t.Fatalf(".containerignore must be the one read (err %v)", err)
	}
	// A file given replaces both; a missing one is not found.
	writeFiles(t, dir, map[string]string{"other.ignore": "given\n"})
	ci, err = readIgnore(dir, filepath.Join(dir, "other.ignore"))
	if err != nil || !ci.skip(filepath.Join(dir, "given")) || ci.skip(filepath.Join(dir, "from-containers")) {
		t.Fatalf("the given ignore file must be the only one read (err %v)", err)
	}
	if _, err := readIgnore(dir, filepath.Join(dir, "missing")); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("a missing ignore file: %v, want not found", err)
	}
	writeFiles(t, dir, map[string]string{"bad.ignore": "[\n"})
	if _, err := readIgnore(dir, filepath.Join(dir, "bad.ignore")); !errors.Is(err, errdefs.ErrBadData) {
		t.Errorf("a malformed pattern: %v, want bad data", err)
	}
}

func TestIgnorePatterns(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{".containerignore": strings.Join([]string{
		"# a comment", "*.log", "!keep.log", "build/", "**/tmp", "docs/*.md", "!docs/README.md", "/rooted",
	}, "\n")})
	ci, err := readIgnore(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]bool{
		"debug.log": true, "keep.log": false, "sub/debug.log": false, // *.log is at the top only
		"build": true, "build/out/bin": true, "a/b/tmp": true, "tmp": true, "tmpfile": false,
		"docs/guide.md": true, "docs/README.md": false, "docs/sub/x.md": false,
		"rooted": true, "sub/rooted": false, ".": false, "src/main.go": false,
	} {
		if got := ci.skip(filepath.Join(dir, p)); got != want {
			t.Errorf("skip(%q) = %v, want %v", p, got, want)
		}
	}
	// An ignored directory with an exception inside stays a source, its
	// other files skipped.
	writeFiles(t, dir, map[string]string{"docs/README.md": "r", "docs/guide.md": "g", "debug.log": "d"})
	srcs := ci.filter([]workcontainer.Source{{Path: filepath.Join(dir, "docs")}, {Path: filepath.Join(dir, "debug.log")}})
	if len(srcs) != 1 || srcs[0].Skip == nil || !srcs[0].Skip(filepath.Join(dir, "docs/guide.md")) || srcs[0].Skip(filepath.Join(dir, "docs/README.md")) {
		t.Errorf("filter kept %+v; want docs/ alone, skipping guide.md but not README.md", srcs)
	}
}

// newTestStage is a stage with no image, for instructions that only
// change the config and history.
func newTestStage(buildArgs map[string]string, global []string) *stage {
	b := &builder{lex: shell.NewLex('\\'), global: global, o: BuildOptions{BuildArgs: buildArgs}}
	return &stage{b: b, args: map[string]string{}, shell: []string{"/bin/sh", "-c"}}
}

// parseLine parses one Containerfile instruction.
func parseLine(t *testing.T, line string) instructions.Command {
	t.Helper()
	res, err := parser.Parse(strings.NewReader(line + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := instructions.ParseCommand(res.AST.Children[0])
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestArgValueAndScope(t *testing.T) {
	s := newTestStage(map[string]string{"FROM_CLI": "cli"}, []string{"GLOBAL=g"})
	// FROM_CLI: --build-arg wins; GLOBAL: a global ARG's value comes in;
	// NOVALUE: unset, as in Docker.
	if err := s.dispatch(parseLine(t, "ARG FROM_CLI=default DEFAULTED=d GLOBAL NOVALUE")); err != nil {
		t.Fatal(err)
	}
	env := s.env()
	for k, want := range map[string]string{"FROM_CLI": "cli", "DEFAULTED": "d", "GLOBAL": "g"} {
		if v, ok := lookup(env, k); !ok || v != want {
			t.Errorf("%s = %q (set %v), want %q", k, v, ok, want)
		}
	}
	if _, ok := lookup(env, "NOVALUE"); ok {
		t.Error("an ARG without a value must stay unset")
	}
	// The history keeps the defaults as written, not the --build-arg value.
	if n := len(s.meta.History); n != 1 || s.meta.History[0].CreatedBy != "/bin/sh -c #(nop) ARG FROM_CLI=default DEFAULTED=d GLOBAL NOVALUE" || !s.meta.History[0].EmptyLayer {
		t.Errorf("history %+v", s.meta.History)
	}
	// ARGs are not the image's environment.
	if len(s.meta.Image.Config.Env) != 0 {
		t.Errorf("image env %q, want none", s.meta.Image.Config.Env)
	}
}

func TestEnvOverArgAndExpansion(t *testing.T) {
	s := newTestStage(nil, nil)
	for _, line := range []string{
		"ARG V=from-arg W=w",
		"ENV V=from-env",
		"ENV X=$V-${W}-${MISSING:-dflt}",
		"WORKDIR /base/$W",
		"WORKDIR rel/../sub",
	} {
		if err := s.dispatch(parseLine(t, line)); err != nil {
			t.Fatal(err)
		}
	}
	if v, _ := lookup(s.env(), "V"); v != "from-env" {
		t.Errorf("V = %q: ENV must win over ARG", v)
	}
	if v, _ := lookup(s.meta.Image.Config.Env, "X"); v != "from-env-w-dflt" {
		t.Errorf("X = %q, want from-env-w-dflt", v)
	}
	if wd := s.meta.Image.Config.WorkingDir; wd != "/base/w/sub" {
		t.Errorf("WORKDIR %q, want /base/w/sub", wd)
	}
	if _, err := s.b.expand("${V:?unset}", nil); !errors.Is(err, errdefs.ErrBadData) {
		t.Errorf("${V:?} of an unset variable: %v, want bad data", err)
	}
}

func TestParseSecret(t *testing.T) {
	file := filepath.Join(t.TempDir(), "tok")
	writeFiles(t, filepath.Dir(file), map[string]string{"tok": "s3cr3t"})
	for spec, ok := range map[string]bool{
		"id=tok,src=" + file: true, "source=" + file + ",id=tok": true,
		"id=tok": false, "src=" + file: false, "id=tok,src=" + file + ",mode=0400": false,
		"id=tok,src=/no/such/file": false,
	} {
		id, src, err := ParseSecret(spec)
		if ok != (err == nil) || (ok && (id != "tok" || src != file)) {
			t.Errorf("ParseSecret(%q) = %q, %q, %v; want ok=%v", spec, id, src, err, ok)
		}
		if err != nil && !errors.Is(err, errdefs.ErrUsage) {
			t.Errorf("ParseSecret(%q): %v is no usage error", spec, err)
		}
	}
}
