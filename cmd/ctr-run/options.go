package main

import (
	"cmp"
	"net"
	"os"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/ctr-project/ctr/cmd/internal/cli"
	"github.com/ctr-project/ctr/lib/run"
	"github.com/ctr-project/ctr/lib/runflags"
	"github.com/ctr-project/ctr/lib/signals"
)

// options turns the flags into the run's request, one subject at a time.
func (f *runFlags) options(c *ucli.Context, args []string) (run.Request, error) {
	o := run.Request{
		Image: args[0], Args: args[1:], Name: f.name, Pull: f.pull, Remove: f.rm, Detach: f.detach,
		Interactive: f.interactive, TTY: f.tty, Env: f.env.Value(), EnvFiles: f.envFiles.Value(),
		Workdir: f.workdir, User: f.user, ReadOnly: f.readOnly, Hostname: f.hostname, Network: f.network,
		CapAdd: f.capAdd.Value(), CapDrop: f.capDrop.Value(), Privileged: f.privileged, CIDFile: f.cidfile,
	}
	if c.IsSet("entrypoint") {
		o.Entrypoint = &f.entrypoint
	}
	if f.name != "" {
		if err := runflags.CheckName(f.name); err != nil {
			return o, cli.FlagError("name", err)
		}
	}
	if err := run.CheckCaps(o.CapAdd); err != nil {
		return o, cli.FlagError("cap-add", err)
	}
	if err := run.CheckCaps(o.CapDrop); err != nil {
		return o, cli.FlagError("cap-drop", err)
	}
	for _, set := range []func(*ucli.Context, *run.Request) error{
		f.imageOptions, f.limitOptions, f.mountOptions, f.networkOptions, f.namespaceOptions,
		f.deviceOptions, f.processOptions, f.annotationOptions, f.logOptions,
	} {
		if err := set(c, &o); err != nil {
			return o, err
		}
	}
	return o, nil
}

// imageOptions: the pull policy, and how a missing image is pulled.
func (f *runFlags) imageOptions(c *ucli.Context, o *run.Request) error {
	if err := runflags.CheckPullPolicy(f.pull); err != nil {
		return cli.FlagError("pull", err)
	}
	// Checked here, for the flags' own error; ctr-pull gets them as given.
	if _, err := f.registry.SystemContext(); err != nil {
		return err
	}
	if err := f.policy.Check(); err != nil {
		return err
	}
	o.Puller = f.puller(c.App.ErrWriter)
	return nil
}

// limitOptions: memory, CPUs, processes, rlimits.
func (f *runFlags) limitOptions(c *ucli.Context, o *run.Request) error {
	var err error
	if f.memory != "" {
		if o.Memory, err = runflags.ParseMemory(f.memory); err != nil {
			return cli.FlagError("memory", err)
		}
	}
	if f.cpus != "" {
		if o.CPUQuota, err = runflags.ParseCPUs(f.cpus); err != nil {
			return cli.FlagError("cpus", err)
		}
	}
	if f.memorySwap != "" {
		if o.MemorySwap, err = runflags.ParseMemorySwap(f.memorySwap, o.Memory); err != nil {
			return cli.FlagError("memory-swap", err)
		}
	}
	for _, t := range []struct {
		flag string
		vals []string
		iops bool
		into *[]run.ThrottleDevice
	}{{"device-read-bps", f.readBps.Value(), false, &o.Throttle.ReadBps}, {"device-write-bps", f.writeBps.Value(), false, &o.Throttle.WriteBps},
		{"device-read-iops", f.readIOPS.Value(), true, &o.Throttle.ReadIOPS}, {"device-write-iops", f.writeIOPS.Value(), true, &o.Throttle.WriteIOPS}} {
		for _, v := range t.vals {
			d, err := runflags.ParseThrottle(v, t.iops)
			if err != nil {
				return cli.FlagError(t.flag, err)
			}
			*t.into = append(*t.into, d)
		}
	}
	if c.IsSet("pids-limit") {
		v := f.pidsLimit
		if v < -1 {
			return cli.UsageError("invalid --pids-limit %d: want -1 or 0 (no limit) or a count", v)
		}
		if v <= 0 {
			v = -1 // no limit
		}
		o.PidsLimit = &v
	}
	for _, u := range f.ulimits.Value() {
		ul, err := runflags.ParseUlimit(u)
		if err != nil {
			return cli.FlagError("ulimit", err)
		}
		o.Ulimits = append(o.Ulimits, ul)
	}
	return nil
}

// mountOptions: -v, --mount, --tmpfs.
func (f *runFlags) mountOptions(_ *ucli.Context, o *run.Request) error {
	for _, list := range []struct {
		flag  string
		vals  []string
		parse func(string) (run.Mount, error)
	}{{"volume", f.volumes.Value(), runflags.ParseVolume}, {"mount", f.mounts.Value(), runflags.ParseMount}, {"tmpfs", f.tmpfs.Value(), runflags.ParseTmpfs}} {
		for _, v := range list.vals {
			m, err := list.parse(v)
			if err != nil {
				return cli.FlagError(list.flag, err)
			}
			o.Mounts = append(o.Mounts, m)
		}
	}
	return nil
}

