#!/bin/bash
# Networks (netN, routeN, dns) on real busybox LXC containers: veth pairs on
# test bridges, addresses, gateways, routes, MTU and MAC seen from inside,
# pings both ways, /etc/resolv.conf written and restored, CNI networks with
# Debian's plugins, refusals before anything is created, rollback of a
# failed start, recovery after a crash at every step, and `lxcri net`.
#
# Every bridge, namespace and CNI network is made by this suite, with names
# and subnets unique to the run (lib.sh: net_bridge, net_router,
# cni_setup), and removed at exit. Traffic only goes to them.
. "$(dirname "$0")/lib.sh"
net_setup

# Container names are unique to the run as well: the host end of a
# container's network is named after its id, on the host's namespace.
CT=n$NET_SUFFIX
BR1=$(net_bridge 1 1450) # mtu 1450: what a net without mtu= gets
BR2=$(net_bridge 2)
CNINET=lxt$NET_SUFFIX
MISSING=lxbt${NET_SUFFIX}none

# A CNI network for one test: nothing left from an earlier test in the
# CNI directories (which live outside the roots run_test resets).
cni_fresh() { # network n
	rm -rf "$CNI_DIR"
	cni_setup "$1" "$2"
}

state_file() { echo "$RUN/$1/state.json"; }
state_kinds() { # ct: the kinds of the recorded items, sorted, space-separated
	[ -e "$(state_file "$1")" ] || return 0
	jq -r '[.items[].kind] | sort | join(" ")' "$(state_file "$1")"
}
state_data() { # ct kind: the data of the items of that kind, as a JSON array
	jq -c --arg k "$2" '[.items[] | select(.kind == $k) | .data]' "$(state_file "$1")"
}

# The start was refused, and syslog, LXC's log and `lxcri status` say why.
assert_refused() { # ct needle...
	local ct=$1 needle status
	shift
	assert_eq "$(ct_state "$ct")" STOPPED "state of '$ct'"
	status=$("${LXCRI[@]}" status "$ct" 2>&1 || true)
	assert_contains "$status" refused "lxcri status $ct"
	# The reason is logged once, as the refusal.
	local reason
	reason=$(grep "CT $ct: Refusing to start: " "$SYSLOG" | tail -n1 | sed 's/.*: Refusing to start: //')
	[ -n "$reason" ] || fail "no refusal of CT $ct in syslog"
	assert_eq "$(grep "CT $ct:" "$SYSLOG" | grep -cF -- "$reason")" 1 "syslog lines with the reason '$reason'"
	for needle in "$@"; do
		assert_contains "$(grep "CT $ct:" "$SYSLOG")" "$needle" "syslog"
		assert_contains "$(cat "$T/$ct.lxc.log")" "$needle" "LXC's log"
		assert_contains "$status" "$needle" "lxcri status $ct"
	done
}

# The start is refused before any link of the container is made, for the
# reason the needles name, and nothing is left.
assert_refused_before_links() { # ct why needle...
	local ct=$1 why=$2
	shift 2
	link_watch_start
	if ct_start "$ct"; then fail "started $why"; fi
	assert_eq "$(link_watch_stop "$(lx_host_ifname "$ct" "")")" "" "links made during the start"
	assert_refused "$ct" "$@"
	assert_nothing_left "$ct"
}

# Nothing of a container's networks is left on the host or in its state.
assert_nothing_left() { # ct [context for the messages]
	local at=${2:+$2: }
	assert_eq "$(host_links_of "$1")" "" "${at}host ends of '$1'"
	assert_eq "$(state_kinds "$1")" "" "${at}items in $(state_file "$1")"
	[ ! -e "$RUN/$1/resolv.conf.state" ] || fail "${at}'$RUN/$1/resolv.conf.state' left"
	[ ! -e "$RUN/$1/resolv.conf.orig" ] || fail "${at}'$RUN/$1/resolv.conf.orig' left"
	assert_eq "$(cni_leases "$CNINET")" "" "${at}host-local leases of '$CNINET'"
	assert_eq "$(cni_cache_files)" "" "${at}CNI cache"
}

# After a clean stop, not even the state dir is left.
assert_stopped_clean() { # ct [context]
	assert_eq "$(ct_state "$1")" STOPPED "${2:+$2: }state of '$1'"
	assert_nothing_left "$1" "${2:-}"
	[ ! -e "$RUN/$1" ] || fail "${2:+$2: }'$RUN/$1' left: $(ls -A "$RUN/$1"; cat "$RUN/$1/state.json" 2>/dev/null)"
}

mac_of() { # ct ifname: its MAC as busybox ip prints it
	ct_exec "$1" ip -o link show "$2" | sed -n 's|.*link/ether \([0-9a-f:]*\) .*|\1|p'
}

