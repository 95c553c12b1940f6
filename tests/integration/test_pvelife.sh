#!/bin/bash
# The life of a vmid on a simulated PVE cluster (pmxcfs-sim, nodes pve1 and
# pve2): stored seccomp profiles shared by digest, what fits in pmxcfs,
# `lxcri gc` after `pct destroy`, and `lxcri config export | import` for
# backups, restores and clones. Real busybox containers where a start is
# involved.
. "$(dirname "$0")/lib.sh"
pve_node_setup

lxcri() { "${LXCRI[@]}" "$@"; }
sum_of() { md5sum "$@" 2>/dev/null | awk '{print $1}'; } # files

# A profile that makes mkdir fail with EDQUOT (122), and nothing else.
MKDIR_DENIED=$T/mkdir-denied.json
printf '{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"], "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 122}]}\n' >"$MKDIR_DENIED"
# Another one: rmdir fails with EDQUOT.
RMDIR_DENIED=$T/rmdir-denied.json
printf '{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"], "syscalls": [{"names": ["rmdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 122}]}\n' >"$RMDIR_DENIED"

# What PVE does at every start: the LXC config gets the raw lxc.* keys of
# /etc/pve/lxc/<vmid>.conf (simulated: only the seccomp key, appended).
pve_regenerate() { # vmid
	sed -i '/^lxc\.seccomp\.profile/d' "$LXCPATH/$1/config"
	sed -n 's/^\(lxc\.seccomp\.profile\): \(.*\)$/\1 = \2/p' "$PVE/lxc/$1.conf" >>"$LXCPATH/$1/config"
}

# Starts vmid and shows that its seccomp profile denies mkdir.
start_with_mkdir_denied() { # vmid
	pve_regenerate "$1"
	ct_start "$1" || fail "start of $1 refused: $(grep "CT $1:" "$SYSLOG" | tail -n3)"
	assert_contains "$(ct_exec "$1" /bin/mkdir /tmp/x 2>&1)" "Disk quota exceeded" "mkdir in $1"
}

store_files() { find "$PVE/lxcri/seccomp" -type f -name "*.$1" 2>/dev/null | wc -l; } # seccomp|json

shared_profile_stored_once() {
	local out
	pve_ct_create 220
	pve_ct_create 221
	out=$(lxcri seccomp set 220 "$MKDIR_DENIED" 2>&1) || fail "seccomp set 220: $out"
	out=$(lxcri seccomp set 221 "$MKDIR_DENIED" 2>&1) || fail "seccomp set 221: $out"
	assert_eq "$(store_files seccomp)" 1 "stored profiles for two containers with the same source"
	assert_eq "$(store_files json)" 1 "stored source copies"
	assert_eq "$(ls "$PVE/lxcri")" "$(printf '220.conf\n221.conf\nseccomp')" "files in $PVE/lxcri"
	local profile
	profile=$(sed -n 's/^lxc.seccomp.profile: //p' "$PVE/lxc/220.conf")
	assert_eq "$(sed -n 's/^lxc.seccomp.profile: //p' "$PVE/lxc/221.conf")" "$profile" "the profile 221 loads"
	assert_eq "$(basename "$profile" .seccomp)" "$(sha256sum "$profile" | cut -d' ' -f1)" "its name, the digest of its bytes"
	assert_eq "$(stat -c '%a' "$profile")" 640
	start_with_mkdir_denied 220
	start_with_mkdir_denied 221
	ct_stop 220
	ct_stop 221
	# Unset of one keeps the other's profile in place, and the other still starts with it.
	out=$(lxcri seccomp unset 220 2>&1) || fail "seccomp unset 220: $out"
	assert_missing "$PVE/lxcri/220.conf"
	assert_exists "$profile"
	start_with_mkdir_denied 221
	ct_stop 221
	# Another profile for 221: a second file; the first is still there for gc to judge.
	out=$(lxcri seccomp set 221 "$RMDIR_DENIED" 2>&1) || fail "seccomp set 221 again: $out"
	assert_eq "$(store_files seccomp)" 2 "stored profiles after 221 changed its own"
	assert_contains "$(lxcri seccomp show 221)" "$PVE/lxcri/seccomp/"
}

