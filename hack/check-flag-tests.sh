#!/usr/bin/env bash
# Fails when a flag of a tool (or of one of its commands) is named by no
# test: every flag a user can give has a test that uses it. A flag that is
# exercised another way (podman or ctr-run passes it) is listed, with how,
# in hack/flag-tests.indirect; an entry there whose flag a test now names
# must go (the list may only shrink).
#
#   hack/check-flag-tests.sh TOOL...   (binaries in bin/, tests in tests/)
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/help.sh
LIST=hack/flag-tests.indirect
tests=$(cat tests/bats/*.bats tests/bats/helpers.bash tests/*.sh)
status=0

# named FLAG...: whether a test names one of the flags (a long one as a
# word, a short one as a word of its own).
named() {
	local f
	for f in "$@"; do
		case $f in
		--*) grep -qE -- "(^|[^a-z0-9-])$f([^a-z0-9-]|\$)" <<<"$tests" && return 0 ;;
		-*) grep -qE -- "(^|[ \"'(])$f([ \"')]|\$)" <<<"$tests" && return 0 ;;
		esac
	done
	return 1
}

declare -A listed=()
while IFS= read -r line; do
	case $line in '' | '#'*) continue ;; esac
	listed[${line%%:*}]=1
done <"$LIST"

for tool in "$@"; do
	subs=("")
	mapfile -t -O 1 subs < <(subcommands "$tool")
	for sub in "${subs[@]}"; do
		while IFS= read -r names; do
			mapfile -t aliases < <(tr ',' '\n' <<<"$names" | awk '{print $1}' | grep -E '^-')
			long=${aliases[0]}
			case $long in --help | --version) continue ;; esac
			key="$tool${sub:+ $sub} $long"
			if named "${aliases[@]}"; then
				if [ -n "${listed[$key]:-}" ]; then
					echo "$key: a test names it now; remove it from $LIST" >&2
					status=1
				fi
			elif [ -z "${listed[$key]:-}" ]; then
				echo "$key: no test names it (write one, or say in $LIST how it is tested)" >&2
				status=1
			fi
		done < <(flag_lines "$tool" "$sub")
	done
done
exit $status
