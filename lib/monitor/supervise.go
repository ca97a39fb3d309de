package monitor

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Config describes the container a monitor supervises.
type Config struct {
	ID          string
	Runtime     string   // an OCI runtime with runc's command line
	RuntimeArgs []string // global runtime flags, before the verb
	Bundle      string
	PidFile     string // the container's PID (default: BUNDLE/pidfile)
	LogPath     string // CRI log (default: BUNDLE/ctr.log)
	LogSizeMax  int64
	LogMaxFiles int
	ExitDir     string // the exit file is EXITDIR/ID
	ExitCommand string
	ExitArgs    []string
	// Sync receives one JSON line once the container is created:
	// {"data":PID} or {"data":-1,"message":"…"} (conmon's protocol).
	Sync io.Writer
}

// syncMessage is conmon's sync-pipe record.
type syncMessage struct {
	Data    int    `json:"data"`
	Message string `json:"message,omitempty"`
}

// Supervise creates the container with the runtime (its stdout and stderr
// are pipes to this process), reports its PID on Sync, logs its output in
// the CRI format, reaps it, writes its exit status to the exit file and
// runs the exit command. It returns the container's exit status.
func Supervise(cfg Config) (int, error) {
	if cfg.PidFile == "" {
		cfg.PidFile = filepath.Join(cfg.Bundle, "pidfile")
	}
	if cfg.LogPath == "" {
		cfg.LogPath = filepath.Join(cfg.Bundle, "ctr.log")
	}
	// The container's init is reparented to us when the runtime exits.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return -1, fmt.Errorf("becoming a subreaper: %w", err)
	}
	log, err := OpenLog(cfg.LogPath, cfg.LogSizeMax, cfg.LogMaxFiles)
	if err != nil {
		return -1, report(cfg.Sync, -1, err)
	}
	defer log.Close()
	pid, outR, errR, err := create(cfg)
	if err != nil {
		return -1, report(cfg.Sync, -1, err)
	}
	oom := newOOMCounter(pid)
	oomBefore := oom.kills()
	if err := report(cfg.Sync, pid, nil); err != nil {
		return -1, err
	}
	var copies sync.WaitGroup
	for stream, r := range map[string]*os.File{"stdout": outR, "stderr": errR} {
		copies.Go(func() { copyToLog(log, stream, r) })
	}
	status := reapUntil(pid)
	// Read before the exit command can remove the cgroup.
	oomKilled := oom.kills() > oomBefore
	copies.Wait()
	if cfg.ExitDir != "" {
		if err := os.MkdirAll(cfg.ExitDir, 0o700); err != nil {
			return status, err
		}
		if oomKilled {
			// Before the exit file, so a reader that sees the status sees this too.
			if err := os.WriteFile(filepath.Join(cfg.ExitDir, cfg.ID+".oom"), nil, 0o644); err != nil {
				return status, err
			}
		}
		if err := writeExitFile(cfg.ExitDir, cfg.ID, status); err != nil {
			return status, err
		}
	}
	if cfg.ExitCommand != "" {
		cmd := exec.Command(cfg.ExitCommand, cfg.ExitArgs...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, nil, nil
		if err := cmd.Run(); err != nil {
			return status, fmt.Errorf("exit command: %w", err)
		}
	}
	return status, nil
}

func report(w io.Writer, pid int, err error) error {
	msg := syncMessage{Data: pid}
	if err != nil {
		msg.Message = strings.ReplaceAll(err.Error(), "\n", " ")
	}
	if w != nil {
		b, _ := json.Marshal(msg)
		if _, werr := w.Write(append(b, '\n')); werr != nil && err == nil {
			return werr
		}
	}
	return err
}

// create runs "RUNTIME create" with pipes for the container's stdio and
// returns the container's PID and the read ends.
func create(cfg Config) (int, *os.File, *os.File, error) {
	outR, outW, err := os.Pipe()
	if err != nil {
		return -1, nil, nil, err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		return -1, nil, nil, err
	}
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		return -1, nil, nil, err
	}
	defer devNull.Close()
	runtimeLog := filepath.Join(cfg.Bundle, "runtime.log")
	args := append(append([]string{}, cfg.RuntimeArgs...), "--log", runtimeLog, "--log-format", "json",
		"create", "--bundle", cfg.Bundle, "--pid-file", cfg.PidFile, cfg.ID)
	cmd := exec.Command(cfg.Runtime, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = devNull, outW, errW
	err = cmd.Run()
	// The container holds the write ends now; ours would keep the pipes
	// from ever reaching EOF.
	outW.Close()
	errW.Close()
	if err != nil {
		if msg := lastRuntimeError(runtimeLog); msg != "" {
			err = errors.New(msg)
		}
		return -1, nil, nil, fmt.Errorf("%s create: %w", filepath.Base(cfg.Runtime), err)
	}
	b, err := os.ReadFile(cfg.PidFile)
	if err != nil {
		return -1, nil, nil, err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return -1, nil, nil, fmt.Errorf("pid file %s: %w", cfg.PidFile, err)
	}
	return pid, outR, errR, nil
}

// lastRuntimeError is the last error a runtime logged in runc's JSON format.
func lastRuntimeError(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	msg := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e struct{ Level, Msg string }
		if json.Unmarshal(sc.Bytes(), &e) == nil && e.Level == "error" {
			msg = e.Msg
		}
	}
	return msg
}

func copyToLog(log *LogWriter, stream string, r *os.File) {
	defer r.Close()
	buf := make([]byte, MaxPiece)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			_ = log.Write(stream, buf[:n], time.Now())
		}
		if err != nil {
			return
		}
	}
}

// reapUntil reaps children until pid exits and returns its status (128+N
// for signal N).
func reapUntil(pid int) int {
	for {
		var ws unix.WaitStatus
		got, err := unix.Wait4(-1, &ws, 0, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return -1 // no children left: the container was never ours
		}
		if got != pid {
			continue
		}
		if ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ws.ExitStatus()
	}
}

// writeExitFile writes the status atomically: a reader sees all of it or
// no file.
func writeExitFile(dir, id string, status int) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp := filepath.Join(dir, "."+id)
	if err := os.WriteFile(tmp, []byte(strconv.Itoa(status)), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, id))
}
