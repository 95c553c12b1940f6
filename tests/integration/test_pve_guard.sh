#!/bin/bash
# Mixed clusters fail closed: a container managed by lxcri carries lxcri's
# guard, a raw pre-start hook in /etc/pve/lxc/<vmid>.conf that PVE copies
# into the LXC config at every start (pve_update_lxc_config). On a node
# without pve-lxcri the guard is missing and the start fails; on a node with
# it, the guard refuses a clone or restore whose raw keys name another
# vmid's lxcri files, or whose lxcri config is missing, saying what to run.
. "$(dirname "$0")/lib.sh"
pve_node_setup

net_setup
GUARD_BR=$(net_bridge 6)
# A port forwarding table of this run's own, gone with it.
GUARD_TABLE=lxg$NET_SUFFIX
SUITE_SETTINGS="port-table: $GUARD_TABLE"
guard_exit() {
	net_exit
	nft_delete_tables "$GUARD_TABLE"
}
trap guard_exit EXIT
# vmids unique to this run: host link names follow the vmid.
CT=$((800000 + $$ % 99999))
CLONE=$((CT + 1))
PROFILE=$T/mkdir-denied.json
printf '{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"], "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 122}]}\n' >"$PROFILE"

lxcri() { "${LXCRI[@]}" "$@"; }
guard_line() { # vmid [libexec dir]
	echo "lxc.hook.pre-start: ${2:-$BUILD}/lxcri-guard --requires=pve-lxcri $PVE/lxcri/$1.conf"
}
guard_lines() { grep -c '^lxc.hook.pre-start:.*lxcri-guard' "$PVE/lxc/$1.conf" || true; }
# PVE's start: the LXC config regenerated from /etc/pve, then lxc-start.
pve_start() { # vmid [common.conf]
	pve_update_lxc_config "$@"
	ct_start "$1"
}
syslog_of() { grep "CT $1:" "$SYSLOG" | tail -n 5; }

guard_follows_lxcri_keys() {
	local out original
	pve_ct_create "$CT"
	original=$(cat "$PVE/lxc/$CT.conf")
	out=$(lxcri net add "$CT" "name=eth1,bridge=$GUARD_BR,ip=$(net4 6 7)/24" 2>&1) || fail "net add: $out"
	# The first lxcri key brings the guard: PVE's config is what it was, plus one line.
	assert_eq "$(cat "$PVE/lxc/$CT.conf")" "$original
$(guard_line "$CT")" "PVE's config after the first key"
	out=$(lxcri port add "$CT" tcp 18107 80 --net eth1 2>&1) || fail "port add: $out"
	out=$(lxcri apparmor set "$CT" unconfined 2>&1) || fail "apparmor set: $out"
	assert_eq "$(guard_lines "$CT")" 1 "guard lines after three changes"
	# With pve-lxcri installed, the guard lets the managed start through.
	pve_start "$CT" || fail "start refused: $(syslog_of "$CT")"
	assert_eq "$(ct_state "$CT")" RUNNING
	assert_contains "$(ct_exec "$CT" ip addr show eth1)" "inet $(net4 6 7)/24" "eth1"
	grep -q "Executing script \"$BUILD/lxcri-guard --requires=pve-lxcri $PVE/lxcri/$CT.conf\" for container \"$CT\"" \
		"$T/$CT.lxc.log" || fail "LXC did not run the guard"
	ct_stop "$CT"
	# The guard stays while any key is left, and goes with the last one.
	out=$(lxcri apparmor unset "$CT" 2>&1) || fail "apparmor unset: $out"
	out=$(lxcri port del "$CT" tcp 18107 2>&1) || fail "port del: $out"
	assert_eq "$(guard_lines "$CT")" 1 "guard lines while net1 is left"
	out=$(lxcri net del "$CT" eth1 2>&1) || fail "net del: $out"
	assert_missing "$PVE/lxcri/$CT.conf"
	assert_eq "$(cat "$PVE/lxc/$CT.conf")" "$original" "PVE's config after the last key"
	# seccomp set alone brings it too, and unset takes it away with the profile key.
	out=$(lxcri seccomp set "$CT" "$PROFILE" 2>&1) || fail "seccomp set: $out"
	assert_contains "$(cat "$PVE/lxc/$CT.conf")" "$(guard_line "$CT")"
	out=$(lxcri seccomp unset "$CT" 2>&1) || fail "seccomp unset: $out"
	assert_eq "$(cat "$PVE/lxc/$CT.conf")" "$original" "PVE's config after seccomp unset"
}

