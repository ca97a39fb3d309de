package network

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
)

// deleteLink removes a network's bridge once its config is gone, as podman
// does: the bridge plugin makes bridges and never removes them. Through
// iproute2's ip, not a netlink client of ctr's own.
func deleteLink(name string) {
	if name == "" {
		return
	}
	if _, err := os.Stat("/sys/class/net/" + name); errors.Is(err, fs.ErrNotExist) {
		return
	}
	_ = exec.Command("ip", "link", "delete", name).Run()
}
