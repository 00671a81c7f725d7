/* SPDX-License-Identifier: BSD-3-Clause */
/* metrics.h - delay, jitter, IPDV/PDV, percentiles, loss, duplicates and reordering.
 * RFC 5357 §4.1-4.2 / RFC 8762 §4 (four timestamps), RFC 3550 §6.4.1 and A.8 (interarrival
 * jitter), RFC 3393 / RFC 5481 (IPDV, PDV), RFC 4737 §3-4 (reordering, extent), RFC 5560
 * (duplication). The live sender, the offline analyzer and the Wireshark statistics all call
 * these, so they can never disagree. Formulas and rules: docs/metrics.md. */
#ifndef STAMPKIT_METRICS_H
#define STAMPKIT_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "stampkit/result.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------
 * Delays from the four timestamps (signed Unix nanoseconds, each converted with its own
 * Z bit beforehand). Negative one-way delays are kept as they are: they reveal clock offset.
 */
struct sk_delays {
	int64_t outbound_ns;  /* T2 - T1 */
	int64_t inbound_ns;   /* T4 - T3 */
	int64_t rtt_ns;       /* (T4 - T1) - (T3 - T2) */
	int64_t residence_ns; /* T3 - T2 */
};

/* SK_OK, or SK_E_INVALID when a difference does not fit in int64 (garbage timestamps);
 * out is then zeroed. SK_E_ARG for a NULL out. */
enum sk_result sk_delays_compute(int64_t t1_ns, int64_t t2_ns, int64_t t3_ns, int64_t t4_ns,
				 struct sk_delays *out);

/* ---------------------------------------------------------------------------------------
 * Compact, mergeable log-linear histogram (HDR-histogram style) over the whole int64 range.
 * Magnitudes below 2 * SK_HIST_SUB are stored exactly; above, each power of two is cut into
 * SK_HIST_SUB equal sub-buckets, so a bucket is at most 1/SK_HIST_SUB of its lower bound wide.
 * A quantile is reported as the bucket's midpoint, clamped to the exact min/max:
 *   |reported - true| <= |true| / (2 * SK_HIST_SUB) = |true| / 128  (0.79 %, under 1 %).
 * Only the buckets that receive values cost memory: up to SK_HIST_SPARSE_MAX distinct
 * buckets are a sorted list of 8 octets each; beyond, one counter (4 octets, 8 once one
 * passes 2^32) per bucket between the lowest and highest used, grown as values arrive.
 * A delay series spanning a factor of 2 costs at most 64 buckets (256 octets) this way.
 * init, add..., free. The struct itself is small (56 octets); copy it only with its owner.
 */
#define SK_HIST_SUB_BITS 6
#define SK_HIST_SUB (1u << SK_HIST_SUB_BITS)
#define SK_HIST_BUCKETS ((64u - SK_HIST_SUB_BITS + 1u) * SK_HIST_SUB) /* per sign */
#define SK_HIST_REL_ERROR (1.0 / (2.0 * SK_HIST_SUB)) /* bound on quantile relative error */
#define SK_HIST_SPARSE_MAX 32u

struct sk_hist {
	uint64_t total;    /* samples added (merged ones included) */
	int64_t min, max;  /* exact */
	uint64_t unstored; /* samples not in the buckets (out of memory): ranks ignore them */
	void *b;           /* the buckets (internal layout) */
	uint32_t lo, n, cap;
	uint8_t kind;
};

/* Empty histogram; owns no memory until the first add. */
void sk_hist_init(struct sk_hist *h);
/* Releases the buckets; h is empty again (and may be used again). */
void sk_hist_free(struct sk_hist *h);
/* Allocates buckets as needed; when that fails the value still counts in total, min and max
 * and in `unstored`. */
void sk_hist_add(struct sk_hist *h, int64_t v);
/* dst += src (bucket by bucket, so the result is the histogram of both series: same bounds).
 * SK_E_ARG for NULL or dst == src, SK_E_NOSPACE when buckets could not be allocated (those
 * samples are then `unstored`). */
enum sk_result sk_hist_merge(struct sk_hist *dst, const struct sk_hist *src);
/* Octets of bucket storage h owns (not counting the struct). */
size_t sk_hist_memory(const struct sk_hist *h);
/* Nearest-rank quantile, q in percent [0, 100]: the value of rank ceil(q * n / 100) (at
 * least 1) in ascending order. q = 0 gives the exact min, q = 100 the exact max.
 * SK_E_ARG: q outside [0, 100] or NaN, NULL pointer. SK_E_STATE: no samples. */
