package cri

import (
	"bufio"
	"context"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctr-project/ctr/lib/run"
)

// cpuSamples keeps each container's last CPU reading, for the rate
// (usage_nano_cores) between two calls, as the kubelet reads it.
type cpuSamples struct {
	mu   sync.Mutex
	last map[string]cpuSample
}

type cpuSample struct {
	at    time.Time
	nanos uint64
}

// rate records the reading and returns the CPU used per second since the
// last one (0 for the first).
func (c *cpuSamples) rate(id string, at time.Time, nanos uint64) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last == nil {
		c.last = map[string]cpuSample{}
	}
	prev, ok := c.last[id]
	c.last[id] = cpuSample{at, nanos}
	dt := at.Sub(prev.at)
	if !ok || dt <= 0 || nanos < prev.nanos {
		return 0
	}
	return uint64(float64(nanos-prev.nanos) / dt.Seconds())
}

func u64(v uint64) *runtimeapi.UInt64Value { return &runtimeapi.UInt64Value{Value: v} }

// containerStats is a running container's use in the CRI's form.
func (s *RuntimeService) containerStats(ctx context.Context, c run.Container, cfg *runtimeapi.ContainerConfig) (*runtimeapi.ContainerStats, error) {
	st, err := s.Runs.Stats(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	ts := st.Time.UnixNano()
	out := &runtimeapi.ContainerStats{
		Attributes: &runtimeapi.ContainerAttributes{Id: c.ID, Metadata: cfg.GetMetadata(), Labels: cfg.GetLabels(), Annotations: cfg.GetAnnotations()},
		Cpu:        &runtimeapi.CpuUsage{Timestamp: ts, UsageCoreNanoSeconds: u64(st.CPUNanos), UsageNanoCores: u64(s.cpu.rate(c.ID, st.Time, st.CPUNanos))},
		Memory: &runtimeapi.MemoryUsage{Timestamp: ts, WorkingSetBytes: u64(st.WorkingSet), UsageBytes: u64(st.MemoryUsage),
			RssBytes: u64(st.RSS), PageFaults: u64(st.PageFaults), MajorPageFaults: u64(st.MajorPageFaults)},
	}
	if st.MemoryLimit > 0 {
		out.Memory.AvailableBytes = u64(st.MemoryLimit - min(st.WorkingSet, st.MemoryLimit))
	}
	if st.WritableBytes >= 0 {
		out.WritableLayer = &runtimeapi.FilesystemUsage{Timestamp: ts, UsedBytes: u64(uint64(st.WritableBytes)),
			FsId: &runtimeapi.FilesystemIdentifier{Mountpoint: s.Runs.Store.GraphRoot()}}
	}
	return out, nil
}

// ContainerStats is one running container's use.
func (s *RuntimeService) ContainerStats(ctx context.Context, req *runtimeapi.ContainerStatsRequest) (*runtimeapi.ContainerStatsResponse, error) {
	c, cfg, err := s.container(ctx, req.GetContainerId())
	if err != nil {
		return nil, err
	}
	if c.Status != run.StatusRunning {
		return nil, status.Errorf(codes.FailedPrecondition, "container %s is not running", c.ID)
	}
	st, err := s.containerStats(ctx, c, cfg)
	if err != nil {
		return nil, grpcError(err)
	}
	return &runtimeapi.ContainerStatsResponse{Stats: st}, nil
}

// ListContainerStats is the use of the running containers the filter
// (ID or prefix, sandbox, labels) picks.
func (s *RuntimeService) ListContainerStats(ctx context.Context, req *runtimeapi.ListContainerStatsRequest) (*runtimeapi.ListContainerStatsResponse, error) {
	f := req.GetFilter()
	list, err := s.ListContainers(ctx, &runtimeapi.ListContainersRequest{Filter: &runtimeapi.ContainerFilter{
		Id: f.GetId(), PodSandboxId: f.GetPodSandboxId(), LabelSelector: f.GetLabelSelector(),
		State: &runtimeapi.ContainerStateValue{State: runtimeapi.ContainerState_CONTAINER_RUNNING},
	}})
	if err != nil {
		return nil, err
	}
	out := &runtimeapi.ListContainerStatsResponse{Stats: []*runtimeapi.ContainerStats{}}
	out.Stats = append(out.Stats, s.statsOf(ctx, list.GetContainers())...)
	return out, nil
}

// statsOf reads the stats of the containers side by side (each is a
// runtime run); those that stopped meanwhile are left out.
func (s *RuntimeService) statsOf(ctx context.Context, cs []*runtimeapi.Container) []*runtimeapi.ContainerStats {
	res := make([]*runtimeapi.ContainerStats, len(cs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i, lc := range cs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			c, cfg, err := s.container(ctx, lc.GetId())
			if err == nil && c.Status == run.StatusRunning {
				res[i], _ = s.containerStats(ctx, c, cfg)
			}
		})
	}
	wg.Wait()
	var out []*runtimeapi.ContainerStats
	for _, st := range res {
		if st != nil {
			out = append(out, st)
		}
	}
	return out
}

