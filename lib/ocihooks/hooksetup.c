/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The OCI hooks feature of a managed container: see hooksetup.h. */
#include <json-c/json.h>

#include "lib/ocihooks/hooksetup.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/basic/cleanup.h"
#include "lib/shared/json.h"
#include "lib/basic/log.h"
#include "lib/basic/process.h"
#include "lib/basic/report.h"
#include "lib/ocihooks/ctjoin.h"
#include "lib/ocihooks/ocirun.h"
#include "lib/basic/strv.h"

#define KIND_POSTSTOP "hooks.poststop"

static struct json_object *strv_json(char *const *v)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; a && v && v[i]; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

/* The item's data: the poststop hooks as a runtime-spec "hooks" object, and what runs them needs.
 */
static struct json_object *poststop_data(const struct oci_hooks *h, const struct config *c,
					 char *const *annotations)
{
	struct json_object *data = json_object_new_object(), *hooks = json_object_new_object(),
			   *list = json_object_new_array();

	if (!data || !hooks || !list) {
		json_object_put(data);
		json_object_put(hooks);
		json_object_put(list);
		return NULL;
	}
	for (size_t i = 0; i < h->n[OCI_POSTSTOP]; i++) {
		const struct oci_hook *k = &h->by_stage[OCI_POSTSTOP][i];
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "path", json_object_new_string(k->path));
		if (k->args)
			json_object_object_add(o, "args", strv_json(k->args));
		if (k->env)
			json_object_object_add(o, "env", strv_json(k->env));
		if (k->timeout_s > 0)
			json_object_object_add(o, "timeout", json_object_new_int(k->timeout_s));
		json_object_array_add(list, o);
	}
	json_object_object_add(hooks, "poststop", list);
	json_object_object_add(data, "hooks", hooks);
	json_object_object_add(data, "bundle",
			       c->hooks.bundle ? json_object_new_string(c->hooks.bundle) : NULL);
	json_object_object_add(data, "user",
			       c->hooks.user ? json_object_new_string(c->hooks.user) : NULL);
	json_object_object_add(data, "hook_annotations", strv_json(annotations));
	return data;
}

/*
 * The poststart waiter: a process of its own (double fork, new session,
 * no fd of ours but /dev/null: the container's lock and LXC's pipes must
 * not wait for it) that runs the poststart hooks once the init has exec'd.
 */
static void spawn_poststart(const struct hooksetup *hs, const struct ocirun *r,
			    const struct oci_hooks *h)
{
	int detached = process_detach();

	if (detached != 0) {
		if (detached < 0)
			report_warning("poststart hooks: cannot fork: %s", strerror(-detached));
		return;
	}
	log_forget_socket(); /* its number may be another file's now */
	log_setup("lxcri-ocihooks", hs->id);
	int rc = ctjoin_wait_exec(hs->pid, hs->poststart_wait_ms ? hs->poststart_wait_ms : 60000);
	if (rc <= 0) {
		report_warning("poststart hooks not run: the container's init %s",
			       rc == 0 ? "did not exec in time" : "is gone");
		_exit(0);
	}
	struct lxcri_error err = {};
	(void)ocirun_stage(r, h, OCI_POSTSTART, &err);
	_exit(0);
}

int hooksetup_apply(const struct hooksetup *hs, const struct config *c, struct state *s,
		    struct lxcri_error *err)
{
	_cleanup_(ocihooks_done) struct oci_hooks h = { 0 };
	_cleanup_(strv_freep) char **annotations = NULL;
	size_t index;
	int r;

	r = ocirun_collect(c, hs->lxc_config, &h, &annotations, err);
	if (r < 0)
		return r;
	for (size_t i = 0; h.warnings && h.warnings[i]; i++)
		report_warning("hooks.d: %s (skipped)", h.warnings[i]);

	struct ocirun run = {
		.id = hs->id,
		.pid = hs->pid,
		.bundle = c->hooks.bundle,
		.user = c->hooks.user,
		.service = hs->service,
		.annotations = annotations,
		.state_dir = hs->state_dir,
	};
	if (h.n[OCI_POSTSTOP] > 0) {
		struct json_object *data = poststop_data(&h, c, annotations);

		if (!data)
			return error_oom(err);
		r = state_item_add(s, KIND_POSTSTOP, "start-host", data, &index);
		if (r < 0)
			return error_set_errno(err, r, "Failed to record '%s'", KIND_POSTSTOP);
		state_item_set_applied(s, index);
		r = state_save(hs->state_dir, s, err);
		if (r < 0)
			return r;
	}
	static const enum oci_stage now[] = { OCI_PRESTART, OCI_CREATE_RUNTIME,
					      OCI_CREATE_CONTAINER, OCI_START_CONTAINER };
	for (size_t i = 0; i < sizeof(now) / sizeof(now[0]); i++) {
		r = ocirun_stage(&run, &h, now[i], err);
		if (r < 0)
			return r;
	}
	if (h.n[OCI_POSTSTART] > 0)
		spawn_poststart(hs, &run, &h);
	return 0;
}

static int run_poststop(const struct hooksetup *hs, const struct state_item *item,
			struct lxcri_error *err)
{
	_cleanup_(ocihooks_done) struct oci_hooks h = { 0 };
	_cleanup_(strv_freep) char **annotations = NULL;
	struct json_object *v;
	const char *text;
	int r;

	text = json_object_to_json_string_ext(item->data, JSON_C_TO_STRING_PLAIN);
	r = ocihooks_parse_bundle("recorded poststop hooks", text, strlen(text), &h, NULL, err);
	if (r < 0)
		return r;
	if (json_object_object_get_ex(item->data, "hook_annotations", &v) &&
	    json_object_is_type(v, json_type_array))
		for (size_t i = 0, n = 0; i < json_object_array_length(v); i++) {
			struct json_object *a = json_object_array_get_idx(v, i);

			/* The state file is ours, but not beyond an edit: strings only. */
			if (json_object_is_type(a, json_type_string) &&
			    strv_append(&annotations, &n, strdup(json_object_get_string(a))) < 0)
				return error_oom(err);
		}
	struct ocirun run = {
		.id = hs->id,
		.state_dir = hs->state_dir,
		.service = hs->service,
		.annotations = annotations,
	};
	if (json_object_object_get_ex(item->data, "bundle", &v) &&
	    json_object_is_type(v, json_type_string))
		run.bundle = json_object_get_string(v);
	if (json_object_object_get_ex(item->data, "user", &v) &&
	    json_object_is_type(v, json_type_string))
		run.user = json_object_get_string(v);
	r = ocirun_stage(&run, &h, OCI_POSTSTOP, err);
	return r < 0 ? r : 0;
}

size_t hooksetup_teardown(const struct hooksetup *hs, struct state *s, struct lxcri_error *err)
{
	size_t left = 0;

	for (size_t i = s->n_items; i-- > 0;) {
		struct lxcri_error e = {};

		if (strcmp(s->items[i].kind, KIND_POSTSTOP) != 0) {
			left += strncmp(s->items[i].kind, "hooks.", 6) == 0;
			continue;
		}
		/* Run once: a poststop failure is a warning (ocirun), the item goes anyway. */
		if (run_poststop(hs, &s->items[i], &e) < 0)
			report_warning("poststop hooks: %s", e.message);
		state_item_remove(s, i);
		if (state_save(hs->state_dir, s, &e) < 0) {
			*err = e;
			return 1;
		}
	}
	return left;
}
