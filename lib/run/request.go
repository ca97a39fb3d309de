package run

import (
	"fmt"
	"os"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ctr-project/ctr/lib/network"
)

// Request is what one run asks for: the image, the command, and how the
// container is made. The Manager it runs in gives the rest.
type Request struct {
	Image string   // reference, name or ID in local storage
	Args  []string // command and arguments (default: the image's)
	Name  string   // container name (default: generated)

	Pull   string // missing (default), always, never
	Puller Puller // fetches an image that is not stored (nil: none is pulled)

	Remove      bool
	Interactive bool
	TTY         bool
	Env         []string
	EnvFiles    []string
	Workdir     string
	User        string
	Entrypoint  *string // nil: the image's; "" clears it
	// Command, when not nil, is the whole command line: neither the
	// image's entrypoint nor its Cmd is used (the CRI's, which the caller
	// has resolved against the image).
	Command  []string
	Mounts   []Mount
	ReadOnly bool
	Hostname string
	// Network is bridge (podman's default network), none (loopback only),
	// host, container:REF (another container's), ns:PATH, or the names of
	// networks, comma-separated.
	Network string
	// Publish maps host ports to the container's (first network);
	// PublishAll adds the image's EXPOSE ports on free host ports.
	Publish    []network.PortMapping
	PublishAll bool
	IP, MAC    string // on the (one) network
	NoHosts    bool   // the image's /etc/hosts, not a generated one
	// PID, IPC and UTS: "host" shares the host's namespace of that kind
	// ("" or "private": the container's own).
	PID, IPC, UTS string
	// CgroupNS is "private" (the container sees its own cgroup as the
	// root) or "host"; "" is podman's default: private on cgroup v2,
	// host on v1.
	CgroupNS string
	// CgroupManager is systemd or cgroupfs ("": cgroupfs); CgroupParent
	// the slice (systemd) or absolute path (cgroupfs) the container's
	// cgroup goes under. A container in a pod takes the pod's.
	CgroupManager string
	CgroupParent  string
	Memory        int64
	// MemorySwap is memory and swap together, as podman's --memory-swap
	// (0: not set, -1: no swap limit); it needs Memory.
	MemorySwap int64
	// Throttle limits the container's I/O on block devices.
	Throttle        Throttle
	CPUQuota        int64
	PidsLimit       *int64
	Ulimits         []Ulimit
	CapAdd          []string
	CapDrop         []string
	Privileged      bool
	NoNewPrivileges bool
	Seccomp         string // "" default profile, "unconfined", or a profile file
	CIDFile         string
	GroupAdd        []string // more groups: names from the image's /etc/group, or numbers
	AddHosts        []HostEntry
	// DNS, DNSSearch and DNSOptions, each when given, replace the name
	// servers, search domains and options of the host's resolv.conf.
	DNS, DNSSearch, DNSOptions []string
	ShmSize                    int64 // /dev/shm in bytes (0: 64 MiB)
	Sysctls                    map[string]string
	Devices                    []Device
	// StopSignal ends the container at "ctr-run stop" (default: the
	// image's STOPSIGNAL, else SIGTERM); StopTimeout is how long stop waits
	// for it before SIGKILL (nil: 10 s).
	StopSignal  string
	StopTimeout *int
	// Init runs the command under a small init (catatonit or tini), which
	// reaps zombies and passes signals on; InitPath names it (default:
	// podman's catatonit, else catatonit or tini on PATH).
	Init     bool
	InitPath string

	// KillAfter, when set, kills the container that long after the first
	// SIGINT or SIGTERM the tool forwarded to it: a build's RUN step, whose
	// PID 1 may ignore both, must not hold an interrupted build.
	KillAfter time.Duration

	// Detach runs the container under the Manager's monitor and returns
	// once it has started; the monitor records its output and exit.
	Detach bool
	// Stdout, when set, receives the container's stdout instead of ours
	// (a build's RUN step: stdout is for data).
	Stdout      *os.File
	LogSizeMax  int64 // the monitor's log limit (0: none)
	LogMaxFiles int   // log files kept at the limit, the current one included (<= 1: truncate)

	// Pod puts the container in a pod (its ID, ID prefix or name): it
	// joins the namespaces the pod shares and runs in the pod's cgroup.
	// PodStart starts the pod's infra container if it is not running
	// (ctr-run's; the CRI's kubelet starts a sandbox itself).
	Pod      string
	PodStart bool

	// CreateOnly makes the container (storage, bundle, the network it
	// will have) without starting it, as podman create: Manager.Start
	// starts it. Its status is "created" until then.
	CreateOnly bool
	// Labels are kept with the container (Container.Labels); they come
	// from outside and may not use ctr's own keys (OwnPrefix). OwnLabels
	// are ctr's tools' own (ctr-cri's records), kept over them.
	Labels, OwnLabels map[string]string
	// Annotations go into the container's OCI config; they come from
	// outside (--annotation, a manifest, a CRI client) and may not use
	// ctr's own keys, which ctr writes there over them.
	Annotations map[string]string
	// LogPath is the monitor's CRI log (default: ctr.log in the
	// container's persistent directory); kept for later starts.
	LogPath string
	// Customize, when set, has the last word on the OCI spec before it
	// is written (the CRI's resources, masked paths and the like, which
	// have no ctr-run flag), but for ctr's own annotations.
	Customize func(*specs.Spec) error
}

// checkInput refuses what came from outside and would write ctr's state
// or the container's /etc files for it: keys of ctr's own among its
// labels and annotations, DNS and /etc/hosts entries with a line or field
// of their own. Every front door checks these with its own names first;
// this is for a caller that did not.
func checkInput(o *Request) error {
	if err := CheckKeys(o.Labels); err != nil {
		return fmt.Errorf("label: %w", err)
	}
	if err := CheckKeys(o.Annotations); err != nil {
		return fmt.Errorf("annotation: %w", err)
	}
	for _, h := range o.AddHosts {
		if err := CheckHostEntry(h); err != nil {
			return err
		}
	}
	return CheckDNS(o.DNS, o.DNSSearch, o.DNSOptions, DNSFields{Servers: "DNS server", Searches: "DNS search domain", Options: "DNS option"})
}
