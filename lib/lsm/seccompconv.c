/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <json-c/json.h>
#include <seccomp.h>

#include "lib/lsm/seccompconv.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "lib/basic/cleanup.h"
#include "lib/basic/fileio.h"
#include "lib/shared/json.h"
#include "lib/lsm/lxcseccomp.h"
#include "lib/basic/escape.h"
#include "lib/basic/strv.h"

/* The kernel caps SECCOMP_RET_ERRNO data at MAX_ERRNO; libseccomp refuses more. */
#define ERRNO_MAX 4095
/* Syscall arguments are numbered 0-5. */
#define ARG_MAX 6
/* Longer than any syscall name (the longest, sched_rr_get_interval_time64, has 28). */
#define SYSCALL_NAME_MAX 64
/* Starts result.skipped.text, and the comment line that carries it in a profile. */
#define SKIPPED_PREFIX "skipped (unknown to libseccomp "

/*
 * The arches LXC 5.0 knows (src/lxc/seccomp.c, get_hostarch() and
 * parse_config_v2()): the section that selects one, the GOARCH name Docker
 * profiles use in includes/excludes.arches, and the other ABIs LXC filters
 * with the same rules on such a host.
 */
static const struct arch_info {
	const char *name; /* libseccomp's */
	const char *go;
	const char *section;
	const char *compat[2];
} arch_table[] = {
	{ "x86_64", "amd64", "x86_64", { "x86", "x32" } },
	{ "x86", "386", "x86", { NULL, NULL } },
	{ "aarch64", "arm64", "arm64", { "arm", NULL } },
	{ "arm", "arm", "arm", { NULL, NULL } },
	{ "ppc64", "ppc64", "ppc64", { "ppc", NULL } },
	{ "ppc64le", "ppc64le", "ppc64le", { NULL, NULL } },
	{ "ppc", "ppc", "ppc", { NULL, NULL } },
	{ "s390x", "s390x", "s390x", { NULL, NULL } },
	{ "s390", "s390", "s390", { NULL, NULL } },
	{ "mips64", "mips64", "mips64", { "mips64n32", "mips" } },
	{ "mipsel64", "mips64le", "mipsel64", { "mipsel64n32", "mipsel" } },
	{ "mips", "mips", "mips", { NULL, NULL } },
	{ "mipsel", "mipsle", "mipsel", { NULL, NULL } },
	/* LXC has no section name for it, and applies only [all] there. */
	{ "riscv64", "riscv64", "all", { NULL, NULL } },
};

/* uname -m and GOARCH spellings of the names above. */
static const struct {
	const char *alias, *name;
} arch_aliases[] = {
	{ "amd64", "x86_64" }, { "i386", "x86" },   { "i486", "x86" },	    { "i586", "x86" },
	{ "i686", "x86" },     { "386", "x86" },    { "arm64", "aarch64" }, { "armv6l", "arm" },
	{ "armv7l", "arm" },   { "armv8l", "arm" },
};

enum action {
	ACT_KILL,
	ACT_KILL_THREAD,
	ACT_KILL_PROCESS,
	ACT_TRAP,
	ACT_ERRNO,
	ACT_TRACE,
	ACT_ALLOW,
	ACT_LOG,
	ACT_NOTIFY,
};

