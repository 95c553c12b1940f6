#!/bin/bash
# A simulated Proxmox VE node: an /etc/pve-like tree, containers named by
# vmid with an LXC config shaped like PVE's (common.conf included, hook
# version 0, PVE's own hooks in a 01-pve.conf drop-in before ours).
# What cannot exist here is the cluster itself (pmxcfs, quorum).
. "$(dirname "$0")/lib.sh"
pve_node_setup

vmid_managed_from_pve_dir() {
	pve_ct_create 100
	printf '# lxcri config of CT 100\n' >"$PVE/lxcri/100.conf"
	ct_start 100
	assert_eq "$(ct_state 100)" RUNNING
	# PVE's own hook ran too (version 0: "<vmid> lxc <type>" arguments).
	assert_contains "$(cat "$PVE_HOOK_LOG")" "pve-prestart 100 lxc pre-start"
	assert_contains "$(cat "$RUN/100/state.json")" "\"config\": \"$PVE/lxcri/100.conf\""
	# Our hook ran with no lxc.hook.version set: version 0, as PVE uses.
	assert_not_contains "$(cat "$LXCPATH/100/config" "$LXCCONF/common.conf" "$DROPIN" | grep -v '^#')" "hook.version"
	assert_contains "$(cat "$SYSLOG")" "CT 100: start-host: 0 item(s) applied"
	ct_stop 100
	assert_missing "$RUN/100"
	assert_contains "$(cat "$SYSLOG")" "CT 100: post-stop: 0 item(s) torn down, 0 left"
}

bad_pve_config_refused() {
	pve_ct_create 101
	printf 'net0: name=eth0,bridge=vmbr0\nnet1: name=eth0,bridge=vmbr1\n' >"$PVE/lxcri/101.conf"
	if ct_start 101; then fail "a bad config started"; fi
	assert_contains "$(cat "$SYSLOG")" "CT 101: Refusing to start: $PVE/lxcri/101.conf:2:"
}

only_pve_dir_counts_for_vmids() {
	pve_ct_create 102
	# On a PVE node a vmid's config lives in /etc/pve/lxcri (it follows the
	# container to other nodes); a local file does not manage it.
	printf 'bogus: 1\n' >"$ETC/containers/102.conf"
	ct_start 102
	assert_eq "$(ct_state 102)" RUNNING
	assert_missing "$RUN/102"
}

named_container_on_pve_node() {
	# Non-numeric names are not PVE containers: plain LXC rules apply.
	ct_create web
	printf 'bogus: 1\n' | ct_config web
	if ct_start web; then fail "a bad config started"; fi
	assert_contains "$(cat "$SYSLOG")" "CT web: Refusing to start: $ETC/containers/web.conf:1: Unknown key 'bogus'"
}

reboot_with_failing_pve_poststop() {
	pve_ct_create 103
	printf '# managed\n' >"$PVE/lxcri/103.conf"
	ct_start 103
	local first
	first=$(sed -n 's/.*"started": \([0-9]*\).*/\1/p' "$RUN/103/state.json")
	# A reboot: PVE's post-stop exits 1, which ends LXC's own reboot; PVE
	# then starts the container again itself (simulated by ct_start below).
	lxc-stop -P "$LXCPATH" -n 103 -r -t 20 >/dev/null 2>&1 || true
	for _ in $(seq 100); do
		if [ "$(ct_state 103)" == STOPPED ] && ! pgrep -f "\[lxc monitor\] $LXCPATH 103\$" >/dev/null; then
			ct_start 103
			break
		fi
		[ "$(ct_state 103)" == RUNNING ] && [ -e "$RUN/103/state.json" ] &&
			[ "$(sed -n 's/.*"started": \([0-9]*\).*/\1/p' "$RUN/103/state.json")" != "$first" ] && break
		sleep 0.1
	done
	assert_contains "$(cat "$PVE_HOOK_LOG")" "pve-poststop 103 lxc post-stop target=reboot"
	# Our stop hook tore down before any post-stop hook ran. (Whether our
	# post-stop runs too depends on the order LXC reads common.conf.d in,
	# which is not guaranteed: teardown must not depend on it.)
	assert_contains "$(cat "$SYSLOG")" "CT 103: stop (reboot): 0 item(s) torn down, 0 left"
	assert_eq "$(ct_state 103)" RUNNING "after the reboot"
	local second
	second=$(sed -n 's/.*"started": \([0-9]*\).*/\1/p' "$RUN/103/state.json")
	[ "$second" -gt "$first" ] || fail "no new run recorded ($first -> $second)"
	ct_stop 103
	assert_missing "$RUN/103"
}

lxcri_status_on_pve_node() {
	pve_ct_create 104
	printf '# managed\n' >"$PVE/lxcri/104.conf"
	ct_start 104
	local out
	out=$("${LXCRI[@]}" status)
	assert_contains "$out" "104 "
	assert_contains "$out" "running"
	out=$("${LXCRI[@]}" check)
	assert_contains "$out" "Proxmox VE node"
	ct_stop 104
}

# --- /etc/pve is pmxcfs (pmxcfs-sim): its modes, quorum, locks and owners ---

PROFILE=$T/mkdir-denied.json
printf '{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"], "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 122}]}\n' >"$PROFILE"

lxcri() { "${LXCRI[@]}" "$@"; }
sum_of() { md5sum "$@" 2>/dev/null | awk '{print $1}'; } # files

first_config_on_pmxcfs() {
	local out
	pve_ct_create 210
	# The first change of a vmid creates /etc/pve/lxcri/210.conf.
	out=$(lxcri port add 210 tcp 18210 80 2>&1) || fail "port add: $out"
	assert_eq "$(stat -c '%a %u:%g' "$PVE/lxcri/210.conf")" "640 0:33" "the new config, as pmxcfs shows it"
	assert_contains "$(cat "$PVE/lxcri/210.conf")" "port0: proto=tcp,host=18210,ct=80"
	out=$(lxcri seccomp set 210 "$PROFILE" 2>&1) || fail "seccomp set: $out"
	local profile
	profile=$PVE/lxcri/seccomp/$(sed -n 's/^seccomp-sha256: //p' "$PVE/lxcri/210.conf").seccomp
	assert_eq "$(stat -c '%a %u:%g' "$PVE/lxcri/seccomp" "$profile")" "$(printf '755 0:33\n640 0:33')" "the store and the stored profile"
	assert_contains "$(cat "$PVE/lxc/210.conf")" "lxc.seccomp.profile: $profile"
	out=$(lxcri port del 210 tcp 18210 2>&1) || fail "port del: $out"
	out=$(lxcri seccomp unset 210 2>&1) || fail "seccomp unset: $out"
	assert_missing "$PVE/lxcri/210.conf"
	assert_not_contains "$(cat "$PVE/lxc/210.conf")" "lxc.seccomp"
}

