package cri

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctr-project/ctr/lib/errdefs"
	"github.com/ctr-project/ctr/lib/lookup"
	"github.com/ctr-project/ctr/lib/run"
)

// A pod sandbox is a pod of lib/run (podman's kind: an infra process
// holding the namespaces, a cgroup parent, the network attachment with
// its ports), and each CRI container a container of that pod under its
// own ctr-monitor. What the kubelet asked for is kept with them, in their
// labels, so that a ctr-cri started again finds everything as it was with
// no second record to keep in step.

// Labels under which the kubelet's configs are kept.
const (
	labelSandboxConfig   = "io.ctr.cri.sandbox-config"   // protojson PodSandboxConfig
	labelContainerConfig = "io.ctr.cri.container-config" // protojson ContainerConfig
	labelSandboxID       = "io.ctr.cri.sandbox-id"
	labelRuntimeHandler  = "io.ctr.cri.runtime-handler"
)

func encodeConfig(m proto.Message) (string, error) {
	b, err := protojson.Marshal(m)
	return string(b), err
}

func decodeConfig(s string, m proto.Message) error {
	return protojson.Unmarshal([]byte(s), m)
}

// invalid is the CRI's InvalidArgument.
func invalid(format string, args ...any) error {
	return status.Errorf(codes.InvalidArgument, format, args...)
}

// notFound is lib/lookup's not-found error as the CRI returns it.
func notFound(kind, id string) error {
	return grpcError(&lookup.NotFoundError{What: kind, Ref: id})
}

// RunPodSandbox makes a pod with its infra running: its network (with the
// ports), namespaces, cgroup parent, host name and DNS as configured.
func (s *RuntimeService) RunPodSandbox(ctx context.Context, req *runtimeapi.RunPodSandboxRequest) (*runtimeapi.RunPodSandboxResponse, error) {
	cfg := req.GetConfig()
	md := cfg.GetMetadata()
	if md.GetName() == "" || md.GetNamespace() == "" || md.GetUid() == "" {
		return nil, invalid("the sandbox config needs metadata with a name, namespace and uid")
	}
	if h := req.GetRuntimeHandler(); h != "" && h != DefaultHandler {
		return nil, invalid("runtime handler %q: this runtime has one, %q", h, DefaultHandler)
	}
	po, err := sandboxRequest(cfg, s.CgroupManager)
	if err != nil {
		return nil, err
	}
	po.PauseBinary = s.PauseBinary
	enc, err := encodeConfig(cfg)
	if err != nil {
		return nil, invalid("sandbox config: %v", err)
	}
	po.OwnLabels = map[string]string{labelSandboxConfig: enc, labelRuntimeHandler: DefaultHandler}
	if _, err := s.Runs.GetPod(ctx, po.Name); err == nil {
		return nil, status.Errorf(codes.AlreadyExists, "a pod sandbox named %s exists already", po.Name)
	}
	if dir := cfg.GetLogDirectory(); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, status.Errorf(codes.Internal, "the pod's log directory: %v", err)
		}
	}
	p, err := s.Runs.CreatePod(ctx, po)
	if err != nil {
		return nil, grpcError(err)
	}
	return &runtimeapi.RunPodSandboxResponse{PodSandboxId: p.ID}, nil
}

// RemoveHalfMade removes the sandboxes a ctr-cri killed in RunPodSandbox
// left half-made: the kubelet never learnt their IDs, so nothing else
// would. A new daemon calls it before it serves.
func (s *RuntimeService) RemoveHalfMade(ctx context.Context) error {
	removed, err := s.Runs.RemoveHalfMade(ctx, func(p run.Pod) bool { return p.Labels[labelSandboxConfig] != "" })
	for _, p := range removed {
		if s.Log != nil {
			s.Log("removed pod sandbox %s (%s), left half-made by a daemon that was killed", p.ID, p.Name)
		}
	}
	return err
}

// DefaultHandler is the one runtime handler ctr-cri has: ctr-runtime.
const DefaultHandler = "ctr-runtime"

// StopPodSandbox stops the pod's containers at once (SIGKILL after their
// stop signal: the kubelet has stopped them gracefully before) and its
// infra, which releases the network. Stopping a stopped sandbox, or one
// that is gone, is no error (the CRI's idempotence).
func (s *RuntimeService) StopPodSandbox(ctx context.Context, req *runtimeapi.StopPodSandboxRequest) (*runtimeapi.StopPodSandboxResponse, error) {
	p, err := s.sandbox(ctx, req.GetPodSandboxId())
	if status.Code(err) == codes.NotFound {
		return &runtimeapi.StopPodSandboxResponse{}, nil // idempotent: gone is stopped
	}
	if err != nil {
		return nil, err
	}
	now := time.Duration(0)
	if _, err := s.Runs.StopPod(ctx, p.ID, &now); err != nil {
		return nil, grpcError(err)
	}
	return &runtimeapi.StopPodSandboxResponse{}, nil
}

// RemovePodSandbox removes the pod, its containers and what it holds on
// the host. A sandbox that is gone already is no error.
func (s *RuntimeService) RemovePodSandbox(ctx context.Context, req *runtimeapi.RemovePodSandboxRequest) (*runtimeapi.RemovePodSandboxResponse, error) {
	p, err := s.sandbox(ctx, req.GetPodSandboxId())
	if status.Code(err) == codes.NotFound {
		return &runtimeapi.RemovePodSandboxResponse{}, nil
	}
	if err != nil {
		return nil, err
	}
	if _, err := s.Runs.RemovePod(ctx, p.ID, true); err != nil && !errors.Is(err, errdefs.ErrNotFound) {
		return nil, grpcError(err)
	}
	return &runtimeapi.RemovePodSandboxResponse{}, nil
}

