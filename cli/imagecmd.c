/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `lxcri image ...`: pull, list, inspect, rm, prune, login, logout. See lxcri(1). */
#include "cli/imagecmd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli/progress.h"
#include "cli/status.h"
#include "lib/basic/cleanup.h"
#include "lib/basic/fileio.h"
#include "lib/basic/log.h"
#include "lib/basic/strv.h"
#include "lib/config/config.h"
#include "lib/image/authfile.h"
#include "lib/image/checkrecord.h"
#include "lib/image/imageconfig.h"
#include "lib/image/import.h"
#include "lib/image/manifest.h"
#include "lib/image/imagect.h"
#include "lib/image/pull.h"
#include "lib/image/store.h"
#include "lib/shared/json.h"

#define PASSWORD_MAX 4096

void imagecmd_registry_options_free(struct registry_options *o)
{
	strv_free((char **)o->insecure);
	strv_free((char **)o->auth_files);
	*o = (struct registry_options){ 0 };
}

int imagecmd_registry_options(const struct lxcri_paths *p, const struct settings *s,
			      struct registry_options *ret, struct lxcri_error *err)
{
	_cleanup_strv_ char **insecure = NULL, **files = NULL;
	_cleanup_free_ char *list = strdup(s->registry_insecure);
	char path[PATH_MAX], *save = NULL;
	const char *env = getenv("REGISTRY_AUTH_FILE");