# Edited by hand, a stored profile that other containers share refuses
# every start that uses it, and only a new set helps.
shared_profile_edited_refused() {
	local out rc=0 profile
	pve_ct_create 222
	out=$(lxcri seccomp set 222 "$MKDIR_DENIED" 2>&1) || fail "seccomp set: $out"
	profile=$(sed -n 's/^lxc.seccomp.profile: //p' "$PVE/lxc/222.conf")
	echo "socket errno 1" >>"$profile"
	pve_regenerate 222
	if ct_start 222; then fail "started with an edited profile"; fi
	assert_contains "$(cat "$SYSLOG")" "'$profile' was changed since 'lxcri seccomp set' made it: run 'lxcri seccomp set 222 $MKDIR_DENIED' again"
	out=$(lxcri config validate 222 2>&1) || rc=$?
	assert_eq "$rc" 3 "exit status of config validate"
	out=$(lxcri seccomp set 222 "$MKDIR_DENIED" 2>&1) || fail "seccomp set again: $out"
	start_with_mkdir_denied 222
}

# A config of an older lxcri, its profile stored per container: refused with what to run.
old_layout_refused() {
	local out rc=0
	pve_ct_create 223
	printf 'seccomp: %s\n' "$MKDIR_DENIED" >"$PVE/lxcri/223.conf"
	printf '2\ndenylist\n# lxcri: source %s sha256 0, profile sha256 0\nmkdir errno 122\n' "'$MKDIR_DENIED'" >"$PVE/lxcri/223.seccomp"
	cp "$MKDIR_DENIED" "$PVE/lxcri/223.seccomp.json"
	out=$(lxcri config validate 223 2>&1) || rc=$?
	assert_eq "$rc" 3 "exit status of config validate"
	assert_contains "$out" "$PVE/lxcri/223.conf:1: '$PVE/lxcri/223.seccomp' is in the layout of an older lxcri (one profile per container): run 'lxcri seccomp set 223 $MKDIR_DENIED' to store it by digest"
	out=$(lxcri seccomp set 223 "$MKDIR_DENIED" 2>&1) || fail "seccomp set: $out"
	assert_missing "$PVE/lxcri/223.seccomp"
	assert_missing "$PVE/lxcri/223.seccomp.json"
	start_with_mkdir_denied 223
}

# 1500 rules of 20 calls each, with an argument: 470 KB of JSON, 1.1 MB in LXC's format.
big_profile() { # file
	jq -n '{defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
		syscalls: [range(1500) as $i | {names: ["read", "write", "openat", "close", "fstat", "lseek", "mmap",
			"mprotect", "munmap", "brk", "ioctl", "pread64", "pwrite64", "readv", "writev", "access", "pipe",
			"select", "sched_yield", "mremap"], action: "SCMP_ACT_ERRNO", errnoRet: 1,
			args: [{index: 0, value: (100000 + $i), op: "SCMP_CMP_EQ"}]}]}' >"$1"
}

profile_over_pmxcfs_limit_refused() {
	local out rc=0 before size
	pve_ct_create 224
	big_profile "$T/big.json"
	size=$(lxcri seccomp convert "$T/big.json" 2>/dev/null | wc -c)
	[ "$size" -gt 1048576 ] || fail "the converted profile is only $size bytes"
	printf 'annotation0: org.example.role=web\n' >"$PVE/lxcri/224.conf"
	before=$(sum_of "$PVE/lxcri/224.conf" "$PVE/lxc/224.conf")
	out=$(lxcri seccomp set 224 "$T/big.json" 2>&1) || rc=$?
	assert_eq "$rc" 3 "exit status of seccomp set"
	assert_contains "$out" "would be"
	assert_contains "$out" "bytes; /etc/pve (pmxcfs) holds files of at most 1048576 bytes"
	assert_eq "$(sum_of "$PVE/lxcri/224.conf" "$PVE/lxc/224.conf")" "$before" "the configs"
	assert_eq "$(find "$PVE/lxcri" -type f | sort)" "$PVE/lxcri/224.conf" "files in $PVE/lxcri"
	# A source over the limit: its copy would not fit either.
	{ cat "$MKDIR_DENIED" && head -c 1100000 /dev/zero | tr '\0' ' '; } >"$T/padded.json"
	rc=0
	out=$(lxcri seccomp set 224 "$T/padded.json" 2>&1) || rc=$?
	assert_eq "$rc" 3 "exit status of seccomp set with a padded source"
	assert_contains "$out" "bytes; /etc/pve (pmxcfs) holds files of at most 1048576 bytes"
	assert_eq "$(find "$PVE/lxcri" -type f | sort)" "$PVE/lxcri/224.conf" "files in $PVE/lxcri"
}

