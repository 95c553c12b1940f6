/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>

#include "testutil.h"

#include "lib/shared/json.h"
#include "lib/net/cni.h"

#include "lib/basic/cleanup.h"
#include "lib/basic/strv.h"

#define PLUGINS_DIR "/usr/lib/cni"

static char *path_join2(const char *a, const char *b)
{
	char *p;

	ck_assert_int_ge(asprintf(&p, "%s/%s", a, b), 0);
	return p;
}

static bool file_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *text = NULL;
	size_t size = 0;

	if (!f)
		return NULL;
	ck_assert_int_ge(getdelim(&text, &size, '\0', f), 0);
	fclose(f);
	return text;
}

static void write_script(const char *dir, const char *name, const char *body)
{
	_cleanup_free_ char *path = path_join2(dir, name);

	test_write_file(path, body);
	ck_assert_int_eq(chmod(path, 0755), 0);
}

static int parse_text(const char *text, bool single_allowed, struct cni_conflist **ret,
		      struct lxcri_error *err)
{
	size_t size = strlen(text);
	_cleanup_free_ char *copy = malloc(size ? size : 1);

	/* An exact-size copy: no NUL after the end for the parser to lean on. */
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, text, size);
	return cni_parse_conflist("/etc/cni/net.d/10-test.conflist", copy, size, single_allowed,
				  ret, err);
}

START_TEST(test_parse_valid)
{
	_cleanup_cni_conflist_ struct cni_conflist *list = NULL;
	struct lxcri_error err = { 0 };
	const char *text =
	    "{\n"
	    "  \"cniVersion\": \"1.0.0\",\n"
	    "  \"name\": \"mynet\",\n"
	    "  \"disableCheck\": true,\n"
	    "  \"plugins\": [\n"
	    "    { \"type\": \"bridge\", \"bridge\": \"cni0\" },\n"
	    "    { \"type\": \"portmap\", \"capabilities\": {\"portMappings\": true} }\n"
	    "  ]\n"
	    "}\n";

	ck_assert_msg(parse_text(text, false, &list, &err) == 0, "%s", err.message);
	ck_assert_str_eq(list->name, "mynet");
	ck_assert_str_eq(list->cni_version, "1.0.0");
	ck_assert(list->disable_check);
	ck_assert_uint_eq(list->n_plugins, 2);
	ck_assert_str_eq(list->plugins[0].type, "bridge");
	ck_assert_str_eq(list->plugins[1].type, "portmap");
	ck_assert_str_eq(
	    json_object_get_string(json_object_object_get(list->plugins[0].conf, "bridge")),
	    "cni0");
	ck_assert_str_eq(list->source, "/etc/cni/net.d/10-test.conflist");
	ck_assert_uint_eq(list->size, strlen(text));
	ck_assert_str_eq(list->bytes, text);
}
END_TEST

START_TEST(test_parse_versions)
{
	struct {
		const char *text;
		const char *version; /* NULL: refused */
	} cases[] = {
		{ "{\"cniVersion\":\"0.3.1\",\"name\":\"n\",\"plugins\":[{\"type\":\"b\"}]}",
		  "0.3.1" },
		{ "{\"cniVersion\":\"0.4.0\",\"name\":\"n\",\"plugins\":[{\"type\":\"b\"}]}",
		  "0.4.0" },
		{ "{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"plugins\":[{\"type\":\"b\"}]}",
		  "1.1.0" },
		{ "{\"cniVersion\":\"0.2.0\",\"name\":\"n\",\"plugins\":[{\"type\":\"b\"}]}",
		  NULL },
		{ "{\"cniVersion\":\"9.9.9\",\"name\":\"n\",\"plugins\":[{\"type\":\"b\"}]}",
		  NULL },
		/* cniVersions (1.1.0): the highest known one wins, unknown ones are skipped. */
		{ "{\"cniVersion\":\"0.4.0\",\"cniVersions\":[\"1.0.0\",\"7.0.0\",\"0.3.1\"],"
		  "\"name\":\"n\",\"plugins\":[{\"type\":\"b\"}]}",
		  "1.0.0" },
		{ "{\"cniVersion\":\"7.0.0\",\"cniVersions\":[\"1.0.0\"],"
		  "\"name\":\"n\",\"plugins\":[{\"type\":\"b\"}]}",
		  "1.0.0" },
		{ "{\"cniVersion\":\"1.0.0\",\"cniVersions\":\"1.0.0\","
		  "\"name\":\"n\",\"plugins\":[{\"type\":\"b\"}]}",
		  NULL },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_cni_conflist_ struct cni_conflist *list = NULL;
		struct lxcri_error err = { 0 };
		int r = parse_text(cases[i].text, false, &list, &err);

		if (cases[i].version) {
			ck_assert_msg(r == 0, "case %zu: %s", i, err.message);
			ck_assert_str_eq(list->cni_version, cases[i].version);
		} else {
			ck_assert_msg(r < 0, "case %zu parsed", i);
			ck_assert_ptr_null(list);
			ck_assert_int_eq(err.code, r);
		}
	}
}
END_TEST