# A MAC address for a veth: unicast, locally administered, not all zeros.
assert_local_unicast_mac() { # mac what
	[[ "$1" =~ ^[0-9a-f]{2}(:[0-9a-f]{2}){5}$ ]] || fail "$2: not a MAC address: '$1'"
	local first=$((16#${1%%:*}))
	[ $((first & 1)) -eq 0 ] || fail "$2: '$1' is a multicast MAC"
	[ $((first & 2)) -eq 2 ] || fail "$2: '$1' is not locally administered"
}

# The host has no ping of its own: busybox's (the containers' too) it is.
host_ping4() { busybox ping -c1 -W2 "$1" >/dev/null || fail "the host cannot ping $1"; }
host_ping6() { busybox ping6 -c1 -W2 "$1" >/dev/null || fail "the host cannot ping $1"; }
ct_ping4() { ct_exec "$1" ping -c1 -W2 "$2" >/dev/null || fail "'$1' cannot ping $2"; }
ct_ping6() { ct_exec "$1" ping6 -c1 -W2 "$2" >/dev/null || fail "'$1' cannot ping $2"; }

bridge_net_dual_stack() {
	local ct=${CT}a host link
	ct_create "$ct"
	ct_config "$ct" <<EOF
# a second network on a test bridge
net1: name=eth1,bridge=$BR1,ip=$(net4 1 5)/24;$(net6 1 5)/64,gw=$(net4 1 1),gw6=$(net6 1 1)
EOF
	ct_start "$ct" || fail "start refused: $(grep "CT $ct:" "$SYSLOG" | tail -n3)"
	assert_eq "$(ct_state "$ct")" RUNNING
	# The host end: named after the container and the net, on the bridge, up.
	host=$(lx_host_ifname "$ct" 1)
	assert_eq "$(host_links_of "$ct")" "$host" "host ends of '$ct'"
	link=$(ip -o link show "$host")
	assert_contains "$link" "master $BR1" "host end"
	assert_contains "$link" "mtu 1450" "host end (the bridge's MTU)"
	assert_contains "$link" ",UP," "host end"
	# Inside: the interface up with the bridge's MTU, both addresses, both gateways.
	link=$(ct_exec "$ct" ip -o link show eth1)
	assert_contains "$link" "mtu 1450" "eth1 in '$ct'"
	assert_contains "$link" ",UP" "eth1 in '$ct'"
	assert_local_unicast_mac "$(mac_of "$ct" eth1)" "generated MAC of eth1"
	local addr
	addr=$(ct_exec "$ct" ip addr show eth1)
	assert_contains "$addr" "inet $(net4 1 5)/24" "addresses of eth1"
	assert_contains "$addr" "inet6 $(net6 1 5)/64" "addresses of eth1"
	assert_not_contains "$(grep -A1 "inet6 $(net6 1 5)/64" <<<"$addr")" "tentative" "$(net6 1 5) (IPv6 without DAD)"
	assert_contains "$(ct_exec "$ct" ip route show)" "default via $(net4 1 1) dev eth1" "IPv4 routes"
	assert_contains "$(ct_exec "$ct" ip -6 route show)" "default via $(net6 1 1) dev eth1" "IPv6 routes"
	# Pings both ways, IPv4 and IPv6.
	ct_ping4 "$ct" "$(net4 1 1)"
	ct_ping6 "$ct" "$(net6 1 1)"
	host_ping4 "$(net4 1 5)"
	host_ping6 "$(net6 1 5)"
	# What was applied is recorded, with what makes the host end ours: its
	# ifindex and the MAC it was made with; its alias says whose it is.
	assert_eq "$(state_kinds "$ct")" "net.veth" "items"
	local data ifindex mac
	read -r ifindex mac < <(ip -j link show "$host" | jq -r '.[0] | "\(.ifindex) \(.address)"')
	data=$(state_data "$ct" net.veth)
	assert_eq "$(jq -c '.[0] | [.net, .name, .host, .bridge, .ifindex, .host_mac]' <<<"$data")" \
		"[1,\"eth1\",\"$host\",\"$BR1\",$ifindex,\"$mac\"]" "net.veth item"
	assert_eq "$(ip -j link show "$host" | jq -r '.[0].ifalias')" "lxcri $ct net1" "alias of '$host'"
	ct_stop "$ct"
	assert_stopped_clean "$ct"
	busybox ping -c1 -W1 "$(net4 1 5)" >/dev/null 2>&1 && fail "$(net4 1 5) still answers after the stop"
	return 0
}

mtu_mac_routes() {
	local ct=${CT}b host routes line
	net_router 1 50 >/dev/null
	ct_create "$ct"
	ct_config "$ct" <<EOF
net1: name=eth1,bridge=$BR1,ip=$(net4 1 6)/24;$(net6 1 6)/64,mtu=1400,hwaddr=BC:24:11:AA:BB:01
route0: dst=$(net4 50 0)/24,via=$(net4 1 254),dev=eth1,metric=123
route1: dst=$(net4 60 0)/24,via=$(net4 1 254),dev=eth1,table=100
route2: dst=$(net6 50 "")/64,via=$(net6 1 254),dev=eth1
EOF
	ct_start "$ct" || fail "start refused: $(grep "CT $ct:" "$SYSLOG" | tail -n3)"
	host=$(lx_host_ifname "$ct" 1)
	assert_contains "$(ip -o link show "$host")" "mtu 1400" "host end"
	assert_contains "$(ct_exec "$ct" ip -o link show eth1)" "mtu 1400" "eth1 in '$ct'"
	assert_eq "$(mac_of "$ct" eth1)" "bc:24:11:aa:bb:01" "MAC of eth1"
	routes=$(ct_exec "$ct" ip route show)
	line=$(grep "^$(net4 50 0)/24 " <<<"$routes" || true)
	assert_contains "$line" "via $(net4 1 254) dev eth1" "route0 in the main table"
	assert_contains "$line" "metric 123" "route0 in the main table"
	assert_not_contains "$routes" "$(net4 60 0)/24" "main table (route1 belongs in table 100)"
	assert_contains "$(ct_exec "$ct" ip route show table 100)" "$(net4 60 0)/24 via $(net4 1 254) dev eth1" "table 100"
	assert_contains "$(ct_exec "$ct" ip -6 route show)" "$(net6 50 "")/64 via $(net6 1 254) dev eth1" "IPv6 routes"
	# route0 really carries traffic: 10.x.50.1 lives behind the router namespace only.
	ct_ping4 "$ct" "$(net4 50 1)"
	ct_stop "$ct"
	assert_stopped_clean "$ct"
}

two_nets_stable_macs() {
	local ct=${CT}c other=${CT}d mac1 mac2
	ct_create "$ct"
	ct_config "$ct" <<EOF
net1: name=eth1,bridge=$BR1,ip=$(net4 1 7)/24
net2: name=eth2,bridge=$BR2,ip=$(net4 2 7)/24
EOF
	ct_start "$ct" || fail "start refused: $(grep "CT $ct:" "$SYSLOG" | tail -n3)"
	assert_eq "$(host_links_of "$ct" | tr '\n' ' ')" "$(lx_host_ifname "$ct" 1) $(lx_host_ifname "$ct" 2) " "host ends"
	assert_contains "$(ip -o link show "$(lx_host_ifname "$ct" 2)")" "master $BR2" "host end of net2"
	mac1=$(mac_of "$ct" eth1)
	mac2=$(mac_of "$ct" eth2)
	assert_local_unicast_mac "$mac1" "MAC of eth1"
	assert_local_unicast_mac "$mac2" "MAC of eth2"
	[ "$mac1" != "$mac2" ] || fail "eth1 and eth2 have the same MAC $mac1"
	ct_ping4 "$ct" "$(net4 1 1)"
	ct_ping4 "$ct" "$(net4 2 1)"
	ct_stop "$ct"
	assert_stopped_clean "$ct"
	# The same container and net get the same MAC at every start (ARP caches stay right).
	ct_start "$ct" || fail "second start refused"
	assert_eq "$(mac_of "$ct" eth1)" "$mac1" "MAC of eth1 after a restart"
	assert_eq "$(mac_of "$ct" eth2)" "$mac2" "MAC of eth2 after a restart"
	ct_stop "$ct"
	# Another container with the same net gets another MAC.
	ct_create "$other"
	ct_config "$other" <<EOF
net1: name=eth1,bridge=$BR1,ip=$(net4 1 8)/24
EOF
	ct_start "$other" || fail "start of '$other' refused"
	[ "$(mac_of "$other" eth1)" != "$mac1" ] || fail "'$other' and '$ct' share the MAC $mac1"
	ct_stop "$other"
	assert_stopped_clean "$other"
}

# dns: for each thing /etc/resolv.conf may be before the start, the
# container sees our resolver while it runs and exactly the old thing after.
dns_written_and_restored() {
	local ct=${CT}e rootfs=$LXCPATH/${CT}e/rootfs kind conf
	ct_create "$ct"
	ct_config "$ct" <<EOF
net1: name=eth1,bridge=$BR1,ip=$(net4 1 9)/24
dns: nameserver=$(net4 1 1);$(net6 1 1),search=example.org;corp.example,options=ndots:2;rotate
EOF
	for kind in absent file symlink; do
		rm -f "$rootfs/etc/resolv.conf"
		case $kind in
		file)
			printf '# the image'"'"'s own\nnameserver 192.0.2.53\n' >"$rootfs/etc/resolv.conf"
			chmod 0640 "$rootfs/etc/resolv.conf"
			chown 12:34 "$rootfs/etc/resolv.conf"
			cp -p "$rootfs/etc/resolv.conf" "$T/resolv.before"
			;;
		symlink) ln -s ../run/resolvconf/resolv.conf "$rootfs/etc/resolv.conf" ;;
		esac
		ct_start "$ct" || fail "$kind: start refused: $(grep "CT $ct:" "$SYSLOG" | tail -n3)"
		conf=$(ct_exec "$ct" cat /etc/resolv.conf)
		assert_contains "$conf" "nameserver $(net4 1 1)" "$kind: /etc/resolv.conf in '$ct'"
		assert_contains "$conf" "nameserver $(net6 1 1)" "$kind: /etc/resolv.conf in '$ct'"
		assert_contains "$conf" "search example.org corp.example" "$kind: /etc/resolv.conf in '$ct'"
		assert_contains "$conf" "options ndots:2 rotate" "$kind: /etc/resolv.conf in '$ct'"
		assert_not_contains "$conf" "192.0.2.53" "$kind: /etc/resolv.conf in '$ct'"
		assert_exists "$RUN/$ct/resolv.conf.state"
		assert_eq "$(state_kinds "$ct")" "dns.resolvconf net.veth" "$kind: items"
		[ -n "$(jq -r '.[0].rootfs // empty' <<<"$(state_data "$ct" dns.resolvconf)")" ] ||
			fail "$kind: dns.resolvconf item without rootfs"
		ct_stop "$ct"
		assert_stopped_clean "$ct"
		case $kind in
		absent) assert_missing "$rootfs/etc/resolv.conf" ;;
		file)
			cmp "$rootfs/etc/resolv.conf" "$T/resolv.before" || fail "file: content not restored"
			assert_eq "$(stat -c '%F %a %u:%g' "$rootfs/etc/resolv.conf")" "regular file 640 12:34" "file: restored"
			;;
		symlink)
			[ -L "$rootfs/etc/resolv.conf" ] || fail "symlink: not restored as a symlink"
			assert_eq "$(readlink "$rootfs/etc/resolv.conf")" ../run/resolvconf/resolv.conf "symlink: target"
			;;
		esac
	done
}

