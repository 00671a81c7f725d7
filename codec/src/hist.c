/* SPDX-License-Identifier: BSD-3-Clause */
/* hist.c - the log-linear delay histogram (buckets allocated as values arrive) and the
 * per-direction delay statistics: RFC 3550 §6.4.1 jitter, RFC 3393 IPDV, RFC 5481 PDV. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stampkit/metrics.h"

/* ---------------------------------------------------------------- bucket arithmetic */

/* Storage kinds. Sparse: sorted (ordinal << 48 | count) words, for the few distinct buckets
 * of a short or steady series. Dense: one counter per ordinal in [lo, lo + n), 32 bits until
 * a counter would overflow, then 64. */
enum { H_EMPTY = 0, H_SPARSE, H_DENSE32, H_DENSE64 };

#define H_ORDS (2u * SK_HIST_BUCKETS) /* ordinals: negatives descending, then positives */
#define H_CNT_BITS 48
#define H_CNT_MASK ((UINT64_C(1) << H_CNT_BITS) - 1u)

static uint64_t magnitude(int64_t v)
{
	/* Unsigned negation: INT64_MIN has magnitude 2^63, which int64 cannot hold. */
	return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

static unsigned hist_index(uint64_t m)
{
	if (m < 2u * SK_HIST_SUB)
		return (unsigned)m;
	unsigned e = 63u - (unsigned)__builtin_clzll(m); /* >= SK_HIST_SUB_BITS + 1 */
	unsigned shift = e - SK_HIST_SUB_BITS;
	unsigned mant = (unsigned)(m >> shift); /* in [SUB, 2 * SUB) */
	return (shift + 1u) * SK_HIST_SUB + (mant - SK_HIST_SUB);
}

/* One ordinal for both signs, ascending with the value, so one walk gives the ranks. */
static unsigned ord_of(int64_t v)
{
	if (v < 0)
		return SK_HIST_BUCKETS - 1u - hist_index(magnitude(v));
	return SK_HIST_BUCKETS + hist_index((uint64_t)v);
}

/* Midpoint of a bucket: at most half a bucket width (<= low / (2 * SUB)) from any member. */
static uint64_t hist_mid(unsigned idx)
{
	if (idx < 2u * SK_HIST_SUB)
		return idx;
	unsigned shift = idx / SK_HIST_SUB - 1u;
	uint64_t mant = SK_HIST_SUB + idx % SK_HIST_SUB;
	uint64_t low = mant << shift;
	return low + (((uint64_t)1 << shift) >> 1);
}

static int64_t ord_value(unsigned ord)
{
	if (ord < SK_HIST_BUCKETS) {
		uint64_t m = hist_mid(SK_HIST_BUCKETS - 1u - ord);
		return m >= (uint64_t)1 << 63 ? INT64_MIN : -(int64_t)m;
	}
	uint64_t m = hist_mid(ord - SK_HIST_BUCKETS);
	return m > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)m;
}

/* ---------------------------------------------------------------- storage */

void sk_hist_init(struct sk_hist *h)
{
	if (!h)
		return;
	memset(h, 0, sizeof *h);
}

void sk_hist_free(struct sk_hist *h)
{
	if (!h)
		return;
	free(h->b);
	sk_hist_init(h);
}

size_t sk_hist_memory(const struct sk_hist *h)
{
	if (!h || !h->b)
		return 0;
	if (h->kind == H_SPARSE)
		return (size_t)h->cap * sizeof(uint64_t);
	return (size_t)h->n * (h->kind == H_DENSE64 ? sizeof(uint64_t) : sizeof(uint32_t));
}

static uint64_t dense_get(const struct sk_hist *h, uint32_t i)
{
	return h->kind == H_DENSE64 ? ((const uint64_t *)h->b)[i] : ((const uint32_t *)h->b)[i];
}

/* Dense storage covering [lo, lo + n) (within [0, H_ORDS)), counters of the given width;
 * the old contents are carried over. -1 when out of memory (nothing changed). */
