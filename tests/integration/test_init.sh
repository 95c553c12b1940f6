#!/bin/bash
# lxcri-init, PID 1 of the containers made from images, run as it runs there
# (PID 1 of a PID namespace of its own, unshare(1)) and as it must never
# behave elsewhere: the exit status of its process, the errors of a command
# that cannot run, signals forwarded, orphans reaped, and nothing killed
# outside its namespace. The containers of test_image run it under LXC.
. "$(dirname "$0")/lib.sh"

INIT=$BUILD/lxcri-init

# A process file: the arguments, then env=, cwd=, uid=, gid= records as given.
process_file() { # file arg... -- record...
	local f=$1 a
	shift
	printf 'lxcri-process 1\0' >"$f"
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		printf 'arg=%s\0' "$1" >>"$f"
		shift
	done
	[ "${1-}" == -- ] && shift
	for a in "$@"; do printf '%s\0' "$a" >>"$f"; done
	grep -qa 'cwd=' "$f" || printf 'cwd=/\0uid=0\0gid=0\0' >>"$f"
}

# A hang fails the story in 20 s, not the suite's timeout.
in_pidns() { timeout -s KILL 20 unshare --pid --fork --kill-child "$@"; }

exit_status_is_the_process() {
	local rc=0
	process_file "$T/p" /bin/sh -c 'exit 7' -- 'env=PATH=/bin:/usr/bin'
	in_pidns "$INIT" "$T/p" || rc=$?
	assert_eq "$rc" 7 "exit status"
	rc=0
	process_file "$T/p" /bin/sh -c 'kill -9 $$' -- 'env=PATH=/bin:/usr/bin'
	in_pidns "$INIT" "$T/p" || rc=$?
	assert_eq "$rc" 137 "status of a process killed by SIGKILL"
	# Exactly the file's environment: nothing of ours.
	process_file "$T/p" /usr/bin/env -- 'env=ONLY=this' 'env=SPACED=a b'
	assert_eq "$(FOO=leak in_pidns "$INIT" "$T/p")" "$(printf 'ONLY=this\nSPACED=a b')" "environment"
	# argv as written, a working directory, ids.
	mkdir -p "$T/work dir"
	process_file "$T/p" /bin/sh -c 'printf "[%s]" "$@"; pwd; id -u; id -G' sh "a b" "" "
" -- "cwd=$T/work dir" uid=65534 gid=65534 group=65534 group=4 'env=PATH=/bin:/usr/bin'
	assert_eq "$(in_pidns "$INIT" "$T/p")" "$(printf '[a b][][\n]%s\n65534\n65534 4' "$T/work dir")" "argv, cwd, ids"
}

commands_that_cannot_run() {
	local rc=0 out
	process_file "$T/p" no-such-command -- 'env=PATH=/bin:/usr/bin'
	out=$(in_pidns "$INIT" "$T/p" 2>&1) || rc=$?
	assert_eq "$rc" 127 "status of a missing command"
	assert_eq "$out" "lxcri-init: Failed to exec 'no-such-command': No such file or directory"
	printf 'echo x\n' >"$T/notexec"
	chmod 644 "$T/notexec"
	rc=0
	process_file "$T/p" "$T/notexec"
	out=$(in_pidns "$INIT" "$T/p" 2>&1) || rc=$?
	assert_eq "$rc" 126 "status of a file that is not executable"
	assert_contains "$out" "Permission denied"
	rc=0
	process_file "$T/p" /bin/true -- cwd=/nonexistent uid=0 gid=0
	out=$(in_pidns "$INIT" "$T/p" 2>&1) || rc=$?
	assert_eq "$rc" 125 "status when the working directory is missing"
	assert_contains "$out" "Failed to enter the working directory '/nonexistent'"
	# A process file that is not one: named, nothing run.
	printf 'arg=/bin/touch\0arg=%s\0' "$T/ran" >"$T/bad"
	rc=0
	out=$(in_pidns "$INIT" "$T/bad" 2>&1) || rc=$?
	assert_eq "$rc" 125 "status of a bad process file"
	assert_contains "$out" "does not start with 'lxcri-process 1'"
	assert_missing "$T/ran"
}

forwards_signals_and_reaps() {
	# The process traps TERM; an orphan of it would be a zombie without a reaper.
	process_file "$T/p" /bin/sh -c '
		trap "echo got TERM >'"$T"'/sig; exit 3" TERM
		sh -c "sleep 0.2 & exit 0"
		echo ready >'"$T"'/ready
		while :; do sleep 0.1; done' -- 'env=PATH=/bin:/usr/bin'
	unshare --pid --fork --kill-child "$INIT" "$T/p" &
	local unshare=$! rc=0 init
	# unshare itself in the background ($! is its pid, never a subshell's): its child is lxcri-init.
	for _ in $(seq 100); do [ -e "$T/ready" ] && break; sleep 0.05; done
	assert_exists "$T/ready"
	init=$(pgrep -P "$unshare" -f lxcri-init)
	[ -n "$init" ] || fail "no lxcri-init under $unshare"
	sleep 0.5
	# The orphan's exit was reaped: no zombie in the namespace.
	local zombies
	zombies=$(for p in $(pgrep -P "$init"); do ps -o stat= -p "$p"; done | grep -c Z || true)
	assert_eq "$zombies" 0 "zombies under lxcri-init"
	kill -TERM "$init"
	for _ in $(seq 100); do kill -0 "$unshare" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$unshare" 2>/dev/null && { kill -KILL "$unshare"; fail "lxcri-init did not end after TERM"; }
	wait "$unshare" || rc=$?
	assert_eq "$rc" 3 "status after TERM"
	assert_eq "$(cat "$T/sig")" "got TERM"
}

never_kills_outside_its_namespace() {
	# Not PID 1: the processes beside it live on when its process exits.
	sleep 30 &
	local bystander=$!
	process_file "$T/p" /bin/true
	"$INIT" "$T/p" || fail "lxcri-init as a plain process failed"
	kill -0 "$bystander" || fail "the bystander was killed"
	kill "$bystander"
	# As PID 1, what its process leaves behind goes with it.
	process_file "$T/p" /bin/sh -c "sleep 60 & echo \$! >$T/left; exit 0" -- 'env=PATH=/bin:/usr/bin'
	in_pidns "$INIT" "$T/p"
	assert_eq "$(pgrep -f '^sleep 60$' | wc -l)" 0 "sleepers left"
}

run_test "lxcri-init exits with its process's status, gives it exactly its environment, argv, working directory and ids" exit_status_is_the_process
run_test "A missing command exits 127, one that is not executable 126, a missing working directory or a bad process file 125, each said" commands_that_cannot_run
run_test "lxcri-init forwards the signals it gets to its process and reaps the orphans it inherits" forwards_signals_and_reaps
run_test "lxcri-init kills what its process left only as PID 1 of its own namespace, never outside it" never_kills_outside_its_namespace
finish
