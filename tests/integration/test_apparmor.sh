#!/bin/bash
# The apparmor key on real LXC containers, and the profiles we ship: on a
# kernel without AppArmor a container that asks for a profile is refused at
# pre-start, never started unconfined; profile=unconfined starts; with a
# (simulated) AppArmor the generated profile is written, loaded and
# unloaded; every profile in apparmor/ compiles with apparmor_parser.
. "$(dirname "$0")/lib.sh"

PARSER=/usr/sbin/apparmor_parser
FEATURES=/usr/share/apparmor-features/features

# A sysfs root of our own for lxcri-apparmor (the real /sys of this host may
# or may not have AppArmor): passed down through LXC to the helpers.
fake_sys() { # Y|N [profiles...]
	export LXCRI_SYS_DIR=$T/sys
	rm -rf "$LXCRI_SYS_DIR"
	mkdir -p "$LXCRI_SYS_DIR/module/apparmor/parameters" "$LXCRI_SYS_DIR/kernel/security/apparmor"
	echo "$1" >"$LXCRI_SYS_DIR/module/apparmor/parameters/enabled"
	shift
	: >"$LXCRI_SYS_DIR/kernel/security/apparmor/profiles"
	local p
	for p in "$@"; do echo "$p (enforce)" >>"$LXCRI_SYS_DIR/kernel/security/apparmor/profiles"; done
}

generated_refused_without_apparmor() {
	# This machine's kernel has no AppArmor: the real /sys, no stand-in.
	[ ! -e /sys/module/apparmor/parameters/enabled ] ||
		[ "$(cat /sys/module/apparmor/parameters/enabled)" != Y ] ||
		skip "this kernel has AppArmor enabled"
	unset LXCRI_SYS_DIR
	ct_create web
	printf '# confine it\napparmor: profile=generated,nesting=1\n' | ct_config web
	if ct_start web; then fail "started unconfined"; fi
	assert_eq "$(ct_state web)" STOPPED
	local expected="$ETC/containers/web.conf:2: container 'web' asks for AppArmor profile 'lxcri-ct-web', but AppArmor is not enabled in this kernel: refusing to start it unconfined (see 'lxcri check')"
	assert_contains "$(cat "$SYSLOG")" "CT web: Refusing to start: $expected" "syslog"
	assert_contains "$(cat "$T/web.lxc.log")" "$expected" "LXC's log"
	local status
	status=$("${LXCRI[@]}" status web)
	assert_contains "$status" "refused"
	assert_contains "$status" "$expected" "lxcri status"
	# Nothing applied is left: no item in the state, no profile file.
	if [ -e "$RUN/web/state.json" ]; then
		assert_eq "$(jq '.items | length' "$RUN/web/state.json")" 0 "items in the state"
	fi
	assert_missing "$RUN/apparmor/lxcri-ct-web"
}

unconfined_starts() {
	unset LXCRI_SYS_DIR
	ct_create web
	printf 'apparmor: profile=unconfined\n' | ct_config web
	ct_start web
	assert_eq "$(ct_state web)" RUNNING
	ct_stop web
	assert_missing "$RUN/web"
}

named_profile_must_be_loaded() {
	fake_sys Y lxcri-default
	ct_create web
	printf 'apparmor: profile=lxc-container-default-cgns\n' | ct_config web
	if ct_start web; then fail "started with a profile that is not loaded"; fi
	assert_contains "$(cat "$SYSLOG")" "CT web: Refusing to start: $ETC/containers/web.conf:1: container 'web' asks for AppArmor profile 'lxc-container-default-cgns', which is not loaded: load it with apparmor_parser, or use profile=generated"
}