static int dense_resize(struct sk_hist *h, uint32_t lo, uint32_t n, int kind)
{
	size_t w = kind == H_DENSE64 ? sizeof(uint64_t) : sizeof(uint32_t);
	void *b = calloc(n, w);
	if (!b)
		return -1;
	if (h->kind == H_SPARSE) {
		const uint64_t *e = h->b;
		for (uint32_t k = 0; k < h->n; k++) {
			uint32_t i = (uint32_t)(e[k] >> H_CNT_BITS) - lo;
			if (kind == H_DENSE64)
				((uint64_t *)b)[i] = e[k] & H_CNT_MASK;
			else
				((uint32_t *)b)[i] = (uint32_t)(e[k] & H_CNT_MASK);
		}
	} else if (h->kind != H_EMPTY) {
		for (uint32_t k = 0; k < h->n; k++) {
			uint32_t i = h->lo + k - lo;
			if (kind == H_DENSE64)
				((uint64_t *)b)[i] = dense_get(h, k);
			else
				((uint32_t *)b)[i] = (uint32_t)dense_get(h, k);
		}
	}
	free(h->b);
	h->b = b;
	h->lo = lo;
	h->n = n;
	h->kind = (uint8_t)kind;
	return 0;
}

/* Dense range [lo, hi] grown to hold ord, with room on the side it grew so that a drifting
 * series does not reallocate at every new bucket. */
static int dense_cover(struct sk_hist *h, uint32_t ord, uint32_t lo, uint32_t hi, int kind)
{
	if (ord < lo)
		lo = ord;
	if (ord > hi)
		hi = ord;
	uint32_t span = hi - lo + 1u, pad = span / 2u + SK_HIST_SUB / 2u;
	uint32_t nlo = lo > pad ? lo - pad : 0;
	uint32_t nhi = hi + pad < H_ORDS ? hi + pad : H_ORDS - 1u;
	if (h->kind >= H_DENSE32) { /* grow only towards ord */
		if (ord >= h->lo)
			nlo = h->lo;
		if (ord < h->lo + h->n)
			nhi = h->lo + h->n - 1u;
	}
	return dense_resize(h, nlo, nhi - nlo + 1u, kind);
}

/* The sparse list holds ord? Index of the first entry >= ord in *at. */
static bool sparse_find(const struct sk_hist *h, uint32_t ord, uint32_t *at)
{
	const uint64_t *e = h->b;
	uint32_t k = 0;
	while (k < h->n && (uint32_t)(e[k] >> H_CNT_BITS) < ord)
		k++;
	*at = k;
	return k < h->n && (uint32_t)(e[k] >> H_CNT_BITS) == ord;
}

/* Adds cnt samples to bucket ord. -1 when out of memory (nothing counted). */
static int bucket_add(struct sk_hist *h, uint32_t ord, uint64_t cnt)
{
	if (h->kind >= H_DENSE32 && ord - h->lo < h->n) {
		if (h->kind == H_DENSE64) {
			((uint64_t *)h->b)[ord - h->lo] += cnt;
			return 0;
		}
		uint32_t *c = &((uint32_t *)h->b)[ord - h->lo];
		if (cnt <= UINT32_MAX - *c) {
			*c += (uint32_t)cnt;
			return 0;
		}
		if (dense_resize(h, h->lo, h->n, H_DENSE64) != 0)
			return -1;
		return bucket_add(h, ord, cnt);
	}
	if (h->kind >= H_DENSE32) {
		if (dense_cover(h, ord, h->lo, h->lo + h->n - 1u, h->kind) != 0)
			return -1;
		return bucket_add(h, ord, cnt);
	}
	uint32_t at = 0;
	if (h->kind == H_SPARSE && sparse_find(h, ord, &at)) {
		uint64_t *e = &((uint64_t *)h->b)[at];
		if (cnt <= H_CNT_MASK - (*e & H_CNT_MASK)) {
			*e += cnt;
			return 0;
		}
	} else if (h->n < SK_HIST_SPARSE_MAX && cnt <= H_CNT_MASK) {
		if (h->n == h->cap) {
			uint32_t cap = h->cap ? h->cap * 2u : 4u;
			uint64_t *b = realloc(h->b, cap * sizeof *b);
			if (!b)
				return -1;
			h->b = b;
			h->cap = cap;
			h->kind = H_SPARSE;
		}
		uint64_t *e = h->b;
		memmove(e + at + 1, e + at, (h->n - at) * sizeof *e);
		e[at] = (uint64_t)ord << H_CNT_BITS | cnt;
		h->n++;
		return 0;
	}
	/* Too many distinct buckets, or a counter beyond 48 bits: dense from here on, with
	 * 64-bit counters when a count already needs them. */
	const uint64_t *e = h->b;
	uint32_t lo = ord, hi = ord;
	uint64_t big = cnt;
	for (uint32_t k = 0; k < h->n; k++) {
		uint32_t o = (uint32_t)(e[k] >> H_CNT_BITS);
		lo = o < lo ? o : lo;
		hi = o > hi ? o : hi;
		big = (e[k] & H_CNT_MASK) > big ? (e[k] & H_CNT_MASK) : big;
	}
	if (dense_cover(h, ord, lo, hi, big > UINT32_MAX / 2 ? H_DENSE64 : H_DENSE32) != 0)
		return -1;
	return bucket_add(h, ord, cnt);
}