no_quorum_refuses_changes() {
	local out rc cmd before after
	pve_ct_create 211
	printf 'annotation0: org.example.role=web\n' >"$PVE/lxcri/211.conf"
	# 218's config has a bad value: its start is refused, and nothing can fix it now.
	pve_ct_create 218
	printf 'port0: proto=tcp,host=18218,ct=99999\n' >"$PVE/lxcri/218.conf"
	pve_quorum 0
	before=$(sum_of "$PVE/lxcri/211.conf" "$PVE/lxc/211.conf")
	for cmd in "port add 211 tcp 18212 80" "port del 211 tcp 18211" \
		"net add 211 name=eth1,bridge=vmbr9" "seccomp set 211 $PROFILE" \
		"apparmor set 211 unconfined" "selinux set 211 system_u:system_r:container_t:s0"; do
		rc=0
		# shellcheck disable=SC2086
		out=$(lxcri $cmd 2>&1) || rc=$?
		[ "$rc" -ne 0 ] || fail "'lxcri $cmd' worked without quorum: $out"
		assert_contains "$out" "no quorum: /etc/pve is read-only" "lxcri $cmd"
	done
	after=$(sum_of "$PVE/lxcri/211.conf" "$PVE/lxc/211.conf")
	assert_eq "$after" "$before" "the configs"
	assert_missing "$PVE/lxcri/seccomp"
	# A start with a valid config still works.
	ct_start 211 || fail "start without quorum refused: $(grep 'CT 211:' "$SYSLOG" | tail -n3)"
	assert_eq "$(ct_state 211)" RUNNING
	ct_stop 211
	! ct_start 218 || fail "218 started with a bad config"
	out=$(grep 'CT 218:' "$SYSLOG")
	assert_contains "$out" "99999"
	assert_contains "$out" "no quorum: /etc/pve is read-only: a change to CT 218's config can be made only once the node has quorum again"
	assert_contains "$(lxcri status 218)" "no quorum: /etc/pve is read-only"
	rc=0
	out=$(lxcri check) || rc=$?
	assert_eq "$rc" 1 "exit status of check"
	assert_contains "$out" "fail  pve-quorum       no quorum: /etc/pve is read-only"
	pve_quorum 1
	out=$(lxcri check) || true
	assert_contains "$out" "ok    pve-quorum"
}

lock_property_refuses_changes() {
	local out rc=0
	pve_ct_create 212
	echo "lock: backup" >>"$PVE/lxc/212.conf"
	out=$(lxcri seccomp set 212 "$PROFILE" 2>&1) || rc=$?
	assert_eq "$rc" 1 "exit status of seccomp set"
	assert_contains "$out" "CT 212 is locked (backup)"
	assert_not_contains "$(cat "$PVE/lxc/212.conf")" "lxc.seccomp"
	assert_missing "$PVE/lxcri/seccomp"
	rc=0
	out=$(lxcri port add 212 tcp 18213 80 2>&1) || rc=$?
	assert_eq "$rc" 1 "exit status of port add"
	assert_contains "$out" "CT 212 is locked (backup)"
	assert_missing "$PVE/lxcri/212.conf"
}

pve_config_lock_waited_for() {
	local out rc=0 holder start took
	pve_ct_create 213
	mkdir -p "$PVE_LOCKS"
	# A pct task holds PVE's config lock for 2 s: the change waits, then goes through.
	flock "$PVE_LOCKS/pve-config-213.lock" sleep 2 &
	holder=$!
	sleep 0.3
	start=$(date +%s%N)
	out=$(lxcri seccomp set 213 "$PROFILE" 2>&1) || fail "seccomp set after the wait: $out"
	took=$((($(date +%s%N) - start) / 1000000))
	wait "$holder"
	[ "$took" -ge 1000 ] || fail "seccomp set did not wait for PVE's lock (${took} ms)"
	assert_contains "$(cat "$PVE/lxc/213.conf")" "lxc.seccomp.profile"
	# Held longer than PVE's 10 s: refused, saying by whom, with nothing changed.
	flock "$PVE_LOCKS/pve-config-213.lock" sleep 15 &
	holder=$!
	sleep 0.3
	out=$(lxcri seccomp unset 213 2>&1) || rc=$?
	kill "$holder" 2>/dev/null
	wait "$holder" 2>/dev/null || true
	assert_eq "$rc" 1 "exit status of seccomp unset"
	assert_contains "$out" "PVE's config lock of CT 213 ('$PVE_LOCKS/pve-config-213.lock') is held by another process"
	assert_contains "$(cat "$PVE/lxc/213.conf")" "lxc.seccomp.profile"
}

other_node_refused() {
	local out rc=0 pve2
	pve2=$(pve_mount pve2)
	printf 'arch: amd64\nhostname: ct214\nostype: unmanaged\n' >"$pve2/nodes/pve2/lxc/214.conf"
	out=$(lxcri port add 214 tcp 18214 80 2>&1) || rc=$?
	assert_eq "$rc" 1 "exit status of port add on pve1"
	assert_contains "$out" "CT 214 belongs to node 'pve2', not to this node 'pve1'"
	assert_missing "$PVE/lxcri/214.conf"
	rm -f "$pve2/nodes/pve2/lxc/214.conf"
}


# A node's own run dir, as each node of a real cluster has: lxcri and the
# hooks of containers started from now on use it.
node_run_dir() { # dir
	RUN=$1
	mkdir -p "$RUN"
	harness_roots
	sed -i "s|--run-dir=[^ ]*|--run-dir=$1|g" "$DROPIN"
}

# Waits (5 s at most) until node's summary passes the jq test.
wait_summary() { # node jq-test
	local f=$PVE/nodes/$1/lxcri-status.json
	for _ in $(seq 50); do
		jq -e "$2" "$f" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	fail "summary of $1: '$2' does not hold: $(cat "$f" 2>&1)"
}

# The cluster view's entry of vmid, with jq's path applied.
view_of() { # vmid jq-path
	lxcri status --cluster --output-format json |
		jq -r --arg v "$1" ".containers[] | select(.vmid == \$v) | $2"
}

