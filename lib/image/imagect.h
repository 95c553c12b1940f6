/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A plain LXC container from an image of the store (`lxcri create --image`):
 * <lxc_path>/<id>/{config,rootfs,lxcri-process}.
 *
 * Everything is made in a private directory beside it
 * (<lxc_path>/.<id>.XXXXXX) and renamed into place at the end: a failure
 * (a layer that is not its diff_id, a hostile entry, a User the image's
 * passwd does not have, a full disk) leaves nothing, and a container of
 * that name that exists already is never touched.
 *
 * The process is the image's, exactly (imagect_process()): Entrypoint then
 * Cmd as argv, Env (with PATH and HOME added when the image has none, as
 * docker does), WorkingDir (made if missing), and User resolved in the
 * rootfs's /etc/passwd and /etc/group. Volumes become directories.
 */

#include <stddef.h>

#include "lib/basic/error.h"
#include "lib/basic/passwd.h"
#include "lib/basic/procspec.h"
#include "lib/image/appct.h"
#include "lib/image/imageconfig.h"
#include "lib/image/store.h"
#include "lib/image/unpack.h"

#define IMAGECT_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define IMAGECT_IMAGE_MAX    (STORE_REF_NAME_MAX + DIGEST_SIZE + 1)

struct imagect_options {
	const char *id;
	const char *lxc_path;	    /* /var/lib/lxc */
	const char *lxc_config_dir; /* /usr/share/lxc/config */
	const char *init_path;	    /* lxcri-init on the host */
	struct store *store;
	const char *name; /* the image's tag in the store */
	/* Unprivileged: the id maps (ownership is shifted by them, device nodes skipped). */
	struct appct_idmap_range uid[APPCT_IDMAP_MAX], gid[APPCT_IDMAP_MAX];
	size_t n_uid, n_gid;
};

struct imagect_result {
	char image[IMAGECT_IMAGE_MAX]; /* <reference>@<digest>, for the image key */
	char dir[4096];		       /* <lxc_path>/<id> */
	struct procspec *process;      /* what it runs */
	char **volumes;		       /* made in the rootfs */
	char **exposed_ports;	       /* "8080/tcp" */
	int halt_signal;
	size_t layers;
	struct unpack_stats stats; /* of all layers */
};

void imagect_result_free(struct imagect_result *r);

/*
 * The process of an image: argv, env, cwd and ids as imagect.h says, for
 * the user u. -EINVAL (naming what) for an image with no Entrypoint and no
 * Cmd; -ENOMEM.
 */
int imagect_process(const struct imageconfig *c, const struct passwd_user *u, struct procspec **ret,
		    struct lxcri_error *err);

/*
 * The image key of a tag and its digest: name@digest, or name when name
 * has its digest already.
 */
int imagect_image_key(const char *name, const char *digest, char *buf, size_t size);

/*
 * Makes the container. -EEXIST if <lxc_path>/<id> exists; the store's,
 * unpack's and passwd's errors; -EINVAL for an image that cannot run
 * (no command, an architecture LXC does not know).
 */
int imagect_create(const struct imagect_options *o, struct imagect_result *ret,
		   struct lxcri_error *err);
