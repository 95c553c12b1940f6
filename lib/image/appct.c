/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/image/appct.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/escape.h"

static const struct {
	const char *oci, *lxc, *pve;
} arches[] = {
	{ "amd64", "amd64", "amd64" },	     { "arm64", "arm64", "arm64" },
	{ "386", "i686", "i386" },	     { "arm", "armhf", "armhf" },
	{ "ppc64le", "ppc64le", NULL },	     { "s390x", "s390x", NULL },
	{ "riscv64", "riscv64", "riscv64" }, { "mips64le", "mips64el", NULL },
};

const char *appct_lxc_arch(const char *architecture)
{
	for (size_t i = 0; i < sizeof(arches) / sizeof(arches[0]); i++)
		if (strcmp(architecture, arches[i].oci) == 0)
			return arches[i].lxc;
	return NULL;
}

const char *appct_pve_arch(const char *architecture)
{
	for (size_t i = 0; i < sizeof(arches) / sizeof(arches[0]); i++)
		if (strcmp(architecture, arches[i].oci) == 0)
			return arches[i].pve;
	return NULL;
}

static const struct {
	int signo;
	const char *name;
} signals[] = {
	{ SIGHUP, "SIGHUP" },	    { SIGINT, "SIGINT" },   { SIGQUIT, "SIGQUIT" },
	{ SIGILL, "SIGILL" },	    { SIGTRAP, "SIGTRAP" }, { SIGABRT, "SIGABRT" },
	{ SIGBUS, "SIGBUS" },	    { SIGFPE, "SIGFPE" },   { SIGKILL, "SIGKILL" },
	{ SIGUSR1, "SIGUSR1" },	    { SIGSEGV, "SIGSEGV" }, { SIGUSR2, "SIGUSR2" },
	{ SIGPIPE, "SIGPIPE" },	    { SIGALRM, "SIGALRM" }, { SIGTERM, "SIGTERM" },
	{ SIGCHLD, "SIGCHLD" },	    { SIGCONT, "SIGCONT" }, { SIGSTOP, "SIGSTOP" },
	{ SIGTSTP, "SIGTSTP" },	    { SIGTTIN, "SIGTTIN" }, { SIGTTOU, "SIGTTOU" },
	{ SIGURG, "SIGURG" },	    { SIGXCPU, "SIGXCPU" }, { SIGXFSZ, "SIGXFSZ" },
	{ SIGVTALRM, "SIGVTALRM" }, { SIGPROF, "SIGPROF" }, { SIGWINCH, "SIGWINCH" },
	{ SIGIO, "SIGIO" },	    { SIGPWR, "SIGPWR" },   { SIGSYS, "SIGSYS" },
};

const char *appct_signal_name(int signo, char *buf, size_t size)
{
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (signals[i].signo == signo)
			return signals[i].name;
	if (signo >= SIGRTMIN && signo <= SIGRTMAX) {
		if (signo == SIGRTMIN)
			snprintf(buf, size, "SIGRTMIN");
		else
			snprintf(buf, size, "SIGRTMIN+%d", signo - SIGRTMIN);
		return buf;
	}
	return NULL;
}

int appct_path_check(const char *what, const char *path, struct lxcri_error *err)
{
	char q[ESCAPE_BUFSIZE];

	if (!path || path[0] != '/')
		return error_set(err, -EINVAL, "The %s '%s' is not an absolute path", what,
				 path ? escape_for_message(path, q, sizeof(q)) : "");
	for (const char *c = path; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == '\\' || *c == 0x7f)
			return error_set(
			    err, -EINVAL,
			    "The %s '%s' has a blank, a control character or a '\\': LXC's "
			    "mount entries cannot carry it",
			    what, escape_for_message(path, q, sizeof(q)));
	return 0;
}

static void idmap_lines(FILE *f, char kind, const struct appct_idmap_range *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "lxc.idmap = %c %u %u %u\n", kind, r[i].container_id, r[i].host_id,
			r[i].count);
}

