# shellcheck shell=bash
# The integration harness, sourced by every tests/integration/test_*.sh.
#
# Real LXC containers (busybox template) in a private lxcpath under a temp
# dir; the drop-in included per container, with every lxcri path root
# pointed into the temp dir, so the host's own containers, drop-ins and
# /etc, /run are never touched. Everything is cleaned up at exit, even when
# a test fails. Each test runs in a subshell with `set -e`.
#
#   run_test "<the user story it proves>" function
#   finish                      prints "N passed, N failed[, N skipped]"

set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
case "$BUILD" in /*) ;; *) BUILD="$TOP/$BUILD" ;; esac
T=$(mktemp -d /tmp/lxcri-it-XXXXXX)
chmod 755 "$T"
LXCPATH=$T/lxc
ETC=$T/etc
RUN=$T/run
PVE=$T/pve
LXCCONF=$T/lxcconf
SYSLOG=$T/syslog
export LXCRI_LOG_SOCKET=$T/log.sock
# The lxcri command and the hook's options, pointed at the test roots
# (pve_use_node points them at a node of a simulated cluster).
PVE_LOCKS=$T/pvelock # PVE's config locks (/run/lock/lxc)
IMAGES=$T/images     # the OCI image store (/var/lib/lxcri/images)
METRICS=$T/textfile  # node_exporter's textfile directory (/var/lib/prometheus/node-exporter)
harness_roots() {
	LXCRI=("$BUILD/lxcri" --etc-dir="$ETC" --run-dir="$RUN" --pve-dir="$PVE"
		--libexec-dir="$BUILD" --lxc-config-dir="$LXCCONF" --lxc-path="$LXCPATH"
		--pve-lock-dir="$PVE_LOCKS" --images-dir="$IMAGES" --metrics-dir="$METRICS")
	HOOK_OPTS="--etc-dir=$ETC --run-dir=$RUN --pve-dir=$PVE --libexec-dir=$BUILD --lxc-config-dir=$LXCCONF --lxc-path=$LXCPATH --pve-lock-dir=$PVE_LOCKS --images-dir=$IMAGES --metrics-dir=$METRICS"
}
harness_roots
PASSED=0 FAILED=0 SKIPPED=0
TEMPLATE=tmpl-busybox

mkdir -p "$LXCPATH" "$ETC/containers" "$LXCCONF/common.conf.d"
# The drop-in, as installed, with the hook pointed at this build and these roots.
sed "s|^\(lxc.hook.[a-z-]*\) = .*/lxcri-hook$|\1 = $BUILD/lxcri-hook $HOOK_OPTS|" \
	"$BUILD/50-lxcri.conf" >"$LXCCONF/common.conf.d/50-lxcri.conf"
DROPIN=$LXCCONF/common.conf.d/50-lxcri.conf

"$BUILD/tests/logsink" "$LXCRI_LOG_SOCKET" "$SYSLOG" &
LOGSINK_PID=$!

harness_cleanup() {
	local ct
	for ct in $(lxc-ls -P "$LXCPATH" -1 2>/dev/null); do
		lxc-stop -P "$LXCPATH" -n "$ct" -k >/dev/null 2>&1
		lxc-destroy -P "$LXCPATH" -n "$ct" -f >/dev/null 2>&1
	done
	# Last resort: a monitor of ours that lxc-stop could not reach, and its container.
	local m
	for m in $(pgrep -f "^\[lxc monitor\] $LXCPATH " 2>/dev/null); do
		pkill -9 -P "$m" 2>/dev/null
		kill -9 "$m" 2>/dev/null
	done
	kill "$LOGSINK_PID" 2>/dev/null
	wait "$LOGSINK_PID" 2>/dev/null
	pve_cluster_stop
	# Anything a test mounted under the temp dir.
	grep -o " $T[^ ]*" /proc/mounts 2>/dev/null | sort -r | while read -r m; do umount -l "$m"; done
	rm -rf "$T"
}
trap harness_cleanup EXIT
trap 'exit 130' INT TERM