// networkOptions: the mode, the host name, /etc/hosts and resolv.conf
// entries.
func (f *runFlags) networkOptions(_ *ucli.Context, o *run.Request) error {
	if err := runflags.CheckNetwork(f.network); err != nil {
		return cli.FlagError("network", err)
	}
	for _, p := range f.publish.Value() {
		ports, err := runflags.ParsePublish(p)
		if err != nil {
			return cli.FlagError("publish", err)
		}
		o.Publish = append(o.Publish, ports...)
	}
	o.PublishAll, o.NoHosts = f.publishAll, f.noHosts
	if f.ip != "" {
		if ip := net.ParseIP(f.ip); ip == nil || ip.To4() == nil {
			return cli.UsageError("invalid --ip %q: want an IPv4 address", f.ip)
		}
		o.IP = f.ip
	}
	if f.mac != "" {
		if _, err := net.ParseMAC(f.mac); err != nil {
			return cli.UsageError("invalid --mac-address %q: %v", f.mac, err)
		}
		o.MAC = f.mac
	}
	if f.hostname != "" {
		if err := run.CheckHostname(f.hostname); err != nil {
			return cli.FlagError("hostname", err)
		}
	}
	for _, h := range f.addHosts.Value() {
		e, err := runflags.ParseAddHost(h)
		if err != nil {
			return cli.FlagError("add-host", err)
		}
		o.AddHosts = append(o.AddHosts, e)
	}
	o.DNS, o.DNSSearch, o.DNSOptions = f.dns.Value(), f.dnsSearch.Value(), f.dnsOptions.Value()
	return run.CheckDNS(o.DNS, o.DNSSearch, o.DNSOptions, run.DNSFields{Servers: "--dns", Searches: "--dns-search", Options: "--dns-option"})
}

// namespaceOptions: --pid, --ipc, --uts, --cgroupns, and what the host's rules out.
func (f *runFlags) namespaceOptions(_ *ucli.Context, o *run.Request) error {
	for _, ns := range []struct{ flag, val string }{{"pid", f.pidNS}, {"ipc", f.ipcNS}, {"uts", f.utsNS}} {
		if ns.val != "private" && ns.val != "host" {
			return cli.UsageError("invalid --%s %q: want private or host", ns.flag, ns.val)
		}
	}
	o.PID, o.IPC, o.UTS = f.pidNS, f.ipcNS, f.utsNS
	if f.cgroupNS != "" && f.cgroupNS != "private" && f.cgroupNS != "host" {
		return cli.UsageError("invalid --cgroupns %q: want private or host", f.cgroupNS)
	}
	o.CgroupNS = f.cgroupNS
	if f.pod != "" && f.cgroupParent != "" {
		return cli.UsageError("--cgroup-parent: a container in a pod runs in the pod's cgroup (give pod create --cgroup-parent)")
	}
	o.CgroupManager, o.CgroupParent = f.cgroupManagerOrDefault(), f.cgroupParent
	if err := run.CheckCgroupManager(o.CgroupManager, o.CgroupParent); err != nil {
		return err
	}
	if f.utsNS == "host" && f.hostname != "" {
		return cli.UsageError("--hostname cannot be used with --uts host")
	}
	if f.ipcNS == "host" && f.shmSize != "" {
		return cli.UsageError("--shm-size cannot be used with --ipc host: /dev/shm is the host's")
	}
	return nil
}

// deviceOptions: devices, sysctls, /dev/shm's size.
func (f *runFlags) deviceOptions(_ *ucli.Context, o *run.Request) error {
	for _, d := range f.devices.Value() {
		dev, err := runflags.ParseDevice(d)
		if err != nil {
			return cli.FlagError("device", err)
		}
		o.Devices = append(o.Devices, dev)
	}
	for _, kv := range f.sysctls.Value() {
		k, v, err := runflags.ParseSysctl(kv)
		if err != nil {
			return cli.FlagError("sysctl", err)
		}
		if o.Sysctls == nil {
			o.Sysctls = map[string]string{}
		}
		o.Sysctls[k] = v
	}
	if f.shmSize != "" {
		n, err := runflags.ParseMemory(f.shmSize)
		if err != nil {
			return cli.FlagError("shm-size", err)
		}
		o.ShmSize = n
	}
	return nil
}