void sk_hist_add(struct sk_hist *h, int64_t v)
{
	if (!h)
		return;
	if (h->total == 0 || v < h->min)
		h->min = v;
	if (h->total == 0 || v > h->max)
		h->max = v;
	h->total++;
	if (bucket_add(h, ord_of(v), 1) != 0)
		h->unstored++;
}

enum sk_result sk_hist_merge(struct sk_hist *dst, const struct sk_hist *src)
{
	if (!dst || !src || dst == src)
		return SK_E_ARG;
	enum sk_result rc = SK_OK;
	if (src->kind == H_SPARSE) {
		const uint64_t *e = src->b;
		for (uint32_t k = 0; k < src->n; k++)
			if (bucket_add(dst, (uint32_t)(e[k] >> H_CNT_BITS), e[k] & H_CNT_MASK) != 0) {
				dst->unstored += e[k] & H_CNT_MASK;
				rc = SK_E_NOSPACE;
			}
	} else if (src->kind != H_EMPTY) {
		for (uint32_t k = 0; k < src->n; k++) {
			uint64_t c = dense_get(src, k);
			if (c && bucket_add(dst, src->lo + k, c) != 0) {
				dst->unstored += c;
				rc = SK_E_NOSPACE;
			}
		}
	}
	if (src->total == 0)
		return rc;
	if (dst->total == 0 || src->min < dst->min)
		dst->min = src->min;
	if (dst->total == 0 || src->max > dst->max)
		dst->max = src->max;
	dst->total += src->total;
	dst->unstored += src->unstored;
	return rc;
}

