#!/usr/bin/env bats
# ctr-build CONTEXT: Containerfile builds.

bats_require_minimum_version 1.5.0
load helpers

IMG=localhost/busybox:latest

# context NAME: a fresh build context directory; prints its path.
context() {
	local dir=$TEST_TMP/ctx-$1
	mkdir -p "$dir"
	echo "$dir"
}

# bats test_tags=smoke
@test "containerfile: multi-stage build: ARG, ENV, WORKDIR, COPY (--from), heredoc RUN, USER, ENTRYPOINT, CMD" {
	local_busybox
	local ctx
	ctx=$(context multi)
	echo "hello ctx" >"$ctx/hello.txt"
	mkdir -p "$ctx/sub"
	echo in-sub >"$ctx/sub/a.txt"
	cat >"$ctx/Containerfile" <<-'EOF'
	ARG BASE=localhost/busybox
	FROM ${BASE} AS builder
	ARG MSG=built
	RUN echo "$MSG in builder" > /artifact
	FROM busybox-not-needed-here AS unused
	RUN exit 1
	FROM ${BASE}
	ENV GREETING=hi APP=/app
	WORKDIR $APP
	COPY hello.txt sub/ ./
	COPY --from=builder /artifact /artifact
	RUN <<EOT
	echo "heredoc $GREETING" > /etc/motd
	EOT
	LABEL org.example=ctr
	EXPOSE 8080
	USER 65534
	ENTRYPOINT ["/bin/sh", "-c"]
	CMD ["cat /etc/motd"]
	EOF
	run_ctr ctr-build "${STORAGE[@]}" -q -t app --build-arg MSG=argued "$ctx"
	expect_match "^[0-9a-f]{64}$"
	local id=$output
	run_ctr ctr-run "${STORAGE[@]}" --rm localhost/app
	expect_output "heredoc hi"
	run_ctr ctr-run "${STORAGE[@]}" --rm "$id" 'pwd; id -u; cat hello.txt a.txt /artifact; echo $GREETING'
	expect_output $'/app\n65534\nhello ctx\nin-sub\nargued in builder\nhi'
	podman_cmd
	run_ctr "${PODMAN[@]}" image inspect localhost/app --format '{{.Config.Entrypoint}} {{.Config.Cmd}} {{.Config.User}} {{.Config.WorkingDir}} {{.Config.Labels}} {{.Config.ExposedPorts}} {{len .RootFS.Layers}}'
	expect_output "[/bin/sh -c] [cat /etc/motd] 65534 /app map[org.example:ctr] map[8080/tcp:{}] 4"
	run_ctr ctr-build "${STORAGE[@]}" containers
	expect_output ""
}

@test "containerfile: the layer cache: a rebuild reuses every step; a changed file rebuilds from its COPY on" {
	local_busybox
	local ctx
	ctx=$(context cache)
	echo one >"$ctx/a.txt"
	echo two >"$ctx/b.txt"
	cat >"$ctx/Dockerfile" <<-'EOF'
	FROM localhost/busybox
	RUN echo first > /first
	COPY a.txt /a.txt
	RUN echo second > /second
	COPY b.txt /b.txt
	RUN cat /a.txt /b.txt > /both
	EOF
	run ctr-build "${STORAGE[@]}" "$ctx"
	[ "$status" -eq 0 ]
	local first=${lines[-1]}
	[ "$(grep -c 'using cache' <<<"$output")" -eq 0 ]
	run ctr-build "${STORAGE[@]}" "$ctx"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "$first" ]
	[ "$(grep -c 'using cache' <<<"$output")" -eq 5 ]
	echo TWO >"$ctx/b.txt"
	run ctr-build "${STORAGE[@]}" "$ctx"
	[ "$status" -eq 0 ]
	# The steps before COPY b.txt come from the cache, the rest are run.
	[ "$(grep -c 'using cache' <<<"$output")" -eq 3 ]
	run_ctr ctr-run "${STORAGE[@]}" --rm "${lines[-1]}" cat /both
	expect_output $'one\nTWO'
	run ctr-build "${STORAGE[@]}" --no-cache "$ctx"
	[ "$status" -eq 0 ]
	[ "$(grep -c 'using cache' <<<"$output")" -eq 0 ]
}

