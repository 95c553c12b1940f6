#!/bin/bash
# Port forwards (portN) on real busybox LXC containers: busybox httpd and a
# UDP echo inside, clients in a network namespace routed through the host
# ("another host"), on the host itself (its addresses and 127.0.0.1) and in
# the container (hairpin); IPv4 and IPv6, hostip=, live `lxcri port`,
# conflicts, `lxcri port sync` after a flush, conntrack, a crash during the
# apply, 20 containers at once, and bad input.
#
# The forwards go into an nftables table of this run (port-table), the
# clients into a namespace of this run; traffic only goes to them.
. "$(dirname "$0")/lib.sh"
net_setup

CT=p$NET_SUFFIX
BR1=$(net_bridge 1) # the containers
BR2=$(net_bridge 2) # the client's network
TABLE=lxt$NET_SUFFIX
CLIENT=lxcl$NET_SUFFIX
HOST4=$(net4 2 1) # the host's address on the client's network
HOST6=$(net6 2 1)

# The client: a namespace on BR2 at .254, routed through the host.
echo "netns:$CLIENT" >>"$NET_LINKS"
echo "lxclh$NET_SUFFIX" >>"$NET_LINKS"
ip netns add "$CLIENT"
ip link add "lxclh$NET_SUFFIX" type veth peer name eth0 netns "$CLIENT"
ip link set "lxclh$NET_SUFFIX" master "$BR2" up
ip -n "$CLIENT" link set lo up
ip -n "$CLIENT" link set eth0 up
ip -n "$CLIENT" addr add "$(net4 2 254)/24" dev eth0
ip -n "$CLIENT" addr add "$(net6 2 254)/64" dev eth0 nodad
ip -n "$CLIENT" route add default via "$HOST4"
ip -n "$CLIENT" -6 route add default via "$HOST6"

# The host routes between the two bridges while the suite runs.
FWD4=$(cat /proc/sys/net/ipv4/ip_forward)
FWD6=$(cat /proc/sys/net/ipv6/conf/all/forwarding)
echo 1 >/proc/sys/net/ipv4/ip_forward
echo 1 >/proc/sys/net/ipv6/conf/all/forwarding
LO_ROUTE_LOCALNET=$(cat /proc/sys/net/ipv4/conf/lo/route_localnet)
port_exit() {
	kill "$SECRET_PID" 2>/dev/null
	echo "$LO_ROUTE_LOCALNET" >/proc/sys/net/ipv4/conf/lo/route_localnet
	net_exit
	nft_delete_tables "$TABLE"
	echo "$FWD4" >/proc/sys/net/ipv4/ip_forward
	echo "$FWD6" >/proc/sys/net/ipv6/conf/all/forwarding
}
trap port_exit EXIT

# What a forward must never open: a service of the host bound only to
# 127.0.0.1, and a neighbour on BR3 (another machine on a container's
# bridge) that routes 127.0.0.0/8 to the host, as an attacker would.
BR3=$(net_bridge 3)
SECRET_PORT=$((18000 + $$ % 1000))
mkdir -p "$T/secret"
echo "host secret" >"$T/secret/index.html"
busybox httpd -f -p "127.0.0.1:$SECRET_PORT" -h "$T/secret" &
SECRET_PID=$!
NEIGHBOUR=$(net_router 3 4)
ip -n "$NEIGHBOUR" addr del 127.0.0.1/8 dev lo
ip -n "$NEIGHBOUR" route add 127.0.0.0/8 via "$(net4 3 1)"
ip netns exec "$NEIGHBOUR" sysctl -qw net.ipv4.conf.eth0.route_localnet=1

# The neighbour asking the host for 127.0.0.1:SECRET_PORT: the body, or non-zero.
neighbour_fetch_secret() { ip netns exec "$NEIGHBOUR" curl -sf -m 2 "http://127.0.0.1:$SECRET_PORT/" 2>/dev/null; }
route_localnet() { cat "/proc/sys/net/ipv4/conf/$1/route_localnet"; }

port_settings() { echo "port-table: $TABLE" >"$ETC/lxcri.conf"; }

# The map elements of the table (owner = the element's comment).
elements() { # [owner]
	nft -j list table inet "$TABLE" 2>/dev/null |
		jq --arg o "${1:-}" '[.nftables[] | select(.map) | .map.elem // [] | .[] |
			select($o == "" or .[0].elem.comment == $o)] | length' 2>/dev/null || echo 0
}

# web_ct <ct> <host number> [ports...]: a container on BR1 (WEB_BR=3: on
# BR3; IPv4 and IPv6, the host as gateway) with busybox httpd on 80 and the
# UDP echo on 53.
web_ct() {
	local ct=$1 n=$2 v6=${V6:-yes} b=${WEB_BR:-1} br
	shift 2
	br=$(net_bridge "$b")
	ct_create "$ct"
	cp "$BUILD/tests/udptool" "$LXCPATH/$ct/rootfs/bin/udptool"
	mkdir -p "$LXCPATH/$ct/rootfs/www"
	echo "hello from $ct" >"$LXCPATH/$ct/rootfs/www/index.html"
	{
		if [ "$v6" == yes ]; then
			echo "net1: name=eth1,bridge=$br,ip=$(net4 "$b" "$n")/24;$(net6 "$b" "$n")/64,gw=$(net4 "$b" 1),gw6=$(net6 "$b" 1)"
		else
			echo "net1: name=eth1,bridge=$br,ip=$(net4 "$b" "$n")/24,gw=$(net4 "$b" 1)"
		fi
		printf '%s\n' "$@"
	} | ct_config "$ct"
	port_settings
}

