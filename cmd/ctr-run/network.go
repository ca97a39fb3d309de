package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	ucli "github.com/urfave/cli/v2"

	"github.com/ctr-project/ctr/cmd/internal/cli"
	"github.com/ctr-project/ctr/lib/exit"
	"github.com/ctr-project/ctr/lib/network"
	"github.com/ctr-project/ctr/lib/run"
)

// portCommand prints a container's published ports, as podman port.
func portCommand(f *runFlags) *ucli.Command {
	return &ucli.Command{
		Name: "port", Usage: "print a container's published ports: PORT/PROTO -> HOSTIP:HOSTPORT", ArgsUsage: "CONTAINER [PORT[/PROTO]]",
		Action: func(c *ucli.Context) error {
			if c.NArg() < 1 || c.NArg() > 2 {
				return cli.UsageError("want CONTAINER [PORT[/PROTO]]")
			}
			return withManager(f, func(m *run.Manager) error {
				ports, err := m.Ports(c.Context, c.Args().First())
				if err != nil {
					return err
				}
				want := c.Args().Get(1)
				if want != "" && !strings.Contains(want, "/") {
					want += "/tcp"
				}
				for _, p := range ports {
					key := fmt.Sprintf("%d/%s", p.ContainerPort, p.Protocol)
					if want != "" && key != want {
						continue
					}
					host := cmp.Or(p.HostIP, "0.0.0.0")
					if want != "" {
						fmt.Fprintf(c.App.Writer, "%s:%d\n", host, p.HostPort)
					} else {
						fmt.Fprintf(c.App.Writer, "%s -> %s:%d\n", key, host, p.HostPort)
					}
				}
				return nil
			})
		},
	}
}

// networkCommand manages CNI networks, in the files podman 4.3 uses.
func networkCommand(f *runFlags) *ucli.Command {
	return &ucli.Command{
		Name: "network", Usage: "manage networks (CNI configs in /etc/cni/net.d, shared with podman)",
		Subcommands: []*ucli.Command{networkCreate(f), networkList(f), networkInspect(f), networkRemove(f), networkPrune(f),
			networkConnect(f, true), networkConnect(f, false)},
	}
}

func networkCreate(f *runFlags) *ucli.Command {
	var o network.CreateOptions
	return &ucli.Command{
		Name: "create", Usage: "create a bridge network; print its name", ArgsUsage: "NAME",
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "subnet", Usage: "its IPv4 `CIDR` (default: the first free 10.89.N.0/24)", Destination: &o.Subnet},
			&ucli.StringFlag{Name: "gateway", Usage: "the bridge's `ADDRESS` (default: the subnet's first)", Destination: &o.Gateway},
			&ucli.BoolFlag{Name: "internal", Usage: "no gateway and no masquerading: its containers reach only each other", Destination: &o.Internal},
		},
		Action: func(c *ucli.Context) error {
			if c.NArg() != 1 {
				return cli.UsageError("want one NAME")
			}
			o.Name = c.Args().First()
			n, err := f.networks().Create(o)
			if err != nil {
				return err
			}
			fmt.Fprintln(c.App.Writer, n.Name)
			return nil
		},
	}
}

func networkList(f *runFlags) *ucli.Command {
	var asJSON, quiet bool
	return &ucli.Command{
		Name: "ls", Usage: "list networks", Aliases: []string{"list"},
		Flags: []ucli.Flag{
			&ucli.BoolFlag{Name: "json", Usage: "one JSON record per network", Destination: &asJSON},
			&ucli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "names only", Destination: &quiet},
		},
		Action: func(c *ucli.Context) error {
			nets, err := f.networks().List()
			if err != nil {
				return err
			}
			switch {
			case asJSON:
				enc := json.NewEncoder(c.App.Writer)
				for _, n := range nets {
					if err := enc.Encode(n); err != nil {
						return err
					}
				}
				return nil
			case quiet:
				for _, n := range nets {
					fmt.Fprintln(c.App.Writer, n.Name)
				}
				return nil
			}
			w := tabwriter.NewWriter(c.App.Writer, 10, 1, 3, ' ', 0)
			fmt.Fprintln(w, "NETWORK ID\tNAME\tDRIVER\tSUBNETS")
			for _, n := range nets {
				var subnets []string
				for _, s := range n.Subnets {
					subnets = append(subnets, s.Subnet)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", n.ID[:12], n.Name, n.Driver, strings.Join(subnets, ","))
			}
			return w.Flush()
		},
	}
}

func networkInspect(f *runFlags) *ucli.Command {
	return &ucli.Command{
		Name: "inspect", Usage: "print networks as JSON", ArgsUsage: "NETWORK...",
		Action: func(c *ucli.Context) error {
			if c.NArg() == 0 {
				return cli.UsageError("want at least one NETWORK")
			}
			nm := f.networks()
			enc := json.NewEncoder(c.App.Writer)
			var first error
			for _, ref := range c.Args().Slice() {
				n, err := nm.Get(ref)
				if err == nil {
					err = enc.Encode(n)
				}
				if err != nil {
					cli.PrintError(c.App, err)
					if first == nil {
						first = err
					}
				}
			}
			return silenced(first)
		},
	}
}

func networkRemove(f *runFlags) *ucli.Command {
	return &ucli.Command{
		Name: "rm", Usage: "remove networks no container uses; print their names", ArgsUsage: "NETWORK...",
		Action: func(c *ucli.Context) error {
			if c.NArg() == 0 {
				return cli.UsageError("want at least one NETWORK")
			}
			return withManager(f, func(m *run.Manager) error {
				var first error
				for _, ref := range c.Args().Slice() {
					n, err := m.RemoveNetwork(c.Context, ref)
					if err == nil {
						fmt.Fprintln(c.App.Writer, n.Name)
					}
					if err != nil {
						cli.PrintError(c.App, err)
						if first == nil {
							first = err
						}
					}
				}
				return silenced(first)
			})
		},
	}
}

// silenced is err's exit status without its message, printed already.
func silenced(err error) error {
	if err == nil {
		return nil
	}
	return exit.With(exitCode(err))
}

func networkPrune(f *runFlags) *ucli.Command {
	return &ucli.Command{
		Name: "prune", Usage: "remove every network no container uses (not podman's default); print their names",
		Action: func(c *ucli.Context) error {
			if c.NArg() != 0 {
				return cli.UsageError("prune takes no arguments")
			}
			return withManager(f, func(m *run.Manager) error {
				removed, err := m.PruneNetworks(c.Context)
				for _, name := range removed {
					fmt.Fprintln(c.App.Writer, name)
				}
				return err
			})
		},
	}
}

// networkConnect is connect (or disconnect): a running container joins (or
// leaves) a network, as podman network connect.
func networkConnect(f *runFlags, connect bool) *ucli.Command {
	name, usage := "connect", "attach a running container to one more network"
	if !connect {
		name, usage = "disconnect", "detach a running container from one of its networks"
	}
	return &ucli.Command{
		Name: name, Usage: usage, ArgsUsage: "NETWORK CONTAINER",
		Action: func(c *ucli.Context) error {
			if c.NArg() != 2 {
				return cli.UsageError("want NETWORK CONTAINER")
			}
			return withManager(f, func(m *run.Manager) error {
				net, ref := c.Args().Get(0), c.Args().Get(1)
				if connect {
					return m.Connect(c.Context, ref, net)
				}
				return m.Disconnect(c.Context, ref, net)
			})
		},
	}
}