START_TEST(test_parse_errors)
{
	struct {
		const char *text;
		bool single_allowed;
		int code;
		const char *message; /* after "<file>: " */
	} cases[] = {
		{ "", false, -EINVAL, "empty, not a CNI configuration" },
		{ "{\n  \"name\": \"n\",\n  \"plugins\": [ { \"type\": \"b\" }, ]\n}", false,
		  -EINVAL, "not JSON: unexpected character at line 3, column 33" },
		{ "{\"name\": \"n\"", false, -EINVAL, "(truncated?)" },
		{ "{\"name\": \"n\"} x", false, -EINVAL, "at line 1, column 15" },
		{ "[1, 2]", false, -EINVAL, "must be a JSON object, not array" },
		{ "{\"cniVersion\":\"1.0.0\",\"plugins\":[{\"type\":\"b\"}]}", false, -EINVAL,
		  "missing 'name'" },
		{ "{\"cniVersion\":\"1.0.0\",\"name\":5,\"plugins\":[{\"type\":\"b\"}]}", false,
		  -EINVAL, "'name' must be a string, not int" },
		{ "{\"cniVersion\":\"1.0.0\",\"name\":\"-x\",\"plugins\":[{\"type\":\"b\"}]}",
		  false, -EINVAL, "'name' '-x' is not a network name" },
		{ "{\"cniVersion\":\"1.0.0\",\"name\":\"a/b\",\"plugins\":[{\"type\":\"b\"}]}",
		  false, -EINVAL, "'name' 'a/b' is not a network name" },
		{ "{\"name\":\"n\",\"plugins\":[{\"type\":\"b\"}]}", false, -EINVAL,
		  "missing 'cniVersion'" },
		{ "{\"cniVersion\":\"1.0.0\",\"name\":\"n\"}", false, -EINVAL,
		  "missing 'plugins'" },
		{ "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"bridge\"}", false, -EINVAL,
		  "missing 'plugins'" },
		{ "{\"cniVersion\":\"1.0.0\",\"name\":\"n\"}", true, -EINVAL,
		  "missing 'plugins' (or 'type' for a single plugin)" },
		{ "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"plugins\":[]}", false, -EINVAL,
		  "'plugins' is empty" },
		{ "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"plugins\":{}}", false, -EINVAL,
		  "'plugins' must be an array, not object" },
		{ "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"plugins\":[{\"type\":\"b\"},{}]}",
		  false, -EINVAL, "plugins[1]: missing 'type'" },
		{ "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"plugins\":[\"bridge\"]}", false,
		  -EINVAL, "plugins[0]: must be an object, not string" },
		{ "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"plugins\":[{\"type\":true}]}", false,
		  -EINVAL, "plugins[0]: 'type' must be a string, not boolean" },
		{ "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"plugins\":[{\"type\":\"../../bin/"
		  "sh\"}]}",
		  false, -EINVAL, "plugins[0]: 'type' '../../bin/sh' is not a plugin name" },
		{ "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"plugins\":[{\"type\":\"..\"}]}",
		  false, -EINVAL, "plugins[0]: 'type' '..' is not a plugin name" },
		{ "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"plugins\":[{\"type\":\"\"}]}", false,
		  -EINVAL, "plugins[0]: 'type' '' is not a plugin name" },
		{ "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"/bin/sh\"}", true, -EINVAL,
		  "'type' '/bin/sh' is not a plugin name" },
		{ "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"disableCheck\":\"yes\","
		  "\"plugins\":[{\"type\":\"b\"}]}",
		  false, -EINVAL, "'disableCheck' must be a boolean, not string" },
		{ "{\"cniVersion\":\"0.1.0\",\"name\":\"n\",\"plugins\":[{\"type\":\"b\"}]}", false,
		  -EOPNOTSUPP, "cniVersion '0.1.0' is not supported" },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_cni_conflist_ struct cni_conflist *list = NULL;
		struct lxcri_error err = { 0 };
		const char *prefix = "/etc/cni/net.d/10-test.conflist: ";
		int r = parse_text(cases[i].text, cases[i].single_allowed, &list, &err);

		ck_assert_msg(r == cases[i].code, "case %zu: %d, %s", i, r, err.message);
		ck_assert_int_eq(err.code, r);
		ck_assert_ptr_null(list);
		ck_assert_msg(strncmp(err.message, prefix, strlen(prefix)) == 0, "case %zu: %s", i,
			      err.message);
		ck_assert_msg(strstr(err.message, cases[i].message), "case %zu: '%s' lacks '%s'", i,
			      err.message, cases[i].message);
	}
}
END_TEST

START_TEST(test_parse_nul_and_oversize)
{
	_cleanup_cni_conflist_ struct cni_conflist *list = NULL;
	_cleanup_free_ char *big = NULL;
	struct lxcri_error err = { 0 };
	const char text[] = "{\"name\":\"n\"\0}";

	ck_assert_int_eq(cni_parse_conflist("f", text, sizeof(text) - 1, false, &list, &err),
			 -EINVAL);
	ck_assert_str_eq(err.message, "f: not JSON: a NUL byte at line 1, column 12");
	big = calloc(1, CNI_CONF_MAX_SIZE + 1);
	ck_assert_ptr_nonnull(big);
	ck_assert_int_eq(cni_parse_conflist("f", big, CNI_CONF_MAX_SIZE + 1, false, &list, &err),
			 -EFBIG);
	ck_assert_int_eq(cni_parse_conflist("f", NULL, 3, false, &list, &err), -EINVAL);
	ck_assert_ptr_null(list);
}
END_TEST

START_TEST(test_parse_single_plugin)
{
	_cleanup_cni_conflist_ struct cni_conflist *list = NULL;
	struct lxcri_error err = { 0 };
	const char *text = "{\"cniVersion\":\"0.4.0\",\"name\":\"single\",\"type\":\"loopback\"}";

	ck_assert_msg(parse_text(text, true, &list, &err) == 0, "%s", err.message);
	ck_assert_str_eq(list->name, "single");
	ck_assert_uint_eq(list->n_plugins, 1);
	ck_assert_str_eq(list->plugins[0].type, "loopback");
	ck_assert_ptr_eq(list->plugins[0].conf, list->root);
	ck_assert(!list->disable_check);
}
END_TEST

START_TEST(test_name_valid)
{
	ck_assert(cni_name_valid("mynet"));
	ck_assert(cni_name_valid("0a_b.c-d"));
	ck_assert(!cni_name_valid(""));
	ck_assert(!cni_name_valid(NULL));
	ck_assert(!cni_name_valid(".x"));
	ck_assert(!cni_name_valid("_x"));
	ck_assert(!cni_name_valid("a b"));
	ck_assert(!cni_name_valid("a/b"));
}
END_TEST

#define LIST(name, type)                                                                           \
	"{\"cniVersion\":\"1.0.0\",\"name\":\"" name "\",\"plugins\":[{\"type\":\"" type "\"}]}"

