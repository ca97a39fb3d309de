package run

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// session is bash -c script started as the leader of a session of its
// own, as the runtime starts an exec'd process, its stdout through
// execOutputs into out. The script writes PIDs of its own to fd 3, a
// line; pids has them, killed at the test's end whatever happens.
type session struct {
	cmd  *exec.Cmd
	out  *execOutputs
	buf  bytes.Buffer
	pids []int
}

func startSession(t *testing.T, script string) *session {
	t.Helper()
	s := &session{out: &execOutputs{}}
	s.cmd = exec.Command("bash", "-c", script)
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	w, err := s.out.file(&s.buf)
	if err != nil {
		t.Fatal(err)
	}
	s.cmd.Stdout = w
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	s.cmd.ExtraFiles = []*os.File{pw}
	err = s.cmd.Start()
	pw.Close()
	if err != nil {
		s.out.close()
		t.Fatal(err)
	}
	s.out.start()
	line, _ := bufio.NewReader(pr).ReadString('\n')
	for _, f := range strings.Fields(line) {
		if p, err := strconv.Atoi(f); err == nil {
			s.pids = append(s.pids, p)
		}
	}
	t.Cleanup(func() {
		for _, p := range s.pids {
			_ = syscall.Kill(p, syscall.SIGKILL)
		}
		_ = s.cmd.Process.Kill()
		s.out.abandon()
		s.out.wait()
	})
	return s
}

// gone waits up to 5 s for every pid to have ended.
func gone(t *testing.T, pids []int) {
	t.Helper()
	for _, p := range pids {
		for i := 0; alive(p); i++ {
			if i == 500 {
				t.Fatalf("process %d is still alive", p)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// TestExecOutputsAbandon: a child left in the background holds the
// output after the command has exited (issue 24: `sleep 20 & echo hi`
// kept an ExecSync of 2 s for 20); the copy waits for it, until
// abandon, which ends it at once with what was written.
func TestExecOutputsAbandon(t *testing.T) {
	s := startSession(t, `sleep 30 & echo $! >&3; echo hi`)
	if err := s.cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	waited := make(chan struct{})
	go func() {
		s.out.wait()
		close(waited)
	}()
	select {
	case <-waited:
		t.Fatal("the copy ended while the child holds the pipe")
	case <-time.After(200 * time.Millisecond):
	}
	t0 := time.Now()
	s.out.abandon()
	select {
	case <-waited:
	case <-time.After(2 * time.Second):
		t.Fatal("abandon did not end the copy")
	}
	if d := time.Since(t0); d > 500*time.Millisecond {
		t.Errorf("abandon took %v", d)
	}
	if s.buf.String() != "hi\n" {
		t.Errorf("got %q, want what was written before", s.buf.String())
	}
}

// otherSession is a process in a session of its own, which a kill of
// another session must spare; stopped when the test ends.
func otherSession(t *testing.T) *exec.Cmd {
	t.Helper()
	other := exec.Command("sleep", "30")
	other.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = other.Process.Kill(); _ = other.Wait() })
	return other
}

// TestKillSession: the exec'd process's group and session go, its
// leader gone already (the orphaned `sleep &`) or not, job-control
// groups of the session too; a process of another session stays.
func TestKillSession(t *testing.T) {
	other := otherSession(t)

	// The leader exits at once: its child stays in the group.
	orphan := startSession(t, `sleep 30 & echo $! >&3`)
	leader := orphan.cmd.Process.Pid
	if err := orphan.cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	if len(orphan.pids) != 1 || !alive(orphan.pids[0]) {
		t.Fatalf("the orphan %v is not running", orphan.pids)
	}
	killSession(leader)
	gone(t, orphan.pids)
	orphan.out.wait() // the pipe's last writer is gone

	// A job-control shell puts its jobs in groups of their own.
	jobs := startSession(t, `set -m; sleep 30 & a=$!; sleep 31 & echo $a $! >&3; wait`)
	if len(jobs.pids) != 2 {
		t.Fatalf("jobs %v", jobs.pids)
	}
	for _, p := range jobs.pids {
		if pg, _ := syscall.Getpgid(p); pg == jobs.cmd.Process.Pid {
			t.Fatalf("job %d is in the leader's group: the test shows nothing", p)
		}
	}
	killSession(jobs.cmd.Process.Pid)
	_ = jobs.cmd.Wait()
	gone(t, jobs.pids)
	jobs.out.wait()

	if !alive(other.Process.Pid) {
		t.Error("a process of another session was killed")
	}
}

// TestKillSessionRefusesInit: PID 1 and our own are never a group to
// kill (kill(-1) is every process).
func TestKillSessionRefusesInit(t *testing.T) {
	killSession(1)
	killSession(0)
	killSession(-5)
	killSession(os.Getpid())
}

// TestKillLeftovers: after the exec'd process was reaped (the runtime had
// exited by the deadline), what it left in its session is killed, found
// by the PID the runtime wrote; another session's process stays.
func TestKillLeftovers(t *testing.T) {
	other := otherSession(t)
	orphan := startSession(t, `sleep 30 & echo $! >&3`)
	if err := orphan.cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	pidFile := filepath.Join(t.TempDir(), "pid")
	if err := os.WriteFile(pidFile, []byte(strconv.Itoa(orphan.cmd.Process.Pid)), 0o600); err != nil {
		t.Fatal(err)
	}
	killLeftovers(pidFile)
	gone(t, orphan.pids)
	orphan.out.wait()
	if !alive(other.Process.Pid) {
		t.Error("a process of another session was killed")
	}
}
