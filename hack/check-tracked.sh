#!/usr/bin/env bash
# Fails when git tracks a built binary (an ELF file) or any file over 2 MB:
# build outputs belong in .gitignore, not in the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
while IFS= read -r -d '' f; do
	[ -f "$f" ] || continue
	if [ "$(head -c 4 "$f" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
		echo "$f: a tracked ELF binary (build outputs go in .gitignore)" >&2
		status=1
	elif [ "$(stat -c %s "$f")" -gt 2000000 ]; then
		echo "$f: a tracked file over 2 MB" >&2
		status=1
	fi
done < <(git ls-files -z)
exit $status
