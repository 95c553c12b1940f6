/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <json-c/json.h>

#include "testutil.h"

#include "lib/shared/json.h"
#include "lib/ocihooks/ocihooks.h"

#include "lib/basic/cleanup.h"
#include "lib/basic/strv.h"

#define BUNDLE "/var/lib/lxcri/bundles/105/config.json"

static char *path_join2(const char *a, const char *b)
{
	char *p;

	ck_assert_int_ge(asprintf(&p, "%s/%s", a, b), 0);
	return p;
}

/* An exact-size copy: no NUL after the end for the parser to lean on. */
static char *exact_copy(const char *text, size_t *ret_size)
{
	size_t size = strlen(text);
	char *copy = malloc(size ? size : 1);

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, text, size);
	*ret_size = size;
	return copy;
}

static int parse_bundle(const char *text, struct oci_hooks *ret, struct json_object **ret_ann,
			struct lxcri_error *err)
{
	size_t size;
	_cleanup_free_ char *copy = exact_copy(text, &size);

	return ocihooks_parse_bundle(BUNDLE, copy, size, ret, ret_ann, err);
}

static int add_file(const char *text, const struct ocihooks_match *m, struct oci_hooks *io,
		    struct lxcri_error *err)
{
	size_t size;
	_cleanup_free_ char *copy = exact_copy(text, &size);

	return ocihooks_add_file("/etc/hooks.d/x.json", copy, size, m, io, err);
}

static size_t total(const struct oci_hooks *h)
{
	size_t n = 0;

	for (int s = 0; s < OCI_STAGE_COUNT; s++)
		n += h->n[s];
	return n;
}

static size_t strv_count(char **l)
{
	size_t n = 0;

	while (l && l[n])
		n++;
	return n;
}

START_TEST(test_stage_names)
{
	const char *names[] = { "prestart",	  "createRuntime", "createContainer",
				"startContainer", "poststart",	   "poststop" };

	ck_assert_int_eq(ELEMENTSOF(names), OCI_STAGE_COUNT);
	for (int s = 0; s < OCI_STAGE_COUNT; s++) {
		ck_assert_str_eq(ocihooks_stage_name(s), names[s]);
		ck_assert_int_eq(ocihooks_stage_from_name(names[s]), s);
	}
	ck_assert_ptr_null(ocihooks_stage_name(OCI_STAGE_COUNT));
	ck_assert_ptr_null(ocihooks_stage_name((enum oci_stage) - 1));
	ck_assert_int_eq(ocihooks_stage_from_name("Prestart"), -EINVAL);
	ck_assert_int_eq(ocihooks_stage_from_name("prestop"), -EINVAL);
	ck_assert_int_eq(ocihooks_stage_from_name(""), -EINVAL);
	ck_assert_int_eq(ocihooks_stage_from_name(NULL), -EINVAL);
}
END_TEST

START_TEST(test_bundle_valid)
{
	_cleanup_ocihooks_ struct oci_hooks h = { 0 };
	_cleanup_json_ struct json_object *ann = NULL;
	_cleanup_strv_ char **pairs = NULL;
	struct lxcri_error err = { 0 };
	const char *text =
	    "{\n"
	    "  \"ociVersion\": \"1.0.2\",\n"
	    "  \"process\": {\"args\": [\"/sbin/init\"]},\n"
	    "  \"hooks\": {\n"
	    "    \"poststop\": [{\"path\": \"/usr/bin/cleanup\"}],\n"
	    "    \"prestart\": [\n"
	    "      {\"path\": \"/usr/bin/fix-mounts\", \"args\": [\"fix-mounts\", \"arg1\"],\n"
	    "       \"env\": [\"key1=value1\", \"EMPTY=\"], \"timeout\": 5},\n"
	    "      {\"path\": \"/usr/bin/setup-network\", \"args\": []}\n"
	    "    ],\n"
	    "    \"createRuntime\": null,\n"
	    "    \"startContainer\": [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"x\"]}]\n"
	    "  },\n"
	    "  \"annotations\": {\"com.example.gpu\": \"all\", \"note\": \"a=b\"}\n"
	    "}\n";

	ck_assert_msg(parse_bundle(text, &h, &ann, &err) == 0, "%s", err.message);
	ck_assert_uint_eq(total(&h), 4);
	ck_assert_uint_eq(h.n[OCI_PRESTART], 2);
	ck_assert_str_eq(h.by_stage[OCI_PRESTART][0].path, "/usr/bin/fix-mounts");
	ck_assert_str_eq(h.by_stage[OCI_PRESTART][0].args[0], "fix-mounts");
	ck_assert_str_eq(h.by_stage[OCI_PRESTART][0].args[1], "arg1");
	ck_assert_ptr_null(h.by_stage[OCI_PRESTART][0].args[2]);
	ck_assert_str_eq(h.by_stage[OCI_PRESTART][0].env[0], "key1=value1");
	ck_assert_str_eq(h.by_stage[OCI_PRESTART][0].env[1], "EMPTY=");
	ck_assert_int_eq(h.by_stage[OCI_PRESTART][0].timeout_s, 5);
	ck_assert_str_eq(h.by_stage[OCI_PRESTART][0].source, BUNDLE);
	ck_assert_str_eq(h.by_stage[OCI_PRESTART][0].why, "bundle config.json");
	/* Order kept; an empty args array is not the same as none. */
	ck_assert_str_eq(h.by_stage[OCI_PRESTART][1].path, "/usr/bin/setup-network");
	ck_assert_ptr_nonnull(h.by_stage[OCI_PRESTART][1].args);
	ck_assert_ptr_null(h.by_stage[OCI_PRESTART][1].args[0]);
	ck_assert_ptr_null(h.by_stage[OCI_PRESTART][1].env);
	ck_assert_int_eq(h.by_stage[OCI_PRESTART][1].timeout_s, 0);
	ck_assert_uint_eq(h.n[OCI_CREATE_RUNTIME], 0);
	ck_assert_uint_eq(h.n[OCI_START_CONTAINER], 1);
	ck_assert_str_eq(h.by_stage[OCI_START_CONTAINER][0].args[2], "x");
	ck_assert_uint_eq(h.n[OCI_POSTSTOP], 1);
	ck_assert_ptr_null(h.by_stage[OCI_POSTSTOP][0].args);
	ck_assert_ptr_null(h.warnings);

	ck_assert_str_eq(json_object_get_string(json_object_object_get(ann, "com.example.gpu")),
			 "all");
	ck_assert_int_eq(ocihooks_annotations_strv(ann, &pairs), 0);
	ck_assert_uint_eq(strv_count(pairs), 2);
	ck_assert_str_eq(pairs[0], "com.example.gpu=all");
	ck_assert_str_eq(pairs[1], "note=a=b");
}
END_TEST

START_TEST(test_bundle_without_hooks)
{
	const char *texts[] = { "{}", "{\"hooks\": null, \"annotations\": null}",
				"{\"hooks\": {}, \"annotations\": {}}" };

	for (size_t i = 0; i < ELEMENTSOF(texts); i++) {
		_cleanup_ocihooks_ struct oci_hooks h = { 0 };
		_cleanup_json_ struct json_object *ann = NULL;
		_cleanup_strv_ char **pairs = NULL;
		struct lxcri_error err = { 0 };

		ck_assert_msg(parse_bundle(texts[i], &h, &ann, &err) == 0, "%s", err.message);
		ck_assert_uint_eq(total(&h), 0);
		ck_assert(json_object_is_type(ann, json_type_object));
		ck_assert_int_eq(json_object_object_length(ann), 0);
		ck_assert_int_eq(ocihooks_annotations_strv(ann, &pairs), 0);
		ck_assert_ptr_null(pairs[0]);
	}
	/* ret_annotations may be NULL. */
	{
		_cleanup_ocihooks_ struct oci_hooks h = { 0 };
		struct lxcri_error err = { 0 };

		ck_assert_int_eq(
		    parse_bundle("{\"hooks\":{\"poststop\":[{\"path\":\"/x\"}]}}", &h, NULL, &err),
		    0);
		ck_assert_uint_eq(h.n[OCI_POSTSTOP], 1);
	}
}
END_TEST

