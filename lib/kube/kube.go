// Package kube reads Kubernetes Pod manifests (kind: Pod, apiVersion: v1)
// into what ctr's pods and containers are made of, for "ctr-run kube
// play": the file that runs here runs on a cluster too.
//
// Only the fields that ctr can honour are read; any other field is an
// error naming it, never a setting silently dropped (a manifest's
// restartPolicy, probes or resource requests would otherwise seem to
// hold). A cluster's bookkeeping (status, metadata's uid, namespace,
// creationTimestamp) is allowed and not used.
package kube

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ctr-project/ctr/lib/errdefs"
)

// Pod is one manifest's pod, checked.
type Pod struct {
	Name   string
	Labels map[string]string
	// Annotations are metadata.annotations, which podman's kube play
	// gives each of the pod's containers.
	Annotations map[string]string
	Hostname    string // "" the pod's name
	HostNetwork bool
	Ports       []Port // the containers' ports that have a hostPort
	// StopTimeout is terminationGracePeriodSeconds (nil: not given).
	StopTimeout *int
	Volumes     map[string]Volume
	Containers  []Container
}

// Port is a container port published on the host.
type Port struct {
	HostIP        string
	HostPort      int
	ContainerPort int
	Protocol      string // tcp or udp
}

// Volume is a pod volume: a host path (HostPath) or an empty directory
// the pod owns (EmptyDir), which lives as long as the pod.
type Volume struct {
	HostPath string
	// HostPathType is hostPath's type: "" (no check), Directory,
	// DirectoryOrCreate, File or FileOrCreate.
	HostPathType string
	EmptyDir     bool
}

// Container is one of a pod's containers.
type Container struct {
	Name  string
	Image string
	// Command replaces the image's entrypoint and Args its Cmd, each when
	// not nil (Kubernetes' rule: command alone drops the image's Cmd too).
	Command, Args []string
	Env           []string // NAME=VALUE
	Workdir       string
	Mounts        []VolumeMount
	// User is runAsUser[:runAsGroup] ("" the image's).
	User            string
	Privileged      bool
	ReadOnly        bool
	NoNewPrivileges bool
	CapAdd, CapDrop []string
	Memory          int64 // bytes (0: no limit)
	CPUMillis       int64 // thousandths of a CPU (0: no limit)
	// Pull is the pull policy: always, missing or never.
	Pull string
}

// VolumeMount is a volume of the pod mounted in a container.
type VolumeMount struct {
	Volume   string
	Target   string
	ReadOnly bool
}

// The manifest, as far as it is read. Decoding knows these fields only:
// any other is an error.
type manifest struct {
	APIVersion string    `yaml:"apiVersion"`
	Kind       string    `yaml:"kind"`
	Metadata   metadata  `yaml:"metadata"`
	Spec       podSpec   `yaml:"spec"`
	Status     yaml.Node `yaml:"status"` // a cluster's report: not read
}

type metadata struct {
	Name              string            `yaml:"name"`
	Labels            map[string]string `yaml:"labels"`
	Namespace         string            `yaml:"namespace"`         // a cluster's: not used
	Annotations       map[string]string `yaml:"annotations"`       // the containers' (Pod.Annotations)
	UID               string            `yaml:"uid"`               // a cluster's: not used
	CreationTimestamp yaml.Node         `yaml:"creationTimestamp"` // a cluster's: not used
}

type podSpec struct {
	Containers                    []container `yaml:"containers"`
	Volumes                       []volume    `yaml:"volumes"`
	Hostname                      string      `yaml:"hostname"`
	HostNetwork                   bool        `yaml:"hostNetwork"`
	RestartPolicy                 string      `yaml:"restartPolicy"`
	TerminationGracePeriodSeconds *int        `yaml:"terminationGracePeriodSeconds"`
	SecurityContext               podSecurity `yaml:"securityContext"`
	InitContainers                []yaml.Node `yaml:"initContainers"`
}

