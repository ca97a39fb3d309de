package cri

import (
	"context"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/cri-streaming/pkg/streaming"

	"github.com/ctr-project/ctr/lib/network"
	"github.com/ctr-project/ctr/lib/run"
)

// RuntimeService is the CRI's runtime service: pod sandboxes are lib/run's
// pods, containers its containers, each under its own ctr-monitor. What
// is not served (checkpoints and restores, metrics, the Stream* forms of
// the list calls, UpdatePodSandboxResources) answers Unimplemented.
type RuntimeService struct {
	runtimeapi.UnimplementedRuntimeServiceServer
	RuntimeVersion string // ctr-cri's version (Version reports it)
	Networks       *network.Manager
	// Runs makes and finds the pods and containers (its Networks is
	// Networks), each under its monitor.
	Runs *run.Manager
	// PauseBinary is the catatonit the sandboxes' infra runs ("": found).
	PauseBinary string
	// CgroupManager makes the pods' and containers' cgroups: cgroupfs
	// ("" too) or systemd (the kubelet's cgroup parents are then slices).
	CgroupManager string

	// Log, when set, says what the daemon notes (on its stderr).
	Log func(format string, args ...any)

	cpu    cpuSamples       // the last CPU readings, for rates
	stream streaming.Server // exec, attach and port forwarding (StartStreaming)
	events eventHub         // GetContainerEvents' listeners
}

// Version names the runtime and the CRI version it speaks.
func (s *RuntimeService) Version(context.Context, *runtimeapi.VersionRequest) (*runtimeapi.VersionResponse, error) {
	return &runtimeapi.VersionResponse{Version: "0.1.0", RuntimeName: "ctr-cri", RuntimeVersion: s.RuntimeVersion, RuntimeApiVersion: "v1"}, nil
}

// Status says whether the runtime and its network are ready: the network
// is once a CNI network config is there to attach pods to.
func (s *RuntimeService) Status(ctx context.Context, req *runtimeapi.StatusRequest) (*runtimeapi.StatusResponse, error) {
	netReady := &runtimeapi.RuntimeCondition{Type: runtimeapi.NetworkReady, Status: true}
	if _, err := s.Networks.Get(network.DefaultName); err != nil {
		netReady.Status, netReady.Reason, netReady.Message = false, "NetworkPluginNotReady", err.Error()
	}
	out := &runtimeapi.StatusResponse{Status: &runtimeapi.RuntimeStatus{Conditions: []*runtimeapi.RuntimeCondition{
		{Type: runtimeapi.RuntimeReady, Status: true}, netReady,
	}}}
	if req.GetVerbose() {
		out.Info = map[string]string{"runtime": "ctr-cri"}
	}
	return out, nil
}

// RuntimeConfig says which cgroup driver the kubelet must use.
func (s *RuntimeService) RuntimeConfig(context.Context, *runtimeapi.RuntimeConfigRequest) (*runtimeapi.RuntimeConfigResponse, error) {
	driver := runtimeapi.CgroupDriver_CGROUPFS
	if s.CgroupManager == run.SystemdManager {
		driver = runtimeapi.CgroupDriver_SYSTEMD
	}
	return &runtimeapi.RuntimeConfigResponse{Linux: &runtimeapi.LinuxRuntimeConfiguration{CgroupDriver: driver}}, nil
}

// UpdateRuntimeConfig takes the kubelet's pod CIDR. The pods' addresses
// are the CNI network config's (its IPAM ranges), which this runtime does
// not rewrite: the CIDR is said in the log, not applied.
func (s *RuntimeService) UpdateRuntimeConfig(_ context.Context, req *runtimeapi.UpdateRuntimeConfigRequest) (*runtimeapi.UpdateRuntimeConfigResponse, error) {
	if cidr := req.GetRuntimeConfig().GetNetworkConfig().GetPodCidr(); cidr != "" && s.Log != nil {
		s.Log("the kubelet's pod CIDR %s: the CNI network config's ranges give the pods' addresses", cidr)
	}
	return &runtimeapi.UpdateRuntimeConfigResponse{}, nil
}

func nowNanos() int64 { return time.Now().UnixNano() }
