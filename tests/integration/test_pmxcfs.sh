#!/bin/bash
# The filesystem for the PVE stories (tests/pmxcfs/pmxcfs-sim.c) does,
# case by case, what a real pmxcfs does: what pmxcfs 8.1.3 did when tried
# (shared/pve/pmxcfs-observed.txt), and where that list says nothing, what
# pve-cluster's sources do. A two-node cluster, pve1 and pve2, each node a
# mount of one store; every check is made through the mounts with the
# tools a user has (coreutils, util-linux, attr, strace, jq).
. "$(dirname "$0")/lib.sh"
export LC_ALL=C # error texts and sort order as the checks expect them

cluster() { # [pve_cluster_start options]
	pve_cluster_start "$@"
	P1=$(pve_mount pve1)
	P2=$(pve_mount pve2)
}

# errno_of cmd...: OK, or the errno the command reported.
errno_of() {
	local err
	if err=$("$@" 2>&1 >/dev/null); then
		echo OK
		return
	fi
	case $err in
	*"Operation not permitted"*) echo EPERM ;;
	*"File exists"*) echo EEXIST ;;
	*"Function not implemented"*) echo ENOSYS ;;
	*"Operation not supported"*) echo ENOTSUP ;;
	*"File too large"*) echo EFBIG ;;
	*"No space left on device"*) echo ENOSPC ;;
	*"Permission denied"*) echo EACCES ;;
	*"Directory not empty"*) echo ENOTEMPTY ;;
	*"No such file or directory"*) echo ENOENT ;;
	*"Input/output error"*) echo EIO ;;
	*"Invalid argument"*) echo EINVAL ;;
	*) echo "failed: $err" ;;
	esac
}

put() { printf '%s' "$2" >"$1"; }          # file text: open(O_CREAT|O_TRUNC), write
fill() { head -c "$2" /dev/zero >"$1"; }   # file bytes
excl() { dd if=/dev/null of="$1" conv=excl status=none; } # open(O_CREAT|O_EXCL)
# Opens for appending (must work), then writes.
open_then_write() {
	{ exec 3>>"$1"; } 2>/dev/null || { echo "open failed" >&2; return 1; }
	printf 'more\n' >&3
}
expect() { # path errno cmd...: the command gives that errno
	local what=$1 want=$2 got
	shift 2
	got=$(errno_of "$@")
	assert_eq "$got" "$want" "$what"
}
mode_of() { stat -c '%A %U:%G' "$1"; }

tree_and_links() {
	local n d
	cluster
	for n in pve1 pve2; do
		for d in "" /lxc /qemu-server /openvz /priv; do
			[ -d "$P1/nodes/$n$d" ] || fail "no nodes/$n$d"
			expect "mkdir nodes/$n$d" EEXIST mkdir "$P1/nodes/$n$d"
		done
	done
	expect "mkdir priv" EEXIST mkdir "$P1/priv"
	expect "mkdir nodes" EEXIST mkdir "$P1/nodes"
	assert_eq "$(ls -A "$P1" | tr '\n' ' ')" ".members .vmlist local lxc nodes openvz priv qemu-server " "the root"
	assert_eq "$(readlink "$P1/local")" nodes/pve1 "pve1's local"
	assert_eq "$(readlink "$P1/lxc")" nodes/pve1/lxc "pve1's lxc"
	assert_eq "$(readlink "$P1/qemu-server")" nodes/pve1/qemu-server "pve1's qemu-server"
	assert_eq "$(readlink "$P1/openvz")" nodes/pve1/openvz "pve1's openvz"
	assert_eq "$(readlink "$P2/local")" nodes/pve2 "pve2's local"
	assert_eq "$(readlink "$P2/lxc")" nodes/pve2/lxc "pve2's lxc"
	put "$P1/lxc/999.conf" $'hostname: t\n'
	assert_eq "$(realpath "$P1/lxc/999.conf")" "$P1/nodes/pve1/lxc/999.conf"
	assert_eq "$(stat -c '%A %U:%G %s %h' "$P1/local")" "lrwxr-xr-x root:www-data 10 1" "lstat local"
	assert_eq "$(stat -c '%A %U:%G %h' "$P1/lxc")" "lrwxr-xr-x root:www-data 1" "lstat lxc"
	assert_eq "$(stat -c '%A %U:%G %h' "$P1")" "drwxr-xr-x root:www-data 2" "lstat ."
	assert_eq "$(stat -c '%A %U:%G %h' "$P1/nodes/pve1/lxc")" "drwxr-xr-x root:www-data 2" "lstat nodes/pve1/lxc"
	# The links and the generated files are pmxcfs's own: not to be removed or replaced.
	expect "unlink lxc" EACCES rm "$P1/lxc"
	expect "rename local" EACCES mv -T "$P1/local" "$P1/mine"
	expect "write .members" EIO put "$P1/.members" x
	expect "write .vmlist" EIO put "$P1/.vmlist" x
	assert_eq "$(stat -c '%A %U:%G' "$P1/.members" "$P1/.vmlist" | tr '\n' ' ')" \
		"-r--r----- root:www-data -r--r----- root:www-data " "lstat .members .vmlist"
}

