// Command faultproxy stands between a tool and a test registry and makes
// the registry misbehave the way a real one does when it hangs: tests of
// stall timeouts and retries use it.
//
//	faultproxy -listen 127.0.0.1:PORT -upstream 127.0.0.1:PORT
//	           [-hang] [-stall-blob DIGEST -stall-times N] [-log FILE]
//
// -hang accepts every connection and never answers. -stall-blob sends the
// first half of that blob, then nothing more, for its first N GETs; later
// GETs pass. Every request is logged to -log as "METHOD PATH STATUS", where
// STATUS is "stalled" for a stalled GET.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
)

func main() {
	listen := flag.String("listen", "", "address to serve on")
	upstream := flag.String("upstream", "", "the registry's host:port")
	hang := flag.Bool("hang", false, "accept connections and never answer")
	stallBlob := flag.String("stall-blob", "", "stall GETs of this blob `DIGEST`")
	stallTimes := flag.Int("stall-times", 1, "stall the first `N` GETs of the blob")
	logPath := flag.String("log", "", "log requests to `FILE`")
	flag.Parse()
	if *listen == "" || (*upstream == "" && !*hang) {
		log.Fatal("usage: faultproxy -listen ADDR (-upstream ADDR | -hang) [-stall-blob DIGEST] [-stall-times N] [-log FILE]")
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	if *hang {
		hangForever(ln)
	}
	p := &proxy{
		up:    httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: *upstream}),
		blob:  *stallBlob,
		times: *stallTimes,
		log:   io.Discard,
	}
	if *logPath != "" {
		f, err := os.OpenFile(*logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			log.Fatal(err)
		}
		p.log = f
	}
	log.Fatal(http.Serve(ln, p))
}

// hangForever takes connections and reads what they send, answering
// nothing, until killed.
func hangForever(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go func() { _, _ = io.Copy(io.Discard, c) }()
	}
}

type proxy struct {
	up      *httputil.ReverseProxy
	blob    string
	times   int
	mu      sync.Mutex
	stalled int
	log     io.Writer
}

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p.blob != "" && r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/blobs/"+p.blob) && p.takeStall() {
		p.logf("%s %s stalled\n", r.Method, r.URL.Path)
		p.stall(w, r)
		return
	}
	rec := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	p.up.ServeHTTP(rec, r)
	p.logf("%s %s %d\n", r.Method, r.URL.Path, rec.status)
}

func (p *proxy) takeStall() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stalled >= p.times {
		return false
	}
	p.stalled++
	return true
}

// stall sends the headers and half of the blob, then nothing until the
// client gives up (the connection stays open: a client that resumes after
// a broken connection must not be helped).
func (p *proxy) stall(w http.ResponseWriter, r *http.Request) {
	p.up.ServeHTTP(&halfWriter{ResponseWriter: w, done: r.Context().Done()}, r)
}

// halfWriter passes the first half of a body with a Content-Length, then
// blocks until the request ends instead of writing more.
type halfWriter struct {
	http.ResponseWriter
	done     <-chan struct{}
	limit, n int64
	blocked  bool
}

func (h *halfWriter) WriteHeader(status int) {
	if cl := h.Header().Get("Content-Length"); cl != "" {
		_, _ = fmt.Sscan(cl, &h.limit)
		h.limit /= 2
	}
	h.ResponseWriter.WriteHeader(status)
}

func (h *halfWriter) Write(b []byte) (int, error) {
	if h.blocked {
		return 0, io.ErrClosedPipe
	}
	if rest := h.limit - h.n; int64(len(b)) > rest {
		n, _ := h.ResponseWriter.Write(b[:rest])
		h.n += int64(n)
		if f, ok := h.ResponseWriter.(http.Flusher); ok {
			f.Flush()
		}
		h.blocked = true
		<-h.done
		return n, io.ErrClosedPipe
	}
	n, err := h.ResponseWriter.Write(b)
	h.n += int64(n)
	return n, err
}

func (p *proxy) logf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.log, format, args...)
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(status int) {
	s.status = status
	s.ResponseWriter.WriteHeader(status)
}
