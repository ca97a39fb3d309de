package cri

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Container events (GetContainerEvents, the kubelet's evented PLEG) come
// from watching the containers' states: while anyone listens, the states
// are read every eventInterval and each change is an event. A container
// that exits on its own, or one ctr-run stops, is seen the same way as
// what this daemon did.

const eventInterval = 200 * time.Millisecond

type eventHub struct {
	mu   sync.Mutex
	subs map[chan *runtimeapi.ContainerEventResponse]struct{}
	stop context.CancelFunc
	// end closes when the daemon stops (endStreams): the listeners go.
	end     chan struct{}
	endOnce sync.Once
}

// streamsEnd closes when the daemon stops.
func (s *RuntimeService) streamsEnd() <-chan struct{} { return s.endChan() }

func (s *RuntimeService) endChan() chan struct{} {
	h := &s.events
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.end == nil {
		h.end = make(chan struct{})
	}
	return h.end
}

// endStreams ends every event stream, now and to come: the daemon stops.
func (s *RuntimeService) endStreams() {
	end := s.endChan()
	s.events.endOnce.Do(func() { close(end) })
}

// subscribe adds a listener and starts the watch if it is the first.
func (s *RuntimeService) subscribe() chan *runtimeapi.ContainerEventResponse {
	h := &s.events
	ch := make(chan *runtimeapi.ContainerEventResponse, 256)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.subs == nil {
		h.subs = map[chan *runtimeapi.ContainerEventResponse]struct{}{}
	}
	h.subs[ch] = struct{}{}
	if h.stop == nil {
		ctx, cancel := context.WithCancel(context.Background())
		h.stop = cancel
		go s.watch(ctx)
	}
	return ch
}

// unsubscribe removes a listener, and stops the watch after the last.
func (s *RuntimeService) unsubscribe(ch chan *runtimeapi.ContainerEventResponse) {
	h := &s.events
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.subs, ch)
	if len(h.subs) == 0 && h.stop != nil {
		h.stop()
		h.stop = nil
	}
}

// publish gives an event to every listener; one that does not keep up
// loses it rather than holding the others.
func (s *RuntimeService) publish(ev *runtimeapi.ContainerEventResponse) {
	h := &s.events
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- ev:
		default:
		}
	}
}

// watch compares the containers' states with the last reading until ctx
// ends, and emits the changes.
func (s *RuntimeService) watch(ctx context.Context) {
	watchStates(ctx, eventInterval, s.states, func(ch change) { s.emit(ctx, ch.c, ch.typ) })
}

// watchStates reads the states every interval and hands each change to
// emit. A reading that failed is no reading: taken for an empty list, it
// said every container had stopped and gone (and then come back).
func watchStates(ctx context.Context, interval time.Duration, read func(context.Context) (map[string]*runtimeapi.Container, error), emit func(change)) {
	last, err := read(ctx)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now, nerr := read(ctx)
		if nerr != nil {
			continue
		}
		if err == nil {
			for _, ch := range changes(last, now) {
				emit(ch)
			}
		}
		last, err = now, nil
	}
}

// change is one event: what happened to a container.
type change struct {
	c   *runtimeapi.Container
	typ runtimeapi.ContainerEventType
}

// changes are the events between two readings of the containers.
func changes(last, now map[string]*runtimeapi.Container) []change {
	var out []change
	for _, id := range slices.Sorted(maps.Keys(now)) {
		c := now[id]
		before, known := last[id]
		switch {
		case !known:
			out = append(out, change{c, runtimeapi.ContainerEventType_CONTAINER_CREATED_EVENT})
			if c.GetState() != runtimeapi.ContainerState_CONTAINER_CREATED {
				out = append(out, change{c, eventFor(c.GetState())})
			}
		case before.GetState() != c.GetState():
			out = append(out, change{c, eventFor(c.GetState())})
		}
	}
	for _, id := range slices.Sorted(maps.Keys(last)) {
		c := last[id]
		if _, ok := now[id]; !ok {
			if c.GetState() == runtimeapi.ContainerState_CONTAINER_RUNNING {
				out = append(out, change{c, runtimeapi.ContainerEventType_CONTAINER_STOPPED_EVENT})
			}
			out = append(out, change{c, runtimeapi.ContainerEventType_CONTAINER_DELETED_EVENT})
		}
	}
	return out
}

func eventFor(st runtimeapi.ContainerState) runtimeapi.ContainerEventType {
	switch st {
	case runtimeapi.ContainerState_CONTAINER_RUNNING:
		return runtimeapi.ContainerEventType_CONTAINER_STARTED_EVENT
	case runtimeapi.ContainerState_CONTAINER_EXITED:
		return runtimeapi.ContainerEventType_CONTAINER_STOPPED_EVENT
	}
	return runtimeapi.ContainerEventType_CONTAINER_CREATED_EVENT
}

// states reads every CRI container's state, by ID.
func (s *RuntimeService) states(ctx context.Context) (map[string]*runtimeapi.Container, error) {
	list, err := s.ListContainers(ctx, &runtimeapi.ListContainersRequest{})
	if err != nil {
		return nil, err
	}
	out := map[string]*runtimeapi.Container{}
	for _, c := range list.GetContainers() {
		out[c.GetId()] = c
	}
	return out, nil
}

// emit publishes an event with the sandbox's and its containers' status.
func (s *RuntimeService) emit(ctx context.Context, c *runtimeapi.Container, typ runtimeapi.ContainerEventType) {
	ev := &runtimeapi.ContainerEventResponse{ContainerId: c.GetId(), ContainerEventType: typ, CreatedAt: time.Now().UnixNano()}
	if st, err := s.PodSandboxStatus(ctx, &runtimeapi.PodSandboxStatusRequest{PodSandboxId: c.GetPodSandboxId()}); err == nil {
		ev.PodSandboxStatus = st.GetStatus()
	}
	if list, err := s.ListContainers(ctx, &runtimeapi.ListContainersRequest{Filter: &runtimeapi.ContainerFilter{PodSandboxId: c.GetPodSandboxId()}}); err == nil {
		for _, m := range list.GetContainers() {
			if st, err := s.ContainerStatus(ctx, &runtimeapi.ContainerStatusRequest{ContainerId: m.GetId()}); err == nil {
				ev.ContainersStatuses = append(ev.ContainersStatuses, st.GetStatus())
			}
		}
	}
	s.publish(ev)
}

// GetContainerEvents streams container events until the client goes.
func (s *RuntimeService) GetContainerEvents(_ *runtimeapi.GetEventsRequest, stream runtimeapi.RuntimeService_GetContainerEventsServer) error {
	ch := s.subscribe()
	defer s.unsubscribe(ch)
	for {
		select {
		case <-stream.Context().Done():
			return nil
		case <-s.streamsEnd():
			return nil // the daemon stops: its clients do not hold it
		case ev := <-ch:
			if err := stream.Send(ev); err != nil {
				return err
			}
		}
	}
}