modes_fixed() {
	cluster
	(umask 077 && mkdir "$P1/lxcri" "$P1/lxcri2")
	(umask 077 && put "$P1/lxcri/f" ab)
	assert_eq "$(mode_of "$P1/lxcri2")" "drwxr-xr-x root:www-data" "mkdir asking 0700"
	assert_eq "$(stat -c '%A %U:%G %s %h' "$P1/lxcri/f")" "-rw-r----- root:www-data 2 1" "a file created asking 0600"
	assert_eq "$(mode_of "$P1/priv")" "drwx------ root:www-data" "priv"
	assert_eq "$(mode_of "$P1/nodes/pve1/priv")" "drwx------ root:www-data" "nodes/pve1/priv"
	put "$P1/priv/p" ab
	assert_eq "$(stat -c '%A %U:%G %s' "$P1/priv/p")" "-rw------- root:www-data 2" "priv/p"
	(umask 0 && put "$P1/nodes/pve2/priv/q" ab && mkdir "$P1/priv/d")
	assert_eq "$(mode_of "$P1/nodes/pve2/priv/q")" "-rw------- root:www-data" "nodes/pve2/priv/q asking 0666"
	assert_eq "$(mode_of "$P1/priv/d")" "drwx------ root:www-data" "priv/d asking 0777"
	# As every node shows it.
	assert_eq "$(mode_of "$P2/lxcri/f")" "-rw-r----- root:www-data" "lxcri/f through pve2"
}

chmod_chown_matrix() {
	local m
	cluster
	mkdir "$P1/lxcri"
	put "$P1/lxcri/f" ab
	put "$P1/priv/p" ab
	for m in 644 600 755 400; do
		expect "chmod $m lxcri/f" EPERM chmod "$m" "$P1/lxcri/f"
	done
	expect "chmod 640 lxcri/f" OK chmod 640 "$P1/lxcri/f"
	expect "chmod 600 priv/p" OK chmod 600 "$P1/priv/p"
	expect "chmod 640 priv/p" EPERM chmod 640 "$P1/priv/p"
	for m in 755 750 700; do
		expect "chmod $m lxcri (dir)" EPERM chmod "$m" "$P1/lxcri"
	done
	expect "chown 0:33 lxcri/f" OK chown root:www-data "$P1/lxcri/f"
	expect "chown 0:0 lxcri/f" EPERM chown 0:0 "$P1/lxcri/f"
	expect "chown 1000:-1 lxcri/f" EPERM chown 1000 "$P1/lxcri/f"
	assert_eq "$(mode_of "$P1/lxcri/f")" "-rw-r----- root:www-data" "lxcri/f after the refusals"
	assert_eq "$(mode_of "$P1/lxcri")" "drwxr-xr-x root:www-data" "lxcri after the refusals"
}

no_links_nodes_xattrs() {
	cluster
	mkdir "$P1/lxcri"
	put "$P1/lxcri/f" ab
	expect "symlink lxcri/sl -> f" ENOSYS ln -s f "$P1/lxcri/sl"
	expect "hardlink lxcri/f -> lxcri/hl" EPERM ln "$P1/lxcri/f" "$P1/lxcri/hl"
	expect "mknod fifo lxcri/fifo" ENOSYS mkfifo "$P1/lxcri/fifo"
	expect "mknod p lxcri/fifo2" ENOSYS mknod "$P1/lxcri/fifo2" p
	expect "setxattr user.x lxcri/f" ENOTSUP setfattr -n user.x -v 1 "$P1/lxcri/f"
	assert_eq "$(ls -A "$P1/lxcri" | tr '\n' ' ')" "f " "lxcri after the refusals"
}

