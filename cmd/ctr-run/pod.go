package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/ctr-project/ctr/cmd/internal/cli"
	"github.com/ctr-project/ctr/lib/run"
	"github.com/ctr-project/ctr/lib/runflags"
)

// podCommand manages pods, as podman pod.
func podCommand(f *runFlags) *ucli.Command {
	return &ucli.Command{
		Name: "pod", Usage: "manage pods: containers that share a network, IPC and UTS namespace",
		Subcommands: []*ucli.Command{podCreate(f), podList(f), podInspect(f), podStart(f), podStop(f, false),
			podStop(f, true), podKill(f), podRemove(f)},
	}
}

func podCreate(f *runFlags) *ucli.Command {
	var pf runFlags // the network and limit flags, as a container's
	var name, share string
	return &ucli.Command{
		Name: "create", Usage: "create a pod and start its infra container; print its ID",
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "name", Usage: "the pod's `NAME` (default: pod-ID)", Destination: &name},
			&ucli.StringFlag{Name: "share", Value: strings.Join(run.DefaultShare, ","), Usage: "the `NAMESPACES` its containers share: net, ipc, uts, pid, comma-separated", Destination: &share},
			&ucli.StringFlag{Name: "network", Aliases: []string{"net"}, Value: "bridge", Usage: "the pod's network `MODE`: bridge, none, host, or network names (comma-separated)", Destination: &pf.network},
			&ucli.StringSliceFlag{Name: "publish", Aliases: []string{"p"}, Usage: "publish a port of the pod's containers on the host: `[IP:][HOSTPORT:]PORT[/tcp|udp]`", Destination: &pf.publish},
			&ucli.StringFlag{Name: "ip", Usage: "the pod's IPv4 `ADDRESS` on its network", Destination: &pf.ip},
			&ucli.StringFlag{Name: "mac-address", Usage: "the pod's `MAC` on its network", Destination: &pf.mac},
			&ucli.StringFlag{Name: "hostname", Usage: "the pod's host `NAME` (default: the pod's name)", Destination: &pf.hostname},
			&ucli.StringSliceFlag{Name: "add-host", Usage: "add `NAME:IP` to the pod's /etc/hosts", Destination: &pf.addHosts},
			&ucli.StringSliceFlag{Name: "dns", Usage: "name server `IP` in the pod's /etc/resolv.conf", Destination: &pf.dns},
			&ucli.StringSliceFlag{Name: "dns-search", Usage: "search `DOMAIN` in the pod's /etc/resolv.conf", Destination: &pf.dnsSearch},
			&ucli.StringSliceFlag{Name: "dns-option", Usage: "resolver `OPTION` in the pod's /etc/resolv.conf", Destination: &pf.dnsOptions},
			&ucli.BoolFlag{Name: "no-hosts", Usage: "no generated /etc/hosts: each container keeps its image's", Destination: &pf.noHosts},
			&ucli.StringFlag{Name: "memory", Aliases: []string{"m"}, Usage: "memory limit `SIZE` of all the pod's containers together", Destination: &pf.memory},
			&ucli.StringFlag{Name: "cpus", Usage: "CPU limit of all the pod's containers together: `N` CPUs", Destination: &pf.cpus},
			&ucli.StringFlag{Name: "cgroup-parent", Usage: "put the pod's cgroup under `PARENT` (a slice with the systemd manager, an absolute path with cgroupfs), whose limits then hold", Destination: &pf.cgroupParent},
		},
		Action: func(c *ucli.Context) error {
			if c.NArg() != 0 {
				return cli.UsageError("pod create takes no arguments (the name is --name)")
			}
			po, err := pf.podOptions(c, name, share)
			if err != nil {
				return err
			}
			po.CgroupManager = f.cgroupManagerOrDefault() // CreatePod checks it with the parent
			return withManager(f, func(m *run.Manager) error {
				p, err := m.CreatePod(c.Context, po)
				if err != nil {
					return err
				}
				fmt.Fprintln(c.App.Writer, p.ID)
				return nil
			})
		},
	}
}

// podOptions makes a pod's options of its network and limit flags (set
// in f), a name and --share.
func (f *runFlags) podOptions(c *ucli.Context, name, share string) (run.PodOptions, error) {
	po := run.PodOptions{Name: name, Hostname: f.hostname, CgroupParent: f.cgroupParent}
	var err error
	if po.Share, err = runflags.ParseShare(share); err != nil {
		return po, err
	}
	po.Infra.Network = f.network
	if err := f.networkOptions(c, &po.Infra); err != nil {
		return po, err
	}
	if err := f.limitOptions(c, &po.Infra); err != nil {
		return po, err
	}
	po.Memory, po.CPUQuota = po.Infra.Memory, po.Infra.CPUQuota
	po.Infra.Memory, po.Infra.CPUQuota = 0, 0 // the pod's cgroup holds them
	return po, nil
}

