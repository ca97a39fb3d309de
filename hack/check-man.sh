#!/usr/bin/env bash
# Fails when a tool's --help and its man page disagree on the flags.
# Usage: hack/check-man.sh TOOL...   (binaries in bin/, pages in man/)
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
for tool in "$@"; do
	page=man/$tool.1.md
	if [ ! -f "$page" ]; then
		echo "$tool: no man page $page" >&2
		status=1
		continue
	fi
	help_flags=$(bin/"$tool" --help | grep -oE '^ +--[a-z0-9-]+' | tr -d ' ' | grep -vxE -- '--(help|version)' | sort -u)
	man_flags=$(grep -E '^\*\*--' "$page" | grep -oE '\*\*--[a-z0-9-]+' | tr -d '*' | sort -u)
	if [ "$help_flags" != "$man_flags" ]; then
		echo "$tool: --help and $page disagree (< only in --help, > only in the man page):" >&2
		diff <(echo "$help_flags") <(echo "$man_flags") | grep '^[<>]' >&2 || true
		status=1
	fi
	for section in NAME SYNOPSIS DESCRIPTION OPTIONS "INPUT AND OUTPUT" "EXIT STATUS" EXAMPLES "SEE ALSO"; do
		grep -q "^# $section" "$page" || { echo "$page: no $section section" >&2; status=1; }
	done
done
exit $status
