package kube

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// Kubernetes' command rule, against an image with an entrypoint and a
// Cmd and one with a Cmd only; empty lists are none given.
func TestCommandLine(t *testing.T) {
	both := imgspecv1.ImageConfig{Entrypoint: []string{"/entry"}, Cmd: []string{"cmd", "arg"}}
	cmdOnly := imgspecv1.ImageConfig{Cmd: []string{"sh"}}
	for _, tc := range []struct {
		name           string
		command, args  []string
		image          imgspecv1.ImageConfig
		whole, cmdArgs []string // Command's
		want           []string // CommandLine's
	}{
		{name: "command and args", command: []string{"/bin/sh"}, args: []string{"-c", "x"}, image: both,
			whole: []string{"/bin/sh", "-c", "x"}, want: []string{"/bin/sh", "-c", "x"}},
		{name: "command alone drops the Cmd", command: []string{"/bin/true"}, image: both,
			whole: []string{"/bin/true"}, want: []string{"/bin/true"}},
		{name: "args alone after the entrypoint", args: []string{"a"}, image: both,
			cmdArgs: []string{"a"}, want: []string{"/entry", "a"}},
		{name: "args alone, no entrypoint", args: []string{"top"}, image: cmdOnly,
			cmdArgs: []string{"top"}, want: []string{"top"}},
		{name: "neither: the image's", image: both, want: []string{"/entry", "cmd", "arg"}},
		{name: "empty lists are none", command: []string{}, args: []string{}, image: both, want: []string{"/entry", "cmd", "arg"}},
		{name: "an empty command with args", command: []string{}, args: []string{"a"}, image: both,
			cmdArgs: []string{"a"}, want: []string{"/entry", "a"}},
		{name: "nothing anywhere"},
	} {
		whole, cmdArgs := Command(tc.command, tc.args)
		if !reflect.DeepEqual(whole, tc.whole) || !reflect.DeepEqual(cmdArgs, tc.cmdArgs) {
			t.Errorf("%s: Command %q, %q; want %q, %q", tc.name, whole, cmdArgs, tc.whole, tc.cmdArgs)
		}
		if got := CommandLine(tc.command, tc.args, tc.image); !slices.Equal(got, tc.want) {
			t.Errorf("%s: CommandLine %q, want %q", tc.name, got, tc.want)
		}
	}
	// The caller's lists stay its own.
	command := append(make([]string, 0, 4), "/bin/sh") // room to append in place
	whole, _ := Command(command, []string{"x"})
	whole[0] = "changed"
	if command[0] != "/bin/sh" {
		t.Error("Command wrote into the caller's list")
	}
	roomy := imgspecv1.ImageConfig{Entrypoint: append(make([]string, 0, 4), "/entry")}
	line := CommandLine(nil, []string{"a"}, roomy)
	line[0] = "changed"
	if roomy.Entrypoint[0] != "/entry" {
		t.Error("CommandLine wrote into the image's entrypoint")
	}
}

func TestEnvVar(t *testing.T) {
	for _, tc := range []struct{ name, value, want, err string }{
		{name: "A", value: "1", want: "A=1"},
		{name: "EMPTY", want: "EMPTY="},
		{name: "A", value: "x=y", want: "A=x=y"},
		{name: "my.var-1", value: "v", want: "my.var-1=v"},
		{err: "no name"},
		{name: "A=B", err: "without '='"},
		{name: "A\x00B", err: "without '='"},
	} {
		got, err := EnvVar(tc.name, tc.value)
		if got != tc.want || (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%q=%q: %q, %v; want %q, %q", tc.name, tc.value, got, err, tc.want, tc.err)
		}
	}
}

func TestCapabilities(t *testing.T) {
	got, err := Capabilities([]string{"NET_ADMIN", "sys_time", "CAP_KILL", "cap_chown", "ALL", "all"})
	want := []string{"CAP_NET_ADMIN", "CAP_SYS_TIME", "CAP_KILL", "CAP_CHOWN", "ALL", "ALL"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
	if got, err := Capabilities(nil); err != nil || len(got) != 0 {
		t.Errorf("none: %q, %v", got, err)
	}
	for _, bad := range []string{"NET_MAGIC", "CAP_", ""} {
		if _, err := Capabilities([]string{"KILL", bad}); err == nil || !strings.Contains(err.Error(), `"`+bad+`"`) {
			t.Errorf("%q: %v, want it refused by name", bad, err)
		}
	}
}

func TestUser(t *testing.T) {
	id := func(v int64) *int64 { return &v }
	for _, tc := range []struct {
		uid, gid *int64
		want     string
		err      string
	}{
		{want: ""},
		{uid: id(0), want: "0"},
		{uid: id(1000), gid: id(2000), want: "1000:2000"},
		{uid: id(4294967294), gid: id(0), want: "4294967294:0"},
		{gid: id(5), err: "runAsGroup needs runAsUser"},
		{uid: id(-1), err: "user or group -1"},
		{uid: id(1), gid: id(4294967295), err: "user or group 4294967295"},
	} {
		got, err := User(tc.uid, tc.gid)
		if got != tc.want || (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%v:%v: %q, %v; want %q, %q", tc.uid, tc.gid, got, err, tc.want, tc.err)
		}
	}
}

// A host address is an IPv4 address, parsed and never resolved (issue
// 24: a CRI client's "not-an-ip" went to DNS).
func TestHostIP(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "127.0.0.1": "127.0.0.1", "0.0.0.0": "0.0.0.0", "::ffff:127.0.0.1": "127.0.0.1",
		"not-an-ip": "!", "localhost": "!", "127.0.0.1.5": "!", "127.000.000.001": "!", " 127.0.0.1": "!",
		"::1": "!IPv6", "fe80::1%eth0": "!IPv6",
	} {
		got, err := HostIP(in)
		if bad := strings.HasPrefix(want, "!"); bad {
			if err == nil || !strings.Contains(err.Error(), want[1:]) {
				t.Errorf("%q: %q, %v; want an error with %q", in, got, err, want[1:])
			}
		} else if err != nil || got != want {
			t.Errorf("%q: %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestProtocol(t *testing.T) {
	for in, want := range map[string]string{"": "tcp", "TCP": "tcp", "tcp": "tcp", "UDP": "udp", "Udp": "udp", "SCTP": "", "icmp": ""} {
		got, err := Protocol(in)
		if got != want || (err == nil) != (want != "") {
			t.Errorf("%q: %q, %v; want %q", in, got, err, want)
		}
	}
}