file_size_limit() {
	local trace=$T/dd.trace
	cluster
	mkdir "$P1/lxcri"
	# One write() of 2 MiB: cut at 1 MiB, the next write (dd writes the rest) EFBIG.
	strace -o "$trace" -e trace=write dd if=/dev/zero of="$P1/lxcri/big" bs=2M count=1 \
		iflag=fullblock status=none 2>/dev/null && fail "a 2 MiB file was written"
	grep -q '^write(1, .*, 2097152) = 1048576$' "$trace" || fail "no short write of 1048576: $(grep '^write(1' "$trace")"
	grep -q '^write(1, .*, 1048576) = -1 EFBIG' "$trace" || fail "no EFBIG after the short write: $(grep '^write(1' "$trace")"
	assert_eq "$(stat -c %s "$P1/lxcri/big")" 1048576 "size of lxcri/big"
	expect "write exactly 1 MiB" OK fill "$P1/lxcri/1m" 1048576
	assert_eq "$(stat -c %s "$P1/lxcri/1m")" 1048576 "size of lxcri/1m"
	expect "write 1 MiB + 1" EFBIG fill "$P1/lxcri/1m1" 1048577
	assert_eq "$(stat -c %s "$P1/lxcri/1m1")" 1048576 "size of lxcri/1m1"
	expect "append to a 1 MiB file" EFBIG open_then_write "$P1/lxcri/1m"
	put "$P1/lxcri/f" ab
	expect "truncate lxcri/f to 2 MiB" EFBIG truncate -s 2M "$P1/lxcri/f"
	assert_eq "$(stat -c %s "$P1/lxcri/f")" 2 "size of lxcri/f"
	expect "truncate lxcri/f to 1 MiB" OK truncate -s 1M "$P1/lxcri/f"
}

exclusive_create() {
	local i ok a b
	cluster
	mkdir "$P1/lxcri"
	put "$P1/lxcri/f" ab
	expect "O_EXCL create lxcri/f (exists) through pve2" EEXIST excl "$P2/lxcri/f"
	expect "O_EXCL create lxcri/new" OK excl "$P2/lxcri/new"
	mkdir "$P1/lxcri/d"
	expect "mkdir lxcri/d again through pve2" EEXIST mkdir "$P2/lxcri/d"
	# Both nodes create the same file at once: exactly one of them gets it.
	for i in $(seq 20); do
		excl "$P1/lxcri/race$i" 2>/dev/null &
		a=$!
		excl "$P2/lxcri/race$i" 2>/dev/null &
		b=$!
		ok=0
		wait "$a" && ok=$((ok + 1))
		wait "$b" && ok=$((ok + 1))
		assert_eq "$ok" 1 "O_EXCL creates of lxcri/race$i that succeeded"
	done
}

vmid_unique() {
	cluster
	mkdir "$P2/lxcri"
	put "$P1/lxc/100.conf" $'hostname: a\n'
	expect "create pve2's lxc/100.conf (another node)" EEXIST put "$P2/lxc/100.conf" x
	expect "create pve1's qemu-server/100.conf (another type)" EEXIST put "$P1/qemu-server/100.conf" x
	expect "create pve2's qemu-server/100.conf" EEXIST put "$P2/qemu-server/100.conf" x
	expect "create pve2's openvz/100.conf" EEXIST put "$P2/openvz/100.conf" x
	put "$P2/lxcri/tmp" x
	expect "rename a file into pve2's lxc/100.conf" EEXIST mv "$P2/lxcri/tmp" "$P2/lxc/100.conf"
	expect "rename a file into pve1's qemu-server/100.conf" EEXIST mv "$P2/lxcri/tmp" "$P2/nodes/pve1/qemu-server/100.conf"
	put "$P2/lxc/200.conf" x
	expect "rename 200.conf into pve2's lxc/100.conf" EEXIST mv "$P2/lxc/200.conf" "$P2/lxc/100.conf"
	assert_eq "$(cat "$P1/lxc/100.conf")" "hostname: a" "pve1's lxc/100.conf"
	assert_missing "$P2/lxc/100.conf"
	assert_missing "$P1/qemu-server/100.conf"
	assert_exists "$P2/lxcri/tmp"
	assert_exists "$P2/lxc/200.conf"
	# The config's own node and type: writes and the atomic-update rename work.
	expect "append to pve1's lxc/100.conf" OK open_then_write "$P1/lxc/100.conf"
	put "$P1/lxc/100.conf.tmp" $'hostname: b\n'
	expect "rename 100.conf.tmp over pve1's lxc/100.conf" OK mv "$P1/lxc/100.conf.tmp" "$P1/lxc/100.conf"
	assert_eq "$(cat "$P2/nodes/pve1/lxc/100.conf")" "hostname: b" "pve1's lxc/100.conf through pve2"
	# Gone, the vmid is free for any node and type.
	rm "$P1/lxc/100.conf"
	expect "create pve2's qemu-server/100.conf after the removal" OK put "$P2/qemu-server/100.conf" x
}