START_TEST(test_bundle_errors)
{
#define HOOK(entry) "{\"hooks\": {\"prestart\": [{\"path\": \"/bin/true\"}, " entry "]}}"
	struct {
		const char *text;
		const char *message; /* after BUNDLE ": " */
	} cases[] = {
		{ "", "empty, not a runtime configuration" },
		{ " \n ", "empty, not a runtime configuration" },
		{ "{\n  \"hooks\": {\n    \"prestart\": [,]\n  }\n}",
		  "not JSON: unexpected character at line 3, column 18" },
		{ "{\"hooks\": {", "(truncated?)" },
		{ "[]", "must be a JSON object, not array" },
		{ "{\"hooks\": []}", "'hooks' must be an object, not array" },
		{ "{\"hooks\": {\"prestop\": []}}", "unknown hook stage 'prestop' in 'hooks'" },
		{ "{\"hooks\": {\"PreStart\": []}}", "unknown hook stage 'PreStart' in 'hooks'" },
		{ "{\"hooks\": {\"prestart\": {}}}",
		  "'hooks.prestart' must be an array, not object" },
		{ HOOK("\"/bin/true\""), "hooks.prestart[1]: must be an object, not string" },
		{ HOOK("{}"), "hooks.prestart[1]: missing 'path'" },
		{ HOOK("{\"path\": null}"), "hooks.prestart[1]: missing 'path'" },
		{ HOOK("{\"path\": 5}"), "hooks.prestart[1]: 'path' must be a string, not int" },
		{ HOOK("{\"path\": \"bin/true\"}"), "hooks.prestart[1]: 'path' 'bin/true' is not "
						    "absolute" },
		{ HOOK("{\"path\": \"\"}"), "hooks.prestart[1]: 'path' '' is not absolute" },
		{ HOOK("{\"path\": \"/bin/\\u0000x\"}"), "hooks.prestart[1]: 'path' holds a NUL "
							 "byte" },
		{ HOOK("{\"path\": \"/x\", \"args\": \"x\"}"),
		  "hooks.prestart[1]: 'args' must be an array of strings, not string" },
		{ HOOK("{\"path\": \"/x\", \"args\": [\"x\", 1]}"),
		  "hooks.prestart[1]: 'args'[1] must be a string, not int" },
		{ HOOK("{\"path\": \"/x\", \"env\": [\"PATH\"]}"),
		  "hooks.prestart[1]: 'env'[0] 'PATH' is not KEY=VALUE" },
		{ HOOK("{\"path\": \"/x\", \"env\": [\"=x\"]}"),
		  "hooks.prestart[1]: 'env'[0] '=x' is not KEY=VALUE" },
		{ HOOK("{\"path\": \"/x\", \"timeout\": 0}"),
		  "hooks.prestart[1]: 'timeout' must be greater than zero" },
		{ HOOK("{\"path\": \"/x\", \"timeout\": -3}"),
		  "hooks.prestart[1]: 'timeout' must be greater than zero" },
		{ HOOK("{\"path\": \"/x\", \"timeout\": 1.5}"),
		  "hooks.prestart[1]: 'timeout' must be an integer, not double" },
		{ HOOK("{\"path\": \"/x\", \"timeout\": \"5\"}"),
		  "hooks.prestart[1]: 'timeout' must be an integer, not string" },
		{ HOOK("{\"path\": \"/x\", \"timeout\": 2147483648}"),
		  "hooks.prestart[1]: 'timeout' is too large" },
		{ "{\"annotations\": []}", "'annotations' must be an object, not array" },
		{ "{\"annotations\": {\"a\": 1}}",
		  "'annotations' has a value that is not a string ('a')" },
		{ "{\"annotations\": {\"a=b\": \"c\"}}",
		  "'annotations' has a key with '=' ('a=b')" },
		{ "{\"annotations\": {\"\": \"c\"}}", "'annotations' has an empty key ('')" },
	};
#undef HOOK

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct oci_hooks h = { .n[OCI_POSTSTOP] = 42 }; /* untouched on failure */
		struct json_object *ann = (struct json_object *)&h;
		struct lxcri_error err = { 0 };
		const char *prefix = BUNDLE ": ";
		int r = parse_bundle(cases[i].text, &h, &ann, &err);

		ck_assert_msg(r == -EINVAL, "case %zu: %d", i, r);
		ck_assert_int_eq(err.code, r);
		ck_assert_uint_eq(h.n[OCI_POSTSTOP], 42);
		ck_assert_ptr_eq(ann, &h);
		ck_assert_msg(strncmp(err.message, prefix, strlen(prefix)) == 0, "case %zu: %s", i,
			      err.message);
		ck_assert_msg(strstr(err.message, cases[i].message), "case %zu: '%s' lacks '%s'", i,
			      err.message, cases[i].message);
	}
}
END_TEST

/* A 1.0.0 file for /bin/true at prestart with the given "when". */
static char *current_file(const char *when)
{
	char *text;

	ck_assert_int_ge(asprintf(&text,
				  "{\"version\": \"1.0.0\", \"hook\": {\"path\": \"/bin/true\"},"
				  " \"when\": %s, \"stages\": [\"prestart\"]}",
				  when),
			 0);
	return text;
}

