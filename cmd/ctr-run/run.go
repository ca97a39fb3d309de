package main

import (
	"context"
	"fmt"
	"io"
	"os"

	ucli "github.com/urfave/cli/v2"

	"github.com/ctr-project/ctr/cmd/internal/cli"
	"github.com/ctr-project/ctr/cmd/internal/imgflags"
	"github.com/ctr-project/ctr/cmd/internal/netflags"
	"github.com/ctr-project/ctr/lib/exit"
	"github.com/ctr-project/ctr/lib/network"
	"github.com/ctr-project/ctr/lib/run"
)

type runFlags struct {
	registry imgflags.RegistryFlags
	policy   imgflags.PolicyFlags
	storage  imgflags.StorageFlags

	pull, name, workdir, user, entrypoint, hostname, network, memory, cpus, cidfile, runtime string
	rm, interactive, tty, readOnly, privileged, quiet, detach, init                          bool
	env, envFiles, volumes, mounts, tmpfs, ulimits, capAdd, capDrop, securityOpts, logOpts   ucli.StringSlice
	groupAdd, addHosts, dns, dnsSearch, dnsOptions, sysctls, devices, annotations            ucli.StringSlice
	shmSize, stopSignal, initPath, pidNS, ipcNS, utsNS, cgroupNS                             string
	cgroupManager, cgroupParent, memorySwap                                                  string
	readBps, writeBps, readIOPS, writeIOPS                                                   ucli.StringSlice
	stopTimeout                                                                              int
	pidsLimit                                                                                int64
	publish                                                                                  ucli.StringSlice
	publishAll, noHosts                                                                      bool
	ip, mac                                                                                  string
	pod                                                                                      string
	net                                                                                      netflags.Flags
}

// networks is the network manager the flags name.
func (f *runFlags) networks() *network.Manager { return f.net.Manager() }

// networkArgs repeat the network flags for the clean-up command.
func (f *runFlags) networkArgs() []string { return f.net.Args() }

// runMain returns the container's exit status, or for ctr-run's own
// failures 125 (126 and 127 for a command that cannot run), except usage
// errors (64) and an unknown image (2).
func runMain(args []string) int {
	app := newApp(os.Stdin, os.Stdout, os.Stderr)
	err := cli.Run(app, args)
	if err == nil {
		return 0
	}
	if !exit.Silent(err) { // a container's own status says nothing
		cli.PrintError(app, err)
	}
	return exitCode(err)
}

