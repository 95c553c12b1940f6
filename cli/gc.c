/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli/gc.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/basic/cleanup.h"
#include "cli/ct.h"
#include "lib/basic/fileio.h"
#include "lib/lsm/profiles.h"
#include "lib/pve/pve.h"
#include "cli/cli.h"
#include "lib/basic/log.h"
#include "lib/shared/json.h"

#define HEX_WORD	64
#define TEXT_MAX	(16 * 1024 * 1024)
#define SUFFIX_CONF	".conf"
#define SUFFIX_PROFILE	".seccomp"
#define SUFFIX_OLD_COPY ".seccomp.json"
#define SUFFIX_COPY	".json"

void gc_list_done(struct gc_list *l)
{
	free(l->items);
	*l = (struct gc_list){};
}

static struct gc_item *list_add(struct gc_list *l)
{
	struct gc_item *items = reallocarray(l->items, l->n + 1, sizeof(*items));

	if (!items)
		return NULL;
	l->items = items;
	items[l->n] = (struct gc_item){};
	return &items[l->n++];
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

int gc_words_add(const char *text, size_t size, char (**words)[65], size_t *n_words)
{
	size_t i = 0;

	while (i < size) {
		size_t start = i;

		while (i < size && is_hex(text[i]))
			i++;
		if (i - start == HEX_WORD) {
			char(*grown)[65] = reallocarray(*words, *n_words + 1, sizeof(**words));

			if (!grown)
				return -ENOMEM;
			*words = grown;
			memcpy(grown[*n_words], text + start, HEX_WORD);
			grown[(*n_words)++][HEX_WORD] = '\0';
		}
		if (i == start)
			i++;
	}
	return 0;
}

static int compare_words(const void *a, const void *b)
{
	return strcmp(a, b);
}

void gc_words_sort(char (*words)[65], size_t *n_words)
{
	size_t n = 0;

	if (*n_words == 0)
		return;
	qsort(words, *n_words, sizeof(*words), compare_words);
	for (size_t i = 1; i < *n_words; i++)
		if (strcmp(words[n], words[i]) != 0)
			memmove(words[++n], words[i], sizeof(*words));
	*n_words = n + 1;
}

bool gc_words_has(char (*words)[65], size_t n_words, const char *word)
{
	return n_words > 0 && bsearch(word, words, n_words, sizeof(*words), compare_words);
}

struct finder {
	const struct lxcri_paths *p;
	bool pve;
	time_t min_age, now;
	char vmlist[PATH_MAX];
	struct gc_list *out;
	char (*words)[65]; /* digests a kept config names */
	size_t n_words;
	char (*copies)[65]; /* source digests a kept stored profile names */
	size_t n_copies;
	struct lxcri_error *err;
};

static void finder_done(struct finder *f)
{
	free(f->words);
	free(f->copies);
}

static int add_words_of(struct finder *f, const char *path, char (**words)[65], size_t *n)
{
	_cleanup_free_ char *text = NULL;
	size_t size = 0;
	int r = fileio_read_file(path, TEXT_MAX, &text, &size);

	if (r == -ENOENT)
		return 0; /* gone meanwhile: names nothing */
	if (r < 0)
		return error_set_errno(f->err, r, "Failed to read '%s'", path);
	if (gc_words_add(text, size, words, n) < 0)
		return error_set(f->err, -ENOMEM, "Out of memory");
	return 0;
}

/* 1 when the container id of a config dir is gone (why says how), 0 when not. */
static int container_gone(struct finder *f, bool vmid_dir, const char *id, char *why, size_t size)
{
	char path[PATH_MAX], node[64], type[16];
	struct lxcri_error e = {};
	int r;

	if (vmid_dir) {
		r = pve_vmid_owner(f->p->pve_dir, id, node, sizeof(node), type, sizeof(type), &e);
		if (r == -ENOENT) {
			snprintf(why, size, "vmid %s is not in %s", id, f->vmlist);
			return 1;
		}
		if (r < 0)
			return error_set(f->err, r, "%s", e.message);
		return 0;
	}
	if (paths_join(path, sizeof(path), "%s/%s/config", f->p->lxc_path, id) < 0)
		return error_set(f->err, -ENAMETOOLONG, "Path of container '%s' is too long", id);
	if (access(path, F_OK) == 0)
		return 0;
	if (errno != ENOENT)
		return error_set_errno(f->err, -errno, "Failed to look for '%s'", path);
	snprintf(why, size, "no container '%s' in %s", id, f->p->lxc_path);
	return 1;
}

/* The container id of a file name in a config dir and whether it is its config, or false. */
static bool config_dir_entry(const char *name, bool vmid_dir, char id[64], bool *is_config)
{
	static const char *const suffixes[] = { SUFFIX_CONF, SUFFIX_OLD_COPY, SUFFIX_PROFILE };
	size_t n = strlen(name);

	for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
		size_t s = strlen(suffixes[i]);

		if (n <= s || n - s >= 64 || strcmp(name + n - s, suffixes[i]) != 0)
			continue;
		memcpy(id, name, n - s);
		id[n - s] = '\0';
		*is_config = i == 0;
		return vmid_dir ? paths_id_is_vmid(id) : paths_id_valid(id);
	}
	return false;
}

