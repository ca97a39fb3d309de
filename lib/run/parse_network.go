package run

import (
	"net"
	"strings"

	"github.com/ctr-project/ctr/lib/errdefs"
)

// The network: its mode, /etc/hosts entries and name servers.

// CheckNetwork accepts the network modes a container can have: none (its
// own namespace, loopback only) and host.
func CheckNetwork(mode string) error {
	switch mode {
	case "none", "host":
		return nil
	}
	return errdefs.Usagef("network mode %q: want none or host", mode)
}

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

// CheckHostname accepts a host name: letters, digits, '-' and '.', at
// most 253 characters. Anything else (a newline most of all) would add
// lines of its own to the container's /etc/hosts.
func CheckHostname(name string) error {
	ok := name != "" && len(name) <= 253
	for _, r := range name {
		ok = ok && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.')
	}
	if !ok {
		return errdefs.Usagef("host name %q: want letters, digits, '-' and '.'", name)
	}
	return nil
}

// CheckResolvWord accepts one word of resolv.conf's search or options
// line: printable, no blank. A newline would add a line of its own (a
// nameserver) to the container's resolv.conf.
func CheckResolvWord(w string) error {
	ok := w != ""
	for _, r := range w {
		ok = ok && r > ' ' && r != 0x7f
	}
	if !ok {
		return errdefs.Usagef("%q: want one word, no blank or control character", w)
	}
	return nil
}
