package cri

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/run"
	"github.com/ctr-project/ctr/lib/storedimage"
)

// CreateContainer makes a container in a ready sandbox, not started: its
// storage, its bundle with the config mapped onto the OCI spec, its log
// path.
func (s *RuntimeService) CreateContainer(ctx context.Context, req *runtimeapi.CreateContainerRequest) (*runtimeapi.CreateContainerResponse, error) {
	sb, err := s.findSandbox(ctx, req.GetPodSandboxId())
	if err != nil {
		return nil, err
	}
	p := sb.pod
	if !sb.ready {
		return nil, status.Errorf(codes.FailedPrecondition, "pod sandbox %s is not ready (stopped)", p.ID)
	}
	cfg := req.GetConfig()
	if cfg.GetMetadata().GetName() == "" {
		return nil, invalid("the container config needs metadata with a name")
	}
	if cfg.GetImage().GetImage() == "" {
		return nil, invalid("the container config names no image")
	}
	name := containerName(cfg.GetMetadata(), sb.config.GetMetadata())
	if _, err := s.Runs.Get(ctx, name); err == nil {
		return nil, status.Errorf(codes.AlreadyExists, "a container named %s exists already", name)
	}
	img, err := run.FindImage(ctx, s.Runs.Store, cfg.GetImage().GetImage(), "never", nil)
	if err != nil {
		return nil, status.Errorf(codes.NotFound, "image %q: not pulled: %v", cfg.GetImage().GetImage(), err)
	}
	icfg, err := storedimage.Config(s.Runs.Store, img.ID)
	if err != nil {
		return nil, grpcError(err)
	}
	o, err := containerRequest(cfg, &sb.config, icfg)
	if err != nil {
		return nil, err
	}
	enc, err := encodeConfig(cfg)
	if err != nil {
		return nil, invalid("container config: %v", err)
	}
	o.OwnLabels = map[string]string{labelContainerConfig: enc, labelSandboxID: p.ID}
	o.Image, o.Pod = img.ID, p.ID
	if err := makeHostDirs(cfg.GetMounts(), o.LogPath); err != nil {
		return nil, err
	}
	var id string
	if _, err := s.Runs.Run(ctx, o, func(cid string) { id = cid }); err != nil {
		return nil, grpcError(err)
	}
	return &runtimeapi.CreateContainerResponse{ContainerId: id}, nil
}

// makeHostDirs makes what a new container needs on the host: a mount's
// host path that is missing, as a directory (as containerd and the
// kubelet's hostPath "DirectoryOrCreate" do), and its log's directory.
func makeHostDirs(mounts []*runtimeapi.Mount, logPath string) error {
	for _, m := range mounts {
		if _, err := os.Stat(m.GetHostPath()); errors.Is(err, os.ErrNotExist) {
			if err := os.MkdirAll(m.GetHostPath(), 0o755); err != nil {
				return status.Errorf(codes.Internal, "mount source %s: %v", m.GetHostPath(), err)
			}
		}
	}
	if logPath != "" {
		if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
			return status.Errorf(codes.Internal, "the container's log directory: %v", err)
		}
	}
	return nil
}

// container finds a CRI container by ID or unique ID prefix (lib/lookup's
// rule without names: the CRI's references are IDs).
func (s *RuntimeService) container(ctx context.Context, id string) (run.Container, *runtimeapi.ContainerConfig, error) {
	if id == "" {
		return run.Container{}, nil, invalid("no container ID")
	}
	c, err := s.Runs.GetByID(ctx, id)
	if err == nil && c.Labels[labelContainerConfig] == "" {
		return c, nil, notFound("container", id)
	}
	if err != nil {
		return c, nil, grpcError(err)
	}
	var cfg runtimeapi.ContainerConfig
	if err := decodeConfig(c.Labels[labelContainerConfig], &cfg); err != nil {
		return c, nil, status.Errorf(codes.Internal, "container %s: its config: %v", c.ID, err)
	}
	return c, &cfg, nil
}