// sandbox finds a CRI pod by ID or unique ID prefix (lib/lookup's rule
// without names: the CRI's references are IDs), with its state.
func (s *RuntimeService) sandbox(ctx context.Context, id string) (run.Pod, error) {
	if id == "" {
		return run.Pod{}, invalid("no pod sandbox ID")
	}
	p, err := s.Runs.GetPodByID(ctx, id)
	if err == nil && p.Labels[labelSandboxConfig] == "" {
		return run.Pod{}, notFound("pod sandbox", id)
	}
	if err != nil {
		return p, grpcError(err)
	}
	return p, nil
}

// sandboxView is a pod as the CRI shows it.
type sandboxView struct {
	pod    run.Pod
	config runtimeapi.PodSandboxConfig
	ready  bool
}

// findSandbox finds a CRI pod by ID or prefix, with its config.
func (s *RuntimeService) findSandbox(ctx context.Context, id string) (*sandboxView, error) {
	p, err := s.sandbox(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.view(p)
}

func (s *RuntimeService) view(p run.Pod) (*sandboxView, error) {
	v := &sandboxView{pod: p}
	if err := decodeConfig(p.Labels[labelSandboxConfig], &v.config); err != nil {
		return nil, status.Errorf(codes.Internal, "pod %s: its sandbox config: %v", p.ID, err)
	}
	v.ready = len(p.Containers) > 0 && p.Containers[0].Infra && p.Containers[0].Status == run.StatusRunning
	return v, nil
}

func (v *sandboxView) state() runtimeapi.PodSandboxState {
	if v.ready {
		return runtimeapi.PodSandboxState_SANDBOX_READY
	}
	return runtimeapi.PodSandboxState_SANDBOX_NOTREADY
}

// PodSandboxStatus reports a sandbox: its state, address and config.
func (s *RuntimeService) PodSandboxStatus(ctx context.Context, req *runtimeapi.PodSandboxStatusRequest) (*runtimeapi.PodSandboxStatusResponse, error) {
	v, err := s.findSandbox(ctx, req.GetPodSandboxId())
	if err != nil {
		return nil, err
	}
	p := v.pod
	st := &runtimeapi.PodSandboxStatus{
		Id: p.ID, Metadata: v.config.GetMetadata(), State: v.state(), CreatedAt: p.Created.UnixNano(),
		Labels: v.config.GetLabels(), Annotations: v.config.GetAnnotations(), RuntimeHandler: DefaultHandler,
		Network: &runtimeapi.PodSandboxNetworkStatus{},
		Linux: &runtimeapi.LinuxPodSandboxStatus{Namespaces: &runtimeapi.Namespace{
			Options: v.config.GetLinux().GetSecurityContext().GetNamespaceOptions()}},
	}
	if v.ready && p.InfraID != "" {
		if ips, err := s.Runs.Addresses(ctx, p.InfraID); err == nil && len(ips) > 0 {
			st.Network.Ip = ips[0]
			for _, ip := range ips[1:] {
				st.Network.AdditionalIps = append(st.Network.AdditionalIps, &runtimeapi.PodIP{Ip: ip})
			}
		}
	}
	out := &runtimeapi.PodSandboxStatusResponse{Status: st}
	if req.GetVerbose() {
		rec := p
		delete(rec.Labels, labelSandboxConfig)
		info, _ := json.Marshal(map[string]any{"pod": rec, "config": json.RawMessage(p.Labels[labelSandboxConfig])})
		out.Info = map[string]string{"info": string(info)}
	}
	return out, nil
}

// ListPodSandbox lists the CRI's pods, filtered by ID (or prefix), state
// and labels.
func (s *RuntimeService) ListPodSandbox(ctx context.Context, req *runtimeapi.ListPodSandboxRequest) (*runtimeapi.ListPodSandboxResponse, error) {
	pods, err := s.Runs.Pods(ctx)
	if err != nil {
		return nil, grpcError(err)
	}
	f := req.GetFilter()
	out := &runtimeapi.ListPodSandboxResponse{Items: []*runtimeapi.PodSandbox{}}
	for _, p := range pods {
		if p.Labels[labelSandboxConfig] == "" || (f.GetId() != "" && !strings.HasPrefix(p.ID, f.GetId())) {
			continue
		}
		v, err := s.view(p)
		if err != nil {
			continue
		}
		if f.GetState() != nil && f.GetState().GetState() != v.state() {
			continue
		}
		if !matchLabels(v.config.GetLabels(), f.GetLabelSelector()) {
			continue
		}
		out.Items = append(out.Items, &runtimeapi.PodSandbox{
			Id: p.ID, Metadata: v.config.GetMetadata(), State: v.state(), CreatedAt: p.Created.UnixNano(),
			Labels: v.config.GetLabels(), Annotations: v.config.GetAnnotations(), RuntimeHandler: DefaultHandler,
		})
	}
	return out, nil
}

// matchLabels says whether labels has every key and value of selector.
func matchLabels(labels, selector map[string]string) bool {
	for k, v := range selector {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}