START_TEST(test_when_current)
{
	const char *gpu[] = { "com.example.gpu=all", "com.example.department=fluid-dynamics",
			      "flag", NULL };
	struct {
		const char *when;
		const char *const *annotations;
		const char *command;
		bool bind;
		const char *why; /* NULL: no match */
	} cases[] = {
		{ "{\"always\": true}", NULL, NULL, false, "always" },
		{ "{\"always\": false}", gpu, "/sbin/init", true, NULL },
		{ "{\"hasBindMounts\": true}", NULL, NULL, true, "hasBindMounts" },
		{ "{\"hasBindMounts\": true}", NULL, NULL, false, NULL },
		/* Set to false: a condition that never matches, so neither does the hook. */
		{ "{\"hasBindMounts\": false}", NULL, NULL, true, NULL },
		{ "{\"always\": true, \"hasBindMounts\": false}", NULL, NULL, false, NULL },
		{ "{\"always\": true, \"hasBindMounts\": true}", NULL, NULL, false, NULL },
		{ "{\"always\": true, \"hasBindMounts\": true}", NULL, NULL, true,
		  "always and hasBindMounts" },
		{ "{\"annotations\": {\"^com\\\\.example\\\\.gpu$\": \"^all$\"}}", gpu, NULL, false,
		  "annotation 'com.example.gpu=all' matches {'^com\\\\.example\\\\.gpu$': "
		  "'^all$'}" },
		{ "{\"annotations\": {\"^com\\\\.example\\\\.gpu$\": \"^none$\"}}", gpu, NULL,
		  false, NULL },
		{ "{\"annotations\": {\"gpu\": \"al\"}}", NULL, NULL, false, NULL },
		/* Unanchored, as Go's regexp.MatchString. */
		{ "{\"annotations\": {\"gpu\": \"l\"}}", gpu, NULL, false,
		  "annotation 'com.example.gpu=all' matches {'gpu': 'l'}" },
		{ "{\"annotations\": {\"^gpu$\": \".*\"}}", gpu, NULL, false, NULL },
		/* Empty patterns match everything, as in Go. */
		{ "{\"annotations\": {\"\": \"\"}}", gpu, NULL, false,
		  "annotation 'com.example.gpu=all' matches {'': ''}" },
		{ "{\"commands\": [\"\"]}", NULL, "/sbin/init", false,
		  "command '/sbin/init' matches ''" },
		/* The key matches one annotation, the value another: no match. */
		{ "{\"annotations\": {\"gpu\": \"fluid\"}}", gpu, NULL, false, NULL },
		{ "{\"annotations\": {\"department\": \"fluid\"}}", gpu, NULL, false,
		  "annotation 'com.example.department=fluid-dynamics' matches {'department': "
		  "'fluid'}" },
		/* Every pair must match. */
		{ "{\"annotations\": {\"gpu\": \"all\", \"department\": \"fluid\"}}", gpu, NULL,
		  false,
		  "annotation 'com.example.gpu=all' matches {'gpu': 'all'} and annotation "
		  "'com.example.department=fluid-dynamics' matches {'department': 'fluid'}" },
		{ "{\"annotations\": {\"gpu\": \"all\", \"department\": \"chemistry\"}}", gpu, NULL,
		  false, NULL },
		/* An annotation without '=' has the value "". */
		{ "{\"annotations\": {\"^flag$\": \"^$\"}}", gpu, NULL, false,
		  "annotation 'flag' matches {'^flag$': '^$'}" },
		{ "{\"commands\": [\".*/init$\", \".*/systemd$\"]}", NULL, "/sbin/init", false,
		  "command '/sbin/init' matches '.*/init$'" },
		{ "{\"commands\": [\".*/init$\", \".*/systemd$\"]}", NULL, "/lib/systemd/systemd",
		  false, "command '/lib/systemd/systemd' matches '.*/systemd$'" },
		{ "{\"commands\": [\".*/init$\"]}", NULL, "/bin/sh", false, NULL },
		{ "{\"commands\": [\"init\"]}", NULL, "/sbin/init", false,
		  "command '/sbin/init' matches 'init'" },
		{ "{\"commands\": [\"init\"]}", NULL, NULL, false, NULL },
		{ "{\"commands\": [\"in+?it*?\"]}", NULL, "/sbin/init", false,
		  "command '/sbin/init' matches 'in+?it*?'" },
		/* Regexes that are fine, however they look. */
		{ "{\"commands\": [\"^/[a-z]{1,3}(/[[:alnum:]_.-]{1,20}){3}$\"]}", NULL,
		  "/usr/lib/systemd/systemd", false,
		  "command '/usr/lib/systemd/systemd' matches "
		  "'^/[a-z]{1,3}(/[[:alnum:]_.-]{1,20}){3}$'" },
		{ "{\"commands\": [\"[]{(]+x{2,}\\\\{\"]}", NULL, "]{(xxx{", false,
		  "command ']{(xxx{' matches '[]{(]+x{2,}\\\\{'" },
		{ "{\"commands\": [\"^init\"]}", NULL, "/sbin/init", false, NULL },
		{ "{\"always\": true, \"commands\": [\"init\"]}", NULL, "/bin/sh", false, NULL },
		{ "{\"always\": true, \"commands\": [\"init\"]}", NULL, "/sbin/init", false,
		  "always and command '/sbin/init' matches 'init'" },
		{ "{\"annotations\": {\"gpu\": \"all\"}, \"commands\": [\"init\"]}", gpu, "/bin/sh",
		  false, NULL },
		{ "{\"always\": true, \"hasBindMounts\": true, \"annotations\": {\"gpu\": \"all\"},"
		  " \"commands\": [\"init\"]}",
		  gpu, "/sbin/init", true,
		  "always and hasBindMounts and annotation 'com.example.gpu=all' matches {'gpu': "
		  "'all'} and command '/sbin/init' matches 'init'" },
		/* Empty annotations and commands are not conditions; names match without case. */
		{ "{\"always\": true, \"annotations\": {}, \"commands\": []}", NULL, "/bin/sh",
		  false, "always" },
		{ "{\"Always\": true, \"HASBINDMOUNTS\": true}", NULL, NULL, true,
		  "always and hasBindMounts" },
		{ "{\"always\": null, \"hasBindMounts\": true}", NULL, NULL, true,
		  "hasBindMounts" },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_ocihooks_ struct oci_hooks h = { 0 };
		_cleanup_free_ char *text = current_file(cases[i].when);
		struct ocihooks_match m = { .annotations = cases[i].annotations,
					    .command = cases[i].command,
					    .has_bind_mounts = cases[i].bind };
		struct lxcri_error err = { 0 };
		int r = add_file(text, &m, &h, &err);

		ck_assert_msg(r >= 0, "case %zu: %s", i, err.message);
		ck_assert_msg(r == (cases[i].why != NULL), "case %zu: %d", i, r);
		ck_assert_uint_eq(total(&h), r);
		if (r == 0)
			continue;
		ck_assert_str_eq(h.by_stage[OCI_PRESTART][0].why, cases[i].why);
		ck_assert_str_eq(h.by_stage[OCI_PRESTART][0].source, "/etc/hooks.d/x.json");
		ck_assert_str_eq(h.by_stage[OCI_PRESTART][0].path, "/bin/true");
	}
}
END_TEST

START_TEST(test_when_legacy)
{
	const char *ann[] = { "com.example.department=fluid-dynamics", NULL };
	struct {
		const char *text;
		const char *const *annotations;
		const char *command;
		bool bind;
		const char *why; /* NULL: no match */
	} cases[] = {
		{ "{\"hook\": \"/bin/true\", \"stages\": [\"prestart\"], \"cmds\": [\".*/init$\"]}",
		  NULL, "/sbin/init", false, "command '/sbin/init' matches '.*/init$'" },
		{ "{\"hook\": \"/bin/true\", \"stage\": [\"prestart\"], \"cmd\": [\".*/init$\"]}",
		  NULL, "/sbin/init", false, "command '/sbin/init' matches '.*/init$'" },
		{ "{\"hook\": \"/bin/true\", \"stages\": [\"prestart\"], \"cmds\": [\".*/init$\"]}",
		  NULL, "/bin/sh", false, NULL },
		{ "{\"version\": \"0.1.0\", \"hook\": \"/bin/true\", \"stages\": [\"prestart\"],"
		  " \"hasbindmounts\": true}",
		  NULL, NULL, true, "hasBindMounts" },
		{ "{\"hook\": \"/bin/true\", \"stages\": [\"prestart\"], \"hasbindmounts\": true}",
		  NULL, NULL, false, NULL },
		/* Go's field names match without case: hasBindMounts is hasbindmounts. */
		{ "{\"version\": \"\", \"hook\": \"/bin/true\", \"stages\": [\"prestart\"],"
		  " \"hasBindMounts\": true}",
		  NULL, NULL, true, "hasBindMounts" },
		/* Any value, any key; the patterns joined with '|'. */
		{ "{\"hook\": \"/bin/true\", \"stages\": [\"prestart\"],"
		  " \"annotations\": [\"chemistry\", \"fluid\"]}",
		  ann, NULL, false,
		  "annotation 'com.example.department=fluid-dynamics' matches {'.*': "
		  "'chemistry|fluid'}" },
		{ "{\"hook\": \"/bin/true\", \"stages\": [\"prestart\"],"
		  " \"annotation\": [\"department\"]}",
		  ann, NULL, false, NULL },
		/* One condition is enough. */
		{ "{\"hook\": \"/bin/true\", \"stages\": [\"prestart\"], \"cmds\": [\"nomatch\"],"
		  " \"annotations\": [\"fluid\"], \"hasbindmounts\": false}",
		  ann, "/sbin/init", true,
		  "annotation 'com.example.department=fluid-dynamics' matches {'.*': 'fluid'}" },
		{ "{\"hook\": \"/bin/true\", \"stages\": [\"prestart\"], \"cmds\": [\"init\"],"
		  " \"hasbindmounts\": true}",
		  NULL, "/sbin/init", true, "hasBindMounts" },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_ocihooks_ struct oci_hooks h = { 0 };
		struct ocihooks_match m = { .annotations = cases[i].annotations,
					    .command = cases[i].command,
					    .has_bind_mounts = cases[i].bind };
		struct lxcri_error err = { 0 };
		int r = add_file(cases[i].text, &m, &h, &err);

		ck_assert_msg(r >= 0, "case %zu: %s", i, err.message);
		ck_assert_msg(r == (cases[i].why != NULL), "case %zu: %d", i, r);
		if (r == 0)
			continue;
		ck_assert_uint_eq(h.n[OCI_PRESTART], 1);
		ck_assert_str_eq(h.by_stage[OCI_PRESTART][0].why, cases[i].why);
		ck_assert_ptr_null(h.by_stage[OCI_PRESTART][0].args);
	}
}
END_TEST