# With a stand-in parser (this kernel cannot load policy): the profile is
# rendered, compiled by the real parser, "loaded" at pre-start and unloaded
# when the container stops. `lxcri apparmor set` points LXC's config at it;
# LXC applies nothing here, as the kernel has no AppArmor.
generated_profile_loaded_and_unloaded() {
	[ -x "$PARSER" ] || skip "$PARSER is not installed (package apparmor)"
	fake_sys Y
	cat >"$T/parser" <<EOS
#!/bin/sh
echo "\$*" >>"$T/parser.log"
for f; do file=\$f; done
if [ "\$1" = -r ]; then
	$PARSER -Q -K -M $FEATURES "\$file" || exit 1
	echo "lxcri-ct-web (enforce)" >>"$LXCRI_SYS_DIR/kernel/security/apparmor/profiles"
fi
exit 0
EOS
	chmod +x "$T/parser"
	export LXCRI_APPARMOR_PARSER=$T/parser LXCRI_APPARMOR_DATA_DIR=$TOP/apparmor
	ct_create web
	printf '# web\n' | ct_config web
	# lxcri apparmor set: the key, and LXC's config pointed at the generated profile.
	local out
	out=$("${LXCRI[@]}" apparmor set web 'profile=generated,mount=nfs;cifs' 2>&1)
	echo "$out"
	assert_not_contains "$out" "warning" "AppArmor is enabled (the fake sysfs)"
	assert_eq "$(grep '^apparmor:' "$ETC/containers/web.conf")" "apparmor: profile=generated,mount=nfs;cifs"
	assert_eq "$(grep '^lxc.apparmor.profile' "$LXCPATH/web/config")" "lxc.apparmor.profile = lxcri-ct-web" "the template's unconfined line replaced"
	out=$("${LXCRI[@]}" apparmor show web)
	assert_contains "$out" "key:      profile=generated,mount=nfs;cifs"
	assert_contains "$out" "lxc.apparmor.profile = lxcri-ct-web in '$LXCPATH/web/config'"
	ct_start web || fail "did not start: $(tail -n 5 "$SYSLOG")"
	assert_eq "$(ct_state web)" RUNNING
	assert_contains "$(cat "$RUN/apparmor/lxcri-ct-web")" "profile lxcri-ct-web "
	assert_contains "$(cat "$RUN/apparmor/lxcri-ct-web")" "  mount fstype=cifs,"
	assert_eq "$(jq -r '.items[] | select(.kind == "apparmor.profile") | .status' "$RUN/web/state.json")" applied
	assert_eq "$(cat "$T/parser.log")" "-r -W -L $RUN/apparmor/cache $RUN/apparmor/lxcri-ct-web"
	ct_stop web
	assert_eq "$(sed -n 2p "$T/parser.log")" "-R $RUN/apparmor/lxcri-ct-web"
	assert_missing "$RUN/apparmor/lxcri-ct-web"
	assert_missing "$RUN/web"
	# unset: both keys go.
	"${LXCRI[@]}" apparmor unset web >/dev/null
	assert_not_contains "$(cat "$ETC/containers/web.conf")" "apparmor"
	assert_eq "$(grep -c '^lxc.apparmor.profile' "$LXCPATH/web/config")" 0 "lxc.apparmor.profile lines"
}

