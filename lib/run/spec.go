package run

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"

	seccompprofile "github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/rlimit"
)

// Podman's defaults (containers.conf), which ctr-run follows.
var (
	defaultCaps = []string{
		"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_NET_BIND_SERVICE",
		"CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT",
	}
	maskedPaths = []string{
		"/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/sched_debug", "/proc/scsi",
		"/proc/timer_list", "/proc/timer_stats", "/sys/devices/virtual/powercap", "/sys/firmware",
		"/sys/fs/selinux", "/proc/interrupts", "/sys/dev/block",
	}
	readonlyPaths = []string{"/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}
)

const (
	defaultPath      = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	defaultPidsLimit = 2048
	defaultUlimit    = 1048576
)

// allCaps lists every capability the kernel knows, for --privileged.
func allCaps() []string {
	// Only those in our own bounding set can be given (this machine's lacks
	// some, and asking for them fails the start).
	var out []string
	for i, n := range capNames { // in the kernel's numbering
		if v, err := unix.PrctlRetInt(unix.PR_CAPBSET_READ, uintptr(i), 0, 0, 0); err == nil && v == 1 {
			out = append(out, n)
		}
	}
	return out
}

// capNames are the capabilities, in the kernel's numbering.
var capNames = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
	"CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
	"CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
	"CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
	"CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN",
	"CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
}

// specInput is what the spec is built from.
type specInput struct {
	opts     *launch
	rootfs   string
	args     []string
	env      []string
	cwd      string
	uid, gid uint32
	groups   []uint32
	hostname string
	files    map[string]string // container path → host file (hosts, hostname, resolv.conf)
}

func buildSpec(in specInput) (*specs.Spec, error) {
	o := in.opts
	caps := slices.Clone(defaultCaps)
	if o.Privileged {
		caps = allCaps()
	}
	for _, c := range fmtCaps(o.CapAdd) {
		if c == "CAP_ALL" {
			caps = allCaps()
		} else if !slices.Contains(caps, c) {
			caps = append(caps, c)
		}
	}
	for _, c := range fmtCaps(o.CapDrop) {
		if c == "CAP_ALL" {
			caps = nil
		}
		caps = slices.DeleteFunc(caps, func(x string) bool { return x == c })
	}
	// Root keeps its capabilities; another user gets them bounded only, as
	// podman does.
	effective := caps
	if in.uid != 0 {
		effective = []string{}
	}
	hostname := in.hostname
	if o.UTS == "host" || o.nsPaths[specs.UTSNamespace] != "" {
		hostname = "" // the runtime may not set it in a namespace it joins
	}
	spec := &specs.Spec{
		Version:  specs.Version,
		Root:     &specs.Root{Path: in.rootfs, Readonly: o.ReadOnly},
		Hostname: hostname,
		Process: &specs.Process{
			Terminal: o.TTY,
			Args:     in.args,
			Env:      in.env,
			Cwd:      in.cwd,
			User:     specs.User{UID: in.uid, GID: in.gid, AdditionalGids: in.groups},
			Capabilities: &specs.LinuxCapabilities{
				Bounding: caps, Effective: effective, Permitted: effective,
			},
			NoNewPrivileges: o.NoNewPrivileges,
			Rlimits:         rlimits(o.Ulimits),
		},
		Mounts: defaultMounts(o),
		Linux: &specs.Linux{
			Namespaces: namespaces(o),
			Resources:  &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: int64p(defaultPidsLimit)}},
		},
	}
	if !o.Privileged {
		spec.Linux.MaskedPaths, spec.Linux.ReadonlyPaths = maskedPaths, readonlyPaths
	}
	if o.PidsLimit != nil {
		spec.Linux.Resources.Pids.Limit = int64p(*o.PidsLimit)
	}
	if o.Memory > 0 {
		spec.Linux.Resources.Memory = &specs.LinuxMemory{Limit: int64p(o.Memory)}
		if swap := memorySwap(o.Request); swap != 0 {
			spec.Linux.Resources.Memory.Swap = int64p(swap)
		}
	}
	spec.Linux.Resources.BlockIO = o.Throttle.blockIO()
	if o.CPUQuota > 0 {
		period := uint64(100000)
		spec.Linux.Resources.CPU = &specs.LinuxCPU{Quota: int64p(o.CPUQuota), Period: &period}
	}
	for _, m := range o.Mounts {
		spec.Mounts = append(spec.Mounts, userMount(m))
	}
	for dst, src := range in.files {
		if !hasMount(spec.Mounts, dst) {
			spec.Mounts = append(spec.Mounts, specs.Mount{Destination: dst, Type: "bind", Source: src, Options: []string{"rbind", "rprivate"}})
		}
	}
	if len(o.Sysctls) > 0 {
		spec.Linux.Sysctl = o.Sysctls
	}
	if o.ShmSize > 0 {
		for i, m := range spec.Mounts {
			if m.Destination == "/dev/shm" {
				spec.Mounts[i].Options = append(slices.DeleteFunc(slices.Clone(m.Options), func(x string) bool {
					return strings.HasPrefix(x, "size=")
				}), "size="+strconv.FormatInt(o.ShmSize, 10))
			}
		}
	}
	if err := addDevices(spec, o.Devices); err != nil {
		return nil, err
	}
	if err := setSeccomp(spec, o); err != nil {
		return nil, err
	}
	return spec, nil
}

