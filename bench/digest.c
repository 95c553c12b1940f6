/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench/digest: how fast a pulled blob is verified. digest_of_fd()
 * (lib/image/digest: libcrypto's EVP SHA-256, which uses the CPU's SHA
 * instructions) against `sha256sum` (coreutils) on the same file, both
 * reading it from the page cache after a warm-up read, so that the figure
 * is the hashing and not the disk.
 *
 *   digest <scratch dir> [MiB, default 1024] [rounds, default 3]
 * Prints the median MB/s of each (1 MB = 10^6 bytes) and their ratio; the
 * goal for digest_of_fd is at least 1000 MB/s. Figures only. Both must agree
 * on the digest, or it dies.
 */
#define BENCH_NAME "digest"
#include "bench.h"

#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

#include "lib/image/digest.h"

static void make_file(const char *path, size_t mib)
{
	static uint64_t buf[(1 << 20) / sizeof(uint64_t)];
	uint64_t x = 0x9e3779b97f4a7c15ull;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		die("Failed to create '%s': %s", path, strerror(errno));
	for (size_t m = 0; m < mib; m++) {
		for (size_t i = 0; i < sizeof(buf) / sizeof(buf[0]); i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			buf[i] = x;
		}
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			die("Failed to write '%s': %s", path, strerror(errno));
	}
	if (close(fd) < 0)
		die("Failed to write '%s': %s", path, strerror(errno));
}

/* Seconds digest_of_fd() takes on path; its digest in out. */
static double time_ours(const char *path, char out[DIGEST_SIZE])
{
	struct lxcri_error err = { 0 };
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	double t0;

	if (fd < 0)
		die("Failed to open '%s': %s", path, strerror(errno));
	t0 = now_us();
	if (digest_of_fd(fd, out, &err) < 0)
		die("%s", err.message);
	t0 = now_us() - t0;
	close(fd);
	return t0 / 1e6;
}

/* Seconds `sha256sum path` takes; its digest ("sha256:<hex>") in out. */
static double time_sha256sum(const char *path, char out[DIGEST_SIZE])
{
	char hex[65] = { 0 };
	int p[2], status;
	double t0 = now_us();
	pid_t pid;
	ssize_t n;
	size_t got = 0;

	if (pipe2(p, O_CLOEXEC) < 0)
		die("Failed to make a pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		die("Failed to fork: %s", strerror(errno));
	if (pid == 0) {
		char *argv[] = { "sha256sum", (char *)path, NULL };
		char *envp[] = { "LC_ALL=C", NULL };

		dup2(p[1], STDOUT_FILENO);
		execve("/usr/bin/sha256sum", argv, envp);
		_exit(127);
	}
	close(p[1]);
	while (got < 64 && (n = read(p[0], hex + got, 64 - got)) > 0)
		got += (size_t)n;
	close(p[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    got != 64)
		die("sha256sum '%s' failed", path);
	t0 = now_us() - t0;
	format(out, DIGEST_SIZE, "sha256:%s", hex);
	return t0 / 1e6;
}

int main(int argc, char **argv)
{
	char path[4096], ours[DIGEST_SIZE], theirs[DIGEST_SIZE];
	size_t mib = argc > 2 ? strtoul(argv[2], NULL, 10) : 1024;
	int rounds = argc > 3 ? atoi(argv[3]) : 3;
	double *t_ours, *t_theirs, bytes, ours_mbs, theirs_mbs;

	if (argc < 2 || mib == 0 || rounds < 1)
		die("usage: digest <scratch dir> [MiB] [rounds]");
	format(path, sizeof(path), "%s/digest-bench.blob", argv[1]);
	t_ours = calloc((size_t)rounds, sizeof(double));
	t_theirs = calloc((size_t)rounds, sizeof(double));
	if (!t_ours || !t_theirs)
		die("out of memory");
	make_file(path, mib);
	bytes = (double)mib * (1 << 20);
	(void)time_ours(path, ours); /* warm-up: the file in the page cache */
	for (int i = 0; i < rounds; i++) {
		t_ours[i] = time_ours(path, ours);
		t_theirs[i] = time_sha256sum(path, theirs);
		if (strcmp(ours, theirs) != 0)
			die("digest_of_fd says %s, sha256sum %s", ours, theirs);
	}
	ours_mbs = bytes / median_of(t_ours, (size_t)rounds) / 1e6;
	theirs_mbs = bytes / median_of(t_theirs, (size_t)rounds) / 1e6;
	printf("file: %zu MiB, %d rounds, medians (%s)\n", mib, rounds, ours);
	printf("digest_of_fd (libcrypto EVP SHA-256)  %8.0f MB/s%s\n", ours_mbs,
	       ours_mbs >= 1000 ? "" : "  (below the 1000 MB/s goal)");
	printf("sha256sum (coreutils)                 %8.0f MB/s\n", theirs_mbs);
	printf("ratio digest_of_fd / sha256sum        %8.2f\n", ours_mbs / theirs_mbs);
	unlink(path);
	free(t_ours);
	free(t_theirs);
	return 0;
}
