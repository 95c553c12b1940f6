#!/bin/bash
# lxcri metrics: what an admin's Prometheus sees through node_exporter's
# textfile collector. A real prometheus-node-exporter, started by the test
# on 127.0.0.1 (port 0 then read back) with a textfile directory of the
# test's own, is scraped after a start, a refused start and a stop of real
# busybox containers; every file written passes `promtool check metrics`.
# (test_ocihooks shows the OCI hook runs counted by stage and result.)
. "$(dirname "$0")/lib.sh"
net_setup

BR=$(net_bridge 1)
TABLE=lxm$NET_SUFFIX
TEXTFILE=$METRICS
# The node_exporters the stories started (each story runs in a subshell:
# their pids are kept in a file, and go with the suite whatever happened).
EXPORTERS=$T/exporters.pid
EXPORTER_PID=
exporters_stop() {
	local pid
	while read -r pid; do
		kill "$pid" 2>/dev/null || true
	done <"$EXPORTERS" 2>/dev/null
	: >"$EXPORTERS" 2>/dev/null || true
}
metrics_exit() {
	exporters_stop
	net_exit
	nft_delete_tables "$TABLE"
	return 0
}
trap metrics_exit EXIT

lxcri() { "${LXCRI[@]}" "$@"; }

need_tools() {
	command -v promtool >/dev/null || skip "no promtool (Debian's prometheus)"
	[ -x /usr/bin/prometheus-node-exporter ] || skip "no prometheus-node-exporter"
}

settings() {
	mkdir -p "$TEXTFILE"
	printf 'port-table: %s\nmetrics-dir: %s\n' "$TABLE" "$TEXTFILE" >"$ETC/lxcri.conf"
}

# node_exporter with only the textfile collector, on a port the kernel picks.
EXPORTER_PORT=
exporter_start() {
	[ -z "$EXPORTER_PID" ] || return 0
	/usr/bin/prometheus-node-exporter --web.listen-address=127.0.0.1:0 \
		--collector.disable-defaults --collector.textfile \
		--collector.textfile.directory="$TEXTFILE" >"$T/exporter.log" 2>&1 &
	EXPORTER_PID=$!
	echo "$EXPORTER_PID" >>"$EXPORTERS"
	for _ in $(seq 100); do
		EXPORTER_PORT=$(ss -Hltnp 2>/dev/null | grep -F "pid=$EXPORTER_PID," | awk '{ print $4 }' |
			sed -n 's/^127\.0\.0\.1:\([0-9]*\)$/\1/p' | head -n1)
		[ -n "$EXPORTER_PORT" ] && break
		sleep 0.1
	done
	[ -n "$EXPORTER_PORT" ] || fail "node_exporter did not listen: $(cat "$T/exporter.log")"
}

# What Prometheus would scrape: our samples, as node_exporter serves them.
scrape() {
	curl -sf "http://127.0.0.1:$EXPORTER_PORT/metrics" | grep '^lxcri_' || true
}

# lxcri metrics --write, checked by promtool, then scraped.
write_and_scrape() {
	lxcri metrics --write >/dev/null || fail "lxcri metrics --write failed"
	promtool check metrics <"$TEXTFILE/lxcri.prom" >"$T/promtool.out" 2>&1 ||
		fail "promtool: $(cat "$T/promtool.out")"
	# node_exporter reads it as it is: no error of the textfile collector.
	curl -sf "http://127.0.0.1:$EXPORTER_PORT/metrics" >"$T/scrape"
	assert_contains "$(grep '^node_textfile_scrape_error' "$T/scrape")" "node_textfile_scrape_error 0"
	grep '^lxcri_' "$T/scrape" || true
}

IMAGE_KEY="registry.example.com/app:1@sha256:$(printf '%064d' 7)"
fwd_ct() { # ct host-number host-port
	ct_create "$1"
	printf 'net1: name=eth1,bridge=%s,ip=%s/24\nport0: proto=tcp,host=%s,ct=80,net=eth1\nimage: %s\n' \
		"$BR" "$(net4 1 "$2")" "$3" "$IMAGE_KEY" | ct_config "$1"
}

