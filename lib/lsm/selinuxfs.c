/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libc only: see lib/lsm/selinux.h. */
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include "lib/basic/paths.h"
#include "lib/lsm/selinux.h"

bool selinuxfs_enabled(const char *sys_dir)
{
	char path[PATH_MAX];

	if (paths_join(path, sizeof(path), "%s/fs/selinux/enforce", sys_dir ? sys_dir : "/sys") < 0)
		return false;
	return faccessat(AT_FDCWD, path, F_OK, AT_EACCESS) == 0;
}
