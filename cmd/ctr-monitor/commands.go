package main

import (
	"bufio"
	"cmp"
	"errors"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ctr-project/ctr/lib/monitor"
)

// commands read what monitors record for ctr-run's containers.
var commands = map[string]func(*globals, []string) int{
	"logs":   logsCommand,
	"wait":   waitCommand,
	"attach": attachCommand,
	"events": eventsCommand,
}

// commandFlags are the subcommands' options.
type commandFlags struct {
	follow, noStdin, json bool
	tail                  int64
	since                 string
}

func (f *commandFlags) options() []option {
	return []option{
		{long: "follow", short: 'f', usage: "logs, events: keep printing until the container exits", set: flag(&f.follow)},
		{long: "tail", arg: "N", usage: "logs: print the last N lines only", set: integer(&f.tail)},
		{long: "since", arg: "TIME", usage: "logs: lines logged after TIME (RFC 3339) or DURATION ago", set: str(&f.since)},
		{long: "no-stdin", usage: "attach: do not send stdin to the container", set: flag(&f.noStdin)},
		{long: "json", usage: "events: one JSON object per line", set: flag(&f.json)},
	}
}

func commandOptions() []option { return new(commandFlags).options() }

// container parses a command's options and resolves its one CONTAINER.
func (g *globals) container(args []string, f *commandFlags) (monitor.Store, string, error) {
	f.tail = -1
	rest, err := parse(f.options(), args)
	if err != nil {
		return monitor.Store{}, "", err
	}
	if len(rest) != 1 {
		return monitor.Store{}, "", usagef("want one CONTAINER")
	}
	runRoot := cmp.Or(g.runroot, "/run/containers/storage")
	root := cmp.Or(g.root, "/var/lib/containers/storage")
	s := monitor.Store{Dir: monitor.StateDir(runRoot), Persist: monitor.PersistDir(root)}
	id, err := s.Resolve(rest[0])
	return s, id, err
}

// interrupted is closed on SIGINT or SIGTERM.
func interrupted() <-chan struct{} {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { <-ch; close(done) }()
	return done
}

func logsCommand(g *globals, args []string) int {
	var f commandFlags
	s, id, err := g.container(args, &f)
	if err != nil {
		return fail(err)
	}
	o := monitor.LogOptions{Follow: f.follow, Tail: int(f.tail)}
	if f.since != "" {
		if d, err := time.ParseDuration(f.since); err == nil {
			o.Since = time.Now().Add(-d)
		} else if o.Since, err = time.Parse(time.RFC3339Nano, f.since); err != nil {
			return fail(usagef("--since ", strconv.Quote(f.since), ": want a time (RFC 3339) or a duration"))
		}
	}
	out := bufio.NewWriterSize(os.Stdout, 64*1024)
	err = s.Logs(id, o, flushing{out}, interrupted())
	if ferr := out.Flush(); err == nil {
		err = ferr
	}
	if err != nil {
		return fail(err)
	}
	return 0
}

// flushing flushes after each write when following, so lines appear as
// they come; a plain dump stays buffered.
type flushing struct{ *bufio.Writer }

func (w flushing) Write(p []byte) (int, error) {
	n, err := w.Writer.Write(p)
	if err == nil && w.Buffered() > 0 && len(p) < 4096 {
		err = w.Flush()
	}
	return n, err
}

func waitCommand(g *globals, args []string) int {
	var f commandFlags
	s, id, err := g.container(args, &f)
	if err != nil {
		return fail(err)
	}
	status, err := s.Wait(id, interrupted())
	if err != nil {
		return fail(err)
	}
	os.Stdout.WriteString(strconv.Itoa(status) + "\n")
	return status
}

func attachCommand(g *globals, args []string) int {
	var f commandFlags
	s, id, err := g.container(args, &f)
	if err != nil {
		return fail(err)
	}
	bundle := filepath.Join(s.Dir, id) // the attach socket: run state
	o := monitor.AttachOptions{Stdout: os.Stdout, Stderr: os.Stderr}
	if !f.noStdin {
		o.Stdin = os.Stdin
	}
	if t, err := unix.IoctlGetTermios(0, unix.TCGETS); err == nil && !f.noStdin {
		// A terminal: raw, so keys reach the container; ctrl-p ctrl-q
		// detaches; the container's pty follows the window's size.
		raw := *t
		raw.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
		raw.Oflag &^= unix.OPOST
		raw.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
		raw.Cflag &^= unix.CSIZE | unix.PARENB
		raw.Cflag |= unix.CS8
		raw.Cc[unix.VMIN], raw.Cc[unix.VTIME] = 1, 0
		_ = unix.IoctlSetTermios(0, unix.TCSETS, &raw)
		// Best effort: a terminal that cannot be restored says so itself.
		defer func() { _ = unix.IoctlSetTermios(0, unix.TCSETS, t) }()
		o.DetachKeys = []byte{16, 17}
		resize := func() {
			if ws, err := unix.IoctlGetWinsize(0, unix.TIOCGWINSZ); err == nil {
				_ = monitor.SendCtl(bundle, 1, int(ws.Row), int(ws.Col))
			}
		}
		resize()
		winch := make(chan os.Signal, 1)
		signal.Notify(winch, syscall.SIGWINCH)
		go func() {
			for range winch {
				resize()
			}
		}()
	}
	err = monitor.Attach(bundle, o)
	if errors.Is(err, monitor.ErrDetached) {
		return 0
	}
	if err != nil {
		if errors.Is(err, unix.ECONNREFUSED) || errors.Is(err, unix.ENOENT) {
			return fail(errors.New("container " + id[:12] + " is not running"))
		}
		return fail(err)
	}
	// The container's output is over; its status is the session's.
	status, err := s.Wait(id, interrupted())
	if err != nil {
		return fail(err)
	}
	return status
}

func eventsCommand(g *globals, args []string) int {
	var f commandFlags
	s, id, err := g.container(args, &f)
	if err != nil {
		return fail(err)
	}
	file, err := os.Open(monitor.EventsFile(filepath.Join(s.Dir, id)))
	if err != nil {
		return fail(err)
	}
	defer file.Close()
	done := interrupted()
	r := bufio.NewReader(file)
	var partial string
	for {
		line, err := r.ReadString('\n')
		if err == io.EOF {
			partial += line
			if !f.follow {
				return 0
			}
			if err := s.Gone(id); err != nil {
				return fail(err)
			}
			select {
			case <-done:
				return 0
			case <-time.After(100 * time.Millisecond):
			}
			continue
		}
		if err != nil {
			return fail(err)
		}
		line, partial = partial+line, ""
		e, ok := monitor.ParseEvent(line)
		if !ok {
			continue
		}
		if f.json {
			os.Stdout.Write(e.JSON(id))
		} else {
			os.Stdout.WriteString(strings.TrimSpace(line) + "\n")
		}
		if e.Kind == "exited" && f.follow {
			return 0
		}
	}
}

// relPath says whether path lies inside dir.
func relPath(dir, path string) (bool, error) {
	rel, err := filepath.Rel(filepath.Clean(dir), filepath.Clean(path))
	if err != nil {
		return false, err
	}
	return rel != ".." && !strings.HasPrefix(rel, "../"), nil
}