# A node without pve-lxcri: no 50-lxcri drop-in, and no lxcri programs.
bare_node() { # prints the common.conf of such a node
	mkdir -p "$T/bare/common.conf.d"
	cp "$LXCCONF/common.conf.d/01-pve.conf" "$T/bare/common.conf.d/"
	sed "s|^lxc.include = $LXCCONF/common.conf.d/\$|lxc.include = $T/bare/common.conf.d/|" \
		"$LXCCONF/common.conf" >"$T/bare/common.conf"
	echo "$T/bare/common.conf"
}

package_absent_start_refused() {
	local out pkg=$T/pkg/libexec common
	mkdir -p "$pkg"
	ln -s "$BUILD"/lxcri-* "$pkg/"
	pve_ct_create "$CT"
	out=$(lxcri --libexec-dir="$pkg" net add "$CT" "name=eth1,bridge=$GUARD_BR,ip=$(net4 6 8)/24" 2>&1) ||
		fail "net add: $out"
	# The container moves to a node where pve-lxcri is not installed.
	rm -rf "$T/pkg"
	common=$(bare_node)
	if pve_start "$CT" "$common"; then
		fail "CT $CT started on a node without pve-lxcri (eth1 inside: $(ct_exec "$CT" ip -o link show eth1 >/dev/null 2>&1 && echo yes || echo no))"
	fi
	assert_eq "$(ct_state "$CT")" STOPPED
	assert_contains "$(cat "$PVE/lxc/$CT.conf")" "$(guard_line "$CT" "$pkg")"
	out=$(cat "$T/$CT.lxc.log")
	assert_contains "$out" "Script exec $pkg/lxcri-guard --requires=pve-lxcri $PVE/lxcri/$CT.conf $CT lxc pre-start produced output:"
	assert_contains "$out" "$pkg/lxcri-guard: not found"
	assert_contains "$out" "Failed to run lxc.hook.pre-start for container \"$CT\""
	assert_missing "$RUN/$CT"
}

dropin_absent_start_refused() {
	local out common
	pve_ct_create "$CT"
	out=$(lxcri net add "$CT" "name=eth1,bridge=$GUARD_BR,ip=$(net4 6 9)/24" 2>&1) || fail "net add: $out"
	# lxcri's programs are there, its drop-in is not: nothing would set up eth1.
	common=$(bare_node)
	if pve_start "$CT" "$common"; then fail "CT $CT started without lxcri's hooks"; fi
	assert_eq "$(ct_state "$CT")" STOPPED
	assert_contains "$(syslog_of "$CT")" "CT $CT: Refusing to start: lxcri's hooks do not run for CT $CT"
	assert_contains "$(syslog_of "$CT")" "Install pve-lxcri on this node"
}

clone_refused_until_guard_remove() {
	local out rc=0
	pve_ct_create "$CT"
	out=$(lxcri port add "$CT" tcp 18108 80 2>&1) || fail "port add: $out"
	out=$(lxcri seccomp set "$CT" "$PROFILE" 2>&1) || fail "seccomp set: $out"
	# pct clone: the new vmid gets the raw keys, not /etc/pve/lxcri.
	pve_ct_create "$CLONE"
	sed "s/^hostname: .*/hostname: clone/" "$PVE/lxc/$CT.conf" >"$PVE/lxc/$CLONE.conf"
	if pve_start "$CLONE"; then fail "the clone CT $CLONE started with CT $CT's lxcri keys"; fi
	assert_eq "$(ct_state "$CLONE")" STOPPED
	out=$(syslog_of "$CLONE")
	assert_contains "$out" "CT $CLONE: Refusing to start: CT $CLONE carries lxcri's guard of CT $CT"
	assert_contains "$out" "lxcri config export $CT | lxcri config import $CLONE -"
	assert_contains "$out" "lxcri guard remove $CLONE"
	# lxcri check reports it, with what to run.
	out=$(lxcri check) && rc=0 || rc=$?
	assert_eq "$rc" 1 "exit status of check"
	assert_contains "$out" "fail  pve-clone        CT $CLONE: lxc.hook.pre-start (line"
	assert_contains "$out" "lxcri guard remove $CLONE"
	# guard remove: the clone runs unmanaged, the original keeps everything.
	out=$(lxcri guard remove "$CLONE" 2>&1) || fail "guard remove: $out"
	assert_not_contains "$(cat "$PVE/lxc/$CLONE.conf")" "lxcri"
	assert_contains "$(cat "$PVE/lxc/$CT.conf")" "$(guard_line "$CT")"
	assert_contains "$(cat "$PVE/lxc/$CT.conf")" "lxc.seccomp.profile: $PVE/lxcri/seccomp/"
	pve_start "$CLONE" || fail "the clone did not start after guard remove: $(syslog_of "$CLONE")"
	assert_eq "$(ct_state "$CLONE")" RUNNING
	assert_missing "$RUN/$CLONE"
	# No longer reported.
	out=$(lxcri check) || true
	assert_not_contains "$out" "CT $CLONE"
}

