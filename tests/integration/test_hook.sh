#!/bin/bash
# lxcri-hook on real LXC containers: the fast path, refusal of a bad
# config, hook versions 0 and 1, state written and cleared, stale state.
. "$(dirname "$0")/lib.sh"

hook_runs() { # name type: how often LXC ran our hook for that type
	grep -c "Script exec $BUILD/lxcri-hook .* $1 lxc $2\|Executing script \"$BUILD/lxcri-hook.*for container \"$1\"" \
		"$T/$1.lxc.log" || true
}

unmanaged_starts_untouched() {
	ct_create plain
	ct_start plain
	assert_eq "$(ct_state plain)" RUNNING "state of 'plain'"
	# Our hook really ran (pre-start and start-host so far)...
	grep -q "Executing script \"$BUILD/lxcri-hook" "$T/plain.lxc.log" || fail "lxcri-hook did not run"
	ct_stop plain
	assert_eq "$(grep -c "Executing script \"$BUILD/lxcri-hook" "$T/plain.lxc.log")" 4 "hook runs"
	# ...and left nothing and said nothing.
	assert_missing "$RUN"
	assert_not_contains "$(cat "$SYSLOG")" "CT plain" "syslog"
}

unmanaged_survives_our_breakage() {
	ct_create plain
	# A corrupt host-wide config, /run/lxcri a file, the config dir a file.
	printf 'log-level: loud\n\x00garbage\n' >"$ETC/lxcri.conf"
	rm -rf "$RUN" && echo junk >"$RUN"
	mv "$ETC/containers" "$ETC/containers.d" && echo junk >"$ETC/containers"
	ct_start plain
	assert_eq "$(ct_state plain)" RUNNING "with everything of ours broken"
	ct_stop plain
	# A read-only, empty /run/lxcri.
	rm -f "$RUN" && mkdir -p "$RUN" && mount -t tmpfs -o ro,size=64k tmpfs "$RUN"
	ct_start plain
	assert_eq "$(ct_state plain)" RUNNING "with a read-only /run/lxcri"
	ct_stop plain
	umount "$RUN"
}

managed_state_written_and_cleared() {
	ct_create web
	printf '# managed by lxcri, no feature yet\n' | ct_config web
	ct_start web
	assert_eq "$(ct_state web)" RUNNING
	local state
	state=$(cat "$RUN/web/state.json")
	assert_contains "$state" '"phase": "running"'
	assert_contains "$state" '"hook": "start-host"'
	assert_contains "$state" "\"config\": \"$ETC/containers/web.conf\""
	cmp -s "$RUN/web/config" "$ETC/containers/web.conf" || fail "config snapshot differs"
	ct_stop web
	assert_missing "$RUN/web"
}

bad_config_refused() {
	ct_create web
	printf 'net1: name=eth1,bridge=vmbr1\nnet2: name=eth2,bridge=vmbr1,mtu=99999\n' | ct_config web
	if ct_start web; then fail "a bad config started"; fi
	assert_eq "$(ct_state web)" STOPPED
	local expected="$ETC/containers/web.conf:2: Invalid value '99999' for 'mtu' in 'net2'"
	assert_contains "$(cat "$SYSLOG")" "CT web: Refusing to start: $expected" "syslog"
	assert_contains "$(cat "$T/web.lxc.log")" "$expected" "LXC's log"
	local status
	status=$("${LXCRI[@]}" status web)
	assert_contains "$status" "refused"
	assert_contains "$status" "$expected" "lxcri status"
}

profile_not_set_up_refused() {
	ct_create web
	printf '# confine it\nseccomp: /etc/lxcri/seccomp/x.json\n' | ct_config web
	if ct_start web; then fail "started without the profile its config asks for"; fi
	assert_contains "$(cat "$SYSLOG")" "CT web: Refusing to start: $ETC/containers/web.conf:2: no generated profile for 'seccomp: /etc/lxcri/seccomp/x.json': run 'lxcri seccomp set web /etc/lxcri/seccomp/x.json'"
	assert_eq "$(ct_state web)" STOPPED
}