migration_rename() {
	cluster
	put "$P1/lxc/101.conf" $'hostname: m\n'
	expect "migrate nodes/pve1/lxc/101.conf -> nodes/pve2/lxc/101.conf" OK \
		mv "$P1/nodes/pve1/lxc/101.conf" "$P1/nodes/pve2/lxc/101.conf"
	assert_eq "$(cat "$P2/lxc/101.conf")" "hostname: m" "pve2's lxc/101.conf"
	assert_missing "$P1/lxc/101.conf"
	assert_eq "$(jq -r '.ids["101"] | .node + " " + .type' "$P1/.vmlist")" "pve2 lxc" ".vmlist after the migration"
	expect "move lxc/101.conf -> qemu-server/101.conf" OK mv "$P2/lxc/101.conf" "$P2/qemu-server/101.conf"
	assert_eq "$(jq -r '.ids["101"] | .node + " " + .type' "$P2/.vmlist")" "pve2 qemu" ".vmlist after the move"
	expect "move back" OK mv "$P2/qemu-server/101.conf" "$P2/lxc/101.conf"
	expect "migrate back through pve2" OK mv "$P2/nodes/pve2/lxc/101.conf" "$P2/nodes/pve1/lxc/101.conf"
	assert_eq "$(jq -r '.ids["101"] | .node + " " + .type' "$P2/.vmlist")" "pve1 lxc" ".vmlist after migrating back"
}

rename_atomic() {
	local i reader bad body
	cluster
	mkdir "$P1/lxcri"
	put "$P1/lxcri/f" old
	put "$P1/lxcri/f.tmp" "begin new end"
	expect "rename lxcri/f.tmp over lxcri/f" OK mv "$P1/lxcri/f.tmp" "$P1/lxcri/f"
	assert_eq "$(cat "$P2/lxcri/f")" "begin new end" "lxcri/f"
	assert_missing "$P2/lxcri/f.tmp"
	# A reader on pve2 while pve1 replaces the file: always one whole version.
	(
		reads=0
		until [ -e "$T/writer.done" ]; do
			c=$(cat "$P2/lxcri/f")
			[[ "$c" == begin*end ]] || { echo "read '${c:0:20}...' (${#c} bytes)"; break; }
			reads=$((reads + 1))
		done
		echo "$reads" >"$T/reader.count"
	) >"$T/reader.out" 2>&1 &
	reader=$!
	body=$(head -c 20000 /dev/zero | tr '\0' x)
	for i in $(seq 100); do
		printf 'begin %s\n%s\nend\n' "$i" "$body" >"$P1/lxcri/f.tmp"
		mv "$P1/lxcri/f.tmp" "$P1/lxcri/f"
	done
	touch "$T/writer.done"
	wait "$reader"
	bad=$(cat "$T/reader.out")
	[ -z "$bad" ] || fail "a reader saw a partial file: $bad"
	[ "$(cat "$T/reader.count")" -ge 10 ] || fail "only $(cat "$T/reader.count") reads while the file was replaced"
	mkdir "$P1/lxcri2"
	expect "rename dir lxcri2 -> lxcri3" OK mv "$P1/lxcri2" "$P1/lxcri3"
	expect "rename across dirs lxcri/f -> lxcri3/f" OK mv "$P1/lxcri/f" "$P1/lxcri3/f"
	expect "rename back lxcri3/f -> lxcri/f" OK mv "$P1/lxcri3/f" "$P1/lxcri/f"
	# pmxcfs moves only empty directories (memdb_rename).
	expect "rename non-empty dir lxcri" ENOTEMPTY mv -T "$P1/lxcri" "$P1/lxcri4"
	expect "rmdir non-empty lxcri" ENOTEMPTY rmdir "$P1/lxcri"
	assert_exists "$P1/lxcri/f"
}

