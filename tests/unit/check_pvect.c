/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A Proxmox VE container from an image: pct's argv and the raw keys (lib/image/pvect.c). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "lib/basic/strv.h"
#include "lib/image/pvect.h"

#define DIGEST "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define INIT   "/usr/libexec/lxcri/lxcri-init"

/* argv joined by spaces, for comparing. */
static char *joined(char *const *argv)
{
	size_t size = 1;
	char *s;

	for (size_t i = 0; argv[i]; i++)
		size += strlen(argv[i]) + 1;
	s = calloc(1, size);
	ck_assert_ptr_nonnull(s);
	for (size_t i = 0; argv[i]; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

static char *argv_of(char **args, size_t n, int unprivileged, const char *arch,
		     struct lxcri_error *err, int *r)
{
	struct pvect_options o = {
		.vmid = "300",
		.template_path = "/var/lib/lxcri/images/.template.x/t.tar",
		.arch = arch,
		.unprivileged = unprivileged,
		.pct_args = args,
		.n_pct_args = n,
	};
	_cleanup_strv_ char **argv = NULL;

	*r = pvect_pct_argv(&o, "/usr/sbin/pct", &argv, err);
	return *r < 0 ? NULL : joined(argv);
}

START_TEST(test_argv_defaults_and_the_admins_options)
{
	struct lxcri_error err = { 0 };
	char *args[] = { "--hostname", "app", "--net0=name=eth0,bridge=vmbr0", "--memory", "256" };
	char *s;
	int r;

	s = argv_of(args, 5, 0, "amd64", &err, &r);
	ck_assert_int_eq(r, 0);
	ck_assert_str_eq(s, "/usr/sbin/pct create 300 /var/lib/lxcri/images/.template.x/t.tar "
			    "--ostype unmanaged --cmode console --arch amd64 --hostname app "
			    "--net0=name=eth0,bridge=vmbr0 --memory 256");
	free(s);

	/* The admin's ostype, cmode and arch win: lxcri's defaults are left out. */
	char *own[] = { "--ostype", "alpine", "--cmode=tty", "--arch", "arm64" };
	s = argv_of(own, 5, 1, "amd64", &err, &r);
	ck_assert_int_eq(r, 0);
	ck_assert_str_eq(s, "/usr/sbin/pct create 300 /var/lib/lxcri/images/.template.x/t.tar "
			    "--unprivileged 1 --ostype alpine --cmode=tty --arch arm64");
	free(s);

	/* No arch PVE knows: PVE's default. A flag before another option is a flag. */
	char *flags[] = { "--console", "--tags", "app" };
	s = argv_of(flags, 3, 0, NULL, &err, &r);
	ck_assert_int_eq(r, 0);
	ck_assert_str_eq(s, "/usr/sbin/pct create 300 /var/lib/lxcri/images/.template.x/t.tar "
			    "--ostype unmanaged --cmode console --console --tags app");
	free(s);
}
END_TEST

START_TEST(test_argv_refusals)
{
	static const char *const refused[] = { "start",	       "restore",    "force",	   "unique",
					       "unprivileged", "ostemplate", "entrypoint", "env" };
	struct lxcri_error err = { 0 };
	char opt[64], withvalue[64];
	int r;

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		char *args[] = { "--memory", "256", opt, "1" };
		char *eq[] = { withvalue };
		char want[64];

		snprintf(opt, sizeof(opt), "--%s", refused[i]);
		snprintf(withvalue, sizeof(withvalue), "--%s=1", refused[i]);
		snprintf(want, sizeof(want), "pct's --%s is refused", refused[i]);
		ck_assert_ptr_null(argv_of(args, 4, 0, "amd64", &err, &r));
		ck_assert_int_eq(r, -EINVAL);
		ck_assert_ptr_nonnull(strstr(err.message, want));
		ck_assert_ptr_null(argv_of(eq, 1, 0, "amd64", &err, &r));
		ck_assert_ptr_nonnull(strstr(err.message, want));
	}
	/* A value taken for its option is not checked as one: "--description --start" is fine. */
	char *value[] = { "--description", "start" };
	char *s = argv_of(value, 2, 0, NULL, &err, &r);
	ck_assert_int_eq(r, 0);
	free(s);
	/* Not options. */
	char *word[] = { "memory", "256" };
	ck_assert_ptr_null(argv_of(word, 2, 0, NULL, &err, &r));
	ck_assert_ptr_nonnull(strstr(err.message, "'memory' is not a pct option"));
	char *dashes[] = { "--memory", "1", "---x" };
	ck_assert_ptr_null(argv_of(dashes, 3, 0, NULL, &err, &r));
	ck_assert_ptr_nonnull(strstr(err.message, "'---x' is not a pct option"));
	/* A name that only starts like a refused one is not refused. */
	char *similar[] = { "--startup", "order=1" };
	s = argv_of(similar, 2, 0, NULL, &err, &r);
	ck_assert_int_eq(r, 0);
	ck_assert_ptr_nonnull(strstr(s, "--startup order=1"));
	free(s);
}
END_TEST

START_TEST(test_template_name)
{
	char buf[PVECT_NAME_MAX + 1];

	ck_assert_int_eq(
	    pvect_template_name("127.0.0.1:5000/lxcri-test/multi:latest", DIGEST, buf, sizeof(buf)),
	    0);
	ck_assert_str_eq(buf, "lxcri-127.0.0.1_5000_lxcri-test_multi_latest-0123456789ab.tar");
	/* Two registries' images of one name never share a template. */
	ck_assert_int_eq(pvect_template_name("docker.io/library/nginx:1", DIGEST, buf, sizeof(buf)),
			 0);
	ck_assert_str_eq(buf, "lxcri-docker.io_library_nginx_1-0123456789ab.tar");
	ck_assert_int_eq(pvect_template_name("a/b@sha256:x", DIGEST, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "lxcri-a_b_sha256_x-0123456789ab.tar");
	ck_assert_int_eq(pvect_template_name("a/b", "md5:0123456789abcdef", buf, sizeof(buf)),
			 -EINVAL);
	ck_assert_int_eq(pvect_template_name("a/b", "sha256:0123", buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(pvect_template_name("a/b", DIGEST, buf, 20), -ENAMETOOLONG);
	char longname[300];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ck_assert_int_eq(pvect_template_name(longname, DIGEST, buf, sizeof(buf)), -ENAMETOOLONG);
}
END_TEST

START_TEST(test_config_edit)
{
	struct lxcri_error err = { 0 };
	const char *pct = "arch: amd64\nhostname: app\nlxc.init.cmd: /sbin/init\nmemory: 256\n"
			  "\n[snap1]\nlxc.init.cmd: /old\n";
	char *text = NULL, *again = NULL;
	size_t size = 0, again_size = 0;

	ck_assert_int_eq(pvect_config_edit(pct, strlen(pct), INIT, SIGUSR1, &text, &size, &err), 0);
	ck_assert_uint_eq(size, strlen(text));
	/* The init replaces what was there; the snapshot section is left as it was. */
	ck_assert_ptr_nonnull(strstr(text, "lxc.init.cmd: /.lxcri/init /.lxcri/process\n"));
	ck_assert_ptr_null(strstr(text, "lxc.init.cmd: /sbin/init"));
	ck_assert_ptr_nonnull(strstr(text, "[snap1]\nlxc.init.cmd: /old\n"));
	ck_assert_ptr_nonnull(strstr(text, "lxc.signal.halt: SIGUSR1\n"));
	ck_assert_ptr_nonnull(
	    strstr(text, "lxc.mount.entry: " INIT " .lxcri/init none ro,bind,create=file 0 0\n"));
	ck_assert_ptr_nonnull(
	    strstr(text, "lxc.mount.entry: shm dev/shm tmpfs rw,nosuid,nodev,create=dir 0 0\n"));
	ck_assert_ptr_nonnull(strstr(text, "hostname: app\n"));
	ck_assert(strstr(text, "lxc.signal.halt") < strstr(text, "[snap1]"));
	/* Twice is the same: the mount entry is not added again. */
	ck_assert_int_eq(pvect_config_edit(text, size, INIT, SIGUSR1, &again, &again_size, &err),
			 0);
	ck_assert_str_eq(again, text);
	free(again);
	free(text);

	ck_assert_int_eq(
	    pvect_config_edit(pct, strlen(pct), "/usr/lib/x y/init", SIGTERM, &text, &size, &err),
	    -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, "init program"));
	ck_assert_int_eq(
	    pvect_config_edit(pct, strlen(pct), "lxcri-init", SIGTERM, &text, &size, &err),
	    -EINVAL);
	ck_assert_int_eq(pvect_config_edit(pct, strlen(pct), INIT, 999, &text, &size, &err),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, "999"));
}
END_TEST

static Suite *pvect_suite(void)
{
	Suite *s = suite_create("pvect");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_argv_defaults_and_the_admins_options);
	tcase_add_test(tc, test_argv_refusals);
	tcase_add_test(tc, test_template_name);
	tcase_add_test(tc, test_config_edit);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(pvect_suite)