	if (!list)
		return error_oom(err);
	for (char *t = strtok_r(list, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
		if (strv_append(&insecure, NULL, strdup(t)) < 0)
			return error_oom(err);
	if (snprintf(path, sizeof(path), "%s/%s", p->etc_dir, "auth.json") >= (int)sizeof(path))
		return error_set(err, -ENAMETOOLONG,
				 "Failed to find the auth file: '%s' is too long", p->etc_dir);
	if (strv_append(&files, NULL, strdup(path)) < 0 ||
	    (env && env[0] && strcmp(env, path) != 0 && strv_append(&files, NULL, strdup(env)) < 0))
		return error_oom(err);
	*ret = (struct registry_options){
		.insecure = TAKE_PTR(insecure),
		.certs_dir = s->registry_certs_dir,
		.auth_files = TAKE_PTR(files),
	};
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_layers(void *userdata, char *const *digests, const uint64_t *sizes,
		      const bool *cached, size_t n)
{
	(void)cached;
	(void)progress_begin(userdata, digests, sizes, n);
}

static void on_progress(void *userdata, size_t i, uint64_t done)
{
	progress_update(userdata, i, done, now_ms());
}

static void on_done(void *userdata, size_t i, bool cached)
{
	progress_finish(userdata, i, cached, now_ms());
}

/* The host's settings, the defaults (with a warning) if they cannot be read. */
static void load_settings(const struct cli *cli, struct settings *s)
{
	struct lxcri_error err = { 0 };

	if (settings_load_host(&cli->paths, s, &err) < 0) {
		fprintf(stderr, "lxcri: warning: %s (using the defaults)\n", err.message);
		settings_init(s);
	}
}

static int open_store(const struct cli *cli, unsigned flags, struct store **ret)
{
	struct lxcri_error err = { 0 };

	if (store_open(cli->paths.images_dir, flags, ret, &err) < 0) {
		fprintf(stderr, "lxcri: %s\n", err.message);
		return EXIT_FAILED;
	}
	return EXIT_OK;
}

/* A reference as the user typed it, to the store's name of it. */
static int parse_ref(const char *s, struct image_ref *ref, char *name, size_t size)
{
	struct lxcri_error err = { 0 };

	if (image_ref_parse(s, ref, &err) < 0) {
		fprintf(stderr, "lxcri: %s\n", err.message);
		return EXIT_INVALID;
	}
	if (pull_store_name(ref, name, size) < 0) {
		fprintf(stderr, "lxcri: the image reference '%s' is too long\n", s);
		return EXIT_INVALID;
	}
	return EXIT_OK;
}

/*
 * What pull and import do first: --platform checked, the log set up, the
 * store opened (made if missing).
 */
static int begin_store_change(const struct cli *cli, struct platform *platform, struct store **ret)
{
	struct lxcri_error err = { 0 };

	if (cli->platform && platform_parse(cli->platform, platform, &err) < 0) {
		fprintf(stderr, "lxcri: %s\n", err.message);
		return EXIT_INVALID;
	}
	log_setup("lxcri", NULL);
	log_set_stderr(false);
	return open_store(cli, STORE_CREATE, ret);
}

static struct json_object *platform_json(const struct platform *p)
{
	char buf[128];

	platform_format(p, buf, sizeof(buf));
	return json_object_new_string(buf);
}

int imagecmd_pull(const struct cli *cli, struct store *s, const struct image_ref *ref,
		  const struct pull_events *events, struct pull_result *ret,
		  struct lxcri_error *err)
{
	struct registry_options ro = { 0 };
	struct settings settings;
	struct platform platform;
	int r;

	if (cli->platform && (r = platform_parse(cli->platform, &platform, err)) < 0)
		return r;
	load_settings(cli, &settings);
	r = imagecmd_registry_options(&cli->paths, &settings, &ro, err);
	if (r < 0)
		return r;
	r = registry_global_init(err);
	if (r >= 0) {
		struct pull_options o = {
			.registry = &ro,
			.platform = cli->platform ? &platform : NULL,
			.jobs = settings.image_pull_jobs,
			.events = events,
		};

		r = pull_image(s, ref, &o, ret, err);
		registry_global_cleanup();
	}
	imagecmd_registry_options_free(&ro);
	return r;
}

int imagecmd_do_pull(struct cli *cli)
{
	_cleanup_store_ struct store *s = NULL;
	struct lxcri_error err = { 0 };
	struct pull_result res;
	struct platform platform;
	struct progress progress;
	struct image_ref ref;
	char name[STORE_REF_NAME_MAX + 1], size[32];
	int r;

	if (cli->argc != 1)
		return cli_usage_error("%s", "usage: lxcri image pull <reference> [--platform P]");
	r = parse_ref(cli->argv[0], &ref, name, sizeof(name));
	if (r != EXIT_OK)
		return r;
	r = begin_store_change(cli, &platform, &s);
	if (r != EXIT_OK)
		return r;
	if (cli->format != OUTPUT_TEXT)
		progress_init(&progress, stdout, PROGRESS_JSON);
	else
		progress_init(&progress, stderr,
			      isatty(STDERR_FILENO) ? PROGRESS_TERMINAL : PROGRESS_LINES);
	struct pull_events events = {
		.layers = on_layers,
		.progress = on_progress,
		.done = on_done,
		.userdata = &progress,
	};
	r = imagecmd_pull(cli, s, &ref, &events, &res, &err);
	progress_done(&progress);
	if (r < 0)
		return cli_report_failure(EXIT_FAILED, "%s", err.message);
	log_info("pulled %s (%s), %zu of %zu layers fetched", res.name, res.digest,
		 res.layers_fetched, res.layers);

	if (cli->format == OUTPUT_TEXT) {
		progress_format_size(res.bytes_fetched, size, sizeof(size));
		printf("Pulled %s\nDigest: %s\n", res.name, res.digest);
		printf("%zu layers, %zu fetched (%s)\n", res.layers, res.layers_fetched, size);
		return EXIT_OK;
	}
	_cleanup_json_ struct json_object *j = json_object_new_object();
	if (!j || json_add_string(j, "event", "pulled") < 0 ||
	    json_add_string(j, "name", res.name) < 0 ||
	    json_add_string(j, "digest", res.digest) < 0 ||
	    json_add_string(j, "manifest", res.manifest_digest) < 0 ||
	    json_add_string(j, "config", res.config_digest) < 0 ||
	    json_add(j, "platform", platform_json(&res.platform)) < 0 ||
	    json_add(j, "layers", json_object_new_int64((int64_t)res.layers)) < 0 ||
	    json_add(j, "layers_fetched", json_object_new_int64((int64_t)res.layers_fetched)) < 0 ||
	    json_add(j, "size", json_object_new_int64((int64_t)res.size)) < 0 ||
	    json_add(j, "bytes_fetched", json_object_new_int64((int64_t)res.bytes_fetched)) < 0)
		return cli_report_failure(EXIT_FAILED, "%s", "out of memory");
	/* One event per line, as the progress events before it. */
	puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN |
						   JSON_C_TO_STRING_NOSLASHESCAPE));
	return EXIT_OK;
}

/* An image of the store, as list and inspect show it. */
struct image_info {
	struct store_descriptor tag;
	struct manifest *manifest;
	struct imageconfig *config;
	char config_digest[DIGEST_SIZE];
	uint64_t size;
};

static void image_info_done(struct image_info *i)
{
	manifest_free(i->manifest);
	imageconfig_free(i->config);
	*i = (struct image_info){ 0 };
}

static int image_info_load(struct store *s, const char *name, bool with_config,
			   struct image_info *ret, struct lxcri_error *err)
{
	_cleanup_free_ char *body = NULL;
	size_t size;
	int r;

