/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A Proxmox VE container from an image: pct's argv, the raw keys. See pvect.h. */
#include "lib/image/pvect.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/escape.h"
#include "lib/basic/lxcconf.h"
#include "lib/basic/strv.h"
#include "lib/image/appct.h"

int pvect_template_name(const char *name, const char *digest, char *buf, size_t size)
{
	static const char prefix[] = "sha256:";
	size_t n = 0, hex = strlen(prefix);
	int w;

	if (strncmp(digest, prefix, hex) != 0 || strlen(digest) < hex + 12 ||
	    strspn(digest + hex, "0123456789abcdef") < 12)
		return -EINVAL;
	w = snprintf(buf, size, "lxcri-");
	if (w < 0 || (size_t)w >= size)
		return -ENAMETOOLONG;
	n = (size_t)w;
	for (const char *c = name; *c; c++) {
		if (n + 1 >= size)
			return -ENAMETOOLONG;
		buf[n++] = (strchr("._-", *c) || (*c >= 'a' && *c <= 'z') ||
			    (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9'))
			       ? *c
			       : '_';
	}
	w = snprintf(buf + n, size - n, "-%.12s.tar", digest + hex);
	if (w < 0 || (size_t)w >= size - n || n + (size_t)w > PVECT_NAME_MAX)
		return -ENAMETOOLONG;
	return 0;
}

/* The admin's options lxcri refuses, and why. */
static const struct {
	const char *name, *why;
} refused[] = {
	{ "start", "it would start the container before lxcri sets its init; start it after" },
	{ "restore", "lxcri create makes a new container" },
	{ "force", "lxcri create never replaces a container" },
	{ "unique", "it is for restores" },
	{ "unprivileged", "give lxcri's own --unprivileged (the template depends on it)" },
	{ "ostemplate", "the template is the image's" },
	{ "entrypoint", "lxcri-init runs the image's process" },
	{ "env", "the image's Env goes to its process only, never to host hooks" },
};

/* The option's name of an admin's argument ("--name" or "--name=value"), its length. */
static size_t option_name(const char *arg, const char **ret)
{
	if (strncmp(arg, "--", 2) != 0 || !arg[2] || arg[2] == '-' || arg[2] == '=')
		return 0;
	*ret = arg + 2;
	return strcspn(arg + 2, "=");
}

static bool given(const struct pvect_options *o, const char *name)
{
	for (size_t i = 0; i < o->n_pct_args; i++) {
		const char *n;
		size_t len = option_name(o->pct_args[i], &n);

		if (len == strlen(name) && strncmp(n, name, len) == 0)
			return true;
	}
	return false;
}

/* Every option the admin gave is one, and none is refused. */
static int check_args(const struct pvect_options *o, struct lxcri_error *err)
{
	char q[ESCAPE_BUFSIZE];

	for (size_t i = 0; i < o->n_pct_args; i++) {
		const char *arg = o->pct_args[i], *name;
		size_t len = option_name(arg, &name);

		if (len == 0)
			return error_set(err, -EINVAL,
					 "'%s' is not a pct option (pct options come after '--', "
					 "as '--name value' or '--name=value')",
					 escape_for_message(arg, q, sizeof(q)));
		for (size_t k = 0; k < sizeof(refused) / sizeof(refused[0]); k++)
			if (len == strlen(refused[k].name) &&
			    strncmp(name, refused[k].name, len) == 0)
				return error_set(err, -EINVAL, "pct's --%s is refused: %s",
						 refused[k].name, refused[k].why);
		/* Its value, unless given with '=' or it is a flag before another option. */
		if (!name[len] && i + 1 < o->n_pct_args && !option_name(o->pct_args[i + 1], &name))
			i++;
	}
	return 0;
}

int pvect_pct_argv(const struct pvect_options *o, const char *pct, char ***ret,
		   struct lxcri_error *err)
{
	_cleanup_strv_ char **argv = NULL;
	size_t n = 0;
	int r;

	if (o->n_pct_args > PVECT_ARGS_MAX)
		return error_set(err, -EINVAL, "Too many pct options (at most %d)", PVECT_ARGS_MAX);
	r = check_args(o, err);
	if (r < 0)
		return r;
	if (strv_append(&argv, &n, strdup(pct)) < 0 ||
	    strv_append(&argv, &n, strdup("create")) < 0 ||
	    strv_append(&argv, &n, strdup(o->vmid)) < 0 ||
	    strv_append(&argv, &n, strdup(o->template_path)) < 0)
		return error_oom(err);
	/* No distribution of PVE's to set up: the image's rootfs is the app's. */
	if (!given(o, "ostype") && (strv_append(&argv, &n, strdup("--ostype")) < 0 ||
				    strv_append(&argv, &n, strdup("unmanaged")) < 0))
		return error_oom(err);
	/* No getty runs: the console is /dev/console, where the app writes. */
	if (!given(o, "cmode") && (strv_append(&argv, &n, strdup("--cmode")) < 0 ||
				   strv_append(&argv, &n, strdup("console")) < 0))
		return error_oom(err);
	if (o->arch && !given(o, "arch") &&
	    (strv_append(&argv, &n, strdup("--arch")) < 0 ||
	     strv_append(&argv, &n, strdup(o->arch)) < 0))
		return error_oom(err);
	if (o->unprivileged && (strv_append(&argv, &n, strdup("--unprivileged")) < 0 ||
				strv_append(&argv, &n, strdup("1")) < 0))
		return error_oom(err);
	for (size_t i = 0; i < o->n_pct_args; i++)
		if (strv_append(&argv, &n, strdup(o->pct_args[i])) < 0)
			return error_oom(err);
	*ret = TAKE_PTR(argv);
	return 0;
}

int pvect_config_edit(const char *text, size_t size, const char *init_path, int halt_signal,
		      char **ret_text, size_t *ret_size, struct lxcri_error *err)
{
	_cleanup_free_ char *a = NULL, *b = NULL, *c = NULL, *entry = NULL;
	size_t a_size, b_size, c_size;
	char signame[32];
	const char *halt = appct_signal_name(halt_signal, signame, sizeof(signame));
	int r;

	r = appct_path_check("init program", init_path, err);
	if (r < 0)
		return r;
	if (!halt)
		return error_set(err, -EINVAL, "The stop signal %d is not a signal", halt_signal);
	if (asprintf(&entry, APPCT_INIT_MOUNT_FMT, init_path) < 0)
		return error_oom(err);
	r = lxcconf_set(text, size, LXCCONF_PVE, "lxc.init.cmd", APPCT_INIT_CMD, &a, &a_size);
	if (r >= 0)
		r = lxcconf_set(a, a_size, LXCCONF_PVE, "lxc.signal.halt", halt, &b, &b_size);
	/* The mount entries: each added unless it is there. */
	const char *entries[] = { entry, APPCT_SHM_MOUNT };
	for (size_t i = 0; r >= 0 && i < sizeof(entries) / sizeof(entries[0]); i++) {
		r = lxcconf_list_add(b, b_size, LXCCONF_PVE, "lxc.mount.entry", entries[i], &c,
				     &c_size);
		if (r > 0) {
			free(b);
			b = TAKE_PTR(c);
			b_size = c_size;
		}
	}
	if (r < 0)
		return error_set_errno(err, r, "Failed to set the init keys in the PVE config");
	*ret_text = TAKE_PTR(b);
	*ret_size = b_size;
	return 0;
}
