#!/bin/bash
# The Debian package, as an admin meets it: it builds lintian-clean, holds
# what it should (no setuid file, conffiles under /etc), installs on this
# machine, and install, upgrade and removal never break a running
# container; purge removes /etc/lxcri and /run/lxcri, never /etc/pve/lxcri.
#
# The install tests change the real system (dpkg -i): they run only when
# nothing of pve-lxcri is on this machine, and the package is purged at
# exit whatever happened. Their containers still live in the harness's
# private lxcpath, include the installed drop-in, and have every lxcri root
# pointed into the temp dir through the environment of lxc-start (which
# LXC passes on to hooks).
. "$(dirname "$0")/lib.sh"

PKG=pve-lxcri
SYS_DROPIN=/usr/share/lxc/config/common.conf.d/50-lxcri.conf
DEB1_DIR=$T/pkg1/deb
DEB2_DIR=$T/pkg2/deb
UPGRADE_VERSION=0.1.0+test1
OWNED=$T/package-installed-by-test # exists while this suite owns the install
MADE_PVE=$T/made-etc-pve           # exists if this suite created /etc/pve

# Why the install tests must not run here, or "".
install_blocker() {
	local p status
	[ "$(id -u)" -eq 0 ] || { echo "not root"; return; }
	status=$(dpkg-query -W -f '${db:Status-Status}' "$PKG" 2>/dev/null) || status=
	if [ -n "$status" ] && [ "$status" != not-installed ]; then
		echo "$PKG is already known to dpkg here ($status): not touching an admin's install"
		return
	fi
	for p in /etc/lxcri /run/lxcri /usr/libexec/lxcri /usr/sbin/lxcri "$SYS_DROPIN" /etc/pam.d/lxcri-hook; do
		if [ -e "$p" ]; then
			echo "'$p' exists (installed by hand?): installing the package would clobber it"
			return
		fi
	done
	echo ""
}
BLOCKER=$(install_blocker)

package_cleanup() {
	local ct
	for ct in $(lxc-ls -P "$LXCPATH" -1 2>/dev/null); do
		lxc-stop -P "$LXCPATH" -n "$ct" -k >/dev/null 2>&1
	done
	if [ -e "$OWNED" ]; then
		dpkg --purge "$PKG" >/dev/null 2>&1 || echo "cleanup: dpkg --purge $PKG failed" >&2
		rm -rf /etc/lxcri /run/lxcri
	fi
	[ -e "$MADE_PVE" ] && rm -rf /etc/pve
	harness_cleanup
}
trap package_cleanup EXIT

need_install_ok() {
	[ -z "$BLOCKER" ] || skip "$BLOCKER"
}
deb_file() { # dir version
	echo "$1/${PKG}_${2}_$(dpkg-architecture -qDEB_HOST_ARCH).deb"
}
installed_version() { dpkg-query -W -f '${db:Status-Status} ${Version}' "$PKG" 2>/dev/null || true; }
pkg_install() { # .deb: stdin closed, so that a conffile question fails instead of hanging
	dpkg -i "$1" </dev/null >"$T/dpkg.out" 2>&1 || { cat "$T/dpkg.out" >&2; return 1; }
}

# A harness container that reads the drop-in the package installed. LXC
# reads common.conf.d as a directory (common.conf includes it), so a
# removed drop-in simply drops out of it; the containers here include a
# private directory that links to the installed drop-in, which keeps the
# host's other drop-ins out and drops the link once the package is gone.
DROPIN_DIR=$T/common.conf.d
mkdir -p "$DROPIN_DIR"
ln -s "$SYS_DROPIN" "$DROPIN_DIR/50-lxcri.conf"
dropin_dir_sync() { find "$DROPIN_DIR" -xtype l -delete; }
pkg_ct_create() {
	ensure_template
	lxc-copy -P "$LXCPATH" -n "$TEMPLATE" -N "$1" >/dev/null
	echo "lxc.include = $DROPIN_DIR/" >>"$LXCPATH/$1/config"
}
# The installed hook, with its roots in the temp dir.
pkg_ct_start() {
	LXCRI_ETC_DIR=$ETC LXCRI_RUN_DIR=$RUN LXCRI_PVE_DIR=$PVE \
		LXCRI_LXC_PATH=$LXCPATH LXCRI_LXC_CONFIG_DIR=$LXCCONF ct_start "$1"
}
ran_installed_hook() { # name type
	grep -q "Executing script \"/usr/libexec/lxcri/lxcri-hook\" for container \"$1\"" "$T/$1.lxc.log" ||
		grep -q "Script exec /usr/libexec/lxcri/lxcri-hook $1 lxc $2" "$T/$1.lxc.log"
}

