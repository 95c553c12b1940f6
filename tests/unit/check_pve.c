/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/pve: quorum, owners, "lock:" and PVE's config lock, on trees laid out as pmxcfs shows them.
 */
#include <errno.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "lib/pve/pve.h"
#include "testutil.h"

static char *dir;
static struct lxcri_paths paths;

/* <dir>/pve as pmxcfs shows node pve1 of a two-node cluster: vmids 100 (pve1), 200 (pve2), 300
 * (qemu). */
static void setup(void)
{
	char path[PATH_MAX];

	dir = test_tmpdir();
	ck_assert_int_eq(paths_init(&paths), 0);
	snprintf(paths.pve_dir, sizeof(paths.pve_dir), "%s/pve", dir);
	snprintf(paths.pve_lock_dir, sizeof(paths.pve_lock_dir), "%s/locks", dir);
	for (const char *const *d =
		 (const char *const[]){ "pve", "pve/nodes", "pve/nodes/pve1", "pve/nodes/pve1/lxc",
					"pve/nodes/pve2", "pve/nodes/pve2/lxc", NULL };
	     *d; d++) {
		snprintf(path, sizeof(path), "%s/%s", dir, *d);
		ck_assert_int_eq(mkdir(path, 0755), 0);
	}
	snprintf(path, sizeof(path), "%s/pve/local", dir);
	ck_assert_int_eq(symlink("nodes/pve1", path), 0);
	snprintf(path, sizeof(path), "%s/pve/.vmlist", dir);
	test_write_file(
	    path, "{\n\"version\": 7,\n\"ids\": {\n"
		  "\"100\": { \"node\": \"pve1\", \"type\": \"lxc\", \"version\": 3 },\n"
		  "\"200\": { \"node\": \"pve2\", \"type\": \"lxc\", \"version\": 5 },\n"
		  "\"300\": { \"node\": \"pve1\", \"type\": \"qemu\", \"version\": 6 }}\n\n}\n");
	snprintf(path, sizeof(path), "%s/pve/nodes/pve1/lxc/100.conf", dir);
	test_write_file(path, "arch: amd64\nhostname: ct100\n\n[snap1]\nlock: snapshot\n");
}

static void teardown(void)
{
	test_rm_rf(dir);
	free(dir);
}

START_TEST(test_quorum_by_the_write_bits_of_local)
{
	char path[PATH_MAX];

	/* A symlink shows 0777 (pmxcfs: quorate); without one, pmxcfs is not mounted. */
	ck_assert_int_eq(pve_quorate(paths.pve_dir), 1);
	snprintf(path, sizeof(path), "%s/local", paths.pve_dir);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(pve_quorate(paths.pve_dir), 0);
	/* Without quorum pmxcfs shows 'local' without write bits (lr-xr-xr-x). */
	test_write_file(path, "");
	ck_assert_int_eq(chmod(path, 0555), 0);
	ck_assert_int_eq(pve_quorate(paths.pve_dir), 0);
	ck_assert_int_eq(chmod(path, 0755), 0);
	ck_assert_int_eq(pve_quorate(paths.pve_dir), 1);
}
END_TEST

START_TEST(test_quorum_as_members_tells_it)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/.members", paths.pve_dir);
	test_write_file(path, "{\n\"nodename\": \"pve1\",\n\"version\": 4,\n\"cluster\": { "
			      "\"name\": \"c\", \"version\": 2, \"nodes\": 2, \"quorate\": 1 },\n"
			      "\"nodelist\": {}\n}\n");
	ck_assert_int_eq(pve_quorate(paths.pve_dir), 1);
	/* 'local' still writable (pmxcfs has not caught up): .members says no quorum. */
	test_write_file(path, "{\n\"nodename\": \"pve1\",\n\"version\": 5,\n\"cluster\": { "
			      "\"name\": \"c\", \"version\": 2, \"nodes\": 2, \"quorate\": 0 },\n"
			      "\"nodelist\": {}\n}\n");
	ck_assert_int_eq(pve_quorate(paths.pve_dir), 0);
	/* A node outside a cluster has no "cluster": always quorate; garbage tells nothing. */
	test_write_file(path, "{ \"nodename\": \"pve1\", \"version\": 1 }\n");
	ck_assert_int_eq(pve_quorate(paths.pve_dir), 1);
	test_write_file(path, "{ \"cluster\": ");
	ck_assert_int_eq(pve_quorate(paths.pve_dir), 1);
}
END_TEST