# On a PVE node, `lxcri apparmor set <vmid> profile=generated` puts a raw
# lxc.apparmor.profile into /etc/pve/lxc/<vmid>.conf, which makes PVE leave
# out its own "generated" profile and raw rules: the profile lxcri renders
# carries them. Without nesting: no mount onto /proc or /sys themselves
# (PVE's), with nesting=1: no access to the unmasked proc and sysfs of LXC's
# nesting helpers (LXC's generated nesting profile). This kernel enforces no
# AppArmor: the rendered profile is checked, and compiled by the real parser.
generated_profile_keeps_pve_rules() {
	[ -x "$PARSER" ] || skip "$PARSER is not installed (package apparmor)"
	fake_sys Y
	cat >"$T/parser" <<EOS
#!/bin/sh
for f; do file=\$f; done
if [ "\$1" = -r ]; then
	$PARSER -Q -K -M $FEATURES "\$file" || exit 1
	cp "\$file" "$T/loaded-\$(basename "\$file")"
	echo "\$(basename "\$file") (enforce)" >>"$LXCRI_SYS_DIR/kernel/security/apparmor/profiles"
fi
exit 0
EOS
	chmod +x "$T/parser"
	export LXCRI_APPARMOR_PARSER=$T/parser LXCRI_APPARMOR_DATA_DIR=$TOP/apparmor
	pve_node_setup
	pve_ct_create 300
	"${LXCRI[@]}" apparmor set 300 profile=generated >/dev/null
	assert_eq "$(grep '^lxc.apparmor.profile' "$PVE/lxc/300.conf")" "lxc.apparmor.profile: lxcri-ct-300"
	sed -i '/^lxc\.apparmor\.profile/d' "$LXCPATH/300/config"
	echo "lxc.apparmor.profile = lxcri-ct-300" >>"$LXCPATH/300/config"
	ct_start 300 || fail "did not start: $(tail -n 5 "$SYSLOG")"
	ct_stop 300
	profile_has 300 "  deny mount -> /proc/," yes
	profile_has 300 "  deny mount -> /sys/," yes
	profile_has 300 "  deny /dev/.lxc/proc/** rw," no
	# With nesting (PVE's features nesting=1): LXC's nesting rules instead.
	pve_ct_create 301
	"${LXCRI[@]}" apparmor set 301 profile=generated,nesting=1 >/dev/null
	sed -i '/^lxc\.apparmor\.profile/d' "$LXCPATH/301/config"
	echo "lxc.apparmor.profile = lxcri-ct-301" >>"$LXCPATH/301/config"
	ct_start 301 || fail "did not start: $(tail -n 5 "$SYSLOG")"
	ct_stop 301
	profile_has 301 "  deny /dev/.lxc/proc/** rw," yes
	profile_has 301 "  deny /dev/.lxc/sys/** rw," yes
	profile_has 301 "  deny mount -> /proc/," no
}

# Whether the profile loaded for a container has a line: yes or no.
profile_has() { # vmid line yes|no
	local file=$T/loaded-lxcri-ct-$1
	assert_exists "$file"
	if grep -qxF -- "$2" "$file"; then
		[ "$3" == yes ] || fail "lxcri-ct-$1 has '$2'"
	else
		[ "$3" == no ] || fail "lxcri-ct-$1 has no '$2'"
	fi
}

# make check fails on a profile that does not compile.
shipped_profiles_compile() {
	[ -x "$PARSER" ] || skip "$PARSER is not installed (package apparmor)"
	local f n=0 out
	for f in "$TOP"/apparmor/*; do
		case $f in *.md | *.template) continue ;; esac
		out=$("$PARSER" -Q -K -M "$FEATURES" "$f" 2>&1) || fail "$f does not compile: $out"
		n=$((n + 1))
	done
	assert_eq "$n" 9 "profiles compiled"
}

run_test "A container that asks for a generated AppArmor profile on a kernel without AppArmor is refused at pre-start, never started unconfined" generated_refused_without_apparmor
run_test "A container with apparmor: profile=unconfined starts on a kernel without AppArmor" unconfined_starts
run_test "A container that names an AppArmor profile the kernel has not loaded is refused, with how to fix it" named_profile_must_be_loaded
run_test "The generated profile is rendered and loaded at pre-start, and unloaded and removed when the container stops" generated_profile_loaded_and_unloaded
run_test "On a PVE node the generated profile a container gets through lxcri carries PVE's denials: no mount onto /proc or /sys without nesting, no access to LXC's unmasked nesting proc and sysfs with nesting=1" generated_profile_keeps_pve_rules
run_test "Every AppArmor profile shipped in apparmor/ compiles with apparmor_parser" shipped_profiles_compile
finish