cluster_view() {
	local run1=$RUN out f
	# pve1 runs 231; pve2, with its own run dir, runs 232 and has 233 stopped.
	pve_ct_create 231
	printf 'net1: name=eth1,bridge=%s,ip=%s/24\n' "$PVE_BR1" "$(net4 5 31)" >"$PVE/lxcri/231.conf"
	ct_start 231 || fail "start of 231"
	# The hook published pve1's summary itself, in the background.
	wait_summary pve1 '.containers["231"].phase == "running"'
	pve_use_node pve2
	node_run_dir "$T/run-pve2"
	pve_ct_create 232
	printf 'annotation0: org.example.role=db\n' >"$PVE/lxcri/232.conf"
	pve_ct_create 233
	printf 'annotation0: org.example.role=spare\n' >"$PVE/lxcri/233.conf"
	ct_start 232 || fail "start of 232"
	wait_summary pve2 '.containers["232"].phase == "running" and .containers["233"].phase == "stopped"'
	# Read on pve1, from /etc/pve alone.
	pve_use_node pve1
	out=$(lxcri status --cluster --output-format json) || fail "status --cluster: $out"
	assert_eq "$(jq -c '[.nodes[] | [.name, .online, .summary]]' <<<"$out")" \
		'[["pve1",true,"current"],["pve2",true,"current"]]' "nodes"
	assert_eq "$(jq -c '[.containers[] | [.vmid, .node, .node_online, .config_valid, .status, .summary]]' <<<"$out")" \
		'[["231","pve1",true,true,"running","current"],["232","pve2",true,true,"running","current"],["233","pve2",true,true,"stopped","current"]]' \
		"containers"
	assert_eq "$(jq -c '.containers[] | select(.vmid == "231") | .applied' <<<"$out")" '{"net.veth":1}' "what 231 applied"
	out=$(lxcri status --cluster)
	assert_contains "$out" "pve2             online   current"
	assert_matches "$out" "231 +pve1 +online +valid +running +net.veth 1 +current"
	assert_matches "$out" "232 +pve2 +online +valid +running +- +current"
	# An offline node: its containers are marked, with what it said last.
	pve_node_online pve2 0
	assert_eq "$(view_of 232 '[.node_online, .status, .summary] | @csv')" 'false,"running","node-offline"' "232 with pve2 offline"
	assert_matches "$(lxcri status --cluster)" "232 +pve2 +offline +valid +running .* node-offline"
	pve_node_online pve2 1
	# A summary that was not refreshed for long: out of date.
	f=$PVE/nodes/pve2/lxcri-status.json
	jq -c '.time -= 3600' "$f" >"$T/old.json" && cat "$T/old.json" >"$f"
	assert_eq "$(view_of 232 .summary)" out-of-date "232 of an old summary"
	# A vmid the owner's summary does not name: not listed (pve2 publishes again and it is).
	pve_use_node pve2
	pve_ct_create 234
	printf 'annotation0: org.example.role=new\n' >"$PVE/lxcri/234.conf"
	assert_eq "$(view_of 234 .summary)" not-listed "234 before pve2 publishes"
	# No quorum: a start still works, and the summary is skipped (unchanged).
	pve_quorum 0
	local before
	before=$(md5sum <"$f")
	ct_start 233 || fail "start of 233 without quorum: $(grep 'CT 233:' "$SYSLOG" | tail -n3)"
	assert_eq "$(ct_state 233)" RUNNING
	sleep 1
	assert_eq "$(md5sum <"$f")" "$before" "pve2's summary without quorum"
	assert_eq "$(lxcri publish 2>&1)" "Summary skipped: no quorum: /etc/pve is read-only." "publish without quorum"
	pve_quorum 1
	assert_eq "$(lxcri publish 2>&1)" "Published this node's summary." "publish with quorum"
	wait_summary pve2 '.containers["233"].phase == "running" and .containers["234"].phase == "stopped"'
	assert_eq "$(lxcri publish 2>&1)" "This node's summary is current." "publish again"
	assert_eq "$(view_of 232 .summary)" current "232 after pve2 published"
	# A container still applied on a node that no longer owns it (a config moved by hand).
	mv "$PVE/nodes/pve2/lxc/233.conf" "$PVE/nodes/pve1/lxc/233.conf"
	assert_eq "$(view_of 233 '[.node, .summary, (.also_on | join(","))] | @csv')" '"pve1","not-listed","pve2"' \
		"233 moved to pve1, still running on pve2"
	assert_matches "$(lxcri status --cluster)" "^233 +pve1 .* not-listed; still applied on pve2$"
	mv "$PVE/nodes/pve1/lxc/233.conf" "$PVE/nodes/pve2/lxc/233.conf"
	ct_stop 233
	ct_stop 232
	pve_use_node pve1
	node_run_dir "$run1"
	ct_stop 231
	# pve1 published its stop.
	wait_summary pve1 '.containers["231"].phase == "stopped"'
}

run_test "On a PVE node, a vmid container is managed by /etc/pve/lxcri/<vmid>.conf through version 0 hooks" vmid_managed_from_pve_dir
run_test "On a PVE node, a bad /etc/pve/lxcri/<vmid>.conf refuses the start with file:line" bad_pve_config_refused
run_test "On a PVE node, only /etc/pve/lxcri manages a vmid container" only_pve_dir_counts_for_vmids
run_test "On a PVE node, a non-numeric container follows the plain LXC rules" named_container_on_pve_node
run_test "A reboot whose PVE post-stop hook exits 1 still tears down (at stop) and starts clean" reboot_with_failing_pve_poststop
run_test "lxcri status and check describe a PVE node" lxcri_status_on_pve_node
run_test "On pmxcfs, the first lxcri port add and seccomp set of a vmid create its files as pmxcfs allows (0640 root:www-data), and del/unset remove them" first_config_on_pmxcfs
run_test "Without quorum every writing command says 'no quorum: /etc/pve is read-only' and changes nothing; a start with a valid config still works, a refused one says there is no quorum; lxcri check fails" no_quorum_refuses_changes
run_test "'lock: backup' in /etc/pve/lxc/<vmid>.conf refuses lxcri's changes, naming the lock" lock_property_refuses_changes
run_test "An edit of /etc/pve/lxc/<vmid>.conf waits for PVE's config lock, and after 10 s is refused saying it is held" pve_config_lock_waited_for
run_test "A vmid owned by the other node is refused, naming that node" other_node_refused
# --- networks beside Proxmox VE's own ---
# Bridges and vmids unique to this run (host link names follow the vmid).
net_setup
PVE_BR0=$(net_bridge 4)
PVE_BR1=$(net_bridge 5)
PVE_NET_VMID=$((900000 + $$ % 99999))

# What PVE generates for "net0: name=eth0,bridge=<br0>,hwaddr=BC:24:11:...,type=veth".
pve_net0() { # vmid address
	sed -i '/^lxc.net.0.type = empty$/d' "$LXCPATH/$1/config"
	ct_no_dhcp "$1"
	cat >>"$LXCPATH/$1/config" <<EOS
lxc.net.0.type = veth
lxc.net.0.veth.pair = veth$1i0
lxc.net.0.hwaddr = BC:24:11:5A:00:01
lxc.net.0.name = eth0
lxc.net.0.mtu = 1500
lxc.net.0.link = $PVE_BR0
lxc.net.0.flags = up
lxc.net.0.ipv4.address = $2/24
EOS
	echo "net0: name=eth0,bridge=$PVE_BR0,hwaddr=BC:24:11:5A:00:01,ip=$2/24,type=veth" >>"$PVE/lxc/$1.conf"
}

