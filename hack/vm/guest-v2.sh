#!/usr/bin/env bash
# hack/vm/guest-v2.sh: what hack/vm/test-v2.sh runs inside the test VM. It
# refuses to run anywhere but on cgroup v2 with systemd as PID 1, so that a
# green run always means that layout was tested.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
layout=$(stat -fc %T /sys/fs/cgroup)
init=$(ps -p 1 -o comm=)
echo "guest: kernel $(uname -r), /sys/fs/cgroup $layout, PID 1 $init, controllers: $(cat /sys/fs/cgroup/cgroup.controllers 2>/dev/null)"
if [ "$layout" != cgroup2fs ] || [ "$init" != systemd ]; then
	echo "guest-v2.sh: not cgroup v2 with systemd: refusing to report on it" >&2
	exit 1
fi
rc=0
# The guest is a machine just booted: what the suite needs, and the state.
./hack/machine-state.sh check || rc=1
# TMPDIR is a tmpfs (run.sh): with the suite's bundles on the guest's
# overlay root (overlayfs over 9p), the masked and read-only paths
# programs end with "operation not permitted" before their plan.
echo "== runtime-tools against ctr-runtime (hack/runtime-tools.v2.expected)"
./hack/runtime-tools.sh bin/ctr-runtime || rc=1
if [ -n "${CTR_V2_RUNC:-}" ]; then
	echo "== runtime-tools against runc $(runc --version | awk 'NR == 1 {print $3}') (counts only)"
	RUNTIME_TOOLS_EXPECTED=/dev/null ./hack/runtime-tools.sh "$(command -v runc)" | tail -n 1
fi
echo "== bats tests tagged cgroup"
bats --filter-tags cgroup tests/bats || rc=1
exit "$rc"
