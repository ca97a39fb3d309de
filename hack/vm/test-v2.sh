#!/usr/bin/env bash
# hack/vm/test-v2.sh: the cgroup part of the suite on cgroup v2 with systemd
# as init (issue 17), in the test VM (hack/vm/README.md): the runtime-tools
# suite against ctr-runtime (judged by hack/runtime-tools.v2.expected) and
# the bats tests tagged "cgroup", against this checkout and the binaries
# built here. The guest has no network: what it runs is built first, here.
#
#   hack/vm/test-v2.sh              (make test-v2)
#   CTR_V2_RUNC=1 hack/vm/test-v2.sh   also runtime-tools' counts for runc
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNTIME_TOOLS_BUILD_ONLY=1 ./hack/runtime-tools.sh
exec ./hack/vm/run.sh --timeout "${CTR_VM_TIMEOUT:-2400}" -- env CTR_V2_RUNC="${CTR_V2_RUNC:-}" ./hack/vm/guest-v2.sh
