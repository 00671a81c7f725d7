/* SPDX-License-Identifier: BSD-3-Clause */
/* mxport.h - the Prometheus endpoint of --metrics: GET /metrics in the text exposition
 * format (version 0.0.4), served by libmicrohttpd from its own thread. The loops keep
 * their own series here and update them as each packet is counted (under the exporter's
 * lock), so a scrape never reads the loops' state: counters stampkit_*_total, delay
 * histograms with fixed buckets in seconds, gauges. Names and labels: docs/monitoring.md. */
#ifndef STAMPKIT_TOOLS_MXPORT_H
#define STAMPKIT_TOOLS_MXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stampkit/metrics.h"

/* Upper bounds (seconds) of the delay histograms' buckets; +Inf comes last. */
#define SK_MX_NBUCKETS 16

struct sk_mx;

/* One measured session (a sender, a controller's test session, a monitor target). */
struct sk_mx_session {
	char session[64], target[96], mode[16];
	uint64_t sent, received, lost, duplicates, reordered, late, bad_replies;
	uint64_t lost_out, lost_in;        /* loss whose direction is known so far */
	uint64_t bucket[3][SK_MX_NBUCKETS + 1]; /* outbound, inbound, round trip; +Inf last */
	double sum[3];                     /* seconds */
	uint64_t count[3];
	bool up;                           /* a reply came in the last closed interval */
	bool gone;                         /* removed: no longer exported */
	struct sk_mx_session *next;
};

/* A reflecting command's counters: name (without stampkit_ and _total), label text
 * (reason="short" or ""), value, help; gauges have no _total. */
struct sk_mx_counter {
	const char *name, *labels, *help;
	bool gauge;
	uint64_t v;
};

/* Starts serving on addr ("127.0.0.1:9862", "[::1]:9862", ":9862"). NULL after a reason in
 * err (bad address, port in use). */
struct sk_mx *sk_mx_open(const char *addr, char *err, size_t errlen);
void sk_mx_close(struct sk_mx *mx);

void sk_mx_lock(struct sk_mx *mx);
void sk_mx_unlock(struct sk_mx *mx);
/* A new session series (zeroed, exported from now on); NULL out of memory. Labels are
 * copied. Locks by itself. */
struct sk_mx_session *sk_mx_session_add(struct sk_mx *mx, const char *session,
					const char *target, const char *mode);
/* Stops exporting a series; its memory stays until sk_mx_close. Locks by itself. */
void sk_mx_session_remove(struct sk_mx *mx, struct sk_mx_session *s);
/* Counting one reply of s, as sk_session_add classified it (call under the lock). */
void sk_mx_reply(struct sk_mx_session *s, const struct sk_reply_info *info);

/* The counters of a reflecting command: the table (n entries, kept by the caller, values
 * copied at each sk_mx_publish). */
void sk_mx_counters(struct sk_mx *mx, const struct sk_mx_counter *c, size_t n);
void sk_mx_publish(struct sk_mx *mx, const struct sk_mx_counter *c, size_t n);

/* The page as served (for tests and the monitor's own checks): a malloc'd string. */
char *sk_mx_render(struct sk_mx *mx);

#endif
