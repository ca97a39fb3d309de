package main

import (
	"errors"
	"fmt"
	"os"

	ucli "github.com/urfave/cli/v2"

	"github.com/ctr-project/ctr/cmd/internal/cli"
	"github.com/ctr-project/ctr/lib/kube"
	"github.com/ctr-project/ctr/lib/run"
)

// kubeCommand runs Kubernetes Pod manifests as pods, as podman kube.
func kubeCommand(f *runFlags) *ucli.Command {
	return &ucli.Command{
		Name: "kube", Usage: "run Kubernetes Pod manifests as pods",
		Subcommands: []*ucli.Command{kubePlay(f), kubeDown(f)},
	}
}

// readManifests parses the manifests of the one FILE argument (- is
// stdin).
func readManifests(c *ucli.Context) ([]kube.Pod, error) {
	if c.NArg() != 1 {
		return nil, cli.UsageError("want one FILE of Pod manifests (- for stdin)")
	}
	r := c.App.Reader
	if name := c.Args().First(); name != "-" {
		file, err := os.Open(name)
		if err != nil {
			return nil, cli.UsageError("%v", err)
		}
		defer file.Close()
		r = file
	}
	return kube.Parse(r)
}

func kubePlay(f *runFlags) *ucli.Command {
	return &ucli.Command{
		Name: "play", Usage: "create the pods of Kubernetes Pod manifests and start their containers; print the pods' IDs", ArgsUsage: "FILE",
		Action: func(c *ucli.Context) error {
			if err := f.checkKubeFlags(c); err != nil {
				return err
			}
			pods, err := readManifests(c)
			if err != nil {
				return err
			}
			// Play checks them too; here before the store is opened.
			if err := kube.CheckKeys(pods); err != nil {
				return err
			}
			pl, err := f.kubePlayer(c)
			if err != nil {
				return err
			}
			return withManager(f, func(m *run.Manager) error {
				pl.Manager = m
				return pl.Play(c.Context, pods, func(p run.Pod) { fmt.Fprintln(c.App.Writer, p.ID) })
			})
		},
	}
}

// kubePlayer is kube play's player, of the global flags that say where
// and how it runs: the store, registries, policy, networks' config,
// runtime, cgroup manager and pull progress.
func (f *runFlags) kubePlayer(c *ucli.Context) (*kube.Player, error) {
	// Checked here, for the flags' own error; ctr-pull gets them as given.
	if _, err := f.registry.SystemContext(); err != nil {
		return nil, err
	}
	if err := f.policy.Check(); err != nil {
		return nil, err
	}
	return &kube.Player{Puller: f.puller(c.App.ErrWriter), CgroupManager: f.cgroupManagerOrDefault()}, nil
}

// checkKubeFlags refuses a container's own options (-v, --memory, …)
// before kube play: a manifest gives its containers' own, and a flag
// that seemed to hold for them all would not.
func (f *runFlags) checkKubeFlags(c *ucli.Context) error {
	tool := map[string]bool{"runtime": true, "cgroup-manager": true, "quiet": true}
	for _, group := range [][]ucli.Flag{f.storage.Flags(), f.registry.Flags(), f.policy.Flags(), f.net.Flags()} {
		for _, fl := range group {
			for _, name := range fl.Names() {
				tool[name] = true
			}
		}
	}
	for _, fl := range c.App.Flags {
		name := fl.Names()[0]
		if !tool[name] && c.IsSet(name) {
			return cli.UsageError("--%s: kube play takes its containers' options from the manifest", name)
		}
	}
	return nil
}

func kubeDown(f *runFlags) *ucli.Command {
	return &ucli.Command{
		Name: "down", Usage: "remove the pods of Kubernetes Pod manifests, with their containers and volumes; print their IDs", ArgsUsage: "FILE",
		Action: func(c *ucli.Context) error {
			pods, err := readManifests(c)
			if err != nil {
				return err
			}
			return withManager(f, func(m *run.Manager) error {
				var errs []error
				for _, kp := range pods {
					p, err := m.RemovePod(c.Context, kp.Name, true)
					if err != nil {
						errs = append(errs, err)
						continue
					}
					fmt.Fprintln(c.App.Writer, p.ID)
				}
				return errors.Join(errs...)
			})
		},
	}
}
