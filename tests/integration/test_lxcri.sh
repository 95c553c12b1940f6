#!/bin/bash
# The lxcri companion, as an admin uses it: text and JSON output, exit
# codes, root only, config validation, status, check, completion.
. "$(dirname "$0")/lib.sh"

lxcri() { "${LXCRI[@]}" "$@"; }

version_text_and_json() {
	assert_eq "$(lxcri version)" "lxcri 0.1.0"
	assert_eq "$(lxcri version --output-format json | jq -r .version)" 0.1.0
	assert_eq "$(lxcri --output-format=json-pretty version | jq -r .version)" 0.1.0
}

root_only() {
	local out rc=0
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "${LXCRI[@]}" status 2>&1) || rc=$?
	assert_eq "$rc" 4 "exit status as nobody"
	assert_contains "$out" "only root can run 'lxcri status'"
}

usage_errors() {
	local rc=0
	lxcri frobnicate 2>"$T/err" || rc=$?
	assert_eq "$rc" 2 "unknown verb"
	assert_contains "$(cat "$T/err")" "unknown command 'frobnicate'"
	rc=0
	lxcri config frob web 2>"$T/err" || rc=$?
	assert_eq "$rc" 2 "unknown sub-verb"
	assert_contains "$(cat "$T/err")" "unknown 'lxcri config' command"
	rc=0
	lxcri status --output-format yaml 2>"$T/err" || rc=$?
	assert_eq "$rc" 2 "bad format"
	assert_contains "$(cat "$T/err")" "unknown output format 'yaml'"
	rc=0
	lxcri status --bogus 2>/dev/null || rc=$?
	assert_eq "$rc" 2 "unknown option"
}

config_validate() {
	printf 'seccomp: /etc/lxcri/seccomp/default.json\n' | ct_config ok1
	printf 'net0: name=eth0,bridge=vmbr0,ip=10.0.0.300/24\n' | ct_config bad1
	local out rc=0
	out=$(lxcri config validate bad1 2>&1) || rc=$?
	assert_eq "$rc" 3 "invalid config"
	assert_contains "$out" "$ETC/containers/bad1.conf:1:"
	assert_contains "$out" "10.0.0.300/24"
	# Grammar is fine, but the seccomp profile was never set up: the start would be refused.
	rc=0
	out=$(lxcri config validate ok1 2>&1) || rc=$?
	assert_eq "$rc" 3 "a profile key without its profile"
	assert_contains "$out" "$ETC/containers/ok1.conf:1: no generated profile for 'seccomp: /etc/lxcri/seccomp/default.json': run 'lxcri seccomp set ok1 /etc/lxcri/seccomp/default.json'"
	printf '# nothing yet\n' >"$T/empty.conf"
	assert_contains "$(lxcri config validate --file "$T/empty.conf")" "is valid (0 key(s))"
	out=$(lxcri config validate --file "$T/empty.conf" --output-format json)
	assert_eq "$(echo "$out" | jq -c '[.valid, .error, .keys]')" '[true,null,0]'
	rc=0
	out=$(lxcri config validate bad1 --output-format json) || rc=$?
	assert_eq "$rc" 3
	assert_eq "$(echo "$out" | jq -r .valid)" false
	assert_contains "$(echo "$out" | jq -r .error)" "bad1.conf:1:"
}

status_text_and_json() {
	assert_eq "$(lxcri status)" "No container has an lxcri config or state."
	ct_create web
	printf '# managed\n' | ct_config web
	printf 'mtu 9000\n' | ct_config broken
	ct_start web
	local out
	out=$(lxcri status)
	assert_contains "$out" "web          valid    running"
	assert_contains "$out" "broken       invalid  -"
	out=$(lxcri status web)
	assert_contains "$out" "phase:      running (hook start-host"
	assert_contains "$out" "applied:    0 item(s)"
	out=$(lxcri status --output-format json)
	assert_eq "$(echo "$out" | jq -r '.[] | select(.id=="web") | .state.phase')" running
	assert_eq "$(echo "$out" | jq -r '.[] | select(.id=="broken") | .config.valid')" false
	assert_eq "$(echo "$out" | jq -r '.[] | select(.id=="broken") | .state')" null
	# The admin edits the config of the running container: status says when it takes effect.
	printf '# managed\n# edited\n' | ct_config web
	assert_contains "$(lxcri status web)" "the config changed since the container started"
	ct_stop web
	assert_eq "$(lxcri status web --output-format json | jq -r '.[0].state')" null
}