START_TEST(test_legacy_arguments)
{
	_cleanup_ocihooks_ struct oci_hooks h = { 0 };
	const enum oci_stage stages[] = { OCI_PRESTART, OCI_POSTSTOP };
	struct ocihooks_match m = { .has_bind_mounts = true };
	struct lxcri_error err = { 0 };
	const char *text = "{\"hook\": \"/bin/true\", \"arguments\": [\"--debug\", \"-v\"],"
			   " \"hasbindmounts\": true, \"stages\": [\"prestart\", \"poststop\"]}";

	ck_assert_msg(add_file(text, &m, &h, &err) == 1, "%s", err.message);
	ck_assert_uint_eq(total(&h), 2);
	for (size_t i = 0; i < ELEMENTSOF(stages); i++) {
		enum oci_stage s = stages[i];
		const struct oci_hook *hook = &h.by_stage[s][0];

		ck_assert_uint_eq(h.n[s], 1);
		ck_assert_str_eq(hook->path, "/bin/true");
		ck_assert_uint_eq(strv_count(hook->args), 3);
		ck_assert_str_eq(hook->args[0], "/bin/true");
		ck_assert_str_eq(hook->args[1], "--debug");
		ck_assert_str_eq(hook->args[2], "-v");
		ck_assert_ptr_null(hook->env);
	}
}
END_TEST

START_TEST(test_file_hook_and_stages)
{
	_cleanup_ocihooks_ struct oci_hooks h = { 0 };
	struct lxcri_error err = { 0 };
	const char *text =
	    "{\"version\": \"1.0.0\",\n"
	    " \"hook\": {\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"exit 0\"],"
	    "  \"env\": [\"A=1\"], \"timeout\": 7, \"unknown\": 1},\n"
	    " \"when\": {\"always\": true},\n"
	    " \"stages\": [\"poststop\", \"createRuntime\", \"poststop\","
	    " \"createContainer\", \"startContainer\", \"poststart\"],\n"
	    " \"extra\": {\"ignored\": true}}";

	/* m NULL: a container without annotations, command or bind mounts. */
	ck_assert_msg(add_file(text, NULL, &h, &err) == 1, "%s", err.message);
	ck_assert_uint_eq(h.n[OCI_PRESTART], 0);
	for (int s = OCI_CREATE_RUNTIME; s < OCI_STAGE_COUNT; s++) {
		const struct oci_hook *hook;

		/* A stage listed twice adds the hook once. */
		ck_assert_uint_eq(h.n[s], 1);
		hook = &h.by_stage[s][0];
		ck_assert_str_eq(hook->path, "/bin/sh");
		ck_assert_str_eq(hook->args[2], "exit 0");
		ck_assert_str_eq(hook->env[0], "A=1");
		ck_assert_ptr_null(hook->env[1]);
		ck_assert_int_eq(hook->timeout_s, 7);
		ck_assert_str_eq(hook->why, "always");
	}

	/* A second file appends; blank files define nothing. */
	ck_assert_int_eq(add_file(text, NULL, &h, &err), 1);
	ck_assert_uint_eq(h.n[OCI_POSTSTOP], 2);
	ck_assert_int_eq(add_file("", NULL, &h, &err), 0);
	ck_assert_int_eq(add_file(" \n\t", NULL, &h, &err), 0);
	ck_assert_uint_eq(total(&h), 10);
}
END_TEST

