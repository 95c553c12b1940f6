/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli/ct.h"

#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/basic/atomicwrite.h"
#include "lib/basic/lockfile.h"
#include "lib/basic/cleanup.h"
#include "lib/basic/fileio.h"
#include "lib/basic/log.h"
#include "lib/basic/lxcconf.h"
#include "lib/pve/pve.h"
#include "lib/pve/pveguard.h"
#include "cli/status.h"

int ct_files_init(const struct lxcri_paths *p, const char *id, struct ct_files *ret)
{
	int r = paths_container_config(p, id, ret->config, sizeof(ret->config));

	if (r == 0)
		r = paths_state_dir(p, id, ret->state_dir, sizeof(ret->state_dir));
	if (r == 0)
		r = paths_join(ret->snapshot, sizeof(ret->snapshot), "%s/config", ret->state_dir);
	if (r == 0)
		r = paths_lock(p, id, ret->lock, sizeof(ret->lock));
	if (r == 0 && snprintf(ret->id, sizeof(ret->id), "%s", id) >= (int)sizeof(ret->id))
		r = -ENAMETOOLONG;
	ret->paths = p;
	ret->pve = paths_id_is_vmid(id) && paths_pve_mode(p);
	return r;
}

int ct_files_open(const struct lxcri_paths *p, const char *id, struct ct_files *ret,
		  struct lxcri_error *err)
{
	if (!paths_id_valid(id))
		return error_set(err, -EINVAL, "Invalid container id '%s'", id);
	if (ct_files_init(p, id, ret) < 0)
		return error_set(err, -ENAMETOOLONG, "Paths of container '%s' are too long", id);
	return 0;
}

int ct_files_lock(const struct ct_files *f, unsigned flags, struct ct_lock *ret,
		  struct lxcri_error *err)
{
	_cleanup_close_ int pve_fd = -1;
	int fd;

	if (f->pve && (flags & CT_LOCK_PVE_CONFIG)) {
		pve_fd = pve_config_lock(f->paths, f->id, PVE_CONFIG_LOCK_TIMEOUT_MS, err);
		if (pve_fd < 0)
			return pve_fd;
	}
	/* Serialises with the container's hooks: a start or stop waits for us, and we for it. */
	fd = lock_file(f->lock, 30000, err);
	if (fd < 0)
		return fd;
	ret->fd = fd;
	ret->pve_fd = TAKE_FD(pve_fd);
	snprintf(ret->path, sizeof(ret->path), "%s", f->lock);
	snprintf(ret->state_dir, sizeof(ret->state_dir), "%s", f->state_dir);
	if (f->pve) {
		int r = pve_change_check(f->paths, f->id, err);

		if (r < 0) {
			ct_lock_release(ret);
			return r;
		}
	}
	return 0;
}

void ct_lock_release(struct ct_lock *lock)
{
	lock_file_release(lock->fd, lock->path, lock->state_dir);
	lock->fd = -1;
	closep(&lock->pve_fd);
}

void ct_text_done(struct ct_text *t)
{
	free(t->text);
	*t = (struct ct_text){};
}

int ct_text_read(const char *path, struct ct_text *ret, struct lxcri_error *err)
{
	_cleanup_free_ char *copy = NULL;
	struct stat st;
	int r;

	*ret = (struct ct_text){ .mode = 0640 };
	if (stat(path, &st) < 0) {
		if (errno != ENOENT)
			return error_set_errno(err, -errno, "Failed to read '%s'", path);
		copy = strdup(path);
		if (!copy)
			return error_oom(err);
		const char *dir = dirname(copy);
		if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
			return error_set(err, -ENOENT,
					 "Cannot create '%s': the directory '%s' does not exist "
					 "(create it first)",
					 path, dir);
		ret->text = strdup("");
		return ret->text ? 0 : error_oom(err);
	}
	r = config_read(path, &ret->text, &ret->size, err);
	if (r < 0)
		return r;
	ret->mode = st.st_mode & 07777;
	ret->exists = true;
	return 0;
}

static int guard_edit(const struct ct_files *f, const char *text, size_t size, bool managed,
		      char **ret_text, size_t *ret_size, struct lxcri_error *err)
{
	int r = pveguard_edit(f->paths, f->id, text, size, managed, ret_text, ret_size);

	if (r < 0)
		return error_set_errno(err, r, "Failed to %s lxcri's guard of CT %s",
				       managed ? "add" : "remove", f->id);
	return r;
}

int ct_guard_apply(const struct ct_files *f, char **pve_text, size_t *pve_size, bool managed,
		   struct lxcri_error *err)
{
	char *edited = NULL;
	size_t size = 0;
	int r;

	if (!f->pve)
		return 0;
	r = guard_edit(f, *pve_text, *pve_size, managed, &edited, &size, err);
	if (r > 0) {
		free(*pve_text);
		*pve_text = edited;
		*pve_size = size;
	}
	return r;
}

static bool blank(const char *text, size_t size)
{
	for (size_t i = 0; i < size; i++)
		if (!isspace((unsigned char)text[i]))
			return false;
	return true;
}

