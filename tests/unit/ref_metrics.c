/* SPDX-License-Identifier: BSD-3-Clause */
/* ref_metrics.c - the fixed-array metrics of earlier versions (fixed histograms, rings of the
 * whole window), kept only as the test oracle of the compact ones; see ref_metrics.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ref_metrics.h"

/* ---------------------------------------------------------------- delays */

static bool sub_ok(int64_t a, int64_t b, int64_t *r)
{
	return !__builtin_sub_overflow(a, b, r);
}

enum sk_result ref_delays_compute(int64_t t1_ns, int64_t t2_ns, int64_t t3_ns, int64_t t4_ns,
				 struct ref_delays *out)
{
	if (!out)
		return SK_E_ARG;
	struct ref_delays d;
	int64_t total, residence;
	if (!sub_ok(t2_ns, t1_ns, &d.outbound_ns) || !sub_ok(t4_ns, t3_ns, &d.inbound_ns) ||
	    !sub_ok(t3_ns, t2_ns, &residence) || !sub_ok(t4_ns, t1_ns, &total) ||
	    !sub_ok(total, residence, &d.rtt_ns)) {
		memset(out, 0, sizeof *out);
		return SK_E_INVALID;
	}
	d.residence_ns = residence;
	*out = d;
	return SK_OK;
}

/* ---------------------------------------------------------------- histogram */

static uint64_t magnitude(int64_t v)
{
	/* Unsigned negation: INT64_MIN has magnitude 2^63, which int64 cannot hold. */
	return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

static unsigned hist_index(uint64_t m)
{
	if (m < 2u * REF_HIST_SUB)
		return (unsigned)m;
	unsigned e = 63u - (unsigned)__builtin_clzll(m); /* >= REF_HIST_SUB_BITS + 1 */
	unsigned shift = e - REF_HIST_SUB_BITS;
	unsigned mant = (unsigned)(m >> shift); /* in [SUB, 2 * SUB) */
	return (shift + 1u) * REF_HIST_SUB + (mant - REF_HIST_SUB);
}

/* Midpoint of a bucket: at most half a bucket width (<= low / (2 * SUB)) from any member. */
static uint64_t hist_mid(unsigned idx)
{
	if (idx < 2u * REF_HIST_SUB)
		return idx;
	unsigned shift = idx / REF_HIST_SUB - 1u;
	uint64_t mant = REF_HIST_SUB + idx % REF_HIST_SUB;
	uint64_t low = mant << shift;
	return low + (((uint64_t)1 << shift) >> 1);
}

void ref_hist_init(struct ref_hist *h)
{
	if (!h)
		return;
	memset(h, 0, sizeof *h);
}

void ref_hist_add(struct ref_hist *h, int64_t v)
{
	if (!h)
		return;
	if (h->total == 0 || v < h->min)
		h->min = v;
	if (h->total == 0 || v > h->max)
		h->max = v;
	h->total++;
	if (v < 0)
		h->neg[hist_index(magnitude(v))]++;
	else
		h->pos[hist_index((uint64_t)v)]++;
}

enum sk_result ref_hist_quantile(const struct ref_hist *h, double q, int64_t *out)
{
	if (!h || !out || !(q >= 0.0 && q <= 100.0))
		return SK_E_ARG;
	if (h->total == 0)
		return SK_E_STATE;
	/* q * n first: exact for integer percentages, so 90 % of 10 samples is rank 9, not 10. */
	double r = ceil(q * (double)h->total / 100.0);
	uint64_t rank = r < 1.0 ? 1 : (r >= (double)h->total ? h->total : (uint64_t)r);
	if (rank == 1) {
		*out = h->min;
		return SK_OK;
	}
	if (rank == h->total) {
		*out = h->max;
		return SK_OK;
	}
	uint64_t cum = 0;
	int64_t v = h->max;
	bool found = false;
	for (unsigned i = REF_HIST_BUCKETS; i-- > 0 && !found;) {
		cum += h->neg[i];
		if (h->neg[i] && cum >= rank) {
			uint64_t m = hist_mid(i);
			v = m >= (uint64_t)1 << 63 ? INT64_MIN : -(int64_t)m;
			found = true;
		}
	}
	for (unsigned i = 0; i < REF_HIST_BUCKETS && !found; i++) {
		cum += h->pos[i];
		if (h->pos[i] && cum >= rank) {
			uint64_t m = hist_mid(i);
			v = m > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)m;
			found = true;
		}
	}
	if (v < h->min)
		v = h->min;
	if (v > h->max)
		v = h->max;
	*out = v;
	return SK_OK;
}