/* The files of containers that are gone, in dir; the digests the kept configs name. */
static int scan_config_dir(struct finder *f, const char *dir, bool vmid_dir)
{
	_cleanup_(closedirp) DIR *d = opendir(dir);
	struct dirent *de;
	int r;

	if (!d)
		return errno == ENOENT
			   ? 0
			   : error_set_errno(f->err, -errno, "Failed to list '%s'", dir);
	while ((de = readdir(d))) {
		char id[64], why[GC_WHY_SIZE], path[PATH_MAX];
		bool is_config = false;
		struct gc_item *it;

		if (de->d_name[0] == '.' || !config_dir_entry(de->d_name, vmid_dir, id, &is_config))
			continue;
		/* A numeric name on a PVE node is a vmid: its config is never here. */
		if (!vmid_dir && f->pve && paths_id_is_vmid(id))
			continue;
		if (paths_join(path, sizeof(path), "%s/%s", dir, de->d_name) < 0)
			return error_set(f->err, -ENAMETOOLONG, "Path in '%s' is too long", dir);
		r = container_gone(f, vmid_dir, id, why, sizeof(why));
		if (r < 0)
			return r;
		if (r == 0) {
			if (is_config) {
				r = add_words_of(f, path, &f->words, &f->n_words);
				if (r < 0)
					return r;
			}
			continue;
		}
		it = list_add(f->out);
		if (!it)
			return error_set(f->err, -ENOMEM, "Out of memory");
		snprintf(it->path, sizeof(it->path), "%s", path);
		snprintf(it->id, sizeof(it->id), "%s", id);
		snprintf(it->why, sizeof(it->why), "%s", why);
	}
	return 0;
}

/*
 * The digests that container configs name: <root>/<entry>/<sub> (LXC's
 * <lxc_path>/<name>/config), or with sub "lxc" every <root>/<entry>/lxc/<vmid>.conf
 * (PVE's nodes/<node>/lxc/, snapshot sections included).
 */
