package login

import "testing"

func TestKey(t *testing.T) {
	for in, want := range map[string]string{
		"registry.example":          "registry.example",
		"docker://registry.example": "registry.example",
		"127.0.0.1:5000/":           "127.0.0.1:5000",
		"registry.example/team":     "registry.example/team",
	} {
		if got, err := Key(in); err != nil || got != want {
			t.Errorf("Key(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "https://registry.example", "Bad Host", "registry.example@sha256:00", "UPPER.example"} {
		if _, err := Key(bad); err == nil {
			t.Errorf("Key(%q): no error", bad)
		}
	}
}
