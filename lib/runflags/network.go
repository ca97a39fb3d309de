package runflags

import (
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/network"
	"github.com/ctr-project/ctr/lib/run"
)

// The network: its mode, published ports, /etc/hosts entries.

// CheckNetwork accepts the --network values: bridge, none, host,
// container:REF, ns:PATH, or network names (comma-separated). Whether a
// named network or container exists is checked when it is used.
func CheckNetwork(mode string) error {
	switch {
	case mode == run.NetBridge || mode == run.NetNone || mode == run.NetHost:
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

// ParseAddHost parses --add-host NAME:IP (IPv6 too: the name ends at the
// first colon; [IPv6] too).
func ParseAddHost(s string) (run.HostEntry, error) {
	name, ip, ok := strings.Cut(s, ":")
	if !ok {
		return run.HostEntry{}, errdefs.Usagef("invalid host entry %q: want NAME:IP", s)
	}
	e := run.HostEntry{Name: name, IP: strings.TrimSuffix(strings.TrimPrefix(ip, "["), "]")}
	return e, run.CheckHostEntry(e)
}
