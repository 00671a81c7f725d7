/* SPDX-License-Identifier: BSD-3-Clause */
/* metrics.c - delays, sequence tracker and session summary (the histogram and the delay
 * statistics are in hist.c). RFC 5357 §4, RFC 8762 §4, RFC 4737 §3-4, RFC 5560. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "stampkit/metrics.h"

/* ---------------------------------------------------------------- delays */

static bool sub_ok(int64_t a, int64_t b, int64_t *r)
{
	return !__builtin_sub_overflow(a, b, r);
}

enum sk_result sk_delays_compute(int64_t t1_ns, int64_t t2_ns, int64_t t3_ns, int64_t t4_ns,
				 struct sk_delays *out)
{
	if (!out)
		return SK_E_ARG;
	struct sk_delays d;
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

/* ---------------------------------------------------------------- sequence tracker */

/* RFC 4737's extent needs, for a reordered number x, the earliest arrival with a larger
 * number: always an arrival that raised the running maximum (an in-order one). Those are
 * kept as runs (consecutive arrival indexes carrying consecutive numbers), so an in-order
 * stream is one run and each loss or reordering starts another; runs older than the window
 * of `window` arrivals are dropped, their largest number kept as evicted_max. */
struct seq_run {
	uint64_t idx; /* arrival index of the first in-order arrival of the run */
	int64_t num;  /* its (extended) number; arrival idx + k carried num + k */
	uint64_t len;
};

struct sk_seqtrack {
	uint32_t window;
	uint32_t wmask;    /* window - 1 when a power of two (slots by mask, not division), else 0 */
	int64_t first;
	int64_t highest;   /* NextExp - 1 (RFC 4737: NextExp is always highest in-order + 1) */
	uint64_t arrivals; /* unique arrivals so far = index of the next one */
	int64_t evicted_max; /* largest number of the dropped runs */
	uint64_t *seen;    /* bit (ext % window) for ext in (highest - window, highest] */
	struct seq_run *runs; /* ring of nruns runs from run0, capacity runcap */
	uint32_t run0, nruns, runcap;
	struct sk_seq_counts c;
};

static size_t seen_words(uint32_t window)
{
	return ((size_t)window + 63u) / 64u;
}

enum sk_result sk_seqtrack_create(struct sk_seqtrack **out, uint32_t window, uint32_t first_seq)
{
	if (!out)
		return SK_E_ARG;
	*out = NULL;
	if (window == 0)
		return SK_E_ARG;
	if (window > SK_SEQ_WINDOW_MAX)
		return SK_E_NOSPACE;
	/* One allocation for the struct and the seen bitmap; the runs grow as needed. */
	size_t words = seen_words(window);
	struct sk_seqtrack *t = malloc(sizeof(struct sk_seqtrack) + words * sizeof(uint64_t));
	if (!t)
		return SK_E_NOSPACE;
	t->window = window;
	t->wmask = (window & (window - 1)) == 0 ? window - 1 : 0;
	t->seen = (uint64_t *)(void *)(t + 1);
	t->runs = NULL;
	t->runcap = 0;
	sk_seqtrack_reset(t, first_seq);
	*out = t;
	return SK_OK;
}

void sk_seqtrack_free(struct sk_seqtrack *t)
{
	if (t)
		free(t->runs);
	free(t);
}

size_t sk_seqtrack_memory(const struct sk_seqtrack *t)
{
	if (!t)
		return 0;
	return sizeof *t + seen_words(t->window) * sizeof(uint64_t) +
	       (size_t)t->runcap * sizeof *t->runs;
}

void sk_seqtrack_reset(struct sk_seqtrack *t, uint32_t first_seq)
{
	if (!t)
		return;
	memset(t->seen, 0, seen_words(t->window) * sizeof(uint64_t));
	memset(&t->c, 0, sizeof t->c);
	t->first = first_seq;
	t->highest = t->first - 1;
	t->arrivals = 0;
	t->evicted_max = INT64_MIN;
	t->run0 = t->nruns = 0;
}

/* The bit of ext: ext modulo the window (a mask for a power of two, the usual case). */
static uint64_t seen_bit(const struct sk_seqtrack *t, int64_t ext)
{
	return t->wmask || t->window == 1 ? (uint64_t)ext & t->wmask : (uint64_t)ext % t->window;
}

static bool seen_get(const struct sk_seqtrack *t, int64_t ext)
{
	uint64_t b = seen_bit(t, ext);
	return (t->seen[b / 64] >> (b % 64)) & 1u;
}

static void seen_set(struct sk_seqtrack *t, int64_t ext, bool v)
{
	uint64_t b = seen_bit(t, ext);
	uint64_t bit = (uint64_t)1 << (b % 64);
	if (v)
		t->seen[b / 64] |= bit;
	else
		t->seen[b / 64] &= ~bit;
}

/* Extended number: the 64-bit value nearest to the highest seen with these low 32 bits. */
static int64_t extend(const struct sk_seqtrack *t, uint32_t seq)
{
	int64_t ref = t->highest;
	int32_t diff = (int32_t)(seq - (uint32_t)ref);
	return ref + diff;
}

static void advance(struct sk_seqtrack *t, int64_t to)
{
	/* Numbers newly inside the window must read as unseen (their slots held older ones). */
	if (to - t->highest >= (int64_t)t->window)
		memset(t->seen, 0, seen_words(t->window) * sizeof(uint64_t));
	else
		for (int64_t k = t->highest + 1; k <= to; k++)
			seen_set(t, k, false);
	t->highest = to;
}

static struct seq_run *run_at(const struct sk_seqtrack *t, uint32_t k)
{
	return &t->runs[(t->run0 + k) & (t->runcap - 1u)];
}

/* Drops the runs whose arrivals all left the window (index < arrivals - window), keeping
 * their largest number; a run half out gives its last number out as evicted_max. */
static int64_t evicted_max(struct sk_seqtrack *t)
{
	if (t->arrivals <= t->window)
		return t->evicted_max;
	uint64_t lim = t->arrivals - t->window - 1u; /* newest evicted arrival */
	while (t->nruns > 0) {
		struct seq_run *r = run_at(t, 0);
		if (r->idx + r->len - 1u > lim)
		{
			int64_t part = r->num + (int64_t)(lim - r->idx);
			return r->idx <= lim && part > t->evicted_max ? part : t->evicted_max;
		}
		if (r->num + (int64_t)r->len - 1 > t->evicted_max)
			t->evicted_max = r->num + (int64_t)r->len - 1;
		t->run0 = (t->run0 + 1u) & (t->runcap - 1u);
		t->nruns--;
	}
	return t->evicted_max;
}

/* An in-order arrival: extends the last run or starts one. false when out of memory. */
static bool run_push(struct sk_seqtrack *t, uint64_t idx, int64_t ext)
{
	if (t->nruns > 0) {
		struct seq_run *r = run_at(t, t->nruns - 1u);
		if (r->idx + r->len == idx && r->num + (int64_t)r->len == ext) {
			r->len++;
			return true;
		}
	}
	if (t->nruns == t->runcap) {
		uint32_t cap = t->runcap ? t->runcap * 2u : 2u;
		struct seq_run *n = malloc(cap * sizeof *n);
		if (!n)
			return false;
		for (uint32_t k = 0; k < t->nruns; k++)
			n[k] = *run_at(t, k);
		free(t->runs);
		t->runs = n;
		t->runcap = cap;
		t->run0 = 0;
	}
	*run_at(t, t->nruns++) = (struct seq_run){ idx, ext, 1 };
	return true;
}

/* RFC 4737 §4.2.2: extent = i - j, j the earliest arrival index with a larger number. */
static uint64_t extent_of(struct sk_seqtrack *t, int64_t ext, bool *lower_bound)
{
	uint64_t i = t->arrivals;
	uint64_t oldest = i > t->window ? i - t->window : 0;
	/* A larger number already out of the window means j < oldest: all we know is a lower
	 * bound. */
	*lower_bound = evicted_max(t) > ext;
	if (*lower_bound)
		return i - oldest + 1;
	for (uint32_t k = 0; k < t->nruns; k++) {
		const struct seq_run *r = run_at(t, k);
		if (r->num + (int64_t)r->len - 1 > ext)
			return i - (r->idx + (ext >= r->num ? (uint64_t)(ext - r->num + 1) : 0u));
	}
	return 0; /* not reached: the highest number is in the last run (docs/metrics.md) */
}

enum sk_seq_class sk_seqtrack_add(struct sk_seqtrack *t, uint32_t seq, struct sk_seq_event *ev)
{
	struct sk_seq_event e = { SK_SEQ_BEFORE_START, 0, 0, false };
	if (!t) {
		if (ev)
			*ev = e;
		return e.cls;
	}
	int64_t ext = extend(t, seq);
	e.ext_seq = ext;
	if (ext < t->first) {
		e.cls = SK_SEQ_BEFORE_START;
		t->c.before_start++;
	} else if (ext > t->highest) {
		e.cls = SK_SEQ_IN_ORDER;
		advance(t, ext);
	} else if (ext <= t->highest - (int64_t)t->window) {
		e.cls = SK_SEQ_TOO_OLD;
		t->c.too_old++;
	} else if (seen_get(t, ext)) {
		e.cls = SK_SEQ_DUPLICATE;
		t->c.duplicates++;
	} else {
		e.cls = SK_SEQ_REORDERED;
		e.extent = extent_of(t, ext, &e.extent_lower_bound);
		t->c.reordered++;
		if (e.extent > t->c.max_extent)
			t->c.max_extent = e.extent;
		if (e.extent_lower_bound)
			t->c.extent_lower_bounds++;
	}
	if (e.cls == SK_SEQ_IN_ORDER || e.cls == SK_SEQ_REORDERED) {
		seen_set(t, ext, true);
		/* Out of memory for a run: later extents read as lower bounds, never too small. */
		if (e.cls == SK_SEQ_IN_ORDER && !run_push(t, t->arrivals, ext))
			t->evicted_max = ext;
		t->arrivals++;
		t->c.received++;
		(void)evicted_max(t); /* drop what left the window: memory follows the reordering */
	}
	if (ev)
		*ev = e;
	return e.cls;
}

void sk_seqtrack_counts(const struct sk_seqtrack *t, struct sk_seq_counts *out)
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

uint64_t sk_seqtrack_lost(const struct sk_seqtrack *t, uint64_t sent)
{
	if (!t)
		return sent;
	return sent > t->c.received ? sent - t->c.received : 0;
}

/* ---------------------------------------------------------------- session */

struct sk_session {
	struct sk_session_config cfg;
	struct sk_seqtrack *rt;  /* sender seqs in arrival order at the sender */
	struct sk_seqtrack *in;  /* reflector seqs in arrival order at the sender */
	struct sk_seqtrack *out; /* sender seqs in reflector order (reflector seq order) */
	/* Replies wait here, keyed by reflector seq, until every lower reflector seq has
	 * arrived or fallen out of the window; then their sender seqs go to `out` in the order
	 * the reflector received them. Holds extended sender seqs, -1 for an empty slot: a ring
	 * of pcap slots (reflector seq k at k % pcap) that grows, up to the window, only as far
	 * as a gap in the reflector seqs keeps replies waiting. */
	int64_t *pending;
	uint32_t pcap, npend;
	int64_t settle_next; /* lowest reflector seq (extended) not settled yet */
	bool seen_mismatch;
	uint64_t bad_timestamps;
	struct sk_dstats d[SK_DIR_COUNT];
	/* The reflector's current numbering (sk_session_reflector_restart) began with sender
	 * seq ep_first (extended), when ep_rt_received sender seqs had been received; ep_done
	 * holds the earlier numberings' part of the summary. */
	int64_t ep_first;
	uint64_t ep_rt_received;
	struct epoch_part {
		uint64_t reflected, span, outbound_dups, inbound_dups;
		uint64_t outbound_reordered, inbound_reordered;
		uint64_t outbound_max_extent, inbound_max_extent;
		uint64_t outbound_lost, inbound_lost;
	} ep_done;
};

enum sk_result sk_session_create(struct sk_session **out, const struct sk_session_config *cfg)
{
	if (!out)
		return SK_E_ARG;
	*out = NULL;
	if (!cfg || cfg->mode > SK_REFLECTOR_STATELESS || cfg->window == 0)
		return SK_E_ARG;
	if (cfg->window > SK_SEQ_WINDOW_MAX)
		return SK_E_NOSPACE;
	struct sk_session *s = calloc(1, sizeof *s);
	if (!s)
		return SK_E_NOSPACE;
	s->cfg = *cfg;
	enum sk_result rc = sk_seqtrack_create(&s->rt, cfg->window, cfg->first_sender_seq);
	if (rc == SK_OK)
		rc = sk_seqtrack_create(&s->in, cfg->window, cfg->first_reflector_seq);
	if (rc == SK_OK)
		rc = sk_seqtrack_create(&s->out, cfg->window, cfg->first_sender_seq);
	if (rc != SK_OK) {
		sk_session_free(s);
		return rc;
	}
	s->settle_next = cfg->first_reflector_seq;
	s->ep_first = cfg->first_sender_seq;
	for (int i = 0; i < SK_DIR_COUNT; i++)
		sk_dstats_init(&s->d[i]);
	*out = s;
	return SK_OK;
}

void sk_session_free(struct sk_session *s)
{
	if (!s)
		return;
	sk_seqtrack_free(s->rt);
	sk_seqtrack_free(s->in);
	sk_seqtrack_free(s->out);
	free(s->pending);
	for (int i = 0; i < SK_DIR_COUNT; i++)
		sk_dstats_free(&s->d[i]);
	free(s);
}

size_t sk_session_memory(const struct sk_session *s)
{
	if (!s)
		return 0;
	size_t n = sizeof *s + sk_seqtrack_memory(s->rt) + sk_seqtrack_memory(s->in) +
		   sk_seqtrack_memory(s->out) + (size_t)s->pcap * sizeof *s->pending;
	for (int i = 0; i < SK_DIR_COUNT; i++)
		n += sk_dstats_memory(&s->d[i]);
	return n;
}

static int64_t *pend_slot(const struct sk_session *s, int64_t k)
{
	return &s->pending[(uint64_t)k % s->pcap];
}

/* Room for reflector seq k (settle_next <= k < settle_next + window): the ring grows to the
 * next power of two that holds [settle_next, k], at most the window. false: out of memory. */
static bool pend_room(struct sk_session *s, int64_t k)
{
	uint64_t need = (uint64_t)(k - s->settle_next) + 1u;
	if (need <= s->pcap)
		return true;
	uint64_t cap = s->pcap ? s->pcap : 4u;
	while (cap < need)
		cap *= 2u;
	if (cap > s->cfg.window)
		cap = s->cfg.window;
	int64_t *n = malloc(cap * sizeof *n);
	if (!n)
		return false;
	for (uint64_t i = 0; i < cap; i++)
		n[i] = -1;
	for (int64_t j = s->settle_next; s->npend && j < s->settle_next + s->pcap; j++)
		n[(uint64_t)j % cap] = *pend_slot(s, j);
	free(s->pending);
	s->pending = n;
	s->pcap = (uint32_t)cap;
	return true;
}

/* Settles reflector seqs [settle_next, upto]; only slots in the window can hold replies. */
static void settle(struct sk_session *s, int64_t upto)
{
	int64_t hi_pending = s->settle_next + s->pcap - 1;
	for (int64_t k = s->settle_next; s->npend && k <= upto && k <= hi_pending; k++) {
		int64_t *slot = pend_slot(s, k);
		if (*slot >= 0) {
			(void)sk_seqtrack_add(s->out, (uint32_t)*slot, NULL);
			s->npend--;
		}
		*slot = -1;
	}
	if (upto + 1 > s->settle_next)
		s->settle_next = upto + 1;
}

void sk_session_prefetch(const struct sk_session *s, int level)
{
	if (!s)
		return;
	/* With many sessions, each reply finds its session's objects out of cache: ask for all
	 * of them at once, so the loads overlap instead of following one another. Level 0 is
	 * the session itself; level 1 what it points to and its delay statistics; level 2 what
	 * those point to (each level needs the one before in cache to find its addresses). */
	if (level == 0) {
		for (size_t o = 0; o < offsetof(struct sk_session, d); o += 64)
			__builtin_prefetch((const char *)s + o);
		return;
	}
	if (level == 1) {
		__builtin_prefetch(s->rt);
		__builtin_prefetch(s->in);
		__builtin_prefetch(s->out);
		for (int d = 0; d < SK_DIR_COUNT; d++)
			for (size_t o = 0; o < sizeof s->d[d]; o += 64)
				__builtin_prefetch((const char *)&s->d[d] + o);
		return;
	}
	for (int d = 0; d < SK_DIR_COUNT; d++) {
		__builtin_prefetch(s->d[d].hist.b);
		__builtin_prefetch(s->d[d].ipdv_wait);
	}
}

enum sk_result sk_session_add(struct sk_session *s, const struct sk_reply *r,
			      struct sk_reply_info *info)
{
	if (!s || !r)
		return SK_E_ARG;
	sk_session_prefetch(s, 1);
	static const struct sk_reply_info zero; /* not memset: see sk_net_dissect */
	struct sk_reply_info ri = zero;
	if (r->reflector_seq != r->sender_seq)
		s->seen_mismatch = true;