pve_net1_beside_net0() {
	local vmid=$PVE_NET_VMID host
	pve_ct_create "$vmid"
	pve_net0 "$vmid" "$(net4 4 5)"
	printf 'net1: name=eth1,bridge=%s,ip=%s/24\n' "$PVE_BR1" "$(net4 5 5)" >"$PVE/lxcri/$vmid.conf"
	ct_start "$vmid" || fail "start refused: $(grep "CT $vmid:" "$SYSLOG" | tail -n3)"
	# Both interfaces inside, each with its address.
	assert_contains "$(lxc-attach -P "$LXCPATH" -n "$vmid" -- ip addr show eth0)" "inet $(net4 4 5)/24" "eth0 (PVE's net0)"
	assert_contains "$(lxc-attach -P "$LXCPATH" -n "$vmid" -- ip link show eth0)" "bc:24:11:5a:00:01" "eth0 (PVE's net0)"
	assert_contains "$(lxc-attach -P "$LXCPATH" -n "$vmid" -- ip addr show eth1)" "inet $(net4 5 5)/24" "eth1 (lxcri's net1)"
	# On the host: PVE's veth<vmid>i0 on its bridge, untouched; ours is lx...n1, never a PVE name.
	host=$(lx_host_ifname "$vmid" 1)
	assert_eq "$(host_links_of "$vmid")" "$host" "lxcri's host ends"
	assert_contains "$(ip -o link show "$host")" "master $PVE_BR1" "lxcri's host end"
	assert_contains "$(ip -o link show "veth${vmid}i0")" "master $PVE_BR0" "PVE's host end"
	assert_eq "$(jq -r '[.items[] | select(.kind == "net.veth") | .data.host] | join(" ")' "$RUN/$vmid/state.json")" \
		"$host" "recorded host ends"
	# Pings both ways on both networks.
	for addr in "$(net4 4 1)" "$(net4 5 1)"; do
		lxc-attach -P "$LXCPATH" -n "$vmid" -- ping -c1 -W2 "$addr" >/dev/null || fail "CT $vmid cannot ping $addr"
	done
	for addr in "$(net4 4 5)" "$(net4 5 5)"; do
		busybox ping -c1 -W2 "$addr" >/dev/null || fail "the host cannot ping $addr"
	done
	ct_stop "$vmid"
	assert_eq "$(host_links_of "$vmid")" "" "lxcri's host ends after the stop"
	assert_missing "$RUN/$vmid"
}

pve_net1_named_eth0_refused() {
	local vmid=$((PVE_NET_VMID + 1)) status
	pve_ct_create "$vmid"
	pve_net0 "$vmid" "$(net4 4 6)"
	printf 'net1: name=eth0,bridge=%s,ip=%s/24\n' "$PVE_BR1" "$(net4 5 6)" >"$PVE/lxcri/$vmid.conf"
	link_watch_start
	if ct_start "$vmid"; then fail "started with net1 named eth0 beside PVE's net0"; fi
	assert_eq "$(link_watch_stop "$(lx_host_ifname "$vmid" "")")" "" "lxcri links made during the start"
	assert_eq "$(ct_state "$vmid")" STOPPED
	assert_contains "$(grep "CT $vmid:" "$SYSLOG")" "'eth0'" "syslog"
	status=$("${LXCRI[@]}" status "$vmid" 2>&1 || true)
	assert_contains "$status" refused "lxcri status"
	assert_contains "$status" "'eth0'" "lxcri status"
	assert_eq "$(host_links_of "$vmid")" "" "lxcri's host ends"
	assert_eq "$(jq '.items | length' "$RUN/$vmid/state.json" 2>/dev/null || echo 0)" 0 "recorded items"
	ip link show "veth${vmid}i0" >/dev/null 2>&1 && fail "PVE's veth${vmid}i0 left behind"
	return 0
}

# vmids 44257 and 59801 hash to the same host end name (lx_host_ifname):
# both containers get their net1, each on a host end of its own, and
# neither a start nor a stop of one ever removes the other's.
pve_colliding_vmids_keep_their_links() {
	local a=44257 b=59801 ha hb out
	[ "$(lx_host_ifname $a 1)" == "$(lx_host_ifname $b 1)" ] || fail "$a and $b no longer collide: pick another pair"
	pve_ct_create $a
	pve_ct_create $b
	printf 'net1: name=eth1,bridge=%s,ip=%s/24\n' "$PVE_BR1" "$(net4 5 21)" >"$PVE/lxcri/$a.conf"
	printf 'net1: name=eth1,bridge=%s,ip=%s/24\n' "$PVE_BR1" "$(net4 5 22)" >"$PVE/lxcri/$b.conf"
	ct_start $a || fail "start of $a refused: $(grep "CT $a:" "$SYSLOG" | tail -n3)"
	busybox ping -c1 -W2 "$(net4 5 21)" >/dev/null || fail "the host cannot ping CT $a"
	ha=$(jq -r '.items[] | select(.kind == "net.veth") | .data.host' "$RUN/$a/state.json")
	ct_start $b || true
	# Whatever became of the second start, the first container keeps its link.
	ip link show "$ha" >/dev/null 2>&1 || fail "CT $a's host end '$ha' is gone after the start of CT $b"
	busybox ping -c1 -W2 "$(net4 5 21)" >/dev/null || fail "CT $a no longer answers after the start of CT $b"
	assert_eq "$(ct_state $b)" RUNNING "state of CT $b: $(grep "CT $b:" "$SYSLOG" | tail -n3)"
	busybox ping -c1 -W2 "$(net4 5 22)" >/dev/null || fail "the host cannot ping CT $b"
	hb=$(jq -r '.items[] | select(.kind == "net.veth") | .data.host' "$RUN/$b/state.json")
	[ "$ha" != "$hb" ] || fail "both host ends are named '$ha'"
	# Each host end says whose it is, and lxcri net list shows the name used.
	assert_eq "$(ip -j link show "$ha" | jq -r '.[0].ifalias')" "lxcri $a net1" "alias of '$ha'"
	assert_eq "$(ip -j link show "$hb" | jq -r '.[0].ifalias')" "lxcri $b net1" "alias of '$hb'"
	out=$("${LXCRI[@]}" net list $b --output-format json)
	assert_eq "$(jq -r '.[0].host' <<<"$out")" "$hb" "host end in lxcri net list $b"
	assert_contains "$(grep "CT $b:" "$SYSLOG")" "'$ha'" "syslog of CT $b (the name it could not use)"
	# Stopping either one leaves the other working.
	ct_stop $b
	ip link show "$ha" >/dev/null 2>&1 || fail "CT $a's host end '$ha' is gone after the stop of CT $b"
	busybox ping -c1 -W2 "$(net4 5 21)" >/dev/null || fail "CT $a no longer answers after the stop of CT $b"
	ct_start $b || fail "second start of $b refused: $(grep "CT $b:" "$SYSLOG" | tail -n3)"
	ct_stop $a
	busybox ping -c1 -W2 "$(net4 5 22)" >/dev/null || fail "CT $b no longer answers after the stop of CT $a"
	ct_stop $b
	assert_eq "$(host_links_of $a)$(host_links_of $b)" "" "host ends after both stopped"
	assert_missing "$RUN/$a"
	assert_missing "$RUN/$b"
}