START_TEST(test_load_directory)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *a = path_join2(dir, "10-a.conflist"),
			    *b = path_join2(dir, "20-b.conf");
	_cleanup_free_ char *dup = path_join2(dir, "30-a-again.conflist");
	_cleanup_free_ char *other = path_join2(dir, "05-ignored.txt");
	_cleanup_free_ char *hidden = path_join2(dir, ".00-hidden.conflist");
	_cleanup_free_ char *broken = path_join2(dir, "25-broken.json");
	_cleanup_free_ char *expected = NULL;
	struct lxcri_error err = { 0 };

	test_write_file(a, LIST("alpha", "first"));
	test_write_file(b, "{\"cniVersion\":\"0.4.0\",\"name\":\"beta\",\"type\":\"loopback\"}");
	/* Same name in a later file: the first file (in lexical order) wins. */
	test_write_file(dup, LIST("alpha", "second"));
	test_write_file(other, "not even JSON");
	test_write_file(hidden, "not even JSON");

	{
		_cleanup_cni_conflist_ struct cni_conflist *list = NULL;

		ck_assert_msg(cni_load_conflist(dir, "alpha", &list, &err) == 0, "%s", err.message);
		ck_assert_str_eq(list->plugins[0].type, "first");
		ck_assert_str_eq(list->source, a);
	}
	{
		_cleanup_cni_conflist_ struct cni_conflist *list = NULL;

		ck_assert_msg(cni_load_conflist(dir, "beta", &list, &err) == 0, "%s", err.message);
		ck_assert_str_eq(list->plugins[0].type, "loopback");
		ck_assert_str_eq(list->cni_version, "0.4.0");
	}
	{
		_cleanup_cni_conflist_ struct cni_conflist *list = NULL;

		ck_assert_int_eq(cni_load_conflist(dir, "gamma", &list, &err), -ENOENT);
		ck_assert_msg(strstr(err.message, "No CNI network 'gamma'") &&
				  strstr(err.message, dir) &&
				  strstr(err.message, "3 configuration files"),
			      "%s", err.message);
		ck_assert_int_eq(cni_load_conflist(dir, "../x", &list, &err), -EINVAL);
		ck_assert_ptr_null(list);
	}
	/* A broken file met before the match is an error that names it; before it, fine. */
	test_write_file(broken, "{\n\"name\": }");
	{
		_cleanup_cni_conflist_ struct cni_conflist *list = NULL;

		ck_assert_int_eq(cni_load_conflist(dir, "alpha", &list, &err), 0);
		cni_conflist_free(TAKE_PTR(list));
		ck_assert_int_eq(cni_load_conflist(dir, "gamma", &list, &err), -EINVAL);
		ck_assert_int_ge(asprintf(&expected, "%s: not JSON: ", broken), 0);
		ck_assert_msg(strncmp(err.message, expected, strlen(expected)) == 0, "%s",
			      err.message);
		ck_assert_msg(strstr(err.message, "line 2, column 9"), "%s", err.message);
	}
	/* A .conflist must be a list even though a .conf may be a single plugin. */
	test_write_file(broken, "{\"cniVersion\":\"0.4.0\",\"name\":\"gamma\",\"type\":\"x\"}");
	ck_assert_int_eq(rename(broken, dup), 0);
	{
		_cleanup_cni_conflist_ struct cni_conflist *list = NULL;

		ck_assert_int_eq(cni_load_conflist(dir, "gamma", &list, &err), -EINVAL);
		ck_assert_msg(strstr(err.message, "30-a-again.conflist: missing 'plugins'"), "%s",
			      err.message);
	}
	{
		_cleanup_cni_conflist_ struct cni_conflist *list = NULL;
		_cleanup_free_ char *missing = path_join2(dir, "nope");

		ck_assert_int_eq(cni_load_conflist(missing, "alpha", &list, &err), -ENOENT);
		ck_assert_msg(strstr(err.message, missing), "%s", err.message);
	}
	test_rm_rf(dir);
}
END_TEST

START_TEST(test_find_plugin)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *sub = path_join2(dir, "sub"), *noexec = path_join2(dir, "noexec");
	_cleanup_free_ char *list = NULL, *expected = NULL;
	struct lxcri_error err = { 0 };
	char buf[PATH_MAX];

	ck_assert_int_eq(mkdir(sub, 0755), 0);
	write_script(dir, "good", "#!/bin/sh\n");
	test_write_file(noexec, "#!/bin/sh\n");
	write_script(sub, "noexec", "#!/bin/sh\n");
	ck_assert_int_ge(asprintf(&list, "relative/dir:%s:%s", dir, sub), 0);

	ck_assert_int_eq(cni_find_plugin(list, "good", buf, sizeof(buf), &err), 0);
	ck_assert_int_ge(asprintf(&expected, "%s/good", dir), 0);
	ck_assert_str_eq(buf, expected);
	/* Not executable in the first dir: the next one is searched. */
	ck_assert_int_eq(cni_find_plugin(list, "noexec", buf, sizeof(buf), &err), 0);
	ck_assert_msg(strncmp(buf, sub, strlen(sub)) == 0, "%s", buf);
	/* A directory is not a plugin. */
	ck_assert_int_eq(cni_find_plugin(list, "sub", buf, sizeof(buf), &err), -ENOENT);
	ck_assert_msg(strstr(err.message, "CNI plugin 'sub' not found in"), "%s", err.message);
	ck_assert_int_eq(cni_find_plugin(list, "../good", buf, sizeof(buf), &err), -EINVAL);
	ck_assert_int_eq(cni_find_plugin(list, "..", buf, sizeof(buf), &err), -EINVAL);
	ck_assert_int_eq(cni_find_plugin(list, "", buf, sizeof(buf), &err), -EINVAL);
	ck_assert_int_eq(cni_find_plugin("relative", "good", buf, sizeof(buf), &err), -ENOENT);
	/* No PATH search. */
	ck_assert_int_eq(cni_find_plugin(dir, "sh", buf, sizeof(buf), &err), -ENOENT);
	if (file_exists(PLUGINS_DIR "/bridge")) {
		ck_assert_int_eq(cni_find_plugin(NULL, "bridge", buf, sizeof(buf), &err), 0);
		ck_assert_str_eq(buf, PLUGINS_DIR "/bridge");
	}
	test_rm_rf(dir);
}
END_TEST

/* A scratch area: plugin dir, cache dir, and a conflist parsed from text. */
struct fixture {
	char *dir, *plugins, *cache, *data;
	struct cni_conflist *list;
	struct cni_runtime rt;
	char netns[64];
};

static void fixture_init(struct fixture *f)
{
	*f = (struct fixture){ .dir = test_tmpdir() };
	f->plugins = path_join2(f->dir, "plugins");
	f->cache = path_join2(f->dir, "cache");
	f->data = path_join2(f->dir, "data");
	ck_assert_int_eq(mkdir(f->plugins, 0755), 0);
	ck_assert_int_eq(mkdir(f->data, 0755), 0);
	snprintf(f->netns, sizeof(f->netns), "/proc/%d/ns/net", (int)getpid());
	f->rt = (struct cni_runtime){
		.container_id = "105",
		.netns = f->netns,
		.ifname = "eth1",
		.plugin_path = f->plugins,
		.cache_dir = f->cache,
		.timeout_ms = 10000,
	};
}

static void fixture_parse(struct fixture *f, const char *text)
{
	struct lxcri_error err = { 0 };

	cni_conflist_free(f->list);
	f->list = NULL;
	ck_assert_msg(cni_parse_conflist("test", text, strlen(text), false, &f->list, &err) == 0,
		      "%s", err.message);
}

static void fixture_done(struct fixture *f)
{
	cni_conflist_free(f->list);
	test_rm_rf(f->dir);
	free(f->dir);
	free(f->plugins);
	free(f->cache);
	free(f->data);
}

static char *fixture_cache_path(struct fixture *f)
{
	char buf[PATH_MAX];

	ck_assert_int_eq(cni_cache_path(f->list, &f->rt, buf, sizeof(buf)), 0);
	return strdup(buf);
}

/*
 * A plugin that records each call: <data>/<n>.env and <n>.stdin, in call
 * order, and answers ADD with a result naming itself.
 */