	(void)sk_seqtrack_add(s->rt, r->sender_seq, &ri.sender);
	(void)sk_seqtrack_add(s->in, r->reflector_seq, &ri.reflector);

	/* A new reflector seq is one packet the reflector received: queue it in reflector order. */
	if ((ri.reflector.cls == SK_SEQ_IN_ORDER || ri.reflector.cls == SK_SEQ_REORDERED) &&
	    ri.sender.cls != SK_SEQ_BEFORE_START && ri.sender.cls != SK_SEQ_TOO_OLD) {
		int64_t k = ri.reflector.ext_seq;
		int64_t w = s->cfg.window;
		if (k - s->settle_next >= w)
			settle(s, k - w);
		if (k == s->settle_next && s->npend == 0) {
			/* No gap in front: settled at once, so live counts do not lag. */
			(void)sk_seqtrack_add(s->out, (uint32_t)ri.sender.ext_seq, NULL);
			s->settle_next++;
		} else if (k >= s->settle_next && pend_room(s, k)) {
			*pend_slot(s, k) = ri.sender.ext_seq;
			s->npend++;
			while (s->npend && *pend_slot(s, s->settle_next) >= 0)
				settle(s, s->settle_next);
		} else if (k >= s->settle_next) {
			/* No memory to wait: settled in arrival order. */
			(void)sk_seqtrack_add(s->out, (uint32_t)ri.sender.ext_seq, NULL);
		}
	}

