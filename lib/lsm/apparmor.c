/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "lib/lsm/apparmor.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/fileio.h"
#include "lib/basic/valid.h"
#include "lib/basic/paths.h"
#include "lib/basic/process.h"

bool apparmor_enabled(const char *sys_dir)
{
	char path[PATH_MAX], c = 0;
	_cleanup_close_ int fd = -1;

	if (paths_join(path, sizeof(path), "%s/module/apparmor/parameters/enabled", sys_dir) < 0)
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, &c, 1) != 1)
		return false;
	return c == 'Y';
}

int apparmor_profile_loaded(const char *sys_dir, const char *name)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	char path[PATH_MAX];
	size_t size = 0, n = strlen(name);
	ssize_t len;
	int r;

	r = paths_join(path, sizeof(path), "%s/kernel/security/apparmor/profiles", sys_dir);
	if (r < 0)
		return r;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while ((len = getline(&line, &size, f)) >= 0) {
		/* "name (mode)": the name is all before the last " (". */
		char *mode = strrchr(line, '(');
		if (!mode || mode == line || mode[-1] != ' ')
			continue;
		if ((size_t)(mode - 1 - line) == n && memcmp(line, name, n) == 0)
			return 1;
	}
	return ferror(f) ? -EIO : 0;
}

int apparmor_generated_name(const char *id, char *buf, size_t size)
{
	if (!paths_id_valid(id))
		return -EINVAL;
	return paths_join(buf, size, "%s%s", APPARMOR_GENERATED_PREFIX, id);
}

int apparmor_lxc_profile(const struct config *c, const char *id, char *buf, size_t size)
{
	if (!c->lsm.apparmor_profile)
		return -ENOENT;
	if (strcmp(c->lsm.apparmor_profile, "generated") == 0)
		return apparmor_generated_name(id, buf, size);
	return paths_join(buf, size, "%s", c->lsm.apparmor_profile);
}

static bool starts_marker(const char *line, size_t len, const char *marker, size_t *ret_indent)
{
	size_t i = 0, m = strlen(marker);

	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (len - i < m || memcmp(line + i, marker, m) != 0)
		return false;
	*ret_indent = i;
	return true;
}

int apparmor_render(const char *template_text, const struct apparmor_options *o, char **ret,
		    struct lxcri_error *err)
{
	_cleanup_fclose_ FILE *out = NULL;
	_cleanup_free_ char *text = NULL;
	size_t text_size = 0;
	bool named = false;

	if (!valid_apparmor_profile(o->name))
		return error_set(err, -EINVAL, "Invalid AppArmor profile name '%s'",
				 o->name ? o->name : "");
	for (char *const *t = o->mount_types; t && *t; t++)
		if (!valid_fstype(*t))
			return error_set(err, -EINVAL, "Invalid file system type '%s'", *t);

	out = open_memstream(&text, &text_size);
	if (!out)
		return error_set_errno(err, -errno, "Failed to render profile '%s'", o->name);
	for (const char *p = template_text; *p;) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p), indent;

		if (starts_marker(p, len, "##", &indent)) {
			/* a comment of the template only */
		} else if (starts_marker(p, len, "#@nesting ", &indent) ||
			   starts_marker(p, len, "#@flat ", &indent)) {
			bool nesting_line = p[indent + 2] == 'n';
			size_t skip = indent + (nesting_line ? 10 : 7);

			if (nesting_line == o->nesting)
				fprintf(out, "%.*s%.*s\n", (int)indent, p, (int)(len - skip),
					p + skip);
		} else if (starts_marker(p, len, "#@mounts", &indent)) {
			for (char *const *t = o->mount_types; t && *t; t++)
				fprintf(out, "%.*smount fstype=%s,\n", (int)indent, p, *t);
		} else {
			const char *at;
			size_t done = 0;

			while ((at = memmem(p + done, len - done, "@PROFILE@", 9))) {
				fprintf(out, "%.*s%s", (int)(at - (p + done)), p + done, o->name);
				done = (size_t)(at - p) + 9;
				named = true;
			}
			fprintf(out, "%.*s\n", (int)(len - done), p + done);
		}
		p += len + (eol ? 1 : 0);
	}
	if (fflush(out) != 0 || ferror(out))
		return error_set(err, -ENOMEM, "Failed to render profile '%s': out of memory",
				 o->name);
	fclose(TAKE_PTR(out));
	if (!named)
		return error_set(err, -EINVAL,
				 "The AppArmor template has no '@PROFILE@' to name the profile");
	*ret = TAKE_PTR(text);
	return 0;
}

