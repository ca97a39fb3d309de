package run

import (
	"errors"
	"testing"

	"github.com/ctr-project/ctr/lib/errdefs"
)

func TestParseDevice(t *testing.T) {
	for in, want := range map[string]Device{
		"/dev/fuse":              {Host: "/dev/fuse", Container: "/dev/fuse", Perms: "rwm"},
		"/dev/fuse:r":            {Host: "/dev/fuse", Container: "/dev/fuse", Perms: "r"},
		"/dev/sdc:/dev/xvdc":     {Host: "/dev/sdc", Container: "/dev/xvdc", Perms: "rwm"},
		"/dev/sdc:/dev/xvdc:rw":  {Host: "/dev/sdc", Container: "/dev/xvdc", Perms: "rw"},
		"/dev/rwm:/dev/other:m":  {Host: "/dev/rwm", Container: "/dev/other", Perms: "m"},
		"/dev/zero:/dev/z:rwm":   {Host: "/dev/zero", Container: "/dev/z", Perms: "rwm"},
		"/dev/zero:/dev/zero:wr": {Host: "/dev/zero", Container: "/dev/zero", Perms: "wr"},
	} {
		got, err := ParseDevice(in)
		if err != nil || got != want {
			t.Errorf("ParseDevice(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"dev/zero", "/dev/zero:z", "/dev/zero:/dev/z:rx", "/dev/zero:/dev/z:rwmm", "/a:/b:r:w"} {
		if _, err := ParseDevice(bad); !errors.Is(err, errdefs.ErrUsage) {
			t.Errorf("ParseDevice(%q): %v, want a usage error", bad, err)
		}
	}
}

func TestParseAddHost(t *testing.T) {
	for in, want := range map[string]HostEntry{
		"db:10.0.0.1":   {Name: "db", IP: "10.0.0.1"},
		"v6:fd00::1":    {Name: "v6", IP: "fd00::1"},
		"v6b:[fd00::2]": {Name: "v6b", IP: "fd00::2"},
	} {
		if got, err := ParseAddHost(in); err != nil || got != want {
			t.Errorf("ParseAddHost(%q) = %+v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"db", ":10.0.0.1", "db:host-gateway", "db:10.0.0"} {
		if _, err := ParseAddHost(bad); !errors.Is(err, errdefs.ErrUsage) {
			t.Errorf("ParseAddHost(%q): %v, want a usage error", bad, err)
		}
	}
}

// Each kind given replaces the host's lines of that kind; the rest stays.
func TestResolvConf(t *testing.T) {
	host := []byte("# from the host\nnameserver 1.1.1.1\nsearch corp.example\noptions rotate\n")
	if got := string(resolvConf(host, &Options{})); got != string(host) {
		t.Errorf("nothing given: %q", got)
	}
	got := string(resolvConf(host, &Options{DNS: []string{"10.0.0.53"}}))
	want := "# from the host\nsearch corp.example\noptions rotate\nnameserver 10.0.0.53\n"
	if got != want {
		t.Errorf("--dns: %q, want %q", got, want)
	}
	got = string(resolvConf(nil, &Options{DNSSearch: []string{"a.test", "b.test"}, DNSOptions: []string{"ndots:2"}}))
	if want := "search a.test b.test\noptions ndots:2\n"; got != want {
		t.Errorf("no host file: %q, want %q", got, want)
	}
}