# Starts the services of a running web_ct.
services() { # ct
	ct_exec "$1" httpd -p 80 -h /www
	ct_exec "$1" sh -c 'udptool serve 53 </dev/null >/dev/null 2>&1 &'
	sleep 0.2
}

start_web() { # ct
	ct_start "$1" || fail "start of '$1' refused: $(grep "CT $1:" "$SYSLOG" | tail -n3)"
	services "$1"
}

# HTTP GET of host:port ([v6]:port), 3 s at most (the host's busybox wget cannot resolve).
fetch() { curl -gsf -m 3 "http://$1/" 2>/dev/null; }
client_fetch() { ip netns exec "$CLIENT" curl -gsf -m 3 "http://$1/" 2>/dev/null; }
client_udp() { ip netns exec "$CLIENT" "$BUILD/tests/udptool" send "$@"; } # addr port text [src]

assert_serves() { # what expected-body fetch-command...
	local what=$1 want=$2 got
	shift 2
	got=$("$@") || fail "$what: no answer"
	assert_eq "$got" "$want" "$what"
}
assert_no_answer() { # what command...
	local what=$1
	shift
	if "$@" >/dev/null 2>&1; then fail "$what: still answers"; fi
	return 0
}

forwards_everywhere() {
	local ct=${CT}a
	web_ct "$ct" 5 "port0: proto=tcp,host=8080,ct=80" "port1: proto=udp,host=5353,ct=53"
	start_web "$ct"
	# From another host, routed through this one: TCP and UDP, IPv4 and IPv6.
	assert_serves "client -> $HOST4:8080" "hello from $ct" client_fetch "$HOST4:8080"
	assert_serves "client -> [$HOST6]:8080" "hello from $ct" client_fetch "[$HOST6]:8080"
	assert_eq "$(client_udp "$HOST4" 5353 ping)" "$ct ping" "client -> udp $HOST4:5353"
	assert_eq "$(client_udp "$HOST6" 5353 ping6)" "$ct ping6" "client -> udp [$HOST6]:5353"
	# From the host itself: its own addresses and 127.0.0.1.
	assert_serves "host -> $(net4 1 1):8080" "hello from $ct" fetch "$(net4 1 1):8080"
	assert_serves "host -> 127.0.0.1:8080" "hello from $ct" fetch "127.0.0.1:8080"
	assert_eq "$("$BUILD/tests/udptool" send 127.0.0.1 5353 lo)" "$ct lo" "host -> udp 127.0.0.1:5353"
	# From the container to its own forwarded port through the host (hairpin).
	# (busybox's static wget cannot resolve even an address: nc and the UDP tool do.)
	assert_contains "$(printf 'GET / HTTP/1.0\r\n\r\n' | ct_exec "$ct" nc -w 3 "$HOST4" 8080)" \
		"hello from $ct" "hairpin, TCP"
	assert_eq "$(ct_exec "$ct" udptool send "$HOST4" 5353 hairpin)" "$ct hairpin" "hairpin, UDP"
	# One element per host port and family, owned by the container; items recorded.
	assert_eq "$(elements "$ct")" 4 "elements of '$ct'"
	assert_eq "$(jq -r '[.items[].kind] | join(" ")' "$RUN/$ct/state.json")" \
		"net.veth port.fwd port.fwd port.fwd port.fwd" "items"
	assert_contains "$(grep "CT $ct:" "$SYSLOG")" "port0: tcp 8080 -> $(net4 1 5):80"
	ct_stop "$ct"
	assert_eq "$(elements "$ct")" 0 "elements of '$ct' after the stop"
	assert_no_answer "client -> $HOST4:8080 after the stop" client_fetch "$HOST4:8080"
	assert_missing "$RUN/$ct"
}

# The counts lxcri port list gives of port N of ct: "packets bytes".
port_counts() { # ct N
	"${LXCRI[@]}" port list "$1" --output-format json |
		jq -r --argjson n "$2" '.[] | select(.port == $n) | "\(.packets) \(.bytes)"'
}

