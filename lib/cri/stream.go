package cri

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/cri-streaming/pkg/streaming"
	remotecommandserver "k8s.io/cri-streaming/pkg/streaming/remotecommand"
	utilexec "k8s.io/utils/exec"

	"github.com/ctr-project/ctr/lib/monitor"
	"github.com/ctr-project/ctr/lib/run"
)

// Streaming (exec, attach, port forwarding) goes through the kubelet's
// streaming server (k8s.io/cri-streaming, which CRI-O and containerd use):
// the gRPC call returns a URL on it, and the client speaks SPDY or
// websockets there. What the server does with a stream is streamRuntime's.

// StartStreaming serves the streaming server on addr (host:port; port 0
// for a free one) until ctx ends; the URLs it hands out name the address
// it got.
func (s *RuntimeService) StartStreaming(ctx context.Context, addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("the streaming server: %w", err)
	}
	cfg := streaming.DefaultConfig
	cfg.Addr = l.Addr().String()
	cfg.BaseURL = &url.URL{Scheme: "http", Host: cfg.Addr}
	srv, err := streaming.NewServer(cfg, &streamRuntime{s})
	if err != nil {
		l.Close()
		return err
	}
	s.stream = srv
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 30 * time.Second}
	go func() {
		<-ctx.Done()
		_ = hs.Close()
	}()
	go func() { _ = hs.Serve(l) }()
	return nil
}

// Exec hands out a URL where the client runs a command in a container
// with its streams.
func (s *RuntimeService) Exec(ctx context.Context, req *runtimeapi.ExecRequest) (*runtimeapi.ExecResponse, error) {
	if err := s.streamable(ctx, req.GetContainerId()); err != nil {
		return nil, err
	}
	if len(req.GetCmd()) == 0 {
		return nil, invalid("no command")
	}
	return s.stream.GetExec(req)
}

// Attach hands out a URL where the client attaches to a container's
// streams (its monitor's attach socket).
func (s *RuntimeService) Attach(ctx context.Context, req *runtimeapi.AttachRequest) (*runtimeapi.AttachResponse, error) {
	if err := s.streamable(ctx, req.GetContainerId()); err != nil {
		return nil, err
	}
	return s.stream.GetAttach(req)
}

// PortForward hands out a URL where the client reaches ports of a
// sandbox's network namespace.
func (s *RuntimeService) PortForward(ctx context.Context, req *runtimeapi.PortForwardRequest) (*runtimeapi.PortForwardResponse, error) {
	v, err := s.findSandbox(ctx, req.GetPodSandboxId())
	if err != nil {
		return nil, err
	}
	if !v.ready {
		return nil, status.Errorf(codes.FailedPrecondition, "pod sandbox %s is not ready", v.pod.ID)
	}
	return s.stream.GetPortForward(req)
}

// streamable checks that the container exists and runs.
func (s *RuntimeService) streamable(ctx context.Context, id string) error {
	if s.stream == nil {
		return status.Error(codes.Unavailable, "the streaming server is not running")
	}
	c, _, err := s.container(ctx, id)
	if err != nil {
		return err
	}
	if c.Status != run.StatusRunning {
		return status.Errorf(codes.FailedPrecondition, "container %s is not running", c.ID)
	}
	return nil
}

// streamRuntime is what the streaming server calls for each stream.
type streamRuntime struct{ s *RuntimeService }

// Exec runs the command with the client's streams; a status other than 0
// goes back to the client as the command's exit code.
func (r *streamRuntime) Exec(ctx context.Context, id string, cmd []string, in io.Reader, out, errw io.WriteCloser, tty bool, resize <-chan remotecommandserver.TerminalSize) error {
	o := run.ExecOptions{Args: cmd, TTY: tty, Interactive: in != nil, Stdin: in}
	// Unset writers are the streaming server's nil; run's nil would be
	// ours (the daemon's stderr).
	o.Stdout, o.Stderr = io.Discard, io.Discard
	if out != nil {
		o.Stdout = out
	}
	if errw != nil {
		o.Stderr = errw
	}
	// The runtime's own terminal keeps its size: the sizes are read and
	// dropped, so that the client is never held by a full channel.
	go onResize(ctx, resize, func(remotecommandserver.TerminalSize) {})
	code, err := r.s.Runs.Exec(ctx, id, o)
	if err != nil {
		return err
	}
	if code != 0 {
		return utilexec.CodeExitError{Err: fmt.Errorf("command %q exited with %d", cmd, code), Code: code}
	}
	return nil
}

