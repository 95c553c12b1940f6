#!/bin/bash
# The runtime state under /run/lxcri and the files around it, when things
# go wrong: a config too large is worded the same by a refused start and
# by the CLI.
. "$(dirname "$0")/lib.sh"

lxcri() { "${LXCRI[@]}" "$@"; }

config_too_large_worded_once() {
	local ct=big$NET_SUFFIX refused validated added rc
	ct_create "$ct"
	{
		echo '# managed'
		head -c 1100000 /dev/zero | tr '\0' '#'
		echo
	} | ct_config "$ct"
	if ct_start "$ct"; then fail "a config larger than 1 MiB started"; fi
	refused=$(sed -n "s/.*CT $ct: Refusing to start: //p" "$SYSLOG" | tail -n1)
	assert_contains "$refused" "$ETC/containers/$ct.conf: " "the refusal"
	assert_contains "$refused" "1 MiB" "the refusal"
	rc=0
	validated=$(lxcri config validate "$ct" 2>&1) || rc=$?
	assert_eq "$rc" 3 "exit status of config validate"
	assert_eq "$validated" "$refused" "lxcri config validate against the refused start"
	rc=0
	added=$(lxcri port add "$ct" tcp 18084 80 2>&1) || rc=$?
	assert_eq "$rc" 3 "exit status of port add"
	assert_eq "$added" "lxcri: $refused" "lxcri port add against the refused start"
	assert_contains "$(lxcri status "$ct")" "$refused" "lxcri status"
}

run_test "A config larger than 1 MiB: the refused start, lxcri config validate and lxcri port add give the same text" config_too_large_worded_once
finish
