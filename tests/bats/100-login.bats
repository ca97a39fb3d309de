#!/usr/bin/env bats
# ctr-login (issue 15): credentials checked with the registry, stored in the
# auth.json podman and skopeo read, never echoed, removed again.

# shellcheck disable=SC2154 # run --separate-stderr sets stderr
bats_require_minimum_version 1.5.0
load helpers

# bats test_tags=smoke
@test "login: a wrong password is refused and writes nothing; the right one makes an auth.json podman and skopeo use; logout removes it" {
	start_registry AUTH auth
	local layout authfile=$TEST_TMP/auth.json
	layout=$(busybox_layout)
	ctr-copy -q "$NOTLS" --dest-creds ctr:secret "oci:$layout" "docker://$AUTH/a:1" >/dev/null
	run --separate-stderr ctr-login --authfile "$authfile" "$NOTLS" -u ctr --password-stdin "$AUTH" <<<"wrong"
	[ "$status" -eq 1 ]
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	[[ $stderr == *"refused the credentials"* ]]
	[[ $stderr$output != *wrong* ]]
	[ ! -e "$authfile" ]
	run --separate-stderr ctr-login --authfile "$authfile" "$NOTLS" -u ctr --password-stdin "$AUTH" <<<"secret"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[[ $stderr != *secret* ]]
	[ "$(stat -c %a "$authfile")" = 600 ]
	[ "$(jq -r ".auths[\"$AUTH\"].auth" "$authfile" | base64 -d)" = ctr:secret ]
	# The other tools read it.
	run skopeo inspect --authfile "$authfile" --tls-verify=false "docker://$AUTH/a:1"
	[ "$status" -eq 0 ]
	run podman_t pull -q --authfile "$authfile" --tls-verify=false "$AUTH/a:1"
	[ "$status" -eq 0 ]
	run_ctr ctr-inspect --authfile "$authfile" "$NOTLS" "docker://$AUTH/a:1"
	run_ctr ctr-login --authfile "$authfile" --get-login "$AUTH"
	[ "$output" = ctr ]
	# podman login's file is ours too.
	rm "$authfile"
	podman_t login --authfile "$authfile" --tls-verify=false -u ctr --password-stdin "$AUTH" <<<"secret" >/dev/null
	run_ctr ctr-login --authfile "$authfile" --get-login "docker://$AUTH"
	[ "$output" = ctr ]
	run --separate-stderr ctr-login --authfile "$authfile" --logout "$AUTH"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[[ $stderr == *"removed the credentials"* ]]
	run_ctr 2 ctr-login --authfile "$authfile" --get-login "$AUTH"
	run_ctr 1 ctr-pull -q "${STORAGE[@]}" "$NOTLS" --authfile "$authfile" "$AUTH/a:1"
	run_ctr 2 ctr-login --authfile "$authfile" --logout "$AUTH"
}

@test "login: the default auth file (REGISTRY_AUTH_FILE, else XDG_RUNTIME_DIR's), -p, a namespace key, logout -a, and a registry with its own CA" {
	start_registry AUTH auth
	start_registry TLS tls
	local layout
	layout=$(busybox_layout)
	ctr-copy -q "$NOTLS" --dest-creds ctr:secret "oci:$layout" "docker://$AUTH/team/a:1" >/dev/null
	run_ctr ctr-login -q "$NOTLS" -u ctr -p secret "$AUTH/team"
	[ -z "$output" ]
	[ "$(jq -r ".auths[\"$AUTH/team\"].auth" "$XDG_RUNTIME_DIR/containers/auth.json" | base64 -d)" = ctr:secret ]
	run_ctr ctr-pull -q "${STORAGE[@]}" "$NOTLS" "$AUTH/team/a:1"
	REGISTRY_AUTH_FILE=$TEST_TMP/env-auth.json run_ctr ctr-login "$NOTLS" -u ctr --password-stdin "$AUTH" <<<"secret"
	[ -s "$TEST_TMP/env-auth.json" ]
	# The TLS registry has no password: any user passes, with the CA only.
	run_ctr 1 ctr-login -u any -p any "$TLS"
	expect_match "certificate"
	run_ctr ctr-login --cert-dir "$TLS_DIR/certs" --registries-conf /dev/null -u any -p any "$TLS"
	run_ctr ctr-login --logout --all
	[ "$(jq -c .auths "$XDG_RUNTIME_DIR/containers/auth.json")" = '{}' ]
	stop_registry AUTH
	run_ctr 75 ctr-login "$NOTLS" -u ctr -p secret "$AUTH"
}

@test "login: bad input is one line and 64, and asks for nothing without a terminal" {
	run --separate-stderr ctr-login -u ctr "127.0.0.1:1" </dev/null
	[ "$status" -eq 64 ]
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	[[ $stderr == *password-stdin* ]]
	run_ctr 64 ctr-login --password-stdin "127.0.0.1:1" </dev/null
	run_ctr 64 ctr-login -u a -p b --password-stdin "127.0.0.1:1" </dev/null
	run_ctr 64 ctr-login -u a -p b "https://127.0.0.1:1"
	run_ctr 64 ctr-login -u a -p b 'Bad Host'
	run_ctr 64 ctr-login --all
	run_ctr 64 ctr-login --logout --all 127.0.0.1:1
	run_ctr 64 ctr-login --get-login --logout 127.0.0.1:1
	run_ctr 64 ctr-login
	[ ! -e "$XDG_RUNTIME_DIR/containers/auth.json" ]
}

@test "login: on a terminal it asks for the user and the password, and does not echo the password" {
	start_registry AUTH auth
	local session="ctr-login-$$" screen="" authfile=$TEST_TMP/auth.json
	tmux new-session -d -s "$session" -x 120 -y 20 "$CTR_BIN/ctr-login --authfile $authfile --tls-verify=false $AUTH; echo EXIT=\$?; sleep 30"
	until_true 10 'tmux capture-pane -p -t "$session" | grep -q "Username:"'
	tmux send-keys -t "$session" ctr Enter
	until_true 10 'tmux capture-pane -p -t "$session" | grep -q "Password:"'
	tmux send-keys -t "$session" secret Enter
	until_true 10 'tmux capture-pane -p -t "$session" | grep -q "EXIT="'
	screen=$(tmux capture-pane -p -t "$session")
	tmux kill-session -t "$session"
	[[ $screen == *EXIT=0* ]]
	[[ $screen == *"logged in to $AUTH as ctr"* ]]
	[[ $screen != *secret* ]]
	[ "$(jq -r ".auths[\"$AUTH\"].auth" "$authfile" | base64 -d)" = ctr:secret ]
}
