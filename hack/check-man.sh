#!/usr/bin/env bash
# Fails when a tool's --help and its man page disagree on the flags.
# Usage: hack/check-man.sh TOOL...   (binaries in bin/, pages in man/)
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/help.sh
status=0
declare -A in_man in_help

# names_of LINE: sets aliases to the first word of each comma-separated
# part of a --help line ("--time SECONDS, -t SECONDS": --time -t).
names_of() {
	local part parts words
	aliases=()
	IFS=, read -ra parts <<<"$1"
	for part in "${parts[@]}"; do
		read -ra words <<<"$part"
		[ ${#words[@]} -eq 0 ] || aliases+=("${words[0]}")
	done
}
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
		# The names on each side as sets, in bash (make check runs this:
		# processes for each flag made it 21 s of CPU).
		in_man=() in_help=()
		while IFS= read -r f; do
			[ -z "$f" ] || in_man[$f]=1
		done <<<"$man_sub"
		while IFS= read -r names; do
			[ -n "$names" ] || continue
			names_of "$names"
			found="" is_help=""
			for f in "${aliases[@]}"; do
				in_help[$f]=1
				case $f in --help | -h) is_help=1 ;; -*) [ -z "${in_man[$f]:-}" ] || found=1 ;; esac
			done
			[ -z "$is_help" ] || continue
			if [ -z "$found" ]; then
				echo "$tool $sub: $(printf '%s\n' "${aliases[@]}" | grep -E '^-' | sort -u | head -1) is not in $page's lines for $sub" >&2
				status=1
			fi
		done < <(flag_lines "$tool" "$sub")
		while IFS= read -r f; do
			if [ -n "$f" ] && [ -z "${in_help[$f]:-}" ]; then
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