for _ in $(seq 50); do [ -S "$LXCRI_LOG_SOCKET" ] && break; sleep 0.02; done

# --- assertions (return non-zero, which ends the test under set -e) ---
fail() {
	echo "FAIL: $*" >&2
	return 1
}
assert_eq() { # actual expected [what]
	[ "$1" == "$2" ] || fail "${3:-value}: expected '$2', got '$1'"
}
assert_contains() { # haystack needle [what]
	[[ "$1" == *"$2"* ]] || fail "${3:-output} does not contain '$2': $1"
}
assert_not_contains() {
	[[ "$1" != *"$2"* ]] || fail "${3:-output} contains '$2': $1"
}
assert_matches() { # text extended-regex [what]: a line of text matches
	grep -Eq -- "$2" <<<"$1" || fail "${3:-output} has no line matching '$2': $1"
}
assert_exists() { [ -e "$1" ] || fail "'$1' does not exist"; }
assert_missing() { [ ! -e "$1" ] || fail "'$1' exists"; }
skip() {
	echo "SKIP: $*" >&2
	exit 77
}

# --- containers ---
ensure_template() {
	[ -d "$LXCPATH/$TEMPLATE" ] && return 0
	printf 'lxc.net.0.type = empty\nlxc.apparmor.profile = unconfined\n' >"$T/default.conf"
	lxc-create -P "$LXCPATH" -n "$TEMPLATE" -t busybox -f "$T/default.conf" >"$T/template.log" 2>&1 ||
		{ cat "$T/template.log" >&2; return 1; }
}

# ct_create <name> [v1]: a busybox container with the drop-in included.
ct_create() {
	local name=$1 version=${2:-v0}
	ensure_template
	lxc-copy -P "$LXCPATH" -n "$TEMPLATE" -N "$name" >/dev/null
	{
		echo "lxc.include = $DROPIN"
		[ "$version" == v1 ] && echo "lxc.hook.version = 1"
	} >>"$LXCPATH/$name/config"
	return 0
}

ct_start() { # name: 0 if it runs
	lxc-start -P "$LXCPATH" -n "$1" -l DEBUG -o "$T/$1.lxc.log"
}
ct_state() { lxc-info -P "$LXCPATH" -n "$1" -s -H 2>/dev/null; }
ct_stop() {
	lxc-stop -P "$LXCPATH" -n "$1" -k >/dev/null 2>&1 || true
	# post-stop runs in LXC's monitor after the container is gone: wait for it.
	local i
	for i in $(seq 100); do
		[ "$(ct_state "$1")" == STOPPED ] && ! pgrep -f "\[lxc monitor\] $LXCPATH $1\$" >/dev/null && break
		sleep 0.05
	done
}
ct_destroy() {
	ct_stop "$1"
	lxc-destroy -P "$LXCPATH" -n "$1" -f >/dev/null 2>&1 || true
}
ct_exec() { # name cmd...
	local name=$1
	shift
	lxc-attach -P "$LXCPATH" -n "$name" -- "$@"
}
ct_config() { # name: writes stdin as the container's lxcri config (plain LXC)
	cat >"$ETC/containers/$1.conf"
}

# --- simulated PVE node ---
# /etc/pve as pmxcfs shows it (pmxcfs-sim, see below: node pve1 of a
# two-node cluster, pve2 beside it) and a PVE-shaped LXC config: numeric
# name, hook version 0 (the default), common.conf included, and PVE's own
# hooks in a 01-pve.conf drop-in before ours (post-stop exits 1 on reboot,
# as PVE's does).
pve_node_setup() {
	pve_cluster_start
	mkdir -p "$PVE/lxcri" "$T/pvehooks"
	cat >"$T/pvehooks/prestart" <<'EOS'
#!/bin/sh
echo "pve-prestart $*" >>"$PVE_HOOK_LOG"
exit 0
EOS
	cat >"$T/pvehooks/poststop" <<'EOS'
#!/bin/sh
echo "pve-poststop $* target=$LXC_TARGET" >>"$PVE_HOOK_LOG"
[ "$LXC_TARGET" = reboot ] && exit 1
exit 0
EOS
	chmod +x "$T/pvehooks/prestart" "$T/pvehooks/poststop"
	export PVE_HOOK_LOG=$T/pve-hooks.log
	printf 'lxc.hook.pre-start = %s\nlxc.hook.post-stop = %s\n' \
		"$T/pvehooks/prestart" "$T/pvehooks/poststop" >"$LXCCONF/common.conf.d/01-pve.conf"
	# What /usr/share/lxc/config/common.conf does, minus what does not apply here.
	cat >"$LXCCONF/common.conf" <<EOS
lxc.pty.max = 1024
lxc.tty.max = 4
lxc.cap.drop = mac_admin mac_override sys_time sys_module sys_rawio
lxc.mount.auto = cgroup:mixed proc:mixed sys:mixed
lxc.include = $LXCCONF/common.conf.d/
EOS
}