// processOptions: groups, the init, the stop signal and timeout, and the
// security options.
func (f *runFlags) processOptions(c *ucli.Context, o *run.Request) error {
	o.GroupAdd = f.groupAdd.Value()
	o.Init, o.InitPath = f.init, f.initPath
	if f.initPath != "" && !f.init {
		return cli.UsageError("--init-path needs --init")
	}
	if f.stopSignal != "" {
		if sig, err := signals.Parse(f.stopSignal); err != nil || sig < 1 || sig > 64 {
			return cli.UsageError("invalid --stop-signal %q", f.stopSignal)
		}
		o.StopSignal = f.stopSignal
	}
	if c.IsSet("stop-timeout") {
		if f.stopTimeout < 0 {
			return cli.UsageError("invalid --stop-timeout %d: want 0 or more seconds", f.stopTimeout)
		}
		o.StopTimeout = &f.stopTimeout
	}
	for _, s := range f.securityOpts.Value() {
		switch {
		case s == "no-new-privileges" || s == "no-new-privileges=true":
			o.NoNewPrivileges = true
		case strings.HasPrefix(s, "seccomp="):
			o.Seccomp = strings.TrimPrefix(s, "seccomp=")
		default:
			return cli.UsageError("unsupported --security-opt %q", s)
		}
	}
	return nil
}

// annotationOptions: --annotation, into the container's OCI config.
func (f *runFlags) annotationOptions(_ *ucli.Context, o *run.Request) error {
	for _, a := range f.annotations.Value() {
		k, v, err := runflags.ParseAnnotation(a)
		if err != nil {
			return cli.FlagError("annotation", err)
		}
		if o.Annotations == nil {
			o.Annotations = map[string]string{}
		}
		o.Annotations[k] = v
	}
	return nil
}

// logOptions: the detached container's log limits.
func (f *runFlags) logOptions(_ *ucli.Context, o *run.Request) error {
	l, err := runflags.ParseLogOpts(f.logOpts.Value())
	if err != nil {
		return cli.FlagError("log-opt", err)
	}
	o.LogSizeMax, o.LogMaxFiles = l.SizeMax, l.MaxFiles
	if len(f.logOpts.Value()) > 0 && !f.detach {
		return cli.UsageError("--log-opt needs -d: a foreground container's output is not logged")
	}
	return nil
}

// monitorCommands are the monitor, and the command it runs when a
// container exits: ctr-run's cleanup, on the same store and runtime.
func (f *runFlags) monitorCommands(runtime string) (string, []string, error) {
	mon, err := cli.FindBeside("ctr-monitor")
	if err != nil {
		return "", nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return "", nil, err
	}
	cleanup := append(append([]string{self}, f.storage.Args()...), f.networkArgs()...)
	return mon, append(cleanup, "--runtime", runtime, "cleanup"), nil
}

// podNetFlags are the flags a container in a pod may not have: the pod's
// network and host name are its.
var podNetFlags = []string{"network", "publish", "publish-all", "ip", "mac-address", "hostname", "add-host", "dns", "dns-search", "dns-option", "no-hosts"}

// podRunOptions: --pod. A container in a pod uses the pod's network and
// host name; with new:NAME its network options make a new pod's, which
// it returns.
func (f *runFlags) podRunOptions(c *ucli.Context, o *run.Request) (*run.PodOptions, error) {
	if f.pod == "" {
		return nil, nil
	}
	o.PodStart = true
	name, isNew := strings.CutPrefix(f.pod, "new:")
	if f.publishAll {
		return nil, cli.UsageError("--publish-all: a pod's ports are published with pod create -p (or --pod new:NAME -p)")
	}
	if !isNew {
		for _, fl := range podNetFlags {
			if c.IsSet(fl) {
				return nil, cli.UsageError("--%s: a container in a pod uses the pod's network and host name (give them to pod create, or use --pod new:NAME)", fl)
			}
		}
		o.Pod, o.Network = f.pod, ""
		return nil, nil
	}
	if name == "" {
		return nil, cli.UsageError("--pod new: wants a NAME")
	}
	po := &run.PodOptions{Name: name, Hostname: o.Hostname, CgroupManager: o.CgroupManager}
	po.Infra.Network, po.Infra.Publish, po.Infra.IP, po.Infra.MAC = o.Network, o.Publish, o.IP, o.MAC
	po.Infra.AddHosts, po.Infra.DNS, po.Infra.DNSSearch, po.Infra.DNSOptions, po.Infra.NoHosts = o.AddHosts, o.DNS, o.DNSSearch, o.DNSOptions, o.NoHosts
	o.Network, o.Publish, o.IP, o.MAC, o.Hostname = "", nil, "", "", ""
	o.AddHosts, o.DNS, o.DNSSearch, o.DNSOptions, o.NoHosts = nil, nil, nil, nil, false
	return po, nil
}

// cgroupManagerOrDefault is --cgroup-manager, else podman's default for
// this machine.
func (f *runFlags) cgroupManagerOrDefault() string {
	return cmp.Or(f.cgroupManager, run.DefaultCgroupManager())
}