static void write_recorder(struct fixture *f, const char *name)
{
	_cleanup_free_ char *body = NULL;

	ck_assert_int_ge(
	    asprintf(
		&body,
		"#!/bin/sh\n"
		"d='%s'\n"
		"n=$(cat \"$d/count\" 2>/dev/null || echo 0); n=$((n+1)); echo $n >\"$d/count\"\n"
		"env >\"$d/$n.env\"\n"
		"cat >\"$d/$n.stdin\"\n"
		"echo \"${0##*/}\" >\"$d/$n.who\"\n"
		"if [ \"$CNI_COMMAND\" = ADD ]; then\n"
		"  printf '{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"%%s\"}]}' "
		"\"${0##*/}\"\n"
		"fi\n",
		f->data),
	    0);
	write_script(f->plugins, name, body);
}

static struct json_object *recorded_stdin(struct fixture *f, int n)
{
	_cleanup_free_ char *name = NULL, *path = NULL, *text = NULL;
	struct json_object *o;

	ck_assert_int_ge(asprintf(&name, "%d.stdin", n), 0);
	path = path_join2(f->data, name);
	text = slurp(path);
	ck_assert_msg(text, "no call %d", n);
	o = json_tokener_parse(text);
	ck_assert_msg(o, "call %d: stdin not JSON: %s", n, text);
	return o;
}

static char *recorded(struct fixture *f, int n, const char *what)
{
	_cleanup_free_ char *name = NULL, *path = NULL;

	ck_assert_int_ge(asprintf(&name, "%d.%s", n, what), 0);
	path = path_join2(f->data, name);
	return slurp(path);
}

static const char *prev_result_plugin(struct json_object *conf)
{
	struct json_object *prev, *interfaces;

	if (!json_object_object_get_ex(conf, "prevResult", &prev))
		return NULL;
	interfaces = json_object_object_get(prev, "interfaces");
	return json_object_get_string(
	    json_object_object_get(json_object_array_get_idx(interfaces, 0), "name"));
}

START_TEST(test_protocol_with_recorder)
{
	struct fixture f;
	_cleanup_free_ char *result = NULL, *cache_path = NULL, *cache = NULL;
	_cleanup_json_ struct json_object *cache_json = NULL;
	struct lxcri_error err = { 0 };

	fixture_init(&f);
	write_recorder(&f, "rec-a");
	write_recorder(&f, "rec-b");
	fixture_parse(&f, "{\"cniVersion\":\"1.0.0\",\"name\":\"recnet\",\"plugins\":["
			  "{\"type\":\"rec-a\",\"name\":\"overridden\",\"prevResult\":{\"x\":1},"
			  "\"cniVersion\":\"0.0.1\",\"opt\":7},"
			  "{\"type\":\"rec-b\"}]}");
	f.rt.args = "IgnoreUnknown=1;K8S_POD_NAME=web";
	setenv("LXCRI_MUST_NOT_LEAK", "1", 1);

	ck_assert_msg(cni_add(f.list, &f.rt, &result, &err) == 0, "%s", err.message);
	ck_assert_str_eq(result,
			 "{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"rec-b\"}]}");

	/* Call 1: rec-a ADD, no prevResult, name and cniVersion from the list. */
	{
		_cleanup_json_ struct json_object *conf = recorded_stdin(&f, 1);
		_cleanup_free_ char *env = recorded(&f, 1, "env"), *who = recorded(&f, 1, "who");
		char line[PATH_MAX + 32];

		ck_assert_str_eq(who, "rec-a\n");
		ck_assert_str_eq(json_object_get_string(json_object_object_get(conf, "name")),
				 "recnet");
		ck_assert_str_eq(json_object_get_string(json_object_object_get(conf, "cniVersion")),
				 "1.0.0");
		ck_assert_int_eq(json_object_get_int(json_object_object_get(conf, "opt")), 7);
		ck_assert(!json_object_object_get_ex(conf, "prevResult", NULL));
		ck_assert_ptr_nonnull(strstr(env, "CNI_COMMAND=ADD\n"));
		ck_assert_ptr_nonnull(strstr(env, "CNI_CONTAINERID=105\n"));
		ck_assert_ptr_nonnull(strstr(env, "CNI_IFNAME=eth1\n"));
		ck_assert_ptr_nonnull(strstr(env, "CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAME=web\n"));
		snprintf(line, sizeof(line), "CNI_NETNS=%s\n", f.netns);
		ck_assert_ptr_nonnull(strstr(env, line));
		snprintf(line, sizeof(line), "CNI_PATH=%s\n", f.plugins);
		ck_assert_ptr_nonnull(strstr(env, line));
		ck_assert_ptr_null(strstr(env, "LXCRI_MUST_NOT_LEAK"));
	}
	/* Call 2: rec-b ADD with rec-a's result. */
	{
		_cleanup_json_ struct json_object *conf = recorded_stdin(&f, 2);

		ck_assert_str_eq(prev_result_plugin(conf), "rec-a");
	}

	/* The cache: libcni's layout, the final result in it. */
	cache_path = fixture_cache_path(&f);
	{
		_cleanup_free_ char *expected = NULL;
		struct stat st;

		ck_assert_int_ge(asprintf(&expected, "%s/results/recnet-105-eth1", f.cache), 0);
		ck_assert_str_eq(cache_path, expected);
		ck_assert_int_eq(stat(cache_path, &st), 0);
		ck_assert_int_eq(st.st_mode & 07777, 0600);
	}
	cache = slurp(cache_path);
	cache_json = json_tokener_parse(cache);
	ck_assert_ptr_nonnull(cache_json);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(cache_json, "kind")),
			 "cniCacheV1");
	ck_assert_str_eq(json_object_get_string(json_object_object_get(cache_json, "containerId")),
			 "105");
	ck_assert_str_eq(json_object_get_string(json_object_object_get(cache_json, "networkName")),
			 "recnet");
	ck_assert_str_eq(json_object_get_string(json_object_object_get(cache_json, "ifName")),
			 "eth1");
	ck_assert_str_eq(json_object_to_json_string_ext(
			     json_object_object_get(cache_json, "cniArgs"), JSON_C_TO_STRING_PLAIN),
			 "[[\"IgnoreUnknown\",\"1\"],[\"K8S_POD_NAME\",\"web\"]]");
	ck_assert_str_eq(json_object_to_json_string_ext(
			     json_object_object_get(cache_json, "result"), JSON_C_TO_STRING_PLAIN),
			 result);
	ck_assert(
	    json_object_is_type(json_object_object_get(cache_json, "config"), json_type_string));

	/* CHECK: in order, each with the cached (final) result. */
	ck_assert_msg(cni_check(f.list, &f.rt, &err) == 0, "%s", err.message);
	for (int n = 3; n <= 4; n++) {
		_cleanup_json_ struct json_object *conf = recorded_stdin(&f, n);
		_cleanup_free_ char *env = recorded(&f, n, "env"), *who = recorded(&f, n, "who");

		ck_assert_str_eq(who, n == 3 ? "rec-a\n" : "rec-b\n");
		ck_assert_ptr_nonnull(strstr(env, "CNI_COMMAND=CHECK\n"));
		ck_assert_str_eq(prev_result_plugin(conf), "rec-b");
	}

	/* DEL: reverse order, each with the cached result; the cache goes. */
	ck_assert_msg(cni_del(f.list, &f.rt, &err) == 0, "%s", err.message);
	for (int n = 5; n <= 6; n++) {
		_cleanup_json_ struct json_object *conf = recorded_stdin(&f, n);
		_cleanup_free_ char *env = recorded(&f, n, "env"), *who = recorded(&f, n, "who");

		ck_assert_str_eq(who, n == 5 ? "rec-b\n" : "rec-a\n");
		ck_assert_ptr_nonnull(strstr(env, "CNI_COMMAND=DEL\n"));
		ck_assert_str_eq(prev_result_plugin(conf), "rec-b");
	}
	ck_assert(!file_exists(cache_path));

	/* DEL again: no cache, plugins still told (without prevResult), success. */
	ck_assert_msg(cni_del(f.list, &f.rt, &err) == 0, "%s", err.message);
	{
		_cleanup_json_ struct json_object *conf = recorded_stdin(&f, 7);

		ck_assert(!json_object_object_get_ex(conf, "prevResult", NULL));
	}
	/* CHECK without a cache: an error. */
	ck_assert_int_eq(cni_check(f.list, &f.rt, &err), -ENOENT);
	ck_assert_msg(strstr(err.message, "No cached CNI result of network 'recnet'"), "%s",
		      err.message);
	fixture_done(&f);
}
END_TEST