hook_version_1() {
	ct_create v1ct v1
	printf '# v1\n' | ct_config v1ct
	ct_start v1ct
	assert_eq "$(ct_state v1ct)" RUNNING
	# Version 1: LXC appends no arguments; type and name come from the environment.
	grep -q "Script exec $BUILD/lxcri-hook $HOOK_OPTS produced\|Executing script \"$BUILD/lxcri-hook $HOOK_OPTS\"" "$T/v1ct.lxc.log" ||
		fail "hook not run in version 1 form"
	assert_contains "$(cat "$RUN/v1ct/state.json")" '"phase": "running"'
	ct_stop v1ct
	assert_missing "$RUN/v1ct"
	printf 'mtu: 1500\n' | ct_config v1ct
	if ct_start v1ct; then fail "v1: a bad config started"; fi
	assert_contains "$(cat "$SYSLOG")" "CT v1ct: Refusing to start: $ETC/containers/v1ct.conf:1: Unknown key 'mtu'"
}

stale_state_cleaned_at_next_start() {
	ct_create web
	printf '# managed\n' | ct_config web
	ct_start web
	local before pid
	before=$(sed -n 's/.*"started": \([0-9]*\).*/\1/p' "$RUN/web/state.json")
	# A crash: the monitor and the container die at once; no stop or post-stop hook runs.
	pid=$(lxc-info -P "$LXCPATH" -n web -p -H)
	pkill -9 -f "\[lxc monitor\] $LXCPATH web\$"
	kill -9 "$pid"
	for _ in $(seq 100); do [ "$(ct_state web)" == STOPPED ] && break; sleep 0.05; done
	assert_contains "$(cat "$RUN/web/state.json")" '"phase": "running"' "state left behind"
	# What a half-done setup could leave: an undoable veth, and an item of a later
	# version that nothing here undoes.
	jq '.items = [{ "kind": "net.veth", "status": "pending", "hook": "start-host", "time": 1, "data": { "net": 1, "host": "lxdeadbeefn1" } },
		{ "kind": "future.thing", "status": "pending", "hook": "start-host", "time": 2, "data": null }]' \
		"$RUN/web/state.json" >"$T/edited.json"
	mv "$T/edited.json" "$RUN/web/state.json"
	assert_contains "$(cat "$RUN/web/state.json")" future.thing "edited state"
	ct_start web
	assert_eq "$(ct_state web)" RUNNING "restart after the crash"
	assert_contains "$(cat "$SYSLOG")" "CT web: Cleaning up after a run that did not stop cleanly (phase 'running', 2 item(s))"
	assert_contains "$(cat "$SYSLOG")" "CT web: Cannot undo 'future.thing'"
	# The veth was undone (it was gone already); the leftover is kept for the admin,
	# and the new run has a fresh state.
	assert_not_contains "$(cat "$SYSLOG")" "Cannot undo 'net.veth'"
	grep -l future.thing "$RUN"/.stale/web-*.json >/dev/null || fail "stale state not kept in $RUN/.stale"
	if grep -q net.veth "$RUN"/.stale/web-*.json; then fail "the undone veth is still in the stale state"; fi
	local after
	after=$(sed -n 's/.*"started": \([0-9]*\).*/\1/p' "$RUN/web/state.json")
	[ "$after" -gt "$before" ] || fail "state not renewed ($before -> $after)"
	assert_not_contains "$(cat "$RUN/web/state.json")" future.thing "new state"
	ct_stop web
	assert_missing "$RUN/web"
}

corrupt_state_never_blocks_stop() {
	ct_create web
	printf '# managed\n' | ct_config web
	ct_start web
	echo '{ "version": 1, "id": ' >"$RUN/web/state.json"
	ct_stop web
	assert_eq "$(ct_state web)" STOPPED
	assert_missing "$RUN/web"
	grep -l '"version": 1, "id":' "$RUN"/.stale/web-*.json >/dev/null || fail "corrupt state not kept"
	assert_contains "$(cat "$SYSLOG")" "CT web: $RUN/web/state.json"
}

config_removed_while_running() {
	ct_create web
	printf '# managed\n' | ct_config web
	ct_start web
	rm "$ETC/containers/web.conf"
	# Teardown follows the recorded state, not the (now absent) config.
	ct_stop web
	assert_missing "$RUN/web"
	ct_start web
	assert_eq "$(ct_state web)" RUNNING "now unmanaged"
	assert_missing "$RUN/web"
}