// Attach copies the container's output from its monitor to the client,
// and the client's input to it; terminal sizes go to the monitor.
func (r *streamRuntime) Attach(ctx context.Context, id string, in io.Reader, out, errw io.WriteCloser, tty bool, resize <-chan remotecommandserver.TerminalSize) error {
	c, err := r.s.Runs.GetByID(ctx, id)
	if err != nil {
		return err
	}
	go onResize(ctx, resize, func(sz remotecommandserver.TerminalSize) {
		_ = monitor.SendCtl(c.Bundle, 1, int(sz.Height), int(sz.Width))
	})
	o := monitor.AttachOptions{Stdin: in}
	if out != nil {
		o.Stdout = out
	}
	if errw != nil {
		o.Stderr = errw
	}
	return monitor.Attach(c.Bundle, o)
}

// onResize calls fn with each terminal size the client sends, until ctx
// ends or the client stops sending.
func onResize(ctx context.Context, resize <-chan remotecommandserver.TerminalSize, fn func(remotecommandserver.TerminalSize)) {
	for {
		select {
		case <-ctx.Done():
			return
		case sz, ok := <-resize:
			if !ok {
				return
			}
			fn(sz)
		}
	}
}

// PortForward connects the stream to port on the sandbox's loopback: the
// connection is made from inside its network namespace (the host's, for
// a sandbox on the host's network).
func (r *streamRuntime) PortForward(ctx context.Context, podID string, port int32, stream io.ReadWriteCloser) error {
	defer stream.Close()
	v, err := r.s.findSandbox(ctx, podID)
	if err != nil {
		return err
	}
	p := v.pod
	addr := "127.0.0.1:" + strconv.Itoa(int(port))
	var conn net.Conn
	if v.config.GetLinux().GetSecurityContext().GetNamespaceOptions().GetNetwork() == runtimeapi.NamespaceMode_NODE {
		// On the host's network: its loopback is ours.
		conn, err = net.DialTimeout("tcp", addr, 10*time.Second)
	} else {
		infra, ierr := r.s.Runs.Get(ctx, p.InfraID)
		if ierr != nil || infra.Pid <= 0 {
			return fmt.Errorf("pod sandbox %s has no running infra", podID)
		}
		conn, err = dialInNetns("/proc/"+strconv.Itoa(infra.Pid)+"/ns/net", addr)
	}
	if err != nil {
		return fmt.Errorf("port %d of pod sandbox %s: %w", port, podID, err)
	}
	defer conn.Close()
	done := make(chan error, 2)
	go func() {
		_, err := io.Copy(conn, stream)
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		done <- err
	}()
	go func() {
		_, err := io.Copy(stream, conn)
		done <- err
	}()
	select {
	case err = <-done:
	case <-ctx.Done():
		err = ctx.Err()
	}
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// dialInNetns opens a TCP connection from inside the network namespace
// at nsPath: a socket belongs to the namespace it was made in, so only
// the dial needs a thread that entered it (and never leaves it: the
// thread is thrown away).
func dialInNetns(nsPath, addr string) (net.Conn, error) {
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		f, err := os.Open(nsPath)
		if err != nil {
			ch <- result{nil, err}
			return
		}
		defer f.Close()
		if err := unix.Unshare(unix.CLONE_FS); err != nil {
			ch <- result{nil, err}
			return
		}
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			ch <- result{nil, fmt.Errorf("entering the network namespace: %w", err)}
			return
		}
		c, err := net.DialTimeout("tcp", addr, 10*time.Second)
		ch <- result{c, err}
	}()
	r := <-ch
	return r.c, r.err
}
