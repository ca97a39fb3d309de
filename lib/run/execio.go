package run

import (
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// execOutputs are an exec's stdout and stderr when they are not files:
// pipes of our own, copied to the writers by goroutines we can stop.
// exec.Cmd's own copies make Wait wait for as long as anything holds the
// pipe (a child the command left in the background: `sleep 20 & echo hi`
// kept an ExecSync of 2 s for 20), and its WaitDelay counts from the
// runtime's exit, not from the deadline.
type execOutputs struct {
	pipes []*outPipe
}

// outPipe is one output: the pipe and where it goes.
type outPipe struct {
	r, w *os.File
	dst  io.Writer
	done chan struct{}
}

// file is what the runtime gets for an output that goes to dst: dst
// itself if it is a file, else the write end of a pipe to it (one pipe
// for both outputs when they go to one writer, as exec.Cmd shares one:
// two copies would write to it at once).
func (o *execOutputs) file(dst io.Writer) (*os.File, error) {
	if f, ok := dst.(*os.File); ok {
		return f, nil
	}
	for _, p := range o.pipes {
		if p.dst == dst {
			return p.w, nil
		}
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	o.pipes = append(o.pipes, &outPipe{r: r, w: w, dst: dst, done: make(chan struct{})})
	return w, nil
}

// start copies the pipes once the runtime has started: our write ends
// are closed, so that the copies end when the last writer in the
// container has gone.
func (o *execOutputs) start() {
	for _, p := range o.pipes {
		p.w.Close()
		go func() {
			defer close(p.done)
			_, _ = io.Copy(p.dst, p.r)
			// After a write error too: a writer then gets EPIPE rather
			// than blocking on a full pipe no one reads.
			p.r.Close()
		}()
	}
}

// close releases the pipes of a runtime that did not start.
func (o *execOutputs) close() {
	for _, p := range o.pipes {
		p.r.Close()
		p.w.Close()
	}
}

// abandon stops the copies now, whoever still holds the pipes.
func (o *execOutputs) abandon() {
	for _, p := range o.pipes {
		_ = p.r.SetReadDeadline(time.Now())
	}
}

// wait returns once every copy has ended (the pipes' writers have all
// gone, or abandon was called).
func (o *execOutputs) wait() {
	for _, p := range o.pipes {
		<-p.done
	}
}

// killExec kills the exec'd process named in pidFile with what it
// started, waiting a little for the runtime to write the file if it has
// not yet. It says whether it found the PID.
func killExec(pidFile string) bool {
	for range 50 {
		if b, err := os.ReadFile(pidFile); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				killSession(pid)
				return true
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

// killLeftovers kills what the exec'd process named in pidFile left in
// its session, once it has been reaped itself: not its PID, nor the
// group or session of that number, which may be another's by now (a PID
// is not given again while a group or session of that ID has members, so
// the members found are the exec's).
func killLeftovers(pidFile string) {
	b, err := os.ReadFile(pidFile)
	if err != nil {
		return
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 || pid == os.Getpid() {
		return
	}
	killMembers(pid, pid)
}

// killSession kills pid, its process group and every process of its
// session. The runtime made the exec'd process the leader of a session
// and a process group of its own (libcontainer's nsexec calls setsid, as
// runc's does), so they hold it and its descendants, never the
// container's other processes: `sleep 20 &` of a shell is in its group,
// the jobs of a job-control shell in groups of its session. (conmon kills
// the exec's group likewise at its timeout.) A descendant that started a
// session of its own (a daemon) has left and is not killed. A group or
// session outlives its leader, and its ID, the leader's PID, is not
// given to another process while it has members.
func killSession(pid int) {
	if pid <= 1 || pid == os.Getpid() {
		return // kill(-1) would be every process; never our own
	}
	_ = unix.Kill(-pid, unix.SIGKILL) // the group at once: none of it forks after
	_ = unix.Kill(pid, unix.SIGKILL)
	killMembers(pid, 0)
}

// killMembers kills the processes of session sid but spare, again while
// new ones turn up (a member may have forked between the listing and its
// kill).
func killMembers(sid, spare int) {
	for range 10 {
		members := slices.DeleteFunc(sessionMembers(sid), func(p int) bool { return p == spare })
		if len(members) == 0 {
			return
		}
		for _, p := range members {
			_ = unix.Kill(p, unix.SIGKILL)
		}
	}
}

// sessionMembers lists the live processes of session sid, from /proc.
func sessionMembers(sid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if s, ok := procSession(pid); ok && s == sid {
			out = append(out, pid)
		}
	}
	return out
}

// procSession reads a live process's session ID from /proc/PID/stat.
func procSession(pid int) (int, bool) {
	f, ok := liveProcStat(pid)
	if !ok {
		return 0, false
	}
	sid, err := strconv.Atoi(f[3])
	return sid, err == nil
}