START_TEST(test_file_errors)
{
#define V1(hook, when, stages)                                                                     \
	"{\"version\": \"1.0.0\", \"hook\": " hook ", \"when\": " when ", \"stages\": " stages "}"
#define TRUE_HOOK "{\"path\": \"/bin/true\"}"
#define ALWAYS	  "{\"always\": true}"
#define PRESTART  "[\"prestart\"]"
	struct {
		const char *text;
		const char *message; /* after "/etc/hooks.d/x.json: " */
	} cases[] = {
		{ "{\n  \"version\": \"1.0.0\",\n  \"hook\": {\"path\": \"/bin/true\"}\n  "
		  "\"when\": {}\n}",
		  "not JSON: object value separator ',' expected at line 4, column 3" },
		{ "{\"version\": \"1.0.0\"", "not JSON: " },
		{ "\"1.0.0\"", "must be a JSON object, not string" },
		{ "{\"version\": \"2.0.0\"}",
		  "unknown hook version '2.0.0' (expected 1.0.0 or 0.1.0)" },
		{ "{\"version\": 1}", "'version' must be a string, not int" },
		{ "{\"version\": \"1.0.0\", \"when\": " ALWAYS ", \"stages\": " PRESTART "}",
		  "missing 'hook'" },
		{ V1("{}", ALWAYS, PRESTART), "hook: missing 'path'" },
		{ V1("\"/bin/true\"", ALWAYS, PRESTART), "hook: must be an object, not string" },
		{ V1("{\"path\": \"true\"}", ALWAYS, PRESTART),
		  "hook: 'path' 'true' is not absolute" },
		{ V1("{\"path\": \"/nonexistent/hook\"}", ALWAYS, PRESTART),
		  "hook '/nonexistent/hook': No such file or directory" },
		{ V1("{\"path\": \"/bin/true\", \"timeout\": 0}", ALWAYS, PRESTART),
		  "hook: 'timeout' must be greater than zero" },
		{ V1("{\"path\": \"/bin/true\", \"env\": [\"X\"]}", ALWAYS, PRESTART),
		  "hook: 'env'[0] 'X' is not KEY=VALUE" },
		{ "{\"version\": \"1.0.0\", \"hook\": " TRUE_HOOK ", \"when\": " ALWAYS "}",
		  "missing 'stages'" },
		{ V1(TRUE_HOOK, ALWAYS, "[]"),
		  "'stages' is empty: the hook would never be injected" },
		{ V1(TRUE_HOOK, ALWAYS, "\"prestart\""),
		  "'stages' must be an array of strings, not string" },
		{ V1(TRUE_HOOK, ALWAYS, "[\"prestart\", \"prestop\"]"),
		  "unknown stage 'prestop' in 'stages'" },
		{ V1(TRUE_HOOK, "[]", PRESTART), "'when' must be an object, not array" },
		{ V1(TRUE_HOOK, "{}", PRESTART),
		  "no condition in 'when': the hook would never be injected" },
		{ "{\"version\": \"1.0.0\", \"hook\": " TRUE_HOOK ", \"stages\": " PRESTART "}",
		  "no condition in 'when'" },
		{ V1(TRUE_HOOK, "{\"annotations\": {}, \"commands\": []}", PRESTART),
		  "no condition in 'when'" },
		{ V1(TRUE_HOOK, "{\"always\": \"yes\"}", PRESTART),
		  "when: 'always' must be a boolean, not string" },
		{ V1(TRUE_HOOK, "{\"hasBindMounts\": 1}", PRESTART),
		  "when: 'hasBindMounts' must be a boolean, not int" },
		{ V1(TRUE_HOOK, "{\"annotations\": [\"a\"]}", PRESTART),
		  "when: 'annotations' must be an object, not array" },
		{ V1(TRUE_HOOK, "{\"annotations\": {\"a\": 1}}", PRESTART),
		  "when: 'annotations' value of 'a' must be a string, not int" },
		{ V1(TRUE_HOOK, "{\"annotations\": {\"a(\": \"b\"}}", PRESTART),
		  "when: invalid annotation key regex 'a(': " },
		{ V1(TRUE_HOOK, "{\"annotations\": {\"a\": \"[b\"}}", PRESTART),
		  "when: invalid annotation value regex '[b': " },
		{ V1(TRUE_HOOK, "{\"commands\": [\"init\", \"*+\\\\\"]}", PRESTART),
		  "when: invalid command regex '*+\\\\': " },
		/* What would take glibc's regcomp() gigabytes, and what Go refuses too. */
		{ V1(TRUE_HOOK, "{\"commands\": [\"a{1001}\"]}", PRESTART),
		  "when: invalid command regex 'a{1001}': a count above 1000" },
		{ V1(TRUE_HOOK, "{\"commands\": [\"(a{999}){999}\"]}", PRESTART),
		  "when: invalid command regex '(a{999}){999}': expression too large" },
		{ V1(TRUE_HOOK, "{\"commands\": [\"b++\"]}", PRESTART),
		  "invalid command regex 'b++': invalid nested repetition operator" },
		{ V1(TRUE_HOOK, "{\"commands\": [\"b*??\"]}", PRESTART),
		  "invalid nested repetition operator" },
		{ V1(TRUE_HOOK, "{\"commands\": [\"b{2}{3}\"]}", PRESTART),
		  "invalid nested repetition operator" },
		{ V1(TRUE_HOOK,
		     "{\"commands\": [\"((((((((((((((((x+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+\"]}",
		     PRESTART),
		  "expression too large" },
		{ V1(TRUE_HOOK, "{\"commands\": [\"(a)\\\\1\"]}", PRESTART),
		  "backreferences are not supported" },
		{ V1(TRUE_HOOK,
		     "{\"commands\": "
		     "[\"(((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((("
		     "((((((x))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))\"]}",
		     PRESTART),
		  "more than 63 nested groups" },
		{ V1(TRUE_HOOK, "{\"commands\": \"init\"}", PRESTART),
		  "when: 'commands' must be an array of strings, not string" },
		/* 0.1.0 */
		{ "{\"stages\": [\"prestart\"], \"cmds\": [\"x\"]}", "missing 'hook'" },
		{ "{\"hook\": {\"path\": \"/bin/true\"}, \"stages\": [\"prestart\"]}",
		  "'hook' must be a string, not object" },
		{ "{\"hook\": \"true\", \"stages\": [\"prestart\"]}",
		  "'hook' 'true' is not absolute" },
		{ "{\"hook\": \"/bin/true\", \"cmds\": [\"x\"]}", "missing 'stages'" },
		{ "{\"hook\": \"/bin/true\", \"stage\": [\"prestart\"], \"stages\": [\"prestart\"],"
		  " \"cmds\": [\"x\"]}",
		  "cannot set both 'stage' and 'stages'" },
		{ "{\"hook\": \"/bin/true\", \"stages\": [\"prestart\"], \"cmd\": [\"x\"],"
		  " \"cmds\": [\"x\"]}",
		  "cannot set both 'cmd' and 'cmds'" },
		{ "{\"hook\": \"/bin/true\", \"stages\": [\"prestart\"], \"annotation\": [\"x\"],"
		  " \"annotations\": [\"x\"]}",
		  "cannot set both 'annotation' and 'annotations'" },
		{ "{\"hook\": \"/bin/true\", \"stage\": [\"later\"], \"cmd\": [\"x\"]}",
		  "unknown stage 'later' in 'stage'" },
		{ "{\"hook\": \"/bin/true\", \"stages\": [\"prestart\"], \"cmds\": [\"(\"]}",
		  "invalid command regex '(': " },
		{ "{\"hook\": \"/bin/true\", \"stages\": [\"prestart\"], \"annotations\": [\"a\", "
		  "\"(\"]}",
		  "invalid annotation value regex 'a|(': " },
		{ "{\"hook\": \"/bin/true\", \"stages\": [\"prestart\"], \"arguments\": \"-v\","
		  " \"cmds\": [\"x\"]}",
		  "'arguments' must be an array of strings, not string" },
		{ "{\"hook\": \"/bin/true\", \"stages\": [\"prestart\"]}",
		  "none of 'cmds', 'annotations', 'hasbindmounts': the hook would never be "
		  "injected" },
		{ "{\"hook\": \"/bin/true\", \"stages\": [\"prestart\"], \"hasbindmounts\": "
		  "\"yes\"}",
		  "'hasbindmounts' must be a boolean, not string" },
	};
#undef V1
#undef TRUE_HOOK
#undef ALWAYS
#undef PRESTART
	const char *everything[] = { "a=b", NULL };
	struct ocihooks_match m = { .annotations = everything,
				    .command = "/sbin/init",
				    .has_bind_mounts = true };

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct oci_hooks h = { .n[OCI_PRESTART] = 7 }; /* untouched */
		struct lxcri_error err = { 0 };
		const char *prefix = "/etc/hooks.d/x.json: ";
		int r = add_file(cases[i].text, &m, &h, &err);

		ck_assert_msg(r == -EINVAL, "case %zu: %d", i, r);
		ck_assert_int_eq(err.code, r);
		ck_assert_uint_eq(h.n[OCI_PRESTART], 7);
		ck_assert_ptr_null(h.by_stage[OCI_PRESTART]);
		ck_assert_msg(strncmp(err.message, prefix, strlen(prefix)) == 0, "case %zu: %s", i,
			      err.message);
		ck_assert_msg(strstr(err.message, cases[i].message), "case %zu: '%s' lacks '%s'", i,
			      err.message, cases[i].message);
	}
}
END_TEST

static void write_hook(const char *dir, const char *name, const char *path, const char *when)
{
	_cleanup_free_ char *file = path_join2(dir, name), *text = NULL;

	ck_assert_int_ge(asprintf(&text,
				  "{\"version\": \"1.0.0\", \"hook\": {\"path\": \"%s\"},"
				  " \"when\": %s, \"stages\": [\"prestart\", \"poststop\"]}",
				  path, when),
			 0);
	test_write_file(file, text);
}

