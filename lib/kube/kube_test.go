package kube

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/ctr-project/ctr/lib/errdefs"
)

const full = `
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: default
  labels: {app: web}
  annotations: {a: b}
  uid: 1234
  creationTimestamp: null
spec:
  hostname: host1
  terminationGracePeriodSeconds: 5
  securityContext: {runAsUser: 1000}
  volumes:
  - {name: data, emptyDir: {}}
  - {name: logs, hostPath: {path: /var/log/x/, type: DirectoryOrCreate}}
  containers:
  - name: app
    image: example.com/app:1.2
    command: [/bin/app]
    args: [--port, "8080"]
    workingDir: /srv
    env:
    - {name: A, value: "1"}
    - {name: EMPTY}
    ports:
    - {containerPort: 8080, hostPort: 80}
    - {containerPort: 9090}
    - {containerPort: 53, hostPort: 5353, hostIP: 127.0.0.1, protocol: UDP}
    volumeMounts:
    - {name: data, mountPath: /data/}
    - {name: logs, mountPath: /logs, readOnly: true}
    securityContext:
      runAsGroup: 2000
      readOnlyRootFilesystem: true
      allowPrivilegeEscalation: false
      capabilities: {add: [NET_ADMIN], drop: [all]}
    resources:
      limits: {memory: 128Mi, cpu: 250m}
  - name: side
    image: busybox
status:
  phase: Running
`

func TestParse(t *testing.T) {
	pods, err := Parse(strings.NewReader(full))
	if err != nil {
		t.Fatal(err)
	}
	five := 5
	want := Pod{
		Name: "web", Labels: map[string]string{"app": "web"}, Annotations: map[string]string{"a": "b"}, Hostname: "host1", StopTimeout: &five,
		Ports:   []Port{{HostPort: 80, ContainerPort: 8080, Protocol: "tcp"}, {HostIP: "127.0.0.1", HostPort: 5353, ContainerPort: 53, Protocol: "udp"}},
		Volumes: map[string]Volume{"data": {EmptyDir: true}, "logs": {HostPath: "/var/log/x", HostPathType: "DirectoryOrCreate"}},
		Containers: []Container{{
			Name: "app", Image: "example.com/app:1.2", Command: []string{"/bin/app"}, Args: []string{"--port", "8080"},
			Env: []string{"A=1", "EMPTY="}, Workdir: "/srv",
			Mounts: []VolumeMount{{Volume: "data", Target: "/data"}, {Volume: "logs", Target: "/logs", ReadOnly: true}},
			User:   "1000:2000", ReadOnly: true, NoNewPrivileges: true, CapAdd: []string{"CAP_NET_ADMIN"}, CapDrop: []string{"ALL"},
			Memory: 128 << 20, CPUMillis: 250, Pull: "missing",
		}, {Name: "side", Image: "busybox", User: "1000", Pull: "always"}},
	}
	if len(pods) != 1 || !reflect.DeepEqual(pods[0], want) {
		t.Errorf("got  %+v\nwant %+v", pods, want)
	}
	// On the host's network, a hostPort equal to its port publishes nothing.
	host := strings.Replace(full, "hostname: host1", "hostname: host1\n  hostNetwork: true", 1)
	host = strings.NewReplacer("hostPort: 80}", "hostPort: 8080}", "hostPort: 5353,", "hostPort: 53,").Replace(host)
	pods, err = Parse(strings.NewReader(host))
	if err != nil || !pods[0].HostNetwork || len(pods[0].Ports) != 0 {
		t.Errorf("hostNetwork: %+v, %v", pods, err)
	}
}

