package localimage

import "testing"

func TestLocalName(t *testing.T) {
	for in, want := range map[string]string{
		"app":                 "localhost/app:latest",
		"app:3":               "localhost/app:3",
		"team/app:3":          "localhost/team/app:3",
		"localhost/app":       "localhost/app:latest",
		"reg.example/app:1":   "reg.example/app:1",
		"127.0.0.1:5000/a:1":  "127.0.0.1:5000/a:1",
		"docker.io/busybox:1": "docker.io/library/busybox:1",
	} {
		if got, err := localName(in); err != nil || got != want {
			t.Errorf("localName(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"Bad Name", "a@sha256:0000000000000000000000000000000000000000000000000000000000000000", ""} {
		if _, err := localName(bad); err == nil {
			t.Errorf("localName(%q): no error", bad)
		}
	}
}

func TestNameMatches(t *testing.T) {
	n := "docker.io/library/busybox:1.36"
	for _, p := range []string{n, "docker.io/library/busybox", "busybox", "library/busybox", "busy*", "busybox:1.*"} {
		if !nameMatches(p, n) {
			t.Errorf("%q does not match %s", p, n)
		}
	}
	for _, p := range []string{"alpine", "busybox:2", "reg.example/busybox"} {
		if nameMatches(p, n) {
			t.Errorf("%q matches %s", p, n)
		}
	}
}
