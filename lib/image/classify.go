package image

import (
	"errors"
	"io"
	"io/fs"
	"net"
	"net/http"
	"strings"
	"syscall"

	"github.com/docker/distribution/registry/api/errcode"
	v2 "github.com/docker/distribution/registry/api/v2"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/oci/layout"
	istorage "go.podman.io/image/v5/storage"

	"github.com/ctr-project/ctr/lib/errdefs"
)

// Classify is classify, for the tools that talk to registries through
// containers/image without this package's copies (login).
func Classify(err error) error { return classify(err) }

// classify marks an error from containers/image with the errdefs kind that
// decides the exit code. Errors it does not recognise stay plain failures.
func classify(err error) error {
	switch {
	case err == nil:
		return nil
	case errdefs.HasKind(err):
		return err // classified where more was known
	case isNotFound(err):
		return errdefs.WithKind(errdefs.ErrNotFound, err)
	case isBadData(err):
		return errdefs.WithKind(errdefs.ErrBadData, err)
	case isTemporary(err):
		return errdefs.WithKind(errdefs.ErrTemporary, err)
	}
	return err
}

func isNotFound(err error) bool {
	if errors.Is(err, istorage.ErrNoSuchImage) || errors.Is(err, fs.ErrNotExist) {
		return true
	}
	if _, ok := errors.AsType[layout.ImageNotFoundError](err); ok {
		return true
	}
	var ec errcode.ErrorCoder
	if errors.As(err, &ec) {
		switch ec.ErrorCode() {
		case v2.ErrorCodeManifestUnknown, v2.ErrorCodeNameUnknown:
			return true
		}
	}
	if e, ok := errors.AsType[docker.UnexpectedHTTPStatusError](err); ok && e.StatusCode == http.StatusNotFound {
		return true
	}
	return false
}

// isBadData recognises content that does not match what describes it.
// containers/image reports these with untyped errors, so the messages are
// matched; they have been stable across many releases.
func isBadData(err error) bool {
	msg := err.Error()
	for _, s := range []string{"Digest did not match", "digest mismatch", "Size mismatch", "size mismatch"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// isTemporary recognises failures worth retrying: the network, a registry
// that is overloaded or briefly broken, rate limiting.
func isTemporary(err error) bool {
	if errors.Is(err, docker.ErrTooManyRequests) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	for _, errno := range []syscall.Errno{syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.EPIPE, syscall.ETIMEDOUT, syscall.EHOSTUNREACH, syscall.ENETUNREACH} {
		if errors.Is(err, errno) {
			return true
		}
	}
	if _, ok := errors.AsType[*net.OpError](err); ok {
		return true
	}
	if _, ok := errors.AsType[*net.DNSError](err); ok {
		return true
	}
	if e, ok := errors.AsType[net.Error](err); ok && e.Timeout() {
		return true
	}
	if e, ok := errors.AsType[docker.UnexpectedHTTPStatusError](err); ok {
		return e.StatusCode == http.StatusRequestTimeout || e.StatusCode == http.StatusTooManyRequests || e.StatusCode >= 500
	}
	var ec errcode.ErrorCoder
	if errors.As(err, &ec) {
		switch ec.ErrorCode() {
		case errcode.ErrorCodeUnavailable, errcode.ErrorCodeTooManyRequests:
			return true
		}
	}
	return false
}