/* ---------------------------------------------------------------- delay statistics */

static void sum_add(struct ref_sum128 *s, int64_t v)
{
	uint64_t lo = s->lo + (uint64_t)v;
	/* Sign-extend v to 128 bits: high word is -1 for negatives; carry from the low word. */
	s->hi += (v < 0 ? -1 : 0) + (lo < s->lo ? 1 : 0);
	s->lo = lo;
}

static void sum_add_u(struct ref_sum128 *s, uint64_t v)
{
	uint64_t lo = s->lo + v;
	s->hi += lo < s->lo ? 1 : 0;
	s->lo = lo;
}

static double sum_mean(const struct ref_sum128 *s, uint64_t n)
{
	if (n == 0)
		return 0.0;
	/* Convert the magnitude, not hi * 2^64 + lo: for a small negative sum lo is close to
	 * 2^64 and the double addition would lose the low bits. */
	bool negative = s->hi < 0;
	uint64_t lo = s->lo, hi = (uint64_t)s->hi;
	if (negative) {
		lo = ~lo + 1u;
		hi = ~hi + (lo == 0 ? 1u : 0u);
	}
	double m = (double)hi * 18446744073709551616.0 + (double)lo;
	return (negative ? -m : m) / (double)n;
}

void ref_dstats_init(struct ref_dstats *s)
{
	if (!s)
		return;
	memset(s, 0, sizeof *s);
	ref_hist_init(&s->hist);
}

static void ipdv_pair(struct ref_dstats *s, int64_t earlier_seq_ns, int64_t later_seq_ns)
{
	int64_t v;
	if (!sub_ok(later_seq_ns, earlier_seq_ns, &v)) {
		s->ipdv_overflow++;
		return;
	}
	if (s->ipdv_count == 0 || v < s->ipdv_min)
		s->ipdv_min = v;
	if (s->ipdv_count == 0 || v > s->ipdv_max)
		s->ipdv_max = v;
	s->ipdv_count++;
	sum_add(&s->ipdv_sum, v);
	sum_add_u(&s->ipdv_abs_sum, magnitude(v));
}

void ref_dstats_add(struct ref_dstats *s, uint32_t seq, int64_t delay_ns)
{
	if (!s)
		return;
	if (s->count == 0 || delay_ns < s->min)
		s->min = delay_ns;
	if (s->count == 0 || delay_ns > s->max)
		s->max = delay_ns;
	s->count++;
	if (delay_ns < 0)
		s->negative++;
	sum_add(&s->sum, delay_ns);
	ref_hist_add(&s->hist, delay_ns);

	/* RFC 3550: D = (R_i - R_{i-1}) - (S_i - S_{i-1}) = delay_i - delay_{i-1}; doubles so
	 * that absurd delays cannot overflow. */
	if (s->have_prev) {
		double d = fabs((double)delay_ns - (double)s->prev_ns);
		s->jitter_ns += (d - s->jitter_ns) / 16.0;
	}
	s->have_prev = true;
	s->prev_ns = delay_ns;

	/* IPDV pairs (s-1, s) and (s, s+1): whichever of the two arrives second closes the pair,
	 * so each pair is counted once whatever the arrival order. */
	unsigned w = REF_IPDV_WINDOW;
	uint32_t prev = seq - 1u, next = seq + 1u;
	if (s->ring_used[prev % w] && s->ring_seq[prev % w] == prev)
		ipdv_pair(s, s->ring_ns[prev % w], delay_ns);
	if (s->ring_used[next % w] && s->ring_seq[next % w] == next)
		ipdv_pair(s, delay_ns, s->ring_ns[next % w]);
	s->ring_used[seq % w] = 1;
	s->ring_seq[seq % w] = seq;
	s->ring_ns[seq % w] = delay_ns;
}

