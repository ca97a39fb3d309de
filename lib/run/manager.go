package run

import (
	"context"
	"os/exec"
	"path/filepath"
	"slices"

	"go.podman.io/storage"

	"github.com/ctr-project/ctr/lib/network"
)

// Manager is the world ctr-run's containers live in: one store, the
// runtime and monitor that run them, where their state is kept, and the
// CNI networks. A program builds one and runs, finds and manages
// containers and pods through it; a Request says what one run wants.
type Manager struct {
	Store storage.Store
	// Runtime is the ctr-runtime binary; StateDir holds the bundles and
	// the runtime's state (<storage runroot>/ctr); PersistDir what must
	// outlive a reboot (<storage root>/ctr), "" for none.
	Runtime    string
	StateDir   string
	PersistDir string
	// Networks attaches containers to CNI networks (nil: the defaults,
	// /etc/cni/net.d and /usr/lib/cni).
	Networks *network.Manager
	// Monitor (ctr-monitor) supervises detached containers, a pod's, and
	// a foreground container while ctr-run waits for it; "" for none (a
	// build's RUN steps): then nothing detached starts. It runs
	// CleanupCommand, with the container's ID appended (and --rm before
	// it for a Request's Remove), when the container exits.
	Monitor        string
	CleanupCommand []string
}

// networks is the Manager's CNI networks.
func (m *Manager) networks() *network.Manager {
	if m.Networks == nil {
		m.Networks = network.New(network.Config{})
	}
	return m.Networks
}

// runtime is a command of the runtime on ctr-run's state.
func (m *Manager) runtime(ctx context.Context, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, m.Runtime, append([]string{"--root", runtimeRoot(m.StateDir)}, args...)...)
}

// runtimeRoot is where ctr-runtime keeps the state of ctr-run's containers.
func runtimeRoot(stateDir string) string { return filepath.Join(stateDir, "runtime") }

// cleanupCommand is the command the monitor runs when a container exits
// (without its ID), removing it with remove.
func (m *Manager) cleanupCommand(remove bool) []string {
	if len(m.CleanupCommand) == 0 || !remove {
		return m.CleanupCommand
	}
	return append(slices.Clone(m.CleanupCommand), "--rm")
}
