/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * `lxcri image ...`: the image store (pull, list, inspect, rm, prune) and
 * the registry credentials (login, logout). See lxcri(1).
 */

#include "cli/cli.h"
#include "lib/basic/error.h"
#include "lib/config/settings.h"
#include "lib/image/pull.h"
#include "lib/image/registry.h"

int imagecmd_do_pull(struct cli *cli);
int imagecmd_do_list(struct cli *cli);
int imagecmd_do_inspect(struct cli *cli);
int imagecmd_do_rm(struct cli *cli);
int imagecmd_do_prune(struct cli *cli);
/*
 * Where the overlay lowers of image containers are (imagect.h): "rootfs"
 * beside the image store (/var/lib/lxcri/rootfs). -ENAMETOOLONG.
 */
int imagecmd_lower_dir(const struct lxcri_paths *p, char *buf, size_t size);
int imagecmd_do_login(struct cli *cli);
int imagecmd_do_logout(struct cli *cli);
int imagecmd_do_import(struct cli *cli);
/* Whether the registry names the tag of a container's image key another digest now (one HEAD). */
int imagecmd_do_check(struct cli *cli);

/*
 * The registry options of the host's settings (registry-insecure,
 * registry-certs-dir) and the auth files (<etc>/auth.json, then
 * $REGISTRY_AUTH_FILE). Free with imagecmd_registry_options_free().
 */
int imagecmd_registry_options(const struct lxcri_paths *p, const struct settings *s,
			      struct registry_options *ret, struct lxcri_error *err);
void imagecmd_registry_options_free(struct registry_options *o);

/* A pull with the host's settings and the command line's --platform; events may be NULL. */
int imagecmd_pull(const struct cli *cli, struct store *s, const struct image_ref *ref,
		  const struct pull_events *events, struct pull_result *ret,
		  struct lxcri_error *err);
