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
# The tests, in one file that each grep reads (make check runs this: a
# here-string of them for each grep, and four processes to split each
# --help line, made it 31 s of CPU; now 1 grep a flag).
tests=$(mktemp)
trap 'rm -f "$tests"' EXIT
cat tests/bats/*.bats tests/bats/helpers.bash tests/*.sh >"$tests"
status=0

# named FLAG...: whether a test names one of the flags (a long one as a
# word, a short one as a word of its own).
named() {
	local f res=() IFS='|'
	for f in "$@"; do
		case $f in
		--*) res+=("(^|[^a-z0-9-])$f([^a-z0-9-]|\$)") ;;
		-*) res+=("(^|[ \"'(])$f([ \"')]|\$)") ;;
		esac
	done
	[ ${#res[@]} -gt 0 ] && grep -qE -- "${res[*]}" "$tests"
}

# aliases NAMES: sets aliases to the flag names of one --help line
# ("--time SECONDS, -t SECONDS": --time -t).
aliases() {
	local part parts words
	aliases=()
	IFS=, read -ra parts <<<"$1"
	for part in "${parts[@]}"; do
		read -ra words <<<"$part"
		[[ ${words[0]:-} == -* ]] && aliases+=("${words[0]}")
	done
	return 0
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
			aliases "$names"
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
