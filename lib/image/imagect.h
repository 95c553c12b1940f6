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
 *
 * IMAGECT_TEMPLATE makes a rootfs template for `pct create` instead
 * (pvect.h): the rootfs in a private directory <work_dir>/.template.XXXXXX,
 * with the process file at /.lxcri/process (0600, the container root's)
 * and the mount point /.lxcri/init, packed (libarchive) into <that
 * directory>/<template_name>: pax, members "./...", numeric owners as
 * inside the container (ids outside the maps are refused: for an
 * unprivileged container give the identity map PVE shifts by), hardlinks
 * as links, file capabilities and user.* xattrs kept. The caller removes the directory
 * (imagect_template_remove()) once pct has read the template.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/basic/error.h"
#include "lib/basic/passwd.h"
#include "lib/basic/procspec.h"
#include "lib/image/appct.h"
#include "lib/image/imageconfig.h"
#include "lib/image/store.h"
#include "lib/image/unpack.h"

#define IMAGECT_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define IMAGECT_IMAGE_MAX    (STORE_REF_NAME_MAX + DIGEST_SIZE + 1)

enum imagect_kind {
	IMAGECT_LXC,	  /* <lxc_path>/<id> */
	IMAGECT_TEMPLATE, /* a template for pct create */
};

/*
 * The rootfs of a plain LXC container: a directory of its own (IMAGECT_DIR,
 * <lxc_path>/<id>/rootfs), or an overlay (IMAGECT_OVERLAY) whose lower is
 * the image unpacked once per id map and shared read-only by every
 * container made from it (<lower_dir>/<manifest hex>[-<id maps>], made
 * aside and renamed into place), and whose upper is <lxc_path>/<id>/delta0
 * (with LXC's work dir <lxc_path>/<id>/work), both the container root's;
 * an unprivileged container's overlay is mounted with userxattr. A second
 * container of an image then unpacks nothing.
 */
enum imagect_storage {
	IMAGECT_DIR,
	IMAGECT_OVERLAY,
};

struct imagect_options {
	enum imagect_kind kind;
	enum imagect_storage storage; /* IMAGECT_LXC */
	const char *lower_dir;	      /* IMAGECT_OVERLAY: where the shared lowers are */
	const char *id;
	const char *lxc_path;	    /* /var/lib/lxc */
	const char *lxc_config_dir; /* /usr/share/lxc/config */
	const char *init_path;	    /* lxcri-init on the host */
	struct store *store;
	const char *name; /* the image's tag in the store */
	/* Unprivileged: the id maps (ownership is shifted by them, device nodes skipped). */
	struct appct_idmap_range uid[APPCT_IDMAP_MAX], gid[APPCT_IDMAP_MAX];
	size_t n_uid, n_gid;
	/* IMAGECT_TEMPLATE */
	const char *work_dir;	   /* where its private directory goes */
	const char *template_name; /* the tar's file name (pvect_template_name()) */
};

struct imagect_result {
	char image[IMAGECT_IMAGE_MAX]; /* <reference>@<digest>, for the image key */
	char dir[4096];		       /* <lxc_path>/<id>; the template's private directory */
	char template_path[4096];      /* IMAGECT_TEMPLATE: <dir>/<template_name> */
	char architecture[32];	       /* the image's, in OCI terms; "" if it names none */
	char lower[4096];	       /* IMAGECT_OVERLAY: the shared lower */
	bool lower_reused;	       /* it was there: nothing was unpacked */
	struct procspec *process;      /* what it runs */
	char **volumes;		       /* made in the rootfs */
	char **exposed_ports;	       /* "8080/tcp" */
	int halt_signal;
	size_t layers;
	struct unpack_stats stats; /* of all layers */
};

void imagect_result_free(struct imagect_result *r);

/*
 * Removes the lowers of lower_dir that no container's LXC config under
 * lxc_path names (lxc.rootfs.path = overlay:<lower>:...), and lowers half
 * made (.<name>.XXXXXX) untouched for an hour. The caller holds the
 * store's exclusive lock (a create holds it shared while it makes a lower
 * and the container that uses it). The counts (may be NULL) are of the
 * lowers removed and their bytes. -errno naming what could not be read.
 */
int imagect_prune_lowers(const char *lower_dir, const char *lxc_path, unsigned *ret_n,
			 uint64_t *ret_bytes, struct lxcri_error *err);

/* Removes a template's private directory (and the template); "" dir is fine. */
void imagect_template_remove(struct imagect_result *r);

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
 * Makes the container (or the template). -EEXIST if <lxc_path>/<id> exists; the store's,
 * unpack's and passwd's errors; -EINVAL for an image that cannot run
 * (no command, an architecture LXC does not know).
 */
int imagect_create(const struct imagect_options *o, struct imagect_result *ret,
		   struct lxcri_error *err);