@test "containerfile: a failing RUN stops the build with its status and leaves no container; bad files give 65" {
	local_busybox
	local ctx
	ctx=$(context fail)
	printf 'FROM localhost/busybox\nRUN echo before\nRUN exit 3\nRUN echo never\n' >"$ctx/Containerfile"
	run_ctr 3 ctr-build "${STORAGE[@]}" "$ctx"
	expect_match "exit status 3"
	[[ $output != *never* ]]
	run_ctr ctr-build "${STORAGE[@]}" containers
	expect_output ""
	printf 'FROM localhost/busybox\nRUN echo ok\nNOSUCH instruction\n' >"$ctx/Containerfile"
	run_ctr 65 ctr-build "${STORAGE[@]}" "$ctx"
	expect_match "line 3"
	printf 'FROM localhost/busybox\nCOPY missing.txt /\n' >"$ctx/Containerfile"
	run_ctr 2 ctr-build "${STORAGE[@]}" "$ctx"
	run_ctr 64 ctr-build "${STORAGE[@]}" --target nosuch "$ctx"
	run_ctr 64 ctr-build "${STORAGE[@]}" "$TEST_TMP/no-such-dir"
}

@test "containerfile: COPY cannot reach outside the context (../, symlinks)" {
	local_busybox
	local ctx
	ctx=$(context escape)
	echo secret >"$TEST_TMP/outside.txt"
	ln -s "$TEST_TMP/outside.txt" "$ctx/link-out"
	ln -s /etc/passwd "$ctx/passwd-link"
	printf 'FROM localhost/busybox\nCOPY ../outside.txt /x\n' >"$ctx/Containerfile"
	run_ctr 2 ctr-build "${STORAGE[@]}" "$ctx"
	printf 'FROM localhost/busybox\nCOPY link-out /x\n' >"$ctx/Containerfile"
	run_ctr 2 ctr-build "${STORAGE[@]}" "$ctx"
	printf 'FROM localhost/busybox\nCOPY passwd-link /x\n' >"$ctx/Containerfile"
	run_ctr 2 ctr-build "${STORAGE[@]}" "$ctx"
	run_ctr ctr-build "${STORAGE[@]}" containers
	expect_output ""
}

@test "containerfile: ADD extracts a local tar; --target builds only what it needs; --iidfile" {
	local_busybox
	local ctx
	ctx=$(context add)
	mkdir -p "$TEST_TMP/tree/d"
	echo inside-tar >"$TEST_TMP/tree/d/f"
	tar -czf "$ctx/t.tar.gz" -C "$TEST_TMP/tree" d
	cat >"$ctx/Containerfile" <<-'EOF'
	FROM localhost/busybox AS base
	ADD t.tar.gz /opt/
	FROM base AS broken
	RUN exit 9
	FROM base AS final
	RUN cat /opt/d/f > /etc/motd
	EOF
	# The last stage needs only base: broken is never run, unless asked for.
	run_ctr ctr-build "${STORAGE[@]}" "$ctx"
	run_ctr 9 ctr-build "${STORAGE[@]}" --target broken "$ctx"
	run_ctr ctr-build "${STORAGE[@]}" -q --target final --iidfile "$TEST_TMP/iid" "$ctx"
	[ "$(cat "$TEST_TMP/iid")" = "sha256:$output" ]
	run_ctr ctr-run "${STORAGE[@]}" --rm "$output" cat /etc/motd
	expect_output inside-tar
}

@test "containerfile: pipelines: ctr-build -q | ctr-run, ctr-build -q -t | ctr-copy" {
	local_busybox
	start_registry REG
	local ctx
	ctx=$(context pipe)
	printf 'FROM localhost/busybox\nRUN echo from the Containerfile > /etc/motd\n' >"$ctx/Containerfile"
	run bash -c "ctr-build ${STORAGE[*]} -q $ctx | ctr-run ${STORAGE[*]} --rm - cat /etc/motd"
	[ "$status" -eq 0 ]
	expect_output "from the Containerfile"
	run bash -c "ctr-build ${STORAGE[*]} -q -t app $ctx | ctr-copy -q ${STORAGE[*]} --dest-tls-verify=false - docker://$REG/app:1"
	[ "$status" -eq 0 ]
	expect_match "^docker://$REG/app@sha256:"
	run_ctr skopeo inspect --tls-verify=false "docker://$REG/app:1" --format '{{len .Layers}}'
	expect_output 2
}

