/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <json-c/json.h>

#include "cli/guardcmd.h"
#include "lib/ocihooks/hookrun.h"
#include "cli/hostcheck.h"
#include "cli/portcmd.h"
#include "lib/pve/pve.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "lib/lsm/apparmor.h"
#include "lib/basic/cleanup.h"
#include "lib/net/cni.h"
#include "lib/config/config.h"
#include "lib/config/settings.h"
#include "lib/port/portfwd.h"
#include "lib/basic/fileio.h"
#include "lib/basic/lxcconf.h"
#include "cli/gc.h"
#include "lib/basic/process.h"
#include "lib/basic/safe.h"
#include "cli/status.h"
#include "cli/cli.h"
#include "lib/shared/json.h"

struct checks {
	struct check_result *r;
	size_t n, max;
};

static struct check_result *add(struct checks *c, const char *name, enum check_status status,
				const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static struct check_result *add(struct checks *c, const char *name, enum check_status status,
				const char *hint, const char *fmt, ...)
{
	struct check_result *r;
	va_list ap;

	if (c->n >= c->max)
		return NULL;
	r = &c->r[c->n++];
	*r = (struct check_result){ .name = name, .status = status };
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
	snprintf(r->hint, sizeof(r->hint), "%s", hint ? hint : "");
	return r;
}

/* First line of a small file, without the newline; "" if unreadable. */
static void read_line(const char *path, char *buf, size_t size)
{
	_cleanup_free_ char *text = NULL;
	size_t n = 0;

	buf[0] = '\0';
	if (fileio_read_file(path, 64 * 1024, &text, &n) < 0)
		return;
	snprintf(buf, size, "%.*s", (int)strcspn(text, "\n"), text);
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static void check_lxc(struct checks *c)
{
	static const char *const candidates[] = { "/usr/bin/lxc-start", "/usr/sbin/lxc-start" };
	struct process_result res = {};
	struct lxcri_error err = {};

	for (size_t i = 0; i < ELEMENTSOF(candidates); i++) {
		char *argv[] = { (char *)candidates[i], (char *)"--version", NULL };
		struct process_spec spec = { .path = candidates[i],
					     .argv = argv,
					     .timeout_ms = 5000 };

		if (!exists(candidates[i]))
			continue;
		if (process_run(&spec, &res, &err) == 0 && res.exited && res.exit_status == 0) {
			add(c, "lxc", CHECK_OK, NULL, "LXC %.*s", (int)strcspn(res.out, "\n"),
			    res.out);
			process_result_done(&res);
			return;
		}
		process_result_done(&res);
	}
	add(c, "lxc", CHECK_FAIL, "install lxc (plain Debian) or lxc-pve (Proxmox VE)",
	    "lxc-start was not found or did not run");
}

/*
 * Built into the kernel, nf_tables has no /sys/module entry: ask it, as the
 * ports check does (a missing table is an answer too).
 */
static bool nftables_answers(void)
{
	_cleanup_portfwd_ struct portfwd_ctx *ctx = NULL;
	struct lxcri_error err = {};

	return portfwd_open(NULL, &ctx, &err) >= 0 && portfwd_table_complete(ctx, &err) >= 0;
}

static void check_kernel(struct checks *c, const struct lxcri_paths *p)
{
	char line[256], path[PATH_MAX];

	if (safe_openat_have_openat2())
		add(c, "openat2", CHECK_OK, NULL,
		    "openat2(RESOLVE_IN_ROOT) resolves container paths in the kernel");
	else
		add(c, "openat2", CHECK_WARN,
		    "a kernel of 5.6 or later resolves them in the kernel",
		    "openat2 is missing: container paths are resolved by the userspace fallback");

	if (exists("/proc/self/ns/net") && exists("/proc/self/ns/mnt") &&
	    exists("/proc/self/ns/pid"))
		add(c, "namespaces", CHECK_OK, NULL, "network, mount and pid namespaces available");
	else
		add(c, "namespaces", CHECK_FAIL, "use a kernel with namespaces enabled",
		    "namespaces are missing from /proc/self/ns");

	if (exists("/sys/module/nf_tables"))
		add(c, "nftables", CHECK_OK, NULL, "nf_tables is loaded");
	else if (nftables_answers())
		add(c, "nftables", CHECK_OK, NULL,
		    "nf_tables answers (built into the kernel, or loaded on demand)");
	else
		add(c, "nftables", CHECK_WARN, "modprobe nf_tables (port forwarding needs it)",
		    "nf_tables is not loaded");

	read_line("/proc/sys/kernel/seccomp/actions_avail", line, sizeof(line));
	if (line[0])
		add(c, "seccomp", CHECK_OK, NULL, "seccomp filters available (actions: %s)", line);
	else
		add(c, "seccomp", CHECK_WARN, "use a kernel with CONFIG_SECCOMP_FILTER",
		    "seccomp filters are not available");

	if (apparmor_enabled(p->sys_dir))
		add(c, "apparmor", CHECK_OK, NULL, "AppArmor is enabled");
	else
		add(c, "apparmor", CHECK_WARN,
		    "containers that ask for an AppArmor profile are refused, never started "
		    "unconfined",
		    "AppArmor is not enabled in the kernel");

	line[0] = '\0';
	if (paths_join(path, sizeof(path), "%s/fs/selinux/enforce", p->sys_dir) >= 0)
		read_line(path, line, sizeof(line));
	if (line[0])
		add(c, "selinux", CHECK_OK, NULL, "SELinux is %s",
		    strcmp(line, "1") == 0 ? "enforcing" : "permissive");
	else
		add(c, "selinux", CHECK_WARN,
		    "containers that ask for an SELinux context are refused",
		    "SELinux is not enabled");

	if (exists("/sys/fs/cgroup/cgroup.controllers"))
		add(c, "cgroups", CHECK_OK, NULL, "cgroup v2 (unified)");
	else if (exists("/sys/fs/cgroup/unified"))
		add(c, "cgroups", CHECK_OK, NULL, "cgroup v1 with a v2 hierarchy (hybrid)");
	else
		add(c, "cgroups", CHECK_WARN, NULL, "cgroup v1 only");
}

/*
 * Finds an lxc.hook.* assignment whose program (the first word of its
 * command) is *arg, and sets *arg to NULL: a comment that names it, or
 * another program, runs nothing of ours.
 */
static int hook_visit(const char *key, size_t key_len, const char *value, size_t value_len,
		      unsigned line, void *arg)
{
	const char **hook = arg;
	size_t program = 0;

	(void)line;
	while (program < value_len && value[program] != ' ' && value[program] != '\t')
		program++;
	if (*hook && key_len > 9 && strncmp(key, "lxc.hook.", 9) == 0 && program == strlen(*hook) &&
	    strncmp(value, *hook, program) == 0)
		*hook = NULL;
	return 0;
}

static bool dropin_runs(const char *text, size_t size, const char *hook)
{
	const char *missing = hook;

	(void)lxcconf_each(text, size, LXCCONF_LXC, hook_visit, &missing);
	return !missing;
}

static void check_install(struct checks *c, const struct lxcri_paths *p)
{
	char path[PATH_MAX], hook[PATH_MAX];
	_cleanup_free_ char *text = NULL;
	size_t n = 0;

	if (paths_helper(p, "lxcri-hook", hook, sizeof(hook)) < 0 ||
	    paths_dropin(p, path, sizeof(path)) < 0)
		return;
	if (fileio_read_file(path, 64 * 1024, &text, &n) < 0)
		add(c, "drop-in", CHECK_FAIL,
		    "reinstall pve-lxcri: without it no container runs lxcri-hook",
		    "'%s' is missing", path);
	else if (!dropin_runs(text, n, hook))
		add(c, "drop-in", CHECK_FAIL, "reinstall pve-lxcri", "'%s' does not run '%s'", path,
		    hook);
	else
		add(c, "drop-in", CHECK_OK, NULL, "'%s' runs '%s'", path, hook);

	static const char *const programs[] = { "lxcri-hook", "lxcri-lifecycle", "lxcri-net",
						"lxcri-portfwd" };
	for (size_t i = 0; i < ELEMENTSOF(programs); i++) {
		const char *name = programs[i];
		if (paths_helper(p, name, path, sizeof(path)) < 0)
			continue;
		if (access(path, X_OK) == 0)
			add(c, name, CHECK_OK, NULL, "'%s' is installed", path);
		else
			add(c, name, CHECK_FAIL, "reinstall pve-lxcri",
			    "'%s' is not executable: %s", path, strerror(errno));
	}
}

/*
 * OCI hooks run through the PAM service lxcri-hook: without its file, PAM
 * applies the host's "other" policy, which is not what the package ships.
 */
static void check_pam_service(struct checks *c)
{
	const char *path = "/etc/pam.d/" HOOKRUN_SERVICE;

	if (exists(path))
		add(c, "pam-service", CHECK_OK, NULL, "'%s' is there for OCI hooks", path);
	else
		add(c, "pam-service", CHECK_WARN,
		    "reinstall pve-lxcri (or restore the file) before using OCI hooks",
		    "'%s' is missing: OCI hooks would run under PAM's 'other' policy", path);
}

static void check_writable(struct checks *c, const char *name, const char *dir, const char *hint)
{
	struct statvfs sv;

	if (statvfs(dir, &sv) < 0)
		add(c, name, CHECK_FAIL, hint, "'%s': %s", dir, strerror(errno));
	else if (sv.f_flag & ST_RDONLY)
		add(c, name, CHECK_FAIL, hint, "'%s' is on a read-only file system", dir);
	else if (access(dir, W_OK) < 0)
		add(c, name, CHECK_FAIL, hint, "'%s' is not writable: %s", dir, strerror(errno));
	else
		add(c, name, CHECK_OK, NULL, "'%s' is writable", dir);
}

/*
 * pmxcfs refuses every write without quorum while access(W_OK) still
 * succeeds for root: PVE's own test, the write bits of <pve>/local.
 */
static void check_quorum(struct checks *c, const struct lxcri_paths *p)
{
	int r = pve_quorate(p->pve_dir);

	if (r < 0)
		add(c, "pve-quorum", CHECK_WARN, NULL, "cannot tell whether '%s' has quorum: %s",
		    p->pve_dir, strerror(-r));
	else if (r == 0)
		add(c, "pve-quorum", CHECK_FAIL,
		    "lxcri cannot change any container's config until the node has quorum "
		    "again (pvecm status); starts with a valid config still work",
		    PVE_NO_QUORUM " ('%s/local' is not writable)", p->pve_dir);
	else
		add(c, "pve-quorum", CHECK_OK, NULL, "quorate: '%s' is writable", p->pve_dir);
}

/* lxcri's guards in this node's PVE configs: missing, copied from another vmid, orphaned. */
static void check_guards(struct checks *c, const struct lxcri_paths *p)
{
	struct guardcmd_finding f[GUARDCMD_FINDINGS_MAX];
	size_t managed = 0, n = guardcmd_findings(p, f, ELEMENTSOF(f), &managed);

	for (size_t i = 0; i < n; i++)
		add(c, f[i].name, f[i].fail ? CHECK_FAIL : CHECK_WARN, f[i].hint, "%s",
		    f[i].detail);
	if (n == 0)
		add(c, "pve-guard", CHECK_OK, NULL,
		    "%zu managed container(s) on this node, each with lxcri's guard", managed);
}

/*
 * What the valid configs need of the host's network: their bridges and CNI
 * networks. A start without them is refused; say so before it is tried.
 */
static void check_networks(struct checks *c, const struct ct_status *list, size_t n,
			   const struct settings *s)
{
	char problem[512] = "", path[PATH_MAX];
	size_t nets = 0, missing = 0;

	for (size_t i = 0; i < n; i++) {
		_cleanup_config_ struct config *conf = NULL;
		struct lxcri_error err = {};

		if (!list[i].configured || !list[i].valid ||
		    config_load(list[i].config_path, &conf, &err) < 0)
			continue;
		for (size_t j = 0; j < conf->net.n_nets; j++) {
			const struct config_net *net = &conf->net.nets[j];
			_cleanup_cni_conflist_ struct cni_conflist *cni = NULL;
			bool ok;

			nets++;
			if (net->cni)
				ok =
				    cni_load_conflist(s->cni_config_dir, net->cni, &cni, &err) >= 0;
			else {
				snprintf(path, sizeof(path), "/sys/class/net/%s/bridge",
					 net->bridge);
				ok = exists(path);
				snprintf(err.message, sizeof(err.message),
					 "bridge '%s' does not exist", net->bridge);
			}
			if (!ok && missing++ == 0)
				snprintf(problem, sizeof(problem), "CT %s net%u: %.400s",
					 list[i].id, net->index, err.message);
		}
	}
	if (missing > 0)
		add(c, "networks", CHECK_WARN,
		    "create the bridge or CNI network, or change the config: the start is refused "
		    "until then",
		    "%zu of %zu net(s) cannot be set up; first: %s", missing, nets, problem);
	else
		add(c, "networks", CHECK_OK, NULL, "%zu net(s), every bridge and CNI network found",
		    nets);
}

/*
 * The forwards of the running containers against our nftables table: a
 * `flush ruleset` (Debian's /etc/nftables.conf starts with one) or another
 * tool may have removed it.
 */
static void check_ports(struct checks *c, const struct lxcri_paths *p)
{
	char detail[512];
	int r = portcmd_drift(p, detail, sizeof(detail), NULL, NULL);

	if (r < 0)
		add(c, "ports", CHECK_WARN, NULL, "cannot compare the port forwards: %s", detail);
	else if (r > 0)
		add(c, "ports", CHECK_FAIL,
		    "run 'lxcri port sync' (it runs after nftables.service starts or reloads)",
		    "port forwards drifted: %s", detail);
	else
		add(c, "ports", CHECK_OK, NULL, "%s", detail);
}

/* What runs of containers left under the run dir (cli/status.h, status_stale()). */
static void check_stale(struct checks *c, const struct lxcri_paths *p)
{
	char aside[PATH_MAX + 64] = "", more[48] = "";
	struct stale_report r;
	int k = status_stale(p, &r);

	if (k < 0) {
		add(c, "stale-state", CHECK_WARN, NULL, "cannot read '%s': %s", p->run_dir,
		    strerror(-k));
		return;
	}
	if (r.set_aside > 0)
		snprintf(aside, sizeof(aside), "%zu state(s) set aside in '%s'", r.set_aside,
			 r.stale_dir);
	if (r.states > 1)
		snprintf(more, sizeof(more), "; and %zu more", r.states - 1);
	if (r.states == 0 && r.set_aside == 0)
		add(c, "stale-state", CHECK_OK, NULL,
		    "no state left by containers that do not run");
	else if (r.states == 0)
		add(c, "stale-state", CHECK_WARN,
		    "each lists what a start could not undo: undo what is left by hand, then "
		    "remove it",
		    "%s", aside);
	else
		add(c, "stale-state", r.items > 0 || r.unreadable > 0 ? CHECK_FAIL : CHECK_WARN,
		    "start the container (its start undoes what is left), see 'lxcri status <id>'",
		    "%s%s%s%s", r.first, more, aside[0] ? "; " : "", aside);
}

/* lxcri files that outlived their container, and stored profiles nothing uses (cli/gc.h). */
static void check_orphans(struct checks *c, const struct lxcri_paths *p)
{
	_cleanup_(gc_list_done) struct gc_list l = {};
	struct lxcri_error err = {};
	size_t n = 0, first = 0;

	if (gc_find(p, GC_MIN_AGE_S, &l, &err) < 0) {
		add(c, "orphans", CHECK_WARN, NULL, "cannot look for orphaned lxcri files: %s",
		    err.message);
		return;
	}
	for (size_t i = l.n; i-- > 0;)
		if (!l.items[i].keep) {
			n++;
			first = i;
		}
	if (n == 0)
		add(c, "orphans", CHECK_OK, NULL, "no lxcri file outlived its container");
	else
		add(c, "orphans", CHECK_WARN,
		    "'lxcri gc' lists them, 'lxcri gc --apply' removes them",
		    "%zu lxcri file(s) outlived their container or are used by none: %s (%s)%s", n,
		    l.items[first].path, l.items[first].why, n > 1 ? ", ..." : "");
}

/*
 * route_localnet=1 lets a neighbour on the interface reach the host's
 * 127.0.0.1 services unless the guard drops such packets (lib/port/localnet).
 */
static void check_localnet(struct checks *c, const struct lxcri_paths *p)
{
	char detail[512];
	int r = portcmd_localnet_check(p, detail, sizeof(detail));

	if (r < 0)
		add(c, "route-localnet", CHECK_WARN, NULL, "cannot check route_localnet: %s",
		    detail);
	else if (r == 2)
		add(c, "route-localnet", CHECK_FAIL,
		    "run 'lxcri port sync': it puts the guard back, or sets route_localnet back to "
		    "what it was",
		    "%s", detail);
	else if (r == 1)
		add(c, "route-localnet", CHECK_WARN,
		    "for containers that no longer need it: run 'lxcri port sync'; for an "
		    "interface lxcri did not set: make sure its owner guards it, or sysctl -w "
		    "net.ipv4.conf.<interface>.route_localnet=0",
		    "%s", detail);
	else
		add(c, "route-localnet", CHECK_OK, NULL, "%s", detail);
}

static void check_configs(struct checks *c, const struct lxcri_paths *p)
{
	struct ct_status *list = NULL;
	struct lxcri_error err = {};
	char path[PATH_MAX];
	struct settings s;
	size_t n = 0, total = 0, bad = 0;
	const char *first_error = "";

	settings_init(&s);
	if (paths_settings(p, path, sizeof(path)) == 0) {
		if (settings_load_host(p, &s, &err) < 0)
			add(c, "settings", CHECK_FAIL,
			    "fix the file: managed containers refuse to start until then", "%s",
			    err.message);
		else
			add(c, "settings", CHECK_OK, NULL, "'%s' is valid or absent", path);
	}

	/* What a start would refuse, as `lxcri status` shows it. */
	if (status_collect(p, NULL, &list, &n) < 0) {
		add(c, "configs", CHECK_FAIL, NULL, "cannot list the container configs");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (!list[i].configured)
			continue;
		total++;
		if (!list[i].valid && bad++ == 0)
			first_error = list[i].config_error;
	}
	if (bad > 0)
		add(c, "configs", CHECK_FAIL, "run 'lxcri config validate <id>' for each",
		    "%zu of %zu container config(s) would be refused; first: %.300s", bad, total,
		    first_error);
	else
		add(c, "configs", CHECK_OK, NULL, "%zu container config(s), all valid", total);
	check_networks(c, list, n, &s);
	status_free(list, n);
}

size_t hostcheck_run(const struct lxcri_paths *paths, struct check_result *ret, size_t max)
{
	struct checks c = { .r = ret, .max = max };
	char dir[PATH_MAX];
	bool pve = paths_pve_mode(paths);

	check_lxc(&c);
	check_kernel(&c, paths);
	check_install(&c, paths);
	if (pve) {
		add(&c, "pve", CHECK_OK, NULL, "Proxmox VE node ('%s/lxc' exists)", paths->pve_dir);
		check_quorum(&c, paths);
		check_guards(&c, paths);
	} else {
		add(&c, "pve", CHECK_OK, NULL, "plain LXC host (no '%s/lxc')", paths->pve_dir);
	}
	/* /run/lxcri is made at the first managed start; its parent must take it. */
	snprintf(dir, sizeof(dir), "%s", paths->run_dir);
	if (!exists(dir)) {
		char *slash = strrchr(dir, '/');
		if (slash && slash != dir)
			*slash = '\0';
	}
	check_writable(&c, "run-dir", dir, "managed containers cannot record their state");
	check_configs(&c, paths);
	check_stale(&c, paths);
	check_orphans(&c, paths);
	check_ports(&c, paths);
	check_localnet(&c, paths);
	check_pam_service(&c);
	return c.n;
}

const char *hostcheck_status_to_string(enum check_status s)
{
	switch (s) {
	case CHECK_OK:
		return "ok";
	case CHECK_WARN:
		return "warn";
	default:
		return "fail";
	}
}

struct json_object *hostcheck_to_json(const struct check_result *r, size_t n)
{
	struct json_object *root = json_object_new_object(), *list = json_object_new_array(),
			   *summary = json_object_new_object();
	int counts[3] = {};

	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "name", json_object_new_string(r[i].name));
		json_object_object_add(
		    o, "status", json_object_new_string(hostcheck_status_to_string(r[i].status)));
		json_object_object_add(o, "detail", json_object_new_string(r[i].detail));
		json_object_object_add(o, "hint",
				       r[i].hint[0] ? json_object_new_string(r[i].hint) : NULL);
		json_object_array_add(list, o);
		counts[r[i].status]++;
	}
	json_object_object_add(summary, "ok", json_object_new_int(counts[CHECK_OK]));
	json_object_object_add(summary, "warn", json_object_new_int(counts[CHECK_WARN]));
	json_object_object_add(summary, "fail", json_object_new_int(counts[CHECK_FAIL]));
	json_object_object_add(root, "checks", list);
	json_object_object_add(root, "summary", summary);
	return root;
}