static bool warnings_have(char **warnings, const char *a, const char *b)
{
	for (size_t i = 0; warnings && warnings[i]; i++)
		if (strstr(warnings[i], a) && strstr(warnings[i], b))
			return true;
	return false;
}

START_TEST(test_load_dirs_precedence)
{
	_cleanup_free_ char *root = test_tmpdir();
	_cleanup_free_ char *usr = path_join2(root, "usr"), *etc = path_join2(root, "etc"),
			    *conf = path_join2(root, "conf"),
			    *missing = path_join2(root, "missing");
	_cleanup_free_ char *mask = NULL, *masked = NULL;
	_cleanup_ocihooks_ struct oci_hooks h = { 0 };
	const char *dirs[] = { usr, etc, missing, conf, NULL };
	struct lxcri_error err = { 0 };

	ck_assert_int_eq(mkdir(usr, 0755), 0);
	ck_assert_int_eq(mkdir(etc, 0755), 0);
	ck_assert_int_eq(mkdir(conf, 0755), 0);
	write_hook(usr, "10-vendor.json", "/bin/true", "{\"always\": true}");
	write_hook(usr, "20-both.json", "/bin/true", "{\"always\": true}");
	write_hook(etc, "20-both.json", "/bin/sh", "{\"always\": true}");
	write_hook(usr, "30-disabled.json", "/bin/true", "{\"always\": true}");
	write_hook(usr, "40-nodefault.json", "/bin/true", "{\"always\": true}");
	write_hook(conf, "40-nodefault.json", "/bin/true", "{\"always\": false}");
	write_hook(etc, "50-etc.json", "/bin/true", "{\"always\": true}");
	write_hook(conf, "60-conf.json", "/bin/true", "{\"always\": true}");
	/* Masks: an empty file and a symlink to /dev/null. */
	mask = path_join2(conf, "30-disabled.json");
	test_write_file(mask, "");
	masked = path_join2(etc, "10-vendor.json");
	ck_assert_int_eq(symlink("/dev/null", masked), 0);
	{
		_cleanup_free_ char *other = path_join2(etc, "README"),
				    *json_dir = path_join2(usr, "dir.jsonx");

		test_write_file(other, "not a hook");
		ck_assert_int_eq(mkdir(json_dir, 0755), 0);
	}

	ck_assert_msg(ocihooks_load_dirs(dirs, NULL, &h, &err) == 0, "%s", err.message);
	ck_assert_msg(h.warnings == NULL, "%s", h.warnings ? h.warnings[0] : "");
	ck_assert_uint_eq(h.n[OCI_PRESTART], 3);
	ck_assert_uint_eq(h.n[OCI_POSTSTOP], 3);
	{
		_cleanup_free_ char *both = path_join2(etc, "20-both.json"),
				    *e = path_join2(etc, "50-etc.json"),
				    *c = path_join2(conf, "60-conf.json");

		ck_assert_str_eq(h.by_stage[OCI_PRESTART][0].source, both);
		ck_assert_str_eq(h.by_stage[OCI_PRESTART][0].path, "/bin/sh");
		ck_assert_str_eq(h.by_stage[OCI_PRESTART][1].source, e);
		ck_assert_str_eq(h.by_stage[OCI_PRESTART][2].source, c);
		ck_assert_str_eq(h.by_stage[OCI_POSTSTOP][2].source, c);
	}

	/* A later directory may come first: then the first one wins. */
	{
		_cleanup_ocihooks_ struct oci_hooks again = { 0 };
		const char *reversed[] = { etc, usr, NULL };

		ck_assert_int_eq(ocihooks_load_dirs(reversed, NULL, &again, &err), 0);
		ck_assert_uint_eq(again.n[OCI_PRESTART], 5);
		ck_assert_str_eq(again.by_stage[OCI_PRESTART][0].path, "/bin/true");
		ck_assert(strstr(again.by_stage[OCI_PRESTART][0].source, "/usr/10-vendor.json"));
		ck_assert(strstr(again.by_stage[OCI_PRESTART][1].source, "/usr/20-both.json"));
	}
	/* No directories at all. */
	{
		_cleanup_ocihooks_ struct oci_hooks none = { 0 };

		ck_assert_int_eq(ocihooks_load_dirs(NULL, NULL, &none, &err), 0);
		ck_assert_uint_eq(total(&none), 0);
		ck_assert_ptr_null(none.warnings);
	}
	test_rm_rf(root);
}
END_TEST

/* A file or directory that others may change refuses the hooks (-EPERM), naming it. */
START_TEST(test_load_dirs_refuses_untrusted)
{
	_cleanup_free_ char *dir = test_tmpdir(), *file = NULL;
	_cleanup_ocihooks_ struct oci_hooks h = { 0 };
	const char *dirs[] = { dir, NULL };
	struct lxcri_error err = { 0 };
	char want[PATH_MAX + 64];

	if (geteuid() != 0) {
		test_skip(__func__, "needs root");
		return;
	}
	write_hook(dir, "10-a.json", "/bin/true", "{\"always\": true}");
	file = path_join2(dir, "10-a.json");
	ck_assert_int_eq(chmod(file, 0646), 0);
	snprintf(want, sizeof(want),
		 "Refusing hooks file '%s': '%s' is writable by group or others", file, file);
	ck_assert_int_eq(ocihooks_load_dirs(dirs, NULL, &h, &err), -EPERM);
	ck_assert_str_eq(err.message, want);
	ck_assert_uint_eq(h.n[OCI_PRESTART], 0);

	ck_assert_int_eq(chmod(file, 0644), 0);
	ck_assert_int_eq(chmod(dir, 0775), 0);
	snprintf(want, sizeof(want),
		 "Refusing the hooks of '%s': '%s' is writable by group or others", dir, dir);
	ck_assert_int_eq(ocihooks_load_dirs(dirs, NULL, &h, &err), -EPERM);
	ck_assert_str_eq(err.message, want);

	ck_assert_int_eq(chmod(dir, 0755), 0);
	ck_assert_msg(ocihooks_load_dirs(dirs, NULL, &h, &err) == 0, "%s", err.message);
	ck_assert_uint_eq(h.n[OCI_PRESTART], 1);
	test_rm_rf(dir);
}
END_TEST

