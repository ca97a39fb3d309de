package run

import (
	"errors"
	"maps"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ctr-project/ctr/lib/errdefs"
)

// ctr's own keys from outside are refused, in any case; the error names
// the key.
func TestCheckKeys(t *testing.T) {
	for _, ok := range []map[string]string{nil, {}, {"example.com/a": "1", "b": "", "io.ctrl": "x", "io.ctr": "x", "org.io.ctr.x": "y"}} {
		if err := CheckKeys(ok); err != nil {
			t.Errorf("CheckKeys(%v): %v", ok, err)
		}
	}
	for bad, key := range map[string]string{
		"io.ctr.pod": "io.ctr.pod", "io.ctr.log-path": "io.ctr.log-path", "IO.Ctr.stop-signal": "IO.Ctr.stop-signal",
		"io.ctr.cri.sandbox-config": "io.ctr.cri.sandbox-config", "io.ctr.": "io.ctr.", "": "empty", "a b": "a b",
		"a\nb": `a\nb`, "a\vb": `a\vb`,
	} {
		err := CheckKeys(map[string]string{"fine": "1", bad: "v"})
		if !errors.Is(err, errdefs.ErrUsage) || !strings.Contains(err.Error(), key) || strings.Contains(err.Error(), "\n") {
			t.Errorf("CheckKeys(%q): %v, want one line of usage error naming %s", bad, err, key)
		}
	}
}

// Customize has the last word on the spec, but ctr's own annotations
// are ctr's whatever it does: none it sets, changes or removes holds.
func TestCustomizeKeepsOwnAnnotations(t *testing.T) {
	own := map[string]string{annotName: "web", annotPod: "pod-b", AnnotLogPath: "/var/log/pods/b/c.log", annotStopSignal: "15"}
	spec := &specs.Spec{Annotations: maps.Clone(own)}
	spec.Annotations["example.com/a"] = "caller's"
	err := customize(spec, func(s *specs.Spec) error {
		s.Annotations[annotPod] = "pod-a"
		s.Annotations[AnnotLogPath] = "/tmp/x.log"
		delete(s.Annotations, annotStopSignal)
		s.Annotations[annotStdin] = "true"
		s.Annotations["IO.CTR.pod"] = "pod-a"
		s.Annotations["example.com/b"] = "customized"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := maps.Clone(own)
	want["example.com/a"], want["example.com/b"] = "caller's", "customized"
	if !maps.Equal(spec.Annotations, want) {
		t.Errorf("after Customize: %v\nwant %v", spec.Annotations, want)
	}
	// A Customize that replaces the map leaves ctr's keys there too.
	spec = &specs.Spec{Annotations: maps.Clone(own)}
	if err := customize(spec, func(s *specs.Spec) error { s.Annotations = nil; return nil }); err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(spec.Annotations, own) {
		t.Errorf("after a nil map: %v, want %v", spec.Annotations, own)
	}
}

// The caller's labels and ctr's own: ctr's win.
func TestWithOwn(t *testing.T) {
	if got := withOwn(nil, nil); got != nil {
		t.Errorf("nothing: %v", got)
	}
	caller := map[string]string{"app": "web"}
	got := withOwn(caller, map[string]string{"io.ctr.cri.sandbox-id": "x"})
	if want := map[string]string{"app": "web", "io.ctr.cri.sandbox-id": "x"}; !maps.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if len(caller) != 1 {
		t.Errorf("the caller's map was changed: %v", caller)
	}
}