int appct_lxc_config(const struct appct *a, char **ret, struct lxcri_error *err)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *text = NULL;
	const char *arch = NULL, *halt;
	char signame[32], q[ESCAPE_BUFSIZE];
	size_t size = 0;
	int r;

	if ((r = appct_path_check("container directory", a->lxc_dir, err)) < 0 ||
	    (r = appct_path_check("LXC config directory", a->lxc_config_dir, err)) < 0 ||
	    (r = appct_path_check("init program", a->init_path, err)) < 0 ||
	    (a->lower && (r = appct_path_check("lower directory", a->lower, err)) < 0))
		return r;
	/* overlay:<lower>:<upper> is split at ':'. */
	if (a->lower && (strchr(a->lower, ':') || strchr(a->lxc_dir, ':')))
		return error_set(err, -EINVAL,
				 "An overlay rootfs cannot have a ':' in '%s' or '%s'", a->lower,
				 a->lxc_dir);
	if (!a->id || !a->id[0] || strpbrk(a->id, " \t\n/"))
		return error_set(err, -EINVAL, "Invalid container name '%s'",
				 escape_for_message(a->id ? a->id : "", q, sizeof(q)));
	if (a->image && strpbrk(a->image, "\n\r"))
		return error_set(err, -EINVAL, "Invalid image reference: it has a line break");
	if (a->architecture && a->architecture[0]) {
		arch = appct_lxc_arch(a->architecture);
		if (!arch)
			return error_set(err, -EINVAL,
					 "The image's architecture '%s' is not one LXC knows",
					 escape_for_message(a->architecture, q, sizeof(q)));
	}
	halt = appct_signal_name(a->halt_signal, signame, sizeof(signame));
	if (!halt)
		return error_set(err, -EINVAL, "The stop signal %d is not a signal",
				 a->halt_signal);
	if ((a->n_uid == 0) != (a->n_gid == 0) || a->n_uid > APPCT_IDMAP_MAX ||
	    a->n_gid > APPCT_IDMAP_MAX)
		return error_set(err, -EINVAL,
				 "An unprivileged container needs both uid and gid ranges, at "
				 "most %d each",
				 APPCT_IDMAP_MAX);

	f = open_memstream(&text, &size);
	if (!f)
		return error_oom(err);
	fprintf(f, "# Made by lxcri create%s%s; see lxcri(1).\n", a->image ? " from " : "",
		a->image ? a->image : "");
	fprintf(f, "lxc.include = %s/common.conf\n", a->lxc_config_dir);
	if (a->n_uid > 0)
		fprintf(f, "lxc.include = %s/userns.conf\n", a->lxc_config_dir);
	if (arch)
		fprintf(f, "lxc.arch = %s\n", arch);
	fprintf(f, "lxc.uts.name = %s\n", a->id);
	if (a->lower) {
		fprintf(f, "lxc.rootfs.path = overlay:%s:%s/delta0\n", a->lower, a->lxc_dir);
		/* In the container's user namespace overlay keeps its xattrs as user.*. */
		if (a->n_uid > 0)
			fprintf(f, "lxc.rootfs.options = userxattr\n");
	} else {
		fprintf(f, "lxc.rootfs.path = dir:%s/rootfs\n", a->lxc_dir);
	}
	idmap_lines(f, 'u', a->uid, a->n_uid);
	idmap_lines(f, 'g', a->gid, a->n_gid);
	/* No network unless lxcri's net keys add one (LXC's default is none too). */
	fprintf(f, "lxc.net.0.type = empty\n");
	/* The image's process: lxcri-init reads it; the file is ours, read-only inside. */
	fprintf(f, "lxc.init.cmd = " APPCT_INIT_CMD "\n");
	fprintf(f, "lxc.mount.entry = " APPCT_INIT_MOUNT_FMT "\n", a->init_path);
	fprintf(f, "lxc.mount.entry = " APPCT_SHM_MOUNT "\n");
	fprintf(f, "lxc.mount.entry = %s/%s %s none ro,bind,create=file 0 0\n", a->lxc_dir,
		APPCT_PROCESS_FILE, &APPCT_PROCESS_PATH[1]);
	fprintf(f, "lxc.signal.halt = %s\n", halt);
	if (fclose(TAKE_PTR(f)) != 0)
		return error_oom(err);
	*ret = TAKE_PTR(text);
	return 0;
}