// podStats is a ready sandbox's use: its containers', their sum, its
// processes and the traffic on its interfaces.
func (s *RuntimeService) podStats(ctx context.Context, v *sandboxView) (*runtimeapi.PodSandboxStats, error) {
	p := v.pod
	out := &runtimeapi.PodSandboxStats{
		Attributes: &runtimeapi.PodSandboxAttributes{Id: p.ID, Metadata: v.config.GetMetadata(), Labels: v.config.GetLabels(), Annotations: v.config.GetAnnotations()},
		Linux:      &runtimeapi.LinuxPodSandboxStats{},
	}
	list, err := s.ListContainers(ctx, &runtimeapi.ListContainersRequest{Filter: &runtimeapi.ContainerFilter{
		PodSandboxId: p.ID, State: &runtimeapi.ContainerStateValue{State: runtimeapi.ContainerState_CONTAINER_RUNNING}}})
	if err != nil {
		return nil, err
	}
	now := time.Now().UnixNano()
	cpu := &runtimeapi.CpuUsage{Timestamp: now, UsageCoreNanoSeconds: u64(0), UsageNanoCores: u64(0)}
	mem := &runtimeapi.MemoryUsage{Timestamp: now, WorkingSetBytes: u64(0), UsageBytes: u64(0), RssBytes: u64(0), PageFaults: u64(0), MajorPageFaults: u64(0)}
	for _, st := range s.statsOf(ctx, list.GetContainers()) {
		out.Linux.Containers = append(out.Linux.Containers, st)
		cpu.UsageCoreNanoSeconds.Value += st.GetCpu().GetUsageCoreNanoSeconds().GetValue()
		cpu.UsageNanoCores.Value += st.GetCpu().GetUsageNanoCores().GetValue()
		mem.WorkingSetBytes.Value += st.GetMemory().GetWorkingSetBytes().GetValue()
		mem.UsageBytes.Value += st.GetMemory().GetUsageBytes().GetValue()
		mem.RssBytes.Value += st.GetMemory().GetRssBytes().GetValue()
		mem.PageFaults.Value += st.GetMemory().GetPageFaults().GetValue()
		mem.MajorPageFaults.Value += st.GetMemory().GetMajorPageFaults().GetValue()
	}
	out.Linux.Cpu, out.Linux.Memory = cpu, mem
	if infra, err := s.Runs.Get(ctx, p.InfraID); err == nil && infra.Pid > 0 {
		out.Linux.Network = netStats(infra.Pid, now)
		out.Linux.Process = &runtimeapi.ProcessUsage{Timestamp: now, ProcessCount: u64(countProcs(p))}
	}
	return out, nil
}

// netStats reads the interfaces of the network namespace process pid is
// in (eth0 the default one); nil if it cannot be read.
func netStats(pid int, now int64) *runtimeapi.NetworkUsage {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/net/dev")
	if err != nil {
		return nil
	}
	defer f.Close()
	out := &runtimeapi.NetworkUsage{Timestamp: now}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		name = strings.TrimSpace(name)
		if !ok || name == "lo" {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) < 11 {
			continue
		}
		n := func(i int) uint64 { v, _ := strconv.ParseUint(fields[i], 10, 64); return v }
		st := &runtimeapi.NetworkInterfaceUsage{Name: name, RxBytes: u64(n(0)), RxErrors: u64(n(2)), TxBytes: u64(n(8)), TxErrors: u64(n(10))}
		if name == "eth0" {
			out.DefaultInterface = st
		}
		out.Interfaces = append(out.Interfaces, st)
	}
	return out
}

// countProcs counts the processes of the pod: those in a cgroup below
// its cgroup parent (the infra's and its containers').
func countProcs(p run.Pod) uint64 {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	n := uint64(0)
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		cg, err := os.ReadFile("/proc/" + e.Name() + "/cgroup")
		if err == nil && strings.Contains(string(cg), p.CgroupParent+"/") {
			n++
		}
	}
	return n
}

// PodSandboxStats is one ready sandbox's use.
func (s *RuntimeService) PodSandboxStats(ctx context.Context, req *runtimeapi.PodSandboxStatsRequest) (*runtimeapi.PodSandboxStatsResponse, error) {
	v, err := s.findSandbox(ctx, req.GetPodSandboxId())
	if err != nil {
		return nil, err
	}
	if !v.ready {
		return nil, status.Errorf(codes.FailedPrecondition, "pod sandbox %s is not ready", v.pod.ID)
	}
	st, err := s.podStats(ctx, v)
	if err != nil {
		return nil, err
	}
	return &runtimeapi.PodSandboxStatsResponse{Stats: st}, nil
}

// ListPodSandboxStats is the use of the ready sandboxes the filter (ID or
// prefix, labels) picks.
func (s *RuntimeService) ListPodSandboxStats(ctx context.Context, req *runtimeapi.ListPodSandboxStatsRequest) (*runtimeapi.ListPodSandboxStatsResponse, error) {
	f := req.GetFilter()
	list, err := s.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{Filter: &runtimeapi.PodSandboxFilter{
		Id: f.GetId(), LabelSelector: f.GetLabelSelector(),
		State: &runtimeapi.PodSandboxStateValue{State: runtimeapi.PodSandboxState_SANDBOX_READY}}})
	if err != nil {
		return nil, err
	}
	out := &runtimeapi.ListPodSandboxStatsResponse{Stats: []*runtimeapi.PodSandboxStats{}}
	for _, item := range list.GetItems() {
		v, err := s.findSandbox(ctx, item.GetId())
		if err != nil || !v.ready {
			continue
		}
		if st, err := s.podStats(ctx, v); err == nil {
			out.Stats = append(out.Stats, st)
		}
	}
	return out, nil
}