/* The cache's "config" is the file's bytes in base64, as libcni writes it. */
START_TEST(test_cache_config_base64)
{
	struct {
		const char *name, *base64;
	} cases[] = {
		{ "n", "eyJjbmlWZXJzaW9uIjoiMS4wLjAiLCJuYW1lIjoibiIsInBsdWdpbnMiOlt7InR5cGUiOiJyZW"
		       "MifV19" },
		{ "nn", "eyJjbmlWZXJzaW9uIjoiMS4wLjAiLCJuYW1lIjoibm4iLCJwbHVnaW5zIjpbeyJ0eXBlIjoi"
			"cmVjIn1dfQ==" },
		{ "nnn", "eyJjbmlWZXJzaW9uIjoiMS4wLjAiLCJuYW1lIjoibm5uIiwicGx1Z2lucyI6W3sidHlwZSI6"
			 "InJlYyJ9XX0=" },
	};
	struct fixture f;

	fixture_init(&f);
	write_recorder(&f, "rec");
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_free_ char *text = NULL, *cache_path = NULL, *cache = NULL;
		_cleanup_json_ struct json_object *o = NULL;
		struct lxcri_error err = { 0 };

		ck_assert_int_ge(asprintf(&text,
					  "{\"cniVersion\":\"1.0.0\",\"name\":\"%s\",\"plugins\":[{"
					  "\"type\":\"rec\"}]}",
					  cases[i].name),
				 0);
		fixture_parse(&f, text);
		ck_assert_msg(cni_add(f.list, &f.rt, NULL, &err) == 0, "%s", err.message);
		cache_path = fixture_cache_path(&f);
		cache = slurp(cache_path);
		o = json_tokener_parse(cache);
		ck_assert_str_eq(json_object_get_string(json_object_object_get(o, "config")),
				 cases[i].base64);
	}
	fixture_done(&f);
}
END_TEST

START_TEST(test_runtime_validation)
{
	struct fixture f;
	struct lxcri_error err = { 0 };

	fixture_init(&f);
	write_recorder(&f, "rec");
	fixture_parse(&f, LIST("n", "rec"));
	f.rt.container_id = "../x";
	ck_assert_int_eq(cni_add(f.list, &f.rt, NULL, &err), -EINVAL);
	f.rt.container_id = "105";
	f.rt.ifname = "a/b";
	ck_assert_int_eq(cni_del(f.list, &f.rt, &err), -EINVAL);
	f.rt.ifname = "eth0";
	f.rt.netns = NULL;
	ck_assert_int_eq(cni_add(f.list, &f.rt, NULL, &err), -EINVAL);
	ck_assert_int_eq(cni_check(f.list, &f.rt, &err), -EINVAL);
	/* DEL may go without the namespace (it may be gone already). */
	ck_assert_msg(cni_del(f.list, &f.rt, &err) == 0, "%s", err.message);
	f.rt.netns = f.netns;
	f.rt.args = "A=1\nB=2";
	ck_assert_int_eq(cni_add(f.list, &f.rt, NULL, &err), -EINVAL);
	/* Nothing ran but the one DEL. */
	{
		_cleanup_free_ char *first = recorded(&f, 1, "env"),
				    *second = recorded(&f, 2, "env");

		ck_assert_ptr_nonnull(first);
		ck_assert_ptr_null(second);
	}
	fixture_done(&f);
}
END_TEST

START_TEST(test_relative_plugin_path_refused)
{
	struct fixture f;
	struct lxcri_error err = { 0 };

	fixture_init(&f);
	write_recorder(&f, "rec");
	fixture_parse(&f, LIST("n", "rec"));
	/* Chained plugins search CNI_PATH themselves: a relative entry is refused. */
	char path[PATH_MAX + 8];
	snprintf(path, sizeof(path), "bin:%s", f.plugins);
	f.rt.plugin_path = path;
	ck_assert_int_eq(cni_add(f.list, &f.rt, NULL, &err), -EINVAL);
	ck_assert_str_eq(err.message, "CNI plugin path entry 'bin' is not an absolute directory");
	ck_assert_int_eq(cni_del(f.list, &f.rt, &err), -EINVAL);
	/* Nothing ran. */
	_cleanup_free_ char *first = recorded(&f, 1, "env");
	ck_assert_ptr_null(first);
	fixture_done(&f);
}
END_TEST

START_TEST(test_cache_names_cannot_collide)
{
	struct fixture f;
	struct lxcri_error err = { 0 };
	struct cni_conflist *other = NULL;
	const char *text = LIST("a", "rec");
	char path_ab[PATH_MAX], path_a[PATH_MAX];

	fixture_init(&f);
	write_recorder(&f, "rec");
	/* Network "a-b" for container "c", and network "a" for container "b-c": one file name. */
	fixture_parse(&f, LIST("a-b", "rec"));
	ck_assert_int_eq(cni_parse_conflist("test", text, strlen(text), false, &other, &err), 0);
	struct cni_runtime rt_c = f.rt, rt_bc = f.rt;
	rt_c.container_id = "c";
	rt_bc.container_id = "b-c";
	ck_assert_int_eq(cni_cache_path(f.list, &rt_c, path_ab, sizeof(path_ab)), 0);
	ck_assert_int_eq(cni_cache_path(other, &rt_bc, path_a, sizeof(path_a)), 0);
	ck_assert_str_eq(path_ab, path_a);

	ck_assert_msg(cni_add(f.list, &rt_c, NULL, &err) == 0, "%s", err.message);
	/* DEL of the other attachment neither feeds this cache to its plugins nor removes it. */
	ck_assert_msg(cni_del(other, &rt_bc, &err) == 0, "%s", err.message);
	_cleanup_json_ struct json_object *del_stdin = recorded_stdin(&f, 2);
	ck_assert(!json_object_object_get_ex(del_stdin, "prevResult", NULL));
	ck_assert(file_exists(path_ab));
	/* Its owner still finds it. */
	ck_assert_msg(cni_check(f.list, &rt_c, &err) == 0, "%s", err.message);
	cni_conflist_free(other);
	fixture_done(&f);
}
END_TEST