# A container's /etc/resolv.conf pointing out of its rootfs never makes
# lxcri write on the host (nor into the file it points to in the rootfs).
dns_hostile_symlink() {
	local ct=${CT}f rootfs=$LXCPATH/${CT}f/rootfs target host_sum ct_sum
	ct_create "$ct"
	ct_config "$ct" <<EOF
dns: nameserver=$(net4 1 1)
EOF
	host_sum=$(sha256sum </etc/passwd)
	ct_sum=$(sha256sum <"$rootfs/etc/passwd")
	for target in /etc/passwd ../../../etc/passwd ../../../../../../../../etc/passwd; do
		rm -f "$rootfs/etc/resolv.conf"
		ln -s "$target" "$rootfs/etc/resolv.conf"
		ct_start "$ct" || fail "'$target': start refused: $(grep "CT $ct:" "$SYSLOG" | tail -n3)"
		assert_contains "$(ct_exec "$ct" cat /etc/resolv.conf)" "nameserver $(net4 1 1)" "'$target': resolv.conf in '$ct'"
		assert_eq "$(sha256sum </etc/passwd)" "$host_sum" "'$target': the host's /etc/passwd"
		assert_eq "$(sha256sum <"$rootfs/etc/passwd")" "$ct_sum" "'$target': the container's /etc/passwd"
		ct_stop "$ct"
		assert_stopped_clean "$ct"
		assert_eq "$(readlink "$rootfs/etc/resolv.conf")" "$target" "restored symlink"
		assert_eq "$(sha256sum </etc/passwd)" "$host_sum" "'$target': the host's /etc/passwd after the stop"
		assert_eq "$(sha256sum <"$rootfs/etc/passwd")" "$ct_sum" "'$target': the container's /etc/passwd after the stop"
	done
}

cni_network() {
	local ct=${CT}g addr lease
	cni_fresh "$CNINET" 3
	ct_create "$ct"
	ct_config "$ct" <<EOF
net2: name=eth2,cni=$CNINET
EOF
	ct_start "$ct" || fail "start refused: $(grep "CT $ct:" "$SYSLOG" | tail -n3)"
	# An address from the network's range, and exactly one lease for it.
	addr=$(ct_exec "$ct" ip addr show eth2 | sed -n 's|.* inet \([0-9.]*\)/24 .*|\1|p')
	[[ "$addr" == "$(net4 3 "")"* ]] || fail "eth2 has no address in $(net4 3 0)/24: '$addr'"
	lease=$(cni_leases "$CNINET")
	assert_eq "$lease" "$addr" "host-local leases in $CNI_IPAM/$CNINET"
	assert_eq "$(cni_cache_files)" "results/$CNINET-$ct-eth2" "CNI cache"
	assert_eq "$(state_kinds "$ct")" "net.cni" "items"
	assert_eq "$(jq -c '.[0] | [.net, .name, .network]' <<<"$(state_data "$ct" net.cni)")" \
		"[2,\"eth2\",\"$CNINET\"]" "net.cni item"
	ct_ping4 "$ct" "$(net4 3 1)"
	host_ping4 "$addr"
	ct_stop "$ct"
	# DEL ran: the lease is released, the cache is gone.
	assert_stopped_clean "$ct"
}