func TestParseRefuses(t *testing.T) {
	base := "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: i:1\n"
	for _, tc := range []struct{ yaml, want string }{
		{base + "    livenessProbe: {}\n", `line 8: field "livenessProbe" is not supported`},
		{base + "  restartPolicy: Always\n", "restartPolicy Always"},
		{base + "  restartPolicy: OnFailure\n", "restartPolicy OnFailure"},
		{base + "    resources: {requests: {cpu: 1}}\n", `"requests" is not supported`},
		{base + "    resources: {limits: {nvidia.com/gpu: 1}}\n", "only memory and cpu"},
		{base + "    resources: {limits: {memory: 12 apples}}\n", "want a quantity"},
		{base + "    resources: {limits: {cpu: 0.0001}}\n", "want 1m or more"},
		{base + "    env: [{name: A, valueFrom: {secretKeyRef: {name: s, key: k}}}]\n", "valueFrom is not supported"},
		{base + "    env: [{name: A=B, value: x}]\n", "want a name without '='"},
		{base + "    volumeMounts: [{name: v, mountPath: /v}]\n", "no such volume"},
		{base + "    ports: [{containerPort: 0}]\n", "want 1 to 65535"},
		{base + "    ports: [{containerPort: 80, protocol: SCTP}]\n", "want TCP or UDP"},
		{base + "    ports: [{containerPort: 80, hostIP: 127.0.0.1}]\n", "hostIP without a hostPort"},
		{base + "    imagePullPolicy: Sometimes\n", "imagePullPolicy"},
		{base + "    workingDir: rel\n", "absolute path"},
		{base + "    securityContext: {runAsGroup: 5}\n", "runAsGroup needs runAsUser"},
		{base + "    securityContext: {runAsUser: -1}\n", "user or group -1"},
		{base + "    securityContext: {capabilities: {add: [NET_MAGIC]}}\n", `capabilities.add: unknown capability "NET_MAGIC"`},
		{base + "    securityContext: {capabilities: {drop: [KILL, nope]}}\n", `capabilities.drop: unknown capability "nope"`},
		{base + "    ports: [{containerPort: 80, hostPort: 8080, hostIP: localhost}]\n", `hostIP "localhost": not an IP address`},
		{base + "    ports: [{containerPort: 80, hostPort: 8080, hostIP: '::1'}]\n", "IPv6"},
		{base + "    env: [{name: '', value: x}]\n", "no name"},
		{base + "  volumes: [{name: v, nfs: {server: s}}]\n", `"nfs" is not supported`},
		{base + "  volumes: [{name: v}]\n", "want hostPath or emptyDir"},
		{base + "  volumes: [{name: v, emptyDir: {medium: Memory}}]\n", "medium and sizeLimit"},
		{base + "  volumes: [{name: v, hostPath: {path: rel}}]\n", "absolute path"},
		{base + "  volumes: [{name: v, hostPath: {path: /x, type: Socket}}]\n", "hostPath.type"},
		{base + "  volumes: [{name: v, emptyDir: {}}, {name: v, emptyDir: {}}]\n", "named twice"},
		{base + "  - name: c\n    image: j\n", `container "c": named twice`},
		{base + "  initContainers: [{name: i, image: i}]\n", "initContainers"},
		{strings.Replace(base, "name: p", "name: Bad_Name", 1), "metadata.name"},
		{strings.Replace(base, "kind: Pod", "kind: Deployment", 1), "want v1 and Pod"},
		{strings.Replace(base, "image: i:1", "image: ''", 1), "no image"},
		{base + "---\n" + base, `a second pod named "p"`},
		{"", "no Pod manifest"},
		{"kind: [", "manifest 1"},
		{"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {}\n", "want at least one"},
		{strings.Replace(base, "spec:", "spec:\n  hostNetwork: true", 1) + "    ports: [{containerPort: 80, hostPort: 8080}]\n", "with hostNetwork"},
	} {
		_, err := Parse(strings.NewReader(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: error %v, want one line with %q", tc.yaml, err, tc.want)
		}
		if err != nil && !errors.Is(err, errdefs.ErrUsage) {
			t.Errorf("%q: %v is not a usage error", tc.yaml, err)
		}
	}
}

func TestQuantities(t *testing.T) {
	for s, want := range map[string]int64{"1": 1, "1Ki": 1024, "1.5Mi": 3 << 19, "1G": 1e9, "128974848": 128974848, "1e3": -1, "-1": -1, "0": -1, "1m": -1} {
		got, err := ParseMemory(s)
		if (err != nil) != (want < 0) || (err == nil && got != want) {
			t.Errorf("memory %q: %d, %v; want %d", s, got, err, want)
		}
	}
	for s, want := range map[string]int64{"500m": 500, "0.5": 500, "2": 2000, "1.25": 1250, "0": -1, "abc": -1} {
		got, err := ParseCPU(s)
		if (err != nil) != (want < 0) || (err == nil && got != want) {
			t.Errorf("cpu %q: %d, %v; want %d", s, got, err, want)
		}
	}
}
