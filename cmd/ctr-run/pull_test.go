package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/exit"
)

// fakePull writes a ctr-pull stand-in running script.
func fakePull(t *testing.T, script string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ctr-pull")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// Progress goes on to stderr; the printed ID comes back; the credentials
// reach ctr-pull through its environment, not its command line.
func TestPullWithRelaysProgressAndReturnsTheID(t *testing.T) {
	tool := fakePull(t, `echo "Copying blob 1" >&2; [ "$CTR_CREDS" = u:p ] || exit 9; echo "$*" | grep -q u:p && exit 8; echo 0123abcd`)
	var stderr bytes.Buffer
	id, err := pullWith(context.Background(), tool, []string{"--policy", "missing", "--", "x"}, []string{"CTR_CREDS=u:p"}, &stderr)
	if err != nil || id != "0123abcd" {
		t.Fatalf("pullWith = %q, %v", id, err)
	}
	if stderr.String() != "Copying blob 1\n" {
		t.Fatalf("stderr = %q", stderr.String())
	}
}

// ctr-pull's error line becomes ctr-run's error, with its exit code, and
// is not printed twice; a usage error (a name that resolves nowhere) keeps
// its kind for ctr-run's "image not known".
func TestPullWithKeepsTheErrorAndItsCode(t *testing.T) {
	for _, code := range []int{75, 2, 64, 65, 1} {
		c := struct{ code int }{code}
		tool := fakePull(t, `echo "Trying x" >&2; echo "ctr-pull: x: it failed" >&2; exit `+strconv.Itoa(c.code))
		var stderr bytes.Buffer
		_, err := pullWith(context.Background(), tool, nil, nil, &stderr)
		if err == nil || !strings.Contains(err.Error(), "x: it failed") || strings.Contains(err.Error(), "ctr-pull:") {
			t.Fatalf("exit %d: err = %v", c.code, err)
		}
		if code, ok := exit.Code(err); c.code != 64 && (!ok || code != c.code) {
			t.Errorf("exit %d: error's code = %d, %v", c.code, code, ok)
		}
		if c.code == 64 && !errors.Is(err, errdefs.ErrUsage) {
			t.Errorf("exit 64: %v is no usage error", err)
		}
		if stderr.String() != "Trying x\n" {
			t.Errorf("exit %d: stderr = %q", c.code, stderr.String())
		}
	}
}

// A ctr-pull that prints nothing useful is an error, not an empty ID.
func TestPullWithRefusesAnEmptyAnswer(t *testing.T) {
	if _, err := pullWith(context.Background(), fakePull(t, "exit 0"), nil, nil, &bytes.Buffer{}); err == nil {
		t.Fatal("an empty answer was taken as an ID")
	}
}

// A signal to ctr-run (its context) reaches ctr-pull as SIGTERM, so that
// it can remove what it staged; the pull then ends.
func TestPullWithPassesACancelOnAsSIGTERM(t *testing.T) {
	mark := filepath.Join(t.TempDir(), "termed")
	tool := fakePull(t, `trap 'echo > `+mark+`; exit 143' TERM; echo "Copying blob" >&2; while :; do sleep 0.05; done`)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	start := time.Now()
	_, err := pullWith(ctx, tool, nil, nil, &bytes.Buffer{})
	if err == nil {
		t.Fatal("a cancelled pull succeeded")
	}
	if _, serr := os.Stat(mark); serr != nil {
		t.Fatalf("ctr-pull got no SIGTERM (%v); pullWith: %v", serr, err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("the cancelled pull took %s", d)
	}
}