# The installed PAM service, driven as the hook runner will drive it.
pam_service_works() {
	if [ ! -e /usr/include/security/pam_appl.h ]; then
		echo "libpam0g-dev is missing: the PAM service is not exercised"
		return 0
	fi
	cat >"$T/pamcheck.c" <<'EOS'
#include <security/pam_appl.h>
#include <stdio.h>
#include <string.h>
static int conv(int n, const struct pam_message **m, struct pam_response **r, void *d)
{
	(void)n, (void)m, (void)r, (void)d;
	return PAM_CONV_ERR; /* nothing may ask anything */
}
int main(int argc, char **argv)
{
	struct pam_conv c = { conv, NULL };
	pam_handle_t *h;
	int r = pam_start("lxcri-hook", argv[1], &c, &h);
	if (r == PAM_SUCCESS && argc > 2 && strcmp(argv[2], "auth") == 0)
		r = pam_authenticate(h, PAM_SILENT);
	else if (r == PAM_SUCCESS) {
		if ((r = pam_acct_mgmt(h, PAM_SILENT)) == PAM_SUCCESS &&
		    (r = pam_setcred(h, PAM_ESTABLISH_CRED)) == PAM_SUCCESS &&
		    (r = pam_open_session(h, PAM_SILENT)) == PAM_SUCCESS)
			r = pam_close_session(h, PAM_SILENT);
		if (r == PAM_SUCCESS)
			r = pam_setcred(h, PAM_DELETE_CRED);
	}
	printf("%s\n", r == PAM_SUCCESS ? "ok" : pam_strerror(h, r));
	pam_end(h, r);
	return r == PAM_SUCCESS ? 0 : 1;
}
EOS
	cc -o "$T/pamcheck" "$T/pamcheck.c" -lpam
	assert_eq "$("$T/pamcheck" root)" ok "account, credentials and session for root"
	assert_eq "$("$T/pamcheck" nobody)" ok "account, credentials and session for nobody"
	assert_eq "$("$T/pamcheck" root auth)" ok "authentication by root"
	local out
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$T/pamcheck" nobody auth) && fail "a non-root caller authenticated: $out"
	echo "authentication by a non-root caller: $out"
}

builds_lintian_clean() {
	local out rc=0
	out=$("$TOP/tests/build-deb" "$T/pkg1" 2>&1) || rc=$?
	echo "$out"
	assert_eq "$rc" 0 "tests/build-deb exit status"
	assert_contains "$out" "lintian clean"
	# dh_auto_test ran the unit suites, and they passed.
	grep -E '^unit/check_' "$DEB1_DIR/build.log" | tail -n 3
	assert_eq "$(grep -cE '^unit/check_' "$DEB1_DIR/build.log")" "$(find "$TOP/tests/unit" -name 'check_*.c' | wc -l)" \
		"unit suites the package build ran"
	assert_contains "$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$DEB1_DIR/build.log" | tail -n1)" " passed, 0 failed"
	echo "lintian printed $(wc -l <"$DEB1_DIR/lintian.txt") line(s):"
	cat "$DEB1_DIR/lintian.txt"
	if grep -E '^[EW]: ' "$DEB1_DIR/lintian.txt"; then fail "lintian reported errors or warnings"; fi
	assert_exists "$(deb_file "$DEB1_DIR" 0.1.0)"
}