missing_bridge_refused() {
	local ct=${CT}h
	ct_create "$ct"
	ct_config "$ct" <<EOF
net1: name=eth1,bridge=$BR1,ip=$(net4 1 10)/24
net2: name=eth2,bridge=$MISSING,ip=$(net4 2 10)/24
EOF
	# Found before anything was made: not even net1's pair was created.
	assert_refused_before_links "$ct" "with a bridge that does not exist" "'$MISSING'" net2
	# The admin creates the bridge: the same config starts.
	ip link add "$MISSING" type bridge
	echo "$MISSING" >>"$NET_LINKS"
	ip link set "$MISSING" up
	ct_start "$ct" || fail "still refused once the bridge exists"
	assert_contains "$(ip -o link show "$(lx_host_ifname "$ct" 2)")" "master $MISSING" "host end of net2"
	ct_stop "$ct"
	ip link del "$MISSING"
	assert_stopped_clean "$ct"
}

# The container already has eth0 from its LXC config; net1 asks for eth0 too.
ifname_clash_refused() {
	local ct=${CT}i
	ct_create "$ct"
	sed -i '/^lxc.net.0.type = empty$/d' "$LXCPATH/$ct/config"
	ct_no_dhcp "$ct"
	cat >>"$LXCPATH/$ct/config" <<EOF
lxc.net.0.type = veth
lxc.net.0.link = $BR2
lxc.net.0.name = eth0
lxc.net.0.flags = up
lxc.net.0.ipv4.address = $(net4 2 11)/24
EOF
	ct_config "$ct" <<EOF
net1: name=eth0,bridge=$BR1,ip=$(net4 1 11)/24
EOF
	assert_refused_before_links "$ct" "with two interfaces named eth0" "'eth0'" net1
	# With another name both exist side by side.
	ct_config "$ct" <<EOF
net1: name=eth1,bridge=$BR1,ip=$(net4 1 11)/24
EOF
	ct_start "$ct" || fail "start refused: $(grep "CT $ct:" "$SYSLOG" | tail -n3)"
	ct_ping4 "$ct" "$(net4 2 1)"
	ct_ping4 "$ct" "$(net4 1 1)"
	ct_stop "$ct"
	assert_stopped_clean "$ct"
}

tag_needs_vlan_aware_bridge() {
	local ct=${CT}j
	ct_create "$ct"
	ct_config "$ct" <<EOF
net1: name=eth1,bridge=$BR1,ip=$(net4 1 12)/24,tag=20
EOF
	assert_refused_before_links "$ct" "with a tag on a bridge without vlan_filtering" "'$BR1'" net1
}

tagged_port_on_vlan_aware_bridge() {
	local ct=${CT}k br=lxbt${NET_SUFFIX}v err
	echo "$br" >>"$NET_LINKS"
	err=$(ip link add "$br" type bridge vlan_filtering 1 2>&1) ||
		skip "this kernel has no bridge VLAN filtering (ip link add type bridge vlan_filtering 1: $err)"
	ip link set "$br" up
	ct_create "$ct"
	ct_config "$ct" <<EOF
net1: name=eth1,bridge=$br,ip=$(net4 7 12)/24,tag=20
EOF
	ct_start "$ct" || fail "start refused: $(grep "CT $ct:" "$SYSLOG" | tail -n3)"
	local vlans
	vlans=$(bridge vlan show dev "$(lx_host_ifname "$ct" 1)")
	assert_contains "$vlans" "20 PVID Egress Untagged" "VLANs of the host end"
	assert_not_contains "$vlans" " 1 PVID" "VLANs of the host end (the default VLAN is removed)"
	ct_stop "$ct"
	assert_stopped_clean "$ct"
}

unknown_cni_network_refused() {
	local ct=${CT}l
	cni_fresh "$CNINET" 3
	ct_create "$ct"
	ct_config "$ct" <<EOF
net1: name=eth1,bridge=$BR1,ip=$(net4 1 13)/24
net2: name=eth2,cni=nosuch$NET_SUFFIX
EOF
	assert_refused_before_links "$ct" "with a CNI network that does not exist" "'nosuch$NET_SUFFIX'" net2
}

# Mistakes in the config are refused at pre-start with file:line and the
# value, before any network is touched.
grammar_errors_refused() {
	local ct=${CT}m bad needle n=0
	cni_fresh "$CNINET" 3
	ct_create "$ct"
	link_watch_start
	while IFS='|' read -r bad needle; do
		n=$((n + 1))
		printf 'net0: name=eth1,bridge=%s,ip=%s/24\n%s\n' "$BR1" "$(net4 1 14)" "$bad" | ct_config "$ct"
		: >"$SYSLOG"
		rm -f "$T/$ct.lxc.log"
		if ct_start "$ct"; then fail "case $n started: $bad"; fi
		assert_refused "$ct" "$ETC/containers/$ct.conf:2: " "$needle"
		assert_nothing_left "$ct"
	done <<EOF
net1: name=eth2,bridge=$BR1,ip=10.0.0.300/24|'10.0.0.300/24'
net1: name=eth2,bridge=$BR1,ip=10.0.0.5/33|'10.0.0.5/33'
net1: name=eth2,bridge=$BR1,ip=fd42::5/129|'fd42::5/129'
net1: name=eth2,bridge=$BR1,mtu=67|'67'
net1: name=eth2,bridge=$BR1,mtu=65536|'65536'
net1: name=eth2,bridge=$BR1,ip=fd42::5/64,mtu=1279|'1279'
net1: name=eth2,bridge=$BR1,hwaddr=01:00:5E:00:00:01|'01:00:5E:00:00:01'
net1: name=eth2,bridge=$BR1,hwaddr=00:00:00:00:00:00|'00:00:00:00:00:00'
net1: name=eth1234567890123,bridge=$BR1|'eth1234567890123'
net1: name=eth1,bridge=$BR1|'eth1'
net1: name=eth2,bridge=$BR1,tag=4095|'4095'
net1: name=eth2,cni=$CNINET,ip=10.0.0.5/24|'ip'
route0: dst=10.10.0.5/16,via=$(net4 1 1)|'10.10.0.5/16'
dns: nameserver=$(net4 1 1);bogus|'bogus'
EOF
	assert_eq "$(link_watch_stop "$(lx_host_ifname "$ct" "")")" "" "links made during $n refused starts"
}

