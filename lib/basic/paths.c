/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/basic/paths.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/basic/cleanup.h"

struct root {
	const char *option; /* without "=" */
	const char *env;
	const char *fallback;
	size_t offset;
};

static const struct root roots[] = {
	{ "--pve-dir", "LXCRI_PVE_DIR", "/etc/pve", offsetof(struct lxcri_paths, pve_dir) },
	{ "--etc-dir", "LXCRI_ETC_DIR", "/etc/lxcri", offsetof(struct lxcri_paths, etc_dir) },
	{ "--run-dir", "LXCRI_RUN_DIR", "/run/lxcri", offsetof(struct lxcri_paths, run_dir) },
	{ "--lxc-path", "LXCRI_LXC_PATH", "/var/lib/lxc", offsetof(struct lxcri_paths, lxc_path) },
	{ "--lxc-config-dir", "LXCRI_LXC_CONFIG_DIR", "/usr/share/lxc/config",
	  offsetof(struct lxcri_paths, lxc_config_dir) },
	{ "--libexec-dir", "LXCRI_LIBEXEC_DIR", "/usr/libexec/lxcri",
	  offsetof(struct lxcri_paths, libexec_dir) },
	{ "--sys-dir", "LXCRI_SYS_DIR", "/sys", offsetof(struct lxcri_paths, sys_dir) },
	{ "--pve-lock-dir", "LXCRI_PVE_LOCK_DIR", "/run/lock/lxc",
	  offsetof(struct lxcri_paths, pve_lock_dir) },
	{ "--images-dir", "LXCRI_IMAGES_DIR", "/var/lib/lxcri/images",
	  offsetof(struct lxcri_paths, images_dir) },
	{ "--metrics-dir", "LXCRI_METRICS_DIR", "/var/lib/prometheus/node-exporter",
	  offsetof(struct lxcri_paths, metrics_dir) },
};

const char *const paths_option_names[] = {
	"--pve-dir=DIR",
	"--etc-dir=DIR",
	"--run-dir=DIR",
	"--lxc-path=DIR",
	"--lxc-config-dir=DIR",
	"--libexec-dir=DIR",
	"--sys-dir=DIR",
	"--pve-lock-dir=DIR",
	"--images-dir=DIR",
	"--metrics-dir=DIR",
	NULL,
};

static int root_set(struct lxcri_paths *p, const struct root *r, const char *value)
{
	char *dst = (char *)p + r->offset;

	if (!value || value[0] != '/')
		return -EINVAL;
	if (strlen(value) >= PATH_MAX)
		return -ENAMETOOLONG;
	strcpy(dst, value);
	/* "/x/" and "/x" name the same root; keep "/" as is. */
	for (size_t n = strlen(dst); n > 1 && dst[n - 1] == '/'; n--)
		dst[n - 1] = '\0';
	return 0;
}

int paths_init(struct lxcri_paths *p)
{
	for (size_t i = 0; i < ELEMENTSOF(roots); i++) {
		const char *v = getenv(roots[i].env);
		int r;

		r = root_set(p, &roots[i], v && *v ? v : roots[i].fallback);
		if (r < 0)
			return r;
	}
	return 0;
}

int paths_parse_option(struct lxcri_paths *p, const char *arg)
{
	for (size_t i = 0; i < ELEMENTSOF(roots); i++) {
		size_t n = strlen(roots[i].option);

		if (strncmp(arg, roots[i].option, n) == 0 && arg[n] == '=') {
			int r = root_set(p, &roots[i], arg + n + 1);
			return r < 0 ? r : 1;
		}
	}
	return 0;
}

int paths_export(const struct lxcri_paths *p)
{
	for (size_t i = 0; i < ELEMENTSOF(roots); i++)
		if (setenv(roots[i].env, (const char *)p + roots[i].offset, 1) < 0)
			return -errno;
	return 0;
}

bool paths_pve_mode(const struct lxcri_paths *p)
{
	char buf[PATH_MAX];
	struct stat st;

	if (paths_join(buf, sizeof(buf), "%s/lxc", p->pve_dir) < 0)
		return false;
	return stat(buf, &st) == 0 && S_ISDIR(st.st_mode);
}

bool paths_id_valid(const char *id)
{
	size_t n;

	if (!id || !((id[0] >= 'a' && id[0] <= 'z') || (id[0] >= 'A' && id[0] <= 'Z') ||
		     (id[0] >= '0' && id[0] <= '9')))
		return false;
	for (n = 1; id[n]; n++) {
		char c = id[n];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return n <= 64;
}

bool paths_id_is_vmid(const char *id)
{
	size_t n;

	if (!id || id[0] < '1' || id[0] > '9')
		return false;
	for (n = 1; id[n]; n++)
		if (id[n] < '0' || id[n] > '9')
			return false;
	return n <= 9;
}

int paths_join(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

int paths_container_config_dir(const struct lxcri_paths *p, bool pve, char *buf, size_t size)
{
	if (pve)
		return paths_join(buf, size, "%s/lxcri", p->pve_dir);
	return paths_join(buf, size, "%s/containers", p->etc_dir);
}

int paths_container_config(const struct lxcri_paths *p, const char *id, char *buf, size_t size)
{
	bool pve;
	int r;

	if (!paths_id_valid(id))
		return -EINVAL;
	pve = paths_id_is_vmid(id) && paths_pve_mode(p);
	r = paths_container_config_dir(p, pve, buf, size);
	if (r < 0)
		return r;
	size_t n = strlen(buf);
	return paths_join(buf + n, size - n, "/%s.conf", id);
}

int paths_state_dir(const struct lxcri_paths *p, const char *id, char *buf, size_t size)
{
	if (!paths_id_valid(id))
		return -EINVAL;
	return paths_join(buf, size, "%s/%s", p->run_dir, id);
}

int paths_lock(const struct lxcri_paths *p, const char *id, char *buf, size_t size)
{
	if (!paths_id_valid(id))
		return -EINVAL;
	return paths_join(buf, size, "%s/.locks/%s.lock", p->run_dir, id);
}

int paths_settings(const struct lxcri_paths *p, char *buf, size_t size)
{
	return paths_join(buf, size, "%s/lxcri.conf", p->etc_dir);
}

int paths_dropin(const struct lxcri_paths *p, char *buf, size_t size)
{
	return paths_join(buf, size, "%s/common.conf.d/50-lxcri.conf", p->lxc_config_dir);
}

int paths_helper(const struct lxcri_paths *p, const char *name, char *buf, size_t size)
{
	return paths_join(buf, size, "%s/%s", p->libexec_dir, name);
}