func podList(f *runFlags) *ucli.Command {
	var quiet, asJSON bool
	return &ucli.Command{
		Name: "ls", Aliases: []string{"list", "ps"}, Usage: "list pods: a table, IDs with -q, JSON records with --json",
		Flags: []ucli.Flag{
			&ucli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print pod IDs only", Destination: &quiet},
			&ucli.BoolFlag{Name: "json", Usage: "print a JSON record per pod", Destination: &asJSON},
		},
		Action: func(c *ucli.Context) error {
			if c.NArg() != 0 {
				return cli.UsageError("pod ls takes no arguments")
			}
			return withManager(f, func(m *run.Manager) error {
				pods, err := m.Pods(c.Context)
				if err != nil {
					return err
				}
				switch {
				case asJSON:
					enc := json.NewEncoder(c.App.Writer)
					for _, p := range pods {
						if err := enc.Encode(p); err != nil {
							return err
						}
					}
					return nil
				case quiet:
					for _, p := range pods {
						fmt.Fprintln(c.App.Writer, p.ID)
					}
					return nil
				}
				w := tabwriter.NewWriter(c.App.Writer, 10, 1, 3, ' ', 0)
				fmt.Fprintln(w, "POD ID\tNAME\tSTATUS\tCREATED\tINFRA ID\t# OF CONTAINERS")
				for _, p := range pods {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%d\n", p.ID[:12], p.Name, p.Status,
						p.Created.Local().Format(time.DateTime), p.InfraID[:min(12, len(p.InfraID))], len(p.Containers))
				}
				return w.Flush()
			})
		},
	}
}

func podInspect(f *runFlags) *ucli.Command {
	return &ucli.Command{
		Name: "inspect", Usage: "print pods' JSON records", ArgsUsage: "POD...",
		Action: func(c *ucli.Context) error {
			enc := json.NewEncoder(c.App.Writer)
			return forRefs(c, f, "POD", 1, func(m *run.Manager, ref string) error {
				p, err := m.GetPod(c.Context, ref)
				if err != nil {
					return err
				}
				return enc.Encode(p)
			})
		},
	}
}

func podStart(f *runFlags) *ucli.Command {
	return &ucli.Command{
		Name: "start", Usage: "start pods: the infra container, then the pod's containers that are not running; print their IDs", ArgsUsage: "POD...",
		Action: func(c *ucli.Context) error {
			return forRefs(c, f, "POD", 1, func(m *run.Manager, ref string) error {
				p, err := m.StartPod(c.Context, ref)
				if err == nil {
					fmt.Fprintln(c.App.Writer, p.ID)
				}
				return err
			})
		},
	}
}

// podStop is pod stop, or pod restart (stop, then start).
func podStop(f *runFlags, restart bool) *ucli.Command {
	var timeout int
	name, usage := "stop", "stop pods: their containers (each's stop signal, then SIGKILL after the timeout), then the infra; print their IDs"
	if restart {
		name, usage = "restart", "stop pods, then start them again; print their IDs"
	}
	return &ucli.Command{
		Name: name, Usage: usage, ArgsUsage: "POD...",
		Flags: []ucli.Flag{&ucli.IntFlag{Name: "time", Aliases: []string{"t"}, Usage: "wait `SECONDS` before SIGKILL (default: each container's --stop-timeout, else 10)", Destination: &timeout}},
		Action: func(c *ucli.Context) error {
			wait, err := stopTime(c, timeout)
			if err != nil {
				return err
			}
			return forRefs(c, f, "POD", 8, func(m *run.Manager, ref string) error {
				p, err := m.StopPod(c.Context, ref, wait)
				if err == nil && restart {
					p, err = m.StartPod(c.Context, p.ID)
				}
				if err == nil {
					fmt.Fprintln(c.App.Writer, p.ID)
				}
				return err
			})
		},
	}
}

func podKill(f *runFlags) *ucli.Command {
	var killSignal string
	return &ucli.Command{
		Name: "kill", Usage: "send a signal to the running containers of pods, the infra last (default SIGKILL); print their IDs", ArgsUsage: "POD...",
		Flags: []ucli.Flag{signalFlag(&killSignal)},
		Action: func(c *ucli.Context) error {
			sig, err := parseSignal(killSignal)
			if err != nil {
				return err
			}
			return forRefs(c, f, "POD", 1, func(m *run.Manager, ref string) error {
				p, err := m.KillPod(c.Context, ref, sig)
				if err == nil {
					fmt.Fprintln(c.App.Writer, p.ID)
				}
				return err
			})
		},
	}
}

func podRemove(f *runFlags) *ucli.Command {
	var force bool
	return &ucli.Command{
		Name: "rm", Usage: "remove pods with their containers; print their IDs", ArgsUsage: "POD...",
		Flags: []ucli.Flag{&ucli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "kill running containers first", Destination: &force}},
		Action: func(c *ucli.Context) error {
			return forRefs(c, f, "POD", 8, func(m *run.Manager, ref string) error {
				p, err := m.RemovePod(c.Context, ref, force)
				if err == nil {
					fmt.Fprintln(c.App.Writer, p.ID)
				}
				return err
			})
		},
	}
}