# A step that fails half-way through the setup (a plugin of the third
# net, a route the kernel rejects, /etc/resolv.conf that cannot be
# replaced) undoes everything the start applied.
failed_setup_rolled_back() {
	local ct=${CT}n made
	cni_fresh "$CNINET" 3
	# A CNI network whose second plugin fails after the bridge plugin took a lease.
	mkdir -p "$CNI_DIR/bin"
	cat >"$CNI_DIR/bin/lxcri-test-fail" <<'EOS'
#!/bin/sh
cat >/dev/null
[ "$CNI_COMMAND" = ADD ] || exit 0
echo '{ "cniVersion": "1.0.0", "code": 100, "msg": "injected failure" }'
exit 1
EOS
	chmod +x "$CNI_DIR/bin/lxcri-test-fail"
	cni_setup failnet 4
	sed -i "s|^cni-plugin-path: .*|cni-plugin-path: /usr/lib/cni:$CNI_DIR/bin|" "$ETC/lxcri.conf"
	jq '.plugins += [{ "type": "lxcri-test-fail" }]' "$CNI_CONF/50-failnet.conflist" >"$T/failnet"
	mv "$T/failnet" "$CNI_CONF/50-failnet.conflist"
	ct_create "$ct"
	ct_config "$ct" <<EOF
net1: name=eth1,bridge=$BR1,ip=$(net4 1 15)/24
net2: name=eth2,cni=$CNINET
net3: name=eth3,cni=failnet
dns: nameserver=$(net4 1 1)
EOF
	link_watch_start
	if ct_start "$ct"; then fail "started although a CNI plugin failed"; fi
	made=$(link_watch_stop "$(lx_host_ifname "$ct" "")")
	assert_contains "$made" "$(lx_host_ifname "$ct" 1)" "links made during the start (net1 was set up first)"
	assert_refused "$ct" "injected failure" net3
	assert_nothing_left "$ct"
	assert_eq "$(cni_leases failnet)" "" "host-local leases of 'failnet'"
	assert_missing "$LXCPATH/$ct/rootfs/etc/resolv.conf"

	# A route the kernel refuses (its gateway is not on any link), after both nets are up.
	ct_config "$ct" <<EOF
net1: name=eth1,bridge=$BR1,ip=$(net4 1 15)/24
net2: name=eth2,cni=$CNINET
route0: dst=10.77.0.0/16,via=$(net4 99 1),dev=eth1
dns: nameserver=$(net4 1 1)
EOF
	: >"$SYSLOG"
	rm -f "$T/$ct.lxc.log"
	if ct_start "$ct"; then fail "started although route0 could not be added"; fi
	assert_refused "$ct" "route0" "'10.77.0.0/16'"
	assert_nothing_left "$ct"
	assert_missing "$LXCPATH/$ct/rootfs/etc/resolv.conf"
	# The last step, dns, fails: /etc/resolv.conf is a directory in this image.
	sed -i "s|via=$(net4 99 1)|via=$(net4 1 1)|" "$ETC/containers/$ct.conf"
	mkdir "$LXCPATH/$ct/rootfs/etc/resolv.conf"
	: >"$SYSLOG"
	rm -f "$T/$ct.lxc.log"
	if ct_start "$ct"; then fail "started although /etc/resolv.conf could not be written"; fi
	assert_refused "$ct" "resolv.conf"
	assert_nothing_left "$ct"
	[ -d "$LXCPATH/$ct/rootfs/etc/resolv.conf" ] || fail "the directory /etc/resolv.conf was not left as it was"
	rmdir "$LXCPATH/$ct/rootfs/etc/resolv.conf"
	# Fixed, it starts.
	ct_start "$ct" || fail "start refused: $(grep "CT $ct:" "$SYSLOG" | tail -n3)"
	assert_contains "$(ct_exec "$ct" ip route show)" "10.77.0.0/16 via $(net4 1 1) dev eth1" "routes"
	ct_stop "$ct"
	assert_stopped_clean "$ct"
}

# Teardown follows the recorded items; running it again over a state that
# still lists them (a crash right after the undo, before the save) is harmless.
teardown_twice_harmless() {
	local ct=${CT}o
	cni_fresh "$CNINET" 3
	ct_create "$ct"
	ct_config "$ct" <<EOF
net1: name=eth1,bridge=$BR1,ip=$(net4 1 16)/24
net2: name=eth2,cni=$CNINET
dns: nameserver=$(net4 1 1)
EOF
	ct_start "$ct" || fail "start refused: $(grep "CT $ct:" "$SYSLOG" | tail -n3)"
	assert_eq "$(state_kinds "$ct")" "dns.resolvconf net.cni net.veth" "items"
	cp "$(state_file "$ct")" "$T/state.applied"
	# LXC's stop hook by hand (version 0 arguments), the container still running.
	# shellcheck disable=SC2086
	"$BUILD/lxcri-hook" $HOOK_OPTS "$ct" lxc stop || fail "stop hook failed"
	assert_nothing_left "$ct"
	assert_missing "$LXCPATH/$ct/rootfs/etc/resolv.conf"
	# shellcheck disable=SC2086
	"$BUILD/lxcri-hook" $HOOK_OPTS "$ct" lxc stop || fail "second stop hook failed"
	# The items come back, as if the crash had been before the state was saved.
	cp "$T/state.applied" "$(state_file "$ct")"
	: >"$SYSLOG"
	ct_stop "$ct"
	assert_stopped_clean "$ct"
	assert_missing "$LXCPATH/$ct/rootfs/etc/resolv.conf"
	assert_not_contains "$(cat "$SYSLOG")" "failed" "syslog of the repeated teardown"
	assert_not_contains "$(cat "$SYSLOG")" "Cannot undo" "syslog of the repeated teardown"
	[ -z "$(ls -A "$RUN/.stale" 2>/dev/null)" ] || fail "state set aside: $(ls "$RUN/.stale")"
}