// exitCode is ctr-run's exit status for err: the one it chose (a
// container's own, or 126/127), usage (64), not found (2) and bad input
// (65) as the suite has them, else 125 (ctr-run's own failure, as podman
// run's).
func exitCode(err error) int {
	if code, ok := exit.Code(err); ok {
		return code
	}
	if code := cli.ExitCode(err); code == cli.ExitUsage || code == cli.ExitNotFound || code == cli.ExitBadData {
		return code
	}
	return run.ExitRunFailure
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *ucli.App {
	var f runFlags
	f.net.Warn = stderr
	app := cli.NewApp("ctr-run", "run an image from local storage as a container", stdin, stdout, stderr)
	app.UsageText = "ctr-run [OPTIONS] IMAGE [COMMAND [ARG...]]\n   ctr-run [OPTIONS] - [COMMAND [ARG...]]   (the image from stdin)"
	app.Flags = append(app.Flags,
		&ucli.StringFlag{Name: "pull", Value: "missing", Usage: "pull the image: `POLICY` missing, always or never", Destination: &f.pull},
		&ucli.BoolFlag{Name: "rm", Usage: "remove the container when it exits", Destination: &f.rm},
		&ucli.BoolFlag{Name: "detach", Aliases: []string{"d"}, Usage: "run in the background under ctr-monitor and print the container ID", Destination: &f.detach},
		&ucli.BoolFlag{Name: "interactive", Aliases: []string{"i"}, Usage: "keep stdin open", Destination: &f.interactive},
		&ucli.BoolFlag{Name: "tty", Aliases: []string{"t"}, Usage: "allocate a pseudo-terminal", Destination: &f.tty},
		&ucli.StringFlag{Name: "name", Usage: "container `NAME`", Destination: &f.name},
		&ucli.StringSliceFlag{Name: "env", Aliases: []string{"e"}, Usage: "set `VAR=VALUE` (VAR alone: from this environment)", Destination: &f.env},
		&ucli.StringSliceFlag{Name: "env-file", Usage: "read variables from `FILE`", Destination: &f.envFiles},
		&ucli.StringFlag{Name: "workdir", Aliases: []string{"w"}, Usage: "working `DIR` in the container", Destination: &f.workdir},
		&ucli.StringFlag{Name: "user", Aliases: []string{"u"}, Usage: "run as `USER[:GROUP]` (names from the image's /etc/passwd and /etc/group)", Destination: &f.user},
		&ucli.StringFlag{Name: "entrypoint", Usage: "replace the image's entrypoint with `CMD` (\"\" clears it)", Destination: &f.entrypoint},
		&ucli.StringSliceFlag{Name: "volume", Aliases: []string{"v"}, Usage: "bind mount `SRC:DST[:ro]`", Destination: &f.volumes},
		&ucli.StringSliceFlag{Name: "mount", Usage: "mount `type=bind|tmpfs,src=…,dst=…[,ro]`", Destination: &f.mounts},
		&ucli.StringSliceFlag{Name: "tmpfs", Usage: "mount a tmpfs at `DST[:OPTIONS]`", Destination: &f.tmpfs},
		&ucli.BoolFlag{Name: "read-only", Usage: "mount the root filesystem read-only", Destination: &f.readOnly},
		&ucli.StringFlag{Name: "hostname", Usage: "container host `NAME`", Destination: &f.hostname},
		&ucli.StringFlag{Name: "network", Aliases: []string{"net"}, Value: "bridge", Usage: "`MODE`: bridge (podman's default network), none (loopback only), host, container:ID, ns:PATH, or network names (comma-separated)", Destination: &f.network},
		&ucli.StringSliceFlag{Name: "publish", Aliases: []string{"p"}, Usage: "publish a container port on the host: `[IP:][HOSTPORT:]PORT[/tcp|udp]` (ranges too; no HOSTPORT: a free one)", Destination: &f.publish},
		&ucli.BoolFlag{Name: "publish-all", Aliases: []string{"P"}, Usage: "publish the image's EXPOSE ports on free host ports", Destination: &f.publishAll},
		&ucli.StringFlag{Name: "ip", Usage: "the container's IPv4 `ADDRESS` on its network", Destination: &f.ip},
		&ucli.StringFlag{Name: "mac-address", Usage: "the container's `MAC` on its network", Destination: &f.mac},
		&ucli.BoolFlag{Name: "no-hosts", Usage: "keep the image's /etc/hosts instead of generating one", Destination: &f.noHosts},
		&ucli.StringFlag{Name: "pid", Value: "private", Usage: "PID namespace `MODE`: private or host", Destination: &f.pidNS},
		&ucli.StringFlag{Name: "ipc", Value: "private", Usage: "IPC namespace `MODE`: private or host (the host's /dev/shm too)", Destination: &f.ipcNS},
		&ucli.StringFlag{Name: "uts", Value: "private", Usage: "UTS namespace `MODE`: private or host (the host's name)", Destination: &f.utsNS},
		&ucli.StringFlag{Name: "cgroupns", Usage: "cgroup namespace `MODE`: private or host (default: private on cgroup v2, host on v1, as podman)", Destination: &f.cgroupNS},
		&ucli.StringFlag{Name: "cgroup-parent", Usage: "put the container's cgroup under `PARENT`: a slice (NAME.slice) with the systemd manager, an absolute path with cgroupfs", Destination: &f.cgroupParent},
		&ucli.StringFlag{Name: "cgroup-manager", Usage: "`MANAGER` of containers' and pods' cgroups: systemd (a scope each, a slice per pod) or cgroupfs (default: systemd when it is the machine's init, as podman)", Destination: &f.cgroupManager},
		&ucli.StringFlag{Name: "memory", Aliases: []string{"m"}, Usage: "memory limit `SIZE` (e.g. 512m)", Destination: &f.memory},
		&ucli.StringFlag{Name: "memory-swap", Usage: "memory and swap together: `SIZE` (at least --memory's; -1: no swap limit)", Destination: &f.memorySwap},
		&ucli.StringSliceFlag{Name: "device-read-bps", Usage: "limit reads from a block device: `DEVICE:RATE` (a size a second, e.g. /dev/vda:1mb)", Destination: &f.readBps},
		&ucli.StringSliceFlag{Name: "device-write-bps", Usage: "limit writes to a block device: `DEVICE:RATE` (a size a second)", Destination: &f.writeBps},
		&ucli.StringSliceFlag{Name: "device-read-iops", Usage: "limit read operations on a block device: `DEVICE:RATE` (a count a second)", Destination: &f.readIOPS},
		&ucli.StringSliceFlag{Name: "device-write-iops", Usage: "limit write operations on a block device: `DEVICE:RATE` (a count a second)", Destination: &f.writeIOPS},
		&ucli.StringFlag{Name: "cpus", Usage: "CPU limit: `N` CPUs (e.g. 1.5)", Destination: &f.cpus},
		&ucli.Int64Flag{Name: "pids-limit", Value: 2048, Usage: "at most `N` processes (0 or -1: no limit)", Destination: &f.pidsLimit},
		&ucli.StringSliceFlag{Name: "ulimit", Usage: "resource limit `NAME=SOFT[:HARD]`", Destination: &f.ulimits},
		&ucli.StringSliceFlag{Name: "cap-add", Usage: "add a `CAPABILITY`", Destination: &f.capAdd},
		&ucli.StringSliceFlag{Name: "cap-drop", Usage: "drop a `CAPABILITY`", Destination: &f.capDrop},
		&ucli.BoolFlag{Name: "privileged", Usage: "all capabilities, no seccomp, no masked paths, writable /sys", Destination: &f.privileged},
		&ucli.StringSliceFlag{Name: "security-opt", Usage: "`OPT`: no-new-privileges, seccomp=unconfined or seccomp=FILE", Destination: &f.securityOpts},
		&ucli.StringSliceFlag{Name: "log-opt", Usage: "with -d: `max-size=SIZE` rotates the log at SIZE, max-file=N keeps N files (default 1: truncate)", Destination: &f.logOpts},
		&ucli.StringSliceFlag{Name: "group-add", Usage: "also run in `GROUP` (a name from the image's /etc/group, or a number)", Destination: &f.groupAdd},
		&ucli.StringSliceFlag{Name: "add-host", Usage: "add `NAME:IP` to /etc/hosts", Destination: &f.addHosts},
		&ucli.StringSliceFlag{Name: "dns", Usage: "name server `IP` in /etc/resolv.conf (replaces the host's)", Destination: &f.dns},
		&ucli.StringSliceFlag{Name: "dns-search", Usage: "search `DOMAIN` in /etc/resolv.conf (replaces the host's)", Destination: &f.dnsSearch},
		&ucli.StringSliceFlag{Name: "dns-option", Usage: "resolver `OPTION` in /etc/resolv.conf (replaces the host's)", Destination: &f.dnsOptions},
		&ucli.StringFlag{Name: "shm-size", Usage: "size of /dev/shm: `SIZE` (default 64m)", Destination: &f.shmSize},
		&ucli.StringSliceFlag{Name: "sysctl", Usage: "set the namespaced kernel parameter `NAME=VALUE`", Destination: &f.sysctls},
		&ucli.StringSliceFlag{Name: "device", Usage: "make the host device `HOST[:CONTAINER][:PERMS]` usable in the container (PERMS: r, w, m)", Destination: &f.devices},
		&ucli.BoolFlag{Name: "init", Usage: "run the command under a small init that reaps zombies and passes signals on (catatonit)", Destination: &f.init},
		&ucli.StringFlag{Name: "init-path", Usage: "with --init: the init `PROGRAM` (static; default: podman's catatonit, else catatonit or tini on PATH)", Destination: &f.initPath},
		&ucli.StringFlag{Name: "stop-signal", Usage: "`SIGNAL` for ctr-run stop (default: the image's STOPSIGNAL, else SIGTERM)", Destination: &f.stopSignal},
		&ucli.IntFlag{Name: "stop-timeout", Usage: "`SECONDS` ctr-run stop waits before SIGKILL (default 10)", Destination: &f.stopTimeout},
		&ucli.StringSliceFlag{Name: "annotation", Usage: "add `KEY=VALUE` to the container's OCI annotations (repeatable; keys starting io.ctr. are ctr's own and refused)", Destination: &f.annotations},
		&ucli.StringFlag{Name: "cidfile", Usage: "write the container ID to `FILE`", Destination: &f.cidfile},
		&ucli.StringFlag{Name: "runtime", Usage: "OCI runtime `PATH` (default: ctr-runtime beside this program, else on PATH)", Destination: &f.runtime},
		&ucli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print no pull progress", Destination: &f.quiet},
		&ucli.StringFlag{Name: "pod", Usage: "run in `POD` (ID or name; new:NAME makes it, with this container's network options)", Destination: &f.pod},
	)
	app.Flags = append(app.Flags, f.net.Flags()...)
	app.Flags = append(app.Flags, f.registry.Flags()...)
	app.Flags = append(app.Flags, f.policy.Flags()...)
	app.Flags = append(app.Flags, f.storage.Flags()...)
	app.Action = func(c *ucli.Context) error { return runContainer(c, &f) }
	app.Commands = append(lifecycleCommands(&f), portCommand(&f), networkCommand(&f), podCommand(&f), kubeCommand(&f))
	return app
}

func runContainer(c *ucli.Context, f *runFlags) error {
	if c.NArg() == 0 {
		return cli.UsageError("want an IMAGE (or - to read it from stdin)")
	}
	args := c.Args().Slice()
	if args[0] == "-" {
		refs, err := cli.ExpandStdin(args[:1], c.App.Reader)
		if err != nil {
			return err
		}
		if len(refs) != 1 {
			return cli.UsageError("want one image on stdin, got %d", len(refs))
		}
		args[0] = refs[0]
	}
	o, err := f.options(c, args)
	if err != nil {
		return err
	}
	newPod, err := f.podRunOptions(c, &o)
	if err != nil {
		return err
	}
	return withManager(f, func(m *run.Manager) error {
		if newPod != nil {
			// --pod new:NAME: the pod first, with this container's network;
			// gone again if the container does not start.
			p, err := m.CreatePod(c.Context, *newPod)
			if err != nil {
				return err
			}
			o.Pod = p.ID
		}
		status, err := m.Run(c.Context, o, func(id string) {
			if o.Detach {
				fmt.Fprintln(c.App.Writer, id)
			}
		})
		if err != nil {
			if newPod != nil {
				_, _ = m.RemovePod(context.WithoutCancel(c.Context), o.Pod, true)
			}
			return err
		}
		return exit.With(status)
	})
}
