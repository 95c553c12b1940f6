#!/bin/bash
# SELinux: the policy module builds from selinux/, and a container that asks
# for an SELinux context (selinux: in its lxcri config) never starts
# unconfined: on a host without SELinux lxcri-selinux refuses it at
# pre-start, with an error that names the key.
. "$(dirname "$0")/lib.sh"

CONTEXT=system_u:system_r:container_t:s0:c10,c20

policy_module_builds() {
	command -v semodule_unpackage >/dev/null || fail "semodule_unpackage is missing (semodule-utils)"
	local b=$T/policy-build
	# The Makefile target, into a build dir of its own: the tree is not written.
	make -C "$TOP" -s BUILD="$b" "$b/selinux/lxcri.pp" >"$T/policy.log" 2>&1 || { cat "$T/policy.log"; fail "make lxcri.pp failed"; }
	assert_exists "$b/selinux/lxcri.pp"
	assert_missing "$TOP/selinux/lxcri.pp"
	assert_missing "$TOP/selinux/tmp"
	# The package holds the module and the file contexts of selinux/lxcri.fc.
	(cd "$T" && semodule_unpackage "$b/selinux/lxcri.pp" lxcri.mod lxcri.pp.fc) || fail "semodule_unpackage cannot read lxcri.pp"
	assert_eq "$(grep -v '^#' "$T/lxcri.pp.fc" | grep -c 'lxcri')" "$(grep -c 'lxcri' "$TOP/selinux/lxcri.fc")" "file contexts"
	assert_contains "$(cat "$T/lxcri.pp.fc")" "/usr/libexec/lxcri/lxcri-(net|portfwd|ocihooks|apparmor|selinux)"
	local t
	for t in lxcri_t lxcri_hook_t lxcri_helper_t lxcri_ocihook_t lxcri_conf_t lxcri_runtime_t lxcri_var_lib_t lxcri_cache_t; do
		grep -aq "$t" "$T/lxcri.mod" || fail "type $t is not in the module"
	done
	grep -aq 'lxcri' "$T/lxcri.mod" || fail "the module is not named lxcri"
}

refused_without_selinux() {
	[ ! -e /sys/fs/selinux/enforce ] || skip "SELinux is enabled on this host"
	ct_create web
	printf '# confined by SELinux\nselinux: %s\n' "$CONTEXT" | ct_config web
	if ct_start web; then fail "a container that asks for an SELinux context started without SELinux"; fi
	assert_eq "$(ct_state web)" STOPPED
	local expected="$ETC/containers/web.conf:2: container asks for SELinux context '$CONTEXT', but SELinux is not enabled on this host: refusing to start it unconfined (see 'lxcri check')"
	assert_contains "$(grep "CT web: Refusing to start: " "$SYSLOG")" "$expected" "the refusal in syslog"
	assert_contains "$(cat "$T/web.lxc.log")" "$expected" "LXC's log"
	local status
	status=$("${LXCRI[@]}" status web)
	echo "$status"
	assert_contains "$status" "refused"
	assert_contains "$status" "$expected" "lxcri status"
	# Refused at pre-start: start-host never ran, nothing is applied.
	grep -q "lxcri-hook.* web lxc start-host\|\"start-host\" for container \"web\"" "$T/web.lxc.log" &&
		fail "start-host ran for a refused container"
	if [ -e "$RUN/web/state.json" ]; then
		assert_eq "$(jq '.items | length' "$RUN/web/state.json")" 0 "items applied"
	fi
}

unrelated_containers_unaffected() {
	# A managed container without the key starts, and lxcri-selinux does not run for it.
	ct_create plain
	printf '# no selinux key\n' | ct_config plain
	ct_start plain
	assert_eq "$(ct_state plain)" RUNNING
	assert_not_contains "$(cat "$SYSLOG")" "lxcri-selinux" "syslog"
	ct_stop plain
	assert_missing "$RUN/plain"
}

validated_by_lxcri_config() {
	printf 'selinux: %s\n' "$CONTEXT" | ct_config web
	assert_contains "$("${LXCRI[@]}" config validate web)" "is valid"
	printf 'selinux: system_u:system_r:container_t:s0:c20.c10\n' | ct_config bad
	local out rc=0
	out=$("${LXCRI[@]}" config validate bad 2>&1) || rc=$?
	assert_eq "$rc" 3 "invalid context"
	assert_contains "$out" "$ETC/containers/bad.conf:1: Invalid value 'system_u:system_r:container_t:s0:c20.c10' for 'selinux'"
}

set_show_unset() {
	[ ! -e /sys/fs/selinux/enforce ] || skip "SELinux is enabled on this host"
	ct_create web
	printf '# web\n' | ct_config web
	local out rc=0
	out=$("${LXCRI[@]}" selinux set web "$CONTEXT" 2>&1)
	echo "$out"
	assert_contains "$out" "warning: SELinux is not enabled: only the syntax of '$CONTEXT' was checked, and container 'web' will be refused at start"
	assert_eq "$(grep '^selinux:' "$ETC/containers/web.conf")" "selinux: $CONTEXT"
	assert_eq "$(grep '^lxc.selinux.context' "$LXCPATH/web/config")" "lxc.selinux.context = $CONTEXT"
	assert_eq "$("${LXCRI[@]}" selinux show web --output-format json | jq -r '.key, .lxc_value, .lxc_points_here')" "$(printf '%s\n%s\ntrue' "$CONTEXT" "$CONTEXT")"
	# Set, but SELinux is off: still refused at start, never run unconfined.
	if ct_start web; then fail "started without SELinux"; fi
	assert_contains "$(cat "$SYSLOG")" "but SELinux is not enabled on this host: refusing to start it unconfined"
	# A malformed context: refused, nothing written.
	out=$("${LXCRI[@]}" selinux set web 'system_u:system_r' 2>&1) || rc=$?
	assert_eq "$rc" 3 "malformed context"
	assert_contains "$out" "Invalid SELinux context 'system_u:system_r'"
	assert_eq "$(grep '^lxc.selinux.context' "$LXCPATH/web/config")" "lxc.selinux.context = $CONTEXT"
	"${LXCRI[@]}" selinux unset web >/dev/null
	assert_eq "$(grep -c '^selinux:' "$ETC/containers/web.conf")" 0 "selinux key"
	assert_eq "$(grep -c '^lxc.selinux.context' "$LXCPATH/web/config")" 0 "LXC key"
	ct_start web
	assert_eq "$(ct_state web)" RUNNING
	ct_stop web
}

run_test "The policy module builds with make from selinux/ (lxcri.te, .fc, .if), and semodule_unpackage reads it" policy_module_builds
run_test "On a host without SELinux, a container asking for an SELinux context is refused at pre-start with file:line and the context in syslog, LXC's log and lxcri status" refused_without_selinux
run_test "A managed container without an SELinux context starts as before, without lxcri-selinux" unrelated_containers_unaffected
run_test "lxcri config validate accepts a context and names file:line of a bad one" validated_by_lxcri_config
run_test "lxcri selinux set writes the key and lxc.selinux.context (syntax only where SELinux is off, said so), show reports both, a bad context changes nothing, unset removes both" set_show_unset
finish