# A forward to PVE's own net0 (net=eth0): no lxcri net at all.
pve_port_to_net0() {
	local vmid=$((PVE_NET_VMID + 2)) table=lxt$NET_SUFFIX got
	pve_ct_create "$vmid"
	pve_net0 "$vmid" "$(net4 4 7)"
	mkdir -p "$LXCPATH/$vmid/rootfs/www"
	echo "hello from CT $vmid" >"$LXCPATH/$vmid/rootfs/www/index.html"
	echo "port-table: $table" >"$ETC/lxcri.conf"
	echo "port0: proto=tcp,host=8980,ct=80,net=eth0" >"$PVE/lxcri/$vmid.conf"
	ct_start "$vmid" || fail "start refused: $(grep "CT $vmid:" "$SYSLOG" | tail -n3)"
	lxc-attach -P "$LXCPATH" -n "$vmid" -- httpd -p 80 -h /www
	sleep 0.2
	got=$(curl -gsf -m 3 "http://$(net4 4 1):8980/") || true
	ct_stop "$vmid"
	nft_delete_tables "$table"
	assert_eq "$got" "hello from CT $vmid" "the host -> $(net4 4 1):8980"
	assert_contains "$(grep "CT $vmid:" "$SYSLOG")" "port0: tcp 8980 -> $(net4 4 7):80"
	assert_missing "$RUN/$vmid"
}

# The target of a forward to PVE's net0 is its ip=, whatever the container
# put on eth0 (here the host's own address); ip=dhcp is refused for now.
pve_port_target_from_config() {
	local vmid=$((PVE_NET_VMID + 4)) table=lxt$NET_SUFFIX out target got
	local lo_route_localnet
	lo_route_localnet=$(cat /proc/sys/net/ipv4/conf/lo/route_localnet)
	# Whatever happens: no table of this test left, lo as it was (a forward to
	# the host's address once put lo into @localnet, cutting host loopback).
	# shellcheck disable=SC2064 # expanded now: the locals are gone at exit
	trap "nft_delete_tables $table; echo $lo_route_localnet >/proc/sys/net/ipv4/conf/lo/route_localnet" EXIT
	pve_ct_create "$vmid"
	pve_net0 "$vmid" "$(net4 4 8)"
	# As on PVE: the LXC config has no address, the container's own init sets it.
	sed -i '/^lxc.net.0.ipv4.address/d' "$LXCPATH/$vmid/config"
	mkdir -p "$LXCPATH/$vmid/rootfs/www"
	echo "hello from CT $vmid" >"$LXCPATH/$vmid/rootfs/www/index.html"
	echo "port-table: $table" >"$ETC/lxcri.conf"
	: >"$PVE/lxcri/$vmid.conf"
	ct_start "$vmid" || fail "start refused: $(grep "CT $vmid:" "$SYSLOG" | tail -n3)"
	lxc-attach -P "$LXCPATH" -n "$vmid" -- ip addr add "$(net4 4 1)/32" dev eth0 scope global
	out=$("${LXCRI[@]}" port add "$vmid" tcp 8981 80 --net eth0 2>&1) || true
	target=$(jq -r '.items[] | select(.kind == "port.fwd") | .data.target' "$RUN/$vmid/state.json" 2>/dev/null)
	lxc-attach -P "$LXCPATH" -n "$vmid" -- ip addr del "$(net4 4 1)/32" dev eth0
	lxc-attach -P "$LXCPATH" -n "$vmid" -- ip addr add "$(net4 4 8)/24" dev eth0
	lxc-attach -P "$LXCPATH" -n "$vmid" -- httpd -p 80 -h /www
	sleep 0.2
	got=$(curl -gsf -m 3 "http://$(net4 4 1):8981/") || true
	ct_stop "$vmid"
	assert_eq "$target" "$(net4 4 8)" "the target (PVE's ip= of net0; port add said: $out)"
	assert_eq "$got" "hello from CT $vmid" "the host -> $(net4 4 1):8981"
}

# --- forwards to PVE's NICs whose address comes later (ip=dhcp) ---
PVE_TABLE=lxt$NET_SUFFIX

# pve_dhcp_ct <vmid> [firewall]: a PVE container whose net0 is "ip=dhcp"
# (firewall: with firewall=1, PVE's fwbr/fwln/fwpr topology), httpd's page
# in its rootfs, port0 tcp 8990 -> 80 to eth0 and lxcri.conf with the
# table of this run and port-address-timeout=${WAIT:-30}. As on PVE, nothing
# gives eth0 an address at start: the container's DHCP client does, later.
pve_dhcp_ct() {
	local vmid=$1 fw=${2:-}
	pve_ct_create "$vmid"
	pve_net0 "$vmid" 0.0.0.0
	sed -i '/^lxc.net.0.ipv4.address/d' "$LXCPATH/$vmid/config"
	sed -i "s|,ip=0.0.0.0/24,|,ip=dhcp,|" "$PVE/lxc/$vmid.conf"
	if [ -n "$fw" ]; then
		pve_firewall_net0 "$vmid"
		sed -i "s|,type=veth|,firewall=1,type=veth|" "$PVE/lxc/$vmid.conf"
	fi
	mkdir -p "$LXCPATH/$vmid/rootfs/www"
	echo "hello from CT $vmid" >"$LXCPATH/$vmid/rootfs/www/index.html"
	printf 'port-table: %s\nport-address-timeout: %s\n' "$PVE_TABLE" "${WAIT:-30}" >"$ETC/lxcri.conf"
	echo "port0: proto=tcp,host=8990,ct=80,net=eth0" >"$PVE/lxcri/$vmid.conf"
	# shellcheck disable=SC2064 # expanded now
	trap "nft_delete_tables $PVE_TABLE" EXIT
}

# What PVE's lxcnetaddbr does for "net0: ...,firewall=1": the container's
# veth<vmid>i0 on a bridge fwbr<vmid>i0 of its own, joined to the vmbr by
# the veth pair fwln<vmid>i0 (on fwbr) / fwpr<vmid>p0 (on the vmbr)
# (pve-common, PVE::Network, create_firewall_bridge_linux).
pve_firewall_net0() { # vmid
	local vmid=$1 script=$T/fwaddbr-$1
	printf '%s\n' "fwbr${vmid}i0" "fwpr${vmid}p0" >>"$NET_LINKS"
	cat >"$script" <<EOS
#!/bin/sh
# lxc.net.0.script.up: <name> net up veth <host end>
ip link add fwbr${vmid}i0 type bridge 2>/dev/null
ip link set fwbr${vmid}i0 up
ip link add fwln${vmid}i0 type veth peer name fwpr${vmid}p0 2>/dev/null
ip link set fwpr${vmid}p0 master $PVE_BR0 up
ip link set fwln${vmid}i0 master fwbr${vmid}i0 up
ip link set "\$5" master fwbr${vmid}i0 up
EOS
	chmod 755 "$script"
	sed -i "/^lxc.net.0.link = /d" "$LXCPATH/$vmid/config"
	echo "lxc.net.0.script.up = $script" >>"$LXCPATH/$vmid/config"
}

