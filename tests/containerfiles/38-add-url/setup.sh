#!/bin/sh
# Serves www/ on a loopback address of its own for ten minutes at most (the
# Containerfile names it; 127.0.0.2 keeps clear of the tests' registries).
# Already serving (a run a moment ago): the same files, nothing to do.
url=http://127.0.0.2:18765/remote.txt
curl -sf -o /dev/null "$url" && exit 0
setsid timeout 600 busybox httpd -f -p 127.0.0.2:18765 -h "$PWD/www" </dev/null >/dev/null 2>&1 3>&- &
for _ in $(seq 50); do
	curl -sf -o /dev/null "$url" && exit 0
	sleep 0.1
done
echo "setup: no http server on 127.0.0.2:18765" >&2
exit 1