vmlist_content() {
	local norm v0 v1 want
	cluster
	assert_eq "$(cat "$P1/.vmlist")" $'{\n"version": 0\n\n}' ".vmlist without guests"
	put "$P1/lxc/100.conf" $'hostname: a\n'
	put "$P2/qemu-server/200.conf" $'name: b\n'
	put "$P2/lxc/3000.conf" $'hostname: c\n'
	assert_eq "$(cat "$P1/.vmlist")" "$(cat "$P2/.vmlist")" ".vmlist of pve1 and pve2"
	jq -e . "$P1/.vmlist" >/dev/null || fail ".vmlist is no JSON: $(cat "$P1/.vmlist")"
	# pmxcfs's layout (status.c cfs_create_vmlist_msg), versions aside.
	norm=$(sed -E 's/"version": [0-9]+/"version": N/g' "$P1/.vmlist")
	want='{
"version": N,
"ids": {
"100": { "node": "pve1", "type": "lxc", "version": N },
"200": { "node": "pve2", "type": "qemu", "version": N },
"3000": { "node": "pve2", "type": "lxc", "version": N }}

}'
	assert_eq "$norm" "$want" ".vmlist"
	v0=$(jq '.version' "$P1/.vmlist")
	open_then_write "$P1/lxc/100.conf"
	v1=$(jq '.version' "$P2/.vmlist")
	[ "$v1" -gt "$v0" ] || fail ".vmlist version did not grow with a config write: $v0 -> $v1"
	assert_eq "$(jq '.ids["100"].version' "$P2/.vmlist")" "$v1" "100's version after its write"
	[ "$(jq '.ids["200"].version' "$P2/.vmlist")" -lt "$v1" ] || fail "200's version grew with 100's write"
	rm "$P2/qemu-server/200.conf"
	assert_eq "$(jq -r '.ids | keys | join(" ")' "$P1/.vmlist")" "100 3000" "guests after removing 200"
	[ "$(jq '.version' "$P1/.vmlist")" -gt "$v1" ] || fail ".vmlist version did not grow with a removal"
	# Not a guest config: other names, other directories.
	put "$P1/lxc/100.conf.tmp" x
	put "$P1/lxc/0100.conf" x
	mkdir "$P1/lxcri"
	put "$P1/lxcri/400.conf" x
	assert_eq "$(jq -r '.ids | keys | join(" ")' "$P1/.vmlist")" "100 3000" "guests after other files"
}

members_content() {
	local norm want v0
	cluster
	jq -e . "$P1/.members" >/dev/null || fail ".members is no JSON: $(cat "$P1/.members")"
	assert_eq "$(jq -r .nodename "$P1/.members")" pve1 "pve1's nodename"
	assert_eq "$(jq -r .nodename "$P2/.members")" pve2 "pve2's nodename"
	norm=$(sed -E 's/"version": [0-9]+/"version": N/g' "$P2/.members")
	want='{
"nodename": "pve2",
"version": N,
"cluster": { "name": "lxcri-test", "version": N, "nodes": 2, "quorate": 1 },
"nodelist": {
  "pve1": { "id": 1, "online": 1, "ip": "127.0.0.1"},
  "pve2": { "id": 2, "online": 1, "ip": "127.0.0.2"}
  }
}'
	assert_eq "$norm" "$want" "pve2's .members"
	v0=$(jq .version "$P1/.members")
	pve_node_online pve2 0
	assert_eq "$(jq -c '[.nodelist.pve1.online, .nodelist.pve2.online]' "$P1/.members")" "[1,0]" "online through pve1"
	assert_eq "$(jq -c '[.nodelist.pve1.online, .nodelist.pve2.online]' "$P2/.members")" "[1,0]" "online through pve2"
	[ "$(jq .version "$P1/.members")" -gt "$v0" ] || fail ".members version did not grow with a membership change"
	pve_node_online pve2 1
	assert_eq "$(jq -c '[.nodelist.pve1.online, .nodelist.pve2.online]' "$P1/.members")" "[1,1]" "online after the return"
	pve_quorum 0
	assert_eq "$(jq .cluster.quorate "$P2/.members")" 0 "quorate without quorum"
	pve_quorum 1
	assert_eq "$(jq .cluster.quorate "$P2/.members")" 1 "quorate with quorum"
}

local_mode_members() {
	pve_cluster_start --local vm
	# Byte for byte what the real node in local mode showed (35 bytes).
	assert_eq "$(cat "$(pve_mount vm)/.members")" $'{\n"nodename": "vm",\n"version": 0\n}' ".members"
	assert_eq "$(stat -c %s "$(pve_mount vm)/.members")" 35 "size of .members"
	assert_eq "$(readlink "$(pve_mount vm)/local")" nodes/vm "local"
	assert_eq "$PVE" "$(pve_mount vm)" "\$PVE"
}