check_reports() {
	local out rc=0
	out=$(lxcri check) || rc=$?
	assert_contains "$out" "ok    drop-in"
	assert_contains "$out" "ok    lxc              LXC "
	assert_contains "$out" "plain LXC host"
	out=$(lxcri check --output-format json) || true
	assert_eq "$(echo "$out" | jq -r '[.checks[].name] | index("openat2") != null')" true
	assert_eq "$(echo "$out" | jq -r '.checks[] | select(.name=="drop-in") | .status')" ok
	assert_eq "$(echo "$out" | jq -r '.summary | has("ok") and has("warn") and has("fail")')" true
	# Break things an admin can break: the drop-in and the settings file.
	mv "$DROPIN" "$DROPIN.off"
	printf 'log-level: chatty\n' >"$ETC/lxcri.conf"
	rc=0
	out=$(lxcri check) || rc=$?
	mv "$DROPIN.off" "$DROPIN"
	rm "$ETC/lxcri.conf"
	assert_eq "$rc" 1 "exit status with failures"
	assert_contains "$out" "fail  drop-in"
	assert_contains "$out" "hint: reinstall pve-lxcri"
	assert_contains "$out" "fail  settings         $ETC/lxcri.conf:1:"
	# A config whose start would be refused (an invalid address).
	printf 'net0: name=eth0,bridge=vmbr0,ip=10.0.0.300/24\n' | ct_config web
	rc=0
	out=$(lxcri check) || rc=$?
	assert_eq "$rc" 1 "exit status with a config that would be refused"
	assert_contains "$out" "fail  configs          1 of 1 container config(s) would be refused; first: $ETC/containers/web.conf:1: "
	assert_contains "$out" "10.0.0.300/24"
	# A valid config whose bridge or CNI network is not there: a warning before any start.
	mkdir -p "$T/cni"
	printf 'cni-config-dir: %s\n' "$T/cni" >"$ETC/lxcri.conf"
	printf 'net1: name=eth1,bridge=lxnobr9\nnet2: name=eth2,cni=nonet\n' | ct_config web
	out=$(lxcri check) || true
	rm "$ETC/lxcri.conf"
	assert_contains "$out" "warn  networks         2 of 2 net(s) cannot be set up; first: CT web net1: bridge 'lxnobr9' does not exist"
	# The PAM service of OCI hooks, as this host has it (the package ships it).
	if [ -e /etc/pam.d/lxcri-hook ]; then
		assert_contains "$out" "ok    pam-service"
	else
		assert_contains "$out" "warn  pam-service      '/etc/pam.d/lxcri-hook' is missing"
	fi
}

