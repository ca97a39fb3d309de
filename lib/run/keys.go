package run

import (
	"maps"
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ctr-project/ctr/lib/errdefs"
)

// ctr's own keys. The io.ctr. namespace of a container's annotations
// holds what lib/run reads back (its pod, its log path, its stop signal:
// lifecycle.go), and that of container and pod labels ctr-cri's records
// (the kubelet's configs, by which a container or pod is a CRI one). Only
// ctr writes them: a key of that namespace from outside (a flag, a
// manifest, a CRI client) is refused, never merged. Stripping it would
// drop what the user asked for without a word; taking it made a CRI
// container join another pod's namespaces and log to a path of the
// client's choosing.

// OwnPrefix starts every key of ctr's own.
const OwnPrefix = "io.ctr."

// isOwnKey says whether k is in ctr's namespace, in any case (no key
// that looks like one is let through).
func isOwnKey(k string) bool {
	return len(k) >= len(OwnPrefix) && strings.EqualFold(k[:len(OwnPrefix)], OwnPrefix)
}

// CheckKeys refuses, among the annotations or labels of an outside input,
// a key of ctr's own namespace, an empty key and one with a blank or a
// control character. The error names the key (the first in order).
func CheckKeys(m map[string]string) error {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if err := checkKey(k); err != nil {
			return err
		}
	}
	return nil
}

func checkKey(k string) error {
	switch {
	case k == "":
		return errdefs.Usagef("an empty key")
	case isOwnKey(k):
		return errdefs.Usagef("key %q: keys starting %s are ctr's own", k, OwnPrefix)
	case !oneWord(k):
		return errdefs.Usagef("key %q: want no blank or control character", k)
	}
	return nil
}

// customize has fn (Request.Customize) change the spec, all but ctr's
// own annotations, which are all written by now (over the caller's,
// which have none of them): whatever fn does to them, they are as ctr
// wrote them after.
func customize(spec *specs.Spec, fn func(*specs.Spec) error) error {
	if fn == nil {
		return nil
	}
	own := ownKeys(spec.Annotations)
	if err := fn(spec); err != nil {
		return err
	}
	if spec.Annotations == nil {
		spec.Annotations = map[string]string{}
	}
	keepOwn(spec.Annotations, own)
	return nil
}

// ownKeys are the entries of ctr's namespace in m.
func ownKeys(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if isOwnKey(k) {
			out[k] = v
		}
	}
	return out
}

// keepOwn makes ctr's namespace of m exactly own again, whatever was
// written there since: a key of it that ctr did not write goes, one it
// wrote gets its value back.
func keepOwn(m, own map[string]string) {
	for k := range m {
		if _, ok := own[k]; isOwnKey(k) && !ok {
			delete(m, k)
		}
	}
	maps.Copy(m, own)
}

// withOwn is the caller's labels with ctr's own over them.
func withOwn(caller, own map[string]string) map[string]string {
	if len(caller)+len(own) == 0 {
		return nil
	}
	out := maps.Clone(caller)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, own)
	return out
}