enum sk_result sk_hist_quantile(const struct sk_hist *h, double q, int64_t *out)
{
	if (!h || !out || !(q >= 0.0 && q <= 100.0))
		return SK_E_ARG;
	if (h->total == 0)
		return SK_E_STATE;
	/* Ranks among the samples held in buckets; min and max are exact over all of them. */
	uint64_t n = h->total - h->unstored;
	/* q * n first: exact for integer percentages, so 90 % of 10 samples is rank 9, not 10. */
	double r = ceil(q * (double)n / 100.0);
	uint64_t rank = r < 1.0 ? 1 : (r >= (double)n ? n : (uint64_t)r);
	if (rank <= 1 || n == 0) {
		*out = h->min;
		return SK_OK;
	}
	if (rank == n) {
		*out = h->max;
		return SK_OK;
	}
	uint64_t cum = 0;
	int64_t v = h->max;
	if (h->kind == H_SPARSE) {
		const uint64_t *e = h->b;
		for (uint32_t k = 0; k < h->n; k++) {
			cum += e[k] & H_CNT_MASK;
			if (cum >= rank) {
				v = ord_value((uint32_t)(e[k] >> H_CNT_BITS));
				break;
			}
		}
	} else if (h->kind != H_EMPTY) {
		for (uint32_t k = 0; k < h->n; k++) {
			uint64_t c = dense_get(h, k);
			cum += c;
			if (c && cum >= rank) {
				v = ord_value(h->lo + k);
				break;
			}
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

static bool sub_ok(int64_t a, int64_t b, int64_t *r)
{
	return !__builtin_sub_overflow(a, b, r);
}

static void sum_add(struct sk_sum128 *s, int64_t v)
{
	uint64_t lo = s->lo + (uint64_t)v;
	/* Sign-extend v to 128 bits: high word is -1 for negatives; carry from the low word. */
	s->hi += (v < 0 ? -1 : 0) + (lo < s->lo ? 1 : 0);
	s->lo = lo;
}

static void sum_add_u(struct sk_sum128 *s, uint64_t v)
{
	uint64_t lo = s->lo + v;
	s->hi += lo < s->lo ? 1 : 0;
	s->lo = lo;
}

static double sum_mean(const struct sk_sum128 *s, uint64_t n)
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

void sk_dstats_init(struct sk_dstats *s)
{
	if (!s)
		return;
	memset(s, 0, sizeof *s);
	sk_hist_init(&s->hist);
}

void sk_dstats_free(struct sk_dstats *s)
{
	if (!s)
		return;
	sk_hist_free(&s->hist);
	free(s->ipdv_wait);
	sk_dstats_init(s);
}

size_t sk_dstats_memory(const struct sk_dstats *s)
{
	if (!s)
		return 0;
	return sk_hist_memory(&s->hist) + (size_t)s->ipdv_cap * sizeof *s->ipdv_wait;
}

static void ipdv_pair(struct sk_dstats *s, int64_t earlier_seq_ns, int64_t later_seq_ns)
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

/* IPDV pairs (s-1, s) and (s, s+1): whichever of the two arrives second closes the pair, so
 * each pair is counted once whatever the arrival order. The packets that still wait for a
 * neighbour are kept (at most one per residue modulo SK_IPDV_WINDOW: a later number of the
 * same residue takes its place, so a neighbour arriving SK_IPDV_WINDOW numbers late is not
 * paired); a packet whose two pairs are closed is dropped, since numbers arrive once. An
 * in-order series keeps two entries; each loss or reordering keeps a few more for a while. */
static void ipdv_add(struct sk_dstats *s, uint32_t seq, int64_t delay_ns)
{
	uint32_t prev = seq - 1u, next = seq + 1u, res = seq % SK_IPDV_WINDOW;
	uint32_t done = 0, j = 0;
	for (uint32_t i = 0; i < s->ipdv_n; i++) {
		struct sk_ipdv_wait e = s->ipdv_wait[i];
		if (e.seq == prev) {
			ipdv_pair(s, e.ns, delay_ns);
			done |= 1u;
			e.done |= 2u;
		} else if (e.seq == next) {
			ipdv_pair(s, delay_ns, e.ns);
			done |= 2u;
			e.done |= 1u;
		}
		if (e.done == 3u || e.seq % SK_IPDV_WINDOW == res)
			continue;
		s->ipdv_wait[j++] = e;
	}
	s->ipdv_n = j;
	if (done == 3u)
		return;
	if (s->ipdv_n == s->ipdv_cap) {
		uint32_t cap = s->ipdv_cap ? s->ipdv_cap * 2u : 4u;
		struct sk_ipdv_wait *w = realloc(s->ipdv_wait, cap * sizeof *w);
		if (!w)
			return; /* out of memory: this packet's later pair is not counted */
		s->ipdv_wait = w;
		s->ipdv_cap = cap;
	}
	s->ipdv_wait[s->ipdv_n++] = (struct sk_ipdv_wait){ seq, done, delay_ns };
}

void sk_dstats_add(struct sk_dstats *s, uint32_t seq, int64_t delay_ns)
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
	sk_hist_add(&s->hist, delay_ns);

	/* RFC 3550: D = (R_i - R_{i-1}) - (S_i - S_{i-1}) = delay_i - delay_{i-1}; doubles so
	 * that absurd delays cannot overflow. */
	if (s->have_prev) {
		double d = fabs((double)delay_ns - (double)s->prev_ns);
		s->jitter_ns += (d - s->jitter_ns) / 16.0;
	}
	s->have_prev = true;
	s->prev_ns = delay_ns;
	ipdv_add(s, seq, delay_ns);
}

enum sk_result sk_dstats_quantile(const struct sk_dstats *s, double q, int64_t *out)
{
	if (!s)
		return SK_E_ARG;
	return sk_hist_quantile(&s->hist, q, out);
}

enum sk_result sk_dstats_pdv(const struct sk_dstats *s, double q, int64_t *out)
{
	int64_t v;
	enum sk_result rc = sk_dstats_quantile(s, q, &v);
	if (rc != SK_OK)
		return rc;
	if (!sub_ok(v, s->min, out))
		*out = INT64_MAX; /* v >= min, so only the positive side can overflow */
	return SK_OK;
}

void sk_dstats_summarize(const struct sk_dstats *s, struct sk_dstats_summary *out)
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
	(void)sk_dstats_quantile(s, 50.0, &out->p50);
	(void)sk_dstats_quantile(s, 90.0, &out->p90);
	(void)sk_dstats_quantile(s, 99.0, &out->p99);
	(void)sk_dstats_pdv(s, 50.0, &out->pdv_p50);
	(void)sk_dstats_pdv(s, 90.0, &out->pdv_p90);
	(void)sk_dstats_pdv(s, 99.0, &out->pdv_p99);
	(void)sk_dstats_pdv(s, 100.0, &out->pdv_max);
}
