package run

import (
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ctr-project/ctr/lib/network"

	"github.com/ctr-project/ctr/lib/errdefs"
)

// The network: its mode, /etc/hosts entries and name servers.

// CheckNetwork accepts the --network values: bridge, none, host,
// container:REF, ns:PATH, or network names (comma-separated). Whether a
// named network or container exists is checked when it is used.
func CheckNetwork(mode string) error {
	switch {
	case mode == NetBridge || mode == NetNone || mode == NetHost:
		return nil
	case strings.HasPrefix(mode, "container:") && len(mode) > len("container:"):
		return nil
	case strings.HasPrefix(mode, "ns:") && strings.HasPrefix(mode, "ns:/"):
		return nil
	}
	for _, n := range strings.Split(mode, ",") {
		if !validNetName.MatchString(n) {
			return errdefs.Usagef("network mode %q: want bridge, none, host, container:ID, ns:PATH or network names", mode)
		}
	}
	return nil
}

var validNetName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

// ParsePublish parses -p [IP:][HOSTPORT:]CONTAINERPORT[/tcp|udp], ports
// as ranges too (8080-8081:80-81); a host port left out is picked free
// when the container starts.
func ParsePublish(s string) ([]network.PortMapping, error) {
	bad := func(why string) error {
		return errdefs.Usagef("invalid --publish %q: %s (want [IP:][HOSTPORT:]CONTAINERPORT[/tcp|udp])", s, why)
	}
	spec, proto, _ := strings.Cut(s, "/")
	if proto == "" {
		proto = "tcp"
	}
	if proto != "tcp" && proto != "udp" {
		return nil, bad("the protocol is tcp or udp")
	}
	var ip, host, ctr string
	parts := strings.Split(spec, ":")
	switch len(parts) {
	case 1:
		ctr = parts[0]
	case 2:
		host, ctr = parts[0], parts[1]
	case 3:
		ip, host, ctr = parts[0], parts[1], parts[2]
		if net.ParseIP(ip).To4() == nil {
			return nil, bad("the host address must be IPv4")
		}
	default:
		return nil, bad("too many parts")
	}
	cLo, cHi, err := portRange(ctr)
	if err != nil {
		return nil, bad(err.Error())
	}
	hLo, hHi := 0, 0
	if host != "" {
		if hLo, hHi, err = portRange(host); err != nil {
			return nil, bad(err.Error())
		}
		if hHi-hLo != cHi-cLo {
			return nil, bad("the host and container ranges differ in length")
		}
	}
	var out []network.PortMapping
	for i := 0; i <= cHi-cLo; i++ {
		p := network.PortMapping{HostIP: ip, ContainerPort: cLo + i, Protocol: proto}
		if hLo > 0 {
			p.HostPort = hLo + i
		}
		out = append(out, p)
	}
	return out, nil
}

// portRange parses PORT or LOW-HIGH, each 1..65535.
func portRange(s string) (int, int, error) {
	lo, hi, isRange := strings.Cut(s, "-")
	if !isRange {
		hi = lo
	}
	l, err1 := strconv.Atoi(lo)
	h, err2 := strconv.Atoi(hi)
	if err1 != nil || err2 != nil || l < 1 || h > 65535 || l > h {
		return 0, 0, fmt.Errorf("%q is not a port or a range of ports (1-65535)", s)
	}
	return l, h, nil
}

// ParseExposed parses an image's EXPOSE entry: PORT[/PROTO].
func ParseExposed(s string) (network.PortMapping, error) {
	port, proto, _ := strings.Cut(s, "/")
	if proto == "" {
		proto = "tcp"
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 || (proto != "tcp" && proto != "udp") {
		return network.PortMapping{}, errdefs.WithKind(errdefs.ErrBadData, fmt.Errorf("the image exposes %q: not PORT[/tcp|udp]", s))
	}
	return network.PortMapping{ContainerPort: n, Protocol: proto}, nil
}

// HostEntry is one --add-host line of /etc/hosts.
type HostEntry struct {
	Name, IP string
}

// ParseAddHost parses --add-host NAME:IP (IPv6 too: the name ends at the
// first colon; [IPv6] too).
func ParseAddHost(s string) (HostEntry, error) {
	name, ip, ok := strings.Cut(s, ":")
	if !ok {
		return HostEntry{}, errdefs.Usagef("invalid host entry %q: want NAME:IP", s)
	}
	e := HostEntry{Name: name, IP: strings.TrimSuffix(strings.TrimPrefix(ip, "["), "]")}
	return e, CheckHostEntry(e)
}

// CheckHostEntry checks an /etc/hosts line to be: the name one word, no
// blank or control character (podman 4.3 takes any: a vertical tab or a
// newline in it gave the container's /etc/hosts lines of the user's), the
// address an IP address (parsed, never a name resolved).
func CheckHostEntry(e HostEntry) error {
	if !oneWord(e.Name) {
		return errdefs.Usagef("invalid host entry %q: want a NAME with no blank or control character", e.Name+":"+e.IP)
	}
	if net.ParseIP(e.IP) == nil {
		return errdefs.Usagef("invalid host entry %q: %q is not an IP address", e.Name+":"+e.IP, e.IP)
	}
	return nil
}

// DNSFields are how a caller calls the lists of CheckDNS (its flags, its
// API's fields), for its errors.
type DNSFields struct {
	Servers, Searches, Options string
}

// CheckDNS checks what a container's resolv.conf is given, the same for
// every front door (ctr-run's and pod create's flags, ctr-cri's
// dns_config, and Run itself): each server an IP address (parsed, never
// a name resolved), each search domain and option one word with no blank
// or control character. A newline would add a line of its own (a
// nameserver) to the container's resolv.conf. The error names the field.
func CheckDNS(servers, searches, options []string, f DNSFields) error {
	for _, s := range servers {
		if net.ParseIP(s) == nil {
			return errdefs.Usagef("%s %q: want an IP address", f.Servers, s)
		}
	}
	for _, l := range []struct {
		field string
		words []string
	}{{f.Searches, searches}, {f.Options, options}} {
		for _, w := range l.words {
			if !oneWord(w) {
				return errdefs.Usagef("%s %q: want one word, no blank or control character", l.field, w)
			}
		}
	}
	return nil
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

// oneWord says whether s is one word of a line-based file (resolv.conf,
// /etc/hosts): not empty, valid UTF-8, no blank and no control
// character. A newline or vertical tab would start a line or field of its
// own there.
func oneWord(s string) bool {
	if s == "" || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return false
		}
	}
	return true
}
