/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ctfiles.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "atomicfile.h"
#include "cleanup.h"
#include "log.h"
#include "pve.h"
#include "status.h"

int ct_files_init(const struct lxcri_paths *p, const char *id, struct ct_files *ret)
{
	int r = paths_container_config(p, id, ret->config, sizeof(ret->config));

	if (r == 0)
		r = paths_state_dir(p, id, ret->state_dir, sizeof(ret->state_dir));
	if (r == 0)
		r = path_join(ret->snapshot, sizeof(ret->snapshot), "%s/config", ret->state_dir);
	if (r == 0)
		r = paths_lock(p, id, ret->lock, sizeof(ret->lock));
	if (r == 0 && snprintf(ret->id, sizeof(ret->id), "%s", id) >= (int)sizeof(ret->id))
		r = -ENAMETOOLONG;
	ret->paths = p;
	ret->pve = container_id_is_vmid(id) && paths_pve_mode(p);
	return r;
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

void config_text_done(struct config_text *t)
{
	free(t->text);
	*t = (struct config_text){};
}

int config_text_read(const char *path, struct config_text *ret, struct lxcri_error *err)
{
	_cleanup_free_ char *copy = NULL;
	struct stat st;
	int r;

	*ret = (struct config_text){ .mode = 0640 };
	if (stat(path, &st) < 0) {
		if (errno != ENOENT)
			return error_set_errno(err, -errno, "Failed to read '%s'", path);
		copy = strdup(path);
		if (!copy)
			return error_set(err, -ENOMEM, "Out of memory");
		const char *dir = dirname(copy);
		if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
			return error_set(err, -ENOENT,
					 "Cannot create '%s': the directory '%s' does not exist "
					 "(create it first)",
					 path, dir);
		ret->text = strdup("");
		return ret->text ? 0 : error_set(err, -ENOMEM, "Out of memory");
	}
	r = config_read(path, &ret->text, &ret->size, err);
	if (r < 0)
		return r;
	ret->mode = st.st_mode & 07777;
	ret->exists = true;
	return 0;
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
	config_text_done(&lv->snapshot);
}

int ct_live_init(const struct lxcri_paths *p, const char *id, const struct ct_files *f,
		 struct ct_live *lv, struct lxcri_error *err)
{
	char settings_path[PATH_MAX];
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
	r = paths_settings(p, settings_path, sizeof(settings_path));
	if (r < 0)
		return error_set(err, r, "Path of the settings file is too long");
	settings_init(&lv->settings);
	r = settings_load(settings_path, &lv->settings, err);
	if (r < 0)
		return r;
	r = read_file(f->snapshot, CONFIG_MAX_SIZE, &lv->snapshot.text, &lv->snapshot.size);
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