# --- a crash at every step of the setup ---
# lxcri-net runs under strace, which SIGKILLs it at the Nth call of a
# syscall (lib.sh: crash_setup). Only lxcri-net itself is traced (no -f): a
# crash at its Nth clone is a crash right before it runs a CNI plugin; the
# plugins themselves are not killed.
crash_at_every_step() {
	local ct=${CT}p fi=$T/fi syscalls n result crashes=0 left=0 i etc
	cni_fresh "$CNINET" 3
	ct_create "$ct"
	etc=$(ls -A "$LXCPATH/$ct/rootfs/etc")
	ct_config "$ct" <<EOF
net1: name=eth1,bridge=$BR1,ip=$(net4 1 17)/24;$(net6 1 17)/64,gw=$(net4 1 1)
net2: name=eth2,cni=$CNINET
route0: dst=$(net4 50 0)/24,via=$(net4 1 254),dev=eth1
dns: nameserver=$(net4 1 1)
EOF
	crash_setup "$ct" lxcri-net
	# netlink messages, state and resolv.conf writes, CNI plugin runs.
	for syscalls in sendmsg rename,renameat,renameat2 clone,clone3,fork,vfork; do
		for n in $(seq 1 200); do
			echo "$syscalls:signal=KILL:when=$n" >"$fi/spec"
			rm -f "$fi/result"
			if ct_start "$ct" 2>>"$T/crash-starts.log"; then
				result=$(cat "$fi/result" 2>/dev/null)
				[[ "$result" == "completed 0" ]] || fail "$syscalls#$n: started, helper: '$result'"
				ct_stop "$ct"
				assert_stopped_clean "$ct" "$syscalls#$n (no crash)"
				break
			fi
			result=$(cat "$fi/result" 2>/dev/null)
			[ "$result" == killed ] || fail "$syscalls#$n: start failed without a crash ($result): $(grep "CT $ct:" "$SYSLOG" | tail -n3)"
			crashes=$((crashes + 1))
			for i in $(seq 100); do
				[ "$(ct_state "$ct")" == STOPPED ] && ! pgrep -f "^\[lxc monitor\] $LXCPATH $ct\$" >/dev/null && break
				sleep 0.05
			done
			[ -n "$(state_kinds "$ct")$(cni_leases "$CNINET")" ] && left=$((left + 1))
			# The next start clears what the crash left, and a stop leaves nothing.
			: >"$fi/spec"
			ct_start "$ct" || fail "$syscalls#$n: no start after the crash: $(grep "CT $ct:" "$SYSLOG" | tail -n3)"
			assert_eq "$(host_links_of "$ct")" "$(lx_host_ifname "$ct" 1)" "$syscalls#$n: host ends after the restart"
			assert_eq "$(cni_leases "$CNINET" | wc -l)" 1 "$syscalls#$n: leases after the restart"
			ct_stop "$ct"
			assert_stopped_clean "$ct" "crash at $syscalls#$n, restart, stop"
			assert_eq "$(ls -A "$LXCPATH/$ct/rootfs/etc")" "$etc" "$syscalls#$n: the container's /etc"
		done
		[ "$n" -lt 200 ] || fail "$syscalls: still crashing after 200 steps"
	done
	echo "$crashes crashes, $left of them left something for the next start to clean"
	[ "$crashes" -gt 0 ] || fail "no crash was injected"
	[ "$left" -gt 0 ] || fail "no crash left anything behind: the test proved nothing"
}

twenty_cycles_leak_nothing() {
	local ct=${CT}q i
	cni_fresh "$CNINET" 3
	ct_create "$ct"
	ct_config "$ct" <<EOF
net1: name=eth1,bridge=$BR1,ip=$(net4 1 18)/24
net2: name=eth2,cni=$CNINET
dns: nameserver=$(net4 1 1)
EOF
	for i in $(seq 20); do
		ct_start "$ct" || fail "cycle $i: start refused: $(grep "CT $ct:" "$SYSLOG" | tail -n3)"
		assert_eq "$(host_links_of "$ct")" "$(lx_host_ifname "$ct" 1)" "cycle $i: host ends"
		assert_eq "$(cni_leases "$CNINET" | wc -l)" 1 "cycle $i: leases"
		assert_eq "$(cni_cache_files | wc -l)" 1 "cycle $i: CNI cache files"
		ct_stop "$ct"
		assert_stopped_clean "$ct"
	done
	assert_missing "$LXCPATH/$ct/rootfs/etc/resolv.conf"
	[ -z "$(ls -A "$RUN/.stale" 2>/dev/null)" ] || fail "state set aside: $(ls "$RUN/.stale")"
}

# --- a container whose init is gone ---
# A rootfs that lxcri does not see as a plain host directory: an overlay of
# the container's rootfs (lower) and an upper dir of the test. dns then
# reaches /etc/resolv.conf only through the container's mount namespace.
ct_overlay_rootfs() { # ct: prints the upper dir
	local dir=$T/overlay-$1
	mkdir -p "$dir/upper"
	sed -i "s|^lxc.rootfs.path = .*|lxc.rootfs.path = overlay:$LXCPATH/$1/rootfs:$dir/upper|" "$LXCPATH/$1/config"
	grep -q "^lxc.rootfs.path = overlay:" "$LXCPATH/$1/config" || fail "no overlay rootfs in $LXCPATH/$1/config"
	echo "$dir/upper"
}

# At stop the container's init is gone: the restore goes through the
# namespaces LXC hands the stop hook (arguments with hook version 0,
# LXC_MNT_NS with version 1), never through /proc/<pid> of the dead init.
dns_restored_through_mount_namespace() {
	local version ct upper
	for version in v0 v1; do
		ct=${CT}u$version
		ct_create "$ct" "$version"
		upper=$(ct_overlay_rootfs "$ct")
		printf '# the image'"'"'s own\nnameserver 192.0.2.53\n' >"$LXCPATH/$ct/rootfs/etc/resolv.conf"
		chmod 0640 "$LXCPATH/$ct/rootfs/etc/resolv.conf"
		ct_config "$ct" <<EOF
dns: nameserver=$(net4 1 1)
EOF
		ct_start "$ct" || fail "$version: start refused: $(grep "CT $ct:" "$SYSLOG" | tail -n3)"
		assert_contains "$(ct_exec "$ct" cat /etc/resolv.conf)" "nameserver $(net4 1 1)" "$version: /etc/resolv.conf in '$ct'"
		ct_stop "$ct"
		assert_stopped_clean "$ct" "$version"
		# The copy in the upper dir is what the container sees at its next start.
		assert_eq "$(cat "$upper/etc/resolv.conf")" "$(printf '# the image'"'"'s own\nnameserver 192.0.2.53')" "$version: restored /etc/resolv.conf"
		assert_eq "$(stat -c '%a' "$upper/etc/resolv.conf")" 640 "$version: mode of the restored /etc/resolv.conf"
	done
}