START_TEST(test_load_dirs_order)
{
	_cleanup_free_ char *dir = test_tmpdir(), *dir2 = test_tmpdir();
	_cleanup_ocihooks_ struct oci_hooks h = { 0 };
	const char *dirs[] = { dir, dir2, NULL };
	const char *names[] = { "b.json", "A.json", "a.json", "10-x.json", "02-y.json", "B2.json" };
	const char *expected[] = {
		"02-y.json", "10-x.json", "A.json", "a.json", "b.json", "B2.json"
	};
	const char *ann[] = { "com.example.gpu=all", NULL };
	struct ocihooks_match m = { .annotations = ann };
	struct lxcri_error err = { 0 };

	/* Bundle hooks come first: hooks.d hooks are appended to them. */
	ck_assert_int_eq(
	    ocihooks_parse_bundle(BUNDLE, "{\"hooks\":{\"prestart\":[{\"path\":\"/bundle\"}]}}",
				  strlen("{\"hooks\":{\"prestart\":[{\"path\":\"/bundle\"}]}}"), &h,
				  NULL, &err),
	    0);
	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		write_hook(i % 2 ? dir : dir2, names[i], "/bin/true",
			   "{\"annotations\": {\"gpu\": \"all\"}}");
	write_hook(dir, "99-nomatch.json", "/bin/true", "{\"annotations\": {\"gpu\": \"none\"}}");

	ck_assert_msg(ocihooks_load_dirs(dirs, &m, &h, &err) == 0, "%s", err.message);
	ck_assert_ptr_null(h.warnings);
	ck_assert_uint_eq(h.n[OCI_PRESTART], 1 + ELEMENTSOF(names));
	ck_assert_str_eq(h.by_stage[OCI_PRESTART][0].path, "/bundle");
	ck_assert_str_eq(h.by_stage[OCI_PRESTART][0].why, "bundle config.json");
	for (size_t i = 0; i < ELEMENTSOF(expected); i++) {
		const char *source = h.by_stage[OCI_PRESTART][i + 1].source;
		const char *base = strrchr(source, '/') + 1;

		ck_assert_msg(strcmp(base, expected[i]) == 0, "%zu: %s, not %s", i, base,
			      expected[i]);
		ck_assert_str_eq(h.by_stage[OCI_PRESTART][i + 1].why,
				 "annotation 'com.example.gpu=all' matches {'gpu': 'all'}");
	}
	ck_assert_uint_eq(h.n[OCI_POSTSTOP], ELEMENTSOF(names));
	test_rm_rf(dir);
	test_rm_rf(dir2);
}
END_TEST

START_TEST(test_load_dirs_warnings)
{
	_cleanup_free_ char *usr = test_tmpdir(), *etc = test_tmpdir();
	_cleanup_free_ char *bad = path_join2(etc, "10-bad.json"),
			    *vendor_bad = path_join2(usr, "10-bad.json"),
			    *regex = path_join2(usr, "20-regex.json"),
			    *dangling = path_join2(usr, "30-dangling.json"),
			    *subdir = path_join2(usr, "40-dir.json"),
			    *plain = path_join2(usr, "not-a-dir"), *good = NULL,
			    *loop = path_join2(usr, "35-loop.json");
	_cleanup_ocihooks_ struct oci_hooks h = { 0 };
	const char *dirs[] = { usr, plain, etc, NULL };
	struct lxcri_error err = { 0 };

	/* A broken file is skipped, and still masks its namesake in an earlier directory. */
	write_hook(usr, "10-bad.json", "/bin/true", "{\"always\": true}");
	test_write_file(bad, "{\n  \"version\": \"1.0.0\",\n  \"hook\": {\"path\": \"/bin/true\"}\n"
			     "  \"when\": {\"always\": true}\n}\n");
	test_write_file(regex, "{\"version\": \"1.0.0\", \"hook\": {\"path\": \"/bin/true\"},"
			       " \"when\": {\"commands\": [\"(\"]}, \"stages\": [\"prestart\"]}");
	ck_assert_int_eq(symlink("/nonexistent/hook.json", dangling), 0);
	ck_assert_int_eq(symlink(loop, loop), 0);
	ck_assert_int_eq(mkdir(subdir, 0755), 0);
	test_write_file(plain, "");
	write_hook(usr, "50-good.json", "/bin/true", "{\"always\": true}");

	ck_assert_msg(ocihooks_load_dirs(dirs, NULL, &h, &err) == 0, "%s", err.message);
	ck_assert_uint_eq(h.n[OCI_PRESTART], 1);
	good = path_join2(usr, "50-good.json");
	ck_assert_str_eq(h.by_stage[OCI_PRESTART][0].source, good);
	ck_assert_uint_eq(strv_count(h.warnings), 5);
	ck_assert_msg(
	    warnings_have(h.warnings, bad,
			  ": not JSON: object value separator ',' expected at line 4, column 3"),
	    "%s", h.warnings[0]);
	ck_assert(warnings_have(h.warnings, regex, ": when: invalid command regex '('"));
	ck_assert(warnings_have(h.warnings, subdir, ": not a regular file"));
	ck_assert(warnings_have(h.warnings, "Failed to open hooks directory", plain));
	ck_assert(warnings_have(h.warnings, "Failed to read", "35-loop.json': Too many levels"));
	ck_assert(!warnings_have(h.warnings, dangling, ""));
	ck_assert(!warnings_have(h.warnings, vendor_bad, ""));

	/* Warnings add to those io holds. */
	ck_assert_int_eq(ocihooks_load_dirs(dirs, NULL, &h, &err), 0);
	ck_assert_uint_eq(strv_count(h.warnings), 10);
	ck_assert_uint_eq(h.n[OCI_PRESTART], 2);
	test_rm_rf(usr);
	test_rm_rf(etc);
}
END_TEST

START_TEST(test_load_dirs_oversize)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_free_ char *big = path_join2(dir, "big.json"), *text = NULL;
	_cleanup_ocihooks_ struct oci_hooks h = { 0 };
	const char *dirs[] = { dir, NULL };
	struct lxcri_error err = { 0 };

	text = malloc(OCIHOOKS_FILE_MAX_SIZE + 2);
	ck_assert_ptr_nonnull(text);
	memset(text, ' ', OCIHOOKS_FILE_MAX_SIZE + 1);
	text[OCIHOOKS_FILE_MAX_SIZE + 1] = '\0';
	test_write_file(big, text);
	ck_assert_int_eq(ocihooks_load_dirs(dirs, NULL, &h, &err), 0);
	ck_assert_uint_eq(strv_count(h.warnings), 1);
	ck_assert(warnings_have(h.warnings, big, ": larger than the 1048576 bytes allowed"));
	test_rm_rf(dir);
}
END_TEST

static struct json_object *parse_state(const char *text)
{
	struct json_object *o = json_tokener_parse(text);

	ck_assert_msg(o && json_object_is_type(o, json_type_object), "not a JSON object: %s", text);
	return o;
}

static const char *get_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	ck_assert(json_object_is_type(v, json_type_string));
	return json_object_get_string(v);
}

