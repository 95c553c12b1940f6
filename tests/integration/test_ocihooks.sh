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
	# lxcri metrics counts each run by stage and result, and the lifecycle hook's runs.
	local m s
	m=$("${LXCRI[@]}" metrics)
	for s in prestart createRuntime createContainer startContainer poststart poststop; do
		assert_contains "$m" "lxcri_oci_hook_runs_total{stage=\"$s\",result=\"ok\"} 1"
	done
	for s in pre-start start-host stop post-stop; do
		assert_contains "$m" "lxcri_hook_runs_total{hook=\"$s\"} 1"
	done
	awk '$1 == "lxcri_hook_seconds_total{hook=\"start-host\"}" { found = 1; if ($2 <= 0) exit 1 } END { exit !found }' <<<"$m" ||
		fail "no time for start-host: $(grep hook_seconds <<<"$m")"
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
	local m
	m=$("${LXCRI[@]}" metrics)
	assert_contains "$m" 'lxcri_oci_hook_runs_total{stage="createRuntime",result="timeout"} 1'
	assert_contains "$m" "lxcri_refused_starts_total{id=\"$ct\"} 1"
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

# --- the attacker: a container's root chooses the program of its
# startContainer hooks (their path resolves in its rootfs) ---

# The container's LXC config as PVE gives one: LXC's seccomp profile and
# PVE's dropped capabilities, so that its init has a filter and a smaller
# bounding set than the host.
ct_confine() { # ct
	printf 'lxc.seccomp.profile = /usr/share/lxc/config/common.seccomp\nlxc.cap.drop = mac_admin mac_override sys_time sys_module sys_rawio\n' \
		>>"$LXCPATH/$1/config"
}

# An unprivileged container, as PVE makes them: ids 0..65535 of the
# container are 100000.. on the host.
ct_unprivileged() { # ct
	printf 'lxc.idmap = u 0 100000 65536\nlxc.idmap = g 0 100000 65536\n' >>"$LXCPATH/$1/config"
	chmod 755 "$LXCPATH/$1"
	chown -R -h 100000:100000 "$LXCPATH/$1/rootfs"
}

# The startContainer hook $HOOKS/start-hook, whose program each container
# has in its rootfs (its root chose it). hooks.d files name a program that
# exists where they are read: a placeholder on the host.
ct_start_hook_file() {
	printf '#!/bin/sh\nexit 0\n' >"$HOOKS/start-hook"
	chmod 755 "$HOOKS/start-hook"
	cat >"$HOOKS/hooks.d/start.json" <<EOS
{"version": "1.0.0", "hook": {"path": "$HOOKS/start-hook"}, "when": {"always": true}, "stages": ["startContainer"]}
EOS
}

# status <file> <key>: a field of a copy of /proc/<pid>/status
status_field() { sed -n "s/^$2:[[:space:]]*//p" "$1"; }

