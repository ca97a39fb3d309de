package oci

import (
	"testing"

	"github.com/opencontainers/cgroups"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// update's CPU shares reach cgroup v2 as a weight: libcontainer writes
// cpu.weight from CpuWeight only, so shares alone were dropped there
// (found by 102-runtime-admin.bats in the v2 guest).
func TestApplyResourcesConvertsSharesToAWeight(t *testing.T) {
	shares := uint64(512)
	have := &cgroups.Resources{CpuWeight: 100}
	applyResources(have, &specs.LinuxResources{CPU: &specs.LinuxCPU{Shares: &shares}})
	if have.CpuShares != 512 || have.CpuWeight != cgroups.ConvertCPUSharesToCgroupV2Value(512) {
		t.Fatalf("shares %d, weight %d; want 512 and %d", have.CpuShares, have.CpuWeight, cgroups.ConvertCPUSharesToCgroupV2Value(512))
	}
}