static const char *const action_names[] = {
	[ACT_KILL] = "SCMP_ACT_KILL",
	[ACT_KILL_THREAD] = "SCMP_ACT_KILL_THREAD",
	[ACT_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
	[ACT_TRAP] = "SCMP_ACT_TRAP",
	[ACT_ERRNO] = "SCMP_ACT_ERRNO",
	[ACT_TRACE] = "SCMP_ACT_TRACE",
	[ACT_ALLOW] = "SCMP_ACT_ALLOW",
	[ACT_LOG] = "SCMP_ACT_LOG",
	[ACT_NOTIFY] = "SCMP_ACT_NOTIFY",
};

/* How strict each action is, as the kernel ranks them when filters disagree. */
static const unsigned action_strictness[] = {
	[ACT_ALLOW] = 0,       [ACT_LOG] = 1,	[ACT_TRACE] = 2,
	[ACT_NOTIFY] = 3,      [ACT_ERRNO] = 4, [ACT_TRAP] = 5,
	[ACT_KILL_THREAD] = 6, [ACT_KILL] = 6,	[ACT_KILL_PROCESS] = 7,
};

struct arg_rule {
	unsigned index;
	uint64_t value;
	uint64_t value_two;
	unsigned op;
};

/* The flags runtime-spec names; only TSYNC is meaningless for LXC, which
 * loads the filter in the still single-threaded init. */
static const char *const known_flags[] = {
	"SECCOMP_FILTER_FLAG_TSYNC",
	"SECCOMP_FILTER_FLAG_LOG",
	"SECCOMP_FILTER_FLAG_SPEC_ALLOW",
	"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
};

static const char *const top_keys[] = {
	"defaultAction", "defaultErrnoRet", "defaultErrno",	"architectures", "archMap",
	"flags",	 "listenerPath",    "listenerMetadata", "syscalls",	 "comment",
};
static const char *const syscall_keys[] = {
	"names", "name", "action", "errnoRet", "errno", "args", "comment", "includes", "excludes",
};
static const char *const arg_keys[] = { "index", "value", "valueTwo", "op" };
static const char *const filter_keys[] = { "arches", "caps", "minKernel", "comment" };
static const char *const arch_map_keys[] = { "architecture", "subArchitectures", "comment" };
static const char *const docker_top_keys[] = { "archMap", "defaultErrno", "comment" };
static const char *const docker_syscall_keys[] = { "name", "errno", "comment", "includes",
						   "excludes" };

struct conv {
	const char *source;
	const char *prefix; /* "" or "linux.seccomp." */
	struct lxcri_error *err;
	const struct arch_info *arch;
	uint32_t covered[3];	/* the ABIs LXC filters on the host */
	char covered_names[48]; /* "x86_64, x86 or x32" */
	size_t n_covered;
	const char *const *caps;
	unsigned kernel_major, kernel_minor;
	struct lxcseccomp_action default_action;
	FILE *out; /* the rule lines */
	char **losses;
	size_t n_losses;
	char **notes;
	size_t n_notes;
	size_t n_rules;
	char **skipped; /* unknown names, each once */
	size_t n_skipped;
};

static int conv_error(struct conv *c, int r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int conv_error(struct conv *c, int r, const char *fmt, ...)
{
	char what[896];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return error_set(c->err, r, "%s: %s%s", c->source, c->prefix, what);
}

static int conv_push(struct conv *c, bool loss, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int conv_push(struct conv *c, bool loss, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = loss ? strv_appendv(&c->losses, &c->n_losses, fmt, ap)
		 : strv_appendv(&c->notes, &c->n_notes, fmt, ap);
	va_end(ap);
	return r;
}

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

/* JSON null counts as absent, as Go's encoding/json reads it. */
static struct json_object *member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

static int check_keys(struct conv *c, struct json_object *o, const char *path,
		      const char *const *keys, size_t n_keys)
{
	json_object_object_foreach(o, key, value)
	{
		(void)value;
		if (!in_list(key, keys, n_keys))
			return conv_error(c, -EINVAL, "%s%sunknown key '%s'", path,
					  *path ? ": " : "", key);
	}
	return 0;
}

static int get_string(struct conv *c, struct json_object *o, const char *path, const char **ret)
{
	/* -EINVAL spelled out: the compiler cannot see that conv_error() returns it. */
	if (!json_object_is_type(o, json_type_string)) {
		(void)conv_error(c, -EINVAL, "%s: expected a string, not %s", path,
				 json_type_name(o));
		return -EINVAL;
	}
	*ret = json_object_get_string(o);
	return 0;
}

static int get_array(struct conv *c, struct json_object *o, const char *path)
{
	if (!json_object_is_type(o, json_type_array))
		return conv_error(c, -EINVAL, "%s: expected an array, not %s", path,
				  json_type_name(o));
	return 0;
}

static int get_object(struct conv *c, struct json_object *o, const char *path)
{
	if (!json_object_is_type(o, json_type_object))
		return conv_error(c, -EINVAL, "%s: expected an object, not %s", path,
				  json_type_name(o));
	return 0;
}

static int get_uint(struct conv *c, struct json_object *o, const char *path, uint64_t max,
		    uint64_t *ret)
{
	uint64_t v;

	if (!json_object_is_type(o, json_type_int))
		return conv_error(c, -EINVAL, "%s: expected an unsigned integer, not %s", path,
				  json_type_name(o));
	/* json-c keeps large values as uint64; get_int64() saturates those, never negative. */
	if (json_object_get_int64(o) < 0)
		return conv_error(c, -EINVAL, "%s: %" PRId64 " is negative", path,
				  json_object_get_int64(o));
	v = json_object_get_uint64(o);
	if (v > max)
		return conv_error(c, -EINVAL, "%s: %" PRIu64 " is out of range (0-%" PRIu64 ")",
				  path, v, max);
	*ret = v;
	return 0;
}

static int parse_action(struct conv *c, struct json_object *o, const char *path, enum action *ret)
{
	const char *s;
	int r = get_string(c, o, path, &s);

	if (r < 0)
		return r;
	for (size_t i = 0; i < ELEMENTSOF(action_names); i++)
		if (strcmp(s, action_names[i]) == 0) {
			*ret = (enum action)i;
			return 0;
		}
	return conv_error(c, -EINVAL, "%s: unknown action '%s'", path, s);
}

static int errno_from_name(const char *name)
{
	for (int e = 1; e <= ERRNO_MAX; e++) {
		const char *n = strerrorname_np(e);

		if (n && strcmp(n, name) == 0)
			return e;
	}
	return -1;
}

/*
 * errnoRet (a number) and errno (podman's name for it, "EPERM"): either or
 * both, which must then agree. Only ERRNO and TRACE carry one; runtime-spec
 * says to fail for another action.
 */
static int parse_errno(struct conv *c, struct json_object *o, const char *path,
		       const char *number_key, const char *name_key, enum action action,
		       bool *ret_set, unsigned *ret_value)
{
	struct json_object *number = member(o, number_key), *name = member(o, name_key);
	char where[160];
	uint64_t value = 0;
	int r;

	*ret_set = false;
	if (!number && !name)
		return 0;
	if (action != ACT_ERRNO && action != ACT_TRACE)
		return conv_error(c, -EINVAL, "%s%s%s: not valid with %s", path, *path ? "." : "",
				  number ? number_key : name_key, action_names[action]);
	if (number) {
		snprintf(where, sizeof(where), "%s%s%s", path, *path ? "." : "", number_key);
		r = get_uint(c, number, where, ERRNO_MAX, &value);
		if (r < 0)
			return r;
	}
	if (name) {
		const char *s;
		int e;

		snprintf(where, sizeof(where), "%s%s%s", path, *path ? "." : "", name_key);
		r = get_string(c, name, where, &s);
		if (r < 0)
			return r;
		e = errno_from_name(s);
		if (e < 0)
			return conv_error(c, -EINVAL, "%s: unknown errno name '%s'", where, s);
		if (number && (uint64_t)e != value)
			return conv_error(c, -EINVAL, "%s: '%s' is %d, but %s is %" PRIu64, where,
					  s, e, number_key, value);
		value = (uint64_t)e;
	}
	*ret_set = true;
	*ret_value = (unsigned)value;
	return 0;
}

/* The LXC action for a profile action, and why it is not exact (NULL: it is). */
static struct lxcseccomp_action map_action(enum action action, bool errno_set, unsigned errno_value,
					   const char **ret_loss)
{
	*ret_loss = NULL;
	switch (action) {
	case ACT_KILL:
	case ACT_KILL_THREAD:
		return (struct lxcseccomp_action){ LXCSECCOMP_KILL, 0 };
	case ACT_KILL_PROCESS:
		*ret_loss = "SCMP_ACT_KILL_PROCESS becomes 'kill', which kills only the calling "
			    "thread";
		return (struct lxcseccomp_action){ LXCSECCOMP_KILL, 0 };
	case ACT_TRAP:
		return (struct lxcseccomp_action){ LXCSECCOMP_TRAP, 0 };
	case ACT_ERRNO:
		return (struct lxcseccomp_action){ LXCSECCOMP_ERRNO,
						   errno_set ? errno_value : EPERM };
	case ACT_TRACE:
		*ret_loss = "SCMP_ACT_TRACE becomes 'errno 38' (ENOSYS, what the kernel returns "
			    "when no tracer is attached); a tracer is never told";
		return (struct lxcseccomp_action){ LXCSECCOMP_ERRNO, ENOSYS };
	case ACT_ALLOW:
		return (struct lxcseccomp_action){ LXCSECCOMP_ALLOW, 0 };
	case ACT_LOG:
		*ret_loss = "SCMP_ACT_LOG becomes 'allow'; the call is not logged";
		return (struct lxcseccomp_action){ LXCSECCOMP_ALLOW, 0 };
	case ACT_NOTIFY:
		return (struct lxcseccomp_action){ LXCSECCOMP_NOTIFY, 0 };
	}
	abort();
}

/* "6.1", "6.1.0-13-amd64" (lenient: a uname release) or strictly "6.1". */
static bool parse_kernel_version(const char *s, bool strict, unsigned *ret_major,
				 unsigned *ret_minor)
{
	unsigned v[2] = { 0, 0 };

	for (int i = 0; i < 2; i++) {
		if (*s < '0' || *s > '9')
			return false;
		for (; *s >= '0' && *s <= '9'; s++) {
			if (v[i] > 100000)
				return false;
			v[i] = v[i] * 10 + (unsigned)(*s - '0');
		}
		if (i == 0 && *s++ != '.')
			return false;
	}
	if (strict && *s)
		return false;
	if (!strict && *s && *s != '.' && *s != '-' && *s != '+')
		return false;
	*ret_major = v[0];
	*ret_minor = v[1];
	return true;
}

static const struct arch_info *arch_lookup(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(arch_aliases); i++)
		if (strcmp(name, arch_aliases[i].alias) == 0)
			name = arch_aliases[i].name;
	for (size_t i = 0; i < ELEMENTSOF(arch_table); i++)
		if (strcmp(name, arch_table[i].name) == 0)
			return &arch_table[i];
	return NULL;
}

/* "SCMP_ARCH_X86_64" -> its libseccomp token; 0 if unknown. */
static uint32_t scmp_arch_token(const char *name)
{
	char lower[32];
	size_t n;

	if (strncmp(name, "SCMP_ARCH_", 10) != 0)
		return 0;
	name += 10;
	n = strlen(name);
	if (n == 0 || n >= sizeof(lower))
		return 0;
	for (size_t i = 0; i <= n; i++)
		lower[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] - 'A' + 'a' : name[i]);
	if (strcmp(lower, "native") == 0)
		return 0;
	return seccomp_arch_resolve_name(lower);
}

static int parse_arch_name(struct conv *c, struct json_object *o, const char *path, uint32_t *ret)
{
	const char *s;
	int r = get_string(c, o, path, &s);

	if (r < 0)
		return r;
	if (strcmp(s, "SCMP_ARCH_NATIVE") == 0) {
		*ret = c->covered[0];
		return 0;
	}
	*ret = scmp_arch_token(s);
	if (*ret == 0)
		return conv_error(c, -EINVAL, "%s: unknown architecture '%s'", path, s);
	return 0;
}

static int add_arch(uint32_t *set, size_t *n, size_t max, uint32_t token)
{
	for (size_t i = 0; i < *n; i++)
		if (set[i] == token)
			return 0;
	if (*n == max)
		return 0; /* more than we compare against: cannot add a covered one */
	set[(*n)++] = token;
	return 0;
}

/*
 * The ABIs the profile filters on this host: "architectures" or the archMap
 * entry of the host's arch (Docker refuses both at once); none given means
 * the native one only. A covered ABI the profile leaves out is a loss: an
 * OCI runtime refuses its calls, LXC applies the rules to them.
 */
static int check_architectures(struct conv *c, struct json_object *seccomp)
{
	struct json_object *list = member(seccomp, "architectures");
	struct json_object *map = member(seccomp, "archMap");
	uint32_t set[64];
	size_t n = 0;
	char path[96];
	int r;

	if (list && (r = get_array(c, list, "architectures")) < 0)
		return r;
	if (map && (r = get_array(c, map, "archMap")) < 0)
		return r;
	if (list && map && json_object_array_length(list) > 0 && json_object_array_length(map) > 0)
		return conv_error(c, -EINVAL, "both 'architectures' and 'archMap' are given");

	for (size_t i = 0; list && i < json_object_array_length(list); i++) {
		uint32_t token;

		snprintf(path, sizeof(path), "architectures[%zu]", i);
		r = parse_arch_name(c, json_object_array_get_idx(list, i), path, &token);
		if (r < 0)
			return r;
		add_arch(set, &n, ELEMENTSOF(set), token);
	}

	for (size_t i = 0; map && i < json_object_array_length(map); i++) {
		struct json_object *entry = json_object_array_get_idx(map, i), *arch, *subs;
		const char *name;

		snprintf(path, sizeof(path), "archMap[%zu]", i);
		if ((r = get_object(c, entry, path)) < 0 ||
		    (r = check_keys(c, entry, path, arch_map_keys, ELEMENTSOF(arch_map_keys))) < 0)
			return r;
		arch = member(entry, "architecture");
		if (!arch)
			return conv_error(c, -EINVAL, "%s: no 'architecture'", path);
		snprintf(path, sizeof(path), "archMap[%zu].architecture", i);
		if ((r = get_string(c, arch, path, &name)) < 0)
			return r;
		subs = member(entry, "subArchitectures");
		snprintf(path, sizeof(path), "archMap[%zu].subArchitectures", i);
		if (subs && (r = get_array(c, subs, path)) < 0)
			return r;
		/* Entries for other hosts may name arches this libseccomp does not know. */
		if (scmp_arch_token(name) != c->covered[0])
			continue;
		add_arch(set, &n, ELEMENTSOF(set), c->covered[0]);
		for (size_t j = 0; subs && j < json_object_array_length(subs); j++) {
			uint32_t token;

			snprintf(path, sizeof(path), "archMap[%zu].subArchitectures[%zu]", i, j);
			r = parse_arch_name(c, json_object_array_get_idx(subs, j), path, &token);
			if (r < 0)
				return r;
			add_arch(set, &n, ELEMENTSOF(set), token);
		}
	}

	if (n == 0)
		set[n++] = c->covered[0];
	for (size_t i = 0; i < c->n_covered; i++) {
		bool listed = false;

		for (size_t j = 0; j < n; j++)
			listed = listed || set[j] == c->covered[i];
		if (listed)
			continue;
		r = conv_push(c, true,
			      "architectures: the profile does not cover %s (an OCI runtime "
			      "refuses those calls); LXC applies the same rules to them on a %s "
			      "host",
			      i == 0 ? c->arch->name : c->arch->compat[i - 1], c->arch->name);
		if (r < 0)
			return r;
	}
	return 0;
}

static int check_flags(struct conv *c, struct json_object *seccomp)
{
	struct json_object *flags = member(seccomp, "flags");
	char path[64];
	int r;

	if (!flags)
		return 0;
	if ((r = get_array(c, flags, "flags")) < 0)
		return r;
	for (size_t i = 0; i < json_object_array_length(flags); i++) {
		const char *s;

		snprintf(path, sizeof(path), "flags[%zu]", i);
		if ((r = get_string(c, json_object_array_get_idx(flags, i), path, &s)) < 0)
			return r;
		if (!in_list(s, known_flags, ELEMENTSOF(known_flags)))
			return conv_error(c, -EINVAL, "%s: unknown flag '%s'", path, s);
		if (strcmp(s, "SECCOMP_FILTER_FLAG_TSYNC") == 0)
			continue;
		r = conv_push(c, true, "flags: LXC's format has no way to set %s", s);
		if (r < 0)
			return r;
	}
	return 0;
}

static int check_listener(struct conv *c, struct json_object *seccomp)
{
	static const char *const keys[] = { "listenerPath", "listenerMetadata" };

	for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
		struct json_object *o = member(seccomp, keys[i]);
		const char *s;
		int r;

		if (!o)
			continue;
		if ((r = get_string(c, o, keys[i], &s)) < 0)
			return r;
		if (!*s)
			continue;
		r = conv_push(c, true,
			      "%s: LXC hands SCMP_ACT_NOTIFY events only to "
			      "lxc.seccomp.notify.proxy, in its own protocol; '%s' is not used",
			      keys[i], s);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool has_cap(const struct conv *c, const char *cap)
{
	for (const char *const *i = c->caps; i && *i; i++)
		if (strcmp(*i, cap) == 0)
			return true;
	return false;
}

/*
 * includes/excludes as Docker and podman apply them: excluded if the host
 * arch is in excludes.arches, any excludes.caps is held, or the kernel is at
 * least excludes.minKernel; included only if the host arch is in
 * includes.arches (when given), every includes.caps is held and the kernel
 * is at least includes.minKernel.
 */
static int filter_applies(struct conv *c, struct json_object *entry, const char *path, bool include,
			  bool *ret)
{
	const char *key = include ? "includes" : "excludes";
	struct json_object *f = member(entry, key), *arches, *caps, *min_kernel;
	char where[160];
	int r;

	*ret = include;
	if (!f)
		return 0;
	snprintf(where, sizeof(where), "%s.%s", path, key);
	if ((r = get_object(c, f, where)) < 0 ||
	    (r = check_keys(c, f, where, filter_keys, ELEMENTSOF(filter_keys))) < 0)
		return r;

	arches = member(f, "arches");
	if (arches) {
		bool found = false;

		snprintf(where, sizeof(where), "%s.%s.arches", path, key);
		if ((r = get_array(c, arches, where)) < 0)
			return r;
		for (size_t i = 0; i < json_object_array_length(arches); i++) {
			const char *s;

			snprintf(where, sizeof(where), "%s.%s.arches[%zu]", path, key, i);
			r = get_string(c, json_object_array_get_idx(arches, i), where, &s);
			if (r < 0)
				return r;
			found =
			    found || strcmp(s, c->arch->go) == 0 || strcmp(s, c->arch->name) == 0;
		}
		if (include && json_object_array_length(arches) > 0 && !found)
			*ret = false;
		if (!include && found)
			*ret = true;
	}

	caps = member(f, "caps");
	if (caps) {
		snprintf(where, sizeof(where), "%s.%s.caps", path, key);
		if ((r = get_array(c, caps, where)) < 0)
			return r;
		for (size_t i = 0; i < json_object_array_length(caps); i++) {
			const char *s;

			snprintf(where, sizeof(where), "%s.%s.caps[%zu]", path, key, i);
			r = get_string(c, json_object_array_get_idx(caps, i), where, &s);
			if (r < 0)
				return r;
			if (include && !has_cap(c, s))
				*ret = false;
			if (!include && has_cap(c, s))
				*ret = true;
		}
	}

	min_kernel = member(f, "minKernel");
	if (min_kernel) {
		unsigned major, minor;
		const char *s;
		bool newer;

		snprintf(where, sizeof(where), "%s.%s.minKernel", path, key);
		if ((r = get_string(c, min_kernel, where, &s)) < 0)
			return r;
		if (!parse_kernel_version(s, true, &major, &minor))
			return conv_error(c, -EINVAL, "%s: '%s' is not a kernel version like '5.8'",
					  where, s);
		newer = c->kernel_major > major ||
			(c->kernel_major == major && c->kernel_minor >= minor);
		if (include && !newer)
			*ret = false;
		if (!include && newer)
			*ret = true;
	}
	return 0;
}

static int parse_args(struct conv *c, struct json_object *entry, const char *path,
		      struct arg_rule **ret, size_t *ret_n)
{
	struct json_object *args = member(entry, "args");
	_cleanup_free_ struct arg_rule *rules = NULL;
	char where[160];
	size_t n;
	int r;

	*ret = NULL;
	*ret_n = 0;
	if (!args)
		return 0;
	snprintf(where, sizeof(where), "%s.args", path);
	if ((r = get_array(c, args, where)) < 0)
		return r;
	n = json_object_array_length(args);
	if (n == 0)
		return 0;
	rules = calloc(n, sizeof(*rules));
	if (!rules)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct json_object *a = json_object_array_get_idx(args, i), *o;
		uint64_t v;
		const char *op;

		snprintf(where, sizeof(where), "%s.args[%zu]", path, i);
		if ((r = get_object(c, a, where)) < 0 ||
		    (r = check_keys(c, a, where, arg_keys, ELEMENTSOF(arg_keys))) < 0)
			return r;
		for (size_t k = 0; k < 3; k++) {
			static const char *const required[] = { "index", "value", "op" };

			if (!member(a, required[k]))
				return conv_error(c, -EINVAL, "%s: no '%s'", where, required[k]);
		}
		snprintf(where, sizeof(where), "%s.args[%zu].index", path, i);
		if ((r = get_uint(c, member(a, "index"), where, ARG_MAX - 1, &v)) < 0)
			return r;
		rules[i].index = (unsigned)v;
		snprintf(where, sizeof(where), "%s.args[%zu].value", path, i);
		if ((r = get_uint(c, member(a, "value"), where, UINT64_MAX, &rules[i].value)) < 0)
			return r;
		if ((o = member(a, "valueTwo"))) {
			snprintf(where, sizeof(where), "%s.args[%zu].valueTwo", path, i);
			if ((r = get_uint(c, o, where, UINT64_MAX, &rules[i].value_two)) < 0)
				return r;
		}
		snprintf(where, sizeof(where), "%s.args[%zu].op", path, i);
		if ((r = get_string(c, member(a, "op"), where, &op)) < 0)
			return r;
		rules[i].op = LXCSECCOMP_N_OPS;
		for (unsigned k = 0; k < LXCSECCOMP_N_OPS; k++)
			if (strcmp(op, lxcseccomp_op_names[k]) == 0)
				rules[i].op = k;
		if (rules[i].op == LXCSECCOMP_N_OPS)
			return conv_error(c, -EINVAL, "%s: unknown operator '%s'", where, op);
	}
	*ret = TAKE_PTR(rules);
	*ret_n = n;
	return 0;
}

/*
 * runtime-spec MASKED_EQ has the mask in value and the operand in valueTwo;
 * LXC reads "[index,operand,SCMP_CMP_MASKED_EQ,mask]". For the other
 * operators libseccomp ignores valueTwo, so LXC loses nothing by lacking it.
 */
static void write_arg(FILE *out, const struct arg_rule *a)
{
	struct lxcseccomp_cmp c = { a->index, (enum lxcseccomp_op)a->op, a->value, 0 };

	if (a->op == LXCSECCOMP_MASKED_EQ) {
		c.value = a->value_two;
		c.mask = a->value;
	}
	lxcseccomp_write_cmp(out, &c);
}

enum name_kind {
	NAME_COVERED,	/* a syscall of an ABI LXC filters here */
	NAME_ELSEWHERE, /* of other arches only */
	NAME_UNKNOWN,	/* to this libseccomp: newer than it, or a typo */
};

static int syscall_kind(struct conv *c, const char *name, const char *path, enum name_kind *ret)
{
	size_t n = strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_");
	char buf[ESCAPE_BUFSIZE];

	if (!*name)
		return conv_error(c, -EINVAL, "%s: empty syscall name", path);
	for (size_t i = 0; i < c->n_covered; i++)
		if (seccomp_syscall_resolve_name_arch(c->covered[i], name) >= 0) {
			*ret = NAME_COVERED;
			return 0;
		}
	/* libseccomp knows every name of every arch; another arch's gets a pseudo number. */
	if (seccomp_syscall_resolve_name_arch(c->covered[0], name) != __NR_SCMP_ERROR) {
		*ret = NAME_ELSEWHERE;
		return 0;
	}
	/* What we skip goes into a comment line: never a line end, a bracket or a space. */
	if (name[n] || n > SYSCALL_NAME_MAX)
		return conv_error(c, -EINVAL, "%s: '%s' is not a syscall name", path,
				  escape_for_message(name, buf, sizeof(buf)));
	*ret = NAME_UNKNOWN;
	return 0;
}

/*
 * name has no rule, so the call gets the default action. Safe where that is
 * at least as strict as what the rule asks; a loss where it is not.
 */
static int skip_unknown(struct conv *c, const char *where, const char *name, enum action action)
{
	char buf[LXCSECCOMP_ACTION_TEXT];
	int r;

	if (!in_list(name, (const char *const *)c->skipped, c->n_skipped)) {
		r = strv_append(&c->skipped, &c->n_skipped, strdup(name));
		if (r < 0)
			return r;
	}
	if (action_strictness[action] <= lxcseccomp_strictness(c->default_action))
		return 0;
	return conv_push(c, true,
			 "%s (syscall '%s'): unknown to libseccomp %s: left out, the call gets the "
			 "default action (%s), not %s",
			 where, name, seccompconv_libseccomp_version(),
			 lxcseccomp_action_text(c->default_action, buf), action_names[action]);
}

/* "syscall 'a'" or "syscalls 'a', 'b', 'c' and 4 more", for loss texts. */
static char *names_summary(struct json_object *names)
{
	size_t n = json_object_array_length(names);
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		return NULL;
	fputs(n == 1 ? "syscall " : "syscalls ", f);
	for (size_t i = 0; i < n && i < 4; i++)
		fprintf(f, "%s'%s'", i ? ", " : "",
			json_object_get_string(json_object_array_get_idx(names, i)));
	if (n > 4)
		fprintf(f, " and %zu more", n - 4);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int convert_syscall(struct conv *c, struct json_object *entry, size_t index)
{
	_cleanup_json_ struct json_object *single = NULL;
	_cleanup_free_ struct arg_rule *args = NULL;
	struct json_object *names, *name, *o;
	struct lxcseccomp_action lxc;
	const char *loss;
	char path[64], where[160], buf[LXCSECCOMP_ACTION_TEXT];
	enum action action;
	bool errno_set, excluded, included, applies, redundant, repeated = false;
	unsigned errno_value = 0;
	size_t n_args, written = 0;
	int r;

	snprintf(path, sizeof(path), "syscalls[%zu]", index);
	if ((r = get_object(c, entry, path)) < 0 ||
	    (r = check_keys(c, entry, path, syscall_keys, ELEMENTSOF(syscall_keys))) < 0)
		return r;

	names = member(entry, "names");
	name = member(entry, "name");
	if (names && name)
		return conv_error(c, -EINVAL, "%s: both 'name' and 'names' are given", path);
	if (name) {
		const char *s;

		snprintf(where, sizeof(where), "%s.name", path);
		if ((r = get_string(c, name, where, &s)) < 0)
			return r;
		single = json_object_new_array();
		if (!single || json_object_array_add(single, json_object_new_string(s)) < 0)
			return -ENOMEM;
		names = single;
	}
	if (!names)
		return conv_error(c, -EINVAL, "%s: no 'names'", path);
	snprintf(where, sizeof(where), "%s.names", path);
	if ((r = get_array(c, names, where)) < 0)
		return r;
	if (json_object_array_length(names) == 0)
		return conv_error(c, -EINVAL, "%s: 'names' is empty", path);

	o = member(entry, "action");
	if (!o)
		return conv_error(c, -EINVAL, "%s: no 'action'", path);
	snprintf(where, sizeof(where), "%s.action", path);
	if ((r = parse_action(c, o, where, &action)) < 0)
		return r;
	r = parse_errno(c, entry, path, "errnoRet", "errno", action, &errno_set, &errno_value);
	if (r < 0)
		return r;
	if ((r = parse_args(c, entry, path, &args, &n_args)) < 0)
		return r;
	for (size_t i = 0; i < n_args; i++)
		for (size_t j = i + 1; j < n_args; j++)
			repeated = repeated || args[i].index == args[j].index;
	if ((r = filter_applies(c, entry, path, false, &excluded)) < 0 ||
	    (r = filter_applies(c, entry, path, true, &included)) < 0)
		return r;
	applies = included && !excluded;
	lxc = map_action(action, errno_set, errno_value, &loss);
	redundant = lxcseccomp_action_equal(lxc, c->default_action);

	/* Every name is checked, even of a rule that does not apply: garbage is an error anywhere.
	 */
	for (size_t i = 0; i < json_object_array_length(names); i++) {
		enum name_kind kind;
		const char *s;

		snprintf(where, sizeof(where), "%s.names[%zu]", path, i);
		if ((r = get_string(c, json_object_array_get_idx(names, i), where, &s)) < 0)
			return r;
		if ((r = syscall_kind(c, s, where, &kind)) < 0)
			return r;
		if (!applies || redundant)
			continue;
		if (kind == NAME_ELSEWHERE) {
			r = conv_push(c, false, "%s: syscall '%s' does not exist on %s: skipped",
				      where, s, c->covered_names);
			if (r < 0)
				return r;
			continue;
		}
		if (kind == NAME_UNKNOWN) {
			if ((r = skip_unknown(c, where, s, action)) < 0)
				return r;
			continue;
		}
		/* runc's order: all conditions in one rule, or one rule each if an index repeats.
		 */
		for (size_t k = 0; k < (repeated ? n_args : 1); k++) {
			fprintf(c->out, "%s %s", s, lxcseccomp_action_text(lxc, buf));
			if (repeated)
				write_arg(c->out, &args[k]);
			else
				for (size_t a = 0; a < n_args; a++)
					write_arg(c->out, &args[a]);
			fputc('\n', c->out);
			c->n_rules++;
		}
		written++;
	}
	if (applies && redundant)
		return conv_push(c, false, "%s: same action as the default: no rule needed", path);
	if (written > 0 && loss) {
		_cleanup_free_ char *summary = names_summary(names);

		if (!summary)
			return -ENOMEM;
		return conv_push(c, true, "%s (%s): %s", path, summary, loss);
	}
	return 0;
}

static int host_defaults(struct conv *c, const struct seccompconv_opts *opts)
{
	const char *arch = opts ? opts->arch : NULL;
	const char *kernel = opts ? opts->kernel : NULL;
	struct utsname u;

	if (!arch || !kernel) {
		if (uname(&u) < 0)
			return error_set_errno(c->err, -errno, "Failed to read the host's uname");
		arch = arch ? arch : u.machine;
		kernel = kernel ? kernel : u.release;
	}
	c->arch = arch_lookup(arch);
	if (!c->arch || seccomp_arch_resolve_name(c->arch->name) == 0)
		return error_set(c->err, -EINVAL, "unsupported architecture '%s'", arch);
	c->covered[c->n_covered++] = seccomp_arch_resolve_name(c->arch->name);
	for (size_t i = 0; i < 2 && c->arch->compat[i]; i++)
		c->covered[c->n_covered++] = seccomp_arch_resolve_name(c->arch->compat[i]);
	snprintf(c->covered_names, sizeof(c->covered_names), "%s%s%s%s%s", c->arch->name,
		 c->arch->compat[0] ? (c->arch->compat[1] ? ", " : " or ") : "",
		 c->arch->compat[0] ? c->arch->compat[0] : "", c->arch->compat[1] ? " or " : "",
		 c->arch->compat[1] ? c->arch->compat[1] : "");
	if (!parse_kernel_version(kernel, false, &c->kernel_major, &c->kernel_minor))
		return error_set(c->err, -EINVAL, "'%s' is not a kernel version like '6.1'",
				 kernel);
	c->caps = opts ? opts->caps : NULL;
	return 0;
}

static bool has_any_key(struct json_object *o, const char *const *keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (json_object_object_get_ex(o, keys[i], NULL))
			return true;
	return false;
}

static enum seccompconv_shape detect_docker(struct json_object *seccomp)
{
	struct json_object *syscalls = member(seccomp, "syscalls");

	if (has_any_key(seccomp, docker_top_keys, ELEMENTSOF(docker_top_keys)))
		return SECCOMPCONV_DOCKER;
	for (size_t i = 0; json_object_is_type(syscalls, json_type_array) &&
			   i < json_object_array_length(syscalls);
	     i++) {
		struct json_object *e = json_object_array_get_idx(syscalls, i);

		if (json_object_is_type(e, json_type_object) &&
		    has_any_key(e, docker_syscall_keys, ELEMENTSOF(docker_syscall_keys)))
			return SECCOMPCONV_DOCKER;
	}
	return SECCOMPCONV_RUNTIME_SPEC;
}

/*
 * The length of the UTF-8 sequence at s (1-4), or 0 if it is none (RFC 3629:
 * no overlong forms, no surrogates, nothing above U+10FFFF).
 */
static size_t utf8_length(const unsigned char *s, size_t left)
{
	unsigned char low = 0x80, high = 0xbf;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		low = 0xa0;
	else if (s[0] == 0xed)
		high = 0x9f;
	else if (s[0] == 0xf0)
		low = 0x90;
	else if (s[0] == 0xf4)
		high = 0x8f;
	if (left < n || s[1] < low || s[1] > high)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/*
 * A file that is no JSON text at all (an executable, an archive, NUL bytes,
 * another encoding) gets a message that says so and where, not the first
 * complaint of the JSON parser about it.
 */
static int check_text(struct conv *c, const char *text, size_t size)
{
	static const struct {
		const char *magic;
		size_t size;
		const char *what;
	} formats[] = {
		{ "\177ELF", 4, "an ELF executable or library" },
		{ "\037\213", 2, "gzip-compressed data (decompress it first)" },
		{ "\050\265\057\375", 4, "zstd-compressed data (decompress it first)" },
		{ "\3757zXZ\0", 6, "xz-compressed data (decompress it first)" },
		{ "PK\003\004", 4, "a zip archive" },
	};
	const unsigned char *u = (const unsigned char *)text;
	unsigned line, column;
	char what[40];

	for (size_t i = 0; i < ELEMENTSOF(formats); i++)
		if (size >= formats[i].size && memcmp(text, formats[i].magic, formats[i].size) == 0)
			return conv_error(c, -EINVAL,
					  "not a JSON profile: binary data at byte 0: %s",
					  formats[i].what);
	if (size >= 3 && memcmp(text, "\357\273\277", 3) == 0)
		return conv_error(c, -EINVAL,
				  "not a JSON profile: a UTF-8 byte order mark at byte 0 (JSON has "
				  "none: save the file without it)");
	for (size_t i = 0; i < size;) {
		size_t n = utf8_length(u + i, size - i);

		if (u[i] == 0)
			snprintf(what, sizeof(what), "a NUL byte");
		else if (u[i] < 0x20 && !strchr("\t\n\r", text[i]))
			snprintf(what, sizeof(what), "control character 0x%02x", u[i]);
		else if (n == 0)
			snprintf(what, sizeof(what), "0x%02x is not UTF-8", u[i]);
		else {
			i += n;
			continue;
		}
		json_line_column(text, i, &line, &column);
		return conv_error(
		    c, -EINVAL,
		    "not a JSON profile: binary data at byte %zu (line %u, column %u): "
		    "%s",
		    i, line, column, what);
	}
	return 0;
}

static int parse_json(struct conv *c, const char *text, size_t size, struct json_object **ret)
{
	char why[512], *at;
	unsigned line, column;
	int n = 0, r;

	if ((r = check_text(c, text, size)) < 0)
		return r;
	r = json_parse_strict(text, size, ret, why, sizeof(why));
	if (r == -ENODATA)
		return conv_error(c, -EINVAL, "empty, not a seccomp profile");
	if (r != -EINVAL)
		return r;
	/* Lead with the position, as every parser error of ours does. */
	at = strstr(why, " at line ");
	if (at && sscanf(at, " at line %u, column %u%n", &line, &column, &n) == 2 && n > 0) {
		*at = '\0';
		return error_set(c->err, r, "%s: line %u, column %u: %s%s", c->source, line, column,
				 why, at + n);
	}
	return conv_error(c, r, "%s", why);
}

static int convert(struct conv *c, struct json_object *seccomp)
{
	struct json_object *o, *syscalls;
	enum action action;
	bool errno_set;
	unsigned errno_value = 0;
	const char *loss;
	int r;

	if ((r = check_keys(c, seccomp, "", top_keys, ELEMENTSOF(top_keys))) < 0)
		return r;
	o = member(seccomp, "defaultAction");
	if (!o)
		return conv_error(c, -EINVAL, "no 'defaultAction'");
	if ((r = parse_action(c, o, "defaultAction", &action)) < 0)
		return r;
	if (action == ACT_NOTIFY)
		return conv_error(c, -EINVAL,
				  "defaultAction: SCMP_ACT_NOTIFY cannot be the default");
	r = parse_errno(c, seccomp, "", "defaultErrnoRet", "defaultErrno", action, &errno_set,
			&errno_value);
	if (r < 0)
		return r;
	c->default_action = map_action(action, errno_set, errno_value, &loss);
	if (loss && (r = conv_push(c, true, "defaultAction: %s", loss)) < 0)
		return r;
	if ((r = check_architectures(c, seccomp)) < 0 || (r = check_flags(c, seccomp)) < 0 ||
	    (r = check_listener(c, seccomp)) < 0)
		return r;
	o = member(seccomp, "comment");
	if (o && (r = get_string(c, o, "comment", &loss)) < 0)
		return r;

	syscalls = member(seccomp, "syscalls");
	if (!syscalls)
		return 0;
	if ((r = get_array(c, syscalls, "syscalls")) < 0)
		return r;
	for (size_t i = 0; i < json_object_array_length(syscalls); i++) {
		r = convert_syscall(c, json_object_array_get_idx(syscalls, i), i);
		if (r < 0)
			return r;
	}
	return 0;
}

void seccompconv_result_done(struct seccompconv_result *r)
{
	if (!r)
		return;
	free(r->profile);
	strv_free(r->losses);
	strv_free(r->notes);
	seccompconv_skipped_done(&r->skipped);
	*r = (struct seccompconv_result){ 0 };
}

void seccompconv_skipped_done(struct seccompconv_skipped *s)
{
	free(s->text);
	strv_free(s->names);
	*s = (struct seccompconv_skipped){ 0 };
}

int seccompconv_profile_skipped(const char *profile, struct seccompconv_skipped *ret)
{
	static const char line_prefix[] = "\n# lxcri: " SKIPPED_PREFIX;
	const char *line = strstr(profile, line_prefix), *end, *names, *p;
	int r;

	*ret = (struct seccompconv_skipped){ 0 };
	if (!line)
		return 0;
	line += strlen("\n# lxcri: ");
	end = strchrnul(line, '\n');
	ret->text = strndup(line, (size_t)(end - line));
	if (!ret->text)
		return -ENOMEM;
	p = line + strlen(SKIPPED_PREFIX);
	names = strstr(p, "): ");
	if (!names || names > end) {
		seccompconv_skipped_done(ret);
		return 0;
	}
	snprintf(ret->version, sizeof(ret->version), "%.*s", (int)(names - p), p);
	for (p = names + 3; p < end && *p != ';';) {
		size_t n = strcspn(p, ",;\n");

		r = strv_append(&ret->names, &ret->n_names, strndup(p, n));
		if (r < 0) {
			seccompconv_skipped_done(ret);
			return r;
		}
		p += n;
		if (*p == ',')
			p += strspn(p, ", ");
	}
	return 0;
}

struct json_object *seccompconv_skipped_json(const struct seccompconv_skipped *s)
{
	_cleanup_json_ struct json_object *o = NULL;
	struct json_object *names;

	if (!s->names || !(o = json_object_new_object()))
		return NULL;
	/* json_add() takes names also when it fails. */
	if (json_add_string(o, "libseccomp", s->version) < 0 ||
	    json_add(o, "syscalls", names = json_object_new_array()) < 0 || !names ||
	    json_add_string(o, "text", s->text) < 0)
		return NULL;
	for (size_t i = 0; i < s->n_names; i++)
		if (json_object_array_add(names, json_object_new_string(s->names[i])) < 0)
			return NULL;
	return TAKE_PTR(o);
}

int seccompconv_read_file(const char *path, char **ret, size_t *ret_size, struct lxcri_error *err)
{
	struct stat st;
	int r = fileio_read_file(path, SECCOMPCONV_SIZE_MAX, ret, ret_size);

	if (r == -EFBIG)
		return error_set(err, r, "%s: larger than %d bytes", path, SECCOMPCONV_SIZE_MAX);
	/* fileio_read_file() refuses what is not a regular file: say what it is. */
	if (r == -EINVAL && stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return error_set(err, r, "Failed to read '%s': not a regular file but %s", path,
				 S_ISDIR(st.st_mode)	? "a directory"
				 : S_ISCHR(st.st_mode)	? "a character device"
				 : S_ISBLK(st.st_mode)	? "a block device"
				 : S_ISFIFO(st.st_mode) ? "a FIFO"
				 : S_ISSOCK(st.st_mode) ? "a socket"
							: "something else");
	if (r < 0)
		return error_set_errno(err, r, "Failed to read '%s'", path);
	return 0;
}

const char *seccompconv_shape_name(enum seccompconv_shape shape)
{
	switch (shape) {
	case SECCOMPCONV_RUNTIME_SPEC:
		return "runtime-spec";
	case SECCOMPCONV_CONFIG_JSON:
		return "config.json";
	case SECCOMPCONV_DOCKER:
		return "docker";
	}
	return "unknown";
}

static void conv_done(struct conv *c)
{
	if (c->out)
		fclose(c->out);
	c->out = NULL;
	strv_free(c->losses);
	strv_free(c->notes);
	strv_free(c->skipped);
	c->losses = c->notes = c->skipped = NULL;
}

const char *seccompconv_libseccomp_version(void)
{
	static char version[32];
	const struct scmp_version *v;

	if (!version[0]) {
		v = seccomp_version();
		snprintf(version, sizeof(version), "%u.%u.%u", v ? v->major : 0, v ? v->minor : 0,
			 v ? v->micro : 0);
	}
	return version;
}

/* result.skipped of the conversion: its text and names. */
static int skipped_fill(struct conv *c, struct seccompconv_skipped *ret)
{
	char buf[LXCSECCOMP_ACTION_TEXT];
	size_t size = 0;
	FILE *f;

	if (c->n_skipped == 0)
		return 0;
	f = open_memstream(&ret->text, &size);
	if (!f)
		return -ENOMEM;
	fprintf(f, SKIPPED_PREFIX "%s): ", seccompconv_libseccomp_version());
	for (size_t i = 0; i < c->n_skipped; i++)
		fprintf(f, "%s%s", i ? ", " : "", c->skipped[i]);
	fprintf(f, "; these calls get the default action (%s)",
		lxcseccomp_action_text(c->default_action, buf));
	if (fclose(f) != 0)
		return -ENOMEM;
	snprintf(ret->version, sizeof(ret->version), "%s", seccompconv_libseccomp_version());
	ret->names = TAKE_PTR(c->skipped);
	ret->n_names = c->n_skipped;
	return 0;
}

/* The profile: LXC's header, our comments, the section and the rules. */
static char *profile_text(const struct conv *c, const char *header_shape,
			  const struct seccompconv_skipped *skipped, const char *rules)
{
	char *text = NULL, buf[LXCSECCOMP_ACTION_TEXT];
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	if (!f)
		return NULL;
	/* A "debug" anywhere on line 2 makes LXC refuse the file: keep it out. */
	fputs("2\n", f);
	if (c->default_action.kind == LXCSECCOMP_ALLOW)
		fputs("denylist\n", f);
	else
		fprintf(f, "allowlist %s\n", lxcseccomp_action_text(c->default_action, buf));
	fprintf(f, "# lxcri: converted from a %s for %s (LXC filters %s", header_shape,
		c->arch->name, c->arch->name);
	for (size_t i = 0; i < 2 && c->arch->compat[i]; i++)
		fprintf(f, ", %s", c->arch->compat[i]);
	fputs(")\n", f);
	if (skipped->text)
		fprintf(f, "# lxcri: %s\n", skipped->text);
	fprintf(f, "[%s]\n%s", c->arch->section, rules);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

int seccompconv_convert(const char *source, const char *text, size_t size,
			const struct seccompconv_opts *opts, struct seccompconv_result *ret,
			struct lxcri_error *err)
{
	_cleanup_(conv_done) struct conv c = { .source = source, .prefix = "", .err = err };
	_cleanup_json_ struct json_object *root = NULL;
	_cleanup_free_ char *rules = NULL;
	struct json_object *seccomp, *linux_object;
	enum seccompconv_shape shape;
	size_t rules_size = 0;
	int r;

	*ret = (struct seccompconv_result){ 0 };
	if (size > SECCOMPCONV_SIZE_MAX)
		return error_set(err, -EFBIG, "%s: larger than %d bytes", source,
				 SECCOMPCONV_SIZE_MAX);
	if ((r = host_defaults(&c, opts)) < 0)
		return r;
	if ((r = parse_json(&c, text, size, &root)) < 0)
		return r;
	if (!json_object_is_type(root, json_type_object))
		return conv_error(&c, -EINVAL, "expected a JSON object, not %s",
				  json_type_name(root));

	seccomp = root;
	if (json_object_object_get_ex(root, "ociVersion", NULL) ||
	    json_object_object_get_ex(root, "linux", NULL)) {
		shape = SECCOMPCONV_CONFIG_JSON;
		linux_object = member(root, "linux");
		if (!json_object_is_type(linux_object, json_type_object) ||
		    !(seccomp = member(linux_object, "seccomp")))
			return conv_error(&c, -EINVAL, "a config.json without linux.seccomp");
		if ((r = get_object(&c, seccomp, "linux.seccomp")) < 0)
			return r;
		c.prefix = "linux.seccomp.";
	} else {
		shape = detect_docker(root);
	}

	c.out = open_memstream(&rules, &rules_size);
	if (!c.out)
		return error_oom(err);
	r = convert(&c, seccomp);
	if (fclose(TAKE_PTR(c.out)) != 0 && r >= 0)
		r = -ENOMEM;
	if (r < 0)
		return r;

	if (skipped_fill(&c, &ret->skipped) < 0) {
		seccompconv_result_done(ret);
		return error_oom(err);
	}
	ret->shape = shape;
	ret->n_rules = c.n_rules;
	ret->n_losses = c.n_losses;
	ret->n_notes = c.n_notes;
	if (!c.losses)
		c.losses = calloc(1, sizeof(char *));
	if (!c.notes)
		c.notes = calloc(1, sizeof(char *));
	if (!c.losses || !c.notes) {
		seccompconv_result_done(ret);
		return error_oom(err);
	}
	ret->losses = TAKE_PTR(c.losses);
	ret->notes = TAKE_PTR(c.notes);
	if (ret->n_losses > 0 && !(opts && opts->accept_loss))
		return error_set(err, -EOPNOTSUPP,
				 "%s: %zu feature%s LXC's seccomp format cannot express "
				 "(accept the loss to convert anyway): %s%s",
				 source, ret->n_losses, ret->n_losses == 1 ? "" : "s",
				 ret->losses[0], ret->n_losses > 1 ? "; ..." : "");
	ret->profile = profile_text(
	    &c, shape == SECCOMPCONV_DOCKER ? "docker profile" : "runtime-spec profile",
	    &ret->skipped, rules);
	if (!ret->profile) {
		seccompconv_result_done(ret);
		return error_oom(err);
	}
	return 0;
}