// StartContainer starts a created container under its ctr-monitor.
func (s *RuntimeService) StartContainer(ctx context.Context, req *runtimeapi.StartContainerRequest) (*runtimeapi.StartContainerResponse, error) {
	c, _, err := s.container(ctx, req.GetContainerId())
	if err != nil {
		return nil, err
	}
	if c.Status != run.StatusCreated {
		return nil, status.Errorf(codes.FailedPrecondition, "container %s is %s, not created", c.ID, c.Status)
	}
	sb, err := s.findSandbox(ctx, c.Labels[labelSandboxID])
	if err != nil {
		return nil, err
	}
	if !sb.ready {
		return nil, status.Errorf(codes.FailedPrecondition, "pod sandbox %s is not ready (stopped)", sb.pod.ID)
	}
	if _, err := s.Runs.Start(ctx, c.ID); err != nil {
		return nil, grpcError(err)
	}
	return &runtimeapi.StartContainerResponse{}, nil
}

// StopContainer stops a running container (its stop signal, SIGKILL after
// the timeout) and returns once its exit is recorded. One that is not
// running, or is gone, is no error.
func (s *RuntimeService) StopContainer(ctx context.Context, req *runtimeapi.StopContainerRequest) (*runtimeapi.StopContainerResponse, error) {
	c, _, err := s.container(ctx, req.GetContainerId())
	if status.Code(err) == codes.NotFound {
		return &runtimeapi.StopContainerResponse{}, nil // idempotent: gone is stopped
	}
	if err != nil {
		return nil, err
	}
	if c.Status != run.StatusRunning {
		return &runtimeapi.StopContainerResponse{}, nil
	}
	timeout := max(time.Duration(req.GetTimeout())*time.Second, 0)
	if err := s.Runs.Stop(ctx, c.ID, &timeout); err != nil {
		return nil, grpcError(err)
	}
	s.waitExit(ctx, c.ID)
	return &runtimeapi.StopContainerResponse{}, nil
}