forward_counters() {
	local ct=${CT}k want_packets=0 want_bytes=0 text reply metrics
	V6=no web_ct "$ct" 17 "port0: proto=tcp,host=8480,ct=80" "port1: proto=udp,host=5453,ct=53"
	start_web "$ct"
	assert_eq "$(port_counts "$ct" 1)" "0 0" "counts of a new forward"
	# From the client's netns, routed through the host: each datagram and its answer,
	# 28 bytes of IPv4 and UDP headers each.
	for i in 1 2 3 4 5 6 7; do
		text="datagram-$i"
		reply=$(client_udp "$HOST4" 5453 "$text") || fail "no answer to $text"
		assert_eq "$reply" "$ct $text" "answer $i"
		want_packets=$((want_packets + 2))
		want_bytes=$((want_bytes + 28 + ${#text} + 28 + ${#reply}))
	done
	assert_eq "$(port_counts "$ct" 1)" "$want_packets $want_bytes" "UDP counts after 7 exchanges"
	# A TCP fetch: its handshake, request, answer and close, each packet once.
	assert_serves "client -> $HOST4:8480" "hello from $ct" client_fetch "$HOST4:8480"
	read -r tcp_packets tcp_bytes <<<"$(port_counts "$ct" 0)"
	[ "$tcp_packets" -ge 8 ] && [ "$tcp_packets" -le 12 ] ||
		fail "TCP packets of one fetch: $tcp_packets"
	[ "$tcp_bytes" -gt 400 ] || fail "TCP bytes of one fetch: $tcp_bytes"
	assert_contains "$("${LXCRI[@]}" port list "$ct")" "PACKETS" "port list text"
	# The same counts as metrics, by id, proto and host port; promtool accepts them.
	metrics=$("${LXCRI[@]}" metrics) || fail "lxcri metrics"
	assert_contains "$metrics" \
		"lxcri_port_forward_packets_total{id=\"$ct\",proto=\"udp\",host_port=\"5453\"} $want_packets"
	assert_contains "$metrics" \
		"lxcri_port_forward_bytes_total{id=\"$ct\",proto=\"udp\",host_port=\"5453\"} $want_bytes"
	assert_contains "$metrics" \
		"lxcri_port_forward_packets_total{id=\"$ct\",proto=\"tcp\",host_port=\"8480\"} $tcp_packets"
	printf '%s\n' "$metrics" | promtool check metrics >/dev/null 2>&1 ||
		fail "promtool check metrics: $(printf '%s\n' "$metrics" | promtool check metrics 2>&1)"
	# A restart adds the forward again: from 0, as a Prometheus counter may.
	ct_stop "$ct"
	start_web "$ct"
	assert_eq "$(port_counts "$ct" 1)" "0 0" "counts after a restart"
	ct_stop "$ct"
}

hostip_and_range() {
	local ct=${CT}b
	V6=no web_ct "$ct" 6 "port0: proto=tcp,host=8180,ct=80,hostip=$HOST4" \
		"port1: proto=tcp,host=8190-8192,ct=80"
	start_web "$ct"
	assert_serves "client -> $HOST4:8180" "hello from $ct" client_fetch "$HOST4:8180"
	# Only that host address: not another of the host's.
	assert_no_answer "host -> $(net4 1 1):8180 (hostip is $HOST4)" fetch "$(net4 1 1):8180"
	# A range: every host port of it, to the one container port.
	for p in 8190 8191 8192; do
		assert_serves "client -> $HOST4:$p" "hello from $ct" client_fetch "$HOST4:$p"
	done
	assert_eq "$(elements "$ct")" 4 "elements (1 + a range of 3)"
	ct_stop "$ct"
	assert_eq "$(elements "$ct")" 0 "elements after the stop"
}

# lxc_net_ct <ct> [lxc.net.0 lines...]: a container with httpd's page whose
# eth0 on BR1 is its own LXC network (as PVE or an admin would give it), not ours.
lxc_net_ct() {
	local ct=$1
	shift
	ct_create "$ct"
	ct_no_dhcp "$ct"
	cp "$BUILD/tests/udptool" "$LXCPATH/$ct/rootfs/bin/udptool"
	mkdir -p "$LXCPATH/$ct/rootfs/www"
	echo "hello from $ct" >"$LXCPATH/$ct/rootfs/www/index.html"
	sed -i '/^lxc.net.0.type = empty$/d' "$LXCPATH/$ct/config"
	printf '%s\n' "lxc.net.0.type = veth" "lxc.net.0.link = $BR1" "lxc.net.0.name = eth0" \
		"lxc.net.0.flags = up" "$@" >>"$LXCPATH/$ct/config"
}

plain_lxc_net() {
	local ct=${CT}c
	lxc_net_ct "$ct" "lxc.net.0.ipv4.address = $(net4 1 7)/24" "lxc.net.0.ipv4.gateway = $(net4 1 1)"
	echo "port0: proto=tcp,host=8280,ct=80,net=eth0" | ct_config "$ct"
	port_settings
	start_web "$ct"
	assert_serves "client -> $HOST4:8280 (LXC's eth0)" "hello from $ct" client_fetch "$HOST4:8280"
	assert_eq "$(jq -r '.items[] | select(.kind == "port.fwd") | .data.target' "$RUN/$ct/state.json")" \
		"$(net4 1 7)" "target"
	ct_stop "$ct"
	assert_eq "$(elements "$ct")" 0 "elements after the stop"
}

live_add_and_del() {
	local ct=${CT}d out
	web_ct "$ct" 8
	start_web "$ct"
	assert_no_answer "client -> $HOST4:8380 before the add" client_fetch "$HOST4:8380"
	out=$("${LXCRI[@]}" port add "$ct" tcp 8380 80) || fail "port add: $out"
	assert_contains "$out" "port0 (tcp 8380 -> 80) added to"
	assert_contains "$out" "and the running container '$ct'"
	assert_serves "client -> $HOST4:8380 after the add" "hello from $ct" client_fetch "$HOST4:8380"
	assert_contains "$(cat "$ETC/containers/$ct.conf")" "port0: proto=tcp,host=8380,ct=80"
	assert_contains "$(cat "$RUN/$ct/config")" "port0: proto=tcp,host=8380,ct=80" "snapshot"
	# The list, as text and JSON.
	out=$("${LXCRI[@]}" port list "$ct")
	assert_contains "$out" "port0"
	assert_contains "$out" "$(net4 1 8)"
	assert_eq "$("${LXCRI[@]}" port list "$ct" --output-format json | jq -c '[.[] | .id, .proto, .host, .ct, ([.forwards[].in_table] | all)]')" \
		"[\"$ct\",\"tcp\",\"8380\",\"80\",true]" "port list JSON"
	out=$("${LXCRI[@]}" port del "$ct" tcp 8380) || fail "port del: $out"
	assert_contains "$out" "removed from"
	assert_no_answer "client -> $HOST4:8380 after the del" client_fetch "$HOST4:8380"
	assert_not_contains "$(cat "$ETC/containers/$ct.conf")" "port0"
	assert_eq "$(elements "$ct")" 0 "elements after the del"
	assert_eq "$(jq '[.items[] | select(.kind == "port.fwd")] | length' "$RUN/$ct/state.json")" 0 "port items"
	# A stopped container: the config only.
	ct_stop "$ct"
	out=$("${LXCRI[@]}" port add "$ct" udp 8381 53 --host-ip "$HOST4") || fail "port add: $out"
	assert_contains "$out" "is not running"
	assert_contains "$(cat "$ETC/containers/$ct.conf")" "port0: proto=udp,host=8381,ct=53,hostip=$HOST4"
	assert_eq "$(elements "$ct")" 0 "elements of a stopped container"
}

conflicts_refused() {
	local a=${CT}e b=${CT}f c=${CT}g before out nc_pid
	V6=no web_ct "$a" 9 "port0: proto=tcp,host=8480,ct=80"
	start_web "$a"
	# Another container asking for the same host port: refused, naming the holder.
	V6=no web_ct "$b" 10 "port0: proto=tcp,host=8481,ct=80" "port1: proto=tcp,host=8480,ct=80"
	if ct_start "$b"; then fail "'$b' started with a host port '$a' holds"; fi
	assert_contains "$(grep "CT $b:" "$SYSLOG")" "'$a'" "syslog of '$b'"
	assert_contains "$(cat "$T/$b.lxc.log")" "'$a'" "LXC's log of '$b'"
	# All or nothing: not even its first, free port is in the table.
	assert_eq "$(elements "$b")" 0 "elements of '$b'"
	assert_no_answer "client -> $HOST4:8481" client_fetch "$HOST4:8481"
	assert_serves "'$a' still serves" "hello from $a" client_fetch "$HOST4:8480"
	# A live add of the same: refused, config unchanged.
	ct_stop "$b"
	echo "net1: name=eth1,bridge=$BR1,ip=$(net4 1 10)/24,gw=$(net4 1 1)" | ct_config "$b"
	port_settings
	ct_start "$b" || fail "'$b' without ports did not start"
	before=$(cat "$ETC/containers/$b.conf")
	if out=$("${LXCRI[@]}" port add "$b" tcp 8480 80 2>&1); then fail "live add of a held port: $out"; fi
	assert_contains "$out" "'$a'"
	assert_contains "$out" "neither the container nor"
	assert_eq "$(cat "$ETC/containers/$b.conf")" "$before" "config of '$b'"
	# A host process listening on the port: refused, naming it.
	busybox nc -l -p 8482 >/dev/null 2>&1 &
	nc_pid=$!
	sleep 0.2
	V6=no web_ct "$c" 11 "port0: proto=tcp,host=8482,ct=80"
	if ct_start "$c"; then kill "$nc_pid"; fail "'$c' started over a listening host process"; fi
	kill "$nc_pid" 2>/dev/null
	wait "$nc_pid" 2>/dev/null || true
	assert_contains "$(grep "CT $c:" "$SYSLOG")" "(pid $nc_pid)" "syslog of '$c'"
	assert_contains "$(grep "CT $c:" "$SYSLOG")" "busybox" "syslog of '$c'"
	assert_eq "$(elements "$c")" 0 "elements of '$c'"
	return 0
}

# What Debian's /etc/nftables.conf does ("flush ruleset"), where the ruleset
# holds nothing but this run's table; else only our table goes.
flush_ruleset() {
	local others
	others=$(nft list tables | grep -vxE "table (inet|bridge|arp) $TABLE" || true)
	if [ -z "$others" ]; then
		nft flush ruleset
	else
		echo "other tables on this host ($others): deleting only ours"
		nft_delete_tables "$TABLE"
	fi
}

sync_after_flush() {
	local ct=${CT}h out
	web_ct "$ct" 12 "port0: proto=tcp,host=8580,ct=80"
	start_web "$ct"
	assert_contains "$("${LXCRI[@]}" check)" "ok    ports"
	flush_ruleset
	assert_no_answer "client -> $HOST4:8580 after the flush" client_fetch "$HOST4:8580"
	out=$("${LXCRI[@]}" check) || true
	assert_contains "$out" "fail  ports"
	assert_contains "$out" "lxcri port sync"
	# Prometheus sees it too.
	assert_contains "$("${LXCRI[@]}" metrics)" "lxcri_port_forwards_drift 1"
	out=$("${LXCRI[@]}" port sync) || fail "port sync: $out"
	assert_contains "$("${LXCRI[@]}" metrics)" "lxcri_port_forwards_drift 0"
	assert_contains "$out" "2 forward(s) of 1 running container(s) in place"
	assert_serves "client -> $HOST4:8580 after the sync" "hello from $ct" client_fetch "$HOST4:8580"
	assert_contains "$("${LXCRI[@]}" check)" "ok    ports"
	# Twice is harmless: nothing doubled.
	"${LXCRI[@]}" port sync >/dev/null || fail "second sync"
	assert_eq "$(elements "$ct")" 2 "elements after two syncs"
	assert_eq "$(nft list chain inet "$TABLE" prerouting | grep -c dnat)" 4 "dnat rules after two syncs"
	ct_stop "$ct"
	assert_eq "$(elements "$ct")" 0 "elements after the stop"
}

conntrack_flushed() {
	local ct=${CT}i
	V6=no web_ct "$ct" 13 "port0: proto=udp,host=8680,ct=53"
	start_web "$ct"
	# An established UDP flow: same source port each time.
	assert_eq "$(client_udp "$HOST4" 8680 one 40680)" "$ct one" "first datagram"
	assert_eq "$(client_udp "$HOST4" 8680 two 40680)" "$ct two" "same flow"
	[ -n "$(conntrack -L -p udp --orig-port-dst 8680 2>/dev/null)" ] || fail "no conntrack entry for the flow"
	"${LXCRI[@]}" port del "$ct" udp 8680 >/dev/null || fail "port del"
	assert_eq "$(conntrack -L -p udp --orig-port-dst 8680 2>/dev/null)" "" "conntrack entries after the del"
	if client_udp "$HOST4" 8680 three 40680 >/dev/null 2>&1; then
		fail "the removed forward still answers the established flow"
	fi
	return 0
}

crash_during_apply() {
	local ct=${CT}j fi=$T/fi syscalls n crashes=0 result
	V6=no web_ct "$ct" 14 "port0: proto=tcp,host=8780,ct=80" "port1: proto=udp,host=8781,ct=53"
	crash_setup "$ct" lxcri-portfwd
	# nftables transactions and route lookups (netlink), and state writes.
	for syscalls in sendmsg rename,renameat,renameat2; do
		for n in $(seq 1 100); do
			echo "$syscalls:signal=KILL:when=$n" >"$fi/spec"
			rm -f "$fi/result"
			if ct_start "$ct" 2>>"$T/crash-starts.log"; then
				result=$(cat "$fi/result" 2>/dev/null)
				[[ "$result" == "completed 0" ]] || fail "$syscalls#$n: started, helper: '$result'"
				assert_eq "$(elements "$ct")" 2 "$syscalls#$n: elements (no crash)"
				ct_stop "$ct"
				assert_eq "$(elements "$ct")" 0 "$syscalls#$n: elements after the stop"
				break
			fi
			[ "$(cat "$fi/result" 2>/dev/null)" == killed ] || fail "$syscalls#$n: refused without a crash: $(grep "CT $ct:" "$SYSLOG" | tail -n3)"
			crashes=$((crashes + 1))
			for _ in $(seq 100); do
				[ "$(ct_state "$ct")" == STOPPED ] && ! pgrep -f "^\[lxc monitor\] $LXCPATH $ct\$" >/dev/null && break
				sleep 0.05
			done
			: >"$fi/spec"
			ct_start "$ct" || fail "$syscalls#$n: no start after the crash: $(grep "CT $ct:" "$SYSLOG" | tail -n3)"
			assert_eq "$(elements "$ct")" 2 "$syscalls#$n: elements after the restart"
			ct_stop "$ct"
			assert_eq "$(elements "$ct")" 0 "$syscalls#$n: elements after the stop"
			assert_missing "$RUN/$ct"
		done
		[ "$n" -lt 100 ] || fail "$syscalls: still crashing after 100 steps"
	done
	echo "$crashes crashes"
	[ "$crashes" -gt 0 ] || fail "no crash was injected"
}

twenty_at_once() {
	local i cts=() pids=()
	for i in $(seq 20); do
		cts+=("${CT}k$i")
		V6=no web_ct "${CT}k$i" $((100 + i)) \
			"port0: proto=tcp,host=$((20000 + i * 10)),ct=80" \
			"port1: proto=tcp,host=$((20001 + i * 10)),ct=80" \
			"port2: proto=udp,host=$((20002 + i * 10)),ct=53" \
			"port3: proto=udp,host=$((20003 + i * 10)),ct=53" \
			"port4: proto=tcp,host=$((20004 + i * 10)),ct=80"
	done
	for i in "${cts[@]}"; do
		ct_start "$i" &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || fail "a parallel start failed: $(grep -i refus "$SYSLOG" | head -n3)"; done
	assert_eq "$(elements)" 100 "elements of 20 containers with 5 forwards each"
	services "${CT}k7"
	assert_serves "client -> $HOST4:20070" "hello from ${CT}k7" client_fetch "$HOST4:20070"
	pids=()
	for i in "${cts[@]}"; do
		ct_stop "$i" &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i"; done
	assert_eq "$(elements)" 0 "elements after 20 stops"
}

bad_input_refused() {
	local ct=${CT}l bad needle n=0
	V6=no web_ct "$ct" 15
	while IFS='|' read -r bad needle; do
		n=$((n + 1))
		printf 'net1: name=eth1,bridge=%s,ip=%s/24\n%b\n' "$BR1" "$(net4 1 15)" "$bad" | ct_config "$ct"
		: >"$SYSLOG"
		if ct_start "$ct"; then fail "started with '$bad'"; fi
		assert_contains "$(grep "CT $ct:" "$SYSLOG")" "$needle" "refusal of '$bad'"
		assert_eq "$(elements)" 0 "elements after '$bad'"
		assert_eq "$(host_links_of "$ct")" "" "links after '$bad'"
	done <<EOF
port0: proto=tcp,host=0,ct=80|'0'
port0: proto=tcp,host=65536,ct=80|'65536'
port0: proto=tcp,host=9010-9005,ct=80|'9010-9005'
port0: proto=sctp,host=9000,ct=80|'sctp'
port0: proto=tcp,host=9000-9003,ct=80-82|'80-82'
port0: proto=tcp,host=9000,ct=80,net=eth9|'eth9'
port0: proto=tcp,host=9000,ct=80,hostip=0.0.0.0|'0.0.0.0'
port0: proto=tcp,host=9000,ct=80\nport1: proto=tcp,host=9000,ct=81|overlaps
EOF
	[ "$n" -eq 8 ] || fail "only $n cases ran"
}

# What a forward opened to the host's loopback: the host itself, through
# 127.0.0.1 and its addresses, or the client, must not get the host's secret.
assert_secret_kept() { # host-port what
	local probe got
	for probe in "fetch 127.0.0.1:$1" "fetch $(net4 1 1):$1" "client_fetch $HOST4:$1"; do
		got=$($probe) || true
		[ "$got" != "host secret" ] || fail "$2: '$probe' reached the host's 127.0.0.1-only service"
	done
	# Host loopback keeps working, and lo is never a localnet interface.
	assert_serves "$2: host -> its own 127.0.0.1:$SECRET_PORT" "host secret" fetch "127.0.0.1:$SECRET_PORT"
	assert_not_contains "$(nft list set inet "$TABLE" localnet 2>/dev/null)" '"lo"' "$2: @localnet"
	assert_eq "$(route_localnet lo)" "$LO_ROUTE_LOCALNET" "$2: route_localnet of lo"
}

# The target of a forward is the configured address (ip= of net1), whatever
# the container put on eth1.
configured_target_wins() {
	local ct=${CT}m bad out target
	V6=no web_ct "$ct" 16
	start_web "$ct"
	for bad in 127.0.0.1 "$(net4 1 1)"; do
		# The container puts the address on eth1, scope global, and drops its own.
		ct_exec "$ct" ip addr add "$bad/32" dev eth1 scope global
		ct_exec "$ct" ip addr del "$(net4 1 16)/24" dev eth1
		if out=$("${LXCRI[@]}" port add "$ct" tcp 8990 "$SECRET_PORT" --net eth1 2>&1); then
			assert_secret_kept 8990 "$bad on eth1, port add"
			target=$(jq -r '.items[] | select(.kind == "port.fwd") | .data.target' "$RUN/$ct/state.json")
			assert_eq "$target" "$(net4 1 16)" "target with $bad on eth1 (the configured address)"
		else
			assert_secret_kept 8990 "$bad on eth1, port add refused"
			assert_contains "$out" "$bad" "the refusal"
			assert_eq "$(elements "$ct")" 0 "elements after the refusal"
		fi
		"${LXCRI[@]}" port del "$ct" tcp 8990 >/dev/null 2>&1 || true
		ct_exec "$ct" ip addr del "$bad/32" dev eth1
		ct_exec "$ct" ip addr add "$(net4 1 16)/24" dev eth1
		ct_exec "$ct" ip route add default via "$(net4 1 1)"
	done
}

# A net that no config gives an address (LXC's own eth0 without
# lxc.net.0.ipv4.address): the address the container has is taken only if it
# lies in the subnet of its bridge, and is not the host's.
container_address_checked() {
	local ct=${CT}q bad out
	lxc_net_ct "$ct"
	: | ct_config "$ct"
	port_settings
	ct_start "$ct" || fail "start refused: $(grep "CT $ct:" "$SYSLOG" | tail -n3)"
	ct_exec "$ct" httpd -p 80 -h /www
	ct_exec "$ct" ip addr add "$(net4 1 17)/24" dev eth0
	ct_exec "$ct" ip route add default via "$(net4 1 1)"
	out=$("${LXCRI[@]}" port add "$ct" tcp 8991 80 --net eth0 2>&1) || fail "port add of an address in the bridge's subnet: $out"
	assert_serves "client -> $HOST4:8991" "hello from $ct" client_fetch "$HOST4:8991"
	"${LXCRI[@]}" port del "$ct" tcp 8991 >/dev/null || fail "port del"
	ct_exec "$ct" ip addr del "$(net4 1 17)/24" dev eth0
	for bad in 127.0.0.1 "$(net4 1 1)" "$(net4 2 77)"; do
		ct_exec "$ct" ip addr add "$bad/32" dev eth0 scope global
		if out=$("${LXCRI[@]}" port add "$ct" tcp 8992 "$SECRET_PORT" --net eth0 2>&1); then
			assert_secret_kept 8992 "$bad on eth0"
			fail "a forward to '$bad' that the container chose was applied: $out"
		fi
		assert_contains "$out" "'$bad'" "the refusal"
		assert_eq "$(elements "$ct")" 0 "elements after the refusal of $bad"
		assert_not_contains "$(cat "$ETC/containers/$ct.conf")" "port" "config after the refusal of $bad"
		assert_secret_kept 8992 "$bad on eth0, refused"
		ct_exec "$ct" ip addr del "$bad/32" dev eth0
	done
}

# A forward refused for a port conflict changes no route_localnet; the last
# forward through an interface going sets it back to what it was.
refused_forward_keeps_route_localnet() {
	local a=${CT}n b=${CT}o got out
	# The probe works: route_localnet=1 by hand, without a guard, lets the neighbour in.
	echo 1 >"/proc/sys/net/ipv4/conf/$BR3/route_localnet"
	got=$(neighbour_fetch_secret) || true
	echo 0 >"/proc/sys/net/ipv4/conf/$BR3/route_localnet"
	assert_eq "$got" "host secret" "the probe: the neighbour with route_localnet=1 and no guard"

	V6=no web_ct "$a" 18 "port0: proto=tcp,host=8880,ct=80"
	start_web "$a"
	WEB_BR=3 V6=no web_ct "$b" 20 "port0: proto=tcp,host=8881,ct=80" "port1: proto=tcp,host=8880,ct=80"
	if ct_start "$b"; then fail "'$b' started with a host port '$a' holds"; fi
	assert_no_answer "the neighbour -> 127.0.0.1:$SECRET_PORT after the refused start" neighbour_fetch_secret
	assert_eq "$(route_localnet "$BR3")" 0 "route_localnet of $BR3 after the refused start"
	# The same for a refused live add.
	ct_stop "$b"
	echo "net1: name=eth1,bridge=$BR3,ip=$(net4 3 20)/24,gw=$(net4 3 1)" | ct_config "$b"
	port_settings
	start_web "$b"
	if out=$("${LXCRI[@]}" port add "$b" tcp 8880 80 2>&1); then fail "live add of a held port: $out"; fi
	assert_no_answer "the neighbour after the refused add" neighbour_fetch_secret
	assert_eq "$(route_localnet "$BR3")" 0 "route_localnet of $BR3 after the refused add"
	# Forwards that pass: set, guarded; back to 0 when the last one goes.
	"${LXCRI[@]}" port add "$b" tcp 8882 80 >/dev/null || fail "port add 8882"
	"${LXCRI[@]}" port add "$b" tcp 8883 80 >/dev/null || fail "port add 8883"
	assert_eq "$(route_localnet "$BR3")" 1 "route_localnet of $BR3 with two forwards"
	assert_serves "host -> 127.0.0.1:8882" "hello from $b" fetch 127.0.0.1:8882
	assert_no_answer "the neighbour while forwards run" neighbour_fetch_secret
	"${LXCRI[@]}" port del "$b" tcp 8882 >/dev/null || fail "port del 8882"
	assert_eq "$(route_localnet "$BR3")" 1 "route_localnet of $BR3 with one forward left"
	assert_serves "host -> 127.0.0.1:8883" "hello from $b" fetch 127.0.0.1:8883
	"${LXCRI[@]}" port del "$b" tcp 8883 >/dev/null || fail "port del 8883"
	assert_eq "$(route_localnet "$BR3")" 0 "route_localnet of $BR3 after the last forward"
	"${LXCRI[@]}" port add "$b" tcp 8884 80 >/dev/null || fail "port add 8884"
	assert_eq "$(route_localnet "$BR3")" 1 "route_localnet of $BR3 with a forward again"
	ct_stop "$b"
	assert_eq "$(route_localnet "$BR3")" 0 "route_localnet of $BR3 after the stop"
	assert_no_answer "the neighbour after the stop" neighbour_fetch_secret
}

# The guard lives with the interface: no nftables change opens the hole.
guard_outlives_flush() {
	local ct=${CT}p
	WEB_BR=3 V6=no web_ct "$ct" 21 "port0: proto=tcp,host=8790,ct=80"
	start_web "$ct"
	assert_eq "$(route_localnet "$BR3")" 1 "route_localnet of $BR3"
	assert_serves "host -> 127.0.0.1:8790" "hello from $ct" fetch 127.0.0.1:8790
	assert_no_answer "the neighbour while the forward runs" neighbour_fetch_secret
	flush_ruleset
	assert_no_answer "the neighbour after the flush" neighbour_fetch_secret
	ct_stop "$ct"
	assert_no_answer "the neighbour after the flush and the stop" neighbour_fetch_secret
	assert_eq "$(route_localnet "$BR3")" 0 "route_localnet of $BR3 after the stop"
}

# lxcri check names what is left on the host: route_localnet without its
# guard, elements no container records; lxcri port sync repairs both.
check_reports_residue() {
	local ct=${CT}r ghost=${CT}ghost out
	WEB_BR=3 V6=no web_ct "$ct" 22 "port0: proto=tcp,host=8690,ct=80"
	start_web "$ct"
	# (Only this run's bridge is looked at: the host may have others.)
	out=$("${LXCRI[@]}" check | grep route-localnet) || true
	assert_not_contains "$out" "'$BR3'" "route-localnet with the guard in place"
	# The guard removed by hand.
	tc qdisc del dev "$BR3" clsact 2>/dev/null || tc qdisc del dev "$BR3" ingress 2>/dev/null || true
	nft delete chain inet "$TABLE" guard 2>/dev/null || true
	out=$("${LXCRI[@]}" check) && fail "check passed with route_localnet=1 unguarded: $out"
	assert_contains "$out" "fail  route-localnet   route_localnet=1 without its guard"
	assert_contains "$out" "'$BR3' (set by lxcri)"
	out=$("${LXCRI[@]}" port sync) || fail "port sync: $out"
	out=$("${LXCRI[@]}" check | grep route-localnet) || true
	assert_not_contains "$out" "'$BR3'" "route-localnet after the sync"
	assert_no_answer "the neighbour after the sync" neighbour_fetch_secret
	assert_serves "host -> 127.0.0.1:8690 after the sync" "hello from $ct" fetch 127.0.0.1:8690
	# An element of an owner that records none: unknown, or whose state is gone.
	nft add element inet "$TABLE" fwd4 "{ tcp . 8691 comment \"$ghost\" : $(net4 3 99) . 80 }"
	out=$("${LXCRI[@]}" check) && fail "check passed with an element without owner: $out"
	assert_contains "$out" "fail  ports"
	assert_contains "$out" "without an owner"
	assert_contains "$out" "'$ghost' tcp 8691"
	"${LXCRI[@]}" port sync >/dev/null || fail "port sync"
	assert_eq "$(elements "$ghost")" 0 "elements of '$ghost' after the sync"
	rm -f "$RUN/$ct/state.json"
	out=$("${LXCRI[@]}" check) && fail "check passed with the state of '$ct' gone: $out"
	assert_contains "$out" "'$ct' tcp 8690"
	assert_contains "$out" "warn  route-localnet   route_localnet kept (guarded) for 1 container(s) that no longer need it: '$BR3' for '$ct'"
	# The sync takes what no state records away, route_localnet with it.
	"${LXCRI[@]}" port sync >/dev/null || fail "port sync"
	assert_eq "$(elements "$ct")" 0 "elements of '$ct' after the sync"
	assert_eq "$(route_localnet "$BR3")" 0 "route_localnet of $BR3 after the sync"
	assert_no_answer "the neighbour at the end" neighbour_fetch_secret
}

run_test "Forwards work from another host, from the host (127.0.0.1 too) and from the container itself, TCP and UDP, IPv4 and IPv6" forwards_everywhere
run_test "Each forward counts the packets and bytes of its connections, both directions, in lxcri port list and lxcri metrics" forward_counters
run_test "hostip= forwards only that host address; a host range forwards every port of it" hostip_and_range
run_test "A forward to a container whose network is LXC's own (net=eth0)" plain_lxc_net
run_test "lxcri port add/del change a running container at once and persist; port list shows them; a stopped one gets the config only" live_add_and_del
run_test "A host port held by another container or a host process is refused, naming it, with nothing applied" conflicts_refused
run_test "After nft flush ruleset, lxcri check reports the drift and lxcri port sync puts the forwards back, once" sync_after_flush
run_test "Removing a forward flushes its conntrack entries: an established UDP flow stops" conntrack_flushed
run_test "After a crash at any step of the apply the next start works, and a stop leaves no element" crash_during_apply
run_test "20 containers started at once with 5 forwards each give exactly 100 elements, and 0 after they stop" twenty_at_once
run_test "Bad port keys refuse the start with a clear error and nothing applied" bad_input_refused
run_test "A container that puts 127.0.0.1 or the host's address on its eth1 gets no forward there: the target is its configured address, host loopback keeps working, lo never in @localnet" configured_target_wins
run_test "An address read from the container is taken only inside its bridge's subnet: 127.0.0.1, the host's address, another subnet are refused, naming it" container_address_checked
run_test "A forward refused for a port conflict leaves route_localnet as it was (a bridge neighbour cannot reach host loopback); the last forward going sets it back to 0" refused_forward_keeps_route_localnet
run_test "After nft flush ruleset a neighbour on the bridge still cannot reach a 127.0.0.1-only host service, nor after the container stopped" guard_outlives_flush
run_test "lxcri check reports route_localnet without its guard and elements without an owner; lxcri port sync repairs both" check_reports_residue
finish
