/* SPDX-License-Identifier: BSD-3-Clause */
/* ref_metrics.h - the fixed-array metrics of earlier versions, renamed ref_*: the oracle that
 * test_metrics_compact.c holds the growing structures to, result for result. */
#ifndef STAMPKIT_REF_METRICS_H
#define STAMPKIT_REF_METRICS_H

#include <stdbool.h>
#include <stdint.h>
#include "stampkit/result.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------
 * Delays from the four timestamps (signed Unix nanoseconds, each converted with its own
 * Z bit beforehand). Negative one-way delays are kept as they are: they reveal clock offset.
 */
struct ref_delays {
	int64_t outbound_ns;  /* T2 - T1 */
	int64_t inbound_ns;   /* T4 - T3 */
	int64_t rtt_ns;       /* (T4 - T1) - (T3 - T2) */
	int64_t residence_ns; /* T3 - T2 */
};

/* SK_OK, or SK_E_INVALID when a difference does not fit in int64 (garbage timestamps);
 * out is then zeroed. SK_E_ARG for a NULL out. */
enum sk_result ref_delays_compute(int64_t t1_ns, int64_t t2_ns, int64_t t3_ns, int64_t t4_ns,
				 struct ref_delays *out);

/* ---------------------------------------------------------------------------------------
 * Fixed-memory log-linear histogram (HDR-histogram style) over the whole int64 range.
 * Magnitudes below 2 * REF_HIST_SUB are stored exactly; above, each power of two is cut into
 * REF_HIST_SUB equal sub-buckets, so a bucket is at most 1/REF_HIST_SUB of its lower bound wide.
 * A quantile is reported as the bucket's midpoint, clamped to the exact min/max:
 *   |reported - true| <= |true| / (2 * REF_HIST_SUB) = |true| / 128  (0.79 %).
 * Negative values have their own mirror array. sizeof(struct ref_hist) is about 59 KiB
 * (ref_dstats about 60 KiB): allocate it or embed it, keep it off small stacks.
 */
#define REF_HIST_SUB_BITS 6
#define REF_HIST_SUB (1u << REF_HIST_SUB_BITS)
#define REF_HIST_BUCKETS ((64u - REF_HIST_SUB_BITS + 1u) * REF_HIST_SUB)
#define REF_HIST_REL_ERROR (1.0 / (2.0 * REF_HIST_SUB)) /* bound on quantile relative error */

struct ref_hist {
	uint64_t total;
	int64_t min, max; /* exact */
	uint64_t pos[REF_HIST_BUCKETS]; /* values >= 0, by magnitude */
	uint64_t neg[REF_HIST_BUCKETS]; /* values < 0, by magnitude */
};

void ref_hist_init(struct ref_hist *h);
void ref_hist_add(struct ref_hist *h, int64_t v);
/* Nearest-rank quantile, q in percent [0, 100]: the value of rank ceil(q * n / 100) (at
 * least 1) in ascending order. q = 0 gives the exact min, q = 100 the exact max.
 * SK_E_ARG: q outside [0, 100] or NaN, NULL pointer. SK_E_STATE: no samples. */
enum sk_result ref_hist_quantile(const struct ref_hist *h, double q, int64_t *out);

/* ---------------------------------------------------------------------------------------
 * Per-direction delay statistics: plain struct, init then add; never allocates.
 * Feed each UNIQUE packet once (first arrival; ref_session does this), in arrival order.
 */
#define REF_IPDV_WINDOW 64u /* how far apart in sequence the two packets of a pair may arrive */

struct ref_sum128 { /* exact running sum of int64 values */
	uint64_t lo;
	int64_t hi;
};

struct ref_dstats {
	uint64_t count;
	uint64_t negative; /* samples < 0 (kept, never clamped) */
	int64_t min, max;
	struct ref_sum128 sum;
	/* RFC 3550 interarrival jitter, in ns, over consecutive arrivals. */
	double jitter_ns;
	bool have_prev;
	int64_t prev_ns;
	/* IPDV over pairs of consecutive sequence numbers (s-1, s), both received. */
	uint64_t ipdv_count;
	uint64_t ipdv_overflow; /* pairs whose difference does not fit in int64: skipped */
	int64_t ipdv_min, ipdv_max;
	struct ref_sum128 ipdv_sum;
	struct ref_sum128 ipdv_abs_sum;
	uint32_t ring_seq[REF_IPDV_WINDOW];
	int64_t ring_ns[REF_IPDV_WINDOW];
	uint8_t ring_used[REF_IPDV_WINDOW];
	struct ref_hist hist;
};

void ref_dstats_init(struct ref_dstats *s);
/* One unique packet: its sequence number (for IPDV pairing; 32-bit wrap is fine) and delay. */
void ref_dstats_add(struct ref_dstats *s, uint32_t seq, int64_t delay_ns);
/* Quantile of the delay (as ref_hist_quantile). */
enum sk_result ref_dstats_quantile(const struct ref_dstats *s, double q, int64_t *out);
/* RFC 5481 PDV at quantile q: quantile(q) - min (saturated to INT64_MAX). */
enum sk_result ref_dstats_pdv(const struct ref_dstats *s, double q, int64_t *out);

struct ref_dstats_summary {
	uint64_t count, negative;
	int64_t min, max;     /* 0 when count == 0 */
	double mean;
	int64_t p50, p90, p99; /* within REF_HIST_REL_ERROR */
	double jitter_ns;
	uint64_t ipdv_count;
	int64_t ipdv_min, ipdv_max; /* 0 when ipdv_count == 0 */
	double ipdv_mean, ipdv_abs_mean;
	int64_t pdv_p50, pdv_p90, pdv_p99, pdv_max; /* quantile - min */
};
/* Fills everything (zeros for an empty object). */
void ref_dstats_summarize(const struct ref_dstats *s, struct ref_dstats_summary *out);

