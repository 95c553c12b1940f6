#!/bin/bash
# OCI hooks (hooks:, hook-user:, annotationN:) on real busybox LXC containers:
# hooks.d files of this run, each stage run once, in order, in its
# namespaces and root, with the OCI state on stdin; annotation conditions;
# a hanging hook killed at its timeout, refusing the start with nothing
# left; a failing poststop hook that does not block the stop; hook-user;
# `lxcri hooks list|run`.
#
# PAM: the hooks run through the service "lxcri-hook" as the hooks do on a
# host, with pam_wrapper giving them a service file of this run (LXC hands
# lxc-start's environment down to its hooks).
. "$(dirname "$0")/lib.sh"

HOOKS=$T/hooks # the hook program and the hooks.d directory
OUT=$T/out     # what the hooks record
PAMDIR=$T/pam
mkdir -p "$HOOKS/hooks.d" "$OUT" "$PAMDIR"
PAM_WRAPPER_LIB=$(dpkg -L libpam-wrapper | grep '/libpam_wrapper\.so$' | head -n1)
cat >"$PAMDIR/lxcri-hook" <<'EOS'
auth     sufficient pam_rootok.so
auth     required   pam_deny.so
account  required   pam_permit.so
password required   pam_deny.so
session  required   pam_permit.so
EOS
printf 'auth required pam_deny.so\naccount required pam_deny.so\nsession required pam_deny.so\n' >"$PAMDIR/other"
PAM_COPIES_BEFORE=$(ls -d /tmp/pam.* 2>/dev/null | sort)
hooks_exit() {
	harness_cleanup
	# pam_wrapper's per-process copies of the service dir.
	comm -13 <(echo "$PAM_COPIES_BEFORE") <(ls -d /tmp/pam.* 2>/dev/null | sort) | xargs -r rm -rf
}
trap hooks_exit EXIT

# The hook: records its stage, arguments, ids, namespaces, root, FOO and
# stdin into <out>/<stage>, and appends the stage to <out>/order. /bin/sh
# on the host and busybox's in the container run it alike.
cat >"$HOOKS/record" <<'EOS'
#!/bin/sh
stage=$1 out=$2
{
	echo "argv=$0 $*"
	echo "uid=$(id -u) gid=$(id -g) groups=$(id -G)"
	echo "net=$(readlink /proc/self/ns/net)"
	echo "mnt=$(readlink /proc/self/ns/mnt)"
	echo "root=$(ls -di / | cut -d' ' -f1)"
	echo "FOO=${FOO-unset} LXCRI_LOG_SOCKET=${LXCRI_LOG_SOCKET-unset} HOME=${HOME-unset}"
	echo "state=$(cat)"
} >"$out/$stage"
echo "$stage" >>"$out/order"
[ -n "$HOOK_EXIT" ] && exit "$HOOK_EXIT"
exit 0
EOS
chmod 755 "$HOOKS/record"