pve_elements() { # vmid
	local table
	table=$(nft -j list table inet "$PVE_TABLE" 2>/dev/null) || { echo 0; return 0; }
	jq --arg o "$1" '[.nftables[] | select(.map) | .map.elem // [] | .[] | select(.[0].elem.comment == $o)] | length' <<<"$table"
}

# The processes still waiting for an address for vmid (the waiter keeps
# lxcri-portfwd's command line).
pve_waiters() { pgrep -f "^$BUILD/lxcri-portfwd start-host $1\$" | tr '\n' ' ' || true; }

# Waits up to $2 s for the status text of vmid to contain $3.
pve_wait_status() { # vmid seconds text
	local i
	for i in $(seq $(($2 * 10))); do
		[[ "$("${LXCRI[@]}" status "$1" 2>&1)" == *"$3"* ]] && return 0
		sleep 0.1
	done
	fail "lxcri status $1 did not show '$3' within $2 s: $("${LXCRI[@]}" status "$1" 2>&1)"
}

pve_fetch() { curl -gsf -m 3 "http://$(net4 4 1):$1/" 2>/dev/null; }

# A PVE netN with a static ip= gets its forward at start-host, before the
# container's own init has put the address on eth0 (as PVE's does).
pve_static_ip_forward_at_start() {
	local vmid=$((PVE_NET_VMID + 10)) got
	pve_ct_create "$vmid"
	pve_net0 "$vmid" "$(net4 4 10)"
	sed -i '/^lxc.net.0.ipv4.address/d' "$LXCPATH/$vmid/config"
	mkdir -p "$LXCPATH/$vmid/rootfs/www"
	echo "hello from CT $vmid" >"$LXCPATH/$vmid/rootfs/www/index.html"
	printf 'port-table: %s\n' "$PVE_TABLE" >"$ETC/lxcri.conf"
	echo "port0: proto=tcp,host=8991,ct=80,net=eth0" >"$PVE/lxcri/$vmid.conf"
	# shellcheck disable=SC2064 # expanded now
	trap "nft_delete_tables $PVE_TABLE" EXIT
	ct_start "$vmid" || fail "start refused: $(grep "CT $vmid:" "$SYSLOG" | tail -n3)"
	assert_eq "$(lxc-attach -P "$LXCPATH" -n "$vmid" -- ip -4 -o addr show eth0)" "" "eth0's IPv4 addresses at start"
	assert_eq "$(pve_elements "$vmid")" 1 "elements right after the start"
	assert_eq "$(jq -r '.items[] | select(.kind == "port.fwd") | .data.target' "$RUN/$vmid/state.json")" "$(net4 4 10)" "target"
	assert_contains "$("${LXCRI[@]}" status "$vmid")" "port0 tcp 8991: active ($(net4 4 10):80)" "lxcri status"
	# The container's init sets the address PVE gave it; the forward works.
	lxc-attach -P "$LXCPATH" -n "$vmid" -- ip addr add "$(net4 4 10)/24" dev eth0
	lxc-attach -P "$LXCPATH" -n "$vmid" -- httpd -p 80 -h /www
	sleep 0.2
	got=$(pve_fetch 8991) || true
	assert_eq "$got" "hello from CT $vmid" "the host -> $(net4 4 1):8991"
	ct_stop "$vmid"
	assert_eq "$(pve_elements "$vmid")" 0 "elements after the stop"
}

# ip=dhcp: the start goes on, the forward is pending, and applied (traffic
# and status) once the container's DHCP client has set the address.
pve_dhcp_forward_once_address_appears() {
	local vmid=$((PVE_NET_VMID + 11)) out got i
	pve_dhcp_ct "$vmid"
	ct_start "$vmid" || fail "start with ip=dhcp refused: $(grep "CT $vmid:" "$SYSLOG" | tail -n3)"
	assert_contains "$(grep "CT $vmid:" "$SYSLOG")" "port0: waiting up to 30 s for an address on 'eth0'" "syslog"
	out=$("${LXCRI[@]}" status "$vmid")
	assert_contains "$out" "port0 tcp 8990: pending (waiting for an address on eth0, until " "lxcri status"
	assert_eq "$("${LXCRI[@]}" status "$vmid" --output-format json | jq -r '.[0].ports[0].status')" pending "status JSON"
	assert_contains "$("${LXCRI[@]}" port list "$vmid")" "pending" "lxcri port list"
	assert_eq "$(pve_elements "$vmid")" 0 "elements before the address"
	[ -n "$(pve_waiters "$vmid")" ] || fail "no process waits for the address"
	# What a DHCP client does: the address of the lease, inside the bridge's subnet.
	lxc-attach -P "$LXCPATH" -n "$vmid" -- ip addr add "$(net4 4 11)/24" dev eth0
	lxc-attach -P "$LXCPATH" -n "$vmid" -- httpd -p 80 -h /www
	pve_wait_status "$vmid" 10 "port0 tcp 8990: active ($(net4 4 11):80)"
	got=$(pve_fetch 8990) || true
	assert_eq "$got" "hello from CT $vmid" "the host -> $(net4 4 1):8990"
	assert_eq "$("${LXCRI[@]}" status "$vmid" --output-format json | jq -r '.[0].ports[0].status')" active "status JSON"
	assert_contains "$(grep "CT $vmid:" "$SYSLOG")" "port0: tcp 8990 -> $(net4 4 11):80" "syslog"
	for i in $(seq 20); do [ -z "$(pve_waiters "$vmid")" ] && break; sleep 0.1; done
	assert_eq "$(pve_waiters "$vmid")" "" "waiters once applied"
	ct_stop "$vmid"
	assert_eq "$(pve_elements "$vmid")" 0 "elements after the stop"
	assert_missing "$RUN/$vmid"
}

# An address the container chose that a forward must not go to: refused,
# shown failed, nothing in the table.
pve_dhcp_bad_address_refused() {
	local vmid=$((PVE_NET_VMID + 12)) bad
	pve_dhcp_ct "$vmid"
	for bad in 127.0.0.1/32 "$(net4 2 77)/24" "$(net4 4 1)/32"; do
		ct_start "$vmid" || fail "start refused: $(grep "CT $vmid:" "$SYSLOG" | tail -n3)"
		lxc-attach -P "$LXCPATH" -n "$vmid" -- ip addr add "$bad" dev eth0 scope global
		pve_wait_status "$vmid" 10 "port0 tcp 8990: failed: "
		assert_contains "$("${LXCRI[@]}" status "$vmid")" "'${bad%/*}'" "the reason for $bad"
		assert_eq "$("${LXCRI[@]}" status "$vmid" --output-format json | jq -r '.[0].ports[0].status')" failed "status JSON"
		assert_contains "$(grep "CT $vmid:" "$SYSLOG")" "'${bad%/*}'" "syslog"
		assert_eq "$(pve_elements "$vmid")" 0 "elements after $bad"
		ct_stop "$vmid"
		assert_eq "$(pve_waiters "$vmid")" "" "waiters after the stop"
	done
}