# pve_ct_create <vmid>: /etc/pve/lxc/<vmid>.conf plus the LXC config PVE generates.
pve_ct_create() {
	local vmid=$1
	ensure_template
	lxc-copy -P "$LXCPATH" -n "$TEMPLATE" -N "$vmid" >/dev/null
	printf 'arch: amd64\nhostname: ct%s\nmemory: 512\nostype: unmanaged\nrootfs: local:%s/vm-%s-disk-0.raw,size=1G\n' \
		"$vmid" "$vmid" "$vmid" >"$PVE/lxc/$vmid.conf"
	cat >"$LXCPATH/$vmid/config" <<EOS
lxc.arch = amd64
lxc.include = $LXCCONF/common.conf
lxc.apparmor.profile = unconfined
lxc.monitor.unshare = 1
lxc.tty.max = 2
lxc.environment = TERM=linux
lxc.uts.name = ct$vmid
lxc.rootfs.path = dir:$LXCPATH/$vmid/rootfs
lxc.net.0.type = empty
lxc.mount.entry = /lib lib none ro,bind 0 0
lxc.mount.entry = /usr/lib usr/lib none ro,bind 0 0
lxc.mount.entry = /lib64 lib64 none ro,bind 0 0
lxc.signal.halt = SIGUSR1
lxc.signal.reboot = SIGTERM
EOS
	cp "$LXCPATH/$vmid/config" "$LXCPATH/$vmid/config.pve"
}

# pve_update_lxc_config <vmid> [common.conf]: the LXC config as PVE's
# update_lxc_config writes it at every start: its own keys (those of
# pve_ct_create), then the raw lxc.* keys of the main section of
# /etc/pve/lxc/<vmid>.conf as "key = value", in their order. common.conf:
# another file in place of $LXCCONF/common.conf (a node whose drop-ins differ).
pve_update_lxc_config() {
	local vmid=$1 common=${2:-$LXCCONF/common.conf}
	{
		sed "s|^lxc.include = $LXCCONF/common.conf\$|lxc.include = $common|" "$LXCPATH/$vmid/config.pve"
		sed -n -e '/^\[/q' -e 's/[[:space:]]*$//' \
			-e 's/^\(lxc\.[a-z0-9_.-]*\)\(:\|[[:space:]]*=\)[[:space:]]*\(.*\)$/\1 = \3/p' "$PVE/lxc/$vmid.conf"
	} >"$LXCPATH/$vmid/config"
}

# --- a simulated PVE cluster on the pmxcfs-like filesystem ---
# tests/pmxcfs/pmxcfs-sim.c: one store under $T, one FUSE mount per node at
# $T/pve-<node>, all showing the same tree as pmxcfs shows /etc/pve. A test
# that starts a cluster gets it stopped (unmounted, its daemons gone, the
# store removed) when it ends, failed or not; a cluster started outside
# run_test lives until the suite ends. pve_node_setup's plain $PVE
# directory is not touched.
#   pve_cluster_start [--local] [--max-store BYTES] [node...]
#                     nodes pve1 pve2 by default, cluster "lxcri-test" (--local:
#                     one node in pmxcfs's local mode); then acts as the first node
#   pve_use_node <node>   $PVE, lxcri (${LXCRI[@]}) and the hooks of containers
#                         started from now on act as that node
#   pve_quorum 0|1        the cluster loses or regains quorum
#   pve_node_online <node> 0|1   .members shows the node offline or online
#   pve_cluster_stop
PVE_PLAIN=$PVE
PVE_STORE=$T/pve-store
PVE_CLUSTER=lxcri-test
PMXCFS_RUN=$T/pmxcfs

