package cri

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctr-project/ctr/lib/kube"
	"github.com/ctr-project/ctr/lib/run"
)

// The CRI → OCI mapping of a container, apart from the RPCs that use it
// (container.go) so that it can be tested without a runtime or a store:
// containerRequest takes the kubelet's configs and the image's, and
// gives lib/run's request; its Customize (customizeContainer) edits the
// OCI spec lib/run builds from the request, for what lib/run has no
// option for. It makes nothing on the host (CreateContainer makes the
// mounts' and the log's directories) and never sets the request's
// environment (runtime, directories, networks, monitor), which is the
// daemon's.

// containerName is the container's name in lib/run, as CRI-O's: unique
// per container name and attempt in its pod.
func containerName(md *runtimeapi.ContainerMetadata, pod *runtimeapi.PodSandboxMetadata) string {
	return fmt.Sprintf("k8s_%s_%s_%s_%s_%d", md.GetName(), pod.GetName(), pod.GetNamespace(), pod.GetUid(), md.GetAttempt())
}

// containerRequest maps a container config, in a sandbox of config sb,
// of an image of config img, onto lib/run's request to create it (not
// start it): its name, command line, environment, mounts, devices,
// namespaces, security, annotations and log path; the rest goes on the
// spec through Customize. Its errors are gRPC statuses.
func containerRequest(cfg *runtimeapi.ContainerConfig, sb *runtimeapi.PodSandboxConfig, img *imgspecv1.Image) (run.Request, error) {
	o := run.Request{Name: containerName(cfg.GetMetadata(), sb.GetMetadata()), Pull: "never", CreateOnly: true}
	cmd, err := commandLine(cfg, img)
	if err != nil {
		return o, err
	}
	o.Command = cmd
	for _, kv := range cfg.GetEnvs() {
		e, err := kube.EnvVar(kv.GetKey(), string(kv.GetValue()))
		if err != nil {
			return o, invalid("%v", err)
		}
		o.Env = append(o.Env, e)
	}
	o.Workdir = cfg.GetWorkingDir()
	o.Interactive, o.TTY = cfg.GetStdin(), cfg.GetTty()
	if err := mountOptions(&o, cfg.GetMounts()); err != nil {
		return o, err
	}
	for _, d := range cfg.GetDevices() {
		perms := d.GetPermissions()
		if perms == "" {
			perms = "rwm"
		}
		o.Devices = append(o.Devices, run.Device{Host: d.GetHostPath(), Container: d.GetContainerPath(), Perms: perms})
	}
	if len(cfg.GetCDIDevices()) > 0 {
		return o, status.Error(codes.Unimplemented, "CDI devices are not supported")
	}
	sc := cfg.GetLinux().GetSecurityContext()
	if err := containerNamespaces(&o, sc.GetNamespaceOptions(), sb); err != nil {
		return o, err
	}
	if err := containerSecurity(&o, sc); err != nil {
		return o, err
	}
	// The client's annotations go into the spec as they are, but for
	// keys of ctr's own, which lib/run reads back (the container's pod,
	// its log path): refused, as ctr-run refuses them.
	if err := run.CheckKeys(cfg.GetAnnotations()); err != nil {
		return o, invalid("annotations: %v", err)
	}
	o.Annotations = cfg.GetAnnotations()
	if dir, rel := sb.GetLogDirectory(), cfg.GetLogPath(); dir != "" && rel != "" {
		o.LogPath = filepath.Join(dir, rel)
	}
	o.Customize = func(spec *specs.Spec) error { return customizeContainer(spec, cfg) }
	return o, nil
}

// customizeContainer sets on the spec what the container config asks for
// and lib/run has no option for: the resources, the mounts'
// propagation, ambient capabilities, masked and read-only paths.
func customizeContainer(spec *specs.Spec, cfg *runtimeapi.ContainerConfig) error {
	applyResources(spec, cfg.GetLinux().GetResources())
	propagation := mountPropagation(cfg.GetMounts())
	for i, m := range spec.Mounts {
		if opt, ok := propagation[m.Destination]; ok {
			spec.Mounts[i].Options = append(withoutPropagation(m.Options), opt)
			// The root's propagation must let it through: shared for
			// a mount that propagates both ways, else slave.
			if opt == "rshared" || spec.Linux.RootfsPropagation != "rshared" {
				spec.Linux.RootfsPropagation = opt
			}
		}
	}
	return customizeSecurity(spec, cfg.GetLinux().GetSecurityContext())
}

