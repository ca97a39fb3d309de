package kube

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/ctr-project/ctr/lib/run"
)

// Kubernetes' rules for a container, which ctr's two Kubernetes front
// doors follow alike: "ctr-run kube play" for a manifest (this package)
// and ctr-cri for the kubelet's CRI configs (lib/cri), which are the same
// pod spec once the kubelet has read it. Each returns plain errors; the
// caller names the field in its own words (a manifest's or the CRI's).

// Command is a container's command line by Kubernetes' rule, in lib/run's
// terms: command replaces the image's entrypoint and, given alone, its
// Cmd too (whole, Options.Command); args alone replace its Cmd after its
// entrypoint (args, Options.Args). Empty is not given, as for the
// kubelet, whose CRI has no nil.
func Command(command, args []string) (whole, cmdArgs []string) {
	if len(command) > 0 {
		return append(slices.Clone(command), args...), nil
	}
	if len(args) > 0 {
		return nil, slices.Clone(args)
	}
	return nil, nil
}

// CommandLine is Command resolved against the image's config, as lib/run
// resolves it: the whole line, else the entrypoint followed by the args or,
// with none, the image's Cmd. Empty: there is no command.
func CommandLine(command, args []string, image imgspecv1.ImageConfig) []string {
	whole, cmdArgs := Command(command, args)
	if whole != nil {
		return whole
	}
	if cmdArgs == nil {
		cmdArgs = image.Cmd
	}
	return append(slices.Clone(image.Entrypoint), cmdArgs...)
}

// EnvVar is an environment entry, NAME=VALUE. Kubernetes takes any name
// but an empty one or one with '=' (which would end it early); NUL ends
// it for the kernel.
func EnvVar(name, value string) (string, error) {
	switch {
	case name == "":
		return "", errors.New("an environment variable with no name")
	case strings.ContainsAny(name, "=\x00"):
		return "", fmt.Errorf("environment variable %q: want a name without '=' or NUL", name)
	}
	return name + "=" + value, nil
}

// Capabilities are a securityContext's capability names as lib/run takes
// them: Kubernetes writes NET_ADMIN (any case), ctr CAP_NET_ADMIN; ALL
// stays ALL. A name the kernel does not know is refused.
func Capabilities(names []string) ([]string, error) {
	if err := run.CheckCaps(names); err != nil {
		return nil, err
	}
	out := make([]string, 0, len(names))
	for _, c := range names {
		c = strings.ToUpper(c)
		if c != "ALL" && !strings.HasPrefix(c, "CAP_") {
			c = "CAP_" + c
		}
		out = append(out, c)
	}
	return out, nil
}

// User is lib/run's user for a securityContext's runAsUser and runAsGroup
// (nil: not given): UID, UID:GID, or "" for the image's. A group needs a
// user; each is 0 to 2^32-2 (the kernel's -1 is no ID).
func User(uid, gid *int64) (string, error) {
	for _, id := range []*int64{uid, gid} {
		if id != nil && (*id < 0 || *id > math.MaxUint32-1) {
			return "", fmt.Errorf("user or group %d: want 0 to %d", *id, uint32(math.MaxUint32-1))
		}
	}
	switch {
	case uid != nil && gid != nil:
		return fmt.Sprintf("%d:%d", *uid, *gid), nil
	case uid != nil:
		return strconv.FormatInt(*uid, 10), nil
	case gid != nil:
		return "", errors.New("runAsGroup needs runAsUser")
	}
	return "", nil
}

// HostIP parses a port's host address ("" is every address). It is an
// address, never a name: looking a client's name up would send a query
// off the machine. IPv6 is refused rather than dropped (as CNI's portmap
// drops a mapping of a family the pod has no address of): the pods'
// networks here are IPv4, and so are the port checks and rules.
func HostIP(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return "", errors.New("not an IP address")
	}
	if a = a.Unmap(); !a.Is4() {
		return "", errors.New("an IPv6 address: the pods' networks are IPv4")
	}
	return a.String(), nil
}

// Protocol is a port's protocol as lib/network has it: tcp (also for
// none given) or udp; SCTP is not supported.
func Protocol(p string) (string, error) {
	switch strings.ToLower(p) {
	case "", "tcp":
		return "tcp", nil
	case "udp":
		return "udp", nil
	}
	return "", fmt.Errorf("protocol %q: want TCP or UDP", p)
}