completion() {
	[ -r /usr/share/bash-completion/bash_completion ] || skip "bash-completion not installed"
	printf '# a\n' | ct_config alpha
	printf '# b\n' | ct_config beta
	mkdir -p "$T/images"
	printf '{"schemaVersion":2,"manifests":[{"digest":"sha256:%064d","size":1,"annotations":{"org.opencontainers.image.ref.name":"docker.io/library/busybox:latest"}}]}' 0 \
		>"$T/images/index.json"
	local script
	script=$(cat <<EOS
. /usr/share/bash-completion/bash_completion
. "$TOP/cli/lxcri.bash-completion"
export LXCRI_ETC_DIR="$ETC" LXCRI_PVE_DIR="$PVE"
complete_words() { COMP_WORDS=("\$@"); COMP_CWORD=\$((\${#COMP_WORDS[@]} - 1)); COMP_LINE="\$*"; COMP_POINT=\${#COMP_LINE}; COMPREPLY=(); _lxcri lxcri "\${COMP_WORDS[-1]}" "\${COMP_WORDS[-2]:-}"; echo "\${COMPREPLY[*]}"; }
echo "verbs: \$(complete_words lxcri '')"
echo "config: \$(complete_words lxcri config '')"
echo "ids: \$(complete_words lxcri status '')"
echo "formats: \$(complete_words lxcri status --output-format '')"
echo "export: \$(complete_words lxcri config export '')"
echo "gc: \$(complete_words lxcri gc --)"
echo "import: \$(complete_words lxcri config import alpha --)"
echo "image: \$(complete_words lxcri image '')"
echo "images: \$(complete_words lxcri --images-dir=$T/images image rm '')"
echo "pullopt: \$(complete_words lxcri image pull x --)"
echo "platform: \$(complete_words lxcri image pull x --platform linux/arm)"
EOS
)
	local out
	out=$(bash -c "$script")
	assert_contains "$out" "verbs: "
	for v in version check status config gc; do assert_contains "$(grep verbs: <<<"$out")" "$v"; done
	for v in validate export import; do assert_contains "$(grep config: <<<"$out")" "$v"; done
	assert_contains "$(grep export: <<<"$out")" "alpha"
	assert_contains "$(grep gc: <<<"$out")" "--apply"
	assert_contains "$(grep import: <<<"$out")" "--force"
	assert_contains "$(grep ids: <<<"$out")" "alpha"
	assert_contains "$(grep ids: <<<"$out")" "beta"
	assert_contains "$(grep formats: <<<"$out")" "json-pretty"
	for v in pull list inspect rm prune login logout; do assert_contains "$(grep '^image:' <<<"$out")" "$v"; done
	assert_eq "$(grep '^images:' <<<"$out")" "images: docker.io/library/busybox:latest"
	assert_contains "$(grep pullopt: <<<"$out")" "--platform"
	assert_eq "$(grep platform: <<<"$out")" "platform: linux/arm64 linux/arm/v7"
}

# `seccomp convert file` refuses it as invalid input (exit 3), and says each what.
convert_refused() { # file what...
	local out rc=0 file=$1 what
	shift
	out=$(lxcri seccomp convert "$file" 2>&1) || rc=$?
	assert_eq "$rc" 3 "exit status of seccomp convert '$file'"
	for what in "$@"; do assert_contains "$out" "$what"; done
}

seccomp_convert() {
	local out arches='"architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]'
	# Docker's default profile, as Debian ships podman's copy of it.
	[ -r /usr/share/containers/seccomp.json ] || skip "no /usr/share/containers/seccomp.json (golang-github-containers-common)"
	out=$(lxcri seccomp convert /usr/share/containers/seccomp.json 2>"$T/sc.err") || fail "convert: $(cat "$T/sc.err")"
	assert_eq "$(head -n1 <<<"$out")" 2 "profile version"
	assert_eq "$(sed -n 2p <<<"$out")" "allowlist errno 38" "default action"
	assert_contains "$out" "[x86_64]"
	[ "$(grep -c ' allow' <<<"$out")" -gt 300 ] || fail "too few allow rules: $out"
	assert_eq "$(lxcri seccomp convert /usr/share/containers/seccomp.json --output-format json | jq -r '.shape + " " + (.losses | length | tostring)')" "docker 0" "JSON"
	# A syscall libseccomp does not know: allowed where the default denies, it is skipped with a
	# warning (the call stays denied); denied where the default allows, it would stay allowed:
	# refused, naming it. A name no syscall could have is an error.
	echo '{"defaultAction": "SCMP_ACT_ERRNO", '"$arches"', "syscalls": [{"names": ["read", "nosuchcall"], "action": "SCMP_ACT_ALLOW"}]}' >"$T/newer.json"
	out=$(lxcri seccomp convert "$T/newer.json" 2>&1 >"$T/newer.out") || fail "convert of an allowed unknown syscall: $out"
	assert_contains "$out" "warning: skipped (unknown to libseccomp "
	assert_contains "$out" "): nosuchcall; these calls get the default action (errno 1)"
	assert_eq "$(tail -n 1 "$T/newer.out")" "read allow"
	echo '{"defaultAction": "SCMP_ACT_ALLOW", '"$arches"', "syscalls": [{"names": ["nosuchcall"], "action": "SCMP_ACT_ERRNO"}]}' >"$T/denied.json"
	convert_refused "$T/denied.json" "cannot express: syscalls[0].names[0] (syscall 'nosuchcall'): unknown to libseccomp"
	echo '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["no such call"], "action": "SCMP_ACT_ALLOW"}]}' >"$T/name.json"
	convert_refused "$T/name.json" "syscalls[0].names[0]: 'no such call' is not a syscall name"
	# Malformed JSON: line and column.
	printf '{\n  "defaultAction": "SCMP_ACT_ERRNO",\n  "syscalls": [,]\n}\n' >"$T/broken.json"
	convert_refused "$T/broken.json" "line 3, column"
	# What LXC's format cannot express is refused, unless accepted.
	echo '{"defaultAction": "SCMP_ACT_ERRNO", '"$arches"', "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_KILL_PROCESS"}]}' >"$T/log.json"
	convert_refused "$T/log.json" "cannot express" "--accept-loss"
	out=$(lxcri seccomp convert "$T/log.json" --accept-loss 2>&1) || fail "accept-loss: $out"
	assert_contains "$out" "lost (accepted)"
}

run_test "lxcri version prints the version as text and as JSON" version_text_and_json
run_test "lxcri refuses a non-root caller with a clear error and exit status 4" root_only
run_test "Usage errors exit 2 and say what was wrong" usage_errors
run_test "lxcri config validate names file, line and value, exits 3, and speaks JSON" config_validate
run_test "lxcri status shows configured against applied, per container, as text and JSON" status_text_and_json
run_test "lxcri check reports each host property with ok/warn/fail and a hint" check_reports
run_test "Bash completion offers verbs, sub-verbs, formats and container ids" completion
run_test "lxcri seccomp convert turns Docker's default profile into LXC's format; syscalls newer than libseccomp are skipped where the default denies them; bad input and losses are refused" seccomp_convert
finish