// commandLine is the process's command line by Kubernetes' rule, as
// containerd builds it and kube play does (kube.CommandLine): the
// config's command replaces the image's entrypoint and, given alone, its
// Cmd too; the config's args replace the image's Cmd.
func commandLine(cfg *runtimeapi.ContainerConfig, icfg *imgspecv1.Image) ([]string, error) {
	out := kube.CommandLine(cfg.GetCommand(), cfg.GetArgs(), icfg.Config)
	if len(out) == 0 {
		return nil, invalid("no command: the config gives none and the image has none")
	}
	return out, nil
}

// mountOptions makes the config's mounts bind mounts (CreateContainer
// makes a host path that is missing, as a directory).
func mountOptions(o *run.Request, mounts []*runtimeapi.Mount) error {
	for _, m := range mounts {
		// Features not built: Unimplemented, as gRPC means it (critest
		// then skips what needs them).
		if m.GetImage() != nil && m.GetImage().GetImage() != "" {
			return status.Errorf(codes.Unimplemented, "mount %s: image volumes are not supported", m.GetContainerPath())
		}
		if m.GetRecursiveReadOnly() {
			return status.Errorf(codes.Unimplemented, "mount %s: recursive read-only mounts are not supported", m.GetContainerPath())
		}
		if !filepath.IsAbs(m.GetContainerPath()) || !filepath.IsAbs(m.GetHostPath()) {
			return invalid("mount %q -> %q: both paths must be absolute", m.GetHostPath(), m.GetContainerPath())
		}
		o.Mounts = append(o.Mounts, run.Mount{Type: "bind", Source: m.GetHostPath(), Target: m.GetContainerPath(), ReadOnly: m.GetReadonly()})
	}
	return nil
}

// mountPropagation is the propagation each mount asks for, by container
// path, when not private.
func mountPropagation(mounts []*runtimeapi.Mount) map[string]string {
	out := map[string]string{}
	for _, m := range mounts {
		switch m.GetPropagation() {
		case runtimeapi.MountPropagation_PROPAGATION_HOST_TO_CONTAINER:
			out[m.GetContainerPath()] = "rslave"
		case runtimeapi.MountPropagation_PROPAGATION_BIDIRECTIONAL:
			out[m.GetContainerPath()] = "rshared"
		}
	}
	return out
}

func withoutPropagation(opts []string) []string {
	var out []string
	for _, o := range opts {
		switch o {
		case "private", "rprivate", "slave", "rslave", "shared", "rshared":
		default:
			out = append(out, o)
		}
	}
	return out
}

// containerNamespaces: a container of a pod on the host's network gets the
// host's network and UTS namespace; IPC and PID as the container config
// says where the pod does not share them.
func containerNamespaces(o *run.Request, ns *runtimeapi.NamespaceOption, sb *runtimeapi.PodSandboxConfig) error {
	sbns := sb.GetLinux().GetSecurityContext().GetNamespaceOptions()
	if sbns.GetNetwork() == runtimeapi.NamespaceMode_NODE {
		o.Network, o.UTS = "host", "host"
	}
	if ns.GetIpc() == runtimeapi.NamespaceMode_NODE && sbns.GetIpc() == runtimeapi.NamespaceMode_NODE {
		o.IPC = "host"
	}
	switch {
	case ns.GetPid() == runtimeapi.NamespaceMode_TARGET:
		return invalid("a PID namespace of another container (TARGET) is not supported")
	case ns.GetPid() == runtimeapi.NamespaceMode_NODE && sbns.GetPid() == runtimeapi.NamespaceMode_NODE:
		o.PID = "host"
	}
	return nil
}