a_run_a_refusal_and_a_stop() {
	need_tools
	settings
	exporter_start
	fwd_ct m1 11 18081
	ct_start m1 || fail "start: $(grep 'CT m1:' "$SYSLOG" | tail -n3)"
	# What `lxcri image check` records (test_image runs it against a registry):
	# the registry's tag names another image than m1's.
	printf '{"version": 1, "checks": {"m1": {"image": "%s", "remote": "sha256:%064d", "newer": true, "time": 1700000000}}}\n' \
		"$IMAGE_KEY" 8 >"$RUN/.image-checks.json"
	local out
	out=$(write_and_scrape)
	assert_contains "$out" "lxcri_image_update_available{id=\"m1\",image=\"${IMAGE_KEY%@*}\"} 1"
	assert_contains "$out" 'lxcri_port_forward_packets_total{host_port="18081",id="m1",proto="tcp"} 0'
	assert_contains "$out" "lxcri_info{version=\"$("$BUILD/lxcri" version | awk '{ print $2 }')\"} 1"
	assert_contains "$out" "lxcri_containers 1"
	assert_contains "$out" 'lxcri_container_config_valid{id="m1"} 1'
	assert_contains "$out" 'lxcri_container_phase{id="m1",phase="running"} 1'
	assert_contains "$out" 'lxcri_container_phase{id="m1",phase="refused"} 0'
	# (node_exporter sorts the labels; our file has them as lxcri(1) lists them.)
	assert_contains "$out" "lxcri_image_info{digest=\"${IMAGE_KEY#*@}\",id=\"m1\",image=\"${IMAGE_KEY%@*}\"} 1"
	assert_contains "$(cat "$TEXTFILE/lxcri.prom")" "lxcri_image_info{id=\"m1\",image=\"${IMAGE_KEY%@*}\",digest=\"${IMAGE_KEY#*@}\"} 1"
	# What the run applied, as lxcri status counts it: the forward and the veth among it.
	local applied
	applied=$(lxcri status m1 --output-format json | jq '[.[0].state.items[] | select(.status == "applied")] | length')
	[ "$applied" -gt 0 ] || fail "nothing applied"
	assert_eq "$(grep '^lxcri_container_items{id="m1"' <<<"$out" | awk '{ s += $2 } END { print s }')" "$applied" "items"
	# A refused start: its phase and the reason, quotes and all, escaped.
	ct_create m2
	printf 'net1: name=eth1,bridge=%s\nbo"gus: 1\n' "$BR" | ct_config m2
	if ct_start m2; then fail "a bad config started"; fi
	out=$(write_and_scrape)
	assert_contains "$out" "lxcri_containers 2"
	assert_contains "$out" 'lxcri_container_config_valid{id="m2"} 0'
	assert_contains "$out" 'lxcri_container_phase{id="m2",phase="refused"} 1'
	assert_contains "$(grep '^lxcri_container_refused_info{id="m2"' <<<"$out")" 'bo\"gus'
	assert_contains "$out" 'lxcri_container_last_error_timestamp_seconds{id="m2"}'
	# The counters the hooks keep: the refused start, and every hook run so far.
	assert_contains "$out" 'lxcri_refused_starts_total{id="m2"} 1'
	assert_not_contains "$out" 'lxcri_refused_starts_total{id="m1"}'
	assert_contains "$out" 'lxcri_hook_runs_total{hook="pre-start"} 2'
	assert_contains "$out" 'lxcri_hook_runs_total{hook="start-host"} 1'
	# A container with a seccomp profile: its state (test_seccomp shows a stale one).
	ct_create m4
	printf '{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"], "syscalls": []}\n' >"$T/allow.json"
	lxcri seccomp set m4 "$T/allow.json" >/dev/null || fail "seccomp set m4"
	out=$(write_and_scrape)
	assert_contains "$out" 'lxcri_container_profiles_current{id="m4"} 1'
	assert_not_contains "$out" 'lxcri_container_profiles_current{id="m1"}'
	# The dashboard shipped in examples/ queries only metrics a real scrape has
	# (the OCI hook runs, which test_ocihooks shows, aside).
	local m
	for m in $(jq -r '.. | .expr? // empty' "$TOP/examples/grafana-lxcri.json" | grep -o 'lxcri_[a-z_]*' | sort -u); do
		[ "$m" = lxcri_oci_hook_runs_total ] && continue
		grep -q "^${m}[{ ]" "$T/scrape" || fail "the dashboard queries $m, which no scrape has"
	done
	# A stop: the run is over, its phase goes; the container stays managed.
	ct_stop m1
	out=$(write_and_scrape)
	assert_not_contains "$out" 'lxcri_container_phase{id="m1"'
	assert_contains "$out" 'lxcri_container_config_valid{id="m1"} 1'
	assert_not_contains "$out" 'lxcri_container_items{id="m1"'
	assert_contains "$out" 'lxcri_hook_runs_total{hook="post-stop"}'
	exporters_stop
	pgrep -f "collector.textfile.directory=$TEXTFILE\$" >/dev/null && fail "node_exporter still runs"
	return 0
}

# wait_metrics <pattern> [absent]: lxcri.prom has (or no longer has) a line matching.
wait_metrics() {
	for _ in $(seq 100); do
		if [ "${2:-}" = absent ]; then
			grep -q "$1" "$TEXTFILE/lxcri.prom" 2>/dev/null || return 0
		else
			grep -q "$1" "$TEXTFILE/lxcri.prom" 2>/dev/null && return 0
		fi
		sleep 0.1
	done
	fail "lxcri.prom: '$1' ${2:-present} never: $(cat "$TEXTFILE/lxcri.prom" 2>/dev/null | grep m3)"
}

