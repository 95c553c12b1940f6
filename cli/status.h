/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* `lxcri status`: per container, what is configured against what was applied. */

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "lib/basic/ctns.h"
#include "lib/basic/error.h"
#include "lib/basic/paths.h"
#include "lib/config/image.h"
#include "lib/shared/state.h"

struct cli;

/* A container as LXC sees it: `lxc-info -s -p -H`. */
struct ct_lxc {
	bool exists;	/* LXC knows the container (in paths->lxc_path) */
	char state[16]; /* "RUNNING", "STOPPED", "FROZEN", "STARTING", ...; "" if !exists */
	pid_t pid;	/* its init, > 0 when it runs (RUNNING, FROZEN, ...), else 0 */
};

struct ct_status {
	char id[65];
	char config_path[PATH_MAX];
	bool configured; /* the config file exists */
	bool valid;
	char config_error[1024];
	size_t n_keys;
	char image[CONFIG_IMAGE_MAX + 1]; /* the config's image key, "" if none */
	size_t n_profiles;	/* profile keys of a valid config: seccomp, apparmor, selinux */
	bool profiles_current;	/* each one in force and current (profiles_check_config()) */
	bool config_changed;	/* differs from the snapshot the running container started with */
	struct state *state;	/* NULL: nothing applied, no record */
	char state_error[1024]; /* the state file exists but cannot be read */

	/* Only for status_collect() with an id: */
	bool lxc_known; /* lxc is filled: lxc-info ran */
	struct ct_lxc lxc;
	char lxc_error[1024];	  /* why lxc-info could not tell */
	struct json_object *nets; /* netsetup_status() of a running container, else NULL */
	char nets_error[1024];	  /* why nets is NULL for a running container */
	struct json_object
	    *hook_runs; /* the last run of each OCI hook (lib/ocihooks/ocirun), or NULL */
	struct json_object *set_aside; /* paths of its states in <run_dir>/.stale/, or NULL */
};

/*
 * Every container that has a config or a state (sorted by id), or only id.
 * An id with neither gives one entry with configured=false and state NULL.
 * With an id, also what LXC says of it and, if it runs with a state of
 * ours, the state of its nets (the config's, or the snapshot's if the
 * config is invalid or gone): links, and the CNI CHECK of each CNI net.
 */
int status_collect(const struct lxcri_paths *p, const char *id, struct ct_status **ret,
		   size_t *ret_n);
void status_free(struct ct_status *s, size_t n);
struct json_object *status_to_json(const struct ct_status *s, size_t n);

/*
 * What runs of containers left under the run dir, for `lxcri check`: the
 * state dirs of containers that do not run (LXC says STOPPED or does not
 * know them), but for a refused start that applied nothing (kept on
 * purpose, for `lxcri status`), with the items they list; and the states
 * set aside in <run_dir>/.stale/ (what a start could not undo).
 */
struct stale_report {
	size_t states;	   /* state dirs of containers that do not run */
	size_t items;	   /* the items they list */
	size_t unreadable; /* of those, states that cannot be read */
	size_t set_aside;  /* files in <run_dir>/.stale */
	char first[768];   /* the first of the states, said: "CT 105: ..." */
	char stale_dir[PATH_MAX];
};
int status_stale(const struct lxcri_paths *p, struct stale_report *ret);

/*
 * Runs `lxc-info -P <lxc_path> -n <id> -s -p -H` (argv, no shell, with a
 * timeout). A container that LXC does not know gives exists=false and 0;
 * -errno with err set if lxc-info is missing, fails otherwise, or prints
 * what status_parse_lxc_info() refuses.
 */
int status_lxc_query(const struct lxcri_paths *p, const char *id, struct ct_lxc *ret,
		     struct lxcri_error *err);
/*
 * Parses what `lxc-info -s -p -H` prints: the state ("RUNNING") on the
 * first line, then the pid of init if the container runs. -EINVAL for
 * anything else (an empty output, a state that is not an upper-case word,
 * a pid that is not a number from 1 up, a running state without a pid).
 */
int status_parse_lxc_info(const char *out, struct ct_lxc *ret);
/* The container runs, with a pid whose namespaces can be entered: RUNNING or FROZEN. */
bool status_lxc_running(const struct ct_lxc *lxc);
/*
 * The namespaces of pid, the init LXC reported for a running container
 * (lib/basic/ctns.h), pinned by a pidfd. LXC is then asked again, so that they
 * are its init's and not those of a process that took the PID in between:
 * -ESRCH when the container stopped or restarted meanwhile.
 */
int status_lxc_namespaces(const struct lxcri_paths *p, const char *id, pid_t pid, struct ctns *ret,
			  struct lxcri_error *err);

/* lxcri status [<id>] */
int status_do_status(struct cli *cli);