in_container_hook_confined() {
	local ct=esc ctpid marker=$T/escaped s
	rm -rf "$HOOKS/hooks.d"/* "$OUT"/*
	rm -f "$marker"
	ct_create "$ct"
	ct_confine "$ct"
	# The container's root writes the hook (it becomes hostilehook): it
	# mounts a procfs of its own, which the container later uses to reach
	# /proc/<pid>/root of a host process, and records what it is.
	mkdir -p "$LXCPATH/$ct/rootfs$HOOKS"
	cp "$BUILD/tests/hostilehook" "$LXCPATH/$ct/rootfs/bin/"
	cat >"$LXCPATH/$ct/rootfs$HOOKS/start-hook" <<'EOS'
#!/bin/sh
exec /bin/hostilehook mountproc /hostproc /hookout
EOS
	chmod 755 "$LXCPATH/$ct/rootfs$HOOKS/start-hook"
	ct_start_hook_file
	# A createContainer hook (a program of the host, whose "/" it keeps)
	# records the same of itself.
	cat >"$HOOKS/selfstatus" <<EOS
#!/bin/sh
cat /proc/self/status >$OUT/create-status
readlink /proc/self/ns/pid >$OUT/create-pidns
exit 0
EOS
	chmod 755 "$HOOKS/selfstatus"
	cat >"$HOOKS/hooks.d/create.json" <<EOS
{"version": "1.0.0", "hook": {"path": "$HOOKS/selfstatus"}, "when": {"always": true}, "stages": ["createContainer"]}
EOS
	hooks_config "$ct"
	start_pam "$ct" || fail "start refused: $(grep "CT $ct:" "$SYSLOG" | tail -n3)"
	ctpid=$(lxc-info -P "$LXCPATH" -n "$ct" -p -H)
	# The container tries the way out the hook's procfs would give it: the
	# root of a host process (this test's shell; the host's pid 1 as well).
	ct_exec "$ct" /bin/sh -c "echo escaped >/hostproc/$$/root$marker" 2>/dev/null || true
	ct_exec "$ct" /bin/sh -c "echo escaped >/hostproc/1/root$marker" 2>/dev/null || true
	assert_missing "$marker"
	local out=$LXCPATH/$ct/rootfs/hookout
	assert_exists "$out/status"
	# A process of the container: its pid namespace, its cgroups, its
	# bounding set, its seccomp filters, and no new privileges.
	assert_eq "$(cat "$out/pidns")" "$(readlink "/proc/$ctpid/ns/pid")" "startContainer: pid namespace"
	assert_eq "$(cat "$out/cgroup")" "$(cat "$out/init-cgroup")" "startContainer: cgroups"
	cp "$OUT/create-status" "$out/create-status"
	assert_eq "$(cat "$OUT/create-pidns")" "$(readlink "/proc/$ctpid/ns/pid")" "createContainer: pid namespace"
	for s in status create-status; do
		assert_eq "$(status_field "$out/$s" CapBnd)" "$(status_field "/proc/$ctpid/status" CapBnd)" "$s: bounding set"
		assert_eq "$(status_field "$out/$s" CapEff)" "$(status_field "/proc/$ctpid/status" CapEff)" "$s: effective capabilities"
		assert_eq "$(status_field "$out/$s" Seccomp)" 2 "$s: seccomp mode"
		assert_eq "$(status_field "$out/$s" Seccomp_filters)" "$(status_field "/proc/$ctpid/status" Seccomp_filters)" "$s: seccomp filters"
		assert_eq "$(status_field "$out/$s" NoNewPrivs)" 1 "$s: no_new_privs"
	done
	stop_pam "$ct"
}

unprivileged_hook_cannot_signal_others() {
	local ct=att victim=vic vpid
	rm -rf "$HOOKS/hooks.d"/* "$OUT"/*
	ct_create "$victim"
	ct_unprivileged "$victim"
	ct_start "$victim" || fail "victim did not start"
	vpid=$(lxc-info -P "$LXCPATH" -n "$victim" -p -H)
	ct_create "$ct"
	ct_unprivileged "$ct"
	ct_confine "$ct"
	# The attacker's hook, in its own rootfs, signals the other container's
	# init, which runs as the same host uid (100000).
	mkdir -p "$LXCPATH/$ct/rootfs$HOOKS"
	cp "$BUILD/tests/hostilehook" "$LXCPATH/$ct/rootfs/bin/"
	cat >"$LXCPATH/$ct/rootfs$HOOKS/start-hook" <<EOS
#!/bin/sh
exec /bin/hostilehook kill $vpid /hookout
EOS
	chmod 755 "$LXCPATH/$ct/rootfs$HOOKS/start-hook"
	chown -R -h 100000:100000 "$LXCPATH/$ct/rootfs/tmp"
	ct_start_hook_file
	hooks_config "$ct"
	start_pam "$ct" || fail "start refused: $(grep "CT $ct:" "$SYSLOG" | tail -n3)"
	assert_exists "$LXCPATH/$ct/rootfs/hookout"
	sleep 0.2
	assert_eq "$(ct_state "$victim")" RUNNING "the other container"
	assert_exists "/proc/$vpid"
	assert_not_contains "$(cat "$LXCPATH/$ct/rootfs/hookout")" "kill=0" "the hook's kill"
	stop_pam "$ct"
	ct_stop "$victim"
}

# --- where hooks come from: only files that root alone can change ---

refused_start() { # ct what: the start is refused and syslog says what
	if start_pam "$1"; then fail "$1 started"; fi
	assert_eq "$(ct_state "$1")" STOPPED
	assert_contains "$(grep "CT $1:" "$SYSLOG")" "$2" "syslog"
}

unsafe_hook_sources_refused() {
	local ct=unsafe out
	rm -rf "$HOOKS/hooks.d"/* "$OUT"/*
	ct_create "$ct"
	hooks_config "$ct"
	# A hooks.d file others may write.
	hook_file rt createRuntime
	chmod 0666 "$HOOKS/hooks.d/rt.json"
	refused_start "$ct" "'$HOOKS/hooks.d/rt.json' is writable by group or others"
	# One that is not root's.
	chmod 0644 "$HOOKS/hooks.d/rt.json"
	chown 1000 "$HOOKS/hooks.d/rt.json"
	refused_start "$ct" "'$HOOKS/hooks.d/rt.json' is owned by uid 1000, not root"
	chown 0 "$HOOKS/hooks.d/rt.json"
	# The directory itself, group-writable.
	chmod 0775 "$HOOKS/hooks.d"
	refused_start "$ct" "'$HOOKS/hooks.d' is writable by group or others"
	chmod 0755 "$HOOKS/hooks.d"
	# A host hook program others may write.
	cp "$HOOKS/record" "$HOOKS/record-open"
	chmod 0777 "$HOOKS/record-open"
	hook_file rt createRuntime '{"always": true}' "$HOOKS/record-open"
	refused_start "$ct" "'$HOOKS/record-open' is writable by group or others"
	assert_missing "$OUT/createRuntime"
	# A bundle's config.json others may write.
	rm -f "$HOOKS/hooks.d"/*
	mkdir -p "$T/bundle"
	printf '{"ociVersion": "1.0.2", "hooks": {"createRuntime": [{"path": "%s", "args": ["record", "createRuntime", "%s"]}]}}\n' \
		"$HOOKS/record" "$OUT" >"$T/bundle/config.json"
	chmod 0646 "$T/bundle/config.json"
	printf 'hooks: bundle=%s\n' "$T/bundle" >"$ETC/containers/$ct.conf"
	refused_start "$ct" "'$T/bundle/config.json' is writable by group or others"
	assert_missing "$OUT/createRuntime"
	# Once root alone can change them, the same hooks run.
	chmod 0644 "$T/bundle/config.json"
	start_pam "$ct" || fail "start refused: $(grep "CT $ct:" "$SYSLOG" | tail -n3)"
	assert_exists "$OUT/createRuntime"
	stop_pam "$ct"
}

hooks_dir_tmp_refused() {
	local ct=tmpdir out
	ct_create "$ct"
	printf 'hooks: dir=/tmp\n' >"$ETC/containers/$ct.conf"
	if out=$("${LXCRI[@]}" config validate "$ct" 2>&1); then fail "dir=/tmp validated: $out"; fi
	assert_contains "$out" "$ETC/containers/$ct.conf:1"
	assert_contains "$out" "'/tmp' is writable by group or others"
	refused_start "$ct" "'/tmp' is writable by group or others"
}

many_hook_dirs() {
	local ct=manydirs dirs="" i
	rm -rf "$HOOKS/hooks.d"/* "$OUT"/*
	for i in $(seq 70); do
		mkdir -p "$T/hd/$i"
		dirs="$dirs${dirs:+;}$T/hd/$i"
	done
	# Only the last of the 70 directories has the hook.
	hook_file last createRuntime
	mv "$HOOKS/hooks.d/last.json" "$T/hd/70/"
	ct_create "$ct"
	printf 'hooks: dir=%s\n' "$dirs" >"$ETC/containers/$ct.conf"
	start_pam "$ct" || fail "start refused: $(grep "CT $ct:" "$SYSLOG" | tail -n3)"
	assert_exists "$OUT/createRuntime"
	stop_pam "$ct"
}

run_test "Each stage runs once, in order, in its namespaces and root, with the OCI state on stdin" every_stage_in_place
run_test "An annotation condition matches only the annotated container" annotation_condition
run_test "A hook that hangs is killed at its timeout with its children; the start is refused with nothing left" hanging_hook_refused
run_test "A failing poststop hook is a warning and does not block the stop" failing_poststop_does_not_block
run_test "hook-user=nobody runs the hooks as uid 65534 with nobody's groups only" hook_user_nobody
run_test "lxcri hooks run runs a stage's hooks by hand; --dry-run only prints them" hooks_run_by_hand
run_test "A startContainer hook from a container's rootfs runs as a process of that container: its pid namespace, cgroups, bounding set, seccomp filter and no_new_privs; its procfs leads nowhere on the host" in_container_hook_confined
run_test "A startContainer hook of an unprivileged container cannot signal another container's processes" unprivileged_hook_cannot_signal_others
run_test "A hooks.d file, its directory, a bundle's config.json or a host hook program that is not root's or that group or others may write is refused, naming it" unsafe_hook_sources_refused
run_test "hooks: dir=/tmp is refused by config validate and at the start" hooks_dir_tmp_refused
run_test "hooks: dir= takes 70 directories, and a hook in the last one runs" many_hook_dirs
finish
