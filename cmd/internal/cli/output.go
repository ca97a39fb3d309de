package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"
)

// OutputFlags are the flags that choose what goes to stdout and stderr.
type OutputFlags struct {
	JSON  bool
	Quiet bool
}

// Printer writes one result per line: the plain reference, or the JSON
// record with --json.
type Printer struct {
	w    io.Writer
	json bool
	enc  *json.Encoder
}

// NewPrinter returns a printer for w.
func (f *OutputFlags) NewPrinter(w io.Writer) *Printer {
	return &Printer{w: w, json: f.JSON, enc: json.NewEncoder(w)}
}

// Print prints one result: plain is the line without --json, record the
// object with it.
func (p *Printer) Print(plain string, record any) error {
	if p.json {
		return p.enc.Encode(record)
	}
	_, err := fmt.Fprintln(p.w, plain)
	return err
}

// LogWriter is where progress and warnings go: stderr, or nowhere with -q.
// The second result says whether that is a terminal (bars instead of lines).
func (f *OutputFlags) LogWriter(stderr io.Writer) (io.Writer, bool) {
	if f.Quiet {
		return nil, false
	}
	if file, ok := stderr.(*os.File); ok && term.IsTerminal(int(file.Fd())) {
		return stderr, true
	}
	return stderr, false
}