# A container killed together with its LXC monitor (a host crash, an OOM
# kill) runs no stop or post-stop hook: its state stays, and the PID it
# recorded may belong to another process by its next start. Here that
# process is a chrooted busybox of the test in a network namespace of its
# own with an eth2, and the state is pointed at its PID as a reused PID
# would be. The container's own /etc/resolv.conf was setuid (04755): the
# next start's cleanup must write nothing into the other process's root,
# and run CNI DEL in no namespace but the container's.
gone_container_never_reaches_a_reused_pid() {
	local ct=${CT}v victim=$T/victim vns=lxnst${NET_SUFFIX}v vpid lease
	cni_fresh "$CNINET" 3
	ct_create "$ct"
	ct_overlay_rootfs "$ct" >/dev/null
	printf '#!/bin/sh\necho "run as root"\n' >"$LXCPATH/$ct/rootfs/etc/resolv.conf"
	chmod 4755 "$LXCPATH/$ct/rootfs/etc/resolv.conf"
	ct_config "$ct" <<EOF
net2: name=eth2,cni=$CNINET
dns: nameserver=$(net4 1 1)
EOF
	ct_start "$ct" || fail "start refused: $(grep "CT $ct:" "$SYSLOG" | tail -n3)"
	lease=$(cni_leases "$CNINET")
	[ -n "$lease" ] || fail "no CNI lease"
	ct_kill_with_monitor "$ct"
	assert_eq "$(state_kinds "$ct")" "dns.resolvconf net.cni" "items the killed run left"

	mkdir -p "$victim/bin" "$victim/etc"
	cp /bin/busybox "$victim/bin/"
	printf 'nameserver 192.0.2.99\n' >"$victim/etc/resolv.conf"
	chmod 0644 "$victim/etc/resolv.conf"
	echo "netns:$vns" >>"$NET_LINKS"
	ip netns add "$vns"
	ip -n "$vns" link add eth2 type bridge
	ip netns exec "$vns" chroot "$victim" /bin/busybox sleep 300 &
	vpid=$!
	for _ in $(seq 100); do [ "$(readlink "/proc/$vpid/root")" == "$victim" ] && break; sleep 0.05; done
	assert_eq "$(readlink "/proc/$vpid/root")" "$victim" "root of the victim $vpid"
	jq --argjson v "$vpid" '
		(.items[] | select(.kind == "dns.resolvconf") | .data.rootfs) = "/proc/\($v)/root" |
		(.items[] | select(.kind == "net.cni") | .data.netns) = "/proc/\($v)/ns/net" |
		(.items[] | .data.pid) = $v' "$(state_file "$ct")" >"$T/state.reused"
	cp "$T/state.reused" "$(state_file "$ct")"

	: >"$SYSLOG"
	ct_start "$ct" || fail "start refused: $(grep "CT $ct:" "$SYSLOG" | tail -n3)"
	local mode eth2
	mode=$(stat -c '%A %U' "$victim/etc/resolv.conf")
	eth2=$(ip -n "$vns" -o link show eth2 2>&1 | cut -d' ' -f1-2 || true)
	echo "the other process after the cleanup: /etc/resolv.conf $mode; eth2: $eth2"
	kill "$vpid"
	wait "$vpid" 2>/dev/null || true
	assert_eq "$mode" "-rw-r--r-- root" "the other process's /etc/resolv.conf"
	assert_eq "$(cat "$victim/etc/resolv.conf")" "nameserver 192.0.2.99" "the other process's /etc/resolv.conf"
	assert_contains "$eth2" "eth2" "the other process's eth2 (CNI DEL in its namespace deletes it)"
	assert_contains "$(grep "CT $ct:" "$SYSLOG")" "container gone: /etc/resolv.conf not restored" "syslog"
	# DEL without a namespace still released the killed run's lease: one lease, the new run's.
	assert_eq "$(cni_leases "$CNINET" | wc -l)" 1 "leases after the restart"
	ct_stop "$ct"
	assert_stopped_clean "$ct"
}

# --- lxcri net add | del | list ---
live_net_add_del_list() {
	local ct=${CT}r conf out idx host before
	ct_create "$ct"
	ct_config "$ct" <<EOF
# web front end, see ticket 4711
net1: name=eth1,bridge=$BR1,ip=$(net4 1 19)/24
EOF
	conf=$ETC/containers/$ct.conf
	ct_start "$ct" || fail "start refused: $(grep "CT $ct:" "$SYSLOG" | tail -n3)"
	out=$("${LXCRI[@]}" net add "$ct" "name=eth3,bridge=$BR2,ip=$(net4 2 19)/24" 2>&1) ||
		fail "net add failed: $out"
	# At once inside, on the host, and in the config (comment kept).
	assert_contains "$(ct_exec "$ct" ip addr show eth3)" "inet $(net4 2 19)/24" "eth3 in '$ct'"
	ct_ping4 "$ct" "$(net4 2 1)"
	host_ping4 "$(net4 2 19)"
	idx=$(grep -E '^net[0-9]+: (.*,)?name=eth3(,|$)' "$conf" | sed 's/^net\([0-9]*\):.*/\1/')
	[ -n "$idx" ] || fail "no net line for eth3 in $conf: $(cat "$conf")"
	assert_contains "$(cat "$conf")" "# web front end, see ticket 4711" "$conf"
	assert_contains "$(cat "$conf")" "net1: name=eth1,bridge=$BR1" "$conf"
	host=$(lx_host_ifname "$ct" "$idx")
	assert_contains "$(ip -o link show "$host" 2>&1)" "master $BR2" "host end of net$idx"
	assert_contains "$(state_kinds "$ct")" "net.veth net.veth" "items"
	# Listed, as text and as JSON.
	out=$("${LXCRI[@]}" net list "$ct") || fail "net list failed: $out"
	assert_contains "$out" eth1 "net list"
	assert_contains "$out" eth3 "net list"
	assert_contains "$out" "$BR2" "net list"
	out=$("${LXCRI[@]}" net list "$ct" --output-format json) || fail "net list --output-format json failed: $out"
	assert_eq "$(jq -r '[.. | objects | select(.name? == "eth3")][0] | "\(.bridge) \(.link)"' <<<"$out")" \
		"$BR2 up" "eth3 in the JSON list"
	assert_eq "$(jq -r '[.. | objects | select(.name? == "eth1")][0] | "\(.bridge) \(.link)"' <<<"$out")" \
		"$BR1 up" "eth1 in the JSON list"
	# Deleted: gone inside, on the host and from the config; eth1 untouched.
	before=$(mac_of "$ct" eth1)
	out=$("${LXCRI[@]}" net del "$ct" eth3 2>&1) || fail "net del failed: $out"
	if ct_exec "$ct" ip link show eth3 >/dev/null 2>&1; then fail "eth3 still in '$ct'"; fi
	assert_eq "$(host_links_of "$ct")" "$(lx_host_ifname "$ct" 1)" "host ends after net del"
	assert_not_contains "$(cat "$conf")" "eth3" "$conf"
	assert_contains "$(cat "$conf")" "# web front end, see ticket 4711" "$conf"
	assert_eq "$(state_kinds "$ct")" "net.veth" "items after net del"
	assert_eq "$(mac_of "$ct" eth1)" "$before" "MAC of eth1"
	ct_ping4 "$ct" "$(net4 1 1)"
	ct_stop "$ct"
	assert_stopped_clean "$ct"
}