/* ---------------------------------------------------------------------------------------
 * Sequence tracker: loss, RFC 5560 duplicates and RFC 4737 reordering for one stream of
 * 32-bit sequence numbers in arrival order. Opaque; memory fixed at creation:
 * `window` bits of seen sequence numbers and `window` recent arrivals (8 octets each).
 * Sequence numbers are extended to 64 bits (RFC 1982 serial arithmetic against the highest
 * seen), so wrapping 0xffffffff -> 0 is just the next number; a jump of 2^31 or more reads
 * as a step back.
 */
#define REF_SEQ_WINDOW_MAX (1u << 20)

enum ref_seq_class {
	REF_SEQ_IN_ORDER = 0, /* s >= NextExp: NextExp becomes s + 1 */
	REF_SEQ_REORDERED,    /* s < NextExp, first arrival */
	REF_SEQ_DUPLICATE,    /* seen before: excluded from everything but the duplicate count */
	REF_SEQ_TOO_OLD,      /* <= highest - window: cannot tell duplicate from late; not counted */
	REF_SEQ_BEFORE_START  /* before the first expected number (never sent): not counted */
};

struct ref_seq_event {
	enum ref_seq_class cls;
	int64_t ext_seq;  /* the extended (64-bit) sequence number */
	uint64_t extent;  /* RFC 4737 reordering extent when cls == REF_SEQ_REORDERED, else 0 */
	/* A larger number has already left the window of remembered arrivals, so the RFC 4737
	 * extent is at least `extent` (the smallest value consistent with what is kept). */
	bool extent_lower_bound;
};

struct ref_seq_counts {
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

struct ref_seqtrack;

/* window in [1, REF_SEQ_WINDOW_MAX]. *out is NULL on failure: SK_E_ARG for window 0 or a NULL
 * out, SK_E_NOSPACE for a larger window or when the one allocation fails. */
enum sk_result ref_seqtrack_create(struct ref_seqtrack **out, uint32_t window, uint32_t first_seq);
void ref_seqtrack_free(struct ref_seqtrack *t);
void ref_seqtrack_reset(struct ref_seqtrack *t, uint32_t first_seq);
/* Classifies one arrival and updates the counts; ev may be NULL. */
enum ref_seq_class ref_seqtrack_add(struct ref_seqtrack *t, uint32_t seq, struct ref_seq_event *ev);
void ref_seqtrack_counts(const struct ref_seqtrack *t, struct ref_seq_counts *out);
/* Loss against a known number of packets sent: sent - received, 0 if negative. */
uint64_t ref_seqtrack_lost(const struct ref_seqtrack *t, uint64_t sent);

/* ---------------------------------------------------------------------------------------
 * Session: everything a sender learns from the replies of one test session.
 * Fed per reply (first arrival wins for delays), asked at any time for a summary.
 */
enum ref_reflector_mode {
	REF_REFLECTOR_AUTO = 0, /* stateful as soon as one reply has reflector seq != sender seq */
	REF_REFLECTOR_STATEFUL, /* known from the configuration (TWAMP full, stateful STAMP) */
	REF_REFLECTOR_STATELESS /* copies the sender's number: loss direction is unknown */
};

struct ref_session_config {
	uint32_t window;              /* sequence window, as ref_seqtrack_create */
	uint32_t first_sender_seq;    /* usually 0 */
	uint32_t first_reflector_seq; /* usually 0 (RFC 5357 §4.2, RFC 8762 §4.3) */
	enum ref_reflector_mode mode;
};

struct ref_reply {
	uint32_t sender_seq;    /* the reflected Session-Sender Sequence Number */
	uint32_t reflector_seq; /* the reflector's own Sequence Number */
	int64_t t1_ns, t2_ns, t3_ns, t4_ns;
};

enum ref_dir { REF_DIR_OUTBOUND = 0, REF_DIR_INBOUND, REF_DIR_RTT, REF_DIR_RESIDENCE, REF_DIR_COUNT };

struct ref_reply_info {
	struct ref_seq_event sender;    /* round-trip view: the sender's number */
	struct ref_seq_event reflector; /* inbound view: the reflector's number */
	struct ref_delays delays;
	bool delays_valid;  /* false: a timestamp difference overflowed */
	bool counted;       /* fed into the delay statistics (first arrival, valid delays) */
};

struct ref_session_summary {
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

struct ref_session;

/* Allocates once: 4 * sizeof(struct ref_dstats) (about 240 KiB) + 33 * window octets. *out is
 * NULL on failure; codes as ref_seqtrack_create, SK_E_ARG for a NULL cfg or an unknown mode. */
enum sk_result ref_session_create(struct ref_session **out, const struct ref_session_config *cfg);
void ref_session_free(struct ref_session *s);
/* One reply as it arrives. info may be NULL. SK_E_ARG for NULL s or r; otherwise SK_OK. */
enum sk_result ref_session_add(struct ref_session *s, const struct ref_reply *r,
			      struct ref_reply_info *info);
/* Settles the outbound reordering of replies still waiting for a reflector-seq gap to fill.
 * Call when the session ends; adding more replies afterwards is allowed. */
void ref_session_finish(struct ref_session *s);
/* sent: packets the sender sent whose loss timeout has expired (or highest seq + 1). */
void ref_session_summary(const struct ref_session *s, uint64_t sent, struct ref_session_summary *out);
/* Delay statistics of one direction; NULL for a bad dir. */
const struct ref_dstats *ref_session_dstats(const struct ref_session *s, enum ref_dir dir);

#ifdef __cplusplus
}
#endif
#endif