START_TEST(test_check_versions_and_disabled)
{
	struct fixture f;
	struct lxcri_error err = { 0 };

	fixture_init(&f);
	write_recorder(&f, "rec");
	fixture_parse(
	    &f, "{\"cniVersion\":\"0.3.1\",\"name\":\"old\",\"plugins\":[{\"type\":\"rec\"}]}");
	ck_assert_int_eq(cni_check(f.list, &f.rt, &err), -EOPNOTSUPP);
	ck_assert_msg(strstr(err.message, "0.4.0 or later"), "%s", err.message);
	fixture_parse(&f, "{\"cniVersion\":\"1.0.0\",\"name\":\"off\",\"disableCheck\":true,"
			  "\"plugins\":[{\"type\":\"rec\"}]}");
	ck_assert_int_eq(cni_check(f.list, &f.rt, &err), 0);
	ck_assert_ptr_null(recorded(&f, 1, "env"));
	fixture_done(&f);
}
END_TEST

START_TEST(test_plugin_error_undoes_add)
{
	struct fixture f;
	_cleanup_free_ char *result = NULL, *cache_path = NULL;
	struct lxcri_error err = { 0 };

	fixture_init(&f);
	write_recorder(&f, "rec");
	write_script(f.plugins, "failing",
		     "#!/bin/sh\n"
		     "cat >/dev/null\n"
		     "[ \"$CNI_COMMAND\" = DEL ] && exit 0\n"
		     "echo '{\"cniVersion\":\"1.0.0\",\"code\":11,\"msg\":\"no luck\","
		     "\"details\":\"try later\"}'\n"
		     "echo 'some noise' >&2\n"
		     "exit 1\n");
	fixture_parse(&f, "{\"cniVersion\":\"1.0.0\",\"name\":\"failnet\",\"plugins\":["
			  "{\"type\":\"rec\"},{\"type\":\"failing\"}]}");
	ck_assert_int_eq(cni_add(f.list, &f.rt, &result, &err), -EAGAIN);
	ck_assert_ptr_null(result);
	ck_assert_str_eq(err.message, "CNI plugin 'failing' failed (code 11): no luck (try later), "
				      "on ADD of network 'failnet'");
	ck_assert_int_eq(err.code, -EAGAIN);
	/* rec: ADD, then DEL with its own result as prevResult. */
	{
		_cleanup_free_ char *env = recorded(&f, 2, "env");
		_cleanup_json_ struct json_object *conf = recorded_stdin(&f, 2);

		ck_assert_ptr_nonnull(env);
		ck_assert_ptr_nonnull(strstr(env, "CNI_COMMAND=DEL\n"));
		ck_assert_str_eq(prev_result_plugin(conf), "rec");
		ck_assert_ptr_null(recorded(&f, 3, "env"));
	}
	cache_path = fixture_cache_path(&f);
	ck_assert(!file_exists(cache_path));

	/* An error without CNI JSON: the exit status and stderr's text. */
	write_script(f.plugins, "failing",
		     "#!/bin/sh\necho 'starting' >&2\necho 'it broke' >&2\nexit 3\n");
	ck_assert_int_eq(cni_add(f.list, &f.rt, NULL, &err), -EPROTO);
	ck_assert_msg(strstr(err.message, "CNI plugin 'failing' exited with status 3: it broke"),
		      "%s", err.message);
	/* Its DEL failed too: said, after the ADD error. */
	ck_assert_msg(strstr(err.message, "; undoing it failed too: CNI plugin 'failing'"), "%s",
		      err.message);

	/* A plugin that exits 0 without a result. */
	write_script(f.plugins, "failing", "#!/bin/sh\necho 'not json'\n");
	ck_assert_int_eq(cni_add(f.list, &f.rt, NULL, &err), -EPROTO);
	ck_assert_msg(strstr(err.message, "exited 0 but printed no result object"), "%s",
		      err.message);

	/* A type that is not installed. */
	fixture_parse(&f, "{\"cniVersion\":\"1.0.0\",\"name\":\"failnet\",\"plugins\":["
			  "{\"type\":\"rec\"},{\"type\":\"bogus-plugin\"}]}");
	ck_assert_int_eq(cni_add(f.list, &f.rt, NULL, &err), -ENOENT);
	ck_assert_msg(strstr(err.message, "CNI plugin 'bogus-plugin' not found in") &&
			  strstr(err.message, "on ADD of network 'failnet'"),
		      "%s", err.message);
	/* Only rec is undone: the missing plugin never ran. */
	ck_assert_ptr_null(strstr(err.message, "undoing it failed"));
	ck_assert(!file_exists(cache_path));
	fixture_done(&f);
}
END_TEST