dropin_as_documented() {
	local lines
	lines=$(grep -v -e '^#' -e '^$' "$BUILD/50-lxcri.conf")
	# Never lxc.hook.version (PVE uses version 0, a container may choose 1),
	# never an empty hook line (it would clear hooks set before it).
	assert_not_contains "$lines" "lxc.hook.version"
	if grep -E '^lxc\.hook\.[a-z-]+ *= *$' <<<"$lines"; then fail "an empty hook line"; fi
	# Only the four hook types with work to do, each running lxcri-hook.
	assert_eq "$(sed 's/ = .*//' <<<"$lines" | tr '\n' ' ')" "lxc.hook.pre-start lxc.hook.start-host lxc.hook.stop lxc.hook.post-stop "
	assert_eq "$(grep -c ' = /usr/libexec/lxcri/lxcri-hook$' <<<"$lines")" 4
}

fast_path_is_libc_and_stats() {
	# Linked against libc alone (plus the vDSO and the loader).
	local libs
	libs=$(ldd "$BUILD/lxcri-hook" | awk '{print $1}' | grep -v -e '^linux-vdso' -e '^/lib64/ld-linux' | sort | tr '\n' ' ')
	assert_eq "$libs" "libc.so.6 " "libraries of lxcri-hook"
	# An unmanaged call: what it asks of the file system, past the loader, is
	# stat(2) of our own paths, and it runs no other program.
	local hook=("$BUILD/lxcri-hook" --etc-dir="$ETC" --run-dir="$RUN" --pve-dir="$PVE" --libexec-dir="$BUILD")
	for args in "105 lxc pre-start" "plain lxc pre-start" "plain lxc start-host" "plain lxc post-stop"; do
		# shellcheck disable=SC2086
		strace -f -qq -e trace=%file,%process -o "$T/strace" "${hook[@]}" $args
		local ours
		# The loader's own work: ld.so.cache, libc, fstat of their fds, exit.
		ours=$(grep -v -e 'ld.so' -e 'libc.so' -e 'newfstatat([0-9]*, ""' -e 'exit_group' \
			-e 'execve("'"$BUILD/lxcri-hook"'"' -e '+++ exited' "$T/strace" || true)
		assert_not_contains "$ours" "open" "file syscalls for '$args'"
		assert_not_contains "$ours" "execve" "programs run for '$args'"
		assert_not_contains "$ours" "clone" "processes made for '$args'"
		local stats
		stats=$(grep -c "stat[a-z0-9]*(AT_FDCWD, \"$T/" <<<"$ours" || true)
		[ "$stats" -ge 1 ] && [ "$stats" -le 3 ] || fail "'$args' made $stats stat calls: $ours"
		assert_eq "$(grep -c . <<<"$ours")" "$stats" "syscalls other than stat for '$args': $ours"
	done
}

run_test "An unmanaged container starts and stops with lxcri-hook wired in, and lxcri writes nothing" unmanaged_starts_untouched
run_test "The drop-in wires only the four hook types, never sets lxc.hook.version or an empty hook" dropin_as_documented
run_test "The unmanaged fast path links only libc, runs nothing and only stats our paths" fast_path_is_libc_and_stats
run_test "Nothing broken on lxcri's side (host config, /run/lxcri, config dir) stops an unmanaged container" unmanaged_survives_our_breakage
run_test "A managed container's state is recorded while it runs and cleared when it stops" managed_state_written_and_cleared
run_test "A bad config refuses the start with file:line:value in syslog, LXC's log and lxcri status" bad_config_refused
run_test "A profile key that was never set up (no stored seccomp profile) refuses the start, naming the key and what to run" profile_not_set_up_refused
run_test "Hook version 1 (type and name in the environment) behaves as version 0" hook_version_1
run_test "A start after a crash first clears what the crashed run left, and keeps what it cannot undo" stale_state_cleaned_at_next_start
run_test "A corrupt state file never blocks a stop and is kept for the admin" corrupt_state_never_blocks_stop
run_test "Removing the config of a running container still tears it down at stop" config_removed_while_running
finish
