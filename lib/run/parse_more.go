package run

import (
	"net"
	"path"
	"strings"

	"github.com/ctr-project/ctr/lib/errdefs"
)

// HostEntry is one --add-host line of /etc/hosts.
type HostEntry struct {
	Name, IP string
}

// ParseAddHost parses --add-host NAME:IP (IPv6 too: the name ends at the
// first colon).
func ParseAddHost(s string) (HostEntry, error) {
	name, ip, ok := strings.Cut(s, ":")
	if !ok || name == "" || strings.ContainsAny(name, " \t") {
		return HostEntry{}, errdefs.Usagef("invalid host entry %q: want NAME:IP", s)
	}
	ip = strings.TrimSuffix(strings.TrimPrefix(ip, "["), "]")
	if net.ParseIP(ip) == nil {
		return HostEntry{}, errdefs.Usagef("invalid host entry %q: %q is not an IP address", s, ip)
	}
	return HostEntry{Name: name, IP: ip}, nil
}

// ParseDNS checks a --dns name server address.
func ParseDNS(s string) (string, error) {
	if net.ParseIP(s) == nil {
		return "", errdefs.Usagef("invalid DNS server %q: want an IP address", s)
	}
	return s, nil
}

// Device is one --device: a host device node made in the container.
type Device struct {
	Host, Container string
	Perms           string // cgroup access: some of r, w, m
}

// ParseDevice parses --device HOST[:CONTAINER][:PERMS] (PERMS: r, w, m;
// default rwm).
func ParseDevice(s string) (Device, error) {
	parts := strings.Split(s, ":")
	d := Device{Host: parts[0], Perms: "rwm"}
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

// CheckNetwork accepts the network modes a container can have: none (its
// own namespace, loopback only) and host.
func CheckNetwork(mode string) error {
	switch mode {
	case "none", "host":
		return nil
	}
	return errdefs.Usagef("network mode %q: want none or host", mode)
}

// CheckPullPolicy accepts the policies for an image missing or present in
// the store: missing (pull only when absent), always, never.
func CheckPullPolicy(policy string) error {
	switch policy {
	case "missing", "always", "never":
		return nil
	}
	return errdefs.Usagef("pull policy %q: want missing, always or never", policy)
}
