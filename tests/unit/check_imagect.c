/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "lib/image/imagect.h"

START_TEST(test_process)
{
	char *entrypoint[] = { "/usr/bin/entry.sh", NULL }, *cmd[] = { "one", "two words", NULL };
	char *env[] = { "FOO=bar", "SPACED=a b", NULL };
	struct imageconfig c = { .entrypoint = entrypoint,
				 .cmd = cmd,
				 .env = env,
				 .working_dir = "/srv/app",
				 .user = "app" };
	struct passwd_user u = { .uid = 1000,
				 .gid = 1000,
				 .groups = { 1000, 1001 },
				 .n_groups = 2,
				 .home = "/srv/app" };
	struct lxcri_error err = { 0 };
	struct procspec *p = NULL;

	ck_assert_int_eq(imagect_process(&c, &u, &p, &err), 0);
	ck_assert_str_eq(p->argv[0], "/usr/bin/entry.sh");
	ck_assert_str_eq(p->argv[2], "two words");
	ck_assert_ptr_null(p->argv[3]);
	/* The image's env as it is, then what docker adds when it is missing. */
	ck_assert_str_eq(p->env[0], "FOO=bar");
	ck_assert_str_eq(p->env[1], "SPACED=a b");
	ck_assert_str_eq(p->env[2], "PATH=" IMAGECT_DEFAULT_PATH);
	ck_assert_str_eq(p->env[3], "HOME=/srv/app");
	ck_assert_ptr_null(p->env[4]);
	ck_assert_str_eq(p->cwd, "/srv/app");
	ck_assert_uint_eq(p->uid, 1000);
	ck_assert_uint_eq(p->n_groups, 2);
	ck_assert_uint_eq(p->groups[1], 1001);
	procspec_free(p);

	/* Only a Cmd; its own PATH and HOME kept; no WorkingDir: "/". */
	char *env2[] = { "PATH=/opt/bin", "HOME=/h", NULL };
	struct imageconfig c2 = { .cmd = cmd, .env = env2, .working_dir = "" };
	ck_assert_int_eq(imagect_process(&c2, &u, &p, &err), 0);
	ck_assert_str_eq(p->argv[0], "one");
	ck_assert_str_eq(p->env[0], "PATH=/opt/bin");
	ck_assert_ptr_null(p->env[2]);
	ck_assert_str_eq(p->cwd, "/");
	procspec_free(p);

	/* Nothing to run: refused. A relative WorkingDir: refused. */
	char *empty[] = { NULL };
	struct imageconfig c3 = { .entrypoint = empty, .cmd = empty };
	ck_assert_int_eq(imagect_process(&c3, &u, &p, &err), -EINVAL);
	ck_assert_str_eq(err.message,
			 "The image has neither an Entrypoint nor a Cmd: there is nothing to run");
	struct imageconfig c4 = { .cmd = cmd, .working_dir = "srv" };
	ck_assert_int_eq(imagect_process(&c4, &u, &p, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, "'srv' is not absolute"));
}
END_TEST