no_quorum_matrix() {
	local p
	cluster
	mkdir "$P1/lxcri" "$P1/lxcri/d"
	put "$P1/lxcri/f" $'a\n'
	put "$P1/priv/p" x
	pve_quorum 0
	for p in "$P1" "$P2"; do
		assert_eq "$(stat -c %A "$p/lxcri/f")" "-r--r-----" "a file without quorum"
		assert_eq "$(stat -c %A "$p/lxcri")" "dr-xr-xr-x" "a directory without quorum"
		assert_eq "$(stat -c %A "$p/nodes/pve1/lxc")" "dr-xr-xr-x" "nodes/pve1/lxc without quorum"
		assert_eq "$(stat -c %A "$p/local")" "lr-xr-xr-x" "lstat local (what PVE tests) without quorum"
		assert_eq "$(stat -c %A "$p/priv")" "dr-x------" "priv without quorum"
		assert_eq "$(stat -c %A "$p/priv/p")" "-r--------" "priv/p without quorum"
	done
	assert_eq "$(cat "$P2/lxcri/f")" "a" "a read without quorum"
	expect "create" EACCES put "$P1/lxcri/new" x
	expect "create through pve2" EACCES put "$P2/lxcri/new" x
	expect "open for writing, then write" EACCES open_then_write "$P1/lxcri/f"
	expect "truncate" EACCES truncate -s 0 "$P1/lxcri/f"
	expect "write with O_TRUNC" EACCES put "$P1/lxcri/f" b
	expect "mkdir" EACCES mkdir "$P1/lxcri/e"
	expect "unlink" EACCES rm "$P1/lxcri/f"
	expect "rename" EACCES mv "$P1/lxcri/f" "$P1/lxcri/g"
	expect "rmdir" EACCES rmdir "$P1/lxcri/d"
	expect "utime" EACCES touch "$P1/lxcri/f"
	expect "chmod 0640" OK chmod 640 "$P1/lxcri/f"
	expect "access(W_OK) by root" OK test -w "$P1/lxcri/f"
	assert_eq "$(cat "$P1/lxcri/f")" "a" "the file after the refusals"
	assert_eq "$(ls -A "$P1/lxcri" | tr '\n' ' ')" "d f " "lxcri after the refusals"
	pve_quorum 1
	assert_eq "$(stat -c %A "$P1/lxcri/f")" "-rw-r-----" "a file with quorum back"
	assert_eq "$(stat -c %A "$P1/local")" "lrwxr-xr-x" "lstat local with quorum back"
	expect "write with quorum back" OK open_then_write "$P1/lxcri/f"
	expect "utime with quorum back" OK touch "$P1/lxcri/f"
	expect "create with quorum back" OK put "$P2/lxcri/new" x
}

flock_node_local() {
	cluster
	mkdir "$P1/lxcri"
	put "$P1/lxcri/f" x
	exec 9<"$P1/lxcri/f"
	flock -n 9 || fail "LOCK_EX on pve1 failed"
	if flock -n "$P1/lxcri/f" true; then fail "a second LOCK_EX on pve1 succeeded"; fi
	expect "LOCK_EX on pve2 (locks are node-local)" OK flock -n "$P2/lxcri/f" true
	exec 9<&-
	expect "LOCK_EX on pve1 once released" OK flock -n "$P1/lxcri/f" true
	expect "fsync" OK sync "$P1/lxcri/f"
	expect "fsync dir" OK sync "$P1/lxcri"
}

shared_store() {
	cluster
	mkdir "$P1/lxcri"
	put "$P1/lxcri/f" one
	assert_eq "$(cat "$P2/lxcri/f")" one "pve2 reads pve1's write"
	put "$P2/lxcri/f" twotwo
	assert_eq "$(cat "$P1/lxcri/f")" twotwo "pve1 reads pve2's write"
	assert_eq "$(stat -c %s "$P1/lxcri/f")" 6 "pve1's size after pve2's write"
	rm "$P2/lxcri/f"
	assert_missing "$P1/lxcri/f"
	mkdir "$P2/lxcri/d"
	[ -d "$P1/lxcri/d" ] || fail "pve1 does not see pve2's mkdir"
}