stopped_net_add_only_config() {
	local ct=${CT}s conf out
	ct_create "$ct"
	ct_config "$ct" <<EOF
# stopped
net1: name=eth1,bridge=$BR1,ip=$(net4 1 20)/24
EOF
	conf=$ETC/containers/$ct.conf
	out=$("${LXCRI[@]}" net add "$ct" "name=eth3,bridge=$BR2,ip=$(net4 2 20)/24" 2>&1) ||
		fail "net add failed: $out"
	assert_contains "$(cat "$conf")" "name=eth3" "$conf"
	assert_contains "$(cat "$conf")" "# stopped" "$conf"
	assert_eq "$(host_links_of "$ct")" "" "host ends of a stopped container"
	assert_missing "$(state_file "$ct")"
	assert_eq "$(ct_state "$ct")" STOPPED
	# The next start has it.
	ct_start "$ct" || fail "start refused: $(grep "CT $ct:" "$SYSLOG" | tail -n3)"
	assert_contains "$(ct_exec "$ct" ip addr show eth3)" "inet $(net4 2 20)/24" "eth3 in '$ct'"
	ct_stop "$ct"
	out=$("${LXCRI[@]}" net del "$ct" eth3 2>&1) || fail "net del failed: $out"
	assert_not_contains "$(cat "$conf")" "eth3" "$conf"
	assert_stopped_clean "$ct"
}

failed_live_add_changes_nothing() {
	local ct=${CT}t conf out rc=0 links_in links_host kinds
	ct_create "$ct"
	ct_config "$ct" <<EOF
# keep me
net1: name=eth1,bridge=$BR1,ip=$(net4 1 21)/24
EOF
	conf=$ETC/containers/$ct.conf
	ct_start "$ct" || fail "start refused: $(grep "CT $ct:" "$SYSLOG" | tail -n3)"
	cp -p "$conf" "$T/conf.before"
	links_in=$(ct_exec "$ct" ip -o link show)
	links_host=$(host_links_of "$ct")
	kinds=$(state_kinds "$ct")
	out=$("${LXCRI[@]}" net add "$ct" "name=eth3,bridge=$MISSING,ip=$(net4 2 21)/24" 2>&1) || rc=$?
	[ "$rc" -ne 0 ] || fail "net add to a missing bridge succeeded: $out"
	assert_contains "$out" "'$MISSING'" "net add's error"
	cmp "$conf" "$T/conf.before" || fail "the config changed: $(cat "$conf")"
	assert_eq "$(ct_exec "$ct" ip -o link show)" "$links_in" "links in '$ct'"
	assert_eq "$(host_links_of "$ct")" "$links_host" "host ends"
	assert_eq "$(state_kinds "$ct")" "$kinds" "items"
	# A name the container already has is refused the same way.
	rc=0
	out=$("${LXCRI[@]}" net add "$ct" "name=eth1,bridge=$BR2" 2>&1) || rc=$?
	[ "$rc" -ne 0 ] || fail "net add of a second eth1 succeeded: $out"
	assert_contains "$out" "'eth1'" "net add's error"
	cmp "$conf" "$T/conf.before" || fail "the config changed: $(cat "$conf")"
	assert_eq "$(ct_exec "$ct" ip -o link show)" "$links_in" "links in '$ct'"
	assert_eq "$(host_links_of "$ct")" "$links_host" "host ends"
	ct_stop "$ct"
	assert_stopped_clean "$ct"
}

run_test "A bridge net gives the container its interface, IPv4+IPv6 addresses and gateways; pings work both ways" bridge_net_dual_stack
run_test "mtu=, hwaddr= and routeN (metric, table=100, IPv6) are what the container sees, and routes carry traffic" mtu_mac_routes
run_test "Two nets on two bridges; generated MACs are local unicast and stable per container and net" two_nets_stable_macs
run_test "dns writes /etc/resolv.conf while running; stop restores it exactly (absent, file, symlink)" dns_written_and_restored
run_test "A hostile /etc/resolv.conf symlink never makes lxcri write outside the container's file" dns_hostile_symlink
run_test "A CNI net (bridge + host-local) gets a lease and cache at start; stop runs DEL and leaves neither" cni_network
run_test "A missing bridge refuses the start, naming it, before any link is made" missing_bridge_refused
run_test "An interface name the container already has refuses the start, naming it, before any link is made" ifname_clash_refused
run_test "A tag on a bridge without vlan_filtering refuses the start, naming the bridge" tag_needs_vlan_aware_bridge
run_test "A tag on a VLAN-aware bridge makes it the port's untagged PVID" tagged_port_on_vlan_aware_bridge
run_test "An unknown CNI network refuses the start, naming it, before any link is made" unknown_cni_network_refused
run_test "Bad values in net/route/dns refuse the start at pre-start with file:line:value, nothing made" grammar_errors_refused
run_test "A failure half-way through the setup (CNI plugin, route, dns) rolls back everything and refuses the start" failed_setup_rolled_back
run_test "Teardown run twice, even over a state that still lists undone items, is harmless" teardown_twice_harmless
run_test "After a crash at any step of the setup the next start cleans up, and a stop leaves nothing" crash_at_every_step
run_test "20 start/stop cycles with a bridge net, a CNI net and dns leak no link, lease, cache or state" twenty_cycles_leak_nothing
run_test "dns on a rootfs that is not a plain directory is restored at stop through the container's mount namespace (hook versions 0 and 1)" dns_restored_through_mount_namespace
run_test "After a container died with its monitor, the next start never restores DNS or runs CNI DEL into a process that reuses its PID" gone_container_never_reaches_a_reused_pid
run_test "lxcri net add/del on a running container apply at once and persist; net list shows them" live_net_add_del_list
run_test "lxcri net add/del on a stopped container only change its config" stopped_net_add_only_config
run_test "A failed live lxcri net add leaves the container and its config exactly as they were" failed_live_add_changes_nothing
finish