// waitExit waits, a few seconds at most, for the container's monitor to
// record its exit (ContainerStatus then has the code).
func (s *RuntimeService) waitExit(ctx context.Context, id string) {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		c, err := s.Runs.Get(ctx, id)
		if err != nil || (c.Status == run.StatusExited && c.ExitCode != nil) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// RemoveContainer removes a container, killing it if it runs. One that is
// gone already is no error.
func (s *RuntimeService) RemoveContainer(ctx context.Context, req *runtimeapi.RemoveContainerRequest) (*runtimeapi.RemoveContainerResponse, error) {
	c, _, err := s.container(ctx, req.GetContainerId())
	if status.Code(err) == codes.NotFound {
		return &runtimeapi.RemoveContainerResponse{}, nil
	}
	if err != nil {
		return nil, err
	}
	if err := s.Runs.Remove(ctx, c.ID, true); err != nil && !errors.Is(err, errdefs.ErrNotFound) {
		return nil, grpcError(err)
	}
	return &runtimeapi.RemoveContainerResponse{}, nil
}

func containerState(c run.Container) runtimeapi.ContainerState {
	switch c.Status {
	case run.StatusCreated:
		return runtimeapi.ContainerState_CONTAINER_CREATED
	case run.StatusRunning:
		return runtimeapi.ContainerState_CONTAINER_RUNNING
	case run.StatusExited:
		return runtimeapi.ContainerState_CONTAINER_EXITED
	}
	return runtimeapi.ContainerState_CONTAINER_UNKNOWN
}

// ContainerStatus reports a container: state, times, exit code and
// reason, image, mounts, log path; with verbose, its PID and OCI spec.
func (s *RuntimeService) ContainerStatus(ctx context.Context, req *runtimeapi.ContainerStatusRequest) (*runtimeapi.ContainerStatusResponse, error) {
	c, cfg, err := s.container(ctx, req.GetContainerId())
	if err != nil {
		return nil, err
	}
	st := &runtimeapi.ContainerStatus{
		Id: c.ID, Metadata: cfg.GetMetadata(), State: containerState(c), CreatedAt: c.Created.UnixNano(),
		Image: cfg.GetImage(), ImageRef: c.ImageID, ImageId: c.ImageID,
		Labels: cfg.GetLabels(), Annotations: cfg.GetAnnotations(), Mounts: cfg.GetMounts(),
	}
	if c.StartedAt != nil && st.State != runtimeapi.ContainerState_CONTAINER_CREATED {
		st.StartedAt = c.StartedAt.UnixNano()
	}
	if st.State == runtimeapi.ContainerState_CONTAINER_EXITED {
		if c.FinishedAt != nil {
			st.FinishedAt = c.FinishedAt.UnixNano()
		}
		switch {
		case c.OOMKilled:
			st.Reason = "OOMKilled"
		case c.ExitCode == nil:
			st.Reason, st.Message = "Unknown", "the container's monitor ended before it recorded an exit"
		case *c.ExitCode == 0:
			st.Reason = "Completed"
		default:
			st.Reason = "Error"
		}
		if c.ExitCode != nil {
			st.ExitCode = int32(*c.ExitCode)
		}
	}
	spec, _ := s.Runs.Spec(ctx, c.ID)
	if spec != nil {
		st.LogPath = spec.Annotations[run.AnnotLogPath]
		st.User = &runtimeapi.ContainerUser{Linux: &runtimeapi.LinuxContainerUser{
			Uid: int64(spec.Process.User.UID), Gid: int64(spec.Process.User.GID)}}
		for _, g := range spec.Process.User.AdditionalGids {
			st.User.Linux.SupplementalGroups = append(st.User.Linux.SupplementalGroups, int64(g))
		}
		st.Resources = criResources(spec)
	}
	out := &runtimeapi.ContainerStatusResponse{Status: st}
	if req.GetVerbose() {
		info, _ := json.Marshal(map[string]any{"pid": c.Pid, "sandboxID": c.Labels[labelSandboxID], "runtimeSpec": spec})
		out.Info = map[string]string{"info": string(info)}
	}
	return out, nil
}

// criResources is the spec's resources in the CRI's form.
func criResources(spec *specs.Spec) *runtimeapi.ContainerResources {
	r := spec.Linux.Resources
	if r == nil {
		return nil
	}
	out := &runtimeapi.LinuxContainerResources{Unified: r.Unified}
	if c := r.CPU; c != nil {
		if c.Shares != nil {
			out.CpuShares = int64(*c.Shares)
		}
		if c.Quota != nil {
			out.CpuQuota = *c.Quota
		}
		if c.Period != nil {
			out.CpuPeriod = int64(*c.Period)
		}
		out.CpusetCpus, out.CpusetMems = c.Cpus, c.Mems
	}
	if m := r.Memory; m != nil {
		if m.Limit != nil {
			out.MemoryLimitInBytes = *m.Limit
		}
		if m.Swap != nil {
			out.MemorySwapLimitInBytes = *m.Swap
		}
	}
	if spec.Process.OOMScoreAdj != nil {
		out.OomScoreAdj = int64(*spec.Process.OOMScoreAdj)
	}
	for _, h := range r.HugepageLimits {
		out.HugepageLimits = append(out.HugepageLimits, &runtimeapi.HugepageLimit{PageSize: h.Pagesize, Limit: h.Limit})
	}
	return &runtimeapi.ContainerResources{Linux: out}
}

// ListContainers lists the CRI's containers (not the pods' infra),
// filtered by ID or prefix, state, sandbox and labels.
func (s *RuntimeService) ListContainers(ctx context.Context, req *runtimeapi.ListContainersRequest) (*runtimeapi.ListContainersResponse, error) {
	all, err := s.Runs.List(ctx, true)
	if err != nil {
		return nil, grpcError(err)
	}
	f := req.GetFilter()
	out := &runtimeapi.ListContainersResponse{Containers: []*runtimeapi.Container{}}
	for _, c := range all {
		if c.Labels[labelContainerConfig] == "" || (f.GetId() != "" && !strings.HasPrefix(c.ID, f.GetId())) ||
			(f.GetPodSandboxId() != "" && !strings.HasPrefix(c.Labels[labelSandboxID], f.GetPodSandboxId())) {
			continue
		}
		if f.GetState() != nil && f.GetState().GetState() != containerState(c) {
			continue
		}
		var cfg runtimeapi.ContainerConfig
		if decodeConfig(c.Labels[labelContainerConfig], &cfg) != nil || !matchLabels(cfg.GetLabels(), f.GetLabelSelector()) {
			continue
		}
		out.Containers = append(out.Containers, &runtimeapi.Container{
			Id: c.ID, PodSandboxId: c.Labels[labelSandboxID], Metadata: cfg.GetMetadata(), Image: cfg.GetImage(),
			ImageRef: c.ImageID, ImageId: c.ImageID, State: containerState(c), CreatedAt: c.Created.UnixNano(),
			Labels: cfg.GetLabels(), Annotations: cfg.GetAnnotations(),
		})
	}
	return out, nil
}

// maxExecSyncOutput is how much of each of an ExecSync's streams is kept:
// containerd's and CRI-O's 16 MB, also the largest message the kubelet
// and crictl take (a response that fills it does not reach them whole,
// with those runtimes either).
const maxExecSyncOutput = 16 << 20

// cappedBuffer keeps the first max bytes written to it and drops the
// rest, as containerd and CRI-O do (CVE-2022-1708, CVE-2022-31030: the
// whole output in memory grew a daemon without bound). The writer keeps
// being read to the end, so the command is not blocked on a full pipe.
type cappedBuffer struct {
	buf     []byte
	max     int
	dropped int64
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	n := min(len(p), b.max-len(b.buf))
	if n > 0 {
		if len(b.buf)+n > cap(b.buf) {
			// Grown by doubling as append would, but never past max:
			// append's last step would reserve up to twice as much.
			grown := make([]byte, len(b.buf), min(b.max, max(2*cap(b.buf), len(b.buf)+n, 4096)))
			copy(grown, b.buf)
			b.buf = grown
		}
		b.buf = append(b.buf, p[:n]...)
	}
	b.dropped += int64(len(p) - n)
	return len(p), nil
}

// ExecSync runs a command in a running container and returns its output
// (at most maxExecSyncOutput of each stream) and status; at the timeout
// the command is killed with its process group and the call fails with
// DeadlineExceeded, even if something else still holds the output.
func (s *RuntimeService) ExecSync(ctx context.Context, req *runtimeapi.ExecSyncRequest) (*runtimeapi.ExecSyncResponse, error) {
	c, _, err := s.container(ctx, req.GetContainerId())
	if err != nil {
		return nil, err
	}
	if len(req.GetCmd()) == 0 {
		return nil, invalid("no command")
	}
	if c.Status != run.StatusRunning {
		return nil, status.Errorf(codes.FailedPrecondition, "container %s is not running", c.ID)
	}
	if t := req.GetTimeout(); t > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(t)*time.Second)
		defer cancel()
	}
	stdout := &cappedBuffer{max: maxExecSyncOutput}
	stderr := &cappedBuffer{max: maxExecSyncOutput}
	code, err := s.Runs.Exec(ctx, c.ID, run.ExecOptions{Args: req.GetCmd(), Stdout: stdout, Stderr: stderr})
	if errors.Is(err, context.DeadlineExceeded) {
		return nil, status.Errorf(codes.DeadlineExceeded, "command %q timed out after %ds", req.GetCmd(), req.GetTimeout())
	}
	if err != nil {
		return nil, grpcError(err)
	}
	if s.Log != nil && stdout.dropped+stderr.dropped > 0 {
		s.Log("exec in %s: %q: output past %d bytes dropped (%d of stdout, %d of stderr)",
			c.ID, req.GetCmd(), maxExecSyncOutput, stdout.dropped, stderr.dropped)
	}
	return &runtimeapi.ExecSyncResponse{Stdout: stdout.buf, Stderr: stderr.buf, ExitCode: int32(code)}, nil
}