	ri.delays_valid = sk_delays_compute(r->t1_ns, r->t2_ns, r->t3_ns, r->t4_ns,
					    &ri.delays) == SK_OK;
	bool first = ri.sender.cls == SK_SEQ_IN_ORDER || ri.sender.cls == SK_SEQ_REORDERED;
	if (first && !ri.delays_valid)
		s->bad_timestamps++;
	if (first && ri.delays_valid) {
		ri.counted = true;
		for (int d = 0; d < SK_DIR_COUNT; d++) { /* the buckets and waiting partners next */
			__builtin_prefetch(s->d[d].hist.b);
			__builtin_prefetch(s->d[d].ipdv_wait);
		}
		sk_dstats_add(&s->d[SK_DIR_OUTBOUND], r->sender_seq, ri.delays.outbound_ns);
		sk_dstats_add(&s->d[SK_DIR_INBOUND], r->sender_seq, ri.delays.inbound_ns);
		sk_dstats_add(&s->d[SK_DIR_RTT], r->sender_seq, ri.delays.rtt_ns);
		sk_dstats_add(&s->d[SK_DIR_RESIDENCE], r->sender_seq, ri.delays.residence_ns);
	}
	if (info)
		*info = ri;
	return SK_OK;
}

void sk_session_finish(struct sk_session *s)
{
	if (!s)
		return;
	struct sk_seq_counts in;
	sk_seqtrack_counts(s->in, &in);
	settle(s, in.highest);
}

static uint64_t sat_diff(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

/* The current numbering's part of the summary; rt: the round-trip counts (all numberings). */
static void epoch_part(const struct sk_session *s, const struct sk_seq_counts *rt,
		       struct epoch_part *e)
{
	struct sk_seq_counts in, ob;
	sk_seqtrack_counts(s->in, &in);
	sk_seqtrack_counts(s->out, &ob);
	uint64_t rt_received = sat_diff(rt->received, s->ep_rt_received);
	e->reflected = in.received;
	e->span = in.expected;
	/* Each distinct reflector seq carries one sender seq; more reflector seqs than sender
	 * seqs means the reflector received some sender packet twice. */
	e->outbound_dups = sat_diff(in.received, rt_received);
	e->inbound_dups = in.duplicates;
	e->inbound_reordered = in.reordered;
	e->inbound_max_extent = in.max_extent;
	e->outbound_reordered = ob.reordered;
	e->outbound_max_extent = ob.max_extent;
	/* Horizon: sender packets of this numbering up to the highest one answered. Inside it
	 * the reflector seqs split the loss; after it nothing tells the two directions apart. */
	uint64_t horizon = rt->highest >= s->ep_first ? (uint64_t)(rt->highest - s->ep_first) + 1 : 0;
	uint64_t reflector_got = sat_diff(in.expected, e->outbound_dups);
	e->outbound_lost = sat_diff(horizon, reflector_got);
	e->inbound_lost = sat_diff(in.expected, in.received);
}

static void epoch_add(struct epoch_part *to, const struct epoch_part *e)
{
	to->reflected += e->reflected;
	to->span += e->span;
	to->outbound_dups += e->outbound_dups;
	to->inbound_dups += e->inbound_dups;
	to->outbound_reordered += e->outbound_reordered;
	to->inbound_reordered += e->inbound_reordered;
	if (e->outbound_max_extent > to->outbound_max_extent)
		to->outbound_max_extent = e->outbound_max_extent;
	if (e->inbound_max_extent > to->inbound_max_extent)
		to->inbound_max_extent = e->inbound_max_extent;
	to->outbound_lost += e->outbound_lost;
	to->inbound_lost += e->inbound_lost;
}

enum sk_result sk_session_reflector_restart(struct sk_session *s, int64_t next_sender_seq)
{
	if (!s || next_sender_seq < s->ep_first)
		return SK_E_ARG;
	struct sk_seqtrack *in = NULL, *ob = NULL;
	enum sk_result rc = sk_seqtrack_create(&in, s->cfg.window, s->cfg.first_reflector_seq);
	if (rc == SK_OK)
		rc = sk_seqtrack_create(&ob, s->cfg.window, (uint32_t)next_sender_seq);
	if (rc != SK_OK) {
		sk_seqtrack_free(in);
		return rc;
	}
	sk_session_finish(s);
	struct sk_seq_counts rt;
	sk_seqtrack_counts(s->rt, &rt);
	struct epoch_part e;
	epoch_part(s, &rt, &e);
	epoch_add(&s->ep_done, &e);
	sk_seqtrack_free(s->in);
	sk_seqtrack_free(s->out);
	s->in = in;
	s->out = ob;
	for (uint32_t i = 0; i < s->pcap; i++)
		s->pending[i] = -1;
	s->npend = 0;
	s->settle_next = s->cfg.first_reflector_seq;
	s->ep_first = next_sender_seq;
	s->ep_rt_received = rt.received;
	return SK_OK;
}

void sk_session_summary(const struct sk_session *s, uint64_t sent, struct sk_session_summary *out)
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
	struct sk_seq_counts rt;
	sk_seqtrack_counts(s->rt, &rt);
	struct epoch_part e = s->ep_done;
	struct epoch_part cur;
	epoch_part(s, &rt, &cur);
	epoch_add(&e, &cur);

	out->received = rt.received;
	out->reflected = e.reflected;
	out->reflector_span = e.span;
	out->lost = sat_diff(sent, rt.received);
	out->duplicates = rt.duplicates;
	out->reordered = rt.reordered;
	out->max_extent = rt.max_extent;
	out->too_old = rt.too_old;
	out->before_start = rt.before_start;
	out->bad_timestamps = s->bad_timestamps;
	out->stateful = s->cfg.mode == SK_REFLECTOR_STATEFUL ||
			(s->cfg.mode == SK_REFLECTOR_AUTO && s->seen_mismatch);
	out->direction_unknown = !out->stateful;
	if (out->direction_unknown) {
		out->unknown_lost = out->lost;
		return;
	}
	out->outbound_duplicates = e.outbound_dups;
	out->inbound_duplicates = e.inbound_dups;
	out->inbound_reordered = e.inbound_reordered;
	out->inbound_max_extent = e.inbound_max_extent;
	out->outbound_reordered = e.outbound_reordered;
	out->outbound_max_extent = e.outbound_max_extent;
	/* Consistent input gives outbound + inbound + (sent - horizon) == lost exactly. Replies
	 * numbered beyond `sent`, or outbound reordering next to inbound loss, can break that;
	 * then the direct evidence (reflector-seq gaps) goes first and the split still adds up. */
	out->inbound_lost = e.inbound_lost < out->lost ? e.inbound_lost : out->lost;
	uint64_t rest = out->lost - out->inbound_lost;
	out->outbound_lost = e.outbound_lost < rest ? e.outbound_lost : rest;
	out->unknown_lost = rest - out->outbound_lost;
}

const struct sk_dstats *sk_session_dstats(const struct sk_session *s, enum sk_dir dir)
{
	if (!s || (unsigned)dir >= SK_DIR_COUNT)
		return NULL;
	return &s->d[dir];
}