pve_mount() { echo "$T/pve-$1"; } # node

# The nodes of the running cluster, one per line.
pve_cluster_nodes() {
	local f
	for f in "$PMXCFS_RUN"/*.pid; do
		[ -e "$f" ] && basename "$f" .pid
	done
	return 0
}

# A pmxcfs-sim of ours, still running (not a zombie, not another program
# that got the pid).
pmxcfs_running() { # pid
	local state
	state=$(sed -n 's/^State:\s*\(.\).*/\1/p' "/proc/$1/status" 2>/dev/null)
	[ -n "$state" ] && [ "$state" != Z ] && grep -q "pmxcfs-sim" "/proc/$1/cmdline" 2>/dev/null
}

pve_mounted() { grep -q " $1 fuse" /proc/mounts; } # mountpoint

pve_cluster_start() {
	local nodes=() opts=() local_mode=0 list node mnt pid i
	while [ $# -gt 0 ]; do
		case $1 in
		--local) local_mode=1 ;;
		--max-store) opts+=(--max-store "$2") && shift ;;
		*) nodes+=("$1") ;;
		esac
		shift
	done
	[ ${#nodes[@]} -gt 0 ] || nodes=(pve1 pve2)
	[ -z "$(pve_cluster_nodes)" ] || fail "a simulated cluster runs already: $(pve_cluster_nodes)"
	if [ $local_mode -eq 1 ]; then
		[ ${#nodes[@]} -eq 1 ] || fail "--local is one node, not: ${nodes[*]}"
	else
		opts+=(--cluster "$PVE_CLUSTER")
	fi
	list=$(IFS=,; echo "${nodes[*]}")
	mkdir -p "$PMXCFS_RUN"
	for node in "${nodes[@]}"; do
		mnt=$(pve_mount "$node")
		mkdir -p "$mnt"
		"$BUILD/tests/pmxcfs-sim" --store "$PVE_STORE" --node "$node" --nodes "$list" "${opts[@]}" \
			"$mnt" </dev/null >"$PMXCFS_RUN/$node.log" 2>&1 &
		pid=$!
		echo "$pid" >"$PMXCFS_RUN/$node.pid"
		for i in $(seq 250); do
			pve_mounted "$mnt" && break
			pmxcfs_running "$pid" || break
			sleep 0.02
		done
		pve_mounted "$mnt" || fail "pmxcfs-sim of $node did not mount $mnt: $(cat "$PMXCFS_RUN/$node.log")"
	done
	pve_use_node "${nodes[0]}"
}

pve_use_node() { # node
	[ -e "$PMXCFS_RUN/$1.pid" ] || fail "no simulated node '$1'"
	pve_point_at "$(pve_mount "$1")"
}

pve_point_at() { # dir
	PVE=$1
	harness_roots
	sed -i "s|--pve-dir=[^ ]*|--pve-dir=$1|g" "$DROPIN"
}

# Unmounts every node (fusermount3 -u, lazily if busy), waits for its
# daemon to exit (ends it if the mount was busy), removes the store; points
# $PVE back at the plain directory.
pve_cluster_stop() {
	local node mnt pid i stopped=0 tries
	for node in $(pve_cluster_nodes); do
		stopped=1
		mnt=$(pve_mount "$node")
		pid=$(cat "$PMXCFS_RUN/$node.pid")
		# Unmounted, the daemon exits at once; detached while busy, it would
		# serve the open files until they close: it is ended then.
		tries=100
		if grep -q " $mnt " /proc/mounts && ! fusermount3 -u "$mnt" 2>/dev/null; then
			umount -l "$mnt" || true
			tries=1
		fi
		for i in $(seq $tries); do
			pmxcfs_running "$pid" || break
			sleep 0.05
		done
		if pmxcfs_running "$pid"; then
			echo "pmxcfs-sim of $node did not exit after the unmount: ending it" >&2
			kill "$pid" 2>/dev/null || true
			sleep 0.2
			! pmxcfs_running "$pid" || kill -9 "$pid" 2>/dev/null || true
		fi
		# Reaped if it is our child; its exit status is in its log.
		wait "$pid" 2>/dev/null || true
		! grep -q " $mnt " /proc/mounts || umount -l "$mnt" || true
		rm -f "$PMXCFS_RUN/$node.pid"
		rmdir "$mnt" 2>/dev/null || true
	done
	rm -rf "$PVE_STORE"
	# A test's subshell may have pointed the drop-in at a node.
	[ $stopped -eq 0 ] || pve_point_at "$PVE_PLAIN"
	return 0
}

pve_quorum() { # 0|1
	echo "$1" >"$PVE_STORE/.control/quorate.new"
	mv "$PVE_STORE/.control/quorate.new" "$PVE_STORE/.control/quorate"
}

pve_node_online() { # node 0|1
	local f=$PVE_STORE/.control/offline
	{ grep -vx "$1" "$f" 2>/dev/null || true; } >"$f.new"
	[ "$2" != 0 ] || echo "$1" >>"$f.new"
	mv "$f.new" "$f"
}

# pve_ct_unprivileged <vmid>: makes a container of pve_ct_create unprivileged,
# as `pct create --unprivileged 1` does: "unprivileged: 1" in its PVE config,
# PVE's id map in its LXC config, and its rootfs owned by the mapped root.
pve_ct_unprivileged() {
	local vmid=$1 rootfs=$LXCPATH/$1/rootfs
	echo "unprivileged: 1" >>"$PVE/lxc/$vmid.conf"
	printf 'lxc.idmap = u 0 100000 65536\nlxc.idmap = g 0 100000 65536\n' |
		tee -a "$LXCPATH/$vmid/config.pve" >>"$LXCPATH/$vmid/config"
	# The busybox template's files are all root's: they become the mapped root's.
	[ -z "$(find "$rootfs" -xdev ! -uid 0 -print -quit)" ] || fail "$rootfs has files not owned by root"
	chown -R -h 100000:100000 "$rootfs"
	# The mapped root must reach its rootfs (lxc-copy made the directory 0770).
	chmod 755 "$LXCPATH/$vmid"
}

# --- running tests ---
# Every test starts from empty roots and an empty syslog.
reset_roots() {
	local n
	grep -o " $T/[^ ]*" /proc/mounts 2>/dev/null | grep -v "^ $LXCPATH" | grep -v "^ $T/pve-" | sort -r |
		while read -r m; do umount -l "$m"; done
	rm -rf "$ETC" "$RUN"
	mkdir -p "$ETC/containers"
	# A suite's own lxcri.conf for each of its tests.
	if [ -n "${SUITE_SETTINGS:-}" ]; then printf '%s\n' "$SUITE_SETTINGS" >"$ETC/lxcri.conf"; fi
	# A simulated cluster kept from an earlier test: quorate, every node online.
	if [ -n "$(pve_cluster_nodes)" ]; then
		pve_quorum 1
		for n in $(pve_cluster_nodes); do pve_node_online "$n" 1; done
	fi
	[ -d "$PVE/lxcri" ] && rm -rf "$PVE"/lxcri/*
	: >"$SYSLOG"
}

run_test() { # "story" function; LXCRI_TEST_ONLY=<regex> runs only the functions it matches
	local story=$1 fn=$2 out=$T/test.out rc start cluster_before
	[[ -z "${LXCRI_TEST_ONLY:-}" || "$fn" =~ $LXCRI_TEST_ONLY ]] || return 0
	reset_roots
	cluster_before=$(pve_cluster_nodes)
	start=$(date +%s%N)
	(set -e; "$fn") >"$out" 2>&1
	rc=$?
	# Each test's containers go, whatever happened, then a cluster it started.
	for ct in $(lxc-ls -P "$LXCPATH" -1 2>/dev/null); do
		[ "$ct" == "$TEMPLATE" ] || ct_destroy "$ct"
	done
	[ -n "$cluster_before" ] || pve_cluster_stop
	local tenths=$((($(date +%s%N) - start) / 100000000))
	local took=$((tenths / 10)).$((tenths % 10))
	if [ $rc -eq 0 ]; then
		PASSED=$((PASSED + 1))
		echo "ok - $story (${took}s)"
	elif [ $rc -eq 77 ]; then
		SKIPPED=$((SKIPPED + 1))
		echo "skip - $story: $(grep SKIP: "$out" | tail -n1)"
	else
		FAILED=$((FAILED + 1))
		echo "not ok - $story"
		sed 's/^/  /' "$out" | tail -n 40
	fi
}

finish() {
	if [ "$SKIPPED" -gt 0 ]; then
		echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
	else
		echo "$PASSED passed, $FAILED failed"
	fi
	[ "$FAILED" -eq 0 ]
	exit $?
}

# --- networks (test_net.sh, test_pve.sh) ---
# Test bridges, client namespaces and CNI networks get names and subnets
# unique to this run, since other runs may share the host's network
# namespace: 10.<NET_OCTET>.<n>.0/24 and fd42:0:<NET_OCTET>:<n>::/64 for
# bridge n. Each is recorded in $NET_LINKS when made, and net_exit (the
# EXIT trap net_setup installs) removes them all, and any host end of our
# containers' networks, even when a test failed.
NET_SUFFIX=$(printf '%x' $$)
NET_OCTET=$((64 + $$ % 160))
NET_LINKS=$T/net-links

net_setup() {
	# A second octet that no route of the host uses yet (another run's bridges).
	for _ in $(seq 160); do
		ip -4 route show | grep -q "^10\.$NET_OCTET\." || break
		NET_OCTET=$((64 + (NET_OCTET - 63) % 160))
	done
	: >"$NET_LINKS"
	trap net_exit EXIT
}

net_exit() {
	local ct prefixes="" links l ours=""
	for ct in $(lxc-ls -P "$LXCPATH" -1 2>/dev/null); do
		prefixes="$prefixes $(lx_host_ifname "$ct" "")"
		ours="$ours $(host_links_of "$ct")"
	done
	links=$(cat "$NET_LINKS" 2>/dev/null)
	harness_cleanup
	# Ports a failed teardown left on our bridges go with them.
	for l in $links; do
		[[ "$l" == netns:* ]] || links="$(ip -o link show master "$l" 2>/dev/null |
			awk -F': ' '{ sub(/@.*/, "", $2); print $2 }') $links"
	done
	for l in $links; do
		case $l in
		netns:*) ip netns del "${l#netns:}" ;;
		*) ip link del "$l" ;;
		esac
	done 2>/dev/null
	for l in $(host_link_names); do
		for ct in $prefixes; do [[ "$l" == "$ct"* ]] && ip link del "$l" 2>/dev/null; done
	done
	for l in $ours; do ip link del "$l" 2>/dev/null; done
	return 0
}