@test "containerfile: --timestamp and SOURCE_DATE_EPOCH make the same image, digest for digest, in another store" {
	# Both stores get the base image from the same layout: the manifest
	# names the base layers as stored.
	local layout other=(--root "$TEST_TMP/root2" --runroot "$TEST_TMP/runroot2" --storage-driver overlay)
	layout=$(busybox_layout "$TEST_TMP/bb-repro:latest")
	ctr-copy -q "${STORAGE[@]}" "oci:$layout" "containers-storage:$IMG" >/dev/null
	ctr-copy -q "${other[@]}" "oci:$layout" "containers-storage:$IMG" >/dev/null
	local ctx
	ctx=$(context repro)
	echo data >"$ctx/f"
	printf 'FROM localhost/busybox\nCOPY f /f\nRUN echo made > /made && mkdir /d && touch /d/x\nENV A=1\n' >"$ctx/Containerfile"
	run_ctr ctr-build "${STORAGE[@]}" -q --json --timestamp 1700000000 "$ctx"
	local id digest
	id=$(jq -r .id <<<"$output")
	digest=$(jq -r .digest <<<"$output")
	# Another store, a rebuild from nothing.
	touch "$ctx/f" # a new mtime must not matter either
	SOURCE_DATE_EPOCH=1700000000 run_ctr ctr-build "${other[@]}" -q --json "$ctx"
	[ "$(jq -r .id <<<"$output")" = "$id" ]
	[ "$(jq -r .digest <<<"$output")" = "$digest" ]
	# Without a timestamp, the time of the build is recorded.
	run_ctr ctr-build "${STORAGE[@]}" -q --no-cache "$ctx"
	[ "$output" != "$id" ]
	run_ctr 64 ctr-build "${STORAGE[@]}" --timestamp yesterday "$ctx"
	for s in root2 runroot2; do findmnt -rn -o TARGET | grep "$TEST_TMP/$s" | xargs -r umount -l; done
}

@test "containerfile: RUN --mount: bind (ro, rw copy), cache kept between builds, tmpfs, secret; nothing of them in the image" {
	local_busybox
	local ctx
	ctx=$(context mounts)
	mkdir -p "$ctx/src"
	echo from-context >"$ctx/src/in.txt"
	echo s3cr3t-value >"$TEST_TMP/secret"
	cat >"$ctx/Containerfile" <<-'EOF'
	FROM localhost/busybox
	RUN --mount=type=bind,source=src,target=/mnt/src cat /mnt/src/in.txt > /from-bind
	RUN --mount=type=bind,source=src,target=/mnt/rw,rw touch /mnt/rw/new && ls /mnt/rw > /rw-list
	ARG RUNNO=1
	RUN --mount=type=cache,target=/cache,id=c1 sh -c 'echo $RUNNO >> /cache/runs; cat /cache/runs > /cache-seen'
	RUN --mount=type=tmpfs,target=/scratch sh -c 'echo t > /scratch/t && cat /scratch/t > /tmpfs-ok'
	RUN --mount=type=secret,id=tok wc -c < /run/secrets/tok > /secret-len
	RUN --mount=type=secret,id=tok,env=TOKEN sh -c 'echo ${#TOKEN} > /secret-env-len'
	EOF
	run_ctr ctr-build "${STORAGE[@]}" -q --secret id=tok,src="$TEST_TMP/secret" "$ctx"
	local id=$output
	run_ctr ctr-run "${STORAGE[@]}" --rm "$id" sh -c 'cat /from-bind /rw-list /cache-seen /tmpfs-ok /secret-len /secret-env-len; ls -d /mnt /cache /scratch /run 2>&1 | grep -c "No such"'
	expect_output $'from-context\nin.txt\nnew\n1\nt\n13\n13\n4'
	# The rw bind wrote to a copy: the context is as it was.
	[ "$(ls "$ctx/src")" = in.txt ]
	# No trace of the secret in any layer.
	local c dir
	c=$(ctr-build "${STORAGE[@]}" from "$id")
	dir=$(ctr-build "${STORAGE[@]}" mount "$c")
	# The same search finds what a step did write (so it can fail)...
	run grep -rl from-context "$dir"
	[ "$status" -eq 0 ]
	# ...and not the secret (1: read everything, found nothing).
	run grep -rl s3cr3t-value "$dir"
	[ "$status" -eq 1 ]
	ctr-build "${STORAGE[@]}" rm "$c" >/dev/null
	# The cache mount keeps its files from one build to the next.
	run_ctr ctr-build "${STORAGE[@]}" -q --secret id=tok,src="$TEST_TMP/secret" --build-arg RUNNO=2 "$ctx"
	run_ctr ctr-run "${STORAGE[@]}" --rm "$output" cat /cache-seen
	expect_output $'1\n2'
	# A required secret that was not given stops the build.
	printf 'FROM localhost/busybox\nRUN --mount=type=secret,id=missing,required cat /run/secrets/missing\n' >"$ctx/Containerfile"
	run_ctr 64 ctr-build "${STORAGE[@]}" "$ctx"
	# Bind sources stay inside the context.
	printf 'FROM localhost/busybox\nRUN --mount=type=bind,source=../../..,target=/h ls /h/etc/shadow\n' >"$ctx/Containerfile"
	run_ctr 1 ctr-build "${STORAGE[@]}" -q "$ctx"
}

