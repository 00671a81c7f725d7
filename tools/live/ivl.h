/* SPDX-License-Identifier: BSD-3-Clause */
/* ivl.h - interval accounting of a sending session (--report-interval, the monitor, the
 * Prometheus loss counter). A packet belongs to the interval in which it was sent; an
 * interval is closed `grace` after its end, once its replies had their time to come (the
 * loss threshold of RFC 7679/RFC 7680: a packet not back by then is lost). A reply to a
 * packet of a closed interval is "late": the caller leaves it out of the session too, so
 * the intervals add up exactly to the totals. */
#ifndef STAMPKIT_TOOLS_IVL_H
#define STAMPKIT_TOOLS_IVL_H

#include <stdbool.h>
#include <stdint.h>

#include "mxport.h"
#include "report.h"
#include "stampkit/metrics.h"
#include "stampkit/testpkt.h"

/* One interval: [start, end) in time, sequence numbers [first_seq, end_seq). */
struct sk_ivl_stats {
	unsigned index;                 /* 1-based */
	int64_t start_real, end_real;   /* CLOCK_REALTIME ns */
	int64_t end_mono;               /* when sending in it ends */
	uint64_t first_seq, end_seq;    /* end_seq valid once sending moved on */
	uint64_t received, duplicates, reordered;
	struct sk_dstats *d;            /* [outbound, inbound, round trip]; NULL: not kept */
	bool sending;                   /* still the interval packets are sent in */
};

struct sk_ivl {
	int64_t period_ns, grace_ns;
	bool keep_delays;
	struct sk_ivl_stats *ring;      /* open intervals, oldest at head */
	unsigned cap, head, n;
	uint64_t closed_seq;            /* every seq below belongs to a closed interval */
	unsigned next_index;
	uint64_t late;                  /* replies to packets of closed intervals */
};

/* period and grace in ns (> 0, >= 0); keep_delays: per-interval delay statistics (60 KiB
 * per direction while open). The first interval starts now. 0, or -1 out of memory. */
int sk_ivl_init(struct sk_ivl *v, int64_t period_ns, int64_t grace_ns, bool keep_delays,
		int64_t now_mono, int64_t now_real);
void sk_ivl_free(struct sk_ivl *v);
/* Moves sending on to the interval of now_mono when the current one has ended; sent: the
 * packets sent so far (the next seq). Call before each send and when the loop wakes. */
void sk_ivl_tick(struct sk_ivl *v, int64_t now_mono, int64_t now_real, uint64_t sent);
/* The open interval seq belongs to, or NULL when it was closed (a late reply: count it
 * with sk_ivl_late and leave it out of the session). */
struct sk_ivl_stats *sk_ivl_find(struct sk_ivl *v, uint64_t seq);
/* A reply fed to the session: its class and delays, as sk_session_add said. */
void sk_ivl_count(struct sk_ivl_stats *s, const struct sk_reply_info *info);
/* One decoded reply of a measuring loop (sender, monitor) counted everywhere it counts: its
 * interval (v NULL: no intervals kept), the session's statistics (info: what
 * sk_session_add said) and the metrics endpoint (mxs NULL: none). Returns false, and feeds
 * nothing but the endpoint's late counter, when the reply's interval is closed: a late
 * reply stays lost, in the intervals and in the totals. */
bool sk_ivl_take_reply(struct sk_ivl *v, struct sk_session *sess, const struct sk_test_pkt *p,
		       int64_t t4_ns, struct sk_mx *mx, struct sk_mx_session *mxs,
		       struct sk_reply_info *info);
/* The oldest interval ready to be reported (ended at least grace ago), or with final any
 * open one (sending ends at sent, now); NULL when none. Report it, then sk_ivl_pop. */
struct sk_ivl_stats *sk_ivl_due(struct sk_ivl *v, int64_t now_mono, int64_t now_real,
				uint64_t sent, bool final);
void sk_ivl_pop(struct sk_ivl *v);
/* When the next interval ends or becomes due (CLOCK_MONOTONIC). */
int64_t sk_ivl_next_event(const struct sk_ivl *v);
/* Packets sent in s (after it stopped sending). */
static inline uint64_t sk_ivl_sent(const struct sk_ivl_stats *s)
{
	return s->end_seq - s->first_seq;
}

/* The report model's session of one closed interval (endpoints, mode and index are the
 * caller's): counts, and the delays when kept. */
void sk_ivl_rsession(struct sk_rsession *r, const struct sk_ivl_stats *s, bool stateful);

#endif
