/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <selinux/selinux.h>

#include "lib/lsm/selinux.h"

#include <errno.h>

#include "lib/basic/valid.h"

int selinux_context_check(const char *context, struct lxcri_error *err)
{
	if (!valid_selinux_context(context))
		return error_set(err, -EINVAL,
				 "Invalid SELinux context '%s': expected user:role:type[:level]",
				 context ? context : "");
	if (is_selinux_enabled() <= 0)
		return SELINUX_CHECKED_SYNTAX;
	if (security_check_context(context) < 0) {
		int r = errno > 0 ? -errno : -EINVAL;

		if (r == -EINVAL)
			return error_set(err, r,
					 "SELinux context '%s' is not known to the loaded policy",
					 context);
		return error_set_errno(err, r,
				       "Failed to check SELinux context '%s' against the loaded "
				       "policy",
				       context);
	}
	return SELINUX_CHECKED_POLICY;
}

int selinux_prestart_check(const struct config *c, const char *file, const char *sys_dir,
			   struct lxcri_error *err)
{
	int r;

	if (!c->lsm.selinux)
		return SELINUX_CHECKED_SYNTAX;
	if (!file)
		file = c->path;
	if (!selinuxfs_enabled(sys_dir))
		return error_set(err, -EOPNOTSUPP,
				 "%s:%u: container asks for SELinux context '%s', but SELinux is "
				 "not enabled on this host: refusing to start it unconfined (see "
				 "'lxcri check')",
				 file, c->lsm.selinux_line, c->lsm.selinux);
	r = selinux_context_check(c->lsm.selinux, err);
	if (r < 0 && err)
		return error_set(err, r, "%s:%u: %s", file, c->lsm.selinux_line, err->message);
	return r;
}