// UpdateContainerResources changes a container's limits: at once if it
// runs (the runtime's update), and in its config for later starts.
func (s *RuntimeService) UpdateContainerResources(ctx context.Context, req *runtimeapi.UpdateContainerResourcesRequest) (*runtimeapi.UpdateContainerResourcesResponse, error) {
	c, _, err := s.container(ctx, req.GetContainerId())
	if err != nil {
		return nil, err
	}
	r := req.GetLinux()
	if r == nil {
		return &runtimeapi.UpdateContainerResourcesResponse{}, nil
	}
	var adj *int
	if r.GetOomScoreAdj() != 0 {
		v := int(r.GetOomScoreAdj())
		adj = &v
	}
	if err := s.Runs.UpdateResources(ctx, c.ID, ociResources(r), adj); err != nil {
		return nil, grpcError(err)
	}
	return &runtimeapi.UpdateContainerResourcesResponse{}, nil
}

// ReopenContainerLog has the container's monitor reopen its log (the
// kubelet has moved it away to rotate it).
func (s *RuntimeService) ReopenContainerLog(ctx context.Context, req *runtimeapi.ReopenContainerLogRequest) (*runtimeapi.ReopenContainerLogResponse, error) {
	c, _, err := s.container(ctx, req.GetContainerId())
	if err != nil {
		return nil, err
	}
	if c.Status != run.StatusRunning {
		return nil, status.Errorf(codes.FailedPrecondition, "container %s is not running", c.ID)
	}
	if err := s.Runs.ReopenLog(ctx, c.ID); err != nil {
		return nil, grpcError(err)
	}
	return &runtimeapi.ReopenContainerLogResponse{}, nil
}
