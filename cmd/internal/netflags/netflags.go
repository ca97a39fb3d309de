// Package netflags holds the CNI flags of the tools that attach
// containers to networks (ctr-run, ctr-cri): where the network configs and
// the plugins are.
package netflags

import (
	"io"

	ucli "github.com/urfave/cli/v2"

	"github.com/ctr-project/ctr/lib/network"
)

// Flags are --network-config-dir and --cni-plugin-dir.
type Flags struct {
	ConfigDir  string
	PluginDirs ucli.StringSlice
	// Warn gets the networks' warnings (a config file skipped).
	Warn io.Writer
}

// Flags returns the flags, bound to f.
func (f *Flags) Flags() []ucli.Flag {
	return []ucli.Flag{
		&ucli.StringFlag{Name: "network-config-dir", Usage: "the CNI network configs' `DIR` (default /etc/cni/net.d, podman's)", Destination: &f.ConfigDir},
		&ucli.StringSliceFlag{Name: "cni-plugin-dir", Usage: "look for CNI plugins in `DIR` (repeat for more; default /usr/lib/cni, /usr/libexec/cni, /opt/cni/bin)", Destination: &f.PluginDirs},
	}
}

// Manager is the networks the flags name.
func (f *Flags) Manager() *network.Manager {
	return network.New(network.Config{ConfDir: f.ConfigDir, PluginDirs: f.PluginDirs.Value(), Warn: f.Warn})
}

// Args repeat the flags for a command run later (a monitor's clean-up).
func (f *Flags) Args() []string {
	var args []string
	if f.ConfigDir != "" {
		args = append(args, "--network-config-dir", f.ConfigDir)
	}
	for _, d := range f.PluginDirs.Value() {
		args = append(args, "--cni-plugin-dir", d)
	}
	return args
}