START_TEST(test_plugin_timeout)
{
	struct fixture f;
	struct lxcri_error err = { 0 };
	struct timespec t0, t1;
	int64_t elapsed_ms;

	fixture_init(&f);
	write_recorder(&f, "rec");
	write_script(f.plugins, "hang",
		     "#!/bin/sh\n[ \"$CNI_COMMAND\" = DEL ] && exit 0\nexec sleep 60\n");
	fixture_parse(&f, "{\"cniVersion\":\"1.0.0\",\"name\":\"hangnet\",\"plugins\":["
			  "{\"type\":\"rec\"},{\"type\":\"hang\"}]}");
	f.rt.timeout_ms = 300;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(cni_add(f.list, &f.rt, NULL, &err), -ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	elapsed_ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	ck_assert_int_lt(elapsed_ms, 5000);
	ck_assert_msg(
	    strstr(err.message, "CNI plugin 'hang' timed out after 300 ms and was killed"), "%s",
	    err.message);
	/* The first plugin was undone. */
	{
		_cleanup_free_ char *env = recorded(&f, 2, "env");

		ck_assert_ptr_nonnull(env);
		ck_assert_ptr_nonnull(strstr(env, "CNI_COMMAND=DEL\n"));
	}
	fixture_done(&f);
}
END_TEST

START_TEST(test_del_failure_keeps_cache)
{
	struct fixture f;
	_cleanup_free_ char *cache_path = NULL;
	struct lxcri_error err = { 0 };

	fixture_init(&f);
	write_recorder(&f, "rec");
	write_script(f.plugins, "stubborn",
		     "#!/bin/sh\n"
		     "if [ \"$CNI_COMMAND\" = ADD ]; then echo '{\"cniVersion\":\"1.0.0\"}'; exit "
		     "0; fi\n"
		     "echo '{\"code\":7,\"msg\":\"busy\"}'; exit 1\n");
	fixture_parse(&f, "{\"cniVersion\":\"1.0.0\",\"name\":\"stub\",\"plugins\":["
			  "{\"type\":\"rec\"},{\"type\":\"stubborn\"}]}");
	ck_assert_msg(cni_add(f.list, &f.rt, NULL, &err) == 0, "%s", err.message);
	cache_path = fixture_cache_path(&f);
	ck_assert(file_exists(cache_path));
	ck_assert_int_eq(cni_del(f.list, &f.rt, &err), -EPROTO);
	ck_assert_str_eq(err.message,
			 "CNI plugin 'stubborn' failed (code 7): busy, on DEL of network 'stub'");
	/* rec was still told, and the cache is kept for another try. */
	{
		_cleanup_free_ char *env = recorded(&f, 2, "env");

		ck_assert_ptr_nonnull(env);
		ck_assert_ptr_nonnull(strstr(env, "CNI_COMMAND=DEL\n"));
	}
	ck_assert(file_exists(cache_path));
	fixture_done(&f);
}
END_TEST

START_TEST(test_plugin_versions)
{
	_cleanup_strv_ char **versions = NULL;
	struct cni_runtime rt = { .timeout_ms = 10000 };
	struct lxcri_error err = { 0 };
	bool has_1_0 = false;

	if (!file_exists(PLUGINS_DIR "/bridge"))
		return;
	ck_assert_msg(cni_plugin_versions(&rt, "bridge", "1.0.0", &versions, &err) == 0, "%s",
		      err.message);
	STRV_FOREACH (v, versions)
		has_1_0 = has_1_0 || strcmp(*v, "1.0.0") == 0;
	ck_assert(has_1_0);
	ck_assert_int_eq(cni_plugin_versions(&rt, "no-such-plugin", "1.0.0", &versions, &err),
			 -ENOENT);
}
END_TEST

/* "The container": a child in its own network namespace, until container_stop(). */
struct container {
	pid_t pid;
	int release_fd;
	char netns[64];
};

static void container_start(struct container *c)
{
	int ready[2], release[2];
	char byte;

	ck_assert_int_eq(pipe2(ready, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(release, O_CLOEXEC), 0);
	c->pid = fork();
	ck_assert_int_ge(c->pid, 0);
	if (c->pid == 0) {
		close(ready[0]);
		close(release[1]);
		if (unshare(CLONE_NEWNET) < 0)
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		(void)!read(release[0], &byte, 1);
		_exit(0);
	}
	close(ready[1]);
	close(release[0]);
	ck_assert_int_eq(read(ready[0], &byte, 1), 1);
	close(ready[0]);
	c->release_fd = release[1];
	snprintf(c->netns, sizeof(c->netns), "/proc/%d/ns/net", (int)c->pid);
}

static void container_stop(struct container *c)
{
	close(c->release_fd);
	waitpid(c->pid, NULL, 0);
}

/* Whether interface name is listed in /proc/<pid>/net/dev (that process' namespace). */
static bool interface_in(pid_t pid, const char *name)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	size_t n = strlen(name);

	ck_assert_int_ge(asprintf(&path, "/proc/%d/net/dev", (int)pid), 0);
	text = slurp(path);
	ck_assert_ptr_nonnull(text);
	for (char *line = text; line && *line;
	     line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		line += strspn(line, " ");
		if (strncmp(line, name, n) == 0 && line[n] == ':')
			return true;
	}
	return false;
}

static size_t leases_in(const char *dir)
{
	_cleanup_(closedirp) DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (de->d_name[0] >= '0' && de->d_name[0] <= '9')
			n++;
	return n;
}

static bool real_plugins_usable(void)
{
	return geteuid() == 0 && file_exists(PLUGINS_DIR "/bridge") &&
	       file_exists(PLUGINS_DIR "/host-local");
}

static char *bridge_conflist_version(const char *version, const char *data_dir,
				     const char *second_type)
{
	char *text;

	ck_assert_int_ge(
	    asprintf(&text,
		     "{\"cniVersion\":\"%s\",\"name\":\"lxcritest\",\"plugins\":["
		     "{\"type\":\"bridge\",\"bridge\":\"lxcritest0\",\"isGateway\":true,"
		     "\"ipMasq\":false,\"ipam\":{\"type\":\"host-local\","
		     "\"dataDir\":\"%s\",\"ranges\":[[{\"subnet\":\"10.123.0.0/24\"}]]}}%s%s%s]}",
		     version, data_dir, second_type ? ",{\"type\":\"" : "",
		     second_type ? second_type : "", second_type ? "\"}" : ""),
	    0);
	return text;
}

static char *bridge_conflist(const char *data_dir, const char *second_type)
{
	return bridge_conflist_version("1.0.0", data_dir, second_type);
}

START_TEST(test_real_bridge_add_check_del)
{
	struct fixture f;
	struct container c;
	_cleanup_free_ char *text = NULL, *result = NULL, *cache_path = NULL, *leases = NULL;
	_cleanup_free_ char *lease = NULL;
	_cleanup_json_ struct json_object *o = NULL;
	struct lxcri_error err = { 0 };
	const char *address;
	struct json_object *ips;

	if (!real_plugins_usable())
		return;
	/* The plugins' host side (the bridge) goes into this test's own namespace. */
	ck_assert_int_eq(unshare(CLONE_NEWNET), 0);
	container_start(&c);
	fixture_init(&f);
	free(f.plugins);
	f.plugins = NULL;
	f.rt.plugin_path = NULL;
	f.rt.netns = c.netns;
	text = bridge_conflist(f.data, NULL);
	fixture_parse(&f, text);
	leases = path_join2(f.data, "lxcritest");

	ck_assert_msg(cni_add(f.list, &f.rt, &result, &err) == 0, "%s", err.message);
	o = json_tokener_parse(result);
	ck_assert_ptr_nonnull(o);
	ck_assert(json_object_object_get_ex(o, "ips", &ips));
	address = json_object_get_string(
	    json_object_object_get(json_object_array_get_idx(ips, 0), "address"));
	ck_assert_msg(address && strncmp(address, "10.123.0.", 9) == 0, "%s", result);
	ck_assert_msg(strstr(address, "/24"), "%s", address);
	ck_assert(interface_in(c.pid, "eth1"));
	ck_assert(interface_in(getpid(), "lxcritest0"));
	ck_assert(!interface_in(getpid(), "eth1"));
	ck_assert_uint_eq(leases_in(leases), 1);
	lease = strndup(address, strcspn(address, "/"));
	{
		_cleanup_free_ char *lease_path = path_join2(leases, lease);

		ck_assert_msg(file_exists(lease_path), "%s", lease_path);
	}
	cache_path = fixture_cache_path(&f);
	ck_assert(file_exists(cache_path));

	ck_assert_msg(cni_check(f.list, &f.rt, &err) == 0, "%s", err.message);

	ck_assert_msg(cni_del(f.list, &f.rt, &err) == 0, "%s", err.message);
	ck_assert_uint_eq(leases_in(leases), 0);
	ck_assert(!file_exists(cache_path));
	ck_assert(!interface_in(c.pid, "eth1"));
	/* Idempotent. */
	ck_assert_msg(cni_del(f.list, &f.rt, &err) == 0, "%s", err.message);
	container_stop(&c);
	fixture_done(&f);
}
END_TEST

/* A 0.4.0 configuration: the plugins answer in 0.4.0's result format, passed through. */
START_TEST(test_real_bridge_version_0_4_0)
{
	struct fixture f;
	struct container c;
	_cleanup_free_ char *text = NULL, *result = NULL, *leases = NULL;
	_cleanup_json_ struct json_object *o = NULL;
	struct lxcri_error err = { 0 };
	struct json_object *ip;

	if (!real_plugins_usable())
		return;
	ck_assert_int_eq(unshare(CLONE_NEWNET), 0);
	container_start(&c);
	fixture_init(&f);
	f.rt.plugin_path = NULL;
	f.rt.netns = c.netns;
	f.rt.ifname = "eth0";
	text = bridge_conflist_version("0.4.0", f.data, NULL);
	fixture_parse(&f, text);
	leases = path_join2(f.data, "lxcritest");

	ck_assert_msg(cni_add(f.list, &f.rt, &result, &err) == 0, "%s", err.message);
	o = json_tokener_parse(result);
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(o, "cniVersion")), "0.4.0");
	ip = json_object_array_get_idx(json_object_object_get(o, "ips"), 0);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(ip, "version")), "4");
	ck_assert_msg(strncmp(json_object_get_string(json_object_object_get(ip, "address")),
			      "10.123.0.", 9) == 0,
		      "%s", result);
	ck_assert(interface_in(c.pid, "eth0"));
	ck_assert_msg(cni_check(f.list, &f.rt, &err) == 0, "%s", err.message);
	ck_assert_msg(cni_del(f.list, &f.rt, &err) == 0, "%s", err.message);
	ck_assert(!interface_in(c.pid, "eth0"));
	ck_assert_uint_eq(leases_in(leases), 0);
	container_stop(&c);
	fixture_done(&f);
}
END_TEST

