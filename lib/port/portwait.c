/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Forwards that wait for their address: see portwait.h. */
#include <json-c/json.h>

#include "lib/port/portwait.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/basic/atomicwrite.h"
#include "lib/basic/lockfile.h"
#include "lib/basic/cleanup.h"
#include "lib/basic/ctns.h"
#include "lib/shared/json.h"
#include "lib/basic/log.h"
#include "lib/basic/report.h"
#include "lib/netlink/netlink.h"
#include "lib/basic/ip.h"
#include "lib/basic/valid.h"

/* Who applies a forward that waited, recorded in its port.fwd items. */
#define WAITER_HOOK "address wait"
/* How long the waiter waits for the container's lock at each try. */
#define WAITER_LOCK_MS 30000

struct json_object *portwait_item_to_json(const struct portwait_item *w)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();

	if (!o || json_add(o, "port", json_object_new_int((int)w->port)) < 0 ||
	    json_add_string(o, "proto", ip_proto_name(w->proto)) < 0 ||
	    json_add(o, "host_first", json_object_new_int(w->host_first)) < 0 ||
	    json_add(o, "host_last", json_object_new_int(w->host_last)) < 0 ||
	    json_add_string(o, "ifname", w->ifname) < 0 ||
	    json_add(o, "until", json_object_new_int64(w->until_ms)) < 0 ||
	    json_add_string(o, "status", w->failed ? "failed" : "waiting") < 0 ||
	    json_add(o, "reason", w->failed ? json_object_new_string(w->reason) : NULL) < 0)
		return NULL;
	return TAKE_PTR(o);
}

static int field_int(struct json_object *data, const char *key, int64_t min, int64_t max,
		     int64_t *ret, struct lxcri_error *err)
{
	struct json_object *v;

	if (!json_object_object_get_ex(data, key, &v) || !json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) < min || json_object_get_int64(v) > max)
		return error_set(err, -EINVAL, "'%s': field '%s' is missing or out of range",
				 PORTWAIT_KIND, key);
	*ret = json_object_get_int64(v);
	return 0;
}

