#!/bin/bash
# seccomp: `lxcri seccomp set|show|unset` stores a converted OCI or Docker
# profile beside the container's lxcri config and points LXC at it; LXC
# enforces it in the real container; pre-start refuses a profile that no
# longer matches its source, or that LXC's config would not load.
. "$(dirname "$0")/lib.sh"

DOCKER_PROFILE=/usr/share/containers/seccomp.json
LIBSECCOMP_VERSION=$(dpkg-query -W -f '${Version}' libseccomp2 | sed 's/-.*//')

# The syscall names of moby's current default seccomp profile
# (github.com/moby/profiles seccomp/default.json at commit
# 3c28324314729dbade8287e868eef6338c42807a, the copy moby/moby vendors) that
# libseccomp 2.5.4 does not know. moby allows the first nine to every
# container, the lsm_* ones to a container with CAP_SYS_ADMIN.
MOBY_NEWER=(getxattrat listmount listxattrat mseal removexattrat riscv_hwprobe setxattrat statmount uretprobe)
MOBY_NEWER_SYS_ADMIN=(lsm_get_self_attr lsm_list_modules lsm_set_self_attr)

# Docker's current default profile, as far as it differs for this host:
# podman's older copy (installed) with moby's default errno (EPERM) and the
# names above, where moby lists them.
moby_current_profile() { # file
	local first
	first=$(jq '[.syscalls[] | .action == "SCMP_ACT_ALLOW" and ((.args // []) | length) == 0 and ((.includes // {}) | length) == 0] | index(true)' "$DOCKER_PROFILE")
	jq --argjson i "$first" --argjson n ${#MOBY_NEWER[@]} '
		del(.defaultErrno) | .defaultErrnoRet = 1
		| .syscalls[$i].names += $ARGS.positional[:$n]
		| .syscalls += [{"names": $ARGS.positional[$n:], "action": "SCMP_ACT_ALLOW",
				 "includes": {"caps": ["CAP_SYS_ADMIN"]}}]' \
		--args "${MOBY_NEWER[@]}" "${MOBY_NEWER_SYS_ADMIN[@]}" <"$DOCKER_PROFILE" >"$1"
}

# A profile that makes mkdir fail with EDQUOT (122), and nothing else.
deny_mkdir_profile() { # file
	cat >"$1" <<-'EOF'
		{
		  "defaultAction": "SCMP_ACT_ALLOW",
		  "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
		  "syscalls": [
		    {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 122}
		  ]
		}
	EOF
}

# The stored profile a container's config names (seccomp-sha256:), and the
# stored copy of a source: files of the store beside the configs, named by digest.
stored() { # id
	local dir=$ETC/containers
	case $1 in [1-9]*) dir=$PVE/lxcri ;; esac
	echo "$dir/seccomp/$(sed -n 's/^seccomp-sha256: //p' "$dir/$1.conf").seccomp"
}
stored_copy() { echo "$ETC/containers/seccomp/$(sha256sum <"$1" | cut -d' ' -f1).json"; } # source

# The seccomp mode of the container's init: 2 when a filter is loaded.
init_seccomp_mode() { ct_exec "$1" /bin/sh -c 'grep "^Seccomp:" /proc/1/status' | awk '{print $2}'; }

# Under a Docker default profile: what it does not list fails with its default
# errno (add_key(2) is such a call), and busybox works (a shell, files,
# processes, the network stack).
runs_under_docker_profile() { # ct default-errno
	assert_eq "$(ct_exec "$1" /bin/syscalltool add_key)" "add_key: errno $2"
	assert_eq "$(ct_exec "$1" /bin/syscalltool uname)" "uname: ok"
	ct_exec "$1" /bin/sh -c 'mkdir /tmp/d && echo x >/tmp/d/f && ls /tmp/d && ps >/dev/null && ip link show lo >/dev/null' >"$T/d.out" ||
		fail "busybox failed under the profile"
	assert_eq "$(cat "$T/d.out")" f
}

