package kube

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/network"
	"github.com/ctr-project/ctr/lib/run"
)

// A manifest → lib/run's requests, without a runtime: Parse, then
// PodRequest and ContainerRequest, as Play makes and runs them.

func parseOne(t *testing.T, yaml string) Pod {
	t.Helper()
	pods, err := Parse(strings.NewReader(yaml))
	if err != nil || len(pods) != 1 {
		t.Fatalf("Parse: %v, %v", pods, err)
	}
	return pods[0]
}

func TestPodRequest(t *testing.T) {
	p := parseOne(t, full)
	po := PodRequest(p, run.SystemdManager)
	want := run.PodOptions{Name: "web", Hostname: "host1", Labels: map[string]string{"app": "web"}, CgroupManager: run.SystemdManager}
	want.Infra.Network = run.NetBridge
	want.Infra.Publish = []network.PortMapping{
		{HostPort: 80, ContainerPort: 8080, Protocol: "tcp"},
		{HostIP: "127.0.0.1", HostPort: 5353, ContainerPort: 53, Protocol: "udp"},
	}
	if !reflect.DeepEqual(po, want) {
		t.Errorf("got  %+v\nwant %+v", po, want)
	}
	// hostNetwork: the host's, with nothing published (a port is the host's).
	host := parseOne(t, "apiVersion: v1\nkind: Pod\nmetadata: {name: h}\nspec:\n  hostNetwork: true\n"+
		"  containers: [{name: c, image: i:1, ports: [{containerPort: 80, hostPort: 80}]}]\n")
	po = PodRequest(host, "")
	if po.Infra.Network != run.NetHost || po.Infra.Publish != nil || po.Hostname != "" || po.Share != nil {
		t.Errorf("hostNetwork: %+v", po)
	}
}

func TestContainerRequest(t *testing.T) {
	p := parseOne(t, full)
	volumes := map[string]string{"data": "/pods/id.volumes/data", "logs": "/var/log/x"}
	o, err := ContainerRequest(p, "podid", p.Containers[0], volumes)
	if err != nil {
		t.Fatal(err)
	}
	five := 5
	want := run.Request{
		Name: "web-app", Image: "example.com/app:1.2", Pull: "missing", Pod: "podid", Detach: true,
		Command: []string{"/bin/app", "--port", "8080"}, Env: []string{"A=1", "EMPTY="}, Workdir: "/srv", User: "1000:2000",
		ReadOnly: true, NoNewPrivileges: true, CapAdd: []string{"CAP_NET_ADMIN"}, CapDrop: []string{"ALL"},
		Annotations: map[string]string{"a": "b"}, Memory: 128 << 20, CPUQuota: 25000, StopTimeout: &five,
		Mounts: []run.Mount{{Type: "bind", Source: "/pods/id.volumes/data", Target: "/data"}, {Type: "bind", Source: "/var/log/x", Target: "/logs", ReadOnly: true}},
	}
	if !reflect.DeepEqual(o, want) {
		t.Errorf("got  %+v\nwant %+v", o, want)
	}
	priv := parseOne(t, "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: i:1, securityContext: {privileged: true}}]\n")
	if o, err := ContainerRequest(priv, "id", priv.Containers[0], nil); err != nil || !o.Privileged {
		t.Errorf("privileged: %+v, %v", o, err)
	}
	// The second container: the image's command, the pod's user.
	o, err = ContainerRequest(p, "podid", p.Containers[1], volumes)
	if err != nil || o.Name != "web-side" || o.Command != nil || o.Args != nil || o.User != "1000" || o.Pull != "always" ||
		o.Privileged || o.Memory != 0 || o.CPUQuota != 0 {
		t.Errorf("side: %+v, %v", o, err)
	}
}

// Kubernetes' command rule in lib/run's terms: command is the whole
// line, args alone follow the image's entrypoint (lib/run resolves it).
func TestContainerRequestCommand(t *testing.T) {
	for _, tc := range []struct {
		fields        string
		command, args []string
	}{
		{fields: "command: [/bin/sh, -c], args: [echo hi]", command: []string{"/bin/sh", "-c", "echo hi"}},
		{fields: "command: [/bin/true]", command: []string{"/bin/true"}},
		{fields: "args: [x, y]", args: []string{"x", "y"}},
		{fields: "command: [], args: [x]", args: []string{"x"}},
		{fields: "args: []"},
	} {
		p := parseOne(t, "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: i:1, "+tc.fields+"}]\n")
		o, err := ContainerRequest(p, "id", p.Containers[0], nil)
		if err != nil || !reflect.DeepEqual(o.Command, tc.command) || !reflect.DeepEqual(o.Args, tc.args) {
			t.Errorf("%s: command %q, args %q, %v; want %q, %q", tc.fields, o.Command, o.Args, err, tc.command, tc.args)
		}
	}
}