contents_as_expected() {
	local deb list f
	deb=$(deb_file "$DEB1_DIR" 0.1.0)
	[ -f "$deb" ] || fail "no package: the build test failed"
	list=$(dpkg-deb -c "$deb")
	for f in ./usr/libexec/lxcri/lxcri-hook ./usr/libexec/lxcri/lxcri-guard \
		./usr/libexec/lxcri/lxcri-lifecycle ./usr/sbin/lxcri \
		./usr/libexec/lxcri/lxcri-net ./usr/libexec/lxcri/lxcri-portfwd \
		./usr/libexec/lxcri/lxcri-ocihooks ./usr/libexec/lxcri/lxcri-selinux ./usr/libexec/lxcri/lxcri-apparmor \
		./usr/libexec/lxcri/lxcri-init \
		./usr/share/selinux/packages/lxcri.pp ./usr/share/selinux/devel/include/services/lxcri.if \
		./etc/apparmor.d/lxcri-default ./etc/apparmor.d/usr.sbin.lxcri \
		./etc/apparmor.d/usr.libexec.lxcri.lxcri-hook ./etc/apparmor.d/usr.libexec.lxcri.lxcri-apparmor \
		./usr/share/lxcri/apparmor/lxcri-default ./usr/share/lxcri/apparmor/lxcri-container.template \
		./lib/systemd/system/lxcri-port-sync.service \
		./lib/systemd/system/lxcri-publish.service ./lib/systemd/system/lxcri-publish.timer \
		./lib/systemd/system/lxcri-image-check.service ./lib/systemd/system/lxcri-image-check.timer \
		./usr/share/lxc/config/common.conf.d/50-lxcri.conf ./etc/pam.d/lxcri-hook \
		./etc/lxcri/lxcri.conf ./etc/lxcri/containers/ \
		./usr/share/bash-completion/completions/lxcri \
		./usr/share/man/man1/lxcri.1.gz ./usr/share/man/man8/lxcri-hook.8.gz \
		./usr/share/doc/pve-lxcri/copyright ./usr/share/doc/pve-lxcri/changelog.gz; do
		grep -q " $f\$" <<<"$list" || fail "'$f' is not in the package"
	done
	# The dashboard and the alerts, for the admin to wire up (README, "Metrics").
	for f in grafana-lxcri.json prometheus-lxcri-rules.yml prometheus-lxcri-rules.test.yml; do
		grep -q " ./usr/share/doc/pve-lxcri/examples/$f\(\.gz\)\?\$" <<<"$list" || fail "examples/$f is not in the package"
	done
	# The hooks run lxcri from the libexec dir (lxcri metrics): a link to the one program.
	grep -q " ./usr/libexec/lxcri/lxcri -> ../../sbin/lxcri\$" <<<"$list" || fail "no link /usr/libexec/lxcri/lxcri"
	if [ -e "$TOP/man/lxcri.conf.5" ]; then
		grep -q " ./usr/share/man/man5/lxcri.conf.5.gz\$" <<<"$list" || fail "lxcri.conf(5) is not in the package"
	fi
	# Programs 0755, everything else 0644, all root's: no setuid or setgid file.
	grep -E ' ./usr/(libexec/lxcri/lxcri-(hook|guard|lifecycle|net|portfwd|ocihooks|selinux|apparmor|init)|sbin/lxcri)$' <<<"$list" | while read -r perms owner _; do
		assert_eq "$perms $owner" "-rwxr-xr-x root/root"
	done
	mkdir "$T/x"
	dpkg-deb -x "$deb" "$T/x"
	assert_eq "$(find "$T/x" -perm /6000 | wc -l)" 0 "setuid/setgid files"
	assert_eq "$(find "$T/x" ! -user root | wc -l)" 0 "files not owned by root"
	assert_eq "$(grep -c '^lxc.hook.[a-z-]* = /usr/libexec/lxcri/lxcri-hook$' "$T/x$SYS_DROPIN")" 4 "hook lines in the drop-in"
	assert_eq "$(grep -c '^lxc.hook.version' "$T/x$SYS_DROPIN")" 0 "lxc.hook.version in the drop-in"
	# Every key of the settings file is commented out: the defaults apply.
	assert_eq "$(grep -cv '^\(#.*\)\?$' "$T/x/etc/lxcri/lxcri.conf")" 0 "active lines in lxcri.conf"
	# Everything under /etc is a conffile, once.
	dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles >"$T/conffiles"
	assert_eq "$(sort "$T/conffiles" | tr '\n' ' ')" "$(printf '%s ' /etc/apparmor.d/lxcri-default \
		/etc/apparmor.d/usr.libexec.lxcri.lxcri-{apparmor,hook,lifecycle,net,ocihooks,portfwd,selinux} \
		/etc/apparmor.d/usr.sbin.lxcri /etc/lxcri/lxcri.conf /etc/pam.d/lxcri-hook)" "conffiles"
	assert_eq "$(dpkg-deb -f "$deb" Depends | grep -c 'lxc-pve | lxc')" 1 "Depends on lxc-pve | lxc"
}