// addDevices makes each --device's node in the container and lets the
// container use it (the device cgroup denies all others).
func addDevices(spec *specs.Spec, devs []Device) error {
	for _, d := range devs {
		var st unix.Stat_t
		if err := unix.Stat(d.Host, &st); err != nil {
			return fail(ExitRunFailure, "device %s: %w", d.Host, err)
		}
		typ := ""
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFCHR:
			typ = "c"
		case unix.S_IFBLK:
			typ = "b"
		default:
			return fail(ExitRunFailure, "device %s: not a device node", d.Host)
		}
		major, minor := int64(unix.Major(uint64(st.Rdev))), int64(unix.Minor(uint64(st.Rdev)))
		mode := os.FileMode(st.Mode & 0o777)
		uid, gid := st.Uid, st.Gid
		spec.Linux.Devices = append(spec.Linux.Devices, specs.LinuxDevice{
			Path: d.Container, Type: typ, Major: major, Minor: minor, FileMode: &mode, UID: &uid, GID: &gid,
		})
		spec.Linux.Resources.Devices = append(spec.Linux.Resources.Devices, specs.LinuxDeviceCgroup{
			Allow: true, Type: typ, Major: &major, Minor: &minor, Access: d.Perms,
		})
	}
	return nil
}

// namespaces: the container's own mount namespace, and its own PID, IPC,
// UTS and network namespaces unless it shares the host's; its own cgroup
// namespace as --cgroupns says.
func namespaces(o *launch) []specs.LinuxNamespace {
	ns := []specs.LinuxNamespace{{Type: specs.MountNamespace}}
	for _, k := range []struct {
		mode string
		typ  specs.LinuxNamespaceType
	}{{o.PID, specs.PIDNamespace}, {o.IPC, specs.IPCNamespace}, {o.UTS, specs.UTSNamespace}} {
		if k.mode != "host" {
			ns = append(ns, specs.LinuxNamespace{Type: k.typ, Path: o.nsPaths[k.typ]})
		}
	}
	if cgroupNSPrivate(o.CgroupNS) {
		ns = append(ns, specs.LinuxNamespace{Type: specs.CgroupNamespace})
	}
	// The network: the host's, a new one (none), or one made or chosen
	// before (a CNI attachment's, another container's, a path).
	if o.Network != NetHost {
		ns = append(ns, specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: o.netns})
	}
	return ns
}

func hasMount(ms []specs.Mount, dst string) bool {
	return slices.ContainsFunc(ms, func(m specs.Mount) bool { return m.Destination == dst })
}

func int64p(v int64) *int64 { return &v }

func userMount(m Mount) specs.Mount {
	if m.Type == "tmpfs" {
		opts := append([]string{"rw", "noexec", "nosuid", "nodev"}, m.Options...)
		if m.ReadOnly {
			opts[0] = "ro"
		}
		return specs.Mount{Destination: m.Target, Type: "tmpfs", Source: "tmpfs", Options: opts}
	}
	opts := []string{"rbind", "rprivate"}
	if m.ReadOnly {
		opts = append(opts, "ro")
	}
	return specs.Mount{Destination: m.Target, Type: "bind", Source: m.Source, Options: opts}
}

