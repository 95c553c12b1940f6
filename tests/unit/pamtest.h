/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * For the suites that run hooks through real PAM modules, under pam_wrapper:
 * pamtest_main() re-executes the suite's binary with libpam_wrapper.so
 * preloaded and PAM_WRAPPER=1; each test writes its service files to a
 * directory of its own (pamtest_setup) and points PAM_WRAPPER_SERVICE_DIR at
 * it (pam_wrapper copies it at the first pam_start of each process). Never
 * the host's own /etc/pam.d.
 */

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>

#include "testutil.h"

/* The PAM service the tests write; pamtest_permit_all permits every user. */
#define PAMTEST_SERVICE "lxcri-test"

static const char *const pamtest_permit_all[] = {
	"account required pam_permit.so",
	"session required pam_permit.so",
	NULL,
};

static char pamtest_dir[PATH_MAX];
static const char *pamtest_module_dir;

static inline const char *pamtest_find_module_dir(void)
{
	static const char *dirs[] = { "/usr/lib/x86_64-linux-gnu/security",
				      "/lib/x86_64-linux-gnu/security",
				      "/usr/lib/aarch64-linux-gnu/security", "/usr/lib64/security",
				      "/usr/lib/security" };
	char path[PATH_MAX];

	for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
		snprintf(path, sizeof(path), "%s/pam_permit.so", dirs[i]);
		if (access(path, R_OK) == 0)
			return dirs[i];
	}
	return NULL;
}

/*
 * A service file from lines like "account required pam_permit.so": module
 * names get the module directory; "auth" defaults to pam_permit when not
 * given.
 */
static inline void pamtest_write_service(const char *name, const char *const *lines)
{
	char path[PATH_MAX], text[4096] = "";
	bool has_auth = false;

	for (size_t i = 0; lines[i]; i++) {
		char type[32], control[32], module[64], args[1024] = "";
		size_t n = strlen(text);

		ck_assert_int_ge(
		    sscanf(lines[i], "%31s %31s %63s %1023[^\n]", type, control, module, args), 3);
		has_auth |= strcmp(type, "auth") == 0;
		snprintf(text + n, sizeof(text) - n, "%s %s %s/%s %s\n", type, control,
			 pamtest_module_dir, module, args);
	}
	if (!has_auth) {
		size_t n = strlen(text);
		snprintf(text + n, sizeof(text) - n, "auth required %s/pam_permit.so\n",
			 pamtest_module_dir);
	}
	snprintf(path, sizeof(path), "%s/%s", pamtest_dir, name);
	test_write_file(path, text);
}

/*
 * The test's service directory, <dir>/pam.d, with "other" denying all
 * (libpam reads it first, and complains where it is missing): a service
 * not written denies.
 */
static inline void pamtest_setup(const char *dir)
{
	pamtest_module_dir = pamtest_find_module_dir();
	ck_assert_msg(pamtest_module_dir, "no PAM module directory with pam_permit.so");
	snprintf(pamtest_dir, sizeof(pamtest_dir), "%s/pam.d", dir);
	ck_assert_int_eq(mkdir(pamtest_dir, 0755), 0);
	ck_assert_int_eq(setenv("PAM_WRAPPER_SERVICE_DIR", pamtest_dir, 1), 0);
	pamtest_write_service("other",
			      (const char *const[]){ "auth required pam_deny.so",
						     "account required pam_deny.so",
						     "session required pam_deny.so", NULL });
}

/*
 * pam_wrapper copies the service files to /tmp/pam.<letter> at the first
 * pam_start of a process and removes that copy in its destructor, which
 * never runs in hookrun's session process (it _exit()s). Like pam_wrapper
 * itself, remove the copies whose process is gone.
 */
static inline void pamtest_remove_copies(void)
{
	DIR *d = opendir("/tmp");
	struct dirent *de;

	while (d && (de = readdir(d))) {
		char path[PATH_MAX], buf[32] = "";
		FILE *f;
		int pid = 0;

		if (strncmp(de->d_name, "pam.", 4) != 0 || strlen(de->d_name) != 5)
			continue;
		snprintf(path, sizeof(path), "/tmp/%s/pid", de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f))
			pid = atoi(buf);
		fclose(f);
		if (pid > 0 && kill(pid, 0) < 0 && errno == ESRCH) {
			snprintf(path, sizeof(path), "/tmp/%s", de->d_name);
			test_rm_rf(path);
		}
	}
	if (d)
		closedir(d);
}

#if defined(__SANITIZE_ADDRESS__)
#define PAMTEST_HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PAMTEST_HAVE_ASAN 1
#endif
#endif

#ifdef PAMTEST_HAVE_ASAN
void __asan_init(void);
#endif

/*
 * pam_wrapper must be preloaded, so the binary runs itself again with it.
 * ASan's dynamic runtime insists on coming first among the loaded
 * libraries, so it is named first in LD_PRELOAD (it is already loaded
 * anyway); that keeps its link-order check on.
 */
static inline int pamtest_reexec(char **argv)
{
	char preload[PATH_MAX * 3] = "";
	const char *old = getenv("LD_PRELOAD");
	size_t n;

#ifdef PAMTEST_HAVE_ASAN
	Dl_info info;

	if (dladdr((void *)__asan_init, &info) && info.dli_fname && strstr(info.dli_fname, ".so"))
		snprintf(preload, sizeof(preload), "%s:", info.dli_fname);
#endif
	n = strlen(preload);
	snprintf(preload + n, sizeof(preload) - n, "libpam_wrapper.so%s%s", old ? ":" : "",
		 old ? old : "");
	if (old)
		setenv("LXCRI_TEST_LD_PRELOAD", old, 1);
	setenv("LD_PRELOAD", preload, 1);
	setenv("PAM_WRAPPER", "1", 1);
	/* Set per test: without it, pam_wrapper stays idle in this process. */
	unsetenv("PAM_WRAPPER_SERVICE_DIR");
	execv("/proc/self/exe", argv);
	fprintf(stderr, "Failed to execute '/proc/self/exe' again: %s\n", strerror(errno));
	return EXIT_FAILURE;
}

/* The main() of a suite that needs pam_wrapper (and root: hooks switch users). */
static inline int pamtest_main(char **argv, Suite *(*suite)(void))
{
	SRunner *sr;
	int failed;

	if (getuid() != 0) {
		fprintf(stderr, "%s needs root (it switches users)\n", argv[0]);
		return EXIT_FAILURE;
	}
	if (!getenv("PAM_WRAPPER"))
		return pamtest_reexec(argv);
	if (!dlsym(RTLD_DEFAULT, "pam_wrapper_enabled")) {
		fprintf(stderr, "libpam_wrapper.so is not loaded: install libpam-wrapper\n");
		return EXIT_FAILURE;
	}
	/*
	 * pam_wrapper dlopen()s libpam with RTLD_DEEPBIND, which ASan refuses
	 * (and aborts); it leaves that flag out when LD_PRELOAD names
	 * libasan.so, or when this (uid_wrapper's) variable is set.
	 */
	setenv("UID_WRAPPER_DISABLE_DEEPBIND", "1", 1);
	/*
	 * Loaded here, it is not for the programs the tests run (rm, the
	 * hooks): there, it would copy a service directory that may be gone,
	 * and exit.
	 */
	if (getenv("LXCRI_TEST_LD_PRELOAD"))
		setenv("LD_PRELOAD", getenv("LXCRI_TEST_LD_PRELOAD"), 1);
	else
		unsetenv("LD_PRELOAD");

	sr = srunner_create(suite());
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