hooks_write_at_every_event() {
	need_tools
	settings
	rm -f "$TEXTFILE/lxcri.prom"
	ct_create m3
	printf '# managed\n' | ct_config m3
	# No lxcri metrics here: the hooks write the file themselves.
	ct_start m3 || fail "start of m3"
	wait_metrics 'lxcri_container_phase{id="m3",phase="running"} 1'
	promtool check metrics <"$TEXTFILE/lxcri.prom" || fail "promtool"
	ct_stop m3
	wait_metrics 'lxcri_container_phase{id="m3"' absent
	wait_metrics 'lxcri_hook_runs_total{hook="post-stop"} 1'
	# Nothing of the writers is left running.
	sleep 0.5
	assert_eq "$(pgrep -fc "lxcri publish" || true)" 0 "writers left"
	# A textfile directory that is not there: starts and stops go on as before.
	rm -rf "$TEXTFILE"
	ct_start m3 || fail "start of m3 without a textfile directory"
	ct_stop m3
	assert_missing "$TEXTFILE"
}

pve_ids_join_pve_exporter() {
	need_tools
	pve_node_setup
	settings
	pve_ct_create 120
	printf '# managed\n' >"$PVE/lxcri/120.conf"
	ct_start 120 || fail "start of 120"
	lxcri metrics --write >/dev/null
	promtool check metrics <"$TEXTFILE/lxcri.prom" || fail "promtool"
	# prometheus-pve-exporter's label for CT 120.
	assert_contains "$(cat "$TEXTFILE/lxcri.prom")" 'lxcri_container_phase{id="lxc/120",phase="running"} 1'
	ct_stop 120
}

textfile_dir_refusals() {
	settings
	rm -rf "$TEXTFILE"
	local out
	out=$(lxcri metrics --write 2>&1) && fail "wrote into a missing directory"
	assert_contains "$out" "Failed to write '$TEXTFILE/lxcri.prom'"
	assert_contains "$out" "prometheus-node-exporter"
	assert_missing "$TEXTFILE"
	# Without --write: the same text on stdout, nothing written.
	out=$(lxcri metrics)
	assert_contains "$out" "# TYPE lxcri_info gauge"
	# An old file is replaced whole, never left half-written.
	mkdir -p "$TEXTFILE"
	printf 'lxcri_old 1\n' >"$TEXTFILE/lxcri.prom"
	lxcri metrics --write >/dev/null
	assert_not_contains "$(cat "$TEXTFILE/lxcri.prom")" "lxcri_old"
	assert_eq "$(find "$TEXTFILE" -type f | wc -l)" 1 "files in the textfile directory"
	assert_eq "$(stat -c %a "$TEXTFILE/lxcri.prom")" 644 "mode"
}

examples_check() {
	need_tools
	local ex=$TOP/examples
	jq -e '.panels | length > 0' "$ex/grafana-lxcri.json" >/dev/null || fail "the dashboard is not a Grafana dashboard"
	promtool check rules "$ex/prometheus-lxcri-rules.yml" >"$T/rules.out" 2>&1 || fail "promtool check rules: $(cat "$T/rules.out")"
	assert_contains "$(cat "$T/rules.out")" "SUCCESS: 8 rules found"
	# The alerts fire on the series they are about, and only then (promtool's rule unit tests).
	(cd "$ex" && promtool test rules prometheus-lxcri-rules.test.yml) >"$T/rules-test.out" 2>&1 ||
		fail "promtool test rules: $(cat "$T/rules-test.out")"
	# Every metric an alert uses is one lxcri writes.
	local m
	for m in $(grep -o 'lxcri_[a-z_]*' "$ex/prometheus-lxcri-rules.yml" | sort -u); do
		grep -q "\"$m\"" "$TOP/cli/metricscmd.c" || fail "the alerts use $m, which lxcri does not write"
	done
}

run_test "lxcri metrics --write: node_exporter serves a start (phase, what was applied), a refused start (its reason, escaped) and a stop; promtool checks every file" a_run_a_refusal_and_a_stop
run_test "The lifecycle hooks write lxcri.prom themselves at a start and a stop, in the background and bounded; without a textfile directory nothing changes" hooks_write_at_every_event
run_test "On a PVE node the id label is prometheus-pve-exporter's lxc/<vmid>" pve_ids_join_pve_exporter
run_test "The shipped Prometheus alerts pass promtool check rules and their own rule unit tests; the Grafana dashboard parses" examples_check
run_test "A missing textfile directory is refused naming the file and the package; a write replaces the old file whole" textfile_dir_refusals
finish
