package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	ucli "github.com/urfave/cli/v2"

	"github.com/ctr-project/ctr/cmd/internal/cli"
	"github.com/ctr-project/ctr/lib/kube"
	"github.com/ctr-project/ctr/lib/network"
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
			pods, err := readManifests(c)
			if err != nil {
				return err
			}
			if err := checkManifestKeys(pods); err != nil {
				return err
			}
			return withManager(f, func(m *run.Manager) error {
				for _, kp := range pods {
					p, err := playPod(c, f, m, kp)
					if err != nil {
						return fmt.Errorf("pod %s: %w", kp.Name, err)
					}
					fmt.Fprintln(c.App.Writer, p.ID)
				}
				return nil
			})
		},
	}
}

// checkManifestKeys refuses, before any pod is made, labels and
// annotations with keys of ctr's own: they would make the pod pass for a
// CRI one, or its containers join another pod.
func checkManifestKeys(pods []kube.Pod) error {
	for _, kp := range pods {
		if err := run.CheckKeys(kp.Labels); err != nil {
			return fmt.Errorf("pod %s: metadata.labels: %w", kp.Name, err)
		}
		if err := run.CheckKeys(kp.Annotations); err != nil {
			return fmt.Errorf("pod %s: metadata.annotations: %w", kp.Name, err)
		}
	}
	return nil
}

// playPod makes one manifest's pod and starts its containers, in order;
// if any of it fails, the pod goes again with all it has.
func playPod(c *ucli.Context, f *runFlags, m *run.Manager, kp kube.Pod) (p run.Pod, retErr error) {
	po := run.PodOptions{Name: kp.Name, Hostname: kp.Hostname, Labels: kp.Labels, CgroupManager: f.cgroupManagerOrDefault()}
	po.Infra.Network = "bridge"
	if kp.HostNetwork {
		po.Infra.Network = "host"
	}
	for _, pt := range kp.Ports {
		po.Infra.Publish = append(po.Infra.Publish, network.PortMapping{HostIP: pt.HostIP, HostPort: pt.HostPort, ContainerPort: pt.ContainerPort, Protocol: pt.Protocol})
	}
	p, err := m.CreatePod(c.Context, po)
	if err != nil {
		return p, err
	}
	defer func() {
		if retErr != nil {
			_, _ = m.RemovePod(context.WithoutCancel(c.Context), p.ID, true)
		}
	}()
	mounts, err := podVolumes(m, p, kp)
	if err != nil {
		return p, err
	}
	for _, kc := range kp.Containers {
		o, err := kubeContainerOptions(c, f, p, kp, kc, mounts)
		if err != nil {
			return p, err
		}
		if _, err := m.Run(c.Context, o, func(string) {}); err != nil {
			return p, fmt.Errorf("container %s: %w", kc.Name, err)
		}
	}
	return p, nil
}

// podVolumes makes the pod's volumes ready: its emptyDirs, and the host
// paths their type asks to exist or to be made. It returns each one's
// host path.
func podVolumes(m *run.Manager, p run.Pod, kp kube.Pod) (map[string]string, error) {
	out := map[string]string{}
	for name, v := range kp.Volumes {
		if v.EmptyDir {
			dir := m.PodVolumeDir(p.ID, name)
			// Kubernetes' emptyDir is writable by any user of the pod.
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, err
			}
			if err := os.Chmod(dir, 0o777); err != nil { // an emptyDir is the pod's to share, as Kubernetes makes it
				return nil, err
			}
			out[name] = dir
			continue
		}
		if err := hostPathReady(name, v); err != nil {
			return nil, err
		}
		out[name] = v.HostPath
	}
	return out, nil
}

// hostPathReady checks (or makes) a hostPath volume as its type says.
func hostPathReady(name string, v kube.Volume) error {
	switch v.HostPathType {
	case "DirectoryOrCreate":
		return os.MkdirAll(v.HostPath, 0o755)
	case "FileOrCreate":
		file, err := os.OpenFile(v.HostPath, os.O_CREATE|os.O_RDONLY, 0o644)
		if err != nil {
			return err
		}
		return file.Close()
	}
	fi, err := os.Stat(v.HostPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return cli.UsageError("volume %s: hostPath %s does not exist", name, v.HostPath)
	case err != nil:
		return err
	case v.HostPathType == "Directory" && !fi.IsDir():
		return cli.UsageError("volume %s: hostPath %s is not a directory", name, v.HostPath)
	case v.HostPathType == "File" && !fi.Mode().IsRegular():
		return cli.UsageError("volume %s: hostPath %s is not a file", name, v.HostPath)
	}
	return nil
}

// kubeContainerOptions are a manifest container's options: the global
// flags' store (m's directories), runtime and registries, the rest from
// the manifest.
func kubeContainerOptions(c *ucli.Context, f *runFlags, p run.Pod, kp kube.Pod, kc kube.Container, mounts map[string]string) (run.Request, error) {
	cf := *f
	cf.name, cf.pull, cf.detach, cf.rm, cf.pod, cf.network = p.Name+"-"+kc.Name, kc.Pull, true, false, p.ID, "bridge"
	o, err := cf.options(c, []string{kc.Image})
	if err != nil {
		return o, err
	}
	if _, err := cf.podRunOptions(c, &o); err != nil {
		return o, err
	}
	switch {
	case kc.Command != nil:
		o.Command = append(append([]string{}, kc.Command...), kc.Args...)
	case kc.Args != nil:
		o.Args = kc.Args
	}
	o.Env, o.Workdir, o.User = kc.Env, kc.Workdir, kc.User
	o.Annotations = kp.Annotations // the pod's, each container's as under podman
	o.Privileged, o.ReadOnly, o.NoNewPrivileges = kc.Privileged, kc.ReadOnly, kc.NoNewPrivileges
	o.CapAdd, o.CapDrop = kc.CapAdd, kc.CapDrop
	if err := run.CheckCaps(o.CapAdd); err != nil {
		return o, cli.UsageError("container %s: capabilities.add: %v", kc.Name, err)
	}
	if err := run.CheckCaps(o.CapDrop); err != nil {
		return o, cli.UsageError("container %s: capabilities.drop: %v", kc.Name, err)
	}
	o.Memory, o.CPUQuota = kc.Memory, kc.CPUMillis*100 // a quota per 100 ms period
	o.StopTimeout = kp.StopTimeout
	for _, vm := range kc.Mounts {
		o.Mounts = append(o.Mounts, run.Mount{Type: "bind", Source: mounts[vm.Volume], Target: vm.Target, ReadOnly: vm.ReadOnly})
	}
	return o, nil
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
