package monitor

import (
	"bufio"
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fakeRuntime is an OCI runtime as far as a monitor can tell: "create" or
// "exec" starts $FAKE_CMD in the background with the stdio it was given,
// writes its PID and exits; $FAKE_FAIL makes it fail as a runtime does.
const fakeRuntime = `#!/bin/sh
pidfile=
while [ $# -gt 1 ]; do
	case $1 in
	--pid-file) pidfile=$2; shift ;;
	--bundle|--process|--console-socket|--root|--log|--log-format) shift ;;
	esac
	shift
done
if [ -n "$FAKE_FAIL" ]; then echo "$FAKE_FAIL" >&2; exit 1; fi
# A background job's stdin would be /dev/null: keep ours. The process
# waits for this script to exit first: a shell reaps its own children,
# and a status must reach the monitor, as with a real runtime.
exec 3<&0
sh -c "sleep 0.1; $FAKE_CMD" <&3 3<&- &
echo $! >"$pidfile"
`

// startMonitor runs Supervise for cmd in the background and returns the
// bundle, the first sync record and a channel with Supervise's result.
func startMonitor(t *testing.T, cmd string, edit func(*Config)) (string, *bufio.Reader, string, chan error) {
	t.Helper()
	dir := t.TempDir()
	rt := filepath.Join(dir, "runtime")
	if err := os.WriteFile(rt, []byte(fakeRuntime), 0o755); err != nil {
		t.Fatal(err)
	}
	bundle := filepath.Join(dir, "bundle")
	if err := os.Mkdir(bundle, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("FAKE_CMD", cmd)
	syncR, syncW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syncR.Close() })
	cfg := Config{ID: "c1", Runtime: rt, Bundle: bundle, ExitDir: filepath.Join(dir, "exits"), PersistDir: filepath.Join(dir, "persist"), Sync: syncW}
	if edit != nil {
		edit(&cfg)
	}
	done := make(chan error, 1)
	go func() {
		_, err := Supervise(cfg)
		syncW.Close()
		done <- err
	}()
	r := bufio.NewReader(syncR)
	line, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("no sync record: %v", err)
	}
	return bundle, r, line, done
}

func waitDone(t *testing.T, done chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(20 * time.Second):
		t.Fatal("the monitor did not finish")
		return nil
	}
}

func TestAttachFramingStdinAndRecords(t *testing.T) {
	bundle, _, line, done := startMonitor(t, `read x; echo "out $x"; echo err >&2; printf partial; exit 3`,
		func(c *Config) { c.Stdin = true })
	if !strings.HasPrefix(line, `{"data":`) || strings.HasPrefix(line, `{"data":-1`) {
		t.Fatalf("sync record %q", line)
	}
	conn, err := net.DialUnix("unixpacket", nil, &net.UnixAddr{Name: AttachSocket(bundle), Net: "unixpacket"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("hi\n")); err != nil {
		t.Fatal(err)
	}
	var got [][]byte
	buf := make([]byte, 1+MaxPiece)
	for {
		n, err := conn.Read(buf)
		if err != nil || n == 0 {
			break
		}
		got = append(got, append([]byte(nil), buf[:n]...))
	}
	if err := waitDone(t, done); err != nil {
		t.Fatal(err)
	}
	// Each packet: a stream byte (2 stdout, 3 stderr), then one read's data.
	var stdout, stderr []byte
	for _, p := range got {
		switch p[0] {
		case 2:
			stdout = append(stdout, p[1:]...)
		case 3:
			stderr = append(stderr, p[1:]...)
		default:
			t.Fatalf("packet with stream byte %d: %q", p[0], p)
		}
	}
	if string(stdout) != "out hi\npartial" || string(stderr) != "err\n" {
		t.Errorf("attach got stdout %q stderr %q", stdout, stderr)
	}
	exit, _ := os.ReadFile(filepath.Join(filepath.Dir(bundle), "exits", "c1"))
	persist, _ := os.ReadFile(filepath.Join(filepath.Dir(bundle), "persist", "exit"))
	if string(exit) != "3" || string(persist) != "3" {
		t.Errorf("exit files %q %q, want 3", exit, persist)
	}
	log, _ := os.ReadFile(filepath.Join(bundle, "ctr.log"))
	for _, want := range []string{" stdout F out hi\n", " stderr F err\n", " stdout P partial\n"} {
		if !bytes.Contains(log, []byte(want)) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	ev, _ := os.ReadFile(EventsFile(bundle))
	lines := strings.Split(strings.TrimSpace(string(ev)), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], " started ") || !strings.HasSuffix(lines[1], " exited 3") {
		t.Errorf("events:\n%s", ev)
	}
}

func TestExecTimeoutKillsTheProcessGroup(t *testing.T) {
	start := time.Now()
	_, r, line, done := startMonitor(t, `sleep 30 & sleep 30`, func(c *Config) {
		c.Exec, c.ExecProcess, c.Timeout, c.NoLog = true, "/dev/null", 500*time.Millisecond, true
	})
	pid, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(line, `{"data":`), "}\n"))
	if err != nil {
		t.Fatalf("sync record %q", line)
	}
	last, _ := r.ReadString('\n')
	if err := waitDone(t, done); err != nil {
		t.Fatal(err)
	}
	if last != `{"data":-1,"message":"command timed out"}`+"\n" {
		t.Errorf("exec result %q", last)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v", d)
	}
	if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err == nil {
		t.Errorf("process %d still there", pid)
	}
}