# No address within port-address-timeout: failed, nothing applied.
pve_dhcp_timeout_fails() {
	local vmid=$((PVE_NET_VMID + 13)) i
	WAIT=2 pve_dhcp_ct "$vmid"
	ct_start "$vmid" || fail "start refused: $(grep "CT $vmid:" "$SYSLOG" | tail -n3)"
	pve_wait_status "$vmid" 10 "port0 tcp 8990: failed: no address on 'eth0' within 2 s"
	for i in $(seq 20); do [ -z "$(pve_waiters "$vmid")" ] && break; sleep 0.1; done
	assert_eq "$(pve_waiters "$vmid")" "" "waiters after the timeout"
	# Too late: nothing applied.
	lxc-attach -P "$LXCPATH" -n "$vmid" -- ip addr add "$(net4 4 13)/24" dev eth0
	sleep 1
	assert_eq "$(pve_elements "$vmid")" 0 "elements after the timeout"
	assert_contains "$(grep "CT $vmid:" "$SYSLOG")" "no address on 'eth0' within 2 s" "syslog"
	ct_stop "$vmid"
	assert_missing "$RUN/$vmid"
}

# A stop while the forward waits: no waiter left, nothing applied after;
# a restart waits again, for its own run only.
pve_dhcp_stop_while_pending() {
	local vmid=$((PVE_NET_VMID + 14)) waiters
	pve_dhcp_ct "$vmid"
	ct_start "$vmid" || fail "start refused: $(grep "CT $vmid:" "$SYSLOG" | tail -n3)"
	[ -n "$(pve_waiters "$vmid")" ] || fail "no process waits for the address"
	ct_stop "$vmid"
	assert_eq "$(pve_waiters "$vmid")" "" "waiters after the stop"
	assert_eq "$(pve_elements "$vmid")" 0 "elements after the stop"
	assert_missing "$RUN/$vmid"
	# Twice: one waiter per run, none of the first left.
	ct_start "$vmid" || fail "second start refused: $(grep "CT $vmid:" "$SYSLOG" | tail -n3)"
	waiters=$(pve_waiters "$vmid")
	assert_eq "$(wc -w <<<"$waiters")" 1 "waiters of the second run ($waiters)"
	lxc-attach -P "$LXCPATH" -n "$vmid" -- ip addr add "$(net4 4 14)/24" dev eth0
	pve_wait_status "$vmid" 10 "port0 tcp 8990: active ($(net4 4 14):80)"
	ct_stop "$vmid"
	assert_eq "$(pve_waiters "$vmid")" "" "waiters after the second stop"
	assert_eq "$(pve_elements "$vmid")" 0 "elements after the second stop"
	assert_eq "$(nft list table inet "$PVE_TABLE" 2>/dev/null | grep -c "$(net4 4 14)")" 0 "the table after the stop"
}

# firewall=1: the container's veth is on fwbr<vmid>i0, which has no
# address; the address the container gets is checked against the vmbr's
# subnet (behind fwpr<vmid>p0), and the forward works.
pve_dhcp_firewall_bridge() {
	local vmid=$((PVE_NET_VMID + 15)) got
	pve_dhcp_ct "$vmid" firewall
	ct_start "$vmid" || fail "start refused: $(grep "CT $vmid:" "$SYSLOG" | tail -n3)"
	assert_contains "$(ip -o link show "veth${vmid}i0")" "master fwbr${vmid}i0" "PVE's veth"
	assert_contains "$(ip -o link show "fwpr${vmid}p0")" "master $PVE_BR0" "PVE's fwpr"
	lxc-attach -P "$LXCPATH" -n "$vmid" -- ip addr add "$(net4 4 15)/24" dev eth0
	lxc-attach -P "$LXCPATH" -n "$vmid" -- ip route add default via "$(net4 4 1)"
	lxc-attach -P "$LXCPATH" -n "$vmid" -- httpd -p 80 -h /www
	pve_wait_status "$vmid" 10 "port0 tcp 8990: active ($(net4 4 15):80)"
	got=$(pve_fetch 8990) || true
	assert_eq "$got" "hello from CT $vmid" "the host -> $(net4 4 1):8990"
	ct_stop "$vmid"
	assert_eq "$(pve_elements "$vmid")" 0 "elements after the stop"
}

# From inside vmid to its own forward through the host address (hairpin).
pve_fetch_inside() { # vmid port
	printf 'GET / HTTP/1.0\r\n\r\n' | lxc-attach -P "$LXCPATH" -n "$1" -- nc -w 3 "$(net4 4 1)" "$2" 2>/dev/null || true
}

# The elements of vmid's firewall bridge in our three tables (see portfwd.h).
pve_fwbr_elements() { # vmid
	local vmid=$1
	{
		nft list table inet "$PVE_TABLE" 2>/dev/null | grep -o "\"fwbr${vmid}i0\" comment \"$vmid\"" || true
		nft list table arp "$PVE_TABLE" 2>/dev/null | grep -o "\"fwbr${vmid}i0\" comment \"$vmid\"" || true
		nft list table bridge "$PVE_TABLE" 2>/dev/null | grep -o "\"fwpr${vmid}p0\" \. [0-9a-f:]* comment \"$vmid\"" || true
	} | wc -l
}

pve_hairpin_mode() { ip -d link show "$1" | grep -o "hairpin [a-z]*"; }

