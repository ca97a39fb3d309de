package kube

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/run"
)

// Player makes manifests' pods and runs their containers through a
// run.Manager: its store, runtime and monitor, directories and networks.
type Player struct {
	Manager *run.Manager
	// Puller fetches a container's image that is not stored, as its pull
	// policy says (nil: none is pulled).
	Puller run.Puller
	// CgroupManager makes the pods' cgroups: systemd or cgroupfs.
	CgroupManager string
}

// Play makes each manifest's pod and starts its containers, in order,
// and gives each pod made to played. Keys of ctr's own among the pods'
// labels and annotations are refused before any pod is made. If any of a
// pod fails, the pod goes again with all it has.
func (pl *Player) Play(ctx context.Context, pods []Pod, played func(run.Pod)) error {
	if err := CheckKeys(pods); err != nil {
		return err
	}
	for _, p := range pods {
		made, err := pl.playPod(ctx, p)
		if err != nil {
			return fmt.Errorf("pod %s: %w", p.Name, err)
		}
		played(made)
	}
	return nil
}

// playPod makes one manifest's pod and starts its containers, in order;
// if any of it fails, the pod goes again with all it has.
func (pl *Player) playPod(ctx context.Context, p Pod) (made run.Pod, retErr error) {
	m := pl.Manager
	po := PodRequest(p, pl.CgroupManager)
	made, err := m.CreatePod(ctx, po)
	if err != nil {
		return made, err
	}
	defer func() {
		if retErr != nil {
			_, _ = m.RemovePod(context.WithoutCancel(ctx), made.ID, true)
		}
	}()
	volumes, err := podVolumes(m, made.ID, p)
	if err != nil {
		return made, err
	}
	for _, c := range p.Containers {
		o, err := ContainerRequest(p, made.ID, c, volumes)
		if err != nil {
			return made, fmt.Errorf("container %s: %w", c.Name, err)
		}
		o.Puller, o.PodStart = pl.Puller, true
		if _, err := m.Run(ctx, o, func(string) {}); err != nil {
			return made, fmt.Errorf("container %s: %w", c.Name, err)
		}
	}
	return made, nil
}

// podVolumes makes the pod's volumes ready: its emptyDirs, and the host
// paths their type asks to exist or to be made. It returns each one's
// host path.
func podVolumes(m *run.Manager, podID string, p Pod) (map[string]string, error) {
	out := map[string]string{}
	for name, v := range p.Volumes {
		if v.EmptyDir {
			dir := m.PodVolumeDir(podID, name)
			// Kubernetes' emptyDir is writable by any user of the pod.
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, err
			}
			// An emptyDir is the pod's to share, as Kubernetes makes it.
			if err := os.Chmod(dir, 0o777); err != nil {
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
func hostPathReady(name string, v Volume) error {
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
		return errdefs.Usagef("volume %s: hostPath %s does not exist", name, v.HostPath)
	case err != nil:
		return err
	case v.HostPathType == "Directory" && !fi.IsDir():
		return errdefs.Usagef("volume %s: hostPath %s is not a directory", name, v.HostPath)
	case v.HostPathType == "File" && !fi.Mode().IsRegular():
		return errdefs.Usagef("volume %s: hostPath %s is not a file", name, v.HostPath)
	}
	return nil
}