enforced_in_container() {
	ct_create web
	deny_mkdir_profile "$T/deny-mkdir.json"
	local out
	out=$("${LXCRI[@]}" seccomp set web "$T/deny-mkdir.json")
	echo "$out"
	assert_contains "$out" "converted to '$(stored web)'"
	assert_eq "$(grep '^seccomp:' "$ETC/containers/web.conf")" "seccomp: $T/deny-mkdir.json"
	assert_eq "$(grep '^lxc.seccomp.profile' "$LXCPATH/web/config")" "lxc.seccomp.profile = $(stored web)"
	cmp "$T/deny-mkdir.json" "$(stored_copy "$T/deny-mkdir.json")" || fail "the stored copy differs from the source"
	cp "$BUILD/tests/syscalltool" "$LXCPATH/web/rootfs/bin/syscalltool"
	ct_start web
	assert_eq "$(init_seccomp_mode web)" 2 "seccomp mode of init"
	# The denied syscall fails with the errno asked for; the others work.
	out=$(ct_exec web /bin/mkdir /tmp/newdir 2>&1) && fail "mkdir succeeded under the profile"
	assert_contains "$out" "Disk quota exceeded" "mkdir's error (EDQUOT, 122)"
	ct_exec web /bin/sh -c 'echo hello >/tmp/file && cat /tmp/file && rm /tmp/file && ls / >/dev/null' >"$T/ok.out" ||
		fail "other syscalls failed under the profile"
	assert_eq "$(cat "$T/ok.out")" hello
	mkdir "$T/host-dir" || fail "the host is affected"
	# The profile allows every other call, but LXC's own common.seccomp, which it
	# replaces, still denies what it denies (its rules are kept): open_by_handle_at
	# (the host's files by handle) gets EPERM, a forced unmount EACCES.
	assert_eq "$(ct_exec web /bin/syscalltool open_by_handle_at)" "open_by_handle_at: errno 1"
	assert_eq "$(ct_exec web /bin/syscalltool umount2_force)" "umount2_force: errno 13"
	assert_eq "$(ct_exec web /bin/syscalltool keyctl)" "keyctl: errno 126" "keyctl reaches the kernel (ENOKEY)"
	out=$("${LXCRI[@]}" seccomp show web)
	echo "$out"
	assert_contains "$out" "current:  yes"
	assert_contains "$out" "mkdir errno 122"
	assert_contains "$out" "kept:     LXC's common.seccomp, for a container on plain LXC"
	assert_eq "$("${LXCRI[@]}" seccomp show web --output-format json | jq -r '.current, .lxc_points_here, .rules, .kept.for')" "$(printf 'true\ntrue\n8\nlxc')"
	ct_stop web
}

docker_default_profile() {
	[ -f "$DOCKER_PROFILE" ] || fail "$DOCKER_PROFILE is missing (golang-github-containers-common)"
	ct_create web
	local out
	out=$("${LXCRI[@]}" seccomp set web "$DOCKER_PROFILE" 2>&1)
	echo "$out"
	assert_contains "$out" "(docker,"
	cp "$BUILD/tests/syscalltool" "$LXCPATH/web/rootfs/bin/syscalltool"
	ct_start web
	assert_eq "$(init_seccomp_mode web)" 2 "seccomp mode of init"
	runs_under_docker_profile web "$(jq .defaultErrnoRet "$DOCKER_PROFILE")"
	local rules
	rules=$("${LXCRI[@]}" seccomp show web --output-format json | jq -r .rules)
	[ "$rules" -gt 300 ] || fail "only $rules rules from Docker's profile"
	# The stored profile: its default action is the profile's default errno, and add_key is not allowed.
	assert_eq "$(sed -n 2p "$(stored web)")" "allowlist errno $(jq .defaultErrnoRet "$DOCKER_PROFILE")"
	assert_not_contains "$(cat "$(stored web)")" "add_key"
	ct_stop web
	# includes/excludes by capability follow the container's capabilities (lxc.cap.drop):
	# its config drops sys_module, so init_module is not allowed; it keeps sys_admin, so
	# sethostname is. Dropping sys_admin too, and setting again, takes sethostname out.
	assert_contains "$(grep '^lxc.cap.drop' "$LXCPATH/web/config")" "sys_module"
	assert_eq "$(grep -c '^init_module allow' "$(stored web)")" 0 "init_module rules"
	assert_eq "$(grep -c '^sethostname allow' "$(stored web)")" 1 "sethostname rules"
	echo "lxc.cap.drop = sys_admin" >>"$LXCPATH/web/config"
	"${LXCRI[@]}" seccomp set web "$DOCKER_PROFILE" >/dev/null 2>&1
	assert_eq "$(grep -c '^sethostname allow' "$(stored web)")" 0 "sethostname rules without sys_admin"
}