func TestExecReportsTheStatus(t *testing.T) {
	_, r, _, done := startMonitor(t, `exit 7`, func(c *Config) { c.Exec, c.ExecProcess = true, "/dev/null" })
	last, _ := r.ReadString('\n')
	if err := waitDone(t, done); err != nil {
		t.Fatal(err)
	}
	if last != `{"data":7}`+"\n" {
		t.Errorf("exec result %q", last)
	}
}

func TestRuntimeFailureGoesToTheSyncPipe(t *testing.T) {
	t.Setenv("FAKE_FAIL", `container "c1": "quoted" failure`)
	_, _, line, done := startMonitor(t, `true`, nil)
	if err := waitDone(t, done); err == nil {
		t.Error("no error from Supervise")
	}
	if want := `{"data":-1,"message":"container \"c1\": \"quoted\" failure"}` + "\n"; line != want {
		t.Errorf("sync record %q, want %q", line, want)
	}
}

func TestExitCommandRunsAfterTheExitFile(t *testing.T) {
	var out string
	bundle, _, _, done := startMonitor(t, `exit 0`, func(c *Config) {
		out = filepath.Join(filepath.Dir(c.Bundle), "exit-command-saw")
		c.ExitCommand = "/bin/sh"
		c.ExitArgs = []string{"-c", `cat "$1" >"$2"`, "sh", filepath.Join(c.ExitDir, c.ID), out}
	})
	if err := waitDone(t, done); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out)
	if err != nil || string(got) != "0" {
		t.Errorf("exit command saw %q (%v)", got, err)
	}
	_ = bundle
}

// A removal's SkipExitCommand, written while the container runs, keeps
// the exit command from running; a marker left by an earlier run does not.
func TestSkipExitCommand(t *testing.T) {
	for _, stale := range []bool{false, true} {
		var out, bundleDir string
		_, _, _, done := startMonitor(t, `sleep 0.5`, func(c *Config) {
			out = filepath.Join(filepath.Dir(c.Bundle), "exit-command-ran")
			bundleDir = c.Bundle
			c.ExitCommand = "/bin/sh"
			c.ExitArgs = []string{"-c", `touch "$1"`, "sh", out}
			if stale {
				if err := SkipExitCommand(c.Bundle); err != nil {
					t.Fatal(err)
				}
			}
		})
		if !stale {
			time.Sleep(100 * time.Millisecond)
			if err := SkipExitCommand(bundleDir); err != nil {
				t.Fatal(err)
			}
		}
		if err := waitDone(t, done); err != nil {
			t.Fatal(err)
		}
		_, err := os.Stat(out)
		if ran := err == nil; ran != stale {
			t.Errorf("stale marker %v: the exit command ran: %v", stale, ran)
		}
	}
}

func TestCtlReopensTheLog(t *testing.T) {
	bundle, _, _, done := startMonitor(t, `echo before; sleep 1; echo after`, nil)
	log := filepath.Join(bundle, "ctr.log")
	time.Sleep(300 * time.Millisecond)
	if err := os.Rename(log, log+".old"); err != nil {
		t.Fatal(err)
	}
	if err := SendCtl(bundle, 2, 0, 0); err != nil {
		t.Fatal(err)
	}
	if err := waitDone(t, done); err != nil {
		t.Fatal(err)
	}
	old, _ := os.ReadFile(log + ".old")
	cur, _ := os.ReadFile(log)
	if !bytes.Contains(old, []byte("F before")) || !bytes.Contains(cur, []byte("F after")) || bytes.Contains(cur, []byte("before")) {
		t.Errorf("old log:\n%s\nnew log:\n%s", old, cur)
	}
}

func TestJSONString(t *testing.T) {
	got := string(jsonString(nil, "a\"b\\c\n\t\x01<\xff"))
	if want := `"a\"b\\c\n\t\u0001\u003c\ufffd"`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