enum sk_result ref_dstats_quantile(const struct ref_dstats *s, double q, int64_t *out)
{
	if (!s)
		return SK_E_ARG;
	return ref_hist_quantile(&s->hist, q, out);
}

enum sk_result ref_dstats_pdv(const struct ref_dstats *s, double q, int64_t *out)
{
	int64_t v;
	enum sk_result rc = ref_dstats_quantile(s, q, &v);
	if (rc != SK_OK)
		return rc;
	if (!sub_ok(v, s->min, out))
		*out = INT64_MAX; /* v >= min, so only the positive side can overflow */
	return SK_OK;
}

void ref_dstats_summarize(const struct ref_dstats *s, struct ref_dstats_summary *out)
{
	if (!out)
		return;
	memset(out, 0, sizeof *out);
	if (!s)
		return;
	out->count = s->count;
	out->negative = s->negative;
	out->jitter_ns = s->jitter_ns;
	out->ipdv_count = s->ipdv_count;
	if (s->ipdv_count) {
		out->ipdv_min = s->ipdv_min;
		out->ipdv_max = s->ipdv_max;
		out->ipdv_mean = sum_mean(&s->ipdv_sum, s->ipdv_count);
		out->ipdv_abs_mean = sum_mean(&s->ipdv_abs_sum, s->ipdv_count);
	}
	if (s->count == 0)
		return;
	out->min = s->min;
	out->max = s->max;
	out->mean = sum_mean(&s->sum, s->count);
	(void)ref_dstats_quantile(s, 50.0, &out->p50);
	(void)ref_dstats_quantile(s, 90.0, &out->p90);
	(void)ref_dstats_quantile(s, 99.0, &out->p99);
	(void)ref_dstats_pdv(s, 50.0, &out->pdv_p50);
	(void)ref_dstats_pdv(s, 90.0, &out->pdv_p90);
	(void)ref_dstats_pdv(s, 99.0, &out->pdv_p99);
	(void)ref_dstats_pdv(s, 100.0, &out->pdv_max);
}

/* ---------------------------------------------------------------- sequence tracker */

struct ref_seqtrack {
	uint32_t window;
	int64_t first;
	int64_t highest;   /* NextExp - 1 (RFC 4737: NextExp is always highest in-order + 1) */
	uint64_t arrivals; /* unique arrivals so far = index of the next one */
	int64_t evicted_max; /* largest number that has left the arrival ring */
	uint64_t *seen;    /* bit (ext % window) for ext in (highest - window, highest] */
	int64_t *ring;     /* ext of unique arrival i at [i % window] */
	struct ref_seq_counts c;
};

static size_t seen_words(uint32_t window)
{
	return ((size_t)window + 63u) / 64u;
}

enum sk_result ref_seqtrack_create(struct ref_seqtrack **out, uint32_t window, uint32_t first_seq)
{
	if (!out)
		return SK_E_ARG;
	*out = NULL;
	if (window == 0)
		return SK_E_ARG;
	if (window > REF_SEQ_WINDOW_MAX)
		return SK_E_NOSPACE;
	/* One allocation: the struct, the seen bitmap and the arrival ring. */
	size_t words = seen_words(window);
	size_t size = sizeof(struct ref_seqtrack) + words * sizeof(uint64_t) +
		      (size_t)window * sizeof(int64_t);
	struct ref_seqtrack *t = malloc(size);
	if (!t)
		return SK_E_NOSPACE;
	t->window = window;
	t->seen = (uint64_t *)(void *)(t + 1);
	t->ring = (int64_t *)(void *)(t->seen + words);
	ref_seqtrack_reset(t, first_seq);
	*out = t;
	return SK_OK;
}

void ref_seqtrack_free(struct ref_seqtrack *t)
{
	free(t);
}