type podSecurity struct {
	RunAsUser  *int64 `yaml:"runAsUser"`
	RunAsGroup *int64 `yaml:"runAsGroup"`
}

type container struct {
	Name            string          `yaml:"name"`
	Image           string          `yaml:"image"`
	Command         []string        `yaml:"command"`
	Args            []string        `yaml:"args"`
	WorkingDir      string          `yaml:"workingDir"`
	Env             []envVar        `yaml:"env"`
	Ports           []containerPort `yaml:"ports"`
	VolumeMounts    []volumeMount   `yaml:"volumeMounts"`
	SecurityContext *securityCtx    `yaml:"securityContext"`
	Resources       resources       `yaml:"resources"`
	ImagePullPolicy string          `yaml:"imagePullPolicy"`
}

type envVar struct {
	Name      string    `yaml:"name"`
	Value     *string   `yaml:"value"`
	ValueFrom yaml.Node `yaml:"valueFrom"`
}

type containerPort struct {
	Name          string `yaml:"name"`
	ContainerPort int    `yaml:"containerPort"`
	HostPort      int    `yaml:"hostPort"`
	HostIP        string `yaml:"hostIP"`
	Protocol      string `yaml:"protocol"`
}

type volumeMount struct {
	Name      string `yaml:"name"`
	MountPath string `yaml:"mountPath"`
	ReadOnly  bool   `yaml:"readOnly"`
}

type securityCtx struct {
	RunAsUser                *int64        `yaml:"runAsUser"`
	RunAsGroup               *int64        `yaml:"runAsGroup"`
	Privileged               bool          `yaml:"privileged"`
	ReadOnlyRootFilesystem   bool          `yaml:"readOnlyRootFilesystem"`
	AllowPrivilegeEscalation *bool         `yaml:"allowPrivilegeEscalation"`
	Capabilities             *capabilities `yaml:"capabilities"`
}

type capabilities struct {
	Add  []string `yaml:"add"`
	Drop []string `yaml:"drop"`
}

type resources struct {
	Limits map[string]string `yaml:"limits"`
}

type volume struct {
	Name     string    `yaml:"name"`
	HostPath *hostPath `yaml:"hostPath"`
	EmptyDir *emptyDir `yaml:"emptyDir"`
}

type hostPath struct {
	Path string `yaml:"path"`
	Type string `yaml:"type"`
}

type emptyDir struct {
	Medium    string `yaml:"medium"`
	SizeLimit string `yaml:"sizeLimit"`
}

// Parse reads the Pod manifests of r (YAML, documents separated by ---;
// empty documents are skipped) and checks them. Its errors are usage
// errors (errdefs), one line each, naming the pod and field.
func Parse(r io.Reader) ([]Pod, error) {
	data, err := io.ReadAll(io.LimitReader(r, 4<<20))
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var pods []Pod
	names := map[string]bool{}
	for i := 1; ; i++ {
		var m manifest
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, errdefs.Usagef("manifest %d: %s", i, yamlError(err))
		}
		if m.Kind == "" && m.APIVersion == "" && m.Metadata.Name == "" && len(m.Spec.Containers) == 0 {
			continue // an empty document
		}
		p, err := m.pod()
		if err != nil {
			return nil, errdefs.Usagef("manifest %d (%s): %v", i, cmp.Or(m.Metadata.Name, "no name"), err)
		}
		if names[p.Name] {
			return nil, errdefs.Usagef("manifest %d: a second pod named %q", i, p.Name)
		}
		names[p.Name] = true
		pods = append(pods, p)
	}
	if len(pods) == 0 {
		return nil, errdefs.Usagef("no Pod manifest in the input")
	}
	return pods, nil
}

// yamlError is the decoder's error on one line, in a manifest's words:
// "field x not found in type kube.container" says which field is not
// read here.
var notFoundRE = regexp.MustCompile(`line (\d+): field (\S+) not found in type \S+`)

