/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lxcri-selinux: the selinux feature (selinux: <context>) of a managed
 * container; lib/lsm/selinux.h does the work, lib/hook/helpermain.h the rest.
 *
 *   lxcri-selinux pre-start <id>   refuse the start where SELinux is not
 *                                  enabled, or the loaded policy does not
 *                                  know the context
 *   lxcri-selinux teardown <id>    nothing: the check applies nothing
 *
 * LXC itself puts the context on the container's init (lxc.selinux.context).
 */

#include "lib/hook/helpermain.h"
#include "lib/basic/log.h"
#include "lib/basic/paths.h"
#include "lib/lsm/selinux.h"

static int apply(const struct helper_run *run, struct state *s, struct lxcri_error *err)
{
	struct lxcri_paths paths;
	int r;

	r = paths_init(&paths);
	if (r < 0)
		return error_set_errno(err, r, "Failed to read the LXCRI_* paths");
	r = selinux_prestart_check(run->config, s->config_path, paths.sys_dir, err);
	if (r < 0)
		return r;
	if (run->config->lsm.selinux)
		log_info("SELinux context '%s' %s", run->config->lsm.selinux,
			 r == SELINUX_CHECKED_POLICY ? "is known to the loaded policy"
						     : "is valid (syntax only: libselinux "
						       "sees no loaded policy)");
	return 0;
}

static size_t teardown(const struct helper_run *run, struct state *s, struct lxcri_error *err)
{
	(void)run;
	(void)s;
	(void)err;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct helper_feature feature = { "lxcri-selinux", apply, teardown };
	return helper_main(&feature, argc, argv);
}
