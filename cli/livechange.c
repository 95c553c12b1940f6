/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The live-change transaction: see livechange.h. */
#include "cli/livechange.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/basic/log.h"

static void livechange_done(struct livechange *lc)
{
	ct_live_done(&lc->live);
	configedit_result_done(&lc->snap);
	configedit_result_done(&lc->edit);
	ct_text_done(&lc->old);
	ct_lock_release(&lc->lock);
}

/* The id, the files and the locks (PVE's config lock first, as pct takes it). */
static int begin(struct livechange *lc, struct livechange_result *result, struct lxcri_error *err)
{
	int r = ct_files_open(lc->paths, lc->id, &lc->files, err);

	if (r < 0)
		return r;
	snprintf(result->file, sizeof(result->file), "%s", lc->files.config);
	return ct_files_lock(&lc->files, CT_LOCK_PVE_CONFIG, &lc->lock, err);
}

/* The config as read under the locks, and the change on it. */
static int edit_config(struct livechange *lc, const struct livechange_ops *ops, void *ctx,
		       struct livechange_result *result, struct lxcri_error *err)
{
	int r = ct_text_read(lc->files.config, &lc->old, err);

	if (r >= 0 && ops->removal && !lc->old.exists)
		r = error_set(err, -ENOENT,
			      "Container '%s' has no lxcri config: '%s' does not exist", lc->id,
			      lc->files.config);
	if (r >= 0)
		r = ops->edit(ctx, lc->files.config, lc->old.text, lc->old.size, -1, &lc->edit,
			      err);
	if (r < 0) {
		result->config_fault = true;
		return r;
	}
	result->index = lc->edit.index;
	return 0;
}

/* The run's state, settings and snapshot, and the change on the snapshot. */
static int edit_snapshot(struct livechange *lc, const struct livechange_ops *ops, void *ctx,
			 const char *what, struct lxcri_error *err)
{
	int r = ct_live_init(lc->paths, lc->id, &lc->files, &lc->live, err);

	if (r < 0 || !lc->live.snapshot.exists)
		return r;
	r = ops->edit(ctx, lc->files.snapshot, lc->live.snapshot.text, lc->live.snapshot.size,
		      (int)lc->edit.index, &lc->snap, err);
	/* A removal of what the container did not start with leaves the snapshot. */
	if (r == -ENOENT && ops->removal)
		return 0;
	if (r < 0)
		return error_set(err, r,
				 "The config of container '%s' changed since it started, and %s "
				 "%s what it runs with: %s; restart it to apply",
				 lc->id, what,
				 ops->removal ? "cannot be removed from" : "does not fit",
				 err->message);
	lc->now = &lc->snap;
	return 0;
}

/* An addition: into the container, then the config; the container undone if that fails. */
static int add_live(struct livechange *lc, const struct livechange_ops *ops, void *ctx,
		    const char *what, struct lxcri_error *err)
{
	struct lxcri_error undo = {};
	int r = ops->apply(ctx, lc, err);

	if (r < 0)
		return error_set(err, r,
				 "Failed to add %s to the running container '%s': %s; neither the "
				 "container nor '%s' was changed",
				 what, lc->id, err->message, lc->files.config);
	r = ct_config_write(&lc->files, &lc->old, lc->edit.text, lc->edit.size, err);
	if (r >= 0)
		return 0;
	if (ops->undo(ctx, lc, &undo) < 0)
		return error_set(err, r,
				 "%s; removing %s from the running container again failed too: "
				 "%s (see 'lxcri status %s')",
				 err->message, what, undo.message, lc->id);
	return error_set(err, r,
			 "%s; %s was removed from the running container again: nothing was "
			 "changed",
			 err->message, what);
}

/*
 * A removal: the config first (read-only /etc/pve without quorum fails
 * here, changing nothing; undoing a removal from the container would mean
 * making it anew), then the container; the config back if that fails.
 */
static int remove_live(struct livechange *lc, const struct livechange_ops *ops, void *ctx,
		       const char *what, struct lxcri_error *err)
{
	struct lxcri_error restore = {};
	int r = ct_config_write(&lc->files, &lc->old, lc->edit.text, lc->edit.size, err);

	if (r < 0)
		return error_set(err, r, "%s; neither the container nor the config was changed",
				 err->message);
	r = ops->apply(ctx, lc, err);
	if (r >= 0)
		return 0;
	if (ct_config_write(&lc->files, &lc->old, lc->old.text, lc->old.size, &restore) < 0)
		return error_set(err, r,
				 "Failed to remove %s from the running container '%s': %s; "
				 "restoring '%s' failed too: %s",
				 what, lc->id, err->message, lc->files.config, restore.message);
	return error_set(err, r,
			 "Failed to remove %s from the running container '%s': %s; '%s' is as "
			 "it was, and what is left stays in the state (see 'lxcri status %s')",
			 what, lc->id, err->message, lc->files.config, lc->id);
}

int livechange_run(const struct lxcri_paths *p, const char *id, const struct livechange_ops *ops,
		   void *ctx, struct livechange_result *result, struct lxcri_error *err)
{
	_cleanup_(livechange_done) struct livechange lc = {
		.paths = p,
		.id = id,
		.lock = CT_LOCK_NONE,
	};
	char what[256];
	int r;

	*result = (struct livechange_result){ 0 };
	r = begin(&lc, result, err);
	if (r >= 0)
		r = edit_config(&lc, ops, ctx, result, err);
	if (r >= 0)
		r = ct_running_pid(p, id, &lc.pid, err);
	if (r < 0)
		return r;
	lc.now = &lc.edit;
	ops->describe(ctx, &lc, what, sizeof(what));
	if (lc.pid == 0 || !ops->apply) {
		r = ops->write
			? ops->write(ctx, &lc, err)
			: ct_config_write(&lc.files, &lc.old, lc.edit.text, lc.edit.size, err);
		if (r < 0)
			return r;
		log_info("%s: %s %s '%s' (%s)", ops->verb, what,
			 ops->removal ? "removed from" : "written to", lc.files.config,
			 lc.pid == 0 ? "not running" : "takes effect at its next start");
		result->running = lc.pid > 0;
		return 0;
	}
	r = edit_snapshot(&lc, ops, ctx, what, err);
	if (r < 0)
		return r;
	if (ops->removal)
		result->was_applied = ops->applied(ctx, &lc);
	r = ops->removal ? remove_live(&lc, ops, ctx, what, err)
			 : add_live(&lc, ops, ctx, what, err);
	if (r < 0)
		return r;
	if (lc.snap.text)
		ct_write_snapshot(&lc.files, &lc.snap);
	else if (!ops->removal)
		ct_write_snapshot(&lc.files, &lc.edit);
	log_info("%s: %s %s and %s '%s'", ops->verb, what,
		 !ops->removal	       ? "applied to the running container"
		 : result->was_applied ? "removed from the running container"
				       : "was not applied",
		 ops->removal ? "removed from" : "written to", lc.files.config);
	result->live = true;
	return 0;
}