clone_imported_runs_managed() {
	local out
	pve_ct_create "$CT"
	out=$(lxcri net add "$CT" "name=eth1,bridge=$GUARD_BR,ip=$(net4 6 11)/24" 2>&1) || fail "net add: $out"
	out=$(lxcri seccomp set "$CT" "$PROFILE" 2>&1) || fail "seccomp set: $out"
	pve_ct_create "$CLONE"
	sed "s/^hostname: .*/hostname: clone/" "$PVE/lxc/$CT.conf" >"$PVE/lxc/$CLONE.conf"
	if pve_start "$CLONE"; then fail "the clone CT $CLONE started with CT $CT's lxcri keys"; fi
	# What the refusal says to run: the clone gets CT's lxcri config as its own.
	out=$(lxcri config export "$CT" | lxcri config import "$CLONE" - 2>&1) || fail "export | import: $out"
	# Its own guard in place of the copied one; CT's is untouched.
	assert_eq "$(guard_lines "$CLONE")" 1 "guard lines of the clone"
	assert_contains "$(cat "$PVE/lxc/$CLONE.conf")" "$(guard_line "$CLONE")"
	assert_not_contains "$(cat "$PVE/lxc/$CLONE.conf")" "$PVE/lxcri/$CT.conf"
	assert_contains "$(cat "$PVE/lxc/$CT.conf")" "$(guard_line "$CT")"
	# The address is CT's: the clone's net gets one of its own before it starts.
	out=$(lxcri net del "$CLONE" eth1 2>&1) || fail "net del: $out"
	out=$(lxcri net add "$CLONE" "name=eth1,bridge=$GUARD_BR,ip=$(net4 6 12)/24" 2>&1) || fail "net add: $out"
	pve_start "$CLONE" || fail "the imported clone did not start: $(syslog_of "$CLONE")"
	assert_eq "$(ct_state "$CLONE")" RUNNING
	assert_contains "$(ct_exec "$CLONE" ip addr show eth1)" "inet $(net4 6 12)/24" "the clone's eth1"
	# The profile is the clone's too: mkdir is denied.
	if ct_exec "$CLONE" mkdir /tmp/x 2>/dev/null; then fail "mkdir worked under the imported profile"; fi
	assert_eq "$(lxcri check 2>&1 | grep -c "pve-clone")" 0 "pve-clone lines of check"
	ct_stop "$CLONE"
}

restored_without_lxcri_config_refused() {
	local out
	pve_ct_create "$CT"
	out=$(lxcri port add "$CT" tcp 18109 80 2>&1) || fail "port add: $out"
	# A restore from a backup: PVE's config back, /etc/pve/lxcri not (vzdump does not carry it).
	rm -f "$PVE/lxcri/$CT.conf"
	if pve_start "$CT"; then fail "CT $CT started without its lxcri config"; fi
	out=$(syslog_of "$CT")
	assert_contains "$out" "'$PVE/lxcri/$CT.conf' does not exist"
	assert_contains "$out" "lxcri config import $CT"
	assert_contains "$out" "lxcri guard remove $CT"
	out=$(lxcri check) || true
	assert_contains "$out" "fail  pve-guard        CT $CT: its guard names '$PVE/lxcri/$CT.conf', which does not exist"
}