@test "containerfile: COPY --chmod in symbolic form; .containerignore" {
	local_busybox
	local ctx
	ctx=$(context chmod)
	mkdir -p "$ctx/d"
	echo s >"$ctx/script"
	chmod 0644 "$ctx/script"
	echo f >"$ctx/d/f"
	echo x >"$ctx/skip.me"
	printf '*.me\n' >"$ctx/.containerignore"
	printf 'FROM localhost/busybox\nCOPY --chmod=u+x,go-r script /s\nCOPY --chmod=a+X,o-rwx d /d/\nCOPY . /all/\n' >"$ctx/Containerfile"
	run_ctr ctr-build "${STORAGE[@]}" -q "$ctx"
	run_ctr ctr-run "${STORAGE[@]}" --rm "$output" sh -c 'stat -c "%a %n" /s /d/f; ls -A /all'
	expect_output $'700 /s\n640 /d/f\n.containerignore\nContainerfile\nd\nscript'
	printf 'FROM localhost/busybox\nCOPY --chmod=u+q script /s\n' >"$ctx/Containerfile"
	run_ctr 65 ctr-build "${STORAGE[@]}" "$ctx"
}

@test "containerfile: --squash and --layers=false give one new layer with every change, deletions too" {
	local_busybox
	local ctx
	ctx=$(context squash)
	echo data >"$ctx/f"
	printf 'FROM localhost/busybox\nCOPY f /f\nRUN echo one > /one && rm /bin/uname\nRUN echo two > /two\nENV Z=1\n' >"$ctx/Containerfile"
	podman_cmd
	local flag id
	for flag in --squash --layers=false; do
		run_ctr ctr-build "${STORAGE[@]}" -q "$flag" "$ctx"
		id=$output
		run_ctr "${PODMAN[@]}" image inspect "$id" --format '{{len .RootFS.Layers}}'
		expect_output 2
		run_ctr ctr-run "${STORAGE[@]}" --rm "$id" sh -c 'cat /f /one /two; echo $Z; test -e /bin/uname || echo no-uname'
		expect_output $'data\none\ntwo\n1\nno-uname'
		# Every step is in the history; one entry carries the layer.
		run_ctr "${PODMAN[@]}" history --format '{{.CreatedBy}}' "$id"
		[ "$(grep -c . <<<"$output")" -eq 5 ]
	done
}

@test "containerfile: --format docker keeps HEALTHCHECK and ONBUILD; a base's ONBUILD runs in the next build" {
	local_busybox
	local ctx child
	ctx=$(context docker)
	child=$(context docker-child)
	printf 'FROM localhost/busybox\nHEALTHCHECK --interval=5s --retries=2 CMD ["true"]\nONBUILD RUN echo triggered > /trig\nCMD ["sh"]\n' >"$ctx/Containerfile"
	run_ctr ctr-build "${STORAGE[@]}" -q --format docker -t onb "$ctx"
	podman_cmd
	run_ctr "${PODMAN[@]}" image inspect localhost/onb --format '{{.ManifestType}} {{.HealthCheck.Test}} {{.HealthCheck.Retries}}'
	expect_output "application/vnd.docker.distribution.manifest.v2+json [CMD true] 2"
	run_ctr skopeo inspect --raw --config "containers-storage:[overlay@$TEST_TMP/root+$TEST_TMP/runroot]localhost/onb"
	[ "$(jq -c .config.OnBuild <<<"$output")" = '["RUN echo triggered > /trig"]' ]
	printf 'FROM localhost/onb\nRUN cat /trig > /seen\n' >"$child/Containerfile"
	run_ctr ctr-build "${STORAGE[@]}" -q "$child"
	run_ctr ctr-run "${STORAGE[@]}" --rm "$output" cat /seen
	expect_output triggered
	# In the OCI format they are left out, with a warning (as buildah).
	run_ctr ctr-build "${STORAGE[@]}" "$ctx"
	expect_match "HEALTHCHECK is not kept in the OCI format"
	run_ctr 64 ctr-build "${STORAGE[@]}" --format tar "$ctx"
}