stale_refused() {
	ct_create web
	deny_mkdir_profile "$T/p.json"
	"${LXCRI[@]}" seccomp set web "$T/p.json" >/dev/null
	# The source changes after set: the start is refused, naming the file and what to run.
	sed -i 's/122/13/' "$T/p.json"
	local out
	if ct_start web; then fail "started with a profile older than its source"; fi
	assert_eq "$(ct_state web)" STOPPED
	local expected="'$T/p.json' changed since the profile '$(stored web)' was made from it: run 'lxcri seccomp set web $T/p.json' again"
	assert_contains "$(grep "CT web: Refusing to start: " "$SYSLOG")" "$expected" "the refusal in syslog"
	assert_contains "$("${LXCRI[@]}" status web)" "$expected" "lxcri status"
	assert_contains "$("${LXCRI[@]}" seccomp show web)" "current:  $expected"
	# Said before any start, too: config validate, status and check.
	local rc=0
	out=$("${LXCRI[@]}" config validate web 2>&1) || rc=$?
	assert_eq "$rc" 3 "config validate of a stale profile"
	assert_contains "$out" "$expected"
	rc=0
	out=$("${LXCRI[@]}" check 2>&1) || rc=$?
	assert_contains "$out" "fail  configs          1 of 1 container config(s) would be refused; first: $expected"
	# And as a metric (promtool accepts it): stale, then current once set again.
	out=$("${LXCRI[@]}" metrics)
	assert_contains "$out" 'lxcri_container_profiles_current{id="web"} 0'
	promtool check metrics <<<"$out" >/dev/null 2>&1 || fail "promtool check metrics"
	# Set again: it starts, with the new errno (EACCES).
	"${LXCRI[@]}" seccomp set web "$T/p.json" >/dev/null
	assert_contains "$("${LXCRI[@]}" metrics)" 'lxcri_container_profiles_current{id="web"} 1'
	ct_start web
	assert_contains "$(ct_exec web /bin/mkdir /tmp/x 2>&1)" "Permission denied"
	ct_stop web
	# The generated profile edited by hand: refused.
	echo "socket errno 1" >>"$(stored web)"
	if ct_start web; then fail "started with an edited profile"; fi
	assert_contains "$(cat "$SYSLOG")" "'$(stored web)' was changed since 'lxcri seccomp set' made it"
	"${LXCRI[@]}" seccomp set web "$T/p.json" >/dev/null
	# LXC's config no longer loads it (an admin removed the line): refused, never started unfiltered.
	sed -i '/^lxc.seccomp.profile/d' "$LXCPATH/web/config"
	if ct_start web; then fail "started without the profile LXC should load"; fi
	assert_contains "$(cat "$SYSLOG")" "$ETC/containers/web.conf:1: 'seccomp' is set, but LXC's config '$LXCPATH/web/config' does not set lxc.seccomp.profile = $(stored web): the container would start without it"
	assert_eq "$(ct_state web)" STOPPED
}

unset_restores() {
	ct_create web
	deny_mkdir_profile "$T/p.json"
	"${LXCRI[@]}" seccomp set web "$T/p.json" >/dev/null
	local out profile
	profile=$(stored web)
	out=$("${LXCRI[@]}" seccomp unset web)
	echo "$out"
	assert_contains "$out" "removed from '$ETC/containers/web.conf' and '$LXCPATH/web/config'"
	# set made the lxcri config; with its only key gone, the file goes too: unmanaged again.
	assert_missing "$ETC/containers/web.conf"
	assert_not_contains "$(cat "$LXCPATH/web/config")" "lxc.seccomp.profile"
	# The stored profile may be another container's too: lxcri gc removes it when it is no one's.
	assert_exists "$profile"
	touch -d '-1 hour' "$profile" "$(stored_copy "$T/p.json")"
	assert_contains "$("${LXCRI[@]}" gc --apply)" "removed $profile: no config uses it"
	assert_missing "$profile"
	assert_missing "$(stored_copy "$T/p.json")"
	cp "$BUILD/tests/syscalltool" "$LXCPATH/web/rootfs/bin/syscalltool"
	ct_start web
	assert_eq "$(init_seccomp_mode web)" 0 "seccomp mode of init"
	ct_exec web /bin/mkdir /tmp/x || fail "mkdir still denied after unset"
	assert_not_contains "$(ct_exec web /bin/syscalltool add_key)" "errno 38" "add_key without a profile"
	ct_stop web
	# unset of what is not set: a clear error, exit 3.
	printf '# web\n' | ct_config web
	local rc=0
	out=$("${LXCRI[@]}" seccomp unset web 2>&1) || rc=$?
	assert_eq "$rc" 3
	assert_contains "$out" "'seccomp' is not set"
}

running_container_next_start() {
	ct_create web
	ct_start web
	deny_mkdir_profile "$T/p.json"
	local out
	out=$("${LXCRI[@]}" seccomp set web "$T/p.json")
	assert_contains "$out" "container 'web' is running: the change takes effect at its next start"
	assert_eq "$(init_seccomp_mode web)" 0 "the running container's filter"
	ct_stop web
	ct_start web
	assert_eq "$(init_seccomp_mode web)" 2 "after the restart"
	ct_stop web
}

