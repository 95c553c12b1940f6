/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What a managed container's hooks do (lxcri-lifecycle, DESIGN.md
 * "Lifecycle"):
 *
 *   pre-start   undo what an earlier run left behind; validate the config
 *               (refuse the start with file:line on error); snapshot it in
 *               the state dir; run the pre-start helpers
 *   start-host  run the start-host helpers against the snapshot
 *   stop        teardown from the recorded state (never blocks)
 *   post-stop   teardown again (PVE's own post-stop may have skipped ours),
 *               then clear the state, and the lock file with it
 *
 * A teardown works from the state read into memory: each helper is handed
 * it and hands back what it leaves (helpermain.h), so a run dir that cannot
 * be written (read-only, full) or locked stops no undo; what the file still
 * lists is undone again at the next hook, and logged.
 *
 * A feature (net, port, ...) is a helper program in libexec_dir that is run
 * as "<helper> <hook-type> <id>" at the hook types it declares, and as
 * "<helper> teardown <id>" to undo its items in the state. A failure while
 * starting undoes what this start applied.
 */

#include <stdbool.h>

#include "lib/config/config.h"
#include "lib/config/settings.h"
#include "lib/basic/error.h"
#include "lib/basic/hookctx.h"
#include "lib/basic/paths.h"
#include "lib/shared/state.h"

/* How long the `lxcri publish` a hook starts may take (metrics, cluster summary). */
#define LIFECYCLE_PUBLISH_TIMEOUT_S 10

#define HOOK_MASK(t) (1u << (t))

struct lifecycle;

struct feature {
	const char *name;   /* as config_key_feature() names it */
	const char *helper; /* program in libexec_dir; NULL: not supported by this version */
	unsigned hook_mask; /* hook types that run the helper */
	/*
	 * What is checked beyond the keys' grammar, before anything runs: at
	 * pre-start and by `lxcri config validate` (NULL: nothing).
	 */
	int (*validate)(const struct config *c, struct lxcri_error *err);
	/*
	 * What is checked at pre-start after the helpers ran (NULL: nothing):
	 * what LXC loads after pre-start. Features that share one run it once.
	 */
	int (*verify)(const struct lifecycle *lc, const struct config *c, struct lxcri_error *err);
};

/* The features of this version, in the order their helpers run. */
extern const struct feature lifecycle_features[];
extern const size_t lifecycle_features_count;

struct lifecycle {
	const struct lxcri_paths *paths;
	const struct hook_context *ctx;
	const struct feature *features;
	size_t n_features;
	struct settings settings;
	char state_dir[PATH_MAX];
	char config_path[PATH_MAX];
	char snapshot_path[PATH_MAX];
	char lock_path[PATH_MAX];
};

int lifecycle_init(struct lifecycle *lc, const struct lxcri_paths *paths,
		   const struct hook_context *ctx, struct lxcri_error *err);

/*
 * Runs the hook. Returns < 0 only where the start must be refused (pre-start,
 * start-host); err says why. stop/post-stop return 0 and report problems
 * through *warnings (a count) and the state's last_error.
 */
int lifecycle_run(struct lifecycle *lc, struct lxcri_error *err);

/*
 * Checks that every key of c is supported by the features table; the error
 * names file, line and key: "<file>:<line>: 'net1' is not supported by this version".
 */
int lifecycle_check_supported(const struct feature *features, size_t n_features,
			      const struct config *c, struct lxcri_error *err);

/*
 * lifecycle_check_supported(), then the validate check of each feature c
 * uses, each distinct one once, in table order.
 */
int lifecycle_check_features(const struct feature *features, size_t n_features,
			     const struct config *c, struct lxcri_error *err);

/*
 * The hooks feature's validate check. What decides which programs run as
 * root must be root's alone (lib/basic/trust.h):
 * each "hooks: dir=" and the bundle's config.json. -EPERM with
 * "<file>:<line>: hooks: dir '/tmp' refused: '/tmp' is writable by group or
 * others"; a missing directory or bundle is no error here.
 */
int lifecycle_check_sources(const struct config *c, struct lxcri_error *err);

/*
 * What a start checks of a config file: its grammar, that this version
 * supports every key, and where its hooks come from. *ret is set whenever the file parsed (even if
 * a key is unsupported), so callers can still count its keys.
 */
int lifecycle_validate_config(const char *path, struct config **ret, struct lxcri_error *err);

/* The features c uses, in table order, whose hook_mask has type. */
size_t lifecycle_plan(const struct feature *features, size_t n_features, const struct config *c,
		      enum hook_type type, const struct feature **ret, size_t max);