unguarded_config_reported_and_guarded() {
	local out rc=0
	pve_ct_create "$CT"
	# An lxcri config written by hand: no guard in PVE's config.
	printf 'annotation0: org.example.role=web\n' >"$PVE/lxcri/$CT.conf"
	out=$(lxcri check) || true
	assert_contains "$out" "warn  pve-guard        CT $CT is managed by lxcri, but '$PVE/lxc/$CT.conf' has no guard"
	assert_contains "$out" "lxcri guard add $CT"
	out=$(lxcri guard add "$CT" 2>&1) || fail "guard add: $out"
	assert_eq "$(guard_lines "$CT")" 1 "guard lines"
	assert_contains "$(cat "$PVE/lxc/$CT.conf")" "$(guard_line "$CT")"
	out=$(lxcri guard add "$CT" 2>&1) || fail "guard add again: $out"
	assert_eq "$(guard_lines "$CT")" 1 "guard lines after a second add"
	out=$(lxcri check) || true
	assert_not_contains "$out" "CT $CT is managed"
	# guard remove keeps the guard of a container that has its lxcri config.
	out=$(lxcri guard remove "$CT" 2>&1) && rc=0 || rc=$?
	assert_eq "$rc" 1 "exit status of guard remove"
	assert_contains "$out" "CT $CT has an lxcri config"
	assert_eq "$(guard_lines "$CT")" 1 "guard lines after a refused remove"
}

guard_add_refused_under_lock_and_without_quorum() {
	local out rc=0 before
	pve_ct_create "$CT"
	printf 'annotation0: org.example.role=web\n' >"$PVE/lxcri/$CT.conf"
	echo "lock: backup" >>"$PVE/lxc/$CT.conf"
	before=$(cat "$PVE/lxc/$CT.conf")
	out=$(lxcri guard add "$CT" 2>&1) && rc=0 || rc=$?
	assert_eq "$rc" 1 "exit status of guard add under lock"
	assert_contains "$out" "CT $CT is locked (backup)"
	sed -i '/^lock:/d' "$PVE/lxc/$CT.conf"
	before=$(cat "$PVE/lxc/$CT.conf")
	pve_quorum 0
	out=$(lxcri guard add "$CT" 2>&1) && rc=0 || rc=$?
	assert_eq "$rc" 1 "exit status of guard add without quorum"
	assert_contains "$out" "no quorum: /etc/pve is read-only"
	out=$(lxcri port add "$CT" tcp 18112 80 2>&1) && rc=0 || rc=$?
	assert_eq "$rc" 1 "exit status of port add without quorum"
	assert_contains "$out" "no quorum: /etc/pve is read-only"
	pve_quorum 1
	assert_eq "$(cat "$PVE/lxc/$CT.conf")" "$before" "PVE's config"
	assert_eq "$(guard_lines "$CT")" 0 "guard lines"
	# The start without a guard still works here (the package is installed).
	pve_quorum 0
	pve_start "$CT" || fail "start without quorum refused: $(syslog_of "$CT")"
	ct_stop "$CT"
}

run_test "A managed container's PVE config gets lxcri's guard with its first lxcri key and loses it with the last (net, port, apparmor, seccomp); with pve-lxcri the guarded start runs" guard_follows_lxcri_keys
run_test "On a node without pve-lxcri, a managed container does not start: LXC's log shows the guard's command line, 'lxcri-guard: not found' and the failed pre-start hook" package_absent_start_refused
run_test "On a node with lxcri's programs but without its drop-in, the guard refuses the start, saying to install pve-lxcri" dropin_absent_start_refused
run_test "A clone (pct clone copies raw keys) is refused, naming the original and the commands; lxcri check reports it; after 'lxcri guard remove' it starts unmanaged" clone_refused_until_guard_remove
run_test "A clone refused for CT's guard runs managed after 'lxcri config export <CT> | lxcri config import <clone> -': its own guard, network and profile" clone_imported_runs_managed
run_test "A restore without /etc/pve/lxcri is refused, saying to import the lxcri config or remove the guard; lxcri check reports it" restored_without_lxcri_config_refused
run_test "A hand-written lxcri config without guard is reported by lxcri check; 'lxcri guard add' adds it once" unguarded_config_reported_and_guarded
run_test "'lxcri guard add' and 'lxcri port add' are refused under 'lock: backup' and without quorum, changing nothing" guard_add_refused_under_lock_and_without_quorum
finish