# firewall=1: the container reaches its own forward through the host's
# address. Hairpin mode goes on fwpr (the vmbr's port), with the elements
# that make br_netfilter's two passes work; both go with the last forward
# (a live `port del`), come back with `port add`, and `port sync` puts
# back a bridge table someone deleted. fwbr must keep the container's MAC
# on its veth port, where a frame sent back with that MAC would move it.
pve_firewall_hairpin() {
	local vmid=$((PVE_NET_VMID + 16)) mac out
	pve_dhcp_ct "$vmid" firewall
	ct_start "$vmid" || fail "start refused: $(grep "CT $vmid:" "$SYSLOG" | tail -n3)"
	lxc-attach -P "$LXCPATH" -n "$vmid" -- ip addr add "$(net4 4 16)/24" dev eth0
	lxc-attach -P "$LXCPATH" -n "$vmid" -- ip route add default via "$(net4 4 1)"
	lxc-attach -P "$LXCPATH" -n "$vmid" -- httpd -p 80 -h /www
	pve_wait_status "$vmid" 10 "port0 tcp 8990: active ($(net4 4 16):80)"
	assert_eq "$(pve_hairpin_mode "fwpr${vmid}p0")" "hairpin on" "fwpr's hairpin mode"
	assert_eq "$(pve_fwbr_elements "$vmid")" 3 "the firewall bridge's elements"
	assert_contains "$(pve_fetch_inside "$vmid" 8990)" "hello from CT $vmid" "the container -> $(net4 4 1):8990 (hairpin)"
	assert_contains "$(pve_fetch_inside "$vmid" 8990)" "hello from CT $vmid" "hairpin, a second connection"
	assert_eq "$(pve_fetch 8990)" "hello from CT $vmid" "the host -> $(net4 4 1):8990"
	mac=$(lxc-attach -P "$LXCPATH" -n "$vmid" -- cat /sys/class/net/eth0/address)
	assert_contains "$(bridge fdb show br "fwbr${vmid}i0" | grep "^$mac ")" "dev veth${vmid}i0" "where fwbr has the container's MAC"
	# The container's ARP for its gateway gets the vmbr's answer only.
	lxc-attach -P "$LXCPATH" -n "$vmid" -- ip neigh flush dev eth0
	assert_contains "$(pve_fetch_inside "$vmid" 8990)" "hello from CT $vmid" "hairpin after the container's ARP cache was flushed"
	assert_eq "$(lxc-attach -P "$LXCPATH" -n "$vmid" -- ip neigh show "$(net4 4 1)" | awk '{ print $5 }')" \
		"$(cat "/sys/class/net/$PVE_BR0/address")" "the container's gateway MAC"

	out=$("${LXCRI[@]}" port del "$vmid" tcp 8990 2>&1) || fail "port del: $out"
	assert_eq "$(pve_hairpin_mode "fwpr${vmid}p0")" "hairpin off" "fwpr's hairpin mode without forwards"
	assert_eq "$(pve_fwbr_elements "$vmid")" 0 "the firewall bridge's elements without forwards"
	out=$("${LXCRI[@]}" port add "$vmid" tcp 8990 80 --net eth0 2>&1) || fail "port add: $out"
	assert_eq "$(pve_hairpin_mode "fwpr${vmid}p0")" "hairpin on" "fwpr's hairpin mode after port add"
	assert_contains "$(pve_fetch_inside "$vmid" 8990)" "hello from CT $vmid" "hairpin after port add"

	nft delete table bridge "$PVE_TABLE"
	assert_eq "$(pve_fetch_inside "$vmid" 8990)" "" "hairpin without the bridge table"
	out=$("${LXCRI[@]}" port sync 2>&1) || fail "port sync: $out"
	assert_eq "$(pve_fwbr_elements "$vmid")" 3 "the firewall bridge's elements after port sync"
	assert_contains "$(pve_fetch_inside "$vmid" 8990)" "hello from CT $vmid" "hairpin after port sync"

	ct_stop "$vmid"
	assert_eq "$(pve_elements "$vmid")" 0 "elements after the stop"
	assert_eq "$(pve_fwbr_elements "$vmid")" 0 "the firewall bridge's elements after the stop"
}

# OCI hooks on a PVE node (hook version 0, PVE's own hooks beside ours).
pve_oci_hooks() {
	local vmid=$((PVE_NET_VMID + 3)) pam=$T/pam out=$T/hook-out
	mkdir -p "$T/hooks.d" "$pam"
	printf 'auth sufficient pam_rootok.so\naccount required pam_permit.so\nsession required pam_permit.so\n' >"$pam/lxcri-hook"
	printf '#!/bin/sh\necho "$1 $(cat)" >>%s\n' "$out" >"$T/hook.sh"
	chmod 755 "$T/hook.sh"
	for s in createRuntime poststop; do
		printf '{"version": "1.0.0", "hook": {"path": "%s", "args": ["hook.sh", "%s"]}, "when": {"always": true}, "stages": ["%s"]}\n' \
			"$T/hook.sh" "$s" "$s" >"$T/hooks.d/$s.json"
	done
	pve_ct_create "$vmid"
	printf 'hooks: dir=%s\n' "$T/hooks.d" >"$PVE/lxcri/$vmid.conf"
	PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR=$pam LD_PRELOAD=$(dpkg -L libpam-wrapper | grep '/libpam_wrapper\.so$' | head -n1) \
		ct_start "$vmid" || fail "start refused: $(grep "CT $vmid:" "$SYSLOG" | tail -n3)"
	PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR=$pam LD_PRELOAD=$(dpkg -L libpam-wrapper | grep '/libpam_wrapper\.so$' | head -n1) \
		ct_stop "$vmid"
	assert_eq "$(cut -d' ' -f1 "$out" | tr '\n' ' ')" "createRuntime poststop " "the hooks that ran"
	assert_eq "$(head -n1 "$out" | cut -d' ' -f2- | jq -r '[.id, .status] | join(" ")')" "$vmid creating" "state of createRuntime"
	assert_contains "$(cat "$PVE_HOOK_LOG")" "pve-prestart $vmid lxc pre-start" "PVE's own hook"
	assert_missing "$RUN/$vmid"
}

run_test "On a PVE node, lxcri's net1 comes up beside PVE's net0: both inside, host end lx...n1, pings on both" pve_net1_beside_net0
run_test "On a PVE node, net1 named like PVE's eth0 refuses the start, naming eth0, with nothing created" pve_net1_named_eth0_refused
run_test "On a PVE node, vmids 44257 and 59801 (same hashed host name) both get net1, and neither start nor stop of one removes the other's link" pve_colliding_vmids_keep_their_links
run_test "On a PVE node, a port forward reaches PVE's own net0 (net=eth0)" pve_port_to_net0
run_test "On a PVE node, a forward goes to PVE's ip= of the net, not to what the container put on eth0" pve_port_target_from_config
run_test "On a PVE node, a netN with a static ip= gets its forward at start, before the container's init sets the address" pve_static_ip_forward_at_start
run_test "On a PVE node, a forward to a netN with ip=dhcp does not refuse the start: pending in lxcri status, applied once the address appears" pve_dhcp_forward_once_address_appears
run_test "On a PVE node, an address the container chose on an ip=dhcp net (127.0.0.1, another subnet, the host's) is refused: failed in lxcri status, nothing in nftables" pve_dhcp_bad_address_refused
run_test "On a PVE node, no address within port-address-timeout: failed in lxcri status, nothing applied, no process left" pve_dhcp_timeout_fails
run_test "On a PVE node, a stop while a forward waits leaves no waiting process and nothing applied; a restart waits for its own run only" pve_dhcp_stop_while_pending
run_test "On a PVE node with firewall=1 (fwbr/fwpr), an ip=dhcp address is checked against the vmbr's subnet and gets its forward" pve_dhcp_firewall_bridge
run_test "On a PVE node with firewall=1, the container reaches its own forward through the host (hairpin on fwpr), also after port del/add and a deleted bridge table; nothing left after the stop" pve_firewall_hairpin
run_test "On a PVE node (hook version 0), the OCI hooks run as on plain LXC" pve_oci_hooks
run_test "lxcri status --cluster shows the containers of both nodes from their summaries in /etc/pve; an offline node, an old summary and a moved container are marked; without quorum a start works and the summary is skipped" cluster_view
finish