bad_input_changes_nothing() {
	ct_create web
	printf '# web\n' | ct_config web
	cp "$LXCPATH/web/config" "$T/lxc.before"
	local out rc
	printf '{"defaultAction": "SCMP_ACT_ALLOW",\n "syscalls": [ {"names": ["mkdir"] "action": 1} ]}\n' >"$T/bad.json"
	rc=0
	out=$("${LXCRI[@]}" seccomp set web "$T/bad.json" 2>&1) || rc=$?
	echo "$out"
	assert_eq "$rc" 3 "malformed JSON"
	assert_contains "$out" "$T/bad.json: line 2, column"
	printf '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["no_such_call"], "action": "SCMP_ACT_ERRNO"}]}\n' >"$T/unknown.json"
	rc=0
	out=$("${LXCRI[@]}" seccomp set web "$T/unknown.json" 2>&1) || rc=$?
	assert_eq "$rc" 3 "unknown syscall in a deny rule"
	assert_contains "$out" "cannot express: syscalls[0].names[0] (syscall 'no_such_call'): unknown to libseccomp"
	printf '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read", "no such call"], "action": "SCMP_ACT_ALLOW"}]}\n' >"$T/name.json"
	rc=0
	out=$("${LXCRI[@]}" seccomp set web "$T/name.json" 2>&1) || rc=$?
	assert_eq "$rc" 3 "a name that is no syscall's"
	assert_contains "$out" "$T/name.json: syscalls[0].names[1]: 'no such call' is not a syscall name"
	# A loss (SCMP_ACT_LOG) is refused without --accept-loss.
	printf '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_LOG"}]}\n' >"$T/loss.json"
	rc=0
	out=$("${LXCRI[@]}" seccomp set web "$T/loss.json" 2>&1) || rc=$?
	assert_eq "$rc" 3 "a loss"
	assert_contains "$out" "cannot be expressed in LXC's seccomp format: nothing changed; --accept-loss sets it anyway"
	# A container without an LXC config.
	rc=0
	out=$("${LXCRI[@]}" seccomp set nosuch "$T/loss.json" --accept-loss 2>&1) || rc=$?
	assert_eq "$rc" 3 "no container"
	assert_contains "$out" "'$LXCPATH/nosuch/config' does not exist: create the container first"
	# Nothing of any of it was written.
	assert_eq "$(cat "$ETC/containers/web.conf")" "# web"
	cmp "$T/lxc.before" "$LXCPATH/web/config" || fail "LXC's config changed"
	assert_missing "$ETC/containers/seccomp"
	assert_missing "$ETC/containers/nosuch.conf"
	# --accept-loss sets it, and says what was lost.
	out=$("${LXCRI[@]}" seccomp set web "$T/loss.json" --accept-loss 2>&1)
	assert_contains "$out" "lost (accepted): "
	assert_exists "$(stored web)"
}

docker_current_profile() {
	[ -f "$DOCKER_PROFILE" ] || fail "$DOCKER_PROFILE is missing (golang-github-containers-common)"
	moby_current_profile "$T/moby.json"
	ct_create web
	local out rc=0 names n
	names=$(printf '%s, ' "${MOBY_NEWER[@]}" "${MOBY_NEWER_SYS_ADMIN[@]}")
	names=${names%, }
	# Without --accept-loss: every newer name is in an allow rule of a profile whose default denies.
	out=$("${LXCRI[@]}" seccomp set web "$T/moby.json" 2>&1) || rc=$?
	echo "$out"
	assert_eq "$rc" 0 "exit status of seccomp set"
	assert_contains "$out" "warning: skipped (unknown to libseccomp $LIBSECCOMP_VERSION): $names; these calls get the default action (errno 1)"
	assert_not_contains "$out" "cannot express"
	assert_contains "$out" "converted to '$(stored web)'"
	# None of them is a rule of the stored profile, which says they were skipped; so does show.
	for n in "${MOBY_NEWER[@]}" "${MOBY_NEWER_SYS_ADMIN[@]}"; do
		assert_eq "$(grep -c "^$n " "$(stored web)")" 0 "rules for $n"
	done
	assert_contains "$(cat "$(stored web)")" "# lxcri: skipped (unknown to libseccomp $LIBSECCOMP_VERSION): $names"
	out=$("${LXCRI[@]}" seccomp show web)
	echo "$out"
	assert_contains "$out" "note:     skipped (unknown to libseccomp $LIBSECCOMP_VERSION): $names; these calls get the default action (errno 1)"
	assert_contains "$out" "current:  yes"
	assert_eq "$("${LXCRI[@]}" seccomp show web --output-format json | jq -r '.skipped.libseccomp, (.skipped.syscalls | join(", "))')" "$(printf '%s\n%s' "$LIBSECCOMP_VERSION" "$names")"
	# convert says the same, and prints the profile.
	out=$("${LXCRI[@]}" seccomp convert "$T/moby.json" 2>&1 >"$T/converted")
	assert_contains "$out" "warning: skipped (unknown to libseccomp $LIBSECCOMP_VERSION): getxattrat, "
	assert_eq "$(sed -n 2p "$T/converted")" "allowlist errno 1"
	cp "$BUILD/tests/syscalltool" "$LXCPATH/web/rootfs/bin/syscalltool"
	ct_start web
	assert_eq "$(init_seccomp_mode web)" 2 "seccomp mode of init"
	# getxattrat, which moby allows and this libseccomp cannot name, stays denied with the
	# profile's default errno (unfiltered, this kernel says EINVAL, an older one ENOSYS).
	assert_not_contains "$("$BUILD/tests/syscalltool" getxattrat)" "errno 1" "getxattrat on the host"
	assert_eq "$(ct_exec web /bin/syscalltool getxattrat)" "getxattrat: errno 1"
	runs_under_docker_profile web 1
	ct_stop web
	# Another libseccomp than the one that set it (an older one, simulated): show says what to run.
	sed -i "s/^\(# lxcri: skipped (unknown to libseccomp \)$LIBSECCOMP_VERSION)/\10.0.1)/" "$(stored web)"
	assert_contains "$("${LXCRI[@]}" seccomp show web)" "note:     libseccomp is $LIBSECCOMP_VERSION now, not 0.0.1: 'lxcri seccomp set web $T/moby.json' converts the profile again"
}

