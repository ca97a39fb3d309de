package run

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// aliveChild is awaitEnd's check for a child of the test: ended once
// reaped or a zombie.
func aliveChild(pid int) func() bool {
	return func() bool {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return false
		}
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		return len(f) > 0 && f[0] != "Z"
	}
}

func TestAwaitEnd(t *testing.T) {
	cmd := exec.Command("sleep", "10")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill() //nolint:errcheck // the process may be gone
	pid := cmd.Process.Pid
	t0 := time.Now()
	if awaitEnd(context.Background(), pid, aliveChild(pid), 100*time.Millisecond) {
		t.Fatal("a running process was taken for ended")
	}
	if d := time.Since(t0); d < 100*time.Millisecond || d > 2*time.Second {
		t.Fatalf("waited %v for a timeout of 100ms", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	if awaitEnd(ctx, pid, aliveChild(pid), 10*time.Second) {
		t.Fatal("a running process was taken for ended after ctx ended")
	}
	time.AfterFunc(50*time.Millisecond, func() { _ = cmd.Process.Kill() })
	t0 = time.Now()
	if !awaitEnd(context.Background(), pid, aliveChild(pid), 10*time.Second) {
		t.Fatal("the end of a killed process was not seen")
	}
	if d := time.Since(t0); d > 2*time.Second {
		t.Fatalf("the end took %v to be seen", d)
	}
	_ = cmd.Wait()
	if !awaitEnd(context.Background(), pid, aliveChild(pid), time.Second) {
		t.Fatal("a reaped process was not taken for ended")
	}
}
