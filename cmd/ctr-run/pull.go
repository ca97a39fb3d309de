package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ctr-project/ctr/cmd/internal/cli"
	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/exit"
	"github.com/ctr-project/ctr/lib/run"
)

// puller pulls through ctr-pull (found beside ctr-run), with ctr-run's
// storage and registry flags: ctr-run does not link containers/image's
// transports, whose start-up cost every run would pay.
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
// what it staged.
func pullWith(ctx context.Context, tool string, args, env []string, stderr io.Writer) (string, error) {
	cmd := exec.CommandContext(ctx, tool, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 30 * time.Second
	var out bytes.Buffer
	cmd.Stdout = &out
	errPipe, err := cmd.StderrPipe()
	if err != nil {
		return "", err
	}
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("running %s: %w", tool, err)
	}
	var wg sync.WaitGroup
	var failure []string
	wg.Add(1)
	go func() {
		defer wg.Done()
		failure = relayProgress(errPipe, stderr)
	}()
	wg.Wait()
	err = cmd.Wait()
	if err == nil {
		id := strings.TrimSpace(out.String())
		if id == "" || strings.ContainsAny(id, " \n") {
			return "", fmt.Errorf("%s printed %q, not one image ID", tool, id)
		}
		return id, nil
	}
	msg := strings.Join(failure, "; ")
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() < 0 || msg == "" {
		return "", fmt.Errorf("%s: %w", tool, err)
	}
	if ee.ExitCode() == cli.ExitUsage {
		return "", errdefs.Usagef("%s", msg)
	}
	return "", exit.WithCode(ee.ExitCode(), errors.New(msg))
}

// relayProgress copies ctr-pull's stderr to stderr line by line and
// returns its error lines ("ctr-pull: …"), which it holds back.
func relayProgress(r io.Reader, stderr io.Writer) []string {
	var failure []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if msg, ok := strings.CutPrefix(line, "ctr-pull: "); ok {
			failure = append(failure, msg)
			continue
		}
		fmt.Fprintln(stderr, line)
	}
	_, _ = io.Copy(io.Discard, r) // a line over 1 MiB: drain, do not block ctr-pull
	return failure
}
