#!/bin/bash
# The runtime state under /run/lxcri and the files around it, when things
# go wrong: `lxcri status` and `lxcri check` report what runs left; an
# unreadable state is said as such; a config too large is worded the same
# by a refused start and by the CLI.
#
# Real busybox containers with a bridge net and a port forward (into an
# nftables table of this run).
. "$(dirname "$0")/lib.sh"
net_setup

BR=$(net_bridge 1)
TABLE=lxs$NET_SUFFIX
state_exit() {
	net_exit
	nft delete table inet "$TABLE" 2>/dev/null
	return 0
}
trap state_exit EXIT

lxcri() { "${LXCRI[@]}" "$@"; }

# fwd_ct <ct> <host number> <host port>: a container with net1 on the test
# bridge and a TCP forward from the host port to its port 80.
fwd_ct() {
	ct_create "$1"
	printf 'net1: name=eth1,bridge=%s,ip=%s/24\nport0: proto=tcp,host=%s,ct=80,net=eth1\n' \
		"$BR" "$(net4 1 "$2")" "$3" | ct_config "$1"
	echo "port-table: $TABLE" >"$ETC/lxcri.conf"
}

# The forwards of a container in our table (each element carries its owner as comment).
forwards_of() { # ct
	nft list table inet "$TABLE" 2>/dev/null | grep -c "comment \"$1\"" || true
}

start_fwd_ct() { # ct
	ct_start "$1" || fail "start of '$1' refused: $(grep "CT $1:" "$SYSLOG" | tail -n3)"
	assert_eq "$(forwards_of "$1")" 1 "forwards of '$1' while it runs"
	assert_eq "$(host_links_of "$1")" "$(lx_host_ifname "$1" 1)" "host end of '$1' while it runs"
}

unreadable_state_said() {
	local ct=ur$NET_SUFFIX out
	printf '# managed\n' | ct_config "$ct"
	mkdir -p "$RUN/$ct"
	printf '{ "version": 1, "id": \n' >"$RUN/$ct/state.json"
	out=$(lxcri status "$ct")
	assert_contains "$out" "state:      unreadable: $RUN/$ct/state.json: "
	assert_not_contains "$out" "nothing applied"
	assert_contains "$out" "phase:      unknown (the state cannot be read)"
	out=$(lxcri status "$ct" --output-format json)
	assert_eq "$(jq -r '.[0].state' <<<"$out")" null "JSON state"
	assert_contains "$(jq -r '.[0].state_error' <<<"$out")" "$RUN/$ct/state.json: " "JSON state_error"
	out=$(lxcri status)
	assert_contains "$out" "$ct"
	assert_contains "$(grep "^$ct " <<<"$out")" "unreadable"
	assert_contains "$(grep "^$ct " <<<"$out")" "$RUN/$ct/state.json: "
	# Not a file at all.
	rm "$RUN/$ct/state.json"
	mkdir "$RUN/$ct/state.json"
	out=$(lxcri status "$ct")
	assert_contains "$out" "state:      unreadable: Failed to read '$RUN/$ct/state.json': not a regular file"
	assert_not_contains "$out" "nothing applied"
}

config_too_large_worded_once() {
	local ct=big$NET_SUFFIX refused validated added rc
	ct_create "$ct"
	{
		echo '# managed'
		head -c 1100000 /dev/zero | tr '\0' '#'
		echo
	} | ct_config "$ct"
	if ct_start "$ct"; then fail "a config larger than 1 MiB started"; fi
	refused=$(sed -n "s/.*CT $ct: Refusing to start: //p" "$SYSLOG" | tail -n1)
	assert_contains "$refused" "$ETC/containers/$ct.conf: " "the refusal"
	assert_contains "$refused" "1 MiB" "the refusal"
	rc=0
	validated=$(lxcri config validate "$ct" 2>&1) || rc=$?
	assert_eq "$rc" 3 "exit status of config validate"
	assert_eq "$validated" "$refused" "lxcri config validate against the refused start"
	rc=0
	added=$(lxcri port add "$ct" tcp 18084 80 2>&1) || rc=$?
	assert_eq "$rc" 3 "exit status of port add"
	assert_eq "$added" "lxcri: $refused" "lxcri port add against the refused start"
	assert_contains "$(lxcri status "$ct")" "$refused" "lxcri status"
}

stale_state_checked() {
	local ct=st$NET_SUFFIX pid out rc
	fwd_ct "$ct" 7 18085
	start_fwd_ct "$ct"
	out=$(lxcri check) || true
	assert_contains "$out" "ok    stale-state      no state left by containers that do not run"
	# A crash: the monitor and the container die at once; no stop or post-stop hook runs.
	pid=$(lxc-info -P "$LXCPATH" -n "$ct" -p -H)
	pkill -9 -f "\[lxc monitor\] $LXCPATH $ct\$"
	kill -9 "$pid"
	for _ in $(seq 100); do [ "$(ct_state "$ct")" == STOPPED ] && break; sleep 0.05; done
	# And what an earlier start set aside, with an item it could not undo.
	mkdir -p "$RUN/.stale"
	jq '.items = [{ "kind": "future.thing", "status": "applied", "hook": "start-host", "time": 2, "data": null }]' \
		"$RUN/$ct/state.json" >"$RUN/.stale/$ct-1.json"
	rc=0
	out=$(lxcri check) || rc=$?
	assert_eq "$rc" 1 "exit status"
	assert_contains "$out" "fail  stale-state      CT $ct: state of a container that does not run (phase 'running', 2 item(s)); 1 state(s) set aside in '$RUN/.stale'"
	assert_contains "$out" "hint: start the container (its start undoes what is left), see 'lxcri status <id>'"
	out=$(lxcri check --output-format json) || true
	assert_eq "$(jq -r '.checks[] | select(.name == "stale-state") | .status' <<<"$out")" fail "JSON"
	assert_contains "$(lxcri status "$ct")" "set aside:  $RUN/.stale/$ct-1.json"
	# Its next start undoes what the crash left.
	start_fwd_ct "$ct"
	out=$(lxcri check) || true
	assert_contains "$out" "warn  stale-state      1 state(s) set aside in '$RUN/.stale'"
}

run_test "lxcri status says a state cannot be read, with its path and why, never 'nothing applied'; text and JSON" unreadable_state_said
run_test "A config larger than 1 MiB: the refused start, lxcri config validate and lxcri port add give the same text" config_too_large_worded_once
run_test "lxcri check reports the state of a container that does not run, and states set aside" stale_state_checked
finish
