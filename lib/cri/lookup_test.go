package cri

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctr-project/ctr/internal/teststore"
	"github.com/ctr-project/ctr/lib/run"
	ctrtypes "github.com/ctr-project/ctr/lib/types"
)

// The CRI finds containers and sandboxes by ID or unique ID prefix only
// (crictl passes truncated IDs), by lib/lookup's rule: a name that is
// another container's is no longer taken before the prefix (the CRI's
// container was "not found"), and an ambiguous prefix is InvalidArgument
// naming the ambiguity (it was NotFound).
func TestFindByIDPrefix(t *testing.T) {
	store := teststore.New(t)
	id := func(prefix string) string { return prefix + strings.Repeat("0", 64-len(prefix)) }
	ccfg, _ := encodeConfig(&runtimeapi.ContainerConfig{Metadata: &runtimeapi.ContainerMetadata{Name: "c"}})
	scfg, _ := encodeConfig(&runtimeapi.PodSandboxConfig{Metadata: &runtimeapi.PodSandboxMetadata{Name: "p"}})
	for _, c := range []struct {
		id, name string
		labels   map[string]string
	}{
		{id("abc1"), "k8s_c1", map[string]string{labelContainerConfig: ccfg}},
		{id("abc2"), "k8s_c2", map[string]string{labelContainerConfig: ccfg}},
		{id("fe"), "k8s_c3", map[string]string{labelContainerConfig: ccfg}},
		{id("99"), "fe", nil}, // ctr-run's, named like the CRI's prefix
	} {
		meta, _ := json.Marshal(ctrtypes.ContainerMeta{Schema: ctrtypes.ContainerSchema, Labels: c.labels})
		if _, err := store.CreateContainer(c.id, []string{c.name}, "", "", string(meta), nil); err != nil {
			t.Fatal(err)
		}
	}
	persist := t.TempDir()
	for _, p := range []run.Pod{
		{ID: id("abc1"), Name: "k8s_POD_1"}, {ID: id("abc2"), Name: "k8s_POD_2"},
		{ID: id("ee"), Name: "k8s_POD_3"}, {ID: id("98"), Name: "ee", Labels: map[string]string{}},
	} {
		p.Schema = run.PodSchema
		if p.Labels == nil {
			p.Labels = map[string]string{labelSandboxConfig: scfg}
		}
		b, _ := json.Marshal(p)
		if err := os.MkdirAll(filepath.Join(persist, "pods"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(persist, "pods", p.ID+".json"), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s := &RuntimeService{Runs: &run.Manager{Store: store, Runtime: "/bin/false", StateDir: t.TempDir(), PersistDir: persist}}
	for _, tc := range []struct {
		ref, want string
		code      codes.Code
	}{
		{ref: id("abc1"), want: id("abc1")},
		{ref: "abc2", want: id("abc2")},
		{ref: "fe", want: id("fe")},
		{ref: "k8s_c1", code: codes.NotFound},
		{ref: "99", code: codes.NotFound}, // not the CRI's
		{ref: "abc", code: codes.InvalidArgument},
		{ref: "", code: codes.InvalidArgument},
	} {
		c, _, err := s.container(context.Background(), tc.ref)
		if status.Code(err) != tc.code || (tc.code == codes.OK && c.ID != tc.want) {
			t.Errorf("container(%q) = %s, %v; want %s, %v", tc.ref, c.ID, err, tc.want, tc.code)
		}
	}
	for _, tc := range []struct {
		ref, want string
		code      codes.Code
	}{
		{ref: "abc2", want: id("abc2")},
		{ref: "ee", want: id("ee")},
		{ref: "k8s_POD_1", code: codes.NotFound},
		{ref: "98", code: codes.NotFound}, // not the CRI's
		{ref: "abc", code: codes.InvalidArgument},
		{ref: "", code: codes.InvalidArgument},
	} {
		p, err := s.sandbox(context.Background(), tc.ref)
		if status.Code(err) != tc.code || (tc.code == codes.OK && p.ID != tc.want) {
			t.Errorf("sandbox(%q) = %s, %v; want %s, %v", tc.ref, p.ID, err, tc.want, tc.code)
		}
	}
}