START_TEST(test_real_bridge_rollback)
{
	struct fixture f;
	struct container c;
	_cleanup_free_ char *text = NULL, *leases = NULL, *cache_path = NULL, *result = NULL;
	struct lxcri_error err = { 0 };

	if (!real_plugins_usable())
		return;
	ck_assert_int_eq(unshare(CLONE_NEWNET), 0);
	container_start(&c);
	fixture_init(&f);
	write_script(f.plugins, "failing",
		     "#!/bin/sh\n"
		     "cat >/dev/null\n"
		     "[ \"$CNI_COMMAND\" = DEL ] && exit 0\n"
		     "echo '{\"cniVersion\":\"1.0.0\",\"code\":100,\"msg\":\"refused\"}'\n"
		     "exit 1\n");
	write_script(f.plugins, "hang",
		     "#!/bin/sh\n[ \"$CNI_COMMAND\" = DEL ] && exit 0\nexec sleep 60\n");
	{
		_cleanup_free_ char *path = NULL;

		ck_assert_int_ge(asprintf(&path, "%s:" PLUGINS_DIR, f.plugins), 0);
		f.rt.plugin_path = strdup(path);
	}
	f.rt.netns = c.netns;
	leases = path_join2(f.data, "lxcritest");

	/* A second plugin that errors: the bridge's ADD is undone. */
	text = bridge_conflist(f.data, "failing");
	fixture_parse(&f, text);
	cache_path = fixture_cache_path(&f);
	ck_assert_int_eq(cni_add(f.list, &f.rt, &result, &err), -EPROTO);
	ck_assert_str_eq(err.message,
			 "CNI plugin 'failing' failed (code 100): refused, on ADD of network "
			 "'lxcritest'");
	ck_assert_ptr_null(result);
	ck_assert_uint_eq(leases_in(leases), 0);
	ck_assert(!interface_in(c.pid, "eth1"));
	ck_assert(!file_exists(cache_path));

	/* A type that does not exist. */
	free(text);
	text = bridge_conflist(f.data, "bogus");
	fixture_parse(&f, text);
	ck_assert_int_eq(cni_add(f.list, &f.rt, NULL, &err), -ENOENT);
	ck_assert_uint_eq(leases_in(leases), 0);
	ck_assert(!interface_in(c.pid, "eth1"));

	/* One that hangs: killed at the timeout, and undone. */
	free(text);
	text = bridge_conflist(f.data, "hang");
	fixture_parse(&f, text);
	f.rt.timeout_ms = 1000;
	ck_assert_int_eq(cni_add(f.list, &f.rt, NULL, &err), -ETIMEDOUT);
	ck_assert_msg(strstr(err.message, "CNI plugin 'hang' timed out after 1000 ms"), "%s",
		      err.message);
	ck_assert_uint_eq(leases_in(leases), 0);
	ck_assert(!interface_in(c.pid, "eth1"));
	ck_assert(!file_exists(cache_path));

	free((char *)f.rt.plugin_path);
	container_stop(&c);
	fixture_done(&f);
}
END_TEST

static Suite *cni_suite(void)
{
	Suite *s = suite_create("cni");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_parse_valid);
	tcase_add_test(tc, test_parse_versions);
	tcase_add_test(tc, test_parse_errors);
	tcase_add_test(tc, test_parse_nul_and_oversize);
	tcase_add_test(tc, test_parse_single_plugin);
	tcase_add_test(tc, test_name_valid);
	tcase_add_test(tc, test_load_directory);
	tcase_add_test(tc, test_find_plugin);
	tcase_add_test(tc, test_protocol_with_recorder);
	tcase_add_test(tc, test_cache_config_base64);
	tcase_add_test(tc, test_runtime_validation);
	tcase_add_test(tc, test_relative_plugin_path_refused);
	tcase_add_test(tc, test_cache_names_cannot_collide);
	tcase_add_test(tc, test_check_versions_and_disabled);
	tcase_add_test(tc, test_plugin_error_undoes_add);
	tcase_add_test(tc, test_plugin_timeout);
	tcase_add_test(tc, test_del_failure_keeps_cache);
	tcase_add_test(tc, test_plugin_versions);
	tcase_add_test(tc, test_real_bridge_add_check_del);
	tcase_add_test(tc, test_real_bridge_version_0_4_0);
	tcase_add_test(tc, test_real_bridge_rollback);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(cni_suite)