static const char *field_string(struct json_object *data, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(data, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int portwait_item_from_json(struct json_object *data, struct portwait_item *ret,
			    struct lxcri_error *err)
{
	struct portwait_item w = {};
	const char *proto = field_string(data, "proto"), *ifname = field_string(data, "ifname"),
		   *status = field_string(data, "status"), *reason = field_string(data, "reason");
	int64_t port, first, last, until;

	if (!data || !json_object_is_type(data, json_type_object))
		return error_set(err, -EINVAL, "'%s': no data", PORTWAIT_KIND);
	if (field_int(data, "port", 0, INT_MAX, &port, err) < 0 ||
	    field_int(data, "host_first", 1, 65535, &first, err) < 0 ||
	    field_int(data, "host_last", first, 65535, &last, err) < 0 ||
	    field_int(data, "until", 0, INT64_MAX, &until, err) < 0)
		return -EINVAL;
	if (!proto || (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0))
		return error_set(err, -EINVAL, "'%s': field 'proto' is not tcp or udp",
				 PORTWAIT_KIND);
	if (!ifname || !valid_ifname(ifname))
		return error_set(err, -EINVAL, "'%s': field 'ifname' is no interface name",
				 PORTWAIT_KIND);
	if (!status || (strcmp(status, "waiting") != 0 && strcmp(status, "failed") != 0))
		return error_set(err, -EINVAL, "'%s': field 'status' is not waiting or failed",
				 PORTWAIT_KIND);
	w.port = (unsigned)port;
	w.proto = strcmp(proto, "udp") == 0 ? IPPROTO_UDP : IPPROTO_TCP;
	w.host_first = (uint16_t)first;
	w.host_last = (uint16_t)last;
	w.until_ms = until;
	w.failed = strcmp(status, "failed") == 0;
	snprintf(w.ifname, sizeof(w.ifname), "%s", ifname);
	snprintf(w.reason, sizeof(w.reason), "%s", reason ? reason : "");
	*ret = w;
	return 0;
}

/* The entry of port N (proto, host ports) in list, made if missing. */
static struct json_object *entry_of(struct json_object *list, unsigned port, int proto,
				    unsigned host_first, unsigned host_last)
{
	struct json_object *o;
	char host[16];

	for (size_t i = 0; i < json_object_array_length(list); i++) {
		struct json_object *v;

		o = json_object_array_get_idx(list, i);
		if (json_object_object_get_ex(o, "port", &v) &&
		    (unsigned)json_object_get_int(v) == port &&
		    strcmp(field_string(o, "proto") ?: "", ip_proto_name(proto)) == 0)
			return o;
	}
	o = json_object_new_object();
	portfwd_range_string(host_first, host_last, host, sizeof(host));
	if (!o || json_add(o, "port", json_object_new_int((int)port)) < 0 ||
	    json_add_string(o, "proto", ip_proto_name(proto)) < 0 ||
	    json_add_string(o, "host", host) < 0 || json_object_array_add(list, o) < 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static int add_wait(struct json_object *list, const struct portwait_item *w)
{
	struct json_object *o = entry_of(list, w->port, w->proto, w->host_first, w->host_last);

	if (!o || json_add_string(o, "status", w->failed ? "failed" : "pending") < 0 ||
	    json_add_string(o, "ifname", w->ifname) < 0 ||
	    json_add(o, "until", json_object_new_int64(w->until_ms)) < 0 ||
	    json_add(o, "reason", w->failed ? json_object_new_string(w->reason) : NULL) < 0)
		return -ENOMEM;
	return 0;
}

static int add_forward(struct json_object *list, const struct portfwd *f)
{
	struct json_object *o = entry_of(list, f->index, f->proto, f->host_first, f->host_last),
			   *targets;
	char addr[INET6_ADDRSTRLEN], target[INET6_ADDRSTRLEN + 16];

	if (!o)
		return -ENOMEM;
	if (!json_object_object_get_ex(o, "targets", &targets)) {
		targets = json_object_new_array();
		if (json_add_string(o, "status", "active") < 0 ||
		    json_add(o, "targets", targets) < 0)
			return -ENOMEM;
	}
	inet_ntop(f->family, &f->target.in6, addr, sizeof(addr));
	snprintf(target, sizeof(target), "%s%s%s:%u", f->family == AF_INET6 ? "[" : "", addr,
		 f->family == AF_INET6 ? "]" : "", f->ct_first);
	return json_object_array_add(targets, json_object_new_string(target)) < 0 ? -ENOMEM : 0;
}

struct json_object *portwait_ports_status(const struct state *s)
{
	_cleanup_json_ struct json_object *list = json_object_new_array();
	_cleanup_free_ struct portfwd *fwds = NULL;
	size_t n = 0;

	if (!list)
		return NULL;
	if (s && portsetup_recorded(s, &fwds, &n, &(struct lxcri_error){}) >= 0)
		for (size_t i = 0; i < n; i++)
			if (add_forward(list, &fwds[i]) < 0)
				return NULL;
	for (size_t i = 0; s && i < s->n_items; i++) {
		struct portwait_item w;

		if (strcmp(s->items[i].kind, PORTWAIT_KIND) != 0 ||
		    portwait_item_from_json(s->items[i].data, &w, &(struct lxcri_error){}) < 0)
			continue;
		if (add_wait(list, &w) < 0)
			return NULL;
	}
	return TAKE_PTR(list);
}

void portwait_describe(struct json_object *port, char *buf, size_t size)
{
	const char *status = field_string(port, "status") ?: "?";
	struct json_object *v, *targets;
	size_t len;

	snprintf(buf, size, "port%d %s %s: %s",
		 json_object_object_get_ex(port, "port", &v) ? json_object_get_int(v) : -1,
		 field_string(port, "proto") ?: "?", field_string(port, "host") ?: "?", status);
	len = strlen(buf);
	if (strcmp(status, "active") == 0 && json_object_object_get_ex(port, "targets", &targets)) {
		for (size_t i = 0; i < json_object_array_length(targets) && len < size; i++) {
			snprintf(buf + len, size - len, "%s%s", i == 0 ? " (" : ", ",
				 json_object_get_string(json_object_array_get_idx(targets, i)));
			len = strlen(buf);
		}
		if (len < size)
			snprintf(buf + len, size - len, ")");
	} else if (strcmp(status, "pending") == 0) {
		char when[16] = "?";
		struct tm tm;
		time_t t = json_object_object_get_ex(port, "until", &v)
			       ? (time_t)(json_object_get_int64(v) / 1000)
			       : 0;

		if (t > 0 && localtime_r(&t, &tm))
			strftime(when, sizeof(when), "%H:%M:%S", &tm);
		snprintf(buf + len, size - len, " (waiting for an address on %s, until %s)",
			 field_string(port, "ifname") ?: "?", when);
	} else if (strcmp(status, "failed") == 0) {
		snprintf(buf + len, size - len, ": %s", field_string(port, "reason") ?: "?");
	}
}

/* --- the waiter --- */

struct waiter {
	struct portsetup ps; /* netns_fd set, wait_ms 0: applies or fails, never waits again */
	int64_t run_ms;	     /* the run it waits for: the state's "started" */
	int64_t deadline_ms; /* CLOCK_MONOTONIC */
	unsigned wait_s;
	int pidfd, monitor;
	char lock_path[PATH_MAX];
	char snapshot[PATH_MAX];
};

static int64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void item_fail(struct state *s, size_t i, struct portwait_item *w, const char *reason)
{
	struct json_object *data;

	w->failed = true;
	snprintf(w->reason, sizeof(w->reason), "%s", reason);
	data = portwait_item_to_json(w);
	if (!data)
		return;
	json_object_put(s->items[i].data);
	s->items[i].data = data;
}

/*
 * Under the container's lock: the state of the run the waiter was started
 * for, or NULL when that run is over (stopped, restarted, its init gone).
 */
static struct state *run_state(struct waiter *w)
{
	_cleanup_state_ struct state *s = NULL;
	struct lxcri_error e = {};

	if (state_load(w->ps.state_dir, &s, &e) < 0 || s->started_ms != w->run_ms ||
	    (strcmp(s->phase, "starting") != 0 && strcmp(s->phase, "running") != 0) ||
	    ctns_pidfd_exited(w->pidfd))
		return NULL;
	return TAKE_PTR(s);
}

/*
 * One try at every waiting forward, under the container's lock: applied,
 * refused (failed), or still waiting; expired: every one still waiting
 * fails. Returns the number still waiting (0: nothing left to do).
 */
static size_t try_all(struct waiter *w, bool expired)
{
	_cleanup_state_ struct state *s = NULL;
	_cleanup_config_ struct config *c = NULL;
	struct lxcri_error e = {};
	size_t waiting = 0;
	int lock = lock_file(w->lock_path, WAITER_LOCK_MS, &e);

	if (lock < 0) {
		report_warning("Waiting for the addresses of forwards: %s", e.message);
		return expired ? 0 : 1;
	}
	s = run_state(w);
	if (s && config_load(w->snapshot, &c, &e) < 0) {
		report_error("Forwards waiting for their address: %s", e.message);
		c = NULL;
	}
	for (size_t i = 0; s && i < s->n_items; i++) {
		const struct config_port *port = NULL;
		struct portwait_item item;
		char reason[1024];
		int r;

		if (strcmp(s->items[i].kind, PORTWAIT_KIND) != 0 ||
		    portwait_item_from_json(s->items[i].data, &item, &e) < 0 || item.failed)
			continue;
		for (size_t j = 0; c && j < c->port.n_ports && !port; j++)
			if (c->port.ports[j].index == item.port)
				port = &c->port.ports[j];
		if (!port || expired) {
			snprintf(reason, sizeof(reason), "no address on '%s' within %u s",
				 item.ifname, w->wait_s);
			if (!port)
				snprintf(reason, sizeof(reason), "%s",
					 c ? "no longer in the config it started with"
					   : "its config snapshot cannot be read");
			report_error("port%u: %s: nothing forwarded", item.port, reason);
			item_fail(s, i, &item, reason);
			continue;
		}
		/* Appends its port.fwd items, or drops them again on failure. */
		r = portsetup_apply_port(&w->ps, c, port, s, &e);
		if (r >= 0) {
			state_item_remove(s, i--);
		} else if (r == -EADDRNOTAVAIL) {
			waiting++;
		} else {
			report_error("%s: nothing forwarded", e.message);
			item_fail(s, i, &item, e.message);
		}
	}
	if (s && state_save(w->ps.state_dir, s, &e) < 0)
		report_error("%s", e.message);
	lock_file_release(lock, w->lock_path, w->ps.state_dir);
	return waiting;
}

/* Reads what the monitor has (address changes): the next try looks at the addresses. */
static void drain(int fd)
{
	char buf[8192];

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0 || errno == EINTR)
		;
}

static _Noreturn void waiter_run(struct waiter *w)
{
	struct pollfd fds[2] = { { .fd = w->monitor, .events = POLLIN },
				 { .fd = w->pidfd, .events = POLLIN } };

	for (;;) {
		int64_t left;
		int r;

		if (try_all(w, false) == 0)
			_exit(0);
		left = w->deadline_ms - monotonic_ms();
		r = left > 0 ? poll(fds, 2, left > INT_MAX ? INT_MAX : (int)left) : 0;
		if (r < 0 && errno == EINTR)
			continue;
		if (r > 0 && fds[1].revents) {
			report_debug(
			    "The container's init exited: no longer waiting for addresses");
			_exit(0);
		}
		if (r == 0) {
			(void)try_all(w, true);
			_exit(0);
		}
		drain(w->monitor);
	}
}

/* In the waiter: stdio on /dev/null, its own fds at 3, 4, 5, no other. */
static int waiter_fds(struct waiter *w, int netns)
{
	int fds[3] = { w->pidfd, netns, w->monitor }, null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
		return -errno;
	for (size_t i = 0; i < 3; i++)
		if ((fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 64)) < 0)
			return -errno;
	for (int i = 0; i < 3; i++)
		if (dup3(fds[i], 3 + i, O_CLOEXEC) < 0)
			return -errno;
	syscall(SYS_close_range, 6U, ~0U, 0U);
	w->pidfd = 3;
	w->ps.netns_fd = 4;
	w->monitor = 5;
	return 0;
}

int portwait_spawn(const struct portsetup *ps, const struct state *s, struct lxcri_error *err)
{
	_cleanup_(ctns_close) struct ctns ns = CTNS_NONE;
	_cleanup_close_ int pidfd = -1, monitor = -1;
	struct waiter w = {
		.ps = *ps,
		.run_ms = s->started_ms,
		.deadline_ms = monotonic_ms() + ps->wait_ms,
		.wait_s = ps->wait_ms / 1000,
	};
	pid_t pid;
	int r;

	w.ps.wait_ms = 0;
	w.ps.hook = WAITER_HOOK;
	if (paths_lock(ps->paths, ps->id, w.lock_path, sizeof(w.lock_path)) < 0 ||
	    paths_join(w.snapshot, sizeof(w.snapshot), "%s/config", ps->state_dir) < 0)
		return error_set(err, -ENAMETOOLONG, "Paths of container '%s' are too long",
				 ps->id);
	/* The init pinned, its netns held: what the waiter watches is this run's. */
	pidfd = ctns_pidfd_open(ps->pid);
	if (pidfd < 0)
		return error_set_errno(err, pidfd, "Failed to pin process %d", (int)ps->pid);
	r = ctns_open_pid(ps->pid, &ns, err);
	if (r < 0)
		return r;
	monitor = netlink_address_monitor_open(ns.net, err);
	if (monitor < 0)
		return monitor;
	pid = fork();
	if (pid < 0)
		return error_set_errno(err, -errno, "Failed to start the waiter");
	if (pid > 0) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		return 0;
	}
	/* Its own session: LXC's hook, the helper's process group and the lock go on without it. */
	if (setsid() < 0 || fork() != 0)
		_exit(0);
	/* Its fds are renumbered and the others closed: the log connects again. */
	log_forget_socket();
	log_set_stderr(false);
	w.pidfd = pidfd;
	w.monitor = monitor;
	if (waiter_fds(&w, ns.net) < 0)
		_exit(1);
	log_setup("lxcri-portfwd", ps->id);
	waiter_run(&w);
}