enum sk_result sk_hist_quantile(const struct sk_hist *h, double q, int64_t *out);

/* ---------------------------------------------------------------------------------------
 * Per-direction delay statistics: plain struct, init, add..., free (the histogram and the
 * packets waiting for an IPDV partner are allocated as they arrive).
 * Feed each UNIQUE packet once (first arrival; sk_session does this), in arrival order.
 */
#define SK_IPDV_WINDOW 64u /* how far apart in sequence the two packets of a pair may arrive */

struct sk_ipdv_wait { /* a packet whose IPDV pair with a neighbour is still open */
	uint32_t seq;
	uint32_t done; /* bit 0: pair (seq-1, seq) closed; bit 1: pair (seq, seq+1) closed */
	int64_t ns;
};

struct sk_sum128 { /* exact running sum of int64 values */
	uint64_t lo;
	int64_t hi;
};

struct sk_dstats {
	uint64_t count;
	uint64_t negative; /* samples < 0 (kept, never clamped) */
	int64_t min, max;
	struct sk_sum128 sum;
	/* RFC 3550 interarrival jitter, in ns, over consecutive arrivals. */
	double jitter_ns;
	bool have_prev;
	int64_t prev_ns;
	/* IPDV over pairs of consecutive sequence numbers (s-1, s), both received. */
	uint64_t ipdv_count;
	uint64_t ipdv_overflow; /* pairs whose difference does not fit in int64: skipped */
	int64_t ipdv_min, ipdv_max;
	struct sk_sum128 ipdv_sum;
	struct sk_sum128 ipdv_abs_sum;
	struct sk_ipdv_wait *ipdv_wait; /* at most SK_IPDV_WINDOW, one per residue */
	uint32_t ipdv_n, ipdv_cap;
	struct sk_hist hist;
};

void sk_dstats_init(struct sk_dstats *s);
/* Releases what s allocated; s is empty again. */
void sk_dstats_free(struct sk_dstats *s);
/* Octets s owns beyond sizeof(struct sk_dstats). */
size_t sk_dstats_memory(const struct sk_dstats *s);
/* One unique packet: its sequence number (for IPDV pairing; 32-bit wrap is fine) and delay. */
void sk_dstats_add(struct sk_dstats *s, uint32_t seq, int64_t delay_ns);
/* Quantile of the delay (as sk_hist_quantile). */
enum sk_result sk_dstats_quantile(const struct sk_dstats *s, double q, int64_t *out);
/* RFC 5481 PDV at quantile q: quantile(q) - min (saturated to INT64_MAX). */
enum sk_result sk_dstats_pdv(const struct sk_dstats *s, double q, int64_t *out);

struct sk_dstats_summary {
	uint64_t count, negative;
	int64_t min, max;     /* 0 when count == 0 */
	double mean;
	int64_t p50, p90, p99; /* within SK_HIST_REL_ERROR */
	double jitter_ns;
	uint64_t ipdv_count;
	int64_t ipdv_min, ipdv_max; /* 0 when ipdv_count == 0 */
	double ipdv_mean, ipdv_abs_mean;
	int64_t pdv_p50, pdv_p90, pdv_p99, pdv_max; /* quantile - min */
};
/* Fills everything (zeros for an empty object). */
void sk_dstats_summarize(const struct sk_dstats *s, struct sk_dstats_summary *out);

/* ---------------------------------------------------------------------------------------
 * Sequence tracker: loss, RFC 5560 duplicates and RFC 4737 reordering for one stream of
 * 32-bit sequence numbers in arrival order. Opaque: `window` bits of seen sequence numbers
 * (allocated at creation), and the recent arrivals that raised the highest number, kept as
 * runs of consecutive numbers (24 octets a run): an in-order stream is one run, each loss
 * or reordering inside the last `window` arrivals adds one.
 * Sequence numbers are extended to 64 bits (RFC 1982 serial arithmetic against the highest
 * seen), so wrapping 0xffffffff -> 0 is just the next number; a jump of 2^31 or more reads
 * as a step back.
 */
#define SK_SEQ_WINDOW_MAX (1u << 20)

enum sk_seq_class {
	SK_SEQ_IN_ORDER = 0, /* s >= NextExp: NextExp becomes s + 1 */
	SK_SEQ_REORDERED,    /* s < NextExp, first arrival */
	SK_SEQ_DUPLICATE,    /* seen before: excluded from everything but the duplicate count */
	SK_SEQ_TOO_OLD,      /* <= highest - window: cannot tell duplicate from late; not counted */
	SK_SEQ_BEFORE_START  /* before the first expected number (never sent): not counted */
};