void ref_seqtrack_reset(struct ref_seqtrack *t, uint32_t first_seq)
{
	if (!t)
		return;
	memset(t->seen, 0, seen_words(t->window) * sizeof(uint64_t));
	memset(&t->c, 0, sizeof t->c);
	t->first = first_seq;
	t->highest = t->first - 1;
	t->arrivals = 0;
	t->evicted_max = INT64_MIN;
}

static bool seen_get(const struct ref_seqtrack *t, int64_t ext)
{
	uint64_t b = (uint64_t)ext % t->window;
	return (t->seen[b / 64] >> (b % 64)) & 1u;
}

static void seen_set(struct ref_seqtrack *t, int64_t ext, bool v)
{
	uint64_t b = (uint64_t)ext % t->window;
	uint64_t bit = (uint64_t)1 << (b % 64);
	if (v)
		t->seen[b / 64] |= bit;
	else
		t->seen[b / 64] &= ~bit;
}

/* Extended number: the 64-bit value nearest to the highest seen with these low 32 bits. */
static int64_t extend(const struct ref_seqtrack *t, uint32_t seq)
{
	int64_t ref = t->highest;
	int32_t diff = (int32_t)(seq - (uint32_t)ref);
	return ref + diff;
}

static void advance(struct ref_seqtrack *t, int64_t to)
{
	/* Numbers newly inside the window must read as unseen (their slots held older ones). */
	if (to - t->highest >= (int64_t)t->window)
		memset(t->seen, 0, seen_words(t->window) * sizeof(uint64_t));
	else
		for (int64_t k = t->highest + 1; k <= to; k++)
			seen_set(t, k, false);
	t->highest = to;
}

/* RFC 4737 §4.2.2: extent = i - j, j the earliest arrival index with a larger number. */
static uint64_t extent_of(const struct ref_seqtrack *t, int64_t ext, bool *lower_bound)
{
	uint64_t i = t->arrivals;
	uint64_t oldest = i > t->window ? i - t->window : 0;
	/* A larger number already evicted means j < oldest: all we know is a lower bound. */
	*lower_bound = t->evicted_max > ext;
	if (*lower_bound)
		return i - oldest + 1;
	for (uint64_t j = oldest; j < i; j++)
		if (t->ring[j % t->window] > ext)
			return i - j;
	return 0; /* not reached: the highest number is always in the ring (docs/metrics.md) */
}

enum ref_seq_class ref_seqtrack_add(struct ref_seqtrack *t, uint32_t seq, struct ref_seq_event *ev)
{
	struct ref_seq_event e = { REF_SEQ_BEFORE_START, 0, 0, false };
	if (!t) {
		if (ev)
			*ev = e;
		return e.cls;
	}
	int64_t ext = extend(t, seq);
	e.ext_seq = ext;
	if (ext < t->first) {
		e.cls = REF_SEQ_BEFORE_START;
		t->c.before_start++;
	} else if (ext > t->highest) {
		e.cls = REF_SEQ_IN_ORDER;
		advance(t, ext);
	} else if (ext <= t->highest - (int64_t)t->window) {
		e.cls = REF_SEQ_TOO_OLD;
		t->c.too_old++;
	} else if (seen_get(t, ext)) {
		e.cls = REF_SEQ_DUPLICATE;
		t->c.duplicates++;
	} else {
		e.cls = REF_SEQ_REORDERED;
		e.extent = extent_of(t, ext, &e.extent_lower_bound);
		t->c.reordered++;
		if (e.extent > t->c.max_extent)
			t->c.max_extent = e.extent;
		if (e.extent_lower_bound)
			t->c.extent_lower_bounds++;
	}
	if (e.cls == REF_SEQ_IN_ORDER || e.cls == REF_SEQ_REORDERED) {
		seen_set(t, ext, true);
		int64_t *slot = &t->ring[t->arrivals % t->window];
		if (t->arrivals >= t->window && *slot > t->evicted_max)
			t->evicted_max = *slot;
		*slot = ext;
		t->arrivals++;
		t->c.received++;
	}
	if (ev)
		*ev = e;
	return e.cls;
}

