// Command mkimage writes small, reproducible test images as OCI layouts,
// without skopeo or buildah (see package testimage). Tests and benchmarks
// push the result with ctr-copy.
//
//	mkimage -o DIR[:TAG] [--busybox /bin/busybox] [--dir SRC=DEST]... [--file SRC=DEST]...
//	        [--platform os/arch[/variant]]... [--label k=v]... [--cmd ARG]...
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/ctr-project/ctr/tests/testimage"
)

type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(s string) error { *l = append(*l, s); return nil }

func main() {
	var o testimage.Options
	var dirs, files, platforms, labels, cmd, hostile list
	flag.StringVar(&o.Out, "o", "", "output OCI layout `DIR[:TAG]`")
	flag.StringVar(&o.Busybox, "busybox", "", "make a layer with this static busybox and its applet links")
	flag.Var(&dirs, "dir", "make a layer of the tree `SRC=DEST`")
	flag.Var(&files, "file", "make a layer of one file `SRC=DEST`")
	flag.Var(&platforms, "platform", "image platform (repeat for an index)")
	flag.Var(&labels, "label", "config label `K=V`")
	flag.Var(&cmd, "cmd", "config Cmd element")
	flag.Var(&hostile, "hostile", "add a layer that tries to escape: `KIND=TARGET` (dotdot, symlink, relsymlink, hardlink, device)")
	flag.Parse()
	o.Dirs, o.Files, o.Platforms, o.Labels, o.Cmd, o.Hostile = dirs, files, platforms, labels, cmd, hostile
	if err := testimage.Build(o); err != nil {
		fmt.Fprintln(os.Stderr, "mkimage:", err)
		os.Exit(1)
	}
}