// containerSecurity maps the security context onto lib/run's options:
// user and groups, capabilities, privileges, read-only root, seccomp.
func containerSecurity(o *run.Request, sc *runtimeapi.LinuxContainerSecurityContext) error {
	if sc == nil {
		return nil
	}
	var err error
	switch {
	case sc.GetRunAsUser() != nil:
		if o.User, err = kube.User(int64Of(sc.GetRunAsUser()), int64Of(sc.GetRunAsGroup())); err != nil {
			return invalid("%v", err)
		}
	case sc.GetRunAsUsername() != "":
		o.User = sc.GetRunAsUsername() // the CRI's own: a name of the image's
		if g := sc.GetRunAsGroup(); g != nil {
			o.User += fmt.Sprintf(":%d", g.GetValue())
		}
	case sc.GetRunAsGroup() != nil:
		return invalid("run_as_group needs run_as_user or run_as_username")
	}
	for _, g := range sc.GetSupplementalGroups() {
		o.GroupAdd = append(o.GroupAdd, fmt.Sprint(g))
	}
	if sc.GetSupplementalGroupsPolicy() == runtimeapi.SupplementalGroupsPolicy_Strict {
		return invalid("the Strict supplemental groups policy is not supported")
	}
	o.Privileged, o.ReadOnly, o.NoNewPrivileges = sc.GetPrivileged(), sc.GetReadonlyRootfs(), sc.GetNoNewPrivs()
	if caps := sc.GetCapabilities(); caps != nil {
		if o.CapAdd, err = kube.Capabilities(caps.GetAddCapabilities()); err != nil {
			return invalid("add_capabilities: %v", err)
		}
		if o.CapDrop, err = kube.Capabilities(caps.GetDropCapabilities()); err != nil {
			return invalid("drop_capabilities: %v", err)
		}
		if err := run.CheckCaps(caps.GetAddAmbientCapabilities()); err != nil {
			return invalid("add_ambient_capabilities: %v", err)
		}
	}
	if err := checkAppArmor(sc.GetApparmor(), sc.GetApparmorProfile()); err != nil { //nolint:staticcheck // the field older kubelets send
		return err
	}
	o.Seccomp, err = seccompOption(sc.GetSeccomp(), sc.GetSeccompProfilePath(), sc.GetPrivileged()) //nolint:staticcheck // the field older kubelets send
	return err
}

// int64Of is a CRI Int64Value's value (nil: not given).
func int64Of(v *runtimeapi.Int64Value) *int64 {
	if v == nil {
		return nil
	}
	n := v.GetValue()
	return &n
}

// customizeSecurity applies what has no ctr-run option: ambient
// capabilities, masked and read-only paths, an unmasked /proc.
func customizeSecurity(spec *specs.Spec, sc *runtimeapi.LinuxContainerSecurityContext) error {
	if sc == nil {
		return nil
	}
	if amb := sc.GetCapabilities().GetAddAmbientCapabilities(); len(amb) > 0 && spec.Process.Capabilities != nil {
		for _, c := range amb {
			c = strings.ToUpper(c)
			if !strings.HasPrefix(c, "CAP_") {
				c = "CAP_" + c
			}
			pc := spec.Process.Capabilities
			pc.Ambient = appendNew(pc.Ambient, c)
			pc.Inheritable = appendNew(pc.Inheritable, c)
			pc.Permitted = appendNew(pc.Permitted, c)
			pc.Effective = appendNew(pc.Effective, c)
			pc.Bounding = appendNew(pc.Bounding, c)
		}
	}
	if sc.GetPrivileged() {
		return nil
	}
	if len(sc.GetMaskedPaths()) > 0 {
		spec.Linux.MaskedPaths = sc.GetMaskedPaths()
	}
	if len(sc.GetReadonlyPaths()) > 0 {
		spec.Linux.ReadonlyPaths = sc.GetReadonlyPaths()
	}
	return nil
}

func appendNew(list []string, v string) []string {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}

