/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * `lxcri gc`: the lxcri files that outlived their container, and the stored
 * profiles that nothing names any more.
 *
 *   - on a PVE node, the files of a vmid that is not in /etc/pve/.vmlist
 *     (`pct destroy` leaves them in /etc/pve/lxcri): <vmid>.conf and what
 *     an older version stored per container (<vmid>.seccomp,
 *     <vmid>.seccomp.json). A vmid of another node is in .vmlist: kept.
 *   - the config of a named container (<etc_dir>/containers/<name>.conf)
 *     whose LXC config <lxc_path>/<name>/config is gone.
 *   - a stored profile (<dir>/seccomp/<sha256>.seccomp, lib/lsm/profiles.h)
 *     whose digest no kept lxcri config, no PVE container config (the raw
 *     key of a clone, a snapshot section) and no LXC config names, and a
 *     source copy (<sha256>.json) that no such profile names. One written
 *     less than min_age seconds ago is kept: a `seccomp set` on another
 *     node may be writing its config (flock is node-local).
 *
 * Files in those directories that gc does not know are never touched.
 */

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "lib/basic/error.h"
#include "lib/basic/paths.h"

struct cli;

/* How old an unused stored profile must be before gc removes it: 10 minutes. */
#define GC_MIN_AGE_S 600
#define GC_WHY_SIZE  (PATH_MAX + 128)

struct gc_item {
	char path[PATH_MAX];
	char id[64]; /* the container the file is of; "" for a stored profile */
	char why[GC_WHY_SIZE];
	bool keep;    /* listed, not removed: too young */
	bool removed; /* gc_apply() removed it */
};

struct gc_list {
	struct gc_item *items;
	size_t n;
};
void gc_list_done(struct gc_list *l);

/* What gc would remove (and keep, too young), in the order of the directories; reads only. */
int gc_find(const struct lxcri_paths *p, time_t min_age, struct gc_list *ret,
	    struct lxcri_error *err);

/*
 * Removes it. On a PVE node refused without quorum (-EACCES, "no quorum:
 * /etc/pve is read-only"). The files of each container under its lock
 * (ct_files_lock(), which also asks pve_change_check()), after checking
 * again that it is gone; then, under the store lock (profiles_store_lock()),
 * the stored profiles unused by what is left, found again. *ret lists
 * every file removed or kept, also on failure (what was removed by then).
 */
int gc_apply(const struct lxcri_paths *p, time_t min_age, struct gc_list *ret,
	     struct lxcri_error *err);

/*
 * For tests and `lxcri check`: the 64-hex-digit words of text, appended to
 * *words (n_words of them, sorted and unique after gc_words_sort()).
 */
int gc_words_add(const char *text, size_t size, char (**words)[65], size_t *n_words);
void gc_words_sort(char (*words)[65], size_t *n_words);
bool gc_words_has(char (*words)[65], size_t n_words, const char *word);

/* lxcri gc [--apply] */
int gc_do_gc(struct cli *cli);