unknown_name_in_deny_rule() {
	ct_create web
	printf '# web\n' | ct_config web
	cp "$LXCPATH/web/config" "$T/lxc.before"
	cat >"$T/deny.json" <<-'EOF'
		{
		  "defaultAction": "SCMP_ACT_ALLOW",
		  "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
		  "syscalls": [
		    {"names": ["mkdir", "mkdirat", "getxattrat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 122}
		  ]
		}
	EOF
	local out rc=0
	local loss="syscalls[0].names[2] (syscall 'getxattrat'): unknown to libseccomp $LIBSECCOMP_VERSION: left out, the call gets the default action (allow), not SCMP_ACT_ERRNO"
	# The profile denies getxattrat; leaving it out would allow it: refused, naming it.
	out=$("${LXCRI[@]}" seccomp set web "$T/deny.json" 2>&1) || rc=$?
	echo "$out"
	assert_eq "$rc" 3 "exit status of seccomp set"
	assert_contains "$out" "cannot express: $loss"
	assert_contains "$out" "nothing changed; --accept-loss sets it anyway"
	assert_eq "$(cat "$ETC/containers/web.conf")" "# web"
	cmp "$T/lxc.before" "$LXCPATH/web/config" || fail "LXC's config changed"
	assert_missing "$ETC/containers/seccomp"
	rc=0
	out=$("${LXCRI[@]}" seccomp convert "$T/deny.json" 2>&1) || rc=$?
	assert_eq "$rc" 3 "exit status of seccomp convert"
	assert_contains "$out" "cannot express: $loss"
	# With --accept-loss it is set, and says what it lost.
	out=$("${LXCRI[@]}" seccomp set web "$T/deny.json" --accept-loss 2>&1)
	echo "$out"
	assert_contains "$out" "lost (accepted): $loss"
	assert_contains "$out" "warning: skipped (unknown to libseccomp $LIBSECCOMP_VERSION): getxattrat; these calls get the default action (allow)"
	cp "$BUILD/tests/syscalltool" "$LXCPATH/web/rootfs/bin/syscalltool"
	ct_start web
	assert_contains "$(ct_exec web /bin/mkdir /tmp/x 2>&1)" "Disk quota exceeded"
	# What was accepted: getxattrat reaches the kernel.
	assert_eq "$(ct_exec web /bin/syscalltool getxattrat)" "$("$BUILD/tests/syscalltool" getxattrat)" "getxattrat in the container and on the host"
	ct_stop web
}

binary_input_named() {
	ct_create web
	printf '# web\n' | ct_config web
	cp "$LXCPATH/web/config" "$T/lxc.before"
	gzip -c "$DOCKER_PROFILE" >"$T/profile.json.gz"
	printf '{"defaultAction": "SCMP_ACT_ALLOW"\0}\n' >"$T/nul.json"
	printf '{\n "comment": "caf\351",\n "defaultAction": "SCMP_ACT_ALLOW"}\n' >"$T/latin1.json"
	mkdir "$T/dir.json"
	local file what out rc
	# convert names the file as given, set as the key will (symbolic links resolved).
	while IFS='|' read -r file what; do
		rc=0
		out=$("${LXCRI[@]}" seccomp convert "$file" 2>&1) || rc=$?
		echo "$out"
		assert_eq "$rc" 3 "exit status of convert '$file'"
		assert_eq "$out" "lxcri: ${what//@/$file}"
		rc=0
		out=$("${LXCRI[@]}" seccomp set web "$file" 2>&1) || rc=$?
		assert_eq "$rc" 3 "exit status of set '$file'"
		assert_eq "$out" "lxcri: ${what//@/$(realpath "$file")}"
	done <<-EOF
		/bin/true|@: not a JSON profile: binary data at byte 0: an ELF executable or library
		$T/profile.json.gz|@: not a JSON profile: binary data at byte 0: gzip-compressed data (decompress it first)
		$T/nul.json|@: not a JSON profile: binary data at byte 34 (line 1, column 35): a NUL byte
		$T/latin1.json|@: not a JSON profile: binary data at byte 18 (line 2, column 17): 0xe9 is not UTF-8
		$T/dir.json|Failed to read '@': not a regular file but a directory
		/dev/null|Failed to read '@': not a regular file but a character device
	EOF
	# Nothing of any of it was written.
	assert_eq "$(cat "$ETC/containers/web.conf")" "# web"
	cmp "$T/lxc.before" "$LXCPATH/web/config" || fail "LXC's config changed"
	assert_missing "$ETC/containers/seccomp"
}

# What PVE does at every start: the LXC config gets the raw lxc.* keys of
# /etc/pve/lxc/<vmid>.conf (simulated: only those keys, appended).
pve_regenerate() { # vmid
	sed -i '/^lxc\.seccomp\.profile/d' "$LXCPATH/$1/config"
	sed -n 's/^\(lxc\.[a-z.]*\): \(.*\)$/\1 = \2/p' "$PVE/lxc/$1.conf" >>"$LXCPATH/$1/config"
}

pve_node() {
	pve_node_setup
	pve_ct_create 200
	deny_mkdir_profile "$T/p.json"
	local out
	out=$("${LXCRI[@]}" seccomp set 200 "$T/p.json")
	echo "$out"
	local profile
	profile=$(stored 200)
	assert_exists "$profile"
	assert_exists "$PVE/lxcri/seccomp/$(sha256sum <"$T/p.json" | cut -d' ' -f1).json"
	assert_eq "$(grep '^lxc.seccomp' "$PVE/lxc/200.conf")" "lxc.seccomp.profile: $profile"
	assert_not_contains "$(cat "$LXCPATH/200/config")" "lxc.seccomp.profile" "LXC's config, before PVE writes it"
	# Before PVE has written the key into LXC's config, the start is refused.
	if ct_start 200; then fail "started before LXC's config loads the profile"; fi
	pve_regenerate 200
	ct_start 200
	assert_contains "$(ct_exec 200 /bin/mkdir /tmp/x 2>&1)" "Disk quota exceeded"
	ct_stop 200
	# On a node the container migrated to, the source is missing: the stored copy stands in.
	mv "$T/p.json" "$T/p.json.moved"
	assert_contains "$("${LXCRI[@]}" seccomp show 200)" "its stored copy is used"
	ct_start 200
	assert_contains "$(ct_exec 200 /bin/mkdir /tmp/x 2>&1)" "Disk quota exceeded"
	ct_stop 200
	"${LXCRI[@]}" seccomp unset 200 >/dev/null
	assert_not_contains "$(cat "$PVE/lxc/200.conf")" "lxc.seccomp"
	assert_missing "$PVE/lxcri/200.conf"
	# AppArmor and SELinux keys go the same way, as PVE raw keys; PVE's snapshot sections stay.
	printf '\n[before-upgrade]\narch: amd64\nlxc.apparmor.profile: lxc-container-default-cgns\n' >>"$PVE/lxc/200.conf"
	"${LXCRI[@]}" apparmor set 200 profile=generated,nesting=1 >/dev/null 2>&1
	"${LXCRI[@]}" selinux set 200 system_u:system_r:container_t:s0:c1,c2 >/dev/null 2>&1
	# Beside lxcri's guard (lib/pve/pveguard.h), which goes with the last key.
	assert_eq "$(sed -n '/^lxc\./p' "$PVE/lxc/200.conf" | grep -v '^lxc.hook.pre-start: .*/lxcri-guard ')" "$(printf 'lxc.apparmor.profile: lxcri-ct-200\nlxc.selinux.context: system_u:system_r:container_t:s0:c1,c2\nlxc.apparmor.profile: lxc-container-default-cgns')"
	assert_eq "$(grep -c '^lxc.hook.pre-start: .*/lxcri-guard ' "$PVE/lxc/200.conf")" 1 "guards in the main section"
	assert_eq "$(sed -n '/^\[/,$p' "$PVE/lxc/200.conf" | tail -n 1)" "lxc.apparmor.profile: lxc-container-default-cgns" "the snapshot section"
	"${LXCRI[@]}" apparmor unset 200 >/dev/null
	"${LXCRI[@]}" selinux unset 200 >/dev/null
	assert_eq "$(sed -n '/^lxc\./p' "$PVE/lxc/200.conf")" "lxc.apparmor.profile: lxc-container-default-cgns" "only the snapshot's key is left"
}

# An unprivileged container on a PVE node, under Docker's default profile,
# which allows keyctl, every ioctl, umount2 (with CAP_SYS_ADMIN) and AF_ALG
# sockets: PVE's own profile for such a container (rules.seccomp) denies them,
# and so does the profile lxcri stores for it.
pve_unprivileged_keeps_pve_denials() {
	[ -f "$DOCKER_PROFILE" ] || fail "$DOCKER_PROFILE is missing (golang-github-containers-common)"
	pve_node_setup
	pve_ct_create 200
	pve_ct_unprivileged 200
	cp "$BUILD/tests/syscalltool" "$LXCPATH/200/rootfs/bin/syscalltool"
	local out
	out=$("${LXCRI[@]}" seccomp set 200 "$DOCKER_PROFILE" 2>&1)
	echo "$out"
	pve_regenerate 200
	ct_start 200
	assert_eq "$(ct_exec 200 /bin/sh -c 'cat /proc/self/uid_map' | awk '{print $2}')" 100000 "the container's root on the host"
	assert_eq "$(ct_exec 200 /bin/syscalltool keyctl)" "keyctl: errno 38" "keyctl (PVE: ENOSYS)"
	assert_eq "$(ct_exec 200 /bin/syscalltool ioctl_btrfs)" "ioctl_btrfs: errno 1" "a btrfs ioctl (PVE: EPERM)"
	assert_eq "$(ct_exec 200 /bin/syscalltool socket_alg)" "socket_alg: errno 97" "an AF_ALG socket (PVE: EAFNOSUPPORT)"
	assert_eq "$(ct_exec 200 /bin/syscalltool umount2_force)" "umount2_force: errno 13" "umount -f (LXC: EACCES)"
	# What the profile allows and PVE does not deny still reaches the kernel.
	assert_eq "$(ct_exec 200 /bin/syscalltool ioctl_tty)" "ioctl_tty: errno 25" "an ioctl of another kind (ENOTTY)"
	assert_eq "$(ct_exec 200 /bin/syscalltool socket_unix)" "socket_unix: ok"
	runs_under_docker_profile 200 "$(jq .defaultErrnoRet "$DOCKER_PROFILE")"
	ct_stop 200
	out=$("${LXCRI[@]}" seccomp show 200)
	echo "$out"
	assert_contains "$out" "current:  yes"
	assert_contains "$out" "kept:     LXC's common.seccomp and PVE's rules for unprivileged containers, for an unprivileged PVE container"
	assert_contains "$out" "            keyctl errno 38"
	assert_contains "$out" "            socket errno 97 [0,38,SCMP_CMP_EQ]"
	assert_eq "$("${LXCRI[@]}" seccomp show 200 --output-format json | jq -r '.kept.for')" pve-unprivileged
	# PVE's feature keyctl=1 gives keyctl back: the profile was made without it,
	# so the start is refused until it is set again.
	sed -i 's/^unprivileged: 1$/&\nfeatures: keyctl=1,nesting=1/' "$PVE/lxc/200.conf"
	if ct_start 200; then fail "started with a profile made for another kind of container"; fi
	assert_eq "$(ct_state 200)" STOPPED
	local expected="'$(stored 200)' keeps the protections of an unprivileged PVE container, but '$PVE/lxc/200.conf' now makes it an unprivileged PVE container with features keyctl=1: run 'lxcri seccomp set 200 $DOCKER_PROFILE' again"
	assert_contains "$(grep "CT 200: Refusing to start: " "$SYSLOG")" "$expected" "the refusal in syslog"
	assert_contains "$("${LXCRI[@]}" status 200)" "$expected" "lxcri status"
	"${LXCRI[@]}" seccomp set 200 "$DOCKER_PROFILE" >/dev/null 2>&1
	# Another profile, so another file: PVE writes its new key into LXC's config at the start.
	pve_regenerate 200
	ct_start 200
	assert_eq "$(ct_exec 200 /bin/syscalltool keyctl)" "keyctl: errno 126" "keyctl with features keyctl=1 (ENOKEY from the kernel)"
	assert_eq "$(ct_exec 200 /bin/syscalltool ioctl_btrfs)" "ioctl_btrfs: errno 1" "a btrfs ioctl with features keyctl=1"
	ct_stop 200
}

# A privileged container on a PVE node gets LXC's common.seccomp from PVE; a
# profile that allows everything but mkdir keeps its denials. Restored as
# unprivileged, it is refused until the profile is made again for that kind.
pve_privileged_keeps_common_seccomp() {
	pve_node_setup
	pve_ct_create 201
	cp "$BUILD/tests/syscalltool" "$LXCPATH/201/rootfs/bin/syscalltool"
	deny_mkdir_profile "$T/p.json"
	local out rc
	out=$("${LXCRI[@]}" seccomp set 201 "$T/p.json" 2>&1)
	echo "$out"
	pve_regenerate 201
	ct_start 201
	# The host's root (CAP_DAC_READ_SEARCH) gets EFAULT for a call without a handle.
	assert_eq "$("$BUILD/tests/syscalltool" open_by_handle_at)" "open_by_handle_at: errno 14" "on the host"
	assert_eq "$(ct_exec 201 /bin/syscalltool open_by_handle_at)" "open_by_handle_at: errno 1" "open_by_handle_at (LXC: EPERM)"
	assert_eq "$(ct_exec 201 /bin/syscalltool umount2_force)" "umount2_force: errno 13" "umount -f (LXC: EACCES)"
	assert_eq "$(ct_exec 201 /bin/syscalltool keyctl)" "keyctl: errno 126" "keyctl, which PVE allows a privileged container"
	assert_contains "$(ct_exec 201 /bin/mkdir /tmp/x 2>&1)" "Disk quota exceeded"
	ct_stop 201
	# pct restore --unprivileged 1 (PVE's config says so from now on).
	echo "unprivileged: 1" >>"$PVE/lxc/201.conf"
	if ct_start 201; then fail "started with a profile made for a privileged container"; fi
	local expected="'$(stored 201)' keeps the protections of a privileged PVE container, but '$PVE/lxc/201.conf' now makes it an unprivileged PVE container: run 'lxcri seccomp set 201 $T/p.json' again"
	assert_contains "$(grep "CT 201: Refusing to start: " "$SYSLOG")" "$expected" "the refusal in syslog"
	rc=0
	out=$("${LXCRI[@]}" config validate 201 2>&1) || rc=$?
	assert_eq "$rc" 3 "config validate"
	assert_contains "$out" "$expected"
	"${LXCRI[@]}" seccomp set 201 "$T/p.json" >/dev/null 2>&1
	assert_contains "$(cat "$(stored 201)")" "keyctl errno 38"
	assert_eq "$("${LXCRI[@]}" seccomp show 201 --output-format json | jq -r '.kept.for, .current')" "$(printf 'pve-unprivileged\ntrue')"
}

run_test "A profile that denies mkdir with errno 122 makes mkdir fail with EDQUOT in a real container, other syscalls work, and show says it is current" enforced_in_container
run_test "Docker's default profile (podman's copy) converts and a busybox container runs under it" docker_default_profile
run_test "Docker's current default profile, with syscalls newer than this libseccomp, is set without --accept-loss; the skipped names are reported and stay denied in a running container" docker_current_profile
run_test "A default-allow profile whose deny rule names a syscall unknown to libseccomp is refused without --accept-loss, naming it, and set with it" unknown_name_in_deny_rule
run_test "pre-start refuses a profile whose source changed, a hand-edited profile, and an LXC config that would not load it" stale_refused
run_test "seccomp unset removes the key and LXC's key, the container starts without a filter, and lxcri gc removes the stored files no config uses" unset_restores
run_test "seccomp set on a running container takes effect at its next start" running_container_next_start
run_test "Malformed JSON (line and column), an unknown syscall, a loss and a missing container are refused, and nothing is written" bad_input_changes_nothing
run_test "seccomp convert and set on a file that is no JSON text (an executable, gzip, a NUL byte, Latin-1, a directory, a device) say what it is and where, and write nothing" binary_input_named
run_test "An unprivileged PVE container under Docker's profile, which allows keyctl, ioctl and AF_ALG sockets, keeps PVE's denials (keyctl ENOSYS, btrfs ioctls EPERM, AF_ALG EAFNOSUPPORT, umount -f EACCES); features keyctl=1 refuses the old profile and, set again, gives keyctl back" pve_unprivileged_keeps_pve_denials
run_test "A privileged PVE container under a profile that allows open_by_handle_at keeps LXC's common.seccomp denials; restored as unprivileged, its start is refused until the profile is set again" pve_privileged_keeps_common_seccomp
run_test "On a simulated PVE node the raw keys go into /etc/pve/lxc/<vmid>.conf (snapshot sections untouched) and the stored copy stands in for a source missing after a migration" pve_node
finish
