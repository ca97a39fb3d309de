package workcontainer

import (
	"os"
	"reflect"
	"testing"

	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
)

func TestNormalName(t *testing.T) {
	for in, want := range map[string]string{
		"app":                      "localhost/app:latest",
		"app:1":                    "localhost/app:1",
		"team/app":                 "localhost/team/app:latest",
		"reg.example/app":          "reg.example/app:latest",
		"127.0.0.1:5000/app:2":     "127.0.0.1:5000/app:2",
		"localhost/app":            "localhost/app:latest",
		"reg.example/app@sha256:0": "reg.example/app@sha256:0",
	} {
		if got := NormalName(in); got != want {
			t.Errorf("NormalName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestConfigChangeEntrypointClearsTheInheritedCommand(t *testing.T) {
	img := imgspecv1.Image{Config: imgspecv1.ImageConfig{Cmd: []string{"sh"}, Env: []string{"A=1", "B=2"}, WorkingDir: "/srv"}}
	ep := []string{"/bin/app"}
	wd := "data"
	if err := (ConfigChange{Entrypoint: &ep, Env: []string{"A=9", "B-", "C=3"}, Workdir: &wd, Labels: []string{"k=v"}, Ports: []string{"80"}}).Apply(&img); err != nil {
		t.Fatal(err)
	}
	c := img.Config
	if c.Cmd != nil || !reflect.DeepEqual(c.Entrypoint, ep) || !reflect.DeepEqual(c.Env, []string{"A=9", "C=3"}) ||
		c.WorkingDir != "/srv/data" || c.Labels["k"] != "v" {
		t.Errorf("config after the change: %+v", c)
	}
	if _, ok := c.ExposedPorts["80/tcp"]; !ok {
		t.Errorf("ports %v", c.ExposedPorts)
	}
	if err := (ConfigChange{Env: []string{"=x"}}).Apply(&img); err == nil {
		t.Error("an env without a name was taken")
	}
}

func TestParseChmod(t *testing.T) {
	for _, c := range []struct {
		spec string
		in   os.FileMode
		dir  bool
		want os.FileMode
	}{
		{"0750", 0o644, false, 0o750},
		{"4755", 0o644, false, 0o755 | os.ModeSetuid},
		{"+x", 0o644, false, 0o755},
		{"u=rwx,go=rx", 0o600, false, 0o755},
		{"go-w", 0o666, false, 0o644},
		{"a+X", 0o644, false, 0o644},
		{"a+X", 0o644, true, 0o755},
		{"a+X", 0o744, false, 0o755},
		{"o=", 0o777, false, 0o770},
		{"u+s,+t", 0o755, false, 0o755 | os.ModeSetuid | os.ModeSticky},
	} {
		f, err := ParseChmod(c.spec)
		if err != nil {
			t.Errorf("%s: %v", c.spec, err)
			continue
		}
		if got := f(c.in, c.dir); got != c.want {
			t.Errorf("%s on %v (dir %v): %v, want %v", c.spec, c.in, c.dir, got, c.want)
		}
	}
	for _, bad := range []string{"999", "q+x", "u+z", "rwx", "17777"} {
		if _, err := ParseChmod(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
