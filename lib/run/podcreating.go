package run

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Why a pod being made says so: CreatePod writes the pod's record first
// (so that whatever fails later is found and removed), then makes the
// infra and attaches its network. A process killed in between (ctr-cri in
// RunPodSandbox, ctr-run pod create) returns no ID, so no one will ever
// remove that pod by it: the kubelet retries under another attempt's
// name. While it makes the pod, the creator holds a lock on a file beside
// the record; a pod whose file is there and whose lock is free was left
// half-made by a process that is gone, and the next one that looks
// removes it: ctr-cri when it starts, pod create when it wants the name.

// creatingFile is the file the creator of pod id holds locked.
func (m *Manager) creatingFile(id string) string { return filepath.Join(m.podsDir(), id+".creating") }

// markCreating makes and locks pod id's file; the function returned
// removes it once the pod is whole (or gone).
func (m *Manager) markCreating(id string) (func(), error) {
	path := m.creatingFile(id)
	unlock, err := flockFile(path)
	if err != nil {
		return nil, err
	}
	return func() {
		_ = os.Remove(path)
		unlock()
	}, nil
}

// leftHalfMade says whether pod id was left half-made: its file is there
// and no process holds its lock. A file its creator removed (done) after
// this one opened it, and before it was locked here, is no longer linked:
// that pod is whole.
func (m *Manager) leftHalfMade(id string) bool {
	f, err := os.OpenFile(m.creatingFile(id), os.O_RDWR, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	if unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) != nil {
		return false
	}
	var st unix.Stat_t
	return unix.Fstat(int(f.Fd()), &st) == nil && st.Nlink > 0
}

// RemoveHalfMade removes the pods that processes killed while making them
// left (those keep accepts, or all with nil), with everything they had on
// the host; it returns those it removed.
func (m *Manager) RemoveHalfMade(ctx context.Context, keep func(Pod) bool) ([]Pod, error) {
	pods, err := m.podRecords()
	if err != nil {
		return nil, err
	}
	var removed []Pod
	var errs []error
	for _, p := range pods {
		if (keep != nil && !keep(p)) || !m.leftHalfMade(p.ID) {
			continue
		}
		if err := m.destroyPod(ctx, p); err != nil {
			errs = append(errs, err)
			continue
		}
		if err := os.Remove(m.creatingFile(p.ID)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
		removed = append(removed, p)
	}
	return removed, errors.Join(errs...)
}