void ref_seqtrack_counts(const struct ref_seqtrack *t, struct ref_seq_counts *out)
{
	if (!out)
		return;
	memset(out, 0, sizeof *out);
	if (!t)
		return;
	*out = t->c;
	out->first = t->first;
	out->highest = t->highest;
	out->expected = (uint64_t)(t->highest - t->first + 1);
}

uint64_t ref_seqtrack_lost(const struct ref_seqtrack *t, uint64_t sent)
{
	if (!t)
		return sent;
	return sent > t->c.received ? sent - t->c.received : 0;
}

/* ---------------------------------------------------------------- session */

struct ref_session {
	struct ref_session_config cfg;
	struct ref_seqtrack *rt;  /* sender seqs in arrival order at the sender */
	struct ref_seqtrack *in;  /* reflector seqs in arrival order at the sender */
	struct ref_seqtrack *out; /* sender seqs in reflector order (reflector seq order) */
	/* Replies wait here, keyed by reflector seq, until every lower reflector seq has
	 * arrived or fallen out of the window; then their sender seqs go to `out` in the order
	 * the reflector received them. Holds extended sender seqs, -1 for an empty slot. */
	int64_t *pending;
	int64_t settle_next; /* lowest reflector seq (extended) not settled yet */
	bool seen_mismatch;
	uint64_t bad_timestamps;
	struct ref_dstats d[REF_DIR_COUNT];
};

enum sk_result ref_session_create(struct ref_session **out, const struct ref_session_config *cfg)
{
	if (!out)
		return SK_E_ARG;
	*out = NULL;
	if (!cfg || cfg->mode > REF_REFLECTOR_STATELESS || cfg->window == 0)
		return SK_E_ARG;
	if (cfg->window > REF_SEQ_WINDOW_MAX)
		return SK_E_NOSPACE;
	struct ref_session *s = calloc(1, sizeof *s);
	if (!s)
		return SK_E_NOSPACE;
	s->cfg = *cfg;
	enum sk_result rc = ref_seqtrack_create(&s->rt, cfg->window, cfg->first_sender_seq);
	if (rc == SK_OK)
		rc = ref_seqtrack_create(&s->in, cfg->window, cfg->first_reflector_seq);
	if (rc == SK_OK)
		rc = ref_seqtrack_create(&s->out, cfg->window, cfg->first_sender_seq);
	if (rc == SK_OK) {
		s->pending = malloc((size_t)cfg->window * sizeof *s->pending);
		if (!s->pending)
			rc = SK_E_NOSPACE;
	}
	if (rc != SK_OK) {
		ref_session_free(s);
		return rc;
	}
	for (uint32_t i = 0; i < cfg->window; i++)
		s->pending[i] = -1;
	s->settle_next = cfg->first_reflector_seq;
	for (int i = 0; i < REF_DIR_COUNT; i++)
		ref_dstats_init(&s->d[i]);
	*out = s;
	return SK_OK;
}

void ref_session_free(struct ref_session *s)
{
	if (!s)
		return;
	ref_seqtrack_free(s->rt);
	ref_seqtrack_free(s->in);
	ref_seqtrack_free(s->out);
	free(s->pending);
	free(s);
}

/* Settles reflector seqs [settle_next, upto]; only slots in the window can hold replies. */
static void settle(struct ref_session *s, int64_t upto)
{
	int64_t w = s->cfg.window;
	int64_t hi_pending = s->settle_next + w - 1;
	for (int64_t k = s->settle_next; k <= upto && k <= hi_pending; k++) {
		int64_t *slot = &s->pending[(uint64_t)k % (uint64_t)w];
		if (*slot >= 0)
			(void)ref_seqtrack_add(s->out, (uint32_t)*slot, NULL);
		*slot = -1;
	}
	if (upto + 1 > s->settle_next)
		s->settle_next = upto + 1;
}