START_TEST(test_image_key)
{
	char buf[256];
	const char *d = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

	ck_assert_int_eq(imagect_image_key("docker.io/library/busybox:latest", d, buf, sizeof(buf)),
			 0);
	ck_assert_str_eq(buf, "docker.io/library/busybox:latest@sha256:"
			      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	ck_assert_int_eq(imagect_image_key("h/a@sha256:00", d, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "h/a@sha256:00");
	ck_assert_int_eq(imagect_image_key("x:y", d, buf, 20), -ENAMETOOLONG);
}
END_TEST

/* An existing container is never touched; a missing image leaves nothing behind. */
START_TEST(test_create_refusals)
{
	_cleanup_free_ char *tmp = test_tmpdir(), *lxc = test_path(tmp, "lxc");
	_cleanup_free_ char *images = test_path(tmp, "images"), *ct = test_path(lxc, "ct1");
	_cleanup_free_ char *keep = test_path(ct, "config");
	struct lxcri_error err = { 0 };
	struct store *s = NULL;
	struct stat st;

	ck_assert_int_eq(mkdir(lxc, 0755), 0);
	ck_assert_int_eq(mkdir(ct, 0755), 0);
	test_write_file(keep, "mine\n");
	ck_assert_int_eq(store_open(images, STORE_CREATE, &s, &err), 0);
	struct imagect_options o = { .id = "ct1",
				     .lxc_path = lxc,
				     .lxc_config_dir = "/usr/share/lxc/config",
				     .init_path = "/usr/libexec/lxcri/lxcri-init",
				     .store = s,
				     .name = "docker.io/library/busybox:latest" };
	ck_assert_int_eq(imagect_create(&o, NULL, &err), -EEXIST);
	ck_assert_ptr_nonnull(strstr(err.message, "The container 'ct1' exists already"));
	ck_assert_int_eq(stat(keep, &st), 0);
	ck_assert_int_eq(st.st_size, 5);
	o.id = "ct2";
	ck_assert_int_eq(imagect_create(&o, NULL, &err), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err.message, "no image 'docker.io/library/busybox:latest'"));
	o.id = "../evil";
	ck_assert_int_eq(imagect_create(&o, NULL, &err), -EINVAL);
	/* Nothing but ct1 in the LXC path. */
	const char *ls[] = { "/bin/ls", "-A", lxc, NULL };
	ck_assert_str_eq(test_run_output(ls), "ct1\n");

	/* A template needs a plain file name, and a missing image leaves no directory. */
	struct imagect_result res = { 0 };
	o.kind = IMAGECT_TEMPLATE;
	o.id = "300";
	o.work_dir = images;
	o.template_name = "../t.tar";
	ck_assert_int_eq(imagect_create(&o, &res, &err), -EINVAL);
	o.template_name = NULL;
	ck_assert_int_eq(imagect_create(&o, &res, &err), -EINVAL);
	o.template_name = "t.tar";
	ck_assert_int_eq(imagect_create(&o, &res, &err), -ENOENT);
	ck_assert_str_eq(res.dir, "");
	const char *ls_images[] = { "/bin/ls", "-A", images, NULL };
	const char *listing = test_run_output(ls_images);
	ck_assert_ptr_nonnull(listing);
	ck_assert_ptr_null(strstr(listing, "template"));
	store_close(s);
	test_rm_rf(tmp);
}
END_TEST

/* prune: lowers a container's config names stay; others, and stale half-made ones, go. */
START_TEST(test_prune_lowers)
{
	_cleanup_free_ char *tmp = test_tmpdir(), *lxc = test_path(tmp, "lxc"),
			    *lowers = test_path(tmp, "rootfs");
	struct lxcri_error err = { 0 };
	char path[PATH_MAX], text[PATH_MAX * 2];
	struct timespec old[2] = { { 1000, 0 }, { 1000, 0 } };
	uint64_t bytes = 0;
	unsigned n = 0;
	struct stat st;

	ck_assert_int_eq(mkdir(lxc, 0755), 0);
	ck_assert_int_eq(mkdir(lowers, 0711), 0);
	const char *names[] = { "aaaa", "bbbb", "cccc-u0.100000.65536-g0.100000.65536", ".dddd.x1",
				".eeee.x2" };
	for (size_t i = 0; i < 5; i++) {
		snprintf(path, sizeof(path), "%s/%s", lowers, names[i]);
		ck_assert_int_eq(mkdir(path, 0755), 0);
		snprintf(path, sizeof(path), "%s/%s/file", lowers, names[i]);
		test_write_file(path, "some bytes\n");
	}
	/* .dddd was left by a create that died long ago; .eeee is being made now. */
	snprintf(path, sizeof(path), "%s/.dddd.x1", lowers);
	ck_assert_int_eq(utimensat(AT_FDCWD, path, old, 0), 0);
	/* ct1 uses aaaa; a container being made (.ct2.XXXXXX) uses the unprivileged one. */
	snprintf(path, sizeof(path), "%s/ct1", lxc);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/ct1/config", lxc);
	snprintf(text, sizeof(text), "lxc.rootfs.path = overlay:%s/aaaa:%s/ct1/delta0\n", lowers,
		 lxc);
	test_write_file(path, text);
	snprintf(path, sizeof(path), "%s/.ct2.Ab12Cd", lxc);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/.ct2.Ab12Cd/config", lxc);
	snprintf(
	    text, sizeof(text),
	    "lxc.rootfs.path = overlay:%s/cccc-u0.100000.65536-g0.100000.65536:%s/ct2/delta0\n",
	    lowers, lxc);
	test_write_file(path, text);

	ck_assert_int_eq(imagect_prune_lowers(lowers, lxc, &n, &bytes, &err), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_gt(bytes, 0);
	const char *kept[] = { "aaaa", "cccc-u0.100000.65536-g0.100000.65536", ".eeee.x2" };
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s/file", lowers, kept[i]);
		ck_assert_msg(stat(path, &st) == 0, "%s went", kept[i]);
	}
	snprintf(path, sizeof(path), "%s/bbbb", lowers);
	ck_assert_int_eq(stat(path, &st), -1);
	snprintf(path, sizeof(path), "%s/.dddd.x1", lowers);
	ck_assert_int_eq(stat(path, &st), -1);
	/* No lower directory at all: nothing to do. */
	ck_assert_int_eq(imagect_prune_lowers("/nonexistent/rootfs", lxc, &n, NULL, &err), 0);
	ck_assert_uint_eq(n, 0);
	test_rm_rf(tmp);
}
END_TEST

static Suite *imagect_suite(void)
{
	Suite *s = suite_create("imagect");
	TCase *tc = tcase_create("imagect");

	tcase_add_test(tc, test_process);
	tcase_add_test(tc, test_image_key);
	tcase_add_test(tc, test_create_refusals);
	tcase_add_test(tc, test_prune_lowers);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(imagect_suite)