installs_and_runs_containers() {
	need_install_ok
	local deb
	deb=$(deb_file "$DEB1_DIR" 0.1.0)
	[ -f "$deb" ] || fail "no package: the build test failed"
	touch "$OWNED"
	pkg_install "$deb"
	assert_eq "$(installed_version)" "installed 0.1.0"
	assert_eq "$(/usr/sbin/lxcri version)" "lxcri 0.1.0" "installed lxcri version"
	local out
	out=$(/usr/sbin/lxcri check) || true
	echo "$out"
	assert_contains "$out" "ok    drop-in          '$SYS_DROPIN' runs '/usr/libexec/lxcri/lxcri-hook'"
	assert_contains "$out" "ok    lxcri-hook"
	assert_contains "$out" "ok    lxcri-lifecycle"
	assert_contains "$out" "ok    lxcri-portfwd"
	assert_contains "$out" "ok    pam-service"
	# The port sync unit follows nftables.service (enabled by the package).
	assert_exists /etc/systemd/system/nftables.service.wants/lxcri-port-sync.service
	# lxcri publish every minute: the timer is enabled by the package.
	assert_exists /etc/systemd/system/timers.target.wants/lxcri-publish.timer
	assert_contains "$(cat /lib/systemd/system/lxcri-publish.service)" "ExecStart=/usr/sbin/lxcri publish"
	assert_exists /etc/systemd/system/timers.target.wants/lxcri-image-check.timer
	assert_contains "$(cat /lib/systemd/system/lxcri-image-check.service)" "ExecStart=/usr/sbin/lxcri image check"
	assert_contains "$(man -w lxcri 2>&1)" /usr/share/man/man1/lxcri.1.gz "man -w lxcri"
	# The settings file as shipped, and with every default uncommented, is valid.
	mkdir -p "$T/settings"
	sed 's/^#\(log-level\|helper-timeout\):/\1:/' /etc/lxcri/lxcri.conf >"$T/settings/lxcri.conf"
	assert_eq "$(grep -c '^[a-z-]*: ' "$T/settings/lxcri.conf")" 2 "keys uncommented"
	assert_contains "$(/usr/sbin/lxcri check --etc-dir="$T/settings")" "ok    settings"
	assert_contains "$(/usr/sbin/lxcri check)" "ok    settings"
	pam_service_works
	# An unmanaged container runs the installed hook and is left alone.
	pkg_ct_create plain
	pkg_ct_start plain
	assert_eq "$(ct_state plain)" RUNNING "unmanaged container"
	ran_installed_hook plain pre-start || fail "the installed hook did not run"
	assert_missing "$RUN"
	ct_stop plain
	# A managed one (an empty config) gets its state recorded in the test roots.
	pkg_ct_create web
	printf '# managed, no feature yet\n' | ct_config web
	pkg_ct_start web
	assert_eq "$(ct_state web)" RUNNING "managed container"
	assert_contains "$(cat "$RUN/web/state.json")" '"phase": "running"'
	assert_contains "$(cat "$RUN/web/state.json")" "\"config\": \"$ETC/containers/web.conf\""
	ct_stop web
	assert_missing "$RUN/web"
	assert_missing /run/lxcri
}

upgrade_keeps_containers_running() {
	need_install_ok
	[ -e "$OWNED" ] && [ "$(installed_version)" == "installed 0.1.0" ] || fail "0.1.0 is not installed: the install test failed"
	local out rc=0
	# The suites ran in the first build already.
	out=$(DEB_BUILD_OPTIONS=nocheck LXCRI_DEB_VERSION=$UPGRADE_VERSION "$TOP/tests/build-deb" "$T/pkg2" 2>&1) || rc=$?
	[ "$rc" -eq 0 ] || { echo "$out"; fail "building $UPGRADE_VERSION failed"; }
	pkg_ct_create web
	printf '# managed\n' | ct_config web
	pkg_ct_start web
	assert_eq "$(ct_state web)" RUNNING
	# The same version again, then a newer one, while the container runs.
	pkg_install "$(deb_file "$DEB1_DIR" 0.1.0)"
	assert_eq "$(ct_state web)" RUNNING "after reinstalling 0.1.0"
	pkg_install "$(deb_file "$DEB2_DIR" "$UPGRADE_VERSION")"
	assert_eq "$(installed_version)" "installed $UPGRADE_VERSION"
	assert_eq "$(/usr/sbin/lxcri version)" "lxcri $UPGRADE_VERSION" "upgraded lxcri version"
	assert_eq "$(ct_state web)" RUNNING "after the upgrade"
	assert_contains "$(cat "$RUN/web/state.json")" '"phase": "running"' "state across the upgrade"
	# The new hook tears down what the old one recorded.
	ct_stop web
	assert_eq "$(ct_state web)" STOPPED
	ran_installed_hook web post-stop || fail "the installed hook did not run at post-stop"
	assert_missing "$RUN/web"
	# And starts it again.
	pkg_ct_start web
	assert_eq "$(ct_state web)" RUNNING "restart after the upgrade"
	ct_stop web
	assert_missing "$RUN/web"
}