# What `cat >file` and every shell redirection do: pmxcfs (FUSE 2.6) gets
# the truncate before the open, and the file holds only what was written.
overwrite_truncates() {
	cluster
	mkdir "$P1/lxcri"
	put "$P1/lxcri/f" "a longer first version"
	put "$P1/lxcri/f" short
	assert_eq "$(cat "$P1/lxcri/f")" short "pve1 after the second write"
	assert_eq "$(cat "$P2/lxcri/f")" short "pve2 after the second write"
	assert_eq "$(stat -c %s "$P2/lxcri/f")" 5 "size after the second write"
}

store_limit() {
	cluster --max-store 2621440
	mkdir "$P1/lxcri"
	assert_eq "$(stat -f -c '%S %b' "$P1")" "4096 640" "statfs block size and blocks"
	fill "$P1/lxcri/a" 1048576
	fill "$P2/lxcri/b" 1048576
	expect "a write past the store's 2.5 MiB" ENOSPC fill "$P1/lxcri/c" 1048576
	assert_eq "$(stat -c %s "$P1/lxcri/c")" 524288 "size of lxcri/c"
	assert_eq "$(stat -f -c %f "$P2")" 0 "statfs free blocks"
	rm "$P1/lxcri/a"
	expect "a write once space is free" OK fill "$P1/lxcri/c" 1048576
}

store_limit_default() {
	cluster
	assert_eq "$(stat -f -c '%S %b %l' "$P1")" "4096 32768 256" "statfs of 128 MiB"
}

cfs_lock_dirs() {
	cluster
	expect "mkdir priv/lock/test without priv/lock" ENOENT mkdir "$P1/priv/lock/test"
	mkdir "$P1/priv/lock"
	expect "mkdir priv/lock/test" OK mkdir "$P1/priv/lock/test"
	expect "mkdir priv/lock/test through pve2" EEXIST mkdir "$P2/priv/lock/test"
	expect "rename priv/lock/test" EACCES mv -T "$P1/priv/lock/test" "$P1/priv/lock/t2"
	expect "unlock request (utime 0) on a fresh lock" EACCES touch -d @0 "$P2/priv/lock/test"
	assert_exists "$P1/priv/lock/test"
	# Two minutes pass for the lock (in the store, the one clock here).
	touch -d '-150 seconds' "$PVE_STORE/tree/priv/lock/test"
	# pmxcfs removes the lock, then libfuse reads its attributes back: ENOENT.
	expect "unlock request on an expired lock" ENOENT touch -d @0 "$P2/priv/lock/test"
	assert_missing "$P1/priv/lock/test"
	mkdir "$P1/priv/lock/test"
	expect "rmdir priv/lock/test" OK rmdir "$P1/priv/lock/test"
}

bad_arguments() {
	local out sim=$BUILD/tests/pmxcfs-sim
	mkdir -p "$T/m"
	out=$("$sim" --store "$T/s" --node pve3 --nodes pve1,pve2 "$T/m" 2>&1) && fail "started: $out"
	assert_eq "$out" "Invalid --node 'pve3': not one of --nodes"
	out=$("$sim" --store "$T/s" --node pve1 --nodes pve1,-x "$T/m" 2>&1) && fail "started: $out"
	assert_contains "$out" "Invalid node name '-x' in --nodes"
	out=$("$sim" --store "$T/s" --node pve1 --nodes pve1,pve1 "$T/m" 2>&1) && fail "started: $out"
	assert_eq "$out" "Invalid --nodes: 'pve1' twice"
	out=$("$sim" --store "$T/s" --node pve1 --nodes pve1 --max-store 1M "$T/m" 2>&1) && fail "started: $out"
	assert_eq "$out" "Invalid --max-store '1M': a number of bytes"
	out=$("$sim" --store "$T/s" --node pve1 --nodes pve1 --cluster 'a"b' "$T/m" 2>&1) && fail "started: $out"
	assert_contains "$out" "Invalid --cluster 'a\"b'"
	out=$("$sim" --node pve1 --nodes pve1 "$T/m" 2>&1) && fail "started: $out"
	assert_contains "$out" "usage: pmxcfs-sim --store DIR"
	if grep -q " $T/m " /proc/mounts; then fail "$T/m mounted"; fi
}

