# shellcheck shell=bash
# What a tool's --help says, for the checks that hold it against the man
# pages and the tests (hack/check-man.sh, hack/check-flag-tests.sh).
# Source it from the repository's top; the binaries are in bin/.

# subcommands TOOL: the commands of an urfave/cli tool, one per line (not
# "help"); none for a tool whose --help lists every command's options
# itself (ctr-monitor: its flags are checked with the tool's own).
subcommands() {
	bin/"$1" --help | grep -q '^COMMAND OPTIONS:' && return 0
	bin/"$1" --help | sed -n '/^COMMANDS:/,/^$/p' | awk 'NR > 1 && NF {sub(/,$/, "", $1); if ($1 != "help") print $1}'
}

# flag_lines TOOL [COMMAND]: one line per flag, its names and their
# arguments ("--time SECONDS, -t SECONDS"), without the description.
flag_lines() {
	bin/"$1" ${2:+"$2"} --help | sed -E 's/^ +//; s/  .*//' | { grep -E '^-' || true; }
}