func yamlError(err error) string {
	s := err.Error()
	if m := notFoundRE.FindStringSubmatch(s); m != nil {
		return fmt.Sprintf("line %s: field %q is not supported by ctr-run kube play", m[1], m[2])
	}
	s = strings.TrimPrefix(s, "yaml: ")
	s = strings.ReplaceAll(strings.TrimSpace(s), "\n", "; ")
	return strings.Join(strings.Fields(s), " ")
}

// dns1123 is a Kubernetes object name: lower-case letters, digits, '-'
// and '.', starting and ending with a letter or digit.
var dns1123 = regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$`)

func (m *manifest) pod() (Pod, error) {
	if m.APIVersion != "v1" || m.Kind != "Pod" {
		return Pod{}, fmt.Errorf("apiVersion %q, kind %q: want v1 and Pod", m.APIVersion, m.Kind)
	}
	s := &m.Spec
	if !dns1123.MatchString(m.Metadata.Name) {
		return Pod{}, fmt.Errorf("metadata.name %q: want lower-case letters, digits, '-' and '.'", m.Metadata.Name)
	}
	if s.RestartPolicy != "" && s.RestartPolicy != "Never" {
		return Pod{}, fmt.Errorf("restartPolicy %s: ctr does not restart containers; want Never (or none)", s.RestartPolicy)
	}
	if len(s.InitContainers) > 0 {
		return Pod{}, errors.New("initContainers are not supported")
	}
	if len(s.Containers) == 0 {
		return Pod{}, errors.New("spec.containers: want at least one")
	}
	if s.TerminationGracePeriodSeconds != nil && *s.TerminationGracePeriodSeconds < 0 {
		return Pod{}, errors.New("terminationGracePeriodSeconds: want 0 or more")
	}
	p := Pod{Name: m.Metadata.Name, Labels: m.Metadata.Labels, Annotations: m.Metadata.Annotations, Hostname: s.Hostname, HostNetwork: s.HostNetwork,
		StopTimeout: s.TerminationGracePeriodSeconds, Volumes: map[string]Volume{}}
	if s.Hostname != "" && !dns1123.MatchString(s.Hostname) {
		return Pod{}, fmt.Errorf("hostname %q: want lower-case letters, digits, '-' and '.'", s.Hostname)
	}
	for _, v := range s.Volumes {
		vol, err := v.volume()
		if err != nil {
			return Pod{}, fmt.Errorf("volume %q: %w", v.Name, err)
		}
		if _, dup := p.Volumes[v.Name]; dup {
			return Pod{}, fmt.Errorf("volume %q: named twice", v.Name)
		}
		p.Volumes[v.Name] = vol
	}
	seen := map[string]bool{}
	for _, c := range s.Containers {
		if seen[c.Name] {
			return Pod{}, fmt.Errorf("container %q: named twice", c.Name)
		}
		seen[c.Name] = true
		ct, ports, err := c.container(p.Volumes, s.SecurityContext)
		if err != nil {
			return Pod{}, fmt.Errorf("container %q: %w", c.Name, err)
		}
		p.Containers = append(p.Containers, ct)
		for _, pt := range ports {
			// On the host's network a container's port is the host's
			// already: Kubernetes wants hostPort equal to it, or none.
			if p.HostNetwork && pt.HostPort != pt.ContainerPort {
				return Pod{}, fmt.Errorf("container %q: port %d: with hostNetwork, hostPort must be the containerPort or none", c.Name, pt.ContainerPort)
			}
		}
		if !p.HostNetwork {
			p.Ports = append(p.Ports, ports...)
		}
	}
	return p, nil
}

func (v volume) volume() (Volume, error) {
	if !dns1123.MatchString(v.Name) {
		return Volume{}, errors.New("want a name of lower-case letters, digits, '-' and '.'")
	}
	switch {
	case v.HostPath != nil && v.EmptyDir != nil:
		return Volume{}, errors.New("hostPath and emptyDir: want one")
	case v.HostPath != nil:
		if !path.IsAbs(v.HostPath.Path) {
			return Volume{}, fmt.Errorf("hostPath.path %q: want an absolute path", v.HostPath.Path)
		}
		switch v.HostPath.Type {
		case "", "Directory", "DirectoryOrCreate", "File", "FileOrCreate":
		default:
			return Volume{}, fmt.Errorf("hostPath.type %q: want Directory, DirectoryOrCreate, File or FileOrCreate", v.HostPath.Type)
		}
		return Volume{HostPath: path.Clean(v.HostPath.Path), HostPathType: v.HostPath.Type}, nil
	case v.EmptyDir != nil:
		if v.EmptyDir.Medium != "" || v.EmptyDir.SizeLimit != "" {
			return Volume{}, errors.New("emptyDir: medium and sizeLimit are not supported (a directory on disk)")
		}
		return Volume{EmptyDir: true}, nil
	}
	return Volume{}, errors.New("want hostPath or emptyDir (the volume types supported)")
}

func (c container) container(vols map[string]Volume, psc podSecurity) (Container, []Port, error) {
	if !dns1123.MatchString(c.Name) || strings.Contains(c.Name, ".") {
		return Container{}, nil, errors.New("name: want lower-case letters, digits and '-'")
	}
	if c.Image == "" {
		return Container{}, nil, errors.New("no image")
	}
	ct := Container{Name: c.Name, Image: c.Image, Command: c.Command, Args: c.Args, Workdir: c.WorkingDir}
	if c.WorkingDir != "" && !path.IsAbs(c.WorkingDir) {
		return ct, nil, fmt.Errorf("workingDir %q: want an absolute path", c.WorkingDir)
	}
	var err error
	if ct.Pull, err = pullPolicy(c.ImagePullPolicy, c.Image); err != nil {
		return ct, nil, err
	}
	for _, e := range c.Env {
		if e.ValueFrom.Kind != 0 {
			return ct, nil, fmt.Errorf("env %s: valueFrom is not supported (a value only)", e.Name)
		}
		v := ""
		if e.Value != nil {
			v = *e.Value
		}
		kv, err := EnvVar(e.Name, v)
		if err != nil {
			return ct, nil, fmt.Errorf("env: %w", err)
		}
		ct.Env = append(ct.Env, kv)
	}
	for _, m := range c.VolumeMounts {
		if _, ok := vols[m.Name]; !ok {
			return ct, nil, fmt.Errorf("volumeMount %q: no such volume in the pod", m.Name)
		}
		if !path.IsAbs(m.MountPath) {
			return ct, nil, fmt.Errorf("volumeMount %q: mountPath %q: want an absolute path", m.Name, m.MountPath)
		}
		ct.Mounts = append(ct.Mounts, VolumeMount{Volume: m.Name, Target: path.Clean(m.MountPath), ReadOnly: m.ReadOnly})
	}
	if err := ct.security(c.SecurityContext, psc); err != nil {
		return ct, nil, err
	}
	if err := ct.limits(c.Resources.Limits); err != nil {
		return ct, nil, err
	}
	ports, err := c.hostPorts()
	return ct, ports, err
}

// pullPolicy is imagePullPolicy as ctr's --pull; Kubernetes' default is
// Always for a :latest (or untagged) image, else IfNotPresent.
func pullPolicy(p, image string) (string, error) {
	switch p {
	case "Always":
		return "always", nil
	case "IfNotPresent":
		return "missing", nil
	case "Never":
		return "never", nil
	case "":
		name := image[strings.LastIndexByte(image, '/')+1:]
		if !strings.Contains(image, "@") && (!strings.Contains(name, ":") || strings.HasSuffix(name, ":latest")) {
			return "always", nil
		}
		return "missing", nil
	}
	return "", fmt.Errorf("imagePullPolicy %q: want Always, IfNotPresent or Never", p)
}

func (ct *Container) security(sc *securityCtx, psc podSecurity) error {
	uid, gid := psc.RunAsUser, psc.RunAsGroup
	if sc != nil {
		if sc.RunAsUser != nil {
			uid = sc.RunAsUser
		}
		if sc.RunAsGroup != nil {
			gid = sc.RunAsGroup
		}
		ct.Privileged, ct.ReadOnly = sc.Privileged, sc.ReadOnlyRootFilesystem
		ct.NoNewPrivileges = sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation
		if c := sc.Capabilities; c != nil {
			var err error
			if ct.CapAdd, err = Capabilities(c.Add); err != nil {
				return fmt.Errorf("securityContext: capabilities.add: %w", err)
			}
			if ct.CapDrop, err = Capabilities(c.Drop); err != nil {
				return fmt.Errorf("securityContext: capabilities.drop: %w", err)
			}
		}
	}
	var err error
	if ct.User, err = User(uid, gid); err != nil {
		return fmt.Errorf("securityContext: %w", err)
	}
	return nil
}

// limits reads resources.limits: memory and cpu, in Kubernetes' units.
func (ct *Container) limits(l map[string]string) error {
	for k, v := range l {
		var err error
		switch k {
		case "memory":
			ct.Memory, err = ParseMemory(v)
		case "cpu":
			ct.CPUMillis, err = ParseCPU(v)
		default:
			return fmt.Errorf("resources.limits.%s: only memory and cpu are supported", k)
		}
		if err != nil {
			return fmt.Errorf("resources.limits.%s: %w", k, err)
		}
	}
	return nil
}

func (c container) hostPorts() ([]Port, error) {
	var out []Port
	for _, p := range c.Ports {
		proto, err := Protocol(p.Protocol)
		if err != nil {
			return nil, fmt.Errorf("port %d: %w", p.ContainerPort, err)
		}
		if p.ContainerPort < 1 || p.ContainerPort > 65535 || p.HostPort < 0 || p.HostPort > 65535 {
			return nil, fmt.Errorf("port %d (hostPort %d): want 1 to 65535", p.ContainerPort, p.HostPort)
		}
		if p.HostPort == 0 {
			if p.HostIP != "" {
				return nil, fmt.Errorf("port %d: hostIP without a hostPort", p.ContainerPort)
			}
			continue // Kubernetes publishes only a port with a hostPort
		}
		ip, err := HostIP(p.HostIP)
		if err != nil {
			return nil, fmt.Errorf("port %d: hostIP %q: %w", p.ContainerPort, p.HostIP, err)
		}
		out = append(out, Port{HostIP: ip, HostPort: p.HostPort, ContainerPort: p.ContainerPort, Protocol: proto})
	}
	return out, nil
}

// quantityRE is a Kubernetes quantity: a decimal number and a suffix.
var quantityRE = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|m)?$`)

var quantityScale = map[string]float64{
	"": 1, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
	"Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "Ti": 1 << 40, "Pi": 1 << 50, "Ei": 1 << 60,
}

func quantity(s string) (float64, error) {
	m := quantityRE.FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("%q: want a quantity such as 128Mi, 1G or 500m", s)
	}
	f, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, fmt.Errorf("%q: %w", s, err)
	}
	return f * quantityScale[m[2]], nil
}

// ParseMemory reads a memory quantity (128Mi, 1G, 1048576) in bytes.
func ParseMemory(s string) (int64, error) {
	f, err := quantity(s)
	if err != nil {
		return 0, err
	}
	if f < 1 || f > math.MaxInt64/2 {
		return 0, fmt.Errorf("%q: want at least one byte", s)
	}
	return int64(math.Ceil(f)), nil
}

// ParseCPU reads a CPU quantity (500m, 0.5, 2) in thousandths of a CPU.
func ParseCPU(s string) (int64, error) {
	f, err := quantity(s)
	if err != nil {
		return 0, err
	}
	milli := int64(math.Round(f * 1000))
	if milli < 1 || milli > 1<<20 {
		return 0, fmt.Errorf("%q: want 1m or more", s)
	}
	return milli, nil
}