stop_leaves_nothing() {
	local pids p
	cluster
	pids=$(cat "$PMXCFS_RUN"/*.pid)
	# A file held open through pve1: its mount is busy when the cluster stops.
	mkdir "$P1/lxcri"
	put "$P1/lxcri/f" x
	exec 8<"$P1/lxcri/f"
	pve_cluster_stop 2>"$T/stop.err"
	exec 8<&-
	assert_contains "$(cat "$T/stop.err")" "pmxcfs-sim of pve1 did not exit after the unmount: ending it"
	for p in "$P1" "$P2"; do
		if grep -q " $p " /proc/mounts; then fail "$p still mounted"; fi
	done
	for p in $pids; do
		if pmxcfs_running "$p"; then fail "pmxcfs-sim $p still runs"; fi
	done
	assert_missing "$PVE_STORE"
	assert_eq "$PVE" "$PVE_PLAIN" "\$PVE after the stop"
	grep -q -- "--pve-dir=$PVE_PLAIN " "$DROPIN" || fail "the drop-in does not point at $PVE_PLAIN: $(cat "$DROPIN")"
	assert_eq "$(pve_cluster_nodes)" "" "nodes after the stop"
}

acting_as_a_node() {
	cluster
	assert_eq "$PVE" "$P1" "\$PVE after the start"
	grep -q -- "--pve-dir=$P1 " "$DROPIN" || fail "the drop-in does not point at pve1: $(cat "$DROPIN")"
	assert_contains "${LXCRI[*]}" "--pve-dir=$P1 " "lxcri's options"
	pve_use_node pve2
	assert_eq "$PVE" "$P2" "\$PVE as pve2"
	grep -q -- "--pve-dir=$P2 " "$DROPIN" || fail "the drop-in does not point at pve2: $(cat "$DROPIN")"
	assert_contains "$HOOK_OPTS" "--pve-dir=$P2 " "the hook's options"
	assert_eq "$(readlink "$PVE/lxc")" nodes/pve2/lxc "\$PVE/lxc as pve2"
}

run_test "A node shows pmxcfs's tree: nodes/<node>/{lxc,qemu-server,openvz,priv} for every node, and local, lxc, qemu-server, openvz pointing into its own" tree_and_links
run_test "Files show 0640 and directories 0755 (priv/ 0600 and 0700), root:www-data, whatever mode their creator asks for" modes_fixed
run_test "chmod to the one allowed mode succeeds, any other mode is EPERM; chown only to root:www-data" chmod_chown_matrix
run_test "symlink and mknod give ENOSYS, a hard link EPERM, setxattr ENOTSUP" no_links_nodes_xattrs
run_test "A file holds at most 1 MiB: a 2 MiB write() stops at 1 MiB and the next write gives EFBIG, truncate past 1 MiB EFBIG" file_size_limit
run_test "O_EXCL create and mkdir of an existing entry give EEXIST, also through the other node and when both create at once" exclusive_create
run_test "A vmid is unique across nodes and types: a config for a vmid held elsewhere is EEXIST, created or renamed into place" vmid_unique
run_test "A migration renames the config into the other node's directory, and .vmlist follows; a move between types works too" migration_rename
run_test "rename replaces its target atomically (readers on the other node see whole versions); only empty directories move" rename_atomic
run_test ".vmlist lists every node's guests in pmxcfs's format, and its versions grow with each config change" vmlist_content
run_test ".members names this node, the cluster, quorum and every node's id, online state and ip, switchable by the test" members_content
run_test "A node in local mode shows .members as the real local-mode node did" local_mode_members
run_test "Without quorum reads work, modes lose their write bits, every change gives EACCES; chmod 0640 and access(W_OK) still succeed" no_quorum_matrix
run_test "flock is node-local: a lock held through pve1 does not block pve2; fsync succeeds" flock_node_local
run_test "Two nodes share one store: a change through one mount is seen through the other at once" shared_store
run_test "Writing over a file with O_TRUNC leaves only what was written, as pmxcfs does" overwrite_truncates
run_test "The store holds at most --max-store bytes: a write past it gives ENOSPC, statfs tells the space" store_limit
run_test "statfs shows pmxcfs's 128 MiB of 4096-byte blocks" store_limit_default
run_test "cfs locks (priv/lock/<name>): no rename, an unlock request succeeds only when the lock expired" cfs_lock_dirs
run_test "pmxcfs-sim refuses bad arguments, naming the value, and mounts nothing" bad_arguments
run_test "Stopping the cluster unmounts every node, even a busy one, ends the daemons and puts \$PVE back" stop_leaves_nothing
run_test "A test acts as pve1 or pve2: \$PVE, lxcri's and the hooks' --pve-dir point at that node's mount" acting_as_a_node
finish
