package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/ctr-project/ctr/cmd/internal/cli"
	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/exit"
	"github.com/ctr-project/ctr/lib/run"
)

// puller pulls through ctr-pull (found beside ctr-run), with ctr-run's
// storage, registry and signature policy flags: ctr-run does not link
// containers/image's transports, whose start-up cost every run would pay.
func (f *runFlags) puller(stderr io.Writer) run.Puller {
	return func(ctx context.Context, name string, always bool) (string, error) {
		tool, err := cli.ToolPath("", "ctr-pull")
		if err != nil {
			return "", err
		}
		policy := "missing"
		if always {
			policy = "always"
		}
		args := append([]string{"--policy", policy}, f.storage.Args()...)
		args = append(args, f.registry.Args()...)
		args = append(args, f.policy.Args()...)
		if f.quiet {
			args = append(args, "--quiet")
		}
		args = append(args, "--", name)
		return pullWith(ctx, tool, args, f.registry.Env(), stderr)
	}
}

// pullWith runs ctr-pull and returns the ID it prints. Its progress goes
// on to stderr as it comes; its error line becomes ctr-run's error, with
// ctr-pull's exit code, so that the user sees one line, from ctr-run.
// A signal to ctr-run (ctx) reaches ctr-pull as SIGTERM: it removes
// what it staged; one that does not end within WaitDelay is killed.
func pullWith(ctx context.Context, tool string, args, env []string, stderr io.Writer) (string, error) {
	cmd := exec.CommandContext(ctx, tool, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 30 * time.Second
	var out bytes.Buffer
	relay := &progressRelay{out: stderr}
	cmd.Stdout, cmd.Stderr = &out, relay
	err := cmd.Run()
	relay.flush()
	if err == nil {
		id := strings.TrimSpace(out.String())
		if id == "" || strings.ContainsAny(id, " \n") {
			return "", fmt.Errorf("%s printed %q, not one image ID", tool, id)
		}
		return id, nil
	}
	msg := strings.Join(relay.failure, "; ")
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() < 0 || msg == "" {
		return "", fmt.Errorf("%s: %w", tool, err)
	}
	if ee.ExitCode() == cli.ExitUsage {
		return "", errdefs.Usagef("%s", msg)
	}
	return "", exit.WithCode(ee.ExitCode(), errors.New(msg))
}

// progressRelay passes ctr-pull's stderr on line by line and holds back
// its error lines ("ctr-pull: …"), the failure it reports.
type progressRelay struct {
	out     io.Writer
	partial []byte
	failure []string
}

func (r *progressRelay) Write(p []byte) (int, error) {
	r.partial = append(r.partial, p...)
	for {
		i := bytes.IndexByte(r.partial, '\n')
		if i < 0 {
			break
		}
		r.line(string(r.partial[:i]))
		r.partial = r.partial[i+1:]
	}
	return len(p), nil
}

// flush passes on a last line without a newline.
func (r *progressRelay) flush() {
	if len(r.partial) > 0 {
		r.line(string(r.partial))
		r.partial = nil
	}
}

func (r *progressRelay) line(l string) {
	if msg, ok := strings.CutPrefix(l, "ctr-pull: "); ok {
		r.failure = append(r.failure, msg)
		return
	}
	fmt.Fprintln(r.out, l)
}