int apparmor_render_file(const char *template_path, const struct apparmor_options *o, char **ret,
			 struct lxcri_error *err)
{
	_cleanup_free_ char *text = NULL;
	size_t size = 0;
	int r = fileio_read_file(template_path, APPARMOR_TEMPLATE_MAX_SIZE, &text, &size);

	if (r == -EFBIG)
		return error_set(err, r, "Failed to read '%s': larger than %d bytes", template_path,
				 APPARMOR_TEMPLATE_MAX_SIZE);
	if (r == -EINVAL)
		return error_set(err, r, "Failed to read '%s': not a regular file", template_path);
	if (r == -ENOMEM)
		return error_set(err, r, "Out of memory");
	if (r < 0)
		return error_set_errno(err, r, "Failed to open '%s'", template_path);
	if (strlen(text) != size)
		return error_set(err, -EINVAL, "Failed to read '%s': it holds a NUL byte",
				 template_path);
	return apparmor_render(text, o, ret, err);
}

static int run_parser(const char *parser, char *const argv[], const char *what, const char *path,
		      uint64_t timeout_ms, struct lxcri_error *err)
{
	static char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL };
	struct process_spec spec = {
		.path = parser,
		.argv = argv,
		.envp = envp,
		.timeout_ms = timeout_ms,
	};
	struct process_result res;
	char how[96];
	int r;

	r = process_run(&spec, &res, err);
	if (r < 0) {
		process_result_done(&res);
		return r;
	}
	if (res.exited && res.exit_status == 0) {
		process_result_done(&res);
		return 0;
	}
	/* The parser's last line says what was wrong; keep all of it, on one line. */
	for (char *c = res.err; c && *c; c++)
		if (*c == '\n')
			*c = (c[1] ? ' ' : '\0');
	r = error_set(err, -EIO, "Failed to %s '%s': %s %s%s%s", what, path, parser,
		      process_result_describe(&res, how, sizeof(how)),
		      res.err && *res.err ? ": " : "", res.err ? res.err : "");
	process_result_done(&res);
	return r;
}

int apparmor_load(const char *parser, const char *profile_path, const char *cache_dir,
		  uint64_t timeout_ms, struct lxcri_error *err)
{
	char *const with_cache[] = { "apparmor_parser",	   "-r", "-W", "-L", (char *)cache_dir,
				     (char *)profile_path, NULL };
	char *const without[] = { "apparmor_parser", "-r", "-K", (char *)profile_path, NULL };

	return run_parser(parser, cache_dir ? with_cache : without, "load AppArmor profile",
			  profile_path, timeout_ms, err);
}

int apparmor_unload(const char *parser, const char *profile_path, uint64_t timeout_ms,
		    struct lxcri_error *err)
{
	char *const argv[] = { "apparmor_parser", "-R", (char *)profile_path, NULL };

	return run_parser(parser, argv, "unload AppArmor profile", profile_path, timeout_ms, err);
}

int apparmor_compile(const char *parser, const char *profile_path, const char *features_file,
		     uint64_t timeout_ms, struct lxcri_error *err)
{
	char *const with_features[] = {
		"apparmor_parser",    "-Q", "-K", "-M", (char *)features_file,
		(char *)profile_path, NULL
	};
	char *const without[] = { "apparmor_parser", "-Q", "-K", (char *)profile_path, NULL };

	return run_parser(parser, features_file ? with_features : without,
			  "compile AppArmor profile", profile_path, timeout_ms, err);
}
