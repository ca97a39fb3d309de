// Command lookalike plays, in the look-alike test images hack/critest.sh
// builds, the programs critest's images run, chosen by the name it is
// called by. It is built static.
//
//	nginx [PORT]   nginx's part: serve /usr/share/nginx/html on PORT (80),
//	               the PID in /var/run/nginx.pid, the master process's
//	               command line ("nginx: master process ..."), and an exit
//	               on SIGTERM or SIGQUIT
//	nnp            nonewprivs's part (a setuid-root binary): print
//	               "Effective uid: N"
package main

import (
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// masterTitle is what nginx's master process shows as its command line.
const masterTitle = "nginx: master process nginx -g daemon off;"

func main() {
	switch filepath.Base(os.Args[0]) {
	case "nnp":
		fmt.Printf("Effective uid: %d\n", os.Geteuid())
	case "nginx", masterTitle:
		nginx()
	default:
		fmt.Fprintf(os.Stderr, "lookalike: called as %q: want nginx or nnp\n", os.Args[0])
		os.Exit(2)
	}
}

func nginx() {
	if os.Args[0] != masterTitle {
		// Again under the master's title; the program's file name stays
		// nginx, so its process name (pidof nginx) does too.
		self, err := os.Executable()
		if err != nil {
			fail(err)
		}
		fail(syscall.Exec(self, append([]string{masterTitle}, os.Args[1:]...), os.Environ()))
	}
	port := "80"
	if len(os.Args) > 1 {
		if _, err := strconv.Atoi(os.Args[1]); err != nil {
			fail(fmt.Errorf("port %q", os.Args[1]))
		}
		port = os.Args[1]
	}
	if err := os.MkdirAll("/var/run", 0o755); err != nil {
		fail(err)
	}
	if err := os.WriteFile("/var/run/nginx.pid", []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		fail(err)
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGQUIT, syscall.SIGINT)
	go func() {
		<-sigs
		os.Exit(0)
	}()
	srv := &http.Server{Addr: ":" + port, Handler: http.FileServer(http.Dir("/usr/share/nginx/html")), ReadHeaderTimeout: 10 * time.Second}
	fail(srv.ListenAndServe())
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "lookalike:", err)
	os.Exit(1)
}