# The host end of net<index> of a container: "lx" + 8 hex digits of a
# 64-bit FNV-1a hash of the id (high half folded in) + "n" + index, as
# netlink_host_ifname() names it first (a name another link has already
# makes lxcri try others, and record the one it used). An empty index gives
# the prefix.
lx_host_ifname() { # id index
	local id=$1 h i c
	h=$((0xcbf29ce484222325))
	for ((i = 0; i < ${#id}; i++)); do
		printf -v c '%d' "'${id:i:1}"
		h=$(((h ^ c) * 0x100000001b3))
	done
	printf 'lx%08xn%s\n' $(((h ^ ((h >> 32) & 0xffffffff)) & 0xffffffff)) "$2"
}

host_link_names() { ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }'; }

# The links on the host that are host ends of a container's networks: those
# whose alias names it ("lxcri <id> net<N>"), and those named after it that
# have no alias (a crash right after the link was made, before its alias).
host_links_of() { # id
	ip -j link show | jq -r --arg prefix "$(lx_host_ifname "$1" "")" --arg alias "lxcri $1 " \
		'.[] | select(((.ifalias // "") | startswith($alias)) or
			((.ifalias // "") == "" and (.ifname | startswith($prefix)))) | .ifname'
}

net4() { echo "10.$NET_OCTET.$1.$2"; } # bridge-number host-number

# Deletes the port forwarding tables named $1: inet, and bridge and arp
# (PVE's firewall bridges).
nft_delete_tables() {
	local family
	for family in inet bridge arp; do nft delete table "$family" "$1" 2>/dev/null || true; done
}
net6() { echo "fd42:0:$NET_OCTET:$1::$2"; }

# net_bridge <n> [mtu]: the test bridge n (made once), addressed .1 on the
# host; prints its name.
net_bridge() {
	local name=lxbt${NET_SUFFIX}b$1
	if ! ip link show "$name" >/dev/null 2>&1; then
		echo "$name" >>"$NET_LINKS"
		ip link add "$name" type bridge || return 1
		[ -z "${2:-}" ] || ip link set "$name" mtu "$2"
		ip addr add "$(net4 "$1" 1)/24" dev "$name"
		ip addr add "$(net6 "$1" 1)/64" dev "$name" nodad
		ip link set "$name" up
	fi
	echo "$name"
}

# net_router <n> <m>: a client namespace on bridge n at .254 that also
# holds 10.<NET_OCTET>.<m>.1 (a network only reachable through it); prints
# the namespace's name.
net_router() {
	local ns=lxnst${NET_SUFFIX}r$1 host=lxrt${NET_SUFFIX}r$1 br
	br=$(net_bridge "$1")
	if ! ip netns list | grep -q "^$ns\b"; then
		echo "netns:$ns" >>"$NET_LINKS"
		echo "$host" >>"$NET_LINKS"
		ip netns add "$ns"
		ip link add "$host" type veth peer name eth0 netns "$ns"
		ip link set "$host" master "$br" up
		ip -n "$ns" link set lo up
		ip -n "$ns" link set eth0 up
		ip -n "$ns" addr add "$(net4 "$1" 254)/24" dev eth0
		ip -n "$ns" addr add "$(net4 "$2" 1)/32" dev lo
	fi
	echo "$ns"
}

# cni_setup <network> <n>: host settings pointing lxcri's CNI directories
# into $T, and a conflist <network> of Debian's bridge + host-local plugins
# on bridge lxcb<suffix> with subnet n, leases in $CNI_IPAM/<network>.
CNI_DIR=$T/cni
CNI_CONF=$CNI_DIR/net.d
CNI_CACHE=$CNI_DIR/cache
CNI_IPAM=$CNI_DIR/ipam
cni_setup() {
	local net=$1 n=$2 br=lxcb${NET_SUFFIX}c$2
	grep -qx "$br" "$NET_LINKS" 2>/dev/null || echo "$br" >>"$NET_LINKS"
	mkdir -p "$CNI_CONF" "$CNI_CACHE" "$CNI_IPAM" "$ETC"
	cat >"$ETC/lxcri.conf" <<EOS
cni-config-dir: $CNI_CONF
cni-plugin-path: /usr/lib/cni
cni-cache-dir: $CNI_CACHE
cni-timeout: 10
EOS
	cat >"$CNI_CONF/50-$net.conflist" <<EOS
{
  "cniVersion": "1.0.0",
  "name": "$net",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$br",
      "isGateway": true,
      "ipMasq": false,
      "ipam": {
        "type": "host-local",
        "dataDir": "$CNI_IPAM",
        "ranges": [[{ "subnet": "$(net4 "$n" 0)/24" }]]
      }
    }
  ]
}
EOS
}

# The leases host-local holds for a network (files named by address).
cni_leases() { # network
	find "$CNI_IPAM/$1" -maxdepth 1 -type f -name '[0-9]*.*' -printf '%f\n' 2>/dev/null | sort
}
cni_cache_files() { find "$CNI_CACHE" -type f -printf '%P\n' 2>/dev/null | sort; }

# Records link events of the host while a command runs: link_watch_start,
# then link_watch_stop prints what happened to links whose name starts
# with the prefix.
link_watch_start() {
	ip -o monitor link >"$T/link-watch" 2>&1 &
	LINK_WATCH_PID=$!
	sleep 0.2
}
link_watch_stop() { # prefix
	sleep 0.1
	kill "$LINK_WATCH_PID" 2>/dev/null
	wait "$LINK_WATCH_PID" 2>/dev/null
	grep -o "[0-9]*: $1[^:@]*" "$T/link-watch" | sort -u || true
}

# The busybox image runs udhcpc on eth0 at boot, which removes the static
# address LXC gave it (lxc.net.0.ipv4.address): not in this container.
ct_no_dhcp() { # name
	sed -i '/udhcpc/d' "$LXCPATH/$1/rootfs/etc/init.d/rcS"
}

# ct_kill_with_monitor <ct>: the container's init and its LXC monitor die
# at once (a host crash, an OOM kill), so that no stop or post-stop hook
# runs: what lxcri recorded stays for the next start to clean up.
ct_kill_with_monitor() { # ct
	local pid
	pid=$(lxc-info -P "$LXCPATH" -n "$1" -p -H)
	[ -n "$pid" ] || fail "'$1' has no init to kill"
	pkill -9 -f "^\[lxc monitor\] $LXCPATH $1\$"
	kill -9 "$pid"
	for _ in $(seq 100); do
		[ "$(ct_state "$1")" == STOPPED ] && ! kill -0 "$pid" 2>/dev/null && return 0
		sleep 0.05
	done
	fail "'$1' (init $pid) still running after SIGKILL"
}

# --- a crash injected into a helper ---
# crash_setup <ct> <helper>: the container's drop-in runs the helper through
# a wrapper; when $T/fi/spec holds an strace inject spec ("sendmsg:signal=
# KILL:when=3"), the helper's next start-host runs under strace, which
# SIGKILLs it at that call; the wrapper then kills lxcri-lifecycle, the
# container and its LXC monitor, so that no rollback and no stop hook runs:
# a host crash as far as lxcri can tell. $T/fi/result says "killed" or
# "completed <rc>".
crash_setup() { # ct helper
	local fi=$T/fi helper=$2
	mkdir -p "$fi/libexec"
	ln -sf "$BUILD"/lxcri-* "$fi/libexec/"
	rm -f "$fi/libexec/$helper"
	cat >"$fi/libexec/$helper" <<EOS
#!/bin/bash
spec=\$(cat "$fi/spec" 2>/dev/null)
if [ "\$1" != start-host ] || [ -z "\$spec" ]; then
	exec "$BUILD/$helper" "\$@"
fi
: >"$fi/spec"
strace -qq -o /dev/null -e "inject=\$spec" "$BUILD/$helper" "\$@"
rc=\$?
if [ \$rc -eq 137 ]; then
	echo killed >"$fi/result"
	kill -9 \$PPID
	pkill -9 -f "^\\[lxc monitor\\] $LXCPATH \$2\\\$"
	kill -9 "\$LXC_PID"
	exit 137
fi
echo "completed \$rc" >"$fi/result"
exit \$rc
EOS
	chmod +x "$fi/libexec/$helper"
	sed "s| --libexec-dir=$BUILD | --libexec-dir=$fi/libexec |" "$DROPIN" >"$LXCCONF/crash.conf"
	grep -q -- "--libexec-dir=$fi/libexec " "$LXCCONF/crash.conf" || fail "no --libexec-dir in $DROPIN"
	sed -i "s|^lxc.include = $DROPIN\$|lxc.include = $LXCCONF/crash.conf|" "$LXCPATH/$1/config"
	grep -q "crash.conf" "$LXCPATH/$1/config" || fail "drop-in not replaced in $LXCPATH/$1/config"
}