/* lxcri check: each result on a line, with its hint, then the counts. */

int hostcheck_do_check(struct cli *cli)
{
	struct check_result results[HOSTCHECK_MAX];
	size_t n, counts[3] = {};

	if (cli->argc > 0)
		return cli_usage_error("'check' takes no argument, got '%s'", cli->argv[0]);
	n = hostcheck_run(&cli->paths, results, ELEMENTSOF(results));
	for (size_t i = 0; i < n; i++)
		counts[results[i].status]++;
	if (cli->format != OUTPUT_TEXT) {
		_cleanup_json_ struct json_object *o = hostcheck_to_json(results, n);
		cli_print_json(cli, o);
	} else {
		for (size_t i = 0; i < n; i++) {
			printf("%-5s %-16s %s\n", hostcheck_status_to_string(results[i].status),
			       results[i].name, results[i].detail);
			if (results[i].hint[0] && results[i].status != CHECK_OK)
				printf("%-5s %-16s hint: %s\n", "", "", results[i].hint);
		}
		printf("%zu ok, %zu warn, %zu fail\n", counts[CHECK_OK], counts[CHECK_WARN],
		       counts[CHECK_FAIL]);
	}
	return counts[CHECK_FAIL] > 0 ? EXIT_FAILED : EXIT_OK;
}