// seccompOption is lib/run's Seccomp for a profile: RuntimeDefault is
// ctr's default profile, Unconfined none, Localhost a profile file on the
// host. None given is unconfined, as the CRI says (and critest checks):
// the kubelet asks for RuntimeDefault when a pod wants it.
func seccompOption(p *runtimeapi.SecurityProfile, deprecated string, privileged bool) (string, error) {
	if privileged {
		return "unconfined", nil
	}
	if p == nil {
		switch {
		case deprecated == "runtime/default", deprecated == "docker/default":
			return "", nil
		case deprecated == "", deprecated == "unconfined":
			return "unconfined", nil
		case strings.HasPrefix(deprecated, "localhost/"):
			p = &runtimeapi.SecurityProfile{ProfileType: runtimeapi.SecurityProfile_Localhost, LocalhostRef: strings.TrimPrefix(deprecated, "localhost/")}
		default:
			return "", invalid("seccomp profile %q: want runtime/default, unconfined or localhost/PATH", deprecated)
		}
	}
	switch p.GetProfileType() {
	case runtimeapi.SecurityProfile_RuntimeDefault:
		return "", nil
	case runtimeapi.SecurityProfile_Unconfined:
		return "unconfined", nil
	}
	ref := p.GetLocalhostRef()
	if !filepath.IsAbs(ref) {
		return "", invalid("seccomp profile %q: a localhost profile is an absolute path", ref)
	}
	if _, err := os.Stat(ref); err != nil {
		return "", invalid("seccomp profile: %v", err)
	}
	return ref, nil
}

// checkAppArmor refuses an AppArmor profile of the host's when the kernel
// has no AppArmor (this runtime's hosts): the default and unconfined
// profiles are what such a kernel gives anyway.
func checkAppArmor(p *runtimeapi.SecurityProfile, deprecated string) error {
	local := p.GetProfileType() == runtimeapi.SecurityProfile_Localhost || strings.HasPrefix(deprecated, "localhost/")
	if !local {
		return nil
	}
	if _, err := os.Stat("/sys/kernel/security/apparmor"); err == nil {
		return invalid("AppArmor profiles of the host's are not supported by this runtime")
	}
	return invalid("AppArmor profile %s: AppArmor is not enabled on this host", cmp.Or(p.GetLocalhostRef(), deprecated))
}

// applyResources sets the CRI's resources on the spec.
func applyResources(spec *specs.Spec, r *runtimeapi.LinuxContainerResources) {
	if r == nil {
		return
	}
	if spec.Linux.Resources == nil {
		spec.Linux.Resources = &specs.LinuxResources{}
	}
	run.MergeResources(spec.Linux.Resources, ociResources(r))
	if r.GetOomScoreAdj() != 0 {
		adj := int(r.GetOomScoreAdj())
		spec.Process.OOMScoreAdj = &adj
	}
}

// ociResources is the OCI form of the CRI's resources (zero: not set).
func ociResources(r *runtimeapi.LinuxContainerResources) *specs.LinuxResources {
	out := &specs.LinuxResources{}
	cpu := &specs.LinuxCPU{Cpus: r.GetCpusetCpus(), Mems: r.GetCpusetMems()}
	if v := r.GetCpuShares(); v > 0 {
		u := uint64(v)
		cpu.Shares = &u
	}
	if v := r.GetCpuQuota(); v > 0 {
		cpu.Quota = &v
	}
	if v := r.GetCpuPeriod(); v > 0 {
		u := uint64(v)
		cpu.Period = &u
	}
	if *cpu != (specs.LinuxCPU{}) {
		out.CPU = cpu
	}
	if v := r.GetMemoryLimitInBytes(); v > 0 {
		out.Memory = &specs.LinuxMemory{Limit: &v}
		if sw := r.GetMemorySwapLimitInBytes(); sw > 0 {
			out.Memory.Swap = &sw
		}
	}
	for _, h := range r.GetHugepageLimits() {
		out.HugepageLimits = append(out.HugepageLimits, specs.LinuxHugepageLimit{Pagesize: h.GetPageSize(), Limit: h.GetLimit()})
	}
	if len(r.GetUnified()) > 0 {
		out.Unified = r.GetUnified()
	}
	return out
}