struct sk_seq_event {
	enum sk_seq_class cls;
	int64_t ext_seq;  /* the extended (64-bit) sequence number */
	uint64_t extent;  /* RFC 4737 reordering extent when cls == SK_SEQ_REORDERED, else 0 */
	/* A larger number has already left the window of remembered arrivals, so the RFC 4737
	 * extent is at least `extent` (the smallest value consistent with what is kept). */
	bool extent_lower_bound;
};

/* Moves a tally kept beside a tracker (an interval's, an exporter's) by one arrival of class
 * cls, as the tracker counts it: a first arrival is received, and a reordered one reordered
 * too; a duplicate is a duplicate; too old and before start count nowhere. */
static inline void sk_seq_tally(enum sk_seq_class cls, uint64_t *received, uint64_t *reordered,
				uint64_t *duplicates)
{
	*received += cls == SK_SEQ_IN_ORDER || cls == SK_SEQ_REORDERED;
	*reordered += cls == SK_SEQ_REORDERED;
	*duplicates += cls == SK_SEQ_DUPLICATE;
}

struct sk_seq_counts {
	uint64_t received;   /* unique (first arrivals), in order or reordered */
	uint64_t duplicates; /* RFC 5560: extra arrivals of a number already received */
	uint64_t reordered;  /* RFC 4737 */
	uint64_t max_extent;
	uint64_t extent_lower_bounds; /* reordered packets whose extent is only a lower bound */
	uint64_t too_old;
	uint64_t before_start;
	int64_t first;   /* first expected (extended) number */
	int64_t highest; /* highest extended number received; first - 1 when none */
	uint64_t expected; /* highest - first + 1: the numbers up to the highest received */
};

struct sk_seqtrack;

/* window in [1, SK_SEQ_WINDOW_MAX]. *out is NULL on failure: SK_E_ARG for window 0 or a NULL
 * out, SK_E_NOSPACE for a larger window or when the one allocation fails. */
enum sk_result sk_seqtrack_create(struct sk_seqtrack **out, uint32_t window, uint32_t first_seq);
void sk_seqtrack_free(struct sk_seqtrack *t);
/* Octets t owns, the struct included. */
size_t sk_seqtrack_memory(const struct sk_seqtrack *t);
void sk_seqtrack_reset(struct sk_seqtrack *t, uint32_t first_seq);
/* Classifies one arrival and updates the counts; ev may be NULL. */
enum sk_seq_class sk_seqtrack_add(struct sk_seqtrack *t, uint32_t seq, struct sk_seq_event *ev);
void sk_seqtrack_counts(const struct sk_seqtrack *t, struct sk_seq_counts *out);
/* Loss against a known number of packets sent: sent - received, 0 if negative. */
uint64_t sk_seqtrack_lost(const struct sk_seqtrack *t, uint64_t sent);

/* ---------------------------------------------------------------------------------------
 * Session: everything a sender learns from the replies of one test session.
 * Fed per reply (first arrival wins for delays), asked at any time for a summary.
 */
enum sk_reflector_mode {
	SK_REFLECTOR_AUTO = 0, /* stateful as soon as one reply has reflector seq != sender seq */
	SK_REFLECTOR_STATEFUL, /* known from the configuration (TWAMP full, stateful STAMP) */
	SK_REFLECTOR_STATELESS /* copies the sender's number: loss direction is unknown */
};

struct sk_session_config {
	uint32_t window;              /* sequence window, as sk_seqtrack_create */
	uint32_t first_sender_seq;    /* usually 0 */
	uint32_t first_reflector_seq; /* usually 0 (RFC 5357 §4.2, RFC 8762 §4.3) */
	enum sk_reflector_mode mode;
};

struct sk_reply {
	uint32_t sender_seq;    /* the reflected Session-Sender Sequence Number */
	uint32_t reflector_seq; /* the reflector's own Sequence Number */
	int64_t t1_ns, t2_ns, t3_ns, t4_ns;
};

enum sk_dir { SK_DIR_OUTBOUND = 0, SK_DIR_INBOUND, SK_DIR_RTT, SK_DIR_RESIDENCE, SK_DIR_COUNT };

struct sk_reply_info {
	struct sk_seq_event sender;    /* round-trip view: the sender's number */
	struct sk_seq_event reflector; /* inbound view: the reflector's number */
	struct sk_delays delays;
	bool delays_valid;  /* false: a timestamp difference overflowed */
	bool counted;       /* fed into the delay statistics (first arrival, valid delays) */
};