removal_keeps_containers_running() {
	need_install_ok
	[ -e "$OWNED" ] && dpkg-query -W "$PKG" >/dev/null 2>&1 || fail "$PKG is not installed: an earlier test failed"
	pkg_ct_create web
	printf '# managed\n' | ct_config web
	pkg_ct_start web
	assert_eq "$(ct_state web)" RUNNING
	dpkg -r "$PKG" </dev/null >"$T/dpkg.out" 2>&1 || { cat "$T/dpkg.out"; fail "dpkg -r failed"; }
	cat "$T/dpkg.out"
	dropin_dir_sync
	assert_eq "$(installed_version | cut -d' ' -f1)" config-files "package status"
	assert_eq "$(ct_state web)" RUNNING "after the removal"
	assert_missing /usr/libexec/lxcri/lxcri-hook
	assert_missing "$SYS_DROPIN"
	assert_exists /etc/lxcri/lxcri.conf # a conffile: kept until purge
	# The stop hooks are gone: LXC logs that, and the stop completes all the same.
	local rc=0
	timeout 60 lxc-stop -P "$LXCPATH" -n web -k || rc=$?
	assert_eq "$rc" 0 "lxc-stop exit status"
	for _ in $(seq 100); do
		[ "$(ct_state web)" == STOPPED ] && ! pgrep -f "\[lxc monitor\] $LXCPATH web\$" >/dev/null && break
		sleep 0.05
	done
	assert_eq "$(ct_state web)" STOPPED "after lxc-stop"
	local type
	for type in stop post-stop; do
		grep -q "lxcri-hook web lxc $type .*produced output: .*lxcri-hook: not found" "$T/web.lxc.log" ||
			fail "LXC's log does not show the missing $type hook"
	done
	# Nothing ran the teardown: the state stays, as lxcri-hook(8) says.
	assert_exists "$RUN/web/state.json"
}

purge_spares_cluster_configs() {
	need_install_ok
	[ -e "$OWNED" ] || fail "$PKG was not installed by this suite"
	assert_eq "$(installed_version | cut -d' ' -f1)" config-files "package status before purge"
	# What an admin and the hooks leave behind.
	mkdir -p /etc/lxcri/containers && printf '# web\n' >/etc/lxcri/containers/web.conf
	mkdir -p /run/lxcri/web && echo '{}' >/run/lxcri/web/state.json
	local sentinel=""
	if [ ! -e /etc/pve ]; then
		mkdir -p /etc/pve/lxcri && touch "$MADE_PVE"
		sentinel=/etc/pve/lxcri/999.conf
		printf '# cluster data of another node\n' >"$sentinel"
	else
		echo "/etc/pve exists on this machine: not writing a sentinel into it"
	fi
	dpkg --purge "$PKG" </dev/null >"$T/dpkg.out" 2>&1 || { cat "$T/dpkg.out"; fail "dpkg --purge failed"; }
	assert_eq "$(installed_version | cut -d' ' -f1 | sed 's/^not-installed$//')" "" "package status after purge"
	assert_missing /etc/lxcri
	assert_missing /run/lxcri
	assert_missing /etc/pam.d/lxcri-hook
	if [ -n "$sentinel" ]; then
		assert_exists "$sentinel"
		assert_eq "$(cat "$sentinel")" "# cluster data of another node" "the sentinel's content"
		rm -rf /etc/pve && rm -f "$MADE_PVE"
	fi
	rm -f "$OWNED"
}

run_test "make deb builds a package that lintian passes with no error and no warning" builds_lintian_clean
run_test "The package holds the programs, drop-in, PAM service, settings, completion and man pages, no setuid file, /etc as conffiles" contents_as_expected
run_test "An admin installs the package with dpkg -i: lxcri works, lxcri check finds the drop-in, containers start through the installed hook" installs_and_runs_containers
run_test "Reinstalling and upgrading the package while a managed container runs keeps it running, and its stop still tears down" upgrade_keeps_containers_running
run_test "Removing the package while a managed container runs keeps it running, and lxc-stop still stops it" removal_keeps_containers_running
run_test "Purging removes /etc/lxcri and /run/lxcri and never touches /etc/pve/lxcri" purge_spares_cluster_configs
finish
