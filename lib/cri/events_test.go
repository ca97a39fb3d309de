package cri

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func ctrState(id string, st runtimeapi.ContainerState) *runtimeapi.Container {
	return &runtimeapi.Container{Id: id, State: st}
}

// A reading of the states that fails says nothing: it made every running
// container stop, go and come back (a kubelet's evented PLEG, or a test
// waiting for a stop, saw events of containers that still ran).
func TestWatchSkipsAFailedReading(t *testing.T) {
	running := runtimeapi.ContainerState_CONTAINER_RUNNING
	readings := []func() (map[string]*runtimeapi.Container, error){
		func() (map[string]*runtimeapi.Container, error) {
			return map[string]*runtimeapi.Container{"a": ctrState("a", running)}, nil
		},
		func() (map[string]*runtimeapi.Container, error) { return nil, errors.New("store busy") },
		func() (map[string]*runtimeapi.Container, error) {
			return map[string]*runtimeapi.Container{"a": ctrState("a", running), "b": ctrState("b", running)}, nil
		},
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	read := func(context.Context) (map[string]*runtimeapi.Container, error) {
		if n >= len(readings) {
			cancel()
			return nil, errors.New("done")
		}
		n++
		return readings[n-1]()
	}
	var got []string
	watchStates(ctx, time.Millisecond, read, func(ch change) { got = append(got, ch.c.GetId()+" "+ch.typ.String()) })
	want := []string{"b CONTAINER_CREATED_EVENT", "b CONTAINER_STARTED_EVENT"}
	if !slices.Equal(got, want) {
		t.Fatalf("events %q, want %q", got, want)
	}
}

// The changes between two good readings: new, started, exited, gone.
func TestChanges(t *testing.T) {
	last := map[string]*runtimeapi.Container{
		"run": ctrState("run", runtimeapi.ContainerState_CONTAINER_RUNNING),
		"end": ctrState("end", runtimeapi.ContainerState_CONTAINER_RUNNING),
		"old": ctrState("old", runtimeapi.ContainerState_CONTAINER_EXITED),
	}
	now := map[string]*runtimeapi.Container{
		"end": ctrState("end", runtimeapi.ContainerState_CONTAINER_EXITED),
		"old": ctrState("old", runtimeapi.ContainerState_CONTAINER_EXITED),
		"new": ctrState("new", runtimeapi.ContainerState_CONTAINER_CREATED),
	}
	var got []string
	for _, ch := range changes(last, now) {
		got = append(got, ch.c.GetId()+" "+ch.typ.String())
	}
	want := []string{"end CONTAINER_STOPPED_EVENT", "new CONTAINER_CREATED_EVENT", "run CONTAINER_STOPPED_EVENT", "run CONTAINER_DELETED_EVENT"}
	if !slices.Equal(got, want) {
		t.Fatalf("events %q, want %q", got, want)
	}
}