struct sk_session_summary {
	uint64_t sent;           /* as given by the caller */
	uint64_t received;       /* distinct sender seqs received */
	uint64_t reflected;      /* distinct reflector seqs received */
	uint64_t reflector_span; /* highest reflector seq - first + 1: packets known reflected */
	uint64_t lost;           /* sent - received (0 if negative) */
	uint64_t outbound_lost;  /* sender -> reflector, up to the last reply */
	uint64_t inbound_lost;   /* reflector -> sender, up to the last reply */
	uint64_t unknown_lost;   /* tail after the last reply, or all loss when direction unknown */
	bool stateful;           /* reflector keeps its own counter (configured or observed) */
	bool direction_unknown;  /* !stateful: outbound/inbound fields are 0 */
	uint64_t duplicates;     /* round trip: extra arrivals of a sender seq */
	uint64_t outbound_duplicates; /* same sender seq reflected under two reflector seqs */
	uint64_t inbound_duplicates;  /* same reflector seq received twice */
	uint64_t reordered;           /* round trip: RFC 4737 on sender seqs in arrival order */
	uint64_t outbound_reordered;  /* RFC 4737 on sender seqs in reflector order (settled) */
	uint64_t inbound_reordered;   /* RFC 4737 on reflector seqs in arrival order */
	uint64_t max_extent, outbound_max_extent, inbound_max_extent;
	uint64_t too_old;        /* replies older than the window: not counted */
	uint64_t before_start;   /* replies with a sender seq before the first one: never sent */
	uint64_t bad_timestamps; /* first arrivals whose delays overflowed: no delay stats */
};

struct sk_session;

/* Allocates about 1.1 KiB + 3 * window / 8 octets; the delay histograms, the runs of the
 * trackers and the replies waiting for a reflector-seq gap grow with what arrives (a
 * session of 20 packets in order: under 3 KiB in all; sk_session_memory tells). *out is
 * NULL on failure; codes as sk_seqtrack_create, SK_E_ARG for a NULL cfg or an unknown mode.
 * When a later allocation fails, the affected statistics degrade as the functions above
 * say (unstored samples, extents as lower bounds, replies settled in arrival order). */
enum sk_result sk_session_create(struct sk_session **out, const struct sk_session_config *cfg);
void sk_session_free(struct sk_session *s);
/* Octets s owns now (its struct, trackers, waiting replies and delay statistics). */
size_t sk_session_memory(const struct sk_session *s);
/* A hint, no effect on results: starts loading s's state into the cache ahead of an
 * sk_session_add (level 0: the session; 1: its trackers and statistics; 2: their buckets),
 * each level once the one before has had time to arrive. For callers with many sessions
 * that know the next replies' sessions in advance. */
void sk_session_prefetch(const struct sk_session *s, int level);
/* One reply as it arrives. info may be NULL. SK_E_ARG for NULL s or r; otherwise SK_OK. */
enum sk_result sk_session_add(struct sk_session *s, const struct sk_reply *r,
			      struct sk_reply_info *info);
/* Settles the outbound reordering of replies still waiting for a reflector-seq gap to fill.
 * Call when the session ends; adding more replies afterwards is allowed. */
void sk_session_finish(struct sk_session *s);
/* The reflector numbers its replies from the start again (a new TWAMP-Test session for the
 * same sender stream, e.g. after the control connection was set up anew); next_sender_seq:
 * the first sender seq of the new numbering, counted from the session's first without
 * wrapping (the packets sent so far, when the first is 0). The replies so far are settled
 * and keep their part of the loss split, duplicates and reordering; the new numbering is
 * tracked on its own, and the summary adds the two. Round-trip counts and delays are one
 * series throughout. SK_E_ARG for NULL s or a seq before the current numbering's first;
 * SK_E_NOSPACE (nothing changed) when the new trackers cannot be allocated. */
enum sk_result sk_session_reflector_restart(struct sk_session *s, int64_t next_sender_seq);
/* sent: packets the sender sent whose loss timeout has expired (or highest seq + 1). */
void sk_session_summary(const struct sk_session *s, uint64_t sent, struct sk_session_summary *out);
/* Delay statistics of one direction; NULL for a bad dir. */
const struct sk_dstats *sk_session_dstats(const struct sk_session *s, enum sk_dir dir);

#ifdef __cplusplus
}
#endif
#endif