# Ages a file of the store, as if it had been written an hour ago.
age() { touch -d '-1 hour' "$@"; }

gc_after_destroy() {
	local out pve2 live gone
	pve2=$(pve_mount pve2)
	pve_ct_create 230
	pve_ct_create 231
	lxcri seccomp set 230 "$MKDIR_DENIED" >/dev/null 2>&1 || fail "seccomp set 230"
	# A profile of 231 alone (PVE configs of earlier stories may name the others).
	sed 's/122/121/' "$RMDIR_DENIED" >"$T/231.json"
	lxcri seccomp set 231 "$T/231.json" >/dev/null 2>&1 || fail "seccomp set 231"
	lxcri port add 231 tcp 18231 80 >/dev/null 2>&1 || fail "port add 231"
	live=$(sed -n 's/^lxc.seccomp.profile: //p' "$PVE/lxc/230.conf")
	gone=$(sed -n 's/^lxc.seccomp.profile: //p' "$PVE/lxc/231.conf")
	# vmid 232 lives on pve2, its lxcri config beside the others.
	printf 'arch: amd64\nhostname: ct232\nostype: unmanaged\n' >"$pve2/nodes/pve2/lxc/232.conf"
	printf 'annotation0: org.example.role=db\n' >"$PVE/lxcri/232.conf"
	out=$(lxcri gc 2>&1) || fail "gc with nothing to do: $out"
	assert_eq "$out" "" "gc with nothing to do"
	# An older lxcri's per-container profile of a vmid that is gone too.
	printf '2\ndenylist\n' >"$PVE/lxcri/233.seccomp"
	# pct destroy 231: its PVE config goes, lxcri's files stay.
	rm "$PVE/lxc/231.conf"
	out=$(lxcri gc 2>&1) || fail "gc: $out"
	assert_contains "$out" "would remove $PVE/lxcri/231.conf: vmid 231 is not in $PVE/.vmlist"
	assert_contains "$out" "would remove $PVE/lxcri/233.seccomp: vmid 233 is not in $PVE/.vmlist"
	assert_contains "$out" "keep $gone: no config uses it, but it was written less than 10 minutes ago"
	assert_not_contains "$out" "232"
	assert_not_contains "$out" "$live"
	age "$PVE"/lxcri/seccomp/*
	out=$(lxcri gc 2>&1) || fail "gc: $out"
	assert_contains "$out" "would remove $gone: no config uses it"
	assert_eq "$(echo "$out" | grep -c '^would remove')" 4 "files gc would remove: $out"
	assert_exists "$PVE/lxcri/231.conf"
	out=$(lxcri gc --apply 2>&1) || fail "gc --apply: $out"
	assert_contains "$out" "removed $PVE/lxcri/231.conf: vmid 231 is not in $PVE/.vmlist"
	assert_contains "$out" "removed $gone: no config uses it"
	assert_missing "$PVE/lxcri/231.conf"
	assert_missing "$PVE/lxcri/233.seccomp"
	assert_missing "$gone"
	assert_exists "$PVE/lxcri/230.conf"
	assert_exists "$live"
	assert_exists "$PVE/lxcri/232.conf"
	assert_eq "$(store_files seccomp) $(store_files json)" "1 1" "stored files left"
	out=$(lxcri gc --apply 2>&1) || fail "gc --apply again: $out"
	assert_eq "$out" "" "gc --apply with nothing left to do"
	start_with_mkdir_denied 230
	rm -f "$pve2/nodes/pve2/lxc/232.conf"
}

# A clone's raw key names a stored profile that no lxcri config names: gc keeps it.
gc_keeps_what_pve_configs_name() {
	local out profile
	pve_ct_create 234
	lxcri seccomp set 234 "$MKDIR_DENIED" >/dev/null 2>&1 || fail "seccomp set 234"
	profile=$(sed -n 's/^lxc.seccomp.profile: //p' "$PVE/lxc/234.conf")
	pve_ct_create 235
	echo "lxc.seccomp.profile: $profile" >>"$PVE/lxc/235.conf"
	rm "$PVE/lxcri/234.conf"
	age "$PVE"/lxcri/seccomp/*
	out=$(lxcri gc --apply 2>&1) || fail "gc --apply: $out"
	assert_exists "$profile"
	assert_not_contains "$out" "$profile"
}

gc_without_quorum() {
	local out rc=0 before
	pve_ct_create 236
	lxcri seccomp set 236 "$MKDIR_DENIED" >/dev/null 2>&1 || fail "seccomp set 236"
	rm "$PVE/lxc/236.conf"
	age "$PVE"/lxcri/seccomp/*
	pve_quorum 0
	before=$(find "$PVE/lxcri" -type f | sort)
	out=$(lxcri gc 2>&1) || fail "gc (a listing) without quorum: $out"
	assert_contains "$out" "would remove $PVE/lxcri/236.conf"
	out=$(lxcri gc --apply 2>&1) || rc=$?
	assert_eq "$rc" 1 "exit status of gc --apply without quorum"
	assert_contains "$out" "no quorum: /etc/pve is read-only"
	assert_eq "$(find "$PVE/lxcri" -type f | sort)" "$before" "files in $PVE/lxcri"
	pve_quorum 1
	out=$(lxcri check 2>&1) || true
	assert_contains "$out" "lxcri gc --apply"
	assert_contains "$out" "$PVE/lxcri/236.conf"
	lxcri gc --apply >/dev/null 2>&1 || fail "gc --apply with quorum"
	out=$(lxcri check 2>&1) || true
	assert_not_contains "$out" "lxcri gc --apply"
}

# Plain LXC names on the same node: a config whose container is gone.
gc_plain_container() {
	local out
	printf 'annotation0: a=b\n' >"$ETC/containers/gone.conf"
	ct_create here
	printf 'annotation0: a=b\n' >"$ETC/containers/here.conf"
	out=$(lxcri gc --apply 2>&1) || fail "gc --apply: $out"
	assert_contains "$out" "removed $ETC/containers/gone.conf: no container 'gone' in $LXCPATH"
	assert_missing "$ETC/containers/gone.conf"
	assert_exists "$ETC/containers/here.conf"
}

export_import_clone() {
	local out rc=0 profile
	pve_ct_create 240
	pve_ct_create 241
	lxcri seccomp set 240 "$MKDIR_DENIED" >/dev/null 2>&1 || fail "seccomp set 240"
	lxcri port add 240 tcp 18240 80 >/dev/null 2>&1 || fail "port add 240"
	profile=$(sed -n 's/^lxc.seccomp.profile: //p' "$PVE/lxc/240.conf")
	# The clone refusal's command line.
	out=$(lxcri config export 240 | lxcri config import 241 - 2>&1) || fail "export | import: $out"
	assert_contains "$out" "warning: $PVE/lxcri/241.conf:"
	assert_contains "$out" "forwards host port tcp 18240, as $PVE/lxcri/240.conf:"
	assert_eq "$(cat "$PVE/lxcri/241.conf")" "$(cat "$PVE/lxcri/240.conf")" "the imported config"
	assert_eq "$(stat -c '%a' "$PVE/lxcri/241.conf")" 640
	assert_contains "$(cat "$PVE/lxc/241.conf")" "lxc.seccomp.profile: $profile"
	assert_eq "$(store_files seccomp)" 1 "stored profiles"
	# As the warning says: the clone gets a port of its own.
	lxcri port del 241 tcp 18240 >/dev/null 2>&1 || fail "port del 241"
	start_with_mkdir_denied 241
	ct_stop 241
	# A second import is refused, naming the config that is there; --force replaces it.
	out=$(lxcri config export 240 | lxcri config import 241 - 2>&1) || rc=$?
	assert_eq "$rc" 1 "exit status of a second import"
	assert_contains "$out" "'$PVE/lxcri/241.conf' exists: CT 241 has an lxcri config (--force replaces it)"
	lxcri config export 240 | lxcri config import 241 - --force >/dev/null 2>&1 || fail "import --force"
}

# Backup and restore: vzdump does not carry /etc/pve/lxcri; the export does.
export_import_restore_round_trip() {
	local out
	pve_ct_create 242
	lxcri seccomp set 242 "$MKDIR_DENIED" >/dev/null 2>&1 || fail "seccomp set 242"
	lxcri apparmor set 242 unconfined >/dev/null 2>&1 || fail "apparmor set 242"
	printf '# the web server\nannotation0: org.example.role=web\n' >>"$PVE/lxcri/242.conf"
	lxcri config export 242 >"$T/242.json" || fail "export"
	# pct destroy, then pct restore: the PVE config comes back with its raw keys, lxcri's files not.
	rm -rf "$PVE/lxcri/242.conf" "$PVE/lxcri/seccomp"
	sed -i '/^lxc\./d' "$PVE/lxc/242.conf"
	out=$(lxcri config import 242 "$T/242.json" 2>&1) || fail "import: $out"
	lxcri config export 242 >"$T/242-again.json" || fail "export again"
	cmp "$T/242.json" "$T/242-again.json" || fail "the round trip differs: $(diff "$T/242.json" "$T/242-again.json")"
	assert_contains "$(cat "$PVE/lxc/242.conf")" "lxc.apparmor.profile: unconfined"
	start_with_mkdir_denied 242
}

# A bad document changes nothing: no config, no stored file, PVE's config as it was.
import_bad_input_changes_nothing() {
	local out rc before doc
	pve_ct_create 243
	pve_ct_create 244
	lxcri seccomp set 243 "$MKDIR_DENIED" >/dev/null 2>&1 || fail "seccomp set 243"
	lxcri config export 243 >"$T/243.json"
	rm -rf "$PVE/lxcri/seccomp"
	before=$(sum_of "$PVE/lxc/244.conf")
	for doc in "not json" '{"lxcri-export": 1}' \
		"$(jq '.config = "net0: bogus\n"' "$T/243.json")" \
		"$(jq '.files |= with_entries(.value = "edited")' "$T/243.json")" \
		"$(jq '.files = {}' "$T/243.json")"; do
		rc=0
		out=$(printf '%s' "$doc" | lxcri config import 244 - 2>&1) || rc=$?
		[ "$rc" -ne 0 ] || fail "import of a bad document worked: $doc"
		assert_contains "$out" "lxcri:"
		assert_missing "$PVE/lxcri/244.conf"
		assert_missing "$PVE/lxcri/seccomp"
		assert_eq "$(sum_of "$PVE/lxc/244.conf")" "$before" "PVE's config of 244"
	done
	pve_quorum 0
	rc=0
	out=$(lxcri config import 244 "$T/243.json" 2>&1) || rc=$?
	assert_eq "$rc" 1 "exit status of import without quorum"
	assert_contains "$out" "no quorum: /etc/pve is read-only"
	assert_missing "$PVE/lxcri/244.conf"
}

run_test "Two containers with the same seccomp profile share one stored file, named by its digest, and both start with it enforced; unset of one keeps the other's" shared_profile_stored_once
run_test "A shared stored profile edited by hand refuses the start, saying what to run" shared_profile_edited_refused
run_test "A profile stored per container by an older lxcri refuses the start with 'run lxcri seccomp set', which moves it into the store" old_layout_refused
run_test "A seccomp profile or source over pmxcfs's 1 MiB is refused before anything is written, naming the file and both sizes" profile_over_pmxcfs_limit_refused
run_test "After pct destroy, lxcri gc lists and --apply removes the vmid's files and profiles no config uses, keeping a live vmid's, one of pve2 and fresh ones" gc_after_destroy
run_test "lxcri gc keeps a stored profile that a PVE config's raw key names (a clone)" gc_keeps_what_pve_configs_name
run_test "lxcri gc --apply without quorum is refused and removes nothing; lxcri check names what gc would remove" gc_without_quorum
run_test "lxcri gc removes the config of a plain LXC container that no longer exists" gc_plain_container
run_test "lxcri config export <old> | lxcri config import <new> - gives a clone its lxcri config and profile, warns of a shared host port, and refuses a second import without --force" export_import_clone
run_test "Backup and restore: export, pct destroy and restore, import: the export after it is byte-identical and the container starts with its profile" export_import_restore_round_trip
run_test "lxcri config import of a bad document, or without quorum, changes nothing" import_bad_input_changes_nothing
finish