enum sk_result ref_session_add(struct ref_session *s, const struct ref_reply *r,
			      struct ref_reply_info *info)
{
	if (!s || !r)
		return SK_E_ARG;
	struct ref_reply_info ri;
	memset(&ri, 0, sizeof ri);
	if (r->reflector_seq != r->sender_seq)
		s->seen_mismatch = true;

	(void)ref_seqtrack_add(s->rt, r->sender_seq, &ri.sender);
	(void)ref_seqtrack_add(s->in, r->reflector_seq, &ri.reflector);

	/* A new reflector seq is one packet the reflector received: queue it in reflector order. */
	if ((ri.reflector.cls == REF_SEQ_IN_ORDER || ri.reflector.cls == REF_SEQ_REORDERED) &&
	    ri.sender.cls != REF_SEQ_BEFORE_START && ri.sender.cls != REF_SEQ_TOO_OLD) {
		int64_t k = ri.reflector.ext_seq;
		int64_t w = s->cfg.window;
		if (k - s->settle_next >= w)
			settle(s, k - w);
		if (k >= s->settle_next)
			s->pending[(uint64_t)k % (uint64_t)w] = ri.sender.ext_seq;
		/* Without a gap in front, settle at once so live counts do not lag. */
		while (s->pending[(uint64_t)s->settle_next % (uint64_t)w] >= 0)
			settle(s, s->settle_next);
	}

	ri.delays_valid = ref_delays_compute(r->t1_ns, r->t2_ns, r->t3_ns, r->t4_ns,
					    &ri.delays) == SK_OK;
	bool first = ri.sender.cls == REF_SEQ_IN_ORDER || ri.sender.cls == REF_SEQ_REORDERED;
	if (first && !ri.delays_valid)
		s->bad_timestamps++;
	if (first && ri.delays_valid) {
		ri.counted = true;
		ref_dstats_add(&s->d[REF_DIR_OUTBOUND], r->sender_seq, ri.delays.outbound_ns);
		ref_dstats_add(&s->d[REF_DIR_INBOUND], r->sender_seq, ri.delays.inbound_ns);
		ref_dstats_add(&s->d[REF_DIR_RTT], r->sender_seq, ri.delays.rtt_ns);
		ref_dstats_add(&s->d[REF_DIR_RESIDENCE], r->sender_seq, ri.delays.residence_ns);
	}
	if (info)
		*info = ri;
	return SK_OK;
}

void ref_session_finish(struct ref_session *s)
{
	if (!s)
		return;
	struct ref_seq_counts in;
	ref_seqtrack_counts(s->in, &in);
	settle(s, in.highest);
}

