#!/bin/bash
# What the README promises beside the tests: `make demo` shows the main job
# on a real container and leaves nothing behind; the benchmark runs and
# prints its figures and ratio (its numbers are not judged here).
. "$(dirname "$0")/lib.sh"

demo_runs_and_cleans_up() {
	local before after out
	before=$(ls -d /tmp/lxcri-demo-* 2>/dev/null | wc -l)
	out=$(BUILD=$BUILD "$TOP/tests/demo" 2>&1) || fail "demo failed: $out"
	assert_contains "$out" "Refusing to start:"
	assert_contains "$out" "Invalid value '90000' for 'mtu' in 'net1'"
	assert_contains "$out" "phase:      refused"
	assert_contains "$out" "phase:      running (hook start-host"
	assert_contains "$out" '"phase": "running"'
	assert_contains "$out" "post-stop: 0 item(s) torn down, 0 left"
	# The extra network: up inside, reachable from the host, gone after the stop.
	assert_contains "$out" "start-host: 3 item(s) applied"
	grep -A6 '^\$ busybox ping -c1 -W2 10\.' <<<"$out" | grep -q '1 packets received' ||
		fail "the host did not reach the container: $out"
	assert_contains "$out" "net1: host interface 'lx"
	assert_contains "$out" "dns: /etc/resolv.conf restored"
	# The forwarded port: answering from the host (127.0.0.1), gone after the stop.
	grep -A1 '^\$ curl -s -m 3 http://127.0.0.1:8080/$' <<<"$out" | grep -q 'hello from the demo container' ||
		fail "the forwarded port did not answer: $out"
	assert_contains "$out" "port0: removed tcp 8080 -> "
	assert_contains "$out" "(no answer: the forward went with the teardown)"
	# The OCI hook: run through PAM at createRuntime, with the state on stdin.
	assert_contains "$out" "ran $(sed -n 's/^\$ cat \(.*\)\/hooks.d\/50-demo.json$/\1/p' <<<"$out")/hook.sh createRuntime; state: {\"ociVersion\":\"1.0.2\",\"id\":\"demo\",\"status\":\"creating\""
	assert_contains "$out" "hook createRuntime '"
	assert_contains "$out" "demo done"
	after=$(ls -d /tmp/lxcri-demo-* 2>/dev/null | wc -l)
	assert_eq "$after" "$before" "demo temp dirs left"
	if pgrep -f '\[lxc monitor\] /tmp/lxcri-demo-' >/dev/null; then fail "a demo container still runs"; fi
}

bench_prints_ratio() {
	local out
	out=$(cd "$TOP" && BUILD=$BUILD ROUNDS=30 STARTS=1 bench/run 2>&1) || fail "bench failed: $out"
	assert_contains "$out" "ratio unmanaged/true: "
	assert_contains "$out" "lxcri-hook, unmanaged container"
	assert_contains "$out" "drop-in, managed (empty config)"
	grep -E '^ratio unmanaged/true: [0-9]+\.[0-9]+ ' <<<"$out" >/dev/null || fail "no numeric ratio: $out"
	# bench/net-setup and the two-net container start.
	grep -E '^ratio CNI/lxcri-net: [0-9]+\.[0-9]+' <<<"$out" >/dev/null || fail "no net-setup ratio: $out"
	grep -E '^ratio two-nets/bare: start [0-9]+\.[0-9]+' <<<"$out" >/dev/null || fail "no two-net ratio: $out"
	# bench/oci-hooks and the container with one no-op OCI hook.
	grep -E '^ratio PAM/direct: [0-9]+\.[0-9]+' <<<"$out" >/dev/null || fail "no PAM/direct ratio: $out"
	grep -E '^ratio ocihook/bare: start [0-9]+\.[0-9]+' <<<"$out" >/dev/null || fail "no ocihook ratio: $out"
	# bench/portfwd-scale: lxcri's forwards against the CNI portmap plugin.
	grep -E '^ratio lxcri add [0-9]+th/1st: [0-9]+\.[0-9]+ ' <<<"$out" >/dev/null || fail "no portfwd add ratio: $out"
	grep -E '^ratio lxcri connect [0-9]+/1: [0-9]+\.[0-9]+ ' <<<"$out" >/dev/null || fail "no portfwd connect ratio: $out"
}

run_test "make demo runs a real container through lxcri and leaves nothing behind" demo_runs_and_cleans_up
run_test "The benchmarks (hook overhead, net setup, port forward scale, container start) run and print their ratios" bench_prints_ratio
finish
