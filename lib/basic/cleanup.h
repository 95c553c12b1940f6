/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Scope-bound cleanup, after systemd and crun. Declare cleaned variables
 * first, initialised, and hand ownership on with TAKE_PTR()/TAKE_FD().
 * Every cleaner accepts NULL / -1 and already-cleaned values.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void freep(void *p)
{
	free(*(void **)p);
	*(void **)p = NULL;
}

static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
	*fd = -1;
}

static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
	*f = NULL;
}

#define _cleanup_free_	 _cleanup_(freep)
#define _cleanup_close_	 _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)

/* Defines a NULL-safe cleaner "name##p" that calls func(*p) on non-NULL. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)                                                    \
	static inline void func##p(type *p)                                                        \
	{                                                                                          \
		if (*p)                                                                            \
			func(*p);                                                                  \
		*p = NULL;                                                                         \
	}

#define TAKE_PTR(p)                                                                                \
	({                                                                                         \
		__typeof__(p) _taken = (p);                                                        \
		(p) = NULL;                                                                        \
		_taken;                                                                            \
	})

#define TAKE_FD(fd)                                                                                \
	({                                                                                         \
		int _taken = (fd);                                                                 \
		(fd) = -1;                                                                         \
		_taken;                                                                            \
	})

#define STRV_FOREACH(s, l) for (char **s = (l); s && *s; s++)

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

/*
 * Cleaners for the libraries we link. Each is defined only where the
 * library's own header was included first, so that a module pulls in no
 * header (and no library) it does not use.
 */
#ifdef _json_object_h_
DEFINE_TRIVIAL_CLEANUP_FUNC(struct json_object *, json_object_put)
#define _cleanup_json_ _cleanup_(json_object_putp)
#endif
#ifdef _json_tokener_h_
DEFINE_TRIVIAL_CLEANUP_FUNC(struct json_tokener *, json_tokener_free)
#define _cleanup_json_tokener_ _cleanup_(json_tokener_freep)
#endif
#ifdef NETLINK_SOCKET_H_
DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_sock *, nl_socket_free)
#define _cleanup_nl_socket_ _cleanup_(nl_socket_freep)
#endif
#ifdef LIB_NFTABLES_H
DEFINE_TRIVIAL_CLEANUP_FUNC(struct nft_ctx *, nft_ctx_free)
#define _cleanup_nft_ctx_ _cleanup_(nft_ctx_freep)
#endif
#ifdef _SECCOMP_H
DEFINE_TRIVIAL_CLEANUP_FUNC(scmp_filter_ctx, seccomp_release)
#define _cleanup_seccomp_ _cleanup_(seccomp_releasep)
#endif
#ifdef CURLINC_CURL_H
DEFINE_TRIVIAL_CLEANUP_FUNC(CURL *, curl_easy_cleanup)
#define _cleanup_curl_ _cleanup_(curl_easy_cleanupp)
#endif
#ifdef _SELINUX_H_
DEFINE_TRIVIAL_CLEANUP_FUNC(char *, freecon)
#define _cleanup_freecon_ _cleanup_(freeconp)
#endif

#ifdef _DIRENT_H
DEFINE_TRIVIAL_CLEANUP_FUNC(DIR *, closedir)
#endif