@test "containerfile: COPY/ADD heredocs, ADD from a URL (--checksum, not unpacked), --exclude, ADD --unpack=false" {
	local_busybox
	local ctx www port pid sum
	ctx=$(context inline)
	www=$TEST_TMP/www
	mkdir -p "$www" "$TEST_TMP/tree/d" "$ctx/src/keep" "$ctx/src/drop"
	echo remote-file >"$www/remote.txt"
	touch -d '2001-02-03 04:05:06 UTC' "$www/remote.txt"
	echo inside-tar >"$TEST_TMP/tree/d/f"
	tar -czf "$www/r.tar.gz" -C "$TEST_TMP/tree" d
	tar -czf "$ctx/l.tar.gz" -C "$TEST_TMP/tree" d
	echo k >"$ctx/src/keep/a.txt"
	echo k >"$ctx/src/keep/b.md"
	echo d >"$ctx/src/drop/c.txt"
	port=$(free_port)
	busybox httpd -f -p "127.0.0.1:$port" -h "$www" &
	pid=$!
	REGISTRY_PIDS+=("$pid")
	for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/remote.txt" && break; sleep 0.1; done
	sum=$(sha256sum "$www/remote.txt" | cut -d' ' -f1)
	cat >"$ctx/Containerfile" <<-EOF
	FROM localhost/busybox
	ARG WHO=builder
	COPY <<EOT /etc/greeting
	hello \$WHO
	EOT
	COPY --chmod=0755 <<'EOT' <<EOT2 /opt/
	#!/bin/sh
	echo "\$WHO stays"
	EOT
	second
	EOT2
	ADD --checksum=sha256:$sum http://127.0.0.1:$port/remote.txt /dl/
	ADD http://127.0.0.1:$port/r.tar.gz /dl/named.tgz
	ADD --unpack=false l.tar.gz /kept/
	COPY --exclude=drop --exclude=**/*.md src/ /src/
	EOF
	run_ctr ctr-build "${STORAGE[@]}" -q -t inline "$ctx"
	local first=$output
	# The cache: the same downloads give the same image; a changed one does not.
	run_ctr ctr-build "${STORAGE[@]}" -q "$ctx"
	[ "$output" = "$first" ]
	echo changed >"$TEST_TMP/tree/d/f"
	tar -czf "$www/r.tar.gz" -C "$TEST_TMP/tree" d
	run_ctr ctr-build "${STORAGE[@]}" -q "$ctx"
	[ "$output" != "$first" ]
	run_ctr ctr-run "${STORAGE[@]}" --rm localhost/inline sh -c 'cat /etc/greeting; /opt/EOT; cat /opt/EOT2; stat -c "%a %Y %n" /opt/EOT /opt/EOT2 /dl/remote.txt; cat /dl/remote.txt; tar -tzf /dl/named.tgz; find /kept /src -type f'
	# The quoted heredoc is not expanded: the script sees $WHO unset at run time.
	[ "${lines[0]}" = "hello builder" ]
	[ "${lines[1]}" = ' stays' ]
	[ "${lines[2]}" = second ]
	[[ "${lines[3]}" == "755 "*" /opt/EOT" ]]
	[[ "${lines[4]}" == "755 "*" /opt/EOT2" ]]
	# Mode 0600 and the server's Last-Modified time; the archive stays one.
	[ "${lines[5]}" = "600 981173106 /dl/remote.txt" ]
	[ "${lines[6]}" = remote-file ]
	[ "${lines[7]}" = d/ ]
	[ "${lines[8]}" = d/f ]
	[ "${lines[9]}" = "/kept/l.tar.gz" ]
	[ "${lines[10]}" = "/src/keep/a.txt" ]
	[ "${#lines[@]}" -eq 11 ]
	# A wrong checksum, a missing file, an unreachable server, git and --parents.
	printf 'FROM localhost/busybox\nADD --checksum=sha256:%064d http://127.0.0.1:%s/remote.txt /x\n' 0 "$port" >"$ctx/Containerfile"
	run_ctr 65 ctr-build "${STORAGE[@]}" "$ctx"
	expect_match "checksum mismatch"
	printf 'FROM localhost/busybox\nADD http://127.0.0.1:%s/nope /x\n' "$port" >"$ctx/Containerfile"
	run_ctr 2 ctr-build "${STORAGE[@]}" "$ctx"
	expect_match "404"
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	printf 'FROM localhost/busybox\nADD http://127.0.0.1:%s/remote.txt /x\n' "$port" >"$ctx/Containerfile"
	run_ctr 75 ctr-build "${STORAGE[@]}" "$ctx"
	printf 'FROM localhost/busybox\nADD https://example.invalid/repo.git /src\n' >"$ctx/Containerfile"
	run_ctr 64 ctr-build "${STORAGE[@]}" "$ctx"
}

@test "containerfile: COPY --parents keeps the source paths (and their directories' modes), below a ./ pivot too" {
	local_busybox
	local ctx
	ctx=$(context parents)
	mkdir -p "$ctx/pkgs/a/sub" "$ctx/pkgs/b"
	echo a >"$ctx/pkgs/a/package.json"
	echo b >"$ctx/pkgs/b/package.json"
	echo no >"$ctx/pkgs/a/other"
	echo s >"$ctx/pkgs/a/sub/s"
	chmod 0700 "$ctx/pkgs/b"
	# An ignore file, so that the wildcard below that matches nothing meets it too.
	echo '*.log' >"$ctx/.containerignore"
	cat >"$ctx/Containerfile" <<-'EOF'
	FROM localhost/busybox
	COPY --parents pkgs/*/package.json /app/
	COPY --parents ./pkgs/./a/sub /piv/
	COPY --parents --exclude=pkgs/b nothing*/x pkgs/*/package.json /none/
	EOF
	run_ctr ctr-build "${STORAGE[@]}" -q -t parents "$ctx"
	run_ctr ctr-run "${STORAGE[@]}" --rm localhost/parents sh -c 'find /app /piv /none | sort; stat -c "%a %n" /app/pkgs/b /app/pkgs/a'
	expect_output "$(printf '%s\n' /app /app/pkgs /app/pkgs/a /app/pkgs/a/package.json /app/pkgs/b /app/pkgs/b/package.json \
		/none /none/pkgs /none/pkgs/a /none/pkgs/a/package.json /piv /piv/a /piv/a/sub /piv/a/sub/s '700 /app/pkgs/b' '755 /app/pkgs/a')"
	# A file moved to another directory the same pattern matches: not the cached layer.
	run_ctr ctr-build "${STORAGE[@]}" -q -t parents "$ctx"
	local first=$output
	mkdir "$ctx/pkgs/c"
	mv "$ctx/pkgs/b/package.json" "$ctx/pkgs/c/"
	run_ctr ctr-build "${STORAGE[@]}" -q -t parents "$ctx"
	[ "$output" != "$first" ]
	run_ctr ctr-run "${STORAGE[@]}" --rm localhost/parents cat /app/pkgs/c/package.json
	expect_output b
}

@test "containerfile: --label goes over the Containerfile's labels, unexpanded; --ignorefile replaces .containerignore" {
	local_busybox
	local ctx
	ctx=$(context labels)
	echo a >"$ctx/a.txt"
	echo b >"$ctx/b.txt"
	echo a.txt >"$ctx/.containerignore"
	echo b.txt >"$TEST_TMP/other-ignore"
	printf 'FROM localhost/busybox\nLABEL a=file b=file\nCOPY . /c/\n' >"$ctx/Containerfile"
	run_ctr ctr-build "${STORAGE[@]}" -q -t labels --label b=cli --label 'c=$HOME' --ignorefile "$TEST_TMP/other-ignore" "$ctx"
	podman_cmd
	run_ctr "${PODMAN[@]}" image inspect localhost/labels --format '{{.Config.Labels}}'
	expect_output 'map[a:file b:cli c:$HOME]'
	run_ctr ctr-run "${STORAGE[@]}" --rm localhost/labels ls -A /c
	expect_output $'.containerignore\nContainerfile\na.txt'
	run_ctr 64 ctr-build "${STORAGE[@]}" --label novalue "$ctx"
	run_ctr 2 ctr-build "${STORAGE[@]}" --ignorefile "$TEST_TMP/nonexistent" "$ctx"
}