START_TEST(test_state_json)
{
	const char *status[OCI_STAGE_COUNT] = {
		[OCI_PRESTART] = "creating",	     [OCI_CREATE_RUNTIME] = "creating",
		[OCI_CREATE_CONTAINER] = "creating", [OCI_START_CONTAINER] = "created",
		[OCI_POSTSTART] = "running",	     [OCI_POSTSTOP] = "stopped",
	};
	const char *ann[] = { "com.example.gpu=all", "note=a=b", "flag", NULL };

	for (int s = 0; s < OCI_STAGE_COUNT; s++) {
		_cleanup_free_ char *text = NULL;
		_cleanup_json_ struct json_object *o = NULL;
		struct json_object *v, *a;
		pid_t pid = s == OCI_POSTSTOP ? 0 : 4242;

		ck_assert_int_eq(
		    ocihooks_state_json(s, "105", NULL, pid, "/var/lib/lxc/105", ann, &text), 0);
		o = parse_state(text);
		ck_assert_str_eq(get_str(o, "ociVersion"), "1.0.2");
		ck_assert_str_eq(get_str(o, "id"), "105");
		ck_assert_str_eq(get_str(o, "status"), status[s]);
		ck_assert_str_eq(get_str(o, "bundle"), "/var/lib/lxc/105");
		if (s == OCI_POSTSTOP) {
			ck_assert(!json_object_object_get_ex(o, "pid", NULL));
		} else {
			ck_assert(json_object_object_get_ex(o, "pid", &v));
			ck_assert(json_object_is_type(v, json_type_int));
			ck_assert_int_eq(json_object_get_int(v), 4242);
		}
		ck_assert(json_object_object_get_ex(o, "annotations", &a));
		ck_assert_int_eq(json_object_object_length(a), 3);
		ck_assert_str_eq(get_str(a, "com.example.gpu"), "all");
		ck_assert_str_eq(get_str(a, "note"), "a=b");
		ck_assert_str_eq(get_str(a, "flag"), "");
		ck_assert_int_eq(json_object_object_length(o), s == OCI_POSTSTOP ? 5 : 6);
	}
	/* Status given; no bundle, no annotations: the object is still there. */
	{
		_cleanup_free_ char *text = NULL;
		_cleanup_json_ struct json_object *o = NULL;
		struct json_object *a;

		ck_assert_int_eq(
		    ocihooks_state_json(OCI_POSTSTOP, "web/\"x\"", "running", 0, NULL, NULL, &text),
		    0);
		o = parse_state(text);
		ck_assert_str_eq(get_str(o, "id"), "web/\"x\"");
		ck_assert_str_eq(get_str(o, "status"), "running");
		ck_assert_ptr_null(get_str(o, "bundle"));
		ck_assert(json_object_object_get_ex(o, "annotations", &a));
		ck_assert(json_object_is_type(a, json_type_object));
		ck_assert_int_eq(json_object_object_length(a), 0);
		ck_assert(strstr(text, "web/\\\"x\\\"")); /* '/' is not escaped */
	}
	{
		char *text = NULL;

		ck_assert_int_eq(
		    ocihooks_state_json(OCI_STAGE_COUNT, "1", NULL, 1, NULL, NULL, &text), -EINVAL);
		ck_assert_int_eq(
		    ocihooks_state_json(OCI_PRESTART, NULL, NULL, 1, NULL, NULL, &text), -EINVAL);
		ck_assert_int_eq(
		    ocihooks_state_json(OCI_PRESTART, "1", NULL, -1, NULL, NULL, &text), -EINVAL);
		ck_assert_ptr_null(text);
	}
}
END_TEST

START_TEST(test_to_json)
{
	_cleanup_free_ char *dir = test_tmpdir();
	_cleanup_ocihooks_ struct oci_hooks h = { 0 };
	_cleanup_json_ struct json_object *o = NULL;
	const char *dirs[] = { dir, NULL };
	struct json_object *stages, *list, *hook, *v, *warnings;
	struct lxcri_error err = { 0 };
	const char *bundle =
	    "{\"hooks\": {\"poststart\": [{\"path\": \"/usr/bin/notify\","
	    " \"args\": [\"notify\", \"up\"], \"env\": [\"A=1\"], \"timeout\": 3}]}}";
	_cleanup_free_ char *bad = path_join2(dir, "bad.json");

	ck_assert_int_eq(ocihooks_parse_bundle(BUNDLE, bundle, strlen(bundle), &h, NULL, &err), 0);
	write_hook(dir, "gpu.json", "/bin/true", "{\"always\": true}");
	test_write_file(bad, "{");
	ck_assert_int_eq(ocihooks_load_dirs(dirs, NULL, &h, &err), 0);

	ck_assert_int_eq(ocihooks_to_json(&h, &o), 0);
	ck_assert(json_object_object_get_ex(o, "stages", &stages));
	ck_assert_int_eq(json_object_object_length(stages), OCI_STAGE_COUNT);
	for (int s = 0; s < OCI_STAGE_COUNT; s++) {
		ck_assert(json_object_object_get_ex(stages, ocihooks_stage_name(s), &list));
		ck_assert(json_object_is_type(list, json_type_array));
		ck_assert_uint_eq(json_object_array_length(list), h.n[s]);
	}
	ck_assert(json_object_object_get_ex(stages, "poststart", &list));
	hook = json_object_array_get_idx(list, 0);
	ck_assert_str_eq(get_str(hook, "path"), "/usr/bin/notify");
	ck_assert(json_object_object_get_ex(hook, "args", &v));
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(v, 1)), "up");
	ck_assert(json_object_object_get_ex(hook, "env", &v));
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(v, 0)), "A=1");
	ck_assert(json_object_object_get_ex(hook, "timeout", &v));
	ck_assert_int_eq(json_object_get_int(v), 3);
	ck_assert_str_eq(get_str(hook, "source"), BUNDLE);
	ck_assert_str_eq(get_str(hook, "why"), "bundle config.json");

	ck_assert(json_object_object_get_ex(stages, "prestart", &list));
	ck_assert_uint_eq(json_object_array_length(list), 1);
	hook = json_object_array_get_idx(list, 0);
	ck_assert_str_eq(get_str(hook, "path"), "/bin/true");
	ck_assert_str_eq(get_str(hook, "why"), "always");
	ck_assert(json_object_object_get_ex(hook, "args", &v) && v == NULL);
	ck_assert(json_object_object_get_ex(hook, "env", &v) && v == NULL);
	ck_assert(json_object_object_get_ex(hook, "timeout", &v) && v == NULL);

	ck_assert(json_object_object_get_ex(o, "warnings", &warnings));
	ck_assert_uint_eq(json_object_array_length(warnings), 1);
	ck_assert(strstr(json_object_get_string(json_object_array_get_idx(warnings, 0)), bad));

	/* Nothing at all: every stage empty, warnings []. */
	{
		struct oci_hooks none = { 0 };
		_cleanup_json_ struct json_object *e = NULL;

		ck_assert_int_eq(ocihooks_to_json(&none, &e), 0);
		ck_assert_str_eq(json_object_to_json_string_ext(e, JSON_C_TO_STRING_PLAIN),
				 "{\"stages\":{\"prestart\":[],\"createRuntime\":[],"
				 "\"createContainer\":[],\"startContainer\":[],\"poststart\":[],"
				 "\"poststop\":[]},\"warnings\":[]}");
	}
	test_rm_rf(dir);
}
END_TEST

START_TEST(test_annotations_strv)
{
	_cleanup_json_ struct json_object *bad = json_tokener_parse("{\"a\": 1}");
	_cleanup_json_ struct json_object *array = json_tokener_parse("[]");
	_cleanup_strv_ char **l = NULL;

	ck_assert_int_eq(ocihooks_annotations_strv(NULL, &l), 0);
	ck_assert_ptr_nonnull(l);
	ck_assert_ptr_null(l[0]);
	ck_assert_int_eq(ocihooks_annotations_strv(bad, &l), -EINVAL);
	ck_assert_int_eq(ocihooks_annotations_strv(array, &l), -EINVAL);
}
END_TEST

static Suite *ocihooks_suite(void)
{
	Suite *s = suite_create("ocihooks");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_stage_names);
	tcase_add_test(tc, test_bundle_valid);
	tcase_add_test(tc, test_bundle_without_hooks);
	tcase_add_test(tc, test_bundle_errors);
	tcase_add_test(tc, test_when_current);
	tcase_add_test(tc, test_when_legacy);
	tcase_add_test(tc, test_legacy_arguments);
	tcase_add_test(tc, test_file_hook_and_stages);
	tcase_add_test(tc, test_file_errors);
	tcase_add_test(tc, test_load_dirs_precedence);
	tcase_add_test(tc, test_load_dirs_order);
	tcase_add_test(tc, test_load_dirs_refuses_untrusted);
	tcase_add_test(tc, test_load_dirs_warnings);
	tcase_add_test(tc, test_load_dirs_oversize);
	tcase_add_test(tc, test_state_json);
	tcase_add_test(tc, test_to_json);
	tcase_add_test(tc, test_annotations_strv);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(ocihooks_suite)