static uint64_t sat_diff(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

void ref_session_summary(const struct ref_session *s, uint64_t sent, struct ref_session_summary *out)
{
	if (!out)
		return;
	memset(out, 0, sizeof *out);
	out->sent = sent;
	if (!s) {
		out->lost = out->unknown_lost = sent;
		out->direction_unknown = true;
		return;
	}
	struct ref_seq_counts rt, in, ob;
	ref_seqtrack_counts(s->rt, &rt);
	ref_seqtrack_counts(s->in, &in);
	ref_seqtrack_counts(s->out, &ob);

	out->received = rt.received;
	out->reflected = in.received;
	out->reflector_span = in.expected;
	out->lost = sat_diff(sent, rt.received);
	out->duplicates = rt.duplicates;
	out->reordered = rt.reordered;
	out->max_extent = rt.max_extent;
	out->too_old = rt.too_old;
	out->before_start = rt.before_start;
	out->bad_timestamps = s->bad_timestamps;
	out->stateful = s->cfg.mode == REF_REFLECTOR_STATEFUL ||
			(s->cfg.mode == REF_REFLECTOR_AUTO && s->seen_mismatch);
	out->direction_unknown = !out->stateful;
	if (out->direction_unknown) {
		out->unknown_lost = out->lost;
		return;
	}
	/* Each distinct reflector seq carries one sender seq; more reflector seqs than sender
	 * seqs means the reflector received some sender packet twice. */
	out->outbound_duplicates = sat_diff(in.received, rt.received);
	out->inbound_duplicates = in.duplicates;
	out->inbound_reordered = in.reordered;
	out->inbound_max_extent = in.max_extent;
	out->outbound_reordered = ob.reordered;
	out->outbound_max_extent = ob.max_extent;
	/* Horizon: sender packets up to the highest one answered. Inside it the reflector seqs
	 * split the loss; after it nothing tells the two directions apart. */
	uint64_t horizon = rt.expected;
	uint64_t reflector_got = sat_diff(in.expected, out->outbound_duplicates);
	uint64_t outbound = sat_diff(horizon, reflector_got);
	uint64_t inbound = sat_diff(in.expected, in.received);
	/* Consistent input gives outbound + inbound + (sent - horizon) == lost exactly. Replies
	 * numbered beyond `sent`, or outbound reordering next to inbound loss, can break that;
	 * then the direct evidence (reflector-seq gaps) goes first and the split still adds up. */
	out->inbound_lost = inbound < out->lost ? inbound : out->lost;
	uint64_t rest = out->lost - out->inbound_lost;
	out->outbound_lost = outbound < rest ? outbound : rest;
	out->unknown_lost = rest - out->outbound_lost;
}

const struct ref_dstats *ref_session_dstats(const struct ref_session *s, enum ref_dir dir)
{
	if (!s || (unsigned)dir >= REF_DIR_COUNT)
		return NULL;
	return &s->d[dir];
}

/* ---------------------------------------------------------------- plain entry points */
/* The test includes the current metrics.h, whose names and structs clash with these; it
 * reaches the reference through void pointers. Replies, events and summaries have the same
 * layout in both (ref_t_size lets the test check that). */
#include "ref_wrap.h"

size_t ref_t_size(int which)
{
	switch (which) {
	case 0: return sizeof(struct ref_reply);
	case 1: return sizeof(struct ref_reply_info);
	case 2: return sizeof(struct ref_session_summary);
	case 3: return sizeof(struct ref_dstats_summary);
	case 4: return sizeof(struct ref_seq_event);
	default: return sizeof(struct ref_seq_counts);
	}
}

void *ref_t_session(uint32_t window, uint32_t first_s, uint32_t first_r, int mode)
{
	struct ref_session_config cfg = { window, first_s, first_r, (enum ref_reflector_mode)mode };
	struct ref_session *s = NULL;
	return ref_session_create(&s, &cfg) == SK_OK ? s : NULL;
}

void ref_t_session_add(void *s, const void *reply, void *info)
{
	(void)ref_session_add(s, reply, info);
}

void ref_t_session_finish(void *s) { ref_session_finish(s); }

void ref_t_session_summary(const void *s, uint64_t sent, void *sum)
{
	ref_session_summary(s, sent, sum);
}

void ref_t_session_dsum(const void *s, int dir, void *dsum)
{
	ref_dstats_summarize(ref_session_dstats(s, (enum ref_dir)dir), dsum);
}

void ref_t_session_free(void *s) { ref_session_free(s); }

void *ref_t_seqtrack(uint32_t window, uint32_t first)
{
	struct ref_seqtrack *t = NULL;
	return ref_seqtrack_create(&t, window, first) == SK_OK ? t : NULL;
}

int ref_t_seqtrack_add(void *t, uint32_t seq, void *ev) { return (int)ref_seqtrack_add(t, seq, ev); }
void ref_t_seqtrack_counts(const void *t, void *c) { ref_seqtrack_counts(t, c); }
void ref_t_seqtrack_free(void *t) { ref_seqtrack_free(t); }

void *ref_t_dstats(void)
{
	struct ref_dstats *d = malloc(sizeof *d);
	if (d)
		ref_dstats_init(d);
	return d;
}

void ref_t_dstats_add(void *d, uint32_t seq, int64_t v) { ref_dstats_add(d, seq, v); }
void ref_t_dstats_sum(const void *d, void *sum) { ref_dstats_summarize(d, sum); }

int ref_t_quantile(const void *d, double q, int64_t *out)
{
	return (int)ref_dstats_quantile(d, q, out);
}

void ref_t_dstats_free(void *d) { free(d); }