static int scan_configs_under(struct finder *f, const char *root, const char *sub)
{
	_cleanup_(closedirp) DIR *d = opendir(root);
	struct dirent *de;
	int r;

	if (!d)
		return errno == ENOENT
			   ? 0
			   : error_set_errno(f->err, -errno, "Failed to list '%s'", root);
	while ((de = readdir(d))) {
		char path[PATH_MAX];

		if (de->d_name[0] == '.')
			continue;
		if (paths_join(path, sizeof(path), "%s/%s/%s", root, de->d_name, sub) < 0)
			return error_set(f->err, -ENAMETOOLONG, "Path in '%s' is too long", root);
		if (strcmp(sub, "lxc") != 0) {
			r = add_words_of(f, path, &f->words, &f->n_words);
			if (r < 0 && r != -EINVAL && r != -EISDIR)
				return r;
			continue;
		}
		/* nodes/<node>/lxc/<vmid>.conf */
		_cleanup_(closedirp) DIR *lxc = opendir(path);
		struct dirent *ce;

		while (lxc && (ce = readdir(lxc))) {
			char conf[PATH_MAX];
			size_t n = strlen(ce->d_name);

			if (ce->d_name[0] == '.' || n <= 5 || strcmp(ce->d_name + n - 5, ".conf"))
				continue;
			if (paths_join(conf, sizeof(conf), "%s/%s", path, ce->d_name) < 0)
				return error_set(f->err, -ENAMETOOLONG, "Path in '%s' is too long",
						 path);
			r = add_words_of(f, conf, &f->words, &f->n_words);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* The digest a store file's name is, and whether it is a profile (else a copy), or false. */
static bool store_entry(const char *name, char digest[65], bool *profile)
{
	size_t n = strlen(name);

	if (n == HEX_WORD + strlen(SUFFIX_PROFILE) && strcmp(name + HEX_WORD, SUFFIX_PROFILE) == 0)
		*profile = true;
	else if (n == HEX_WORD + strlen(SUFFIX_COPY) && strcmp(name + HEX_WORD, SUFFIX_COPY) == 0)
		*profile = false;
	else
		return false;
	memcpy(digest, name, HEX_WORD);
	digest[HEX_WORD] = '\0';
	return strspn(digest, "0123456789abcdef") == HEX_WORD;
}

/* Whether the file was written less than min_age ago: a set elsewhere may be naming it now. */
static bool too_young(const struct finder *f, const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && st.st_mtime > f->now - f->min_age;
}

/* profiles (pass 1: their copies count as named) or copies (pass 2) of the store. */
static int scan_store(struct finder *f, const char *store, bool profiles)
{
	_cleanup_(closedirp) DIR *d = opendir(store);
	struct dirent *de;
	int r;

	if (!d)
		return errno == ENOENT
			   ? 0
			   : error_set_errno(f->err, -errno, "Failed to list '%s'", store);
	while ((de = readdir(d))) {
		char digest[65], path[PATH_MAX];
		bool profile = false, named;
		struct gc_item *it;

		if (!store_entry(de->d_name, digest, &profile) || profile != profiles)
			continue;
		if (paths_join(path, sizeof(path), "%s/%s", store, de->d_name) < 0)
			return error_set(f->err, -ENAMETOOLONG, "Path in '%s' is too long", store);
		named = profiles ? gc_words_has(f->words, f->n_words, digest)
				 : gc_words_has(f->copies, f->n_copies, digest);
		if (named || too_young(f, path)) {
			if (profiles) {
				r = add_words_of(f, path, &f->copies, &f->n_copies);
				if (r < 0)
					return r;
			}
			if (named)
				continue;
		}
		it = list_add(f->out);
		if (!it)
			return error_set(f->err, -ENOMEM, "Out of memory");
		snprintf(it->path, sizeof(it->path), "%s", path);
		it->keep = !named && too_young(f, path);
		if (it->keep)
			snprintf(it->why, sizeof(it->why),
				 "no config uses it, but it was written less than %lld minutes ago",
				 (long long)(f->min_age + 59) / 60);
		else
			snprintf(it->why, sizeof(it->why), "%s",
				 profiles ? "no config uses it"
					  : "no stored profile was made from it");
	}
	if (profiles)
		gc_words_sort(f->copies, &f->n_copies);
	return 0;
}

int gc_find(const struct lxcri_paths *p, time_t min_age, struct gc_list *ret,
	    struct lxcri_error *err)
{
	_cleanup_(finder_done) struct finder f = { .p = p,
						   .pve = paths_pve_mode(p),
						   .min_age = min_age,
						   .now = time(NULL),
						   .out = ret,
						   .err = err };
	char dirs[2][PATH_MAX], store[PATH_MAX], nodes[PATH_MAX];
	size_t n_dirs = 0;
	int r;

	*ret = (struct gc_list){};
	if (f.pve) {
		if (paths_join(f.vmlist, sizeof(f.vmlist), "%s/.vmlist", p->pve_dir) < 0 ||
		    paths_container_config_dir(p, true, dirs[n_dirs++], PATH_MAX) < 0)
			return error_set(err, -ENAMETOOLONG, "Paths under '%s' are too long",
					 p->pve_dir);
		/* Without it every vmid would look gone. */
		if (access(f.vmlist, R_OK) < 0)
			return error_set_errno(err, -errno, "Failed to read '%s'", f.vmlist);
	}
	if (paths_container_config_dir(p, false, dirs[n_dirs++], PATH_MAX) < 0)
		return error_set(err, -ENAMETOOLONG, "Paths under '%s' are too long", p->etc_dir);

	for (size_t i = 0; i < n_dirs; i++) {
		r = scan_config_dir(&f, dirs[i], f.pve && i == 0);
		if (r < 0)
			return r;
	}
	r = scan_configs_under(&f, p->lxc_path, "config");
	if (r >= 0 && f.pve) {
		if (paths_join(nodes, sizeof(nodes), "%s/nodes", p->pve_dir) < 0)
			return error_set(err, -ENAMETOOLONG, "Paths under '%s' are too long",
					 p->pve_dir);
		r = scan_configs_under(&f, nodes, "lxc");
	}
	if (r < 0)
		return r;
	gc_words_sort(f.words, &f.n_words);
	for (size_t i = 0; i < n_dirs; i++) {
		if (paths_join(store, sizeof(store), "%s/seccomp", dirs[i]) < 0)
			return error_set(err, -ENAMETOOLONG, "Path of '%s' is too long", dirs[i]);
		r = scan_store(&f, store, true);
		if (r >= 0)
			r = scan_store(&f, store, false);
		if (r < 0)
			return r;
	}
	return 0;
}

static int item_copy(struct gc_list *l, const struct gc_item *it, bool removed,
		     struct lxcri_error *err)
{
	struct gc_item *to = list_add(l);

	if (!to)
		return error_oom(err);
	*to = *it;
	to->removed = removed;
	return 0;
}

static int remove_file(const char *path, struct lxcri_error *err)
{
	if (unlink(path) < 0 && errno != ENOENT)
		return error_set_errno(err, -errno, "Failed to remove '%s'", path);
	return 0;
}

/* The files of the container of found->items[i], under its lock, if it is still gone. */
static int apply_container(const struct lxcri_paths *p, const struct gc_list *found, size_t i,
			   struct gc_list *ret, struct lxcri_error *err)
{
	_cleanup_ct_lock_ struct ct_lock lock = CT_LOCK_NONE;
	_cleanup_(gc_list_done) struct gc_list again = {};
	const char *id = found->items[i].id;
	struct ct_files f;
	int r;

	if (ct_files_init(p, id, &f) < 0)
		return error_set(err, -ENAMETOOLONG, "Paths of container '%s' are too long", id);
	r = ct_files_lock(&f, 0, &lock, err);
	if (r < 0)
		return r;
	/* A pct create or lxc-create may have come in between. */
	r = gc_find(p, GC_MIN_AGE_S, &again, err);
	if (r < 0)
		return r;
	for (size_t j = 0; j < again.n; j++) {
		if (strcmp(again.items[j].id, id) != 0)
			continue;
		r = remove_file(again.items[j].path, err);
		if (r >= 0)
			r = item_copy(ret, &again.items[j], true, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int gc_apply(const struct lxcri_paths *p, time_t min_age, struct gc_list *ret,
	     struct lxcri_error *err)
{
	_cleanup_(gc_list_done) struct gc_list found = {}, store = {};
	_cleanup_close_ int store_lock = -1;
	int r;

	*ret = (struct gc_list){};
	if (paths_pve_mode(p)) {
		r = pve_quorate(p->pve_dir);
		if (r < 0)
			return error_set_errno(err, r,
					       "Failed to tell whether the node has quorum");
		if (r == 0)
			return error_set(err, -EACCES, PVE_NO_QUORUM);
	}
	r = gc_find(p, min_age, &found, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < found.n; i++) {
		bool done = false;

		if (!found.items[i].id[0])
			continue;
		for (size_t j = 0; j < i && !done; j++)
			done = strcmp(found.items[j].id, found.items[i].id) == 0;
		if (done)
			continue;
		r = apply_container(p, &found, i, ret, err);
		if (r < 0)
			return r;
	}

	store_lock = profiles_store_lock(p, err);
	if (store_lock < 0)
		return store_lock;
	r = gc_find(p, min_age, &store, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < store.n; i++) {
		struct gc_item *it = &store.items[i];

		if (it->id[0])
			continue; /* a container that came back, or one that could not be locked */
		if (!it->keep) {
			r = remove_file(it->path, err);
			if (r < 0)
				return r;
		}
		r = item_copy(ret, it, !it->keep, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* lxcri gc [--apply]: one line per file, with the reason. */
int gc_do_gc(struct cli *cli)
{
	_cleanup_(gc_list_done) struct gc_list l = {};
	_cleanup_json_ struct json_object *a = NULL;
	struct lxcri_error err = {};
	int r;

	if (cli->argc > 0)
		return cli_usage_error("'gc' takes no argument, got '%s'", cli->argv[0]);
	if (cli->apply) {
		log_setup("lxcri", NULL);
		log_set_stderr(false);
	}
	r = cli->apply ? gc_apply(&cli->paths, GC_MIN_AGE_S, &l, &err)
		       : gc_find(&cli->paths, GC_MIN_AGE_S, &l, &err);
	a = json_object_new_array();
	for (size_t i = 0; i < l.n; i++) {
		const struct gc_item *it = &l.items[i];
		const char *what = it->keep ? "keep" : it->removed ? "removed" : "would remove";

		/* The container's id in the line, as in every log line of a container. */
		if (it->removed) {
			log_set_container(it->id[0] ? it->id : NULL);
			log_info("removed %s: %s", it->path, it->why);
		}
		if (cli->format == OUTPUT_TEXT) {
			printf("%s %s: %s\n", what, it->path, it->why);
			continue;
		}
		struct json_object *o = json_object_new_object();
		json_add_string(o, "path", it->path);
		json_add_string(o, "container", it->id[0] ? it->id : NULL);
		json_add_string(o, "action",
				it->keep      ? "keep"
				: it->removed ? "removed"
					      : "remove");
		json_add_string(o, "reason", it->why);
		json_object_array_add(a, o);
	}
	if (cli->format != OUTPUT_TEXT)
		cli_print_json(cli, a);
	if (r < 0)
		return cli_report_failure(EXIT_FAILED, "%s", err.message);
	return EXIT_OK;
}
