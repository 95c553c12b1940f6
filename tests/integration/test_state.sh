#!/bin/bash
# The runtime state under /run/lxcri when things go wrong: a stop with a
# read-only or full run directory still tears everything down and says what
# it could not record; `lxcri status` and `lxcri check` report what is left;
# lock files go with the state; an unreadable state is said as such; a
# config too large is worded the same by a refused start and by the CLI.
#
# Real busybox containers with a bridge net and a port forward (into an
# nftables table of this run).
. "$(dirname "$0")/lib.sh"
net_setup

BR=$(net_bridge 1)
TABLE=lxs$NET_SUFFIX
state_exit() {
	net_exit
	nft_delete_tables "$TABLE"
	return 0
}
trap state_exit EXIT

lxcri() { "${LXCRI[@]}" "$@"; }

# fwd_ct <ct> <host number> <host port>: a container with net1 on the test
# bridge and a TCP forward from the host port to its port 80.
fwd_ct() { # ct host-number host-port [more properties of port0]
	ct_create "$1"
	printf 'net1: name=eth1,bridge=%s,ip=%s/24\nport0: proto=tcp,host=%s,ct=80,net=eth1%s\n' \
		"$BR" "$(net4 1 "$2")" "$3" "${4:-}" | ct_config "$1"
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

# What a stop with a run dir that cannot take a write must still do.
assert_torn_down() { # ct
	assert_eq "$(ct_state "$1")" STOPPED
	assert_eq "$(forwards_of "$1")" 0 "forwards of '$1' after the stop"
	assert_eq "$(host_links_of "$1")" "" "host end of '$1' after the stop"
}

ro_run_dir_stop() {
	local ct=ro$NET_SUFFIX out rc
	fwd_ct "$ct" 5 18081
	start_fwd_ct "$ct"
	mount --bind "$RUN" "$RUN"
	mount -o remount,bind,ro "$RUN"
	ct_stop "$ct"
	assert_torn_down "$ct"
	assert_contains "$(grep "CT $ct:" "$SYSLOG")" "the state could not be saved" "syslog"
	assert_contains "$(grep "CT $ct:" "$SYSLOG")" "Read-only file system" "syslog"
	# While nothing can be recorded, a start is refused, with nothing applied.
	if ct_start "$ct"; then fail "a start with a read-only run dir went ahead"; fi
	assert_torn_down "$ct"
	assert_contains "$(grep "CT $ct: Refusing to start: " "$SYSLOG")" "Read-only file system"
	umount "$RUN"
	# What the read-only dir kept is reported as left from a run that no longer runs.
	out=$(lxcri status "$ct")
	assert_contains "$out" "lxc:        STOPPED"
	assert_contains "$out" "the container does not run: 2 item(s) recorded here"
	rc=0
	out=$(lxcri check) || rc=$?
	assert_eq "$rc" 1 "exit status of lxcri check with stale state"
	assert_contains "$out" "fail  stale-state      CT $ct: state of a container that does not run (phase 'running', 2 item(s))"
	# The next start clears it and works; its stop leaves nothing.
	start_fwd_ct "$ct"
	ct_stop "$ct"
	assert_torn_down "$ct"
	assert_missing "$RUN/$ct"
	assert_missing "$RUN/.locks/$ct.lock"
	out=$(lxcri check) || true
	assert_contains "$out" "ok    stale-state      no state left by containers that do not run"
}

full_run_dir_stop() {
	local ct=fu$NET_SUFFIX out
	mkdir -p "$RUN"
	mount -t tmpfs -o size=256k,mode=0755 tmpfs "$RUN"
	# hostip=: no route_localnet records under the run dir, whose removal
	# at the stop would free room for the state again.
	fwd_ct "$ct" 6 18082 ",hostip=$(net4 1 1)"
	start_fwd_ct "$ct"
	dd if=/dev/zero of="$RUN/filler" bs=4k 2>/dev/null || true
	if echo x >"$RUN/probe" 2>/dev/null && [ -s "$RUN/probe" ]; then fail "the run dir is not full"; fi
	ct_stop "$ct"
	assert_torn_down "$ct"
	assert_contains "$(grep "CT $ct:" "$SYSLOG")" "the state could not be saved" "syslog"
	assert_contains "$(grep "CT $ct:" "$SYSLOG")" "No space left on device" "syslog"
	rm -f "$RUN/filler" "$RUN/probe"
	# Removing needs no space: post-stop cleared the state, and nothing is reported left.
	assert_missing "$RUN/$ct"
	assert_missing "$RUN/.locks/$ct.lock"
	assert_contains "$(lxcri status "$ct")" "phase:      not started by lxcri (nothing applied)"
	out=$(lxcri check) || true
	assert_contains "$out" "ok    stale-state      no state left by containers that do not run"
	start_fwd_ct "$ct"
	ct_stop "$ct"
	assert_torn_down "$ct"
	assert_missing "$RUN/$ct"
}

no_lock_file_left() {
	local ct=lk$NET_SUFFIX
	ct_create "$ct"
	printf '# managed\n' | ct_config "$ct"
	ct_start "$ct"
	assert_exists "$RUN/.locks/$ct.lock"
	ct_stop "$ct"
	assert_missing "$RUN/$ct"
	assert_missing "$RUN/.locks/$ct.lock"
	# A change through the CLI to a stopped container takes the lock, and leaves no file either.
	lxcri port add "$ct" tcp 18083 80 >/dev/null || fail "port add to the stopped container"
	assert_contains "$(cat "$ETC/containers/$ct.conf")" "port0: proto=tcp,host=18083,ct=80"
	assert_missing "$RUN/.locks/$ct.lock"
	# A refused start keeps its state, for lxcri status, and with it the lock file.
	printf 'mtu: 1\n' | ct_config "$ct"
	if ct_start "$ct"; then fail "a bad config started"; fi
	assert_exists "$RUN/$ct/state.json"
	assert_exists "$RUN/.locks/$ct.lock"
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

run_test "A stop with a read-only run dir removes the forward and the host veth, says the state could not be saved; status and check report what it kept; the next start works" ro_run_dir_stop
run_test "A stop with a full run dir removes the forward and the host veth, says the state could not be saved, and leaves nothing behind" full_run_dir_stop
run_test "No lock file is left once a managed container stopped, nor after a CLI change to a stopped one" no_lock_file_left
run_test "lxcri status says a state cannot be read, with its path and why, never 'nothing applied'; text and JSON" unreadable_state_said
run_test "A config larger than 1 MiB: the refused start, lxcri config validate and lxcri port add give the same text" config_too_large_worded_once
run_test "lxcri check reports the state of a container that does not run, and states set aside" stale_state_checked
finish
