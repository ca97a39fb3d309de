#!/usr/bin/env bash
# Fails when a tool's --help and its man page disagree on the flags.
# Usage: hack/check-man.sh TOOL...   (binaries in bin/, pages in man/)
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/help.sh
status=0
for tool in "$@"; do
	page=man/$tool.1.md
	[ -f "$page" ] || [ ! -f "man/$tool.8.md" ] || page=man/$tool.8.md # a daemon's
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
	# Each subcommand's flags (an urfave/cli tool's COMMANDS) against the
	# page's paragraphs for it: the one that starts with **SUB** (a COMMANDS
	# list) and the SYNOPSIS line **TOOL** [*GLOBAL OPTIONS*] **SUB**. Every
	# flag must be there under one of its names, and every flag there must
	# be one of the subcommand's.
	for sub in $(subcommands "$tool"); do
		man_sub=$(awk -v sub_="$sub" -v tool="$tool" 'BEGIN { RS = "" }
			{ line = $0; sub(/\n.*/, "", line); sub("^[*][*]" tool "[*][*] [[][*]GLOBAL OPTIONS[*]] ", "", line)
			  while (match(line, /^[*][*][a-z-]+[*][*]( ?[|\/] ?)/)) line = substr(line, RLENGTH + 1)
			  if (index(line, "**" sub_ "**") == 1) print }' "$page" |
			{ grep -oE '\*\*(-[a-zA-Z0-9]|--[a-zA-Z0-9][a-zA-Z0-9-]*)\*\*' || true; } | tr -d '*' | sort -u)
		sub_help=$(flag_lines "$tool" "$sub")
		while IFS= read -r names; do
			[ -n "$names" ] || continue
			aliases=$(tr ',' '\n' <<<"$names" | awk '{print $1}' | grep -E '^-' | sort -u)
			grep -qxE -- '--help|-h' <<<"$aliases" && continue
			if ! grep -qxFf <(echo "$aliases") <<<"$man_sub"; then
				echo "$tool $sub: $(head -1 <<<"$aliases") is not in $page's lines for $sub" >&2
				status=1
			fi
		done <<<"$sub_help"
		while IFS= read -r f; do
			[ -n "$f" ] || continue
			if ! tr ',' '\n' <<<"$sub_help" | awk '{print $1}' | grep -qxF -- "$f"; then
				echo "$tool $sub: $page has $f, which $tool $sub --help does not" >&2
				status=1
			fi
		done <<<"$man_sub"
	done
	for section in NAME SYNOPSIS DESCRIPTION OPTIONS "INPUT AND OUTPUT" "EXIT STATUS" EXAMPLES "SEE ALSO"; do
		grep -q "^# $section" "$page" || { echo "$page: no $section section" >&2; status=1; }
	done
done
exit $status
