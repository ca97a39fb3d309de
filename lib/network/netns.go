package network

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/ctr-project/ctr/lib/mountinfo"
)

// DefaultNetnsDir is where network namespaces are pinned, as ip-netns and
// podman pin them.
const DefaultNetnsDir = "/run/netns"

// newNetns makes a network namespace and pins it with a bind mount at
// DIR/ctr-<random>, so that it lives without a process in it, before the
// container starts and after it exits. It returns the pinned path.
func newNetns(dir string) (string, error) {
	if err := sharedMountPoint(dir); err != nil {
		return "", err
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	path := filepath.Join(dir, "ctr-"+hex.EncodeToString(b))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_RDONLY, 0o444)
	if err != nil {
		return "", err
	}
	f.Close()
	// unshare changes the calling thread's namespace: a thread of its own,
	// locked and never given back to Go (it exits with the goroutine).
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("a new network namespace: %w", err)
			return
		}
		if err := loopbackUp(); err != nil {
			errc <- fmt.Errorf("loopback in the new network namespace: %w", err)
			return
		}
		src := fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid())
		if err := unix.Mount(src, path, "none", unix.MS_BIND, ""); err != nil {
			errc <- fmt.Errorf("pinning the network namespace at %s: %w", path, err)
			return
		}
		errc <- nil
	}()
	if err := <-errc; err != nil {
		_ = os.Remove(path)
		return "", err
	}
	return path, nil
}

// Why the namespace directory is made a shared mount point of its own
// before anything is pinned in it: that is what podman (CNI's netns code,
// containers/common) and ip-netns do first, each when it finds a plain
// directory. After a boot /run/netns is a plain directory; a pin made
// there by ctr and then podman's first run, which bind-mounts the
// directory onto itself, would leave ctr's mount under podman's, where a
// removal by path cannot reach it (the file then stays busy). Made the
// same way here, a later podman or ip-netns finds the mount point ready
// and makes none of its own; and with shared propagation an unmount in
// any copy of the directory reaches the others.

// sharedMountPoint makes dir (made if missing) a mount point with shared
// propagation, as podman and ip-netns make it. Once per directory: the
// first caller binds it onto itself under a lock on the directory, so
// that two at once make one mount, not two stacked.
func sharedMountPoint(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := makeShared(dir); !errors.Is(err, unix.EINVAL) {
		return err // nil: a mount point already, now shared
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := unix.Flock(int(d.Fd()), unix.LOCK_EX); err != nil {
		return fmt.Errorf("locking %s: %w", dir, err)
	}
	// Another process may have made it while this one waited.
	if err := makeShared(dir); !errors.Is(err, unix.EINVAL) {
		return err
	}
	// Recursive: a namespace pinned there before is carried over.
	if err := unix.Mount(dir, dir, "none", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("making %s a mount point: %w", dir, err)
	}
	return makeShared(dir)
}

// makeShared gives dir's mount, and those below it, shared propagation;
// EINVAL when dir is not a mount point.
func makeShared(dir string) error {
	err := unix.Mount("", dir, "none", unix.MS_SHARED|unix.MS_REC, "")
	if err != nil && !errors.Is(err, unix.EINVAL) {
		return fmt.Errorf("making %s a shared mount: %w", dir, err)
	}
	return err
}

// loopbackUp sets lo up in the calling thread's network namespace, as
// podman 4.3 does itself rather than run CNI's loopback plugin (two execs
// per container, ADD and DEL, for one flag; the namespace takes lo with
// it when it goes).
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return err
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}

// removeNetns unpins a namespace newNetns made; one already gone is no
// error. Every mount on the path goes (one propagated there twice stacks),
// and then one that a later mount of the directory covers (see
// unmountCovered).
func removeNetns(path string) error {
	if path == "" {
		return nil
	}
	for range 64 {
		err := unix.Unmount(path, unix.MNT_DETACH)
		if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOENT) {
			break // no mount (left) on it
		}
		if err != nil {
			return fmt.Errorf("unpinning %s: %w", path, err)
		}
	}
	err := os.Remove(path)
	if errors.Is(err, unix.EBUSY) {
		if uerr := unmountCovered(path); uerr != nil {
			return fmt.Errorf("unpinning %s: %w", path, uerr)
		}
		err = os.Remove(path)
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// unmountCovered unmounts what is still mounted on path where no path
// reaches it: a pin made while the directory was plain, then covered by a
// mount of the directory onto itself (podman's first run, ip-netns, or
// an older ctr's pin on a host where podman ran later). Its mount point
// is reached through a file handle opened on the mount beneath the
// cover: open_by_handle_at resolves to the file in that mount, where the
// pin is, and an unmount through /proc/self/fd takes that very mount.
func unmountCovered(path string) error {
	covered, err := mountinfo.At(path)
	if err != nil {
		return err
	}
	if len(covered) == 0 {
		return errors.New("busy, but nothing is mounted on it")
	}
	h, _, err := unix.NameToHandleAt(unix.AT_FDCWD, path, 0)
	if err != nil {
		return fmt.Errorf("its file handle: %w", err)
	}
	// The directory's parent is in the mount the covered pin was made on.
	parent, err := unix.Open(filepath.Dir(filepath.Dir(path)), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(parent)
	var stx unix.Statx_t
	if err := unix.Statx(parent, "", unix.AT_EMPTY_PATH, unix.STATX_MNT_ID, &stx); err != nil {
		return err
	}
	for _, m := range covered {
		if m.Parent != stx.Mnt_id {
			return fmt.Errorf("mounted (mount %d) beneath a mount this process cannot reach", m.ID)
		}
		fd, err := unix.OpenByHandleAt(parent, h, unix.O_PATH|unix.O_CLOEXEC)
		if err != nil {
			return fmt.Errorf("opening it beneath the mount that covers it: %w", err)
		}
		err = unix.Unmount("/proc/self/fd/"+strconv.Itoa(fd), unix.MNT_DETACH)
		unix.Close(fd)
		if err != nil {
			return fmt.Errorf("unmounting it beneath the mount that covers it: %w", err)
		}
	}
	return nil
}