# hooks.d/<name>.json: a 1.0.0 hook of $HOOKS/record (or path) for one
# stage, which it gets as its first argument (a hook cannot tell otherwise).
hook_file() { # name stage [when(json)] [path] [extra env]
	local name=$1 stage=$2 when=${3:-'{"always": true}'} path=${4:-$HOOKS/record}
	cat >"$HOOKS/hooks.d/$name.json" <<EOS
{
  "version": "1.0.0",
  "hook": {"path": "$path", "args": ["record", "$stage", "$OUT"], "env": ["FOO=bar"${5:+, \"$5\"}]},
  "when": $when,
  "stages": ["$stage"]
}
EOS
}

hooks_config() { # ct [more lines]: a managed container whose hooks come from $HOOKS/hooks.d
	local ct=$1
	shift
	printf 'hooks: dir=%s\n' "$HOOKS/hooks.d" >"$ETC/containers/$ct.conf"
	printf '%s\n' "$@" >>"$ETC/containers/$ct.conf"
}

# lxc-start with the PAM service of this run.
start_pam() { # ct
	PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR=$PAMDIR LD_PRELOAD=$PAM_WRAPPER_LIB ct_start "$1"
}
stop_pam() {
	PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR=$PAMDIR LD_PRELOAD=$PAM_WRAPPER_LIB ct_stop "$1"
}

field() { sed -n "s/^$2=//p" "$1"; } # file key
wait_file() { # path
	for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.05; done
	fail "'$1' did not appear"
}

every_stage_in_place() {
	local ct=web ctpid host_net ct_net host_root ct_root s
	rm -rf "$HOOKS/hooks.d"/* "$OUT"/*
	for s in prestart createRuntime createContainer startContainer poststart poststop; do
		hook_file "10-$s" "$s"
	done
	# startContainer's path resolves in the container: its own copy of the
	# hook (the host's would do for the hooks.d check only), writing into it.
	ct_create "$ct"
	mkdir -p "$LXCPATH/$ct/rootfs$HOOKS" "$LXCPATH/$ct/rootfs$OUT"
	cp "$HOOKS/record" "$LXCPATH/$ct/rootfs$HOOKS/record"
	hooks_config "$ct" "annotation0: org.example.note=web, rack 4"
	start_pam "$ct" || fail "start refused: $(grep "CT $ct:" "$SYSLOG" | tail -n3)"
	wait_file "$OUT/poststart"
	ctpid=$(lxc-info -P "$LXCPATH" -n "$ct" -p -H)
	host_net=$(readlink /proc/self/ns/net)
	ct_net=$(readlink "/proc/$ctpid/ns/net")
	host_root=$(ls -di / | cut -d' ' -f1)
	ct_root=$(ls -di "$LXCPATH/$ct/rootfs" | cut -d' ' -f1)
	# startContainer wrote inside the container: its $OUT is in the rootfs.
	cp "$LXCPATH/$ct/rootfs$OUT/startContainer" "$OUT/startContainer"
	cat "$LXCPATH/$ct/rootfs$OUT/order" >>"$OUT/order.ct"
	# Namespaces and root, as the runtime-spec has them.
	for s in prestart createRuntime poststart; do
		assert_eq "$(field "$OUT/$s" net)" "$host_net" "$s: network namespace"
		assert_eq "$(field "$OUT/$s" root)" "$host_root" "$s: root"
	done
	assert_eq "$(field "$OUT/createContainer" net)" "$ct_net" "createContainer: network namespace"
	assert_eq "$(field "$OUT/createContainer" mnt)" "$(readlink "/proc/$ctpid/ns/mnt")" "createContainer: mount namespace"
	assert_eq "$(field "$OUT/startContainer" net)" "$ct_net" "startContainer: network namespace"
	assert_eq "$(field "$OUT/startContainer" root)" "$ct_root" "startContainer: root"
	# Arguments and environment exactly; root by default. (A script's $0 is
	# its path, whatever argv[0] is: the kernel gives the interpreter that.)
	assert_eq "$(field "$OUT/createRuntime" argv)" "$HOOKS/record createRuntime $OUT" "argv"
	assert_eq "$(field "$OUT/createRuntime" FOO)" "bar LXCRI_LOG_SOCKET=unset HOME=unset" "environment (the hook's own only)"
	assert_eq "$(field "$OUT/createRuntime" uid)" "0 gid=0 groups=0" "user"
	# The state on stdin: status per stage, id, pid, annotations.
	declare -A want=([prestart]=creating [createRuntime]=creating [createContainer]=creating
		[startContainer]=created [poststart]=running)
	for s in "${!want[@]}"; do
		assert_eq "$(field "$OUT/$s" state | jq -r '.status')" "${want[$s]}" "$s: status"
		assert_eq "$(field "$OUT/$s" state | jq -r '.id')" "$ct" "$s: id"
		assert_eq "$(field "$OUT/$s" state | jq -r '.pid')" "$ctpid" "$s: pid"
		assert_eq "$(field "$OUT/$s" state | jq -r '.ociVersion')" "1.0.2" "$s: ociVersion"
		assert_eq "$(field "$OUT/$s" state | jq -r '.annotations["org.example.note"]')" "web, rack 4" "$s: annotations"
	done
	# Each once, in order (startContainer's line is in the container's file).
	assert_eq "$(tr '\n' ' ' <"$OUT/order")" "prestart createRuntime createContainer poststart " "order of the host's runs"
	assert_eq "$(cat "$OUT/order.ct")" "startContainer" "startContainer runs"
	# One audit line per run, and lxcri status/hooks list show the last runs.
	assert_contains "$(grep "CT $ct:" "$SYSLOG")" "hook createRuntime '$HOOKS/record' (user root, $HOOKS/hooks.d/10-createRuntime.json): exit 0 in"
	assert_contains "$("${LXCRI[@]}" hooks list "$ct")" "createContainer  $HOOKS/record"
	assert_eq "$("${LXCRI[@]}" hooks list "$ct" --output-format json | jq -r '.stages.startContainer[0].why')" always "hooks list JSON"
	assert_eq "$("${LXCRI[@]}" hooks list "$ct" --output-format json | jq -r '.last_runs["poststart '"$HOOKS/record"'"].exit')" 0 "last run of poststart"
	assert_contains "$("${LXCRI[@]}" status "$ct")" "createContainer  $HOOKS/record"
	assert_eq "$("${LXCRI[@]}" status "$ct" --output-format json | jq -r '.[0].hook_runs["startContainer '"$HOOKS/record"'"].user')" root "status JSON: last run"
	stop_pam "$ct"
	assert_eq "$(field "$OUT/poststop" state | jq -c '[.status, .id, has("pid")]')" "[\"stopped\",\"$ct\",false]" "poststop state"
	assert_eq "$(tail -n1 "$OUT/order")" poststop "poststop last"
	assert_missing "$RUN/$ct"
}

annotation_condition() {
	rm -rf "$HOOKS/hooks.d"/* "$OUT"/*
	hook_file gpu createRuntime '{"annotations": {"^com\\.example\\.gpu$": "^all$"}}'
	ct_create gpu1
	hooks_config gpu1 "annotation0: com.example.gpu=all"
	ct_create plain1
	hooks_config plain1 "annotation0: com.example.gpu=none"
	start_pam plain1 || fail "plain1 refused"
	assert_missing "$OUT/createRuntime"
	assert_contains "$("${LXCRI[@]}" hooks list plain1)" "(none)"
	start_pam gpu1 || fail "gpu1 refused"
	assert_eq "$(field "$OUT/createRuntime" state | jq -r .id)" gpu1 "the annotated container's hook"
	assert_contains "$("${LXCRI[@]}" hooks list gpu1)" "annotation 'com.example.gpu=all' matches"
	stop_pam plain1
	stop_pam gpu1
}

hanging_hook_refused() {
	local ct=hang
	rm -rf "$HOOKS/hooks.d"/* "$OUT"/*
	cat >"$HOOKS/hang" <<EOS
#!/bin/sh
sleep 300 &
echo \$! >"$OUT/child"
sleep 300
EOS
	chmod 755 "$HOOKS/hang"
	cat >"$HOOKS/hooks.d/hang.json" <<EOS
{"version": "1.0.0", "hook": {"path": "$HOOKS/hang", "timeout": 1}, "when": {"always": true}, "stages": ["createRuntime"]}
EOS
	hook_file 90-stop poststop
	ct_create "$ct"
	hooks_config "$ct"
	if start_pam "$ct"; then fail "started although a createRuntime hook hung"; fi
	assert_eq "$(ct_state "$ct")" STOPPED
	assert_contains "$(grep "CT $ct:" "$SYSLOG")" "createRuntime hook '$HOOKS/hang' (user root) failed: killed at its timeout"
	# Its whole process group went, the child too (gone, or a zombie waiting for init).
	local child
	child=$(cat "$OUT/child")
	for _ in $(seq 20); do
		[ -e "/proc/$child" ] && [ "$(awk '{print $3}' "/proc/$child/stat" 2>/dev/null)" != Z ] || break
		sleep 0.1
	done
	if [ -e "/proc/$child" ] && [ "$(awk '{print $3}' "/proc/$child/stat" 2>/dev/null)" != Z ]; then
		fail "the hook's child $child still runs"
	fi
	# The refused start ran the poststop hooks, and left nothing to undo.
	wait_file "$OUT/poststop"
	assert_eq "$(jq '.items | length' "$RUN/$ct/state.json" 2>/dev/null || echo 0)" 0 "items left"
	assert_contains "$("${LXCRI[@]}" status "$ct")" "killed at its timeout"
}

failing_poststop_does_not_block() {
	local ct=pstop
	rm -rf "$HOOKS/hooks.d"/* "$OUT"/*
	hook_file stop poststop '{"always": true}' "" HOOK_EXIT=3
	ct_create "$ct"
	hooks_config "$ct"
	start_pam "$ct" || fail "start refused"
	stop_pam "$ct"
	assert_eq "$(ct_state "$ct")" STOPPED
	wait_file "$OUT/poststop"
	assert_contains "$(grep "CT $ct:" "$SYSLOG")" "poststop hook '$HOOKS/record' (user root) failed: exit 3"
	assert_missing "$RUN/$ct"
}

hook_user_nobody() {
	local ct=asnobody
	rm -rf "$HOOKS/hooks.d"/* "$OUT"/*
	chmod 777 "$OUT"
	hook_file user createRuntime
	ct_create "$ct"
	hooks_config "$ct" "hook-user: nobody"
	start_pam "$ct" || fail "start refused: $(grep "CT $ct:" "$SYSLOG" | tail -n3)"
	assert_eq "$(field "$OUT/createRuntime" uid)" "65534 gid=65534 groups=65534" "ids of the hook"
	assert_contains "$(grep "CT $ct:" "$SYSLOG")" "(user nobody,"
	stop_pam "$ct"
}

hooks_run_by_hand() {
	local ct=byhand out
	rm -rf "$HOOKS/hooks.d"/* "$OUT"/*
	hook_file rt createRuntime
	ct_create "$ct"
	hooks_config "$ct"
	out=$("${LXCRI[@]}" hooks run "$ct" createRuntime --dry-run) || fail "dry run: $out"
	assert_contains "$out" "createRuntime: $HOOKS/record"
	assert_missing "$OUT/createRuntime"
	start_pam "$ct" || fail "start refused"
	rm -f "$OUT/createRuntime"
	out=$(PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR=$PAMDIR LD_PRELOAD=$PAM_WRAPPER_LIB "${LXCRI[@]}" hooks run "$ct" createRuntime) ||
		fail "hooks run: $out"
	assert_contains "$out" "1 createRuntime hook(s) of CT $ct ran"
	assert_eq "$(field "$OUT/createRuntime" state | jq -r .status)" creating "state of a run by hand"
	if out=$("${LXCRI[@]}" hooks run "$ct" prestop 2>&1); then fail "unknown stage accepted"; fi
	assert_contains "$out" "Unknown stage 'prestop'"
	stop_pam "$ct"
}

run_test "Each stage runs once, in order, in its namespaces and root, with the OCI state on stdin" every_stage_in_place
run_test "An annotation condition matches only the annotated container" annotation_condition
run_test "A hook that hangs is killed at its timeout with its children; the start is refused with nothing left" hanging_hook_refused
run_test "A failing poststop hook is a warning and does not block the stop" failing_poststop_does_not_block
run_test "hook-user=nobody runs the hooks as uid 65534 with nobody's groups only" hook_user_nobody
run_test "lxcri hooks run runs a stage's hooks by hand; --dry-run only prints them" hooks_run_by_hand
finish