func TestContainerRequestRefuses(t *testing.T) {
	long := strings.Repeat("a", 200)
	p := parseOne(t, "apiVersion: v1\nkind: Pod\nmetadata: {name: "+long+"}\nspec:\n  containers: [{name: "+long[:60]+", image: i:1}]\n")
	if _, err := ContainerRequest(p, "id", p.Containers[0], nil); !errors.Is(err, errdefs.ErrUsage) || !strings.Contains(err.Error(), "at most 253") {
		t.Errorf("a name of 261 characters: %v, want a usage error", err)
	}
	p = parseOne(t, "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  volumes: [{name: v, emptyDir: {}}]\n"+
		"  containers: [{name: c, image: i:1, volumeMounts: [{name: v, mountPath: /v}]}]\n")
	if _, err := ContainerRequest(p, "id", p.Containers[0], map[string]string{}); err == nil || !strings.Contains(err.Error(), "volume v") {
		t.Errorf("a volume not made: %v", err)
	}
}

// Keys of ctr's own in a pod's labels or annotations, refused naming the
// pod and the field.
func TestCheckKeys(t *testing.T) {
	ok := Pod{Name: "ok", Labels: map[string]string{"app": "x"}, Annotations: map[string]string{"example.com/a": "b"}}
	for _, tc := range []struct {
		pod  Pod
		want string
	}{
		{Pod{Name: "l", Labels: map[string]string{"io.ctr.cri.sandbox-config": "{}"}}, `pod l: metadata.labels: key "io.ctr.cri.sandbox-config"`},
		{Pod{Name: "a", Annotations: map[string]string{"IO.CTR.pod": "x"}}, `pod a: metadata.annotations: key "IO.CTR.pod"`},
	} {
		err := CheckKeys([]Pod{ok, tc.pod})
		if !errors.Is(err, errdefs.ErrUsage) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want a usage error with %q", tc.pod, err, tc.want)
		}
	}
	if err := CheckKeys([]Pod{ok}); err != nil {
		t.Errorf("%+v: %v", ok, err)
	}
}

// A pod's volumes: its emptyDirs made under the Manager's pods, writable
// by all; host paths checked or made as their type says.
func TestPodVolumes(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	m := &run.Manager{PersistDir: filepath.Join(dir, "persist")}
	p := Pod{Volumes: map[string]Volume{
		"e":     {EmptyDir: true},
		"dir":   {HostPath: dir, HostPathType: "Directory"},
		"any":   {HostPath: file},
		"mkdir": {HostPath: filepath.Join(dir, "new", "d"), HostPathType: "DirectoryOrCreate"},
		"touch": {HostPath: filepath.Join(dir, "touched"), HostPathType: "FileOrCreate"},
		"file":  {HostPath: file, HostPathType: "File"},
	}}
	got, err := podVolumes(m, "podid", p)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"e": m.PodVolumeDir("podid", "e"), "dir": dir, "any": file, "mkdir": filepath.Join(dir, "new", "d"),
		"touch": filepath.Join(dir, "touched"), "file": file}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if fi, err := os.Stat(want["e"]); err != nil || fi.Mode().Perm() != 0o777 || !fi.IsDir() {
		t.Errorf("emptyDir: %v, %v", fi, err)
	}
	if fi, err := os.Stat(want["mkdir"]); err != nil || !fi.IsDir() {
		t.Errorf("DirectoryOrCreate: %v", err)
	}
	if fi, err := os.Stat(want["touch"]); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("FileOrCreate: %v", err)
	}
	for _, v := range []Volume{
		{HostPath: filepath.Join(dir, "nosuch")},
		{HostPath: filepath.Join(dir, "nosuch"), HostPathType: "Directory"},
		{HostPath: file, HostPathType: "Directory"},
		{HostPath: dir, HostPathType: "File"},
	} {
		_, err := podVolumes(m, "podid", Pod{Volumes: map[string]Volume{"v": v}})
		if !errors.Is(err, errdefs.ErrUsage) || !strings.Contains(err.Error(), "volume v: hostPath") {
			t.Errorf("%+v: %v, want a usage error", v, err)
		}
	}
}
