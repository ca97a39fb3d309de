# shellcheck shell=bash
# loopback_registry DIR: starts Debian's docker-registry on a free
# loopback port, its data and log under DIR, and waits until it answers.
# Sets REGISTRY (host:port) and REGISTRY_PID; returns 1 if it never
# answers (its log is then on stderr). Sourced by hack/demo.sh and
# hack/critest.sh.
loopback_registry() {
	local dir=$1 port
	mkdir -p "$dir"
	port=$((20000 + RANDOM % 20000))
	cat >"$dir/registry.yml" <<YML
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $dir/data}}
http: {addr: 127.0.0.1:$port}
YML
	docker-registry serve "$dir/registry.yml" 2>>"$dir/registry.log" &
	# shellcheck disable=SC2034 # the caller's
	REGISTRY_PID=$!
	REGISTRY=127.0.0.1:$port
	for _ in $(seq 100); do
		curl -s -o /dev/null "http://$REGISTRY/v2/" && return 0
		sleep 0.1
	done
	echo "the registry on $REGISTRY did not come up:" >&2
	cat "$dir/registry.log" >&2
	return 1
}
