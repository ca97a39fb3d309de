package cri

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"google.golang.org/grpc"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Serve serves both CRI services on the unix socket at path until ctx
// ends, then stops gracefully and removes the socket. A socket left by a
// daemon that died is replaced; one a live daemon answers on is refused.
// opts add to the server's options (interceptors).
func Serve(ctx context.Context, path string, rs *RuntimeService, is *ImageService, opts ...grpc.ServerOption) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	if c, err := net.Dial("unix", path); err == nil {
		c.Close()
		return fmt.Errorf("%s: another daemon serves there", path)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	l, err := net.Listen("unix", path)
	if err != nil {
		return err
	}
	defer os.Remove(path)
	if err := os.Chmod(path, 0o600); err != nil {
		l.Close()
		return err
	}
	srv := grpc.NewServer(append([]grpc.ServerOption{grpc.MaxRecvMsgSize(16 << 20), grpc.MaxSendMsgSize(16 << 20)}, opts...)...)
	runtimeapi.RegisterRuntimeServiceServer(srv, rs)
	runtimeapi.RegisterImageServiceServer(srv, is)
	stopped := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			rs.endStreams()
			stopGracefully(srv, stopGrace)
		case <-stopped:
		}
	}()
	err = srv.Serve(l)
	close(stopped)
	if errors.Is(err, grpc.ErrServerStopped) {
		return nil
	}
	return err
}

// stopGrace is how long the requests in flight may take to finish once
// the daemon is told to stop; then they are cancelled (a pull removes
// what it staged, a sandbox half-made is removed by the next start).
const stopGrace = 10 * time.Second

// stopGracefully lets the requests in flight finish, for grace at most:
// GracefulStop alone waits for as long as any client keeps a stream open.
func stopGracefully(srv *grpc.Server, grace time.Duration) {
	done := make(chan struct{})
	go func() {
		srv.GracefulStop()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(grace):
		srv.Stop()
		<-done
	}
}
