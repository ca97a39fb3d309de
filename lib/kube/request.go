package kube

import (
	"fmt"

	"github.com/ctr-project/ctr/lib/network"
	"github.com/ctr-project/ctr/lib/run"
	"github.com/ctr-project/ctr/lib/runflags"
)

// A manifest's pod and containers as lib/run's requests: functions of the
// parsed manifest alone, which make nothing and set none of the
// environment (runtime, directories, networks, monitor), for Play to run
// and for tests to call without a runtime.

// CheckKeys refuses, among the pods' labels and annotations, keys of ctr's
// own: they would make a pod pass for a CRI one, or its containers join
// another pod. Play checks every pod before it makes any.
func CheckKeys(pods []Pod) error {
	for _, p := range pods {
		if err := run.CheckKeys(p.Labels); err != nil {
			return fmt.Errorf("pod %s: metadata.labels: %w", p.Name, err)
		}
		if err := run.CheckKeys(p.Annotations); err != nil {
			return fmt.Errorf("pod %s: metadata.annotations: %w", p.Name, err)
		}
	}
	return nil
}

// PodRequest is the pod's options: its name, host name and labels, its
// network (podman's default, or the host's with hostNetwork) with the
// containers' host ports published on it, its cgroups made by
// cgroupManager. It shares what a pod of ctr-run does by default.
func PodRequest(p Pod, cgroupManager string) run.PodOptions {
	po := run.PodOptions{Name: p.Name, Hostname: p.Hostname, Labels: p.Labels, CgroupManager: cgroupManager}
	po.Infra.Network = run.NetBridge
	if p.HostNetwork {
		po.Infra.Network = run.NetHost
	}
	for _, pt := range p.Ports {
		po.Infra.Publish = append(po.Infra.Publish, network.PortMapping{HostIP: pt.HostIP, HostPort: pt.HostPort, ContainerPort: pt.ContainerPort, Protocol: pt.Protocol})
	}
	return po
}

// ContainerRequest is the request for the pod's container c, in the pod
// made as podID: named POD-CONTAINER, detached, its image pulled as its
// policy says, its command line by Kubernetes' rule (lib/run resolves it
// against the image), the pod's annotations, terminationGracePeriodSeconds
// as its stop timeout, and its volume mounts bound from volumes (each
// volume's host path by name: Play makes them).
func ContainerRequest(p Pod, podID string, c Container, volumes map[string]string) (run.Request, error) {
	o := run.Request{
		Name: p.Name + "-" + c.Name, Image: c.Image, Pull: c.Pull, Pod: podID, Detach: true,
		Env: c.Env, Workdir: c.Workdir, User: c.User,
		Privileged: c.Privileged, ReadOnly: c.ReadOnly, NoNewPrivileges: c.NoNewPrivileges,
		CapAdd: c.CapAdd, CapDrop: c.CapDrop,
		// The pod's annotations are each container's, as under podman.
		Annotations: p.Annotations,
		Memory:      c.Memory, CPUQuota: c.CPUMillis * 100, // a quota per 100 ms period
		StopTimeout: p.StopTimeout,
	}
	if err := runflags.CheckName(o.Name); err != nil {
		return o, err
	}
	o.Command, o.Args = Command(c.Command, c.Args)
	for _, vm := range c.Mounts {
		src, ok := volumes[vm.Volume]
		if !ok {
			return o, fmt.Errorf("volume %s: not made (internal error)", vm.Volume)
		}
		o.Mounts = append(o.Mounts, run.Mount{Type: "bind", Source: src, Target: vm.Target, ReadOnly: vm.ReadOnly})
	}
	return o, nil
}