/* Writes text to path, or removes path if text is NULL. */
static int write_or_remove(const char *path, const char *text, size_t size, mode_t mode,
			   struct lxcri_error *err)
{
	if (text)
		return atomic_write_file(path, text, size, mode, CONFIG_MAX_SIZE, err);
	if (unlink(path) < 0 && errno != ENOENT)
		return error_set_errno(err, -errno, "Failed to remove '%s'", path);
	return 0;
}

int ct_config_write(const struct ct_files *f, const struct ct_text *old, const char *text,
		    size_t size, struct lxcri_error *err)
{
	_cleanup_(ct_text_done) struct ct_text pve = {};
	_cleanup_free_ char *edited = NULL;
	struct lxcri_error undo = {};
	enum lxcconf_format format;
	char pve_path[PATH_MAX];
	bool managed = !blank(text, size);
	size_t edited_size = 0;
	int r;

	if (!managed)
		text = NULL;
	if (!f->pve)
		return write_or_remove(f->config, text, size, old->mode, err);
	if (lxcconf_path(f->paths, f->id, pve_path, sizeof(pve_path), &format) < 0)
		return error_set(err, -ENAMETOOLONG, "Path of CT %s's PVE config is too long",
				 f->id);
	r = ct_text_read(pve_path, &pve, err);
	if (r < 0 && r != -ENOENT)
		return r;
	if (r >= 0 && pve.exists) {
		r = guard_edit(f, pve.text, pve.size, managed, &edited, &edited_size, err);
		if (r < 0)
			return r;
	}
	if (managed) {
		/* The guard first: a config never exists without it. */
		if (edited) {
			r = atomic_write_file(pve_path, edited, edited_size, pve.mode,
					      CONFIG_MAX_SIZE, err);
			if (r < 0)
				return r;
		}
		r = write_or_remove(f->config, text, size, old->mode, err);
		if (r < 0 && edited &&
		    atomic_write_file(pve_path, pve.text, pve.size, pve.mode, CONFIG_MAX_SIZE,
				      &undo) < 0)
			return error_set(err, r,
					 "%s; taking lxcri's guard out of '%s' again failed "
					 "too: %s",
					 err->message, pve_path, undo.message);
		return r;
	}
	/* The config first, then its guard: a crash in between leaves a guard that refuses. */
	r = write_or_remove(f->config, NULL, 0, old->mode, err);
	if (r < 0 || !edited)
		return r;
	r = atomic_write_file(pve_path, edited, edited_size, pve.mode, CONFIG_MAX_SIZE, err);
	if (r < 0 && old->exists &&
	    atomic_write_file(f->config, old->text, old->size, old->mode, CONFIG_MAX_SIZE, &undo) <
		0)
		return error_set(err, r, "%s; putting '%s' back failed too: %s", err->message,
				 f->config, undo.message);
	return r;
}

int ct_running_pid(const struct lxcri_paths *p, const char *id, pid_t *ret, struct lxcri_error *err)
{
	struct ct_lxc lxc;
	int r = status_lxc_query(p, id, &lxc, err);

	if (r < 0)
		return r;
	if (status_lxc_running(&lxc)) {
		*ret = lxc.pid;
		return 0;
	}
	if (!lxc.exists || strcmp(lxc.state, "STOPPED") == 0) {
		*ret = 0;
		return 0;
	}
	return error_set(err, -EBUSY,
			 "Container '%s' is %s: try again once it is running or stopped", id,
			 lxc.state);
}

void ct_live_done(struct ct_live *lv)
{
	state_free(lv->state);
	lv->state = NULL;
	ct_text_done(&lv->snapshot);
}

int ct_live_init(const struct lxcri_paths *p, const char *id, const struct ct_files *f,
		 struct ct_live *lv, struct lxcri_error *err)
{
	int r;

	r = state_load(f->state_dir, &lv->state, err);
	if (r == -ENOENT)
		return error_set(err, -ESRCH,
				 "Container '%s' is running without lxcri state; restart it to "
				 "apply",
				 id);
	if (r < 0)
		return r;
	if (strcmp(lv->state->phase, "running") != 0)
		return error_set(err, -EBUSY,
				 "Container '%s' is running, but its lxcri state is in phase '%s' "
				 "(see 'lxcri status %s'); restart it to apply",
				 id, lv->state->phase, id);
	r = settings_load_host(p, &lv->settings, err);
	if (r < 0)
		return r;
	r = fileio_read_file(f->snapshot, CONFIG_MAX_SIZE, &lv->snapshot.text, &lv->snapshot.size);
	if (r < 0 && r != -ENOENT)
		return error_set_errno(err, r, "Failed to read '%s'", f->snapshot);
	lv->snapshot.exists = r >= 0;
	return 0;
}

void ct_write_snapshot(const struct ct_files *f, const struct configedit_result *snapshot)
{
	struct lxcri_error err = {};

	if (atomic_write_volatile(f->snapshot, snapshot->text, snapshot->size, 0600, 0, &err) < 0) {
		log_warning("%s", err.message);
		fprintf(stderr, "lxcri: warning: %s ('lxcri status' may say the config changed)\n",
			err.message);
	}
}