START_TEST(test_node_name_and_owner)
{
	struct lxcri_error err = {};
	char node[64], type[16], path[PATH_MAX];

	ck_assert_int_eq(pve_node_name(paths.pve_dir, node, sizeof(node)), 0);
	ck_assert_str_eq(node, "pve1");
	ck_assert_int_eq(
	    pve_vmid_owner(paths.pve_dir, "200", node, sizeof(node), type, sizeof(type), &err), 0);
	ck_assert_str_eq(node, "pve2");
	ck_assert_str_eq(type, "lxc");
	ck_assert_int_eq(
	    pve_vmid_owner(paths.pve_dir, "999", node, sizeof(node), type, sizeof(type), &err),
	    -ENOENT);
	ck_assert_ptr_nonnull(strstr(err.message, "does not know vmid 999"));

	/* A cluster with no guest: pmxcfs writes no "ids" at all. */
	snprintf(path, sizeof(path), "%s/.vmlist", paths.pve_dir);
	test_write_file(path, "{\n\"version\": 1\n}\n");
	ck_assert_int_eq(
	    pve_vmid_owner(paths.pve_dir, "100", node, sizeof(node), type, sizeof(type), &err),
	    -ENOENT);
	test_write_file(path, "{\"version\": 1, \"ids\": []}");
	ck_assert_int_eq(
	    pve_vmid_owner(paths.pve_dir, "100", node, sizeof(node), type, sizeof(type), &err),
	    -EINVAL);

	test_write_file(path, "{\"ids\": [}");
	ck_assert_int_eq(
	    pve_vmid_owner(paths.pve_dir, "100", node, sizeof(node), type, sizeof(type), &err),
	    -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, ".vmlist"));

	snprintf(path, sizeof(path), "%s/local", paths.pve_dir);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(symlink("elsewhere/pve1", path), 0);
	ck_assert_int_eq(pve_node_name(paths.pve_dir, node, sizeof(node)), -EINVAL);
}
END_TEST

START_TEST(test_lock_property_of_the_main_section)
{
	char v[64];
	const char *locked = "arch: amd64\nlock: backup \nmemory: 512\n";
	const char *snapshot_only = "arch: amd64\n\n[before]\nlock: snapshot\n";

	ck_assert_int_eq(pve_config_lock_value(locked, strlen(locked), v, sizeof(v)), 1);
	ck_assert_str_eq(v, "backup");
	ck_assert_int_eq(pve_config_lock_value(snapshot_only, strlen(snapshot_only), v, sizeof(v)),
			 0);
	ck_assert_int_eq(pve_config_lock_value("", 0, v, sizeof(v)), 0);
	/* "locked:" is another key. */
	ck_assert_int_eq(pve_config_lock_value("locked: 1\n", 10, v, sizeof(v)), 0);
}
END_TEST

START_TEST(test_change_check)
{
	struct lxcri_error err = {};
	char path[PATH_MAX];

	/* Ours, unlocked (the snapshot's lock: does not count); unknown to the cluster. */
	ck_assert_msg(pve_change_check(&paths, "100", &err) == 0, "%s", err.message);
	ck_assert_msg(pve_change_check(&paths, "555", &err) == 0, "%s", err.message);
	ck_assert_int_eq(pve_change_check(&paths, "200", &err), -EREMOTE);
	ck_assert_str_eq(
	    err.message,
	    "CT 200 belongs to node 'pve2', not to this node 'pve1': run lxcri on 'pve2'");
	ck_assert_int_eq(pve_change_check(&paths, "300", &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.message, "qemu guest"));

	snprintf(path, sizeof(path), "%s/nodes/pve1/lxc/100.conf", paths.pve_dir);
	test_write_file(path, "arch: amd64\nlock: migrate\n");
	ck_assert_int_eq(pve_change_check(&paths, "100", &err), -EBUSY);
	ck_assert_ptr_nonnull(strstr(err.message, "CT 100 is locked (migrate)"));

	snprintf(path, sizeof(path), "%s/local", paths.pve_dir);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(pve_change_check(&paths, "100", &err), -EACCES);
	ck_assert_ptr_nonnull(strstr(err.message, PVE_NO_QUORUM));
}
END_TEST

START_TEST(test_config_lock)
{
	struct lxcri_error err = {};
	char path[PATH_MAX];
	int fd, held[2];
	pid_t holder;
	char c;

	fd = pve_config_lock(&paths, "100", 0, &err);
	ck_assert_msg(fd >= 0, "%s", err.message);
	snprintf(path, sizeof(path), "%s/pve-config-100.lock", paths.pve_lock_dir);
	ck_assert_int_eq(access(path, F_OK), 0);
	close(fd);

	/* Held by another process (PVE's tools flock the same file): refused at the timeout. */
	ck_assert_int_eq(pipe(held), 0);
	holder = fork();
	ck_assert_int_ge(holder, 0);
	if (holder == 0) {
		int h = open(path, O_RDONLY | O_CLOEXEC);

		if (h < 0 || flock(h, LOCK_EX) < 0 || write(held[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	ck_assert_int_eq(read(held[0], &c, 1), 1);
	ck_assert_int_eq(pve_config_lock(&paths, "100", 100, &err), -EWOULDBLOCK);
	ck_assert_ptr_nonnull(strstr(err.message, "is held by another process"));
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
	fd = pve_config_lock(&paths, "100", 100, &err);
	ck_assert_msg(fd >= 0, "%s", err.message);
	close(fd);
}
END_TEST

static Suite *pve_suite(void)
{
	Suite *s = suite_create("pve");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_quorum_by_the_write_bits_of_local);
	tcase_add_test(tc, test_quorum_as_members_tells_it);
	tcase_add_test(tc, test_node_name_and_owner);
	tcase_add_test(tc, test_lock_property_of_the_main_section);
	tcase_add_test(tc, test_change_check);
	tcase_add_test(tc, test_config_lock);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(pve_suite)