func defaultMounts(o *launch) []specs.Mount {
	sysOpts := []string{"nosuid", "noexec", "nodev", "ro"}
	if o.Privileged {
		sysOpts[3] = "rw"
	}
	ms := []specs.Mount{
		{Destination: "/proc", Type: "proc", Source: "proc", Options: []string{"nosuid", "noexec", "nodev"}},
		{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "noexec", "strictatime", "mode=755", "size=65536k"}},
		{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
		{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
		{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
		{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: sysOpts},
		{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: []string{"nosuid", "noexec", "nodev", "relatime", "ro"}},
	}
	if o.IPC == "host" {
		// The host's IPC namespace comes with its shared memory. (An mqueue
		// mount shows the queues of the IPC namespace it is made in: the
		// host's, then.)
		ms[3] = specs.Mount{Destination: "/dev/shm", Type: "bind", Source: "/dev/shm", Options: []string{"rbind", "nosuid", "noexec", "nodev"}}
	}
	if o.shm != "" {
		// The pod's, shared by its containers as their IPC namespace is.
		ms[3] = specs.Mount{Destination: "/dev/shm", Type: "bind", Source: o.shm, Options: []string{"rbind", "nosuid", "noexec", "nodev"}}
	}
	if o.Network == NetHost {
		// A new sysfs needs a new network namespace; with the host's, bind it.
		ms[5] = specs.Mount{Destination: "/sys", Type: "bind", Source: "/sys", Options: []string{"rbind", "nosuid", "noexec", "nodev", "ro"}}
	}
	return ms
}

// rlimits: podman's nofile and nproc defaults, every value clamped to the
// host's hard limits (asking for more than the hard limit fails the start).
func rlimits(extra []Ulimit) []specs.POSIXRlimit {
	want := map[string]Ulimit{
		"RLIMIT_NOFILE": {Name: "RLIMIT_NOFILE", Soft: defaultUlimit, Hard: defaultUlimit},
		"RLIMIT_NPROC":  {Name: "RLIMIT_NPROC", Soft: defaultUlimit, Hard: defaultUlimit},
	}
	for _, u := range extra {
		want[u.Name] = u
	}
	var out []specs.POSIXRlimit
	for _, name := range slices.Sorted(maps.Keys(want)) {
		u := want[name]
		if res, ok := rlimit.Resources[name]; ok {
			var host unix.Rlimit
			if unix.Getrlimit(res, &host) == nil && host.Max != unix.RLIM_INFINITY {
				u.Hard = min(u.Hard, host.Max)
				u.Soft = min(u.Soft, u.Hard)
			}
		}
		out = append(out, specs.POSIXRlimit{Type: name, Soft: u.Soft, Hard: u.Hard})
	}
	return out
}

// setSeccomp applies the default profile (moby's, filtered by the
// container's capabilities), a profile file, or none.
func setSeccomp(spec *specs.Spec, o *launch) error {
	switch {
	case o.Privileged || o.Seccomp == "unconfined":
		return nil
	case o.Seccomp != "":
		b, err := os.ReadFile(o.Seccomp)
		if err != nil {
			return errdefs.Usagef("seccomp profile: %v", err)
		}
		p, err := seccompprofile.LoadProfile(string(b), spec)
		if err != nil {
			return errdefs.Usagef("seccomp profile %s: %v", o.Seccomp, err)
		}
		spec.Linux.Seccomp = p
	default:
		p, err := seccompprofile.GetDefaultProfile(spec)
		if err != nil {
			return fmt.Errorf("default seccomp profile: %w", err)
		}
		// The native architecture only (x86_64 without x86 and x32, aarch64
		// without arm): libseccomp compiles the filter at every start, and
		// the compat architectures triple that, about 50 ms. Syscalls of the
		// left-out ABIs are refused, so 32-bit binaries need
		// --security-opt seccomp=FILE with a profile that lists them.
		if len(p.Architectures) > 1 {
			p.Architectures = p.Architectures[:1]
		}
		spec.Linux.Seccomp = p
	}
	return nil
}

// cgroupNSPrivate says whether a container with --cgroupns mode gets a
// cgroup namespace of its own: asked for, or by default on cgroup v2 (as
// podman), where the container's /sys/fs/cgroup is then its own cgroup and
// its limits are in the files at its top.
func cgroupNSPrivate(mode string) bool {
	switch mode {
	case "private":
		return true
	case "host":
		return false
	}
	return CgroupV2()
}

// CgroupV2 says whether the host has the unified cgroup hierarchy only.
func CgroupV2() bool {
	var st unix.Statfs_t
	return unix.Statfs("/sys/fs/cgroup", &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC
}