	*ret = (struct image_info){ 0 };
	r = store_resolve(s, name, &ret->tag, err);
	if (r < 0)
		return r;
	r = store_read_blob(s, ret->tag.digest, MANIFEST_MAX_SIZE, &body, &size, err);
	if (r < 0)
		return r;
	r = manifest_parse(ret->tag.media_type, body, size, &ret->manifest, err);
	if (r < 0)
		return r;
	if (ret->manifest->kind != MANIFEST_IMAGE) {
		image_info_done(ret);
		return error_set(err, -ENOTSUP, "'%s' in the store is an index, not an image",
				 name);
	}
	for (size_t i = 0; i < ret->manifest->n_layers; i++)
		ret->size += ret->manifest->layers[i].size;
	memcpy(ret->config_digest, ret->manifest->config.digest, DIGEST_SIZE);
	if (!with_config)
		return 0;
	free(body);
	body = NULL;
	r = store_read_blob(s, ret->config_digest, PULL_CONFIG_MAX, &body, &size, err);
	if (r >= 0)
		r = imageconfig_parse(body, size, &ret->config, err);
	if (r < 0)
		image_info_done(ret);
	return r;
}

/* What the registry names the image: the index's digest, or the manifest's. */
static const char *image_digest(const struct store_descriptor *d)
{
	return d->index_digest[0] ? d->index_digest : d->digest;
}

int imagecmd_do_list(struct cli *cli)
{
	_cleanup_store_ struct store *s = NULL;
	_cleanup_json_ struct json_object *arr = json_object_new_array();
	struct store_entry *entries = NULL;
	struct lxcri_error err = { 0 };
	size_t n = 0;
	int r;

	if (cli->argc != 0)
		return cli_usage_error("'image list' takes no argument, got '%s'", cli->argv[0]);
	r = store_open(cli->paths.images_dir, 0, &s, &err);
	if (r == -ENOENT) {
		if (cli->format != OUTPUT_TEXT)
			cli_print_json(cli, arr);
		else
			printf("No images in '%s'.\n", cli->paths.images_dir);
		return EXIT_OK;
	}
	if (r < 0 || store_list(s, &entries, &n, &err) < 0) {
		fprintf(stderr, "lxcri: %s\n", err.message);
		return EXIT_FAILED;
	}
	if (cli->format == OUTPUT_TEXT && n > 0)
		printf("%-50s %-19s %10s\n", "NAME", "DIGEST", "SIZE");
	for (size_t i = 0; i < n; i++) {
		struct image_info info;
		char size[32];

		if (!entries[i].name[0])
			continue; /* another tool's untagged entry */
		if (image_info_load(s, entries[i].name, false, &info, &err) < 0) {
			fprintf(stderr, "lxcri: warning: %s\n", err.message);
			continue;
		}
		progress_format_size(info.size, size, sizeof(size));
		if (cli->format == OUTPUT_TEXT) {
			printf("%-50s %-19.19s %10s\n", entries[i].name, image_digest(&info.tag),
			       size);
		} else {
			struct json_object *o = json_object_new_object();

			json_add_string(o, "name", entries[i].name);
			json_add_string(o, "digest", image_digest(&info.tag));
			json_add_string(o, "manifest", info.tag.digest);
			json_add(o, "size", json_object_new_int64((int64_t)info.size));
			json_object_array_add(arr, o);
		}
		image_info_done(&info);
	}
	store_entries_free(entries, n);
	if (cli->format != OUTPUT_TEXT)
		cli_print_json(cli, arr);
	else if (n == 0)
		printf("No images in '%s'.\n", cli->paths.images_dir);
	return EXIT_OK;
}

static struct json_object *strv_json(char *const *v)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; v && v[i]; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

static void print_strv(const char *label, char *const *v)
{
	printf("%-13s", label);
	if (!v || !v[0])
		printf(" -");
	for (size_t i = 0; v && v[i]; i++)
		printf(" %s", v[i]);
	printf("\n");
}

int imagecmd_do_inspect(struct cli *cli)
{
	_cleanup_store_ struct store *s = NULL;
	struct lxcri_error err = { 0 };
	struct image_info info;
	struct image_ref ref;
	char name[STORE_REF_NAME_MAX + 1];
	int r;

	if (cli->argc != 1)
		return cli_usage_error("%s", "usage: lxcri image inspect <reference>");
	r = parse_ref(cli->argv[0], &ref, name, sizeof(name));
	if (r != EXIT_OK)
		return r;
	r = open_store(cli, 0, &s);
	if (r != EXIT_OK)
		return r;
	if (image_info_load(s, name, true, &info, &err) < 0) {
		fprintf(stderr, "lxcri: %s\n", err.message);
		return EXIT_FAILED;
	}
	const struct imageconfig *c = info.config;
	char platform[128], size[32];
	struct platform p = { 0 };

	snprintf(p.os, sizeof(p.os), "%s", c->os);
	snprintf(p.architecture, sizeof(p.architecture), "%s", c->architecture);
	snprintf(p.variant, sizeof(p.variant), "%s", c->variant);
	platform_format(&p, platform, sizeof(platform));
	progress_format_size(info.size, size, sizeof(size));
	if (cli->format == OUTPUT_TEXT) {
		printf("%-13s %s\n", "Name:", name);
		printf("%-13s %s\n", "Digest:", image_digest(&info.tag));
		printf("%-13s %s\n", "Manifest:", info.tag.digest);
		printf("%-13s %s\n", "Config:", info.config_digest);
		printf("%-13s %s\n", "Platform:", platform);
		printf("%-13s %s\n", "Created:", c->created && c->created[0] ? c->created : "-");
		printf("%-13s %zu, %s\n", "Layers:", info.manifest->n_layers, size);
		print_strv("Entrypoint:", c->entrypoint);
		print_strv("Cmd:", c->cmd);
		printf("%-13s %s\n", "User:", c->user[0] ? c->user : "-");
		printf("%-13s %s\n", "WorkingDir:", c->working_dir[0] ? c->working_dir : "-");
		printf("%-13s %s\n", "StopSignal:", c->stop_signal[0] ? c->stop_signal : "-");
		print_strv("Env:", c->env);
		print_strv("ExposedPorts:", c->exposed_ports);
		print_strv("Volumes:", c->volumes);
		print_strv("Labels:", c->labels);
	} else {
		_cleanup_json_ struct json_object *o = json_object_new_object();
		struct json_object *layers = json_object_new_array();

		for (size_t i = 0; i < info.manifest->n_layers; i++) {
			struct json_object *l = json_object_new_object();

			json_add_string(l, "digest", info.manifest->layers[i].digest);
			json_add_string(l, "media_type", info.manifest->layers[i].media_type);
			json_add(l, "size",
				 json_object_new_int64((int64_t)info.manifest->layers[i].size));
			json_object_array_add(layers, l);
		}
		json_add_string(o, "name", name);
		json_add_string(o, "digest", image_digest(&info.tag));
		json_add_string(o, "manifest", info.tag.digest);
		json_add_string(o, "config", info.config_digest);
		json_add_string(o, "platform", platform);
		json_add_string(o, "created", c->created ? c->created : "");
		json_add(o, "size", json_object_new_int64((int64_t)info.size));
		json_add(o, "layers", layers);
		json_add(o, "entrypoint", strv_json(c->entrypoint));
		json_add(o, "cmd", strv_json(c->cmd));
		json_add_string(o, "user", c->user);
		json_add_string(o, "working_dir", c->working_dir);
		json_add_string(o, "stop_signal", c->stop_signal);
		json_add(o, "env", strv_json(c->env));
		json_add(o, "exposed_ports", strv_json(c->exposed_ports));
		json_add(o, "volumes", strv_json(c->volumes));
		json_add(o, "labels", strv_json(c->labels));
		cli_print_json(cli, o);
	}
	image_info_done(&info);
	return EXIT_OK;
}

int imagecmd_do_rm(struct cli *cli)
{
	_cleanup_store_ struct store *s = NULL;
	struct lxcri_error err = { 0 };
	int r, result = EXIT_OK;

	if (cli->argc < 1)
		return cli_usage_error("%s", "usage: lxcri image rm <reference>...");
	log_setup("lxcri", NULL);
	log_set_stderr(false);
	r = open_store(cli, 0, &s);
	if (r != EXIT_OK)
		return r;
	for (int i = 0; i < cli->argc; i++) {
		struct image_ref ref;
		char name[STORE_REF_NAME_MAX + 1];

		r = parse_ref(cli->argv[i], &ref, name, sizeof(name));
		if (r != EXIT_OK) {
			result = r;
			continue;
		}
		if (store_untag(s, name, &err) < 0) {
			result = cli_report_failure(EXIT_FAILED, "%s", err.message);
			continue;
		}
		log_info("removed image %s", name);
		if (cli->format == OUTPUT_TEXT)
			printf("Removed %s\n", name);
	}
	if (result == EXIT_OK && cli->format == OUTPUT_TEXT)
		printf("Its blobs stay until 'lxcri image prune'.\n");
	return result;
}

int imagecmd_lower_dir(const struct lxcri_paths *p, char *buf, size_t size)
{
	const char *slash = strrchr(p->images_dir, '/');
	size_t n = slash ? (size_t)(slash - p->images_dir) : 0;

	return paths_join(buf, size, "%.*s/rootfs", (int)n, p->images_dir);
}

int imagecmd_do_prune(struct cli *cli)
{
	_cleanup_store_ struct store *s = NULL;
	struct lxcri_error err = { 0 };
	uint64_t bytes = 0, lower_bytes = 0;
	unsigned blobs = 0, lowers = 0;
	char size[32], lower_dir[PATH_MAX];
	int r;

	if (cli->argc != 0)
		return cli_usage_error("'image prune' takes no argument, got '%s'", cli->argv[0]);
	log_setup("lxcri", NULL);
	log_set_stderr(false);
	r = open_store(cli, 0, &s);
	if (r != EXIT_OK)
		return r;
	/* Exclusive: no create is making a lower, or a container on one, meanwhile. */
	if (imagecmd_lower_dir(&cli->paths, lower_dir, sizeof(lower_dir)) < 0)
		return cli_usage_error("the image store's path '%s' is too long",
				       cli->paths.images_dir);
	if (store_lock_exclusive(s, 10 * 60 * 1000, &err) < 0 ||
	    store_prune(s, NULL, NULL, &blobs, &bytes, &err) < 0 ||
	    imagect_prune_lowers(lower_dir, cli->paths.lxc_path, &lowers, &lower_bytes, &err) < 0)
		return cli_report_failure(EXIT_FAILED, "%s", err.message);
	store_unlock(s);
	log_info("pruned %u blobs, %llu bytes; %u image rootfs, %llu bytes", blobs,
		 (unsigned long long)bytes, lowers, (unsigned long long)lower_bytes);
	progress_format_size(bytes + lower_bytes, size, sizeof(size));
	if (cli->format == OUTPUT_TEXT) {
		printf("Removed %u blobs and %u unused image rootfs, %s freed.\n", blobs, lowers,
		       size);
	} else {
		_cleanup_json_ struct json_object *o = json_object_new_object();

		json_add(o, "rootfs_removed", json_object_new_int64(lowers));
		json_add(o, "blobs_removed", json_object_new_int64(blobs));
		json_add(o, "bytes_freed", json_object_new_int64((int64_t)(bytes + lower_bytes)));
		cli_print_json(cli, o);
	}
	return EXIT_OK;
}

/* Where login and logout write: --file, $REGISTRY_AUTH_FILE, else <etc>/auth.json. */
static int auth_path(const struct cli *cli, char *buf, size_t size)
{
	const char *env = getenv("REGISTRY_AUTH_FILE");
	int n;

	if (cli->file)
		n = snprintf(buf, size, "%s", cli->file);
	else if (env && env[0])
		n = snprintf(buf, size, "%s", env);
	else
		n = snprintf(buf, size, "%s/%s", cli->paths.etc_dir, "auth.json");
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* The password: one line of stdin, without echo on a terminal. */
static int read_password(bool from_stdin, char *buf, size_t size)
{
	struct termios old, quiet;
	bool tty = !from_stdin && isatty(STDIN_FILENO);
	size_t n;

	if (!from_stdin && !tty)
		return -ENOTTY;
	if (tty) {
		fprintf(stderr, "Password: ");
		if (tcgetattr(STDIN_FILENO, &old) < 0)
			return -errno;
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	if (!fgets(buf, (int)size, stdin))
		buf[0] = '\0';
	if (tty) {
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fprintf(stderr, "\n");
	}
	n = strcspn(buf, "\r\n");
	if (buf[n] == '\0' && n + 1 >= size)
		return -E2BIG;
	buf[n] = '\0';
	return n > 0 ? 0 : -ENODATA;
}

/* The credentials work: a ping with them, from a private file of their own. */
static int login_check(const struct cli *cli, const char *registry, const char *user,
		       const char *password, struct lxcri_error *err)
{
	_cleanup_free_ char *dir = NULL, *file = NULL, *refstr = NULL;
	struct registry_client *c = NULL;
	struct registry_options ro = { 0 };
	struct settings settings;
	char *files[2] = { NULL, NULL };
	struct image_ref ref;
	int r;

	load_settings(cli, &settings);
	if (asprintf(&refstr, "%s/lxcri/login", registry) < 0)
		return error_oom(err);
	r = image_ref_parse(refstr, &ref, err);
	if (r < 0)
		return error_set(err, r, "Invalid registry '%s'", registry);
	if (mkdir(cli->paths.run_dir, 0755) < 0 && errno != EEXIST)
		return error_set(err, -errno, "Failed to make '%s': %s", cli->paths.run_dir,
				 strerror(errno));
	if (asprintf(&dir, "%s/login.XXXXXX", cli->paths.run_dir) < 0)
		return error_oom(err);
	if (!mkdtemp(dir))
		return error_set(err, -errno, "Failed to make a private directory: %s",
				 strerror(errno));
	if (asprintf(&file, "%s/auth.json", dir) < 0) {
		rmdir(dir);
		return error_oom(err);
	}
	r = authfile_login(file, registry, user, password, err);
	if (r >= 0)
		r = imagecmd_registry_options(&cli->paths, &settings, &ro, err);
	if (r >= 0) {
		files[0] = file;
		strv_free((char **)ro.auth_files);
		ro.auth_files = files;
		r = registry_global_init(err);
	}
	if (r >= 0) {
		r = registry_client_new(&ref, &ro, &c, err);
		if (r >= 0)
			r = registry_ping(c, err);
		registry_client_free(c);
		registry_global_cleanup();
	}
	ro.auth_files = NULL;
	imagecmd_registry_options_free(&ro);
	unlink(file);
	rmdir(dir);
	return r;
}

int imagecmd_do_login(struct cli *cli)
{
	struct lxcri_error err = { 0 };
	char path[PATH_MAX], password[PASSWORD_MAX];
	const char *registry;
	int r;

	if (cli->argc != 1 || !cli->username)
		return cli_usage_error(
		    "%s", "usage: lxcri image login <registry> --username U [--password-stdin]");
	registry = cli->argv[0];
	r = read_password(cli->password_stdin, password, sizeof(password));
	if (r == -ENOTTY)
		return cli_usage_error("%s", "no terminal to ask for the password: use "
					     "--password-stdin");
	if (r < 0) {
		fprintf(stderr, "lxcri: no password given\n");
		return EXIT_INVALID;
	}
	log_setup("lxcri", NULL);
	log_set_stderr(false);
	if (auth_path(cli, path, sizeof(path)) < 0)
		return cli_usage_error("%s", "the auth file's path is too long");
	r = login_check(cli, registry, cli->username, password, &err);
	if (r >= 0)
		r = authfile_login(path, registry, cli->username, password, &err);
	explicit_bzero(password, sizeof(password));
	if (r < 0)
		return cli_report_failure(r == -EINVAL ? EXIT_INVALID : EXIT_FAILED,
					  "Failed to log in to '%s': %s", registry, err.message);
	log_info("logged in to %s as %s (%s)", registry, cli->username, path);
	printf("Login Succeeded: '%s' in '%s'\n", registry, path);
	return EXIT_OK;
}

int imagecmd_do_logout(struct cli *cli)
{
	struct lxcri_error err = { 0 };
	char path[PATH_MAX];

	if (cli->argc != 1)
		return cli_usage_error("%s", "usage: lxcri image logout <registry>");
	log_setup("lxcri", NULL);
	log_set_stderr(false);
	if (auth_path(cli, path, sizeof(path)) < 0)
		return cli_usage_error("%s", "the auth file's path is too long");
	if (authfile_logout(path, cli->argv[0], &err) < 0)
		return cli_report_failure(EXIT_FAILED, "%s", err.message);
	log_info("logged out of %s (%s)", cli->argv[0], path);
	printf("Removed the login to '%s' from '%s'\n", cli->argv[0], path);
	return EXIT_OK;
}

/*
 * One container's check: a HEAD of its image's tag, recorded for `lxcri
 * metrics` and printed (or added to results). all: a container without an
 * image key or pulled by digest is skipped, not an error.
 */
static int check_one(struct cli *cli, const struct registry_options *ro, const char *id, bool all,
		     struct json_object *results)
{
	_cleanup_config_ struct config *c = NULL;
	struct lxcri_error err = { 0 };
	struct image_ref ref;
	char config[PATH_MAX], remote[DIGEST_SIZE];
	bool newer;
	int r;

	if (!paths_id_valid(id) ||
	    paths_container_config(&cli->paths, id, config, sizeof(config)) < 0)
		return cli_usage_error("Invalid container id '%s'", id);
	if (config_load(config, &c, &err) < 0) {
		fprintf(stderr, "lxcri: %s\n", err.message);
		return EXIT_INVALID;
	}
	if (!c->image.ref) {
		if (all)
			return EXIT_OK;
		fprintf(stderr, "lxcri: '%s' has no image key: it was not made from an image\n",
			config);
		return EXIT_INVALID;
	}
	r = image_ref_parse(c->image.ref, &ref, &err);
	if (r < 0 || !ref.tag[0]) {
		if (r >= 0 && all)
			return EXIT_OK;
		fprintf(stderr, "lxcri: %s: %s\n", id,
			r < 0 ? err.message
			      : "the image was pulled by digest: it has no tag to check");
		return r < 0 ? EXIT_INVALID : EXIT_FAILED;
	}
	/* The tag's digest now: a HEAD of the tag, not of the recorded digest. */
	ref.digest[0] = '\0';
	r = pull_remote_digest(&ref, ro, remote, &err);
	if (r < 0)
		return cli_report_failure(EXIT_FAILED, "Failed to check '%s': %s", id, err.message);
	newer = strcmp(remote, c->image.digest) != 0;
	if (checkrecord_save(cli->paths.run_dir, id, c->image.ref, remote, newer, time(NULL),
			     &err) < 0)
		fprintf(stderr, "lxcri: %s: the result is not kept for lxcri metrics\n",
			err.message);
	if (cli->format == OUTPUT_TEXT) {
		if (newer)
			printf(
			    "%s: the registry has a newer image for %s:%s: %s (this one is %s)\n",
			    id, ref.registry, ref.tag, remote, c->image.digest);
		else
			printf("%s: up to date (%s)\n", id, c->image.digest);
	} else {
		struct json_object *o = json_object_new_object();

		json_add_string(o, "id", id);
		json_add_string(o, "image", c->image.ref);
		json_add_string(o, "current", c->image.digest);
		json_add_string(o, "remote", remote);
		json_add(o, "newer", json_object_new_boolean(newer));
		json_object_array_add(results, o);
	}
	return EXIT_OK;
}

int imagecmd_do_check(struct cli *cli)
{
	_cleanup_json_ struct json_object *results = json_object_new_array();
	struct registry_options ro = { 0 };
	struct lxcri_error err = { 0 };
	struct ct_status *list = NULL;
	struct settings settings;
	size_t n = 0;
	int r, rc = EXIT_OK;

	if (cli->argc > 1)
		return cli_usage_error("%s", "usage: lxcri image check [<id>]");
	if (!results)
		return cli_report_failure(EXIT_FAILED, "%s", "Out of memory");
	load_settings(cli, &settings);
	r = imagecmd_registry_options(&cli->paths, &settings, &ro, &err);
	if (r >= 0)
		r = registry_global_init(&err);
	if (r < 0) {
		imagecmd_registry_options_free(&ro);
		return cli_report_failure(EXIT_FAILED, "%s", err.message);
	}
	if (cli->argc == 1) {
		rc = check_one(cli, &ro, cli->argv[0], false, results);
	} else if (status_collect(&cli->paths, NULL, &list, &n) < 0) {
		rc = cli_report_failure(EXIT_FAILED, "%s", "Failed to list the containers");
	} else {
		/* Every container made from an image; one that fails does not stop the others. */
		for (size_t i = 0; i < n; i++) {
			int one = list[i].configured && list[i].image[0]
				      ? check_one(cli, &ro, list[i].id, true, results)
				      : EXIT_OK;

			if (rc == EXIT_OK)
				rc = one;
		}
		status_free(list, n);
	}
	registry_global_cleanup();
	imagecmd_registry_options_free(&ro);
	if (cli->format != OUTPUT_TEXT && (cli->argc == 0 || rc == EXIT_OK))
		cli_print_json(cli,
			       cli->argc == 1 ? json_object_array_get_idx(results, 0) : results);
	return rc;
}

int imagecmd_do_import(struct cli *cli)
{
	_cleanup_store_ struct store *s = NULL;
	struct lxcri_error err = { 0 };
	struct import_result res;
	struct platform platform;
	int r;

	if (cli->argc != 1)
		return cli_usage_error("%s", "usage: lxcri image import <dir|archive> [--name R]");
	r = begin_store_change(cli, &platform, &s);
	if (r != EXIT_OK)
		return r;
	r = import_image(s, cli->argv[0], cli->name, cli->platform ? &platform : NULL, &res, &err);
	if (r < 0)
		return cli_report_failure(r == -EINVAL ? EXIT_INVALID : EXIT_FAILED, "%s",
					  err.message);
	log_info("imported %s (%s) from %s", res.name, res.digest, cli->argv[0]);
	if (cli->format == OUTPUT_TEXT) {
		printf("Imported %s from %s '%s'\nDigest: %s\n%zu layers\n", res.name, res.kind,
		       cli->argv[0], res.digest, res.layers);
	} else {
		_cleanup_json_ struct json_object *o = json_object_new_object();

		json_add_string(o, "name", res.name);
		json_add_string(o, "digest", res.digest);
		json_add_string(o, "kind", res.kind);
		json_add(o, "layers", json_object_new_int64((int64_t)res.layers));
		cli_print_json(cli, o);
	}
	return EXIT_OK;
}
