package runflags

import (
	"path"
	"strings"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/run"
)

// Devices and kernel parameters: --device, --sysctl.

// ParseDevice parses --device HOST[:CONTAINER][:PERMS] (PERMS: r, w, m;
// default rwm).
func ParseDevice(s string) (run.Device, error) {
	parts := strings.Split(s, ":")
	d := run.Device{Host: parts[0], Perms: "rwm"}
	switch {
	case len(parts) == 2 && isPerms(parts[1]):
		d.Perms = parts[1]
	case len(parts) == 2:
		d.Container = parts[1]
	case len(parts) == 3:
		d.Container, d.Perms = parts[1], parts[2]
	case len(parts) > 3:
		return d, errdefs.Usagef("invalid device %q: want HOST[:CONTAINER][:PERMS]", s)
	}
	if d.Container == "" {
		d.Container = d.Host
	}
	if !path.IsAbs(d.Host) || !path.IsAbs(d.Container) {
		return d, errdefs.Usagef("invalid device %q: paths must be absolute", s)
	}
	if !isPerms(d.Perms) {
		return d, errdefs.Usagef("invalid device %q: permissions are some of r, w and m", s)
	}
	return d, nil
}

func isPerms(s string) bool {
	return s != "" && strings.Trim(s, "rwm") == "" && len(s) <= 3
}

// ParseSysctl parses --sysctl NAME=VALUE.
func ParseSysctl(s string) (name, value string, err error) {
	name, value, ok := strings.Cut(s, "=")
	if !ok || name == "" || strings.ContainsAny(name, " /") {
		return "", "", errdefs.Usagef("invalid sysctl %q: want NAME=VALUE (e.g. net.ipv4.ip_forward=1)", s)
	}
	return name, value, nil
}
