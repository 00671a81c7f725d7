/* SPDX-License-Identifier: BSD-3-Clause */
/* test_metrics.c - delays, jitter, IPDV/PDV, percentiles, loss, duplicates, reordering, session. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <math.h>
#include <cmocka.h>

#include "stampkit/metrics.h"

#define MS 1000000LL
#define BASE 1800000000000000000LL /* 2027-01-15, Unix ns */

/* ---------------------------------------------------------------- delays */

static void delays_four_timestamps(void **state)
{
	(void)state;
	struct sk_delays d;
	/* T1 = 0, T2 = 3 ms, T3 = 3.5 ms, T4 = 7.5 ms (after BASE). */
	assert_int_equal(sk_delays_compute(BASE, BASE + 3 * MS, BASE + 3 * MS + MS / 2,
					   BASE + 7 * MS + MS / 2, &d), SK_OK);
	assert_int_equal(d.outbound_ns, 3 * MS);
	assert_int_equal(d.inbound_ns, 4 * MS);
	assert_int_equal(d.residence_ns, MS / 2);
	assert_int_equal(d.rtt_ns, 7 * MS); /* 7.5 - 0.5 */
	/* Reflector clock 5 ms behind: outbound negative, kept; RTT unchanged. */
	assert_int_equal(sk_delays_compute(BASE, BASE - 2 * MS, BASE - 2 * MS + MS / 2,
					   BASE + 7 * MS + MS / 2, &d), SK_OK);
	assert_int_equal(d.outbound_ns, -2 * MS);
	assert_int_equal(d.inbound_ns, 9 * MS);
	assert_int_equal(d.rtt_ns, 7 * MS);
	/* Garbage that overflows int64 is refused, not wrapped. */
	assert_int_equal(sk_delays_compute(INT64_MIN, INT64_MAX, 0, 0, &d), SK_E_INVALID);
	assert_int_equal(d.outbound_ns, 0);
	assert_int_equal(sk_delays_compute(0, 0, 0, 0, NULL), SK_E_ARG);
}

/* ---------------------------------------------------------------- jitter, IPDV, PDV */

/* Delays 100, 110, 105, 125, 125 ns in arrival order; |D| = 10, 5, 20, 0.
 *   J1 = 0 + (10 - 0)/16                       = 0.625
 *   J2 = 0.625 + (5 - 0.625)/16                = 0.8984375
 *   J3 = 0.8984375 + (20 - 0.8984375)/16       = 2.09228515625
 *   J4 = 2.09228515625 + (0 - 2.09228515625)/16 = 1.961517333984375
 * All dyadic, so the double result is exact. */
static const int64_t series[5] = { 100, 110, 105, 125, 125 };

static void jitter_hand_computed(void **state)
{
	(void)state;
	struct sk_dstats *s = malloc(sizeof *s);
	assert_non_null(s);
	sk_dstats_init(s);
	for (uint32_t i = 0; i < 5; i++) {
		sk_dstats_add(s, i, series[i]);
		if (i == 0)
			assert_true(s->jitter_ns == 0.0);
		if (i == 1)
			assert_true(s->jitter_ns == 0.625);
		if (i == 2)
			assert_true(s->jitter_ns == 0.8984375);
	}
	assert_true(s->jitter_ns == 1.961517333984375);
	struct sk_dstats_summary sum;
	sk_dstats_summarize(s, &sum);
	assert_int_equal(sum.count, 5);
	assert_int_equal(sum.min, 100);
	assert_int_equal(sum.max, 125);
	assert_true(sum.mean == 113.0); /* 565 / 5 */
	/* IPDV of consecutive seqs: +10, -5, +20, 0. */
	assert_int_equal(sum.ipdv_count, 4);
	assert_int_equal(sum.ipdv_min, -5);
	assert_int_equal(sum.ipdv_max, 20);
	assert_true(sum.ipdv_mean == 6.25);     /* 25 / 4 */
	assert_true(sum.ipdv_abs_mean == 8.75); /* 35 / 4 */
	/* Values below 128 are exact in the histogram. Sorted: 100 105 110 125 125.
	 * p50: rank ceil(2.5) = 3 -> 110; p90: rank ceil(4.5) = 5 -> 125. */
	assert_int_equal(sum.p50, 110);
	assert_int_equal(sum.p90, 125);
	assert_int_equal(sum.pdv_p50, 10);
	assert_int_equal(sum.pdv_max, 25);
	sk_dstats_free(s);
	free(s);
}

static void jitter_depends_on_arrival_order(void **state)
{
	(void)state;
	/* Same delays, arrival order seq 0,2,1,4,3: delays 100,105,110,125,125; |D| = 5,5,15,0.
	 *   J = 0.3125 -> 0.60546875 -> 1.505126953125 -> 1.41105651855468750
	 * IPDV pairs by sequence are the same as in order. */
	struct sk_dstats *s = malloc(sizeof *s);
	assert_non_null(s);
	sk_dstats_init(s);
	const uint32_t order[5] = { 0, 2, 1, 4, 3 };
	for (int i = 0; i < 5; i++)
		sk_dstats_add(s, order[i], series[order[i]]);
	assert_true(s->jitter_ns == 1.4110565185546875);
	struct sk_dstats_summary sum;
	sk_dstats_summarize(s, &sum);
	assert_int_equal(sum.ipdv_count, 4);
	assert_int_equal(sum.ipdv_min, -5);
	assert_int_equal(sum.ipdv_max, 20);
	assert_true(sum.ipdv_mean == 6.25);
	assert_true(sum.ipdv_abs_mean == 8.75);
	sk_dstats_free(s);
	free(s);
}

static void ipdv_gap_and_wrap(void **state)
{
	(void)state;
	struct sk_dstats *s = malloc(sizeof *s);
	assert_non_null(s);
	sk_dstats_init(s);
	/* Seq 0xfffffffe, 0xffffffff, 0, (1 lost), 2: pairs across the wrap count, the gap not. */
	sk_dstats_add(s, 0xfffffffeu, 50);
	sk_dstats_add(s, 0xffffffffu, 80);
	sk_dstats_add(s, 0, 60);
	sk_dstats_add(s, 2, 200);
	assert_int_equal(s->ipdv_count, 2); /* +30, -20 */
	assert_int_equal(s->ipdv_min, -20);
	assert_int_equal(s->ipdv_max, 30);
	sk_dstats_free(s);
	free(s);
}

static void negative_delays_kept(void **state)
{
	(void)state;
	struct sk_dstats *s = malloc(sizeof *s);
	assert_non_null(s);
	sk_dstats_init(s);
	const int64_t v[4] = { -800000, -750000, 200, -810000 };
	for (uint32_t i = 0; i < 4; i++)
		sk_dstats_add(s, i, v[i]);
	struct sk_dstats_summary sum;
	sk_dstats_summarize(s, &sum);
	assert_int_equal(sum.negative, 3);
	assert_int_equal(sum.min, -810000);
	assert_int_equal(sum.max, 200);
	assert_true(sum.mean == -589950.0); /* -2359800 / 4 */
	sk_dstats_free(s);
	free(s);
}

/* ---------------------------------------------------------------- histogram */

static void hist_bucket_midpoint(void **state)
{
	(void)state;
	struct sk_hist *h = malloc(sizeof *h);
	assert_non_null(h);
	sk_hist_init(h);
	int64_t q;
	assert_int_equal(sk_hist_quantile(h, 50, &q), SK_E_STATE);
	/* 1000 = 0b1111101000: top bit 9, shift 3, bucket [1000, 1008), midpoint 1004. */
	sk_hist_add(h, 1000);
	sk_hist_add(h, 1000);
	sk_hist_add(h, 1000);
	sk_hist_add(h, 5000);
	assert_int_equal(sk_hist_quantile(h, 50, &q), SK_OK);
	assert_int_equal(q, 1004);
	assert_int_equal(sk_hist_quantile(h, 0, &q), SK_OK);
	assert_int_equal(q, 1000);
	assert_int_equal(sk_hist_quantile(h, 100, &q), SK_OK);
	assert_int_equal(q, 5000);
	/* Negatives mirror: -1000 three times -> -1004; ascending order puts them first. */
	sk_hist_free(h);
	sk_hist_add(h, -1000);
	sk_hist_add(h, -1000);
	sk_hist_add(h, -1000);
	sk_hist_add(h, -5000);
	assert_int_equal(sk_hist_quantile(h, 75, &q), SK_OK); /* rank 3 */
	assert_int_equal(q, -1004);
	assert_int_equal(sk_hist_quantile(h, 25, &q), SK_OK); /* rank 1: exact min */
	assert_int_equal(q, -5000);
	assert_int_equal(sk_hist_quantile(h, -1, &q), SK_E_ARG);
	assert_int_equal(sk_hist_quantile(h, 100.5, &q), SK_E_ARG);
	assert_int_equal(sk_hist_quantile(h, NAN, &q), SK_E_ARG);
	/* Extremes of int64 do not overflow. */
	sk_hist_free(h);
	sk_hist_add(h, INT64_MIN);
	sk_hist_add(h, INT64_MIN);
	sk_hist_add(h, INT64_MAX);
	sk_hist_add(h, INT64_MAX);
	assert_int_equal(sk_hist_quantile(h, 50, &q), SK_OK);
	assert_true(q == INT64_MIN);
	assert_int_equal(sk_hist_quantile(h, 75, &q), SK_OK);
	assert_true(q <= INT64_MAX && q >= INT64_MAX - INT64_MAX / 128);
	sk_hist_free(h);
	free(h);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static uint64_t lcg(uint64_t *st)
{
	*st = *st * 6364136223846793005ULL + 1442695040888963407ULL;
	return *st >> 11;
}

static void hist_error_bound_random(void **state)
{
	(void)state;
	enum { N = 20000 };
	int64_t *v = malloc(N * sizeof *v);
	struct sk_hist *h = malloc(sizeof *h);
	assert_non_null(v);
	assert_non_null(h);
	sk_hist_init(h);
	uint64_t st = 42;
	for (int i = 0; i < N; i++) {
		/* Log-uniform magnitudes from 1 ns to ~2^50 ns, a quarter negative. */
		int sh = (int)(lcg(&st) % 50);
		int64_t m = (int64_t)(lcg(&st) & ((1ULL << sh) - 1)) + (1LL << sh);
		v[i] = (lcg(&st) % 4 == 0) ? -m : m;
		sk_hist_add(h, v[i]);
	}
	qsort(v, N, sizeof *v, cmp_i64);
	const double qs[] = { 0, 0.1, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 100 };
	for (size_t k = 0; k < sizeof qs / sizeof qs[0]; k++) {
		int64_t got;
		assert_int_equal(sk_hist_quantile(h, qs[k], &got), SK_OK);
		double r = ceil(qs[k] * N / 100.0);
		size_t rank = r < 1 ? 1 : (size_t)r;
		int64_t want = v[rank - 1];
		double err = fabs((double)got - (double)want);
		assert_true(err <= fabs((double)want) * SK_HIST_REL_ERROR + 0.5);
	}
	sk_hist_free(h);
	free(h);
	free(v);
}

static void percentiles_within_error(void **state)
{
	(void)state;
	struct sk_dstats *s = malloc(sizeof *s);
	assert_non_null(s);
	sk_dstats_init(s);
	/* 1000 delays i * 1000 + 7 ns; nearest rank p50 = 500007, p90 = 900007, p99 = 990007. */
	for (uint32_t i = 1; i <= 1000; i++)
		sk_dstats_add(s, i, (int64_t)i * 1000 + 7);
	struct sk_dstats_summary sum;
	sk_dstats_summarize(s, &sum);
	assert_true(llabs(sum.p50 - 500007) <= 500007 / 128);
	assert_true(llabs(sum.p90 - 900007) <= 900007 / 128);
	assert_true(llabs(sum.p99 - 990007) <= 990007 / 128);
	assert_true(sum.p50 != 500007 || sum.p90 != 900007); /* really from the buckets */
	int64_t q;
	assert_int_equal(sk_dstats_quantile(s, 33.3, &q), SK_OK); /* rank 333 */
	assert_true(llabs(q - 333007) <= 333007 / 128);
	assert_int_equal(sum.pdv_max, 999000);
	assert_int_equal(sum.pdv_p50, sum.p50 - 1007);
	sk_dstats_free(s);
	free(s);
}

/* ---------------------------------------------------------------- sequence tracker */

static struct sk_seqtrack *tracker(uint32_t window, uint32_t first)
{
	struct sk_seqtrack *t = NULL;
	assert_int_equal(sk_seqtrack_create(&t, window, first), SK_OK);
	assert_non_null(t);
	return t;
}

static void reorder_rfc4737_examples(void **state)
{
	(void)state;
	struct sk_seqtrack *t = tracker(64, 1);
	struct sk_seq_event ev;
	struct sk_seq_counts c;
	/* Arrival 1,2,4,5,3: 3 is reordered; earliest larger is 4 at index 2, 3 at 4: extent 2. */
	const uint32_t a[] = { 1, 2, 4, 5 };
	for (int i = 0; i < 4; i++)
		assert_int_equal(sk_seqtrack_add(t, a[i], NULL), SK_SEQ_IN_ORDER);
	assert_int_equal(sk_seqtrack_add(t, 3, &ev), SK_SEQ_REORDERED);
	assert_int_equal(ev.extent, 2);
	assert_false(ev.extent_lower_bound);
	sk_seqtrack_counts(t, &c);
	assert_int_equal(c.received, 5);
	assert_int_equal(c.reordered, 1);
	assert_int_equal(c.max_extent, 2);

	/* Arrival 1,4,3,2,5: 3 reordered extent 1 (after 4), 2 reordered extent 2. */
	sk_seqtrack_reset(t, 1);
	assert_int_equal(sk_seqtrack_add(t, 1, NULL), SK_SEQ_IN_ORDER);
	assert_int_equal(sk_seqtrack_add(t, 4, NULL), SK_SEQ_IN_ORDER);
	assert_int_equal(sk_seqtrack_add(t, 3, &ev), SK_SEQ_REORDERED);
	assert_int_equal(ev.extent, 1);
	assert_int_equal(sk_seqtrack_add(t, 2, &ev), SK_SEQ_REORDERED);
	assert_int_equal(ev.extent, 2);
	assert_int_equal(sk_seqtrack_add(t, 5, NULL), SK_SEQ_IN_ORDER);
	sk_seqtrack_counts(t, &c);
	assert_int_equal(c.reordered, 2);
	assert_int_equal(c.max_extent, 2);
	assert_int_equal(sk_seqtrack_lost(t, 5), 0);

	/* With loss: 1,2,5,6,7,3 (4 lost): 3 waits behind 5,6,7: extent 3; 4 is lost. */
	sk_seqtrack_reset(t, 1);
	const uint32_t b[] = { 1, 2, 5, 6, 7 };
	for (int i = 0; i < 5; i++)
		sk_seqtrack_add(t, b[i], NULL);
	assert_int_equal(sk_seqtrack_add(t, 3, &ev), SK_SEQ_REORDERED);
	assert_int_equal(ev.extent, 3);
	sk_seqtrack_counts(t, &c);
	assert_int_equal(c.expected, 7);
	assert_int_equal(c.received, 6);
	assert_int_equal(sk_seqtrack_lost(t, 7), 1);
	assert_int_equal(sk_seqtrack_lost(t, 5), 0); /* never negative */
	sk_seqtrack_free(t);

	/* Window 4 remembers 4 arrivals: 11, 8, 9, 12, 13, 10. The earliest larger than 10 is
	 * 11, five arrivals back, already out of the ring (which holds 8 9 12 13): the extent is
	 * reported as the smallest it can be, 5 (one before the oldest kept), flagged as a lower
	 * bound; searching the ring alone would wrongly say 2 (from 12). */
	t = tracker(4, 8);
	const uint32_t c4[] = { 11, 8, 9, 12, 13 };
	for (int i = 0; i < 5; i++)
		assert_int_not_equal(sk_seqtrack_add(t, c4[i], NULL), SK_SEQ_TOO_OLD);
	assert_int_equal(sk_seqtrack_add(t, 10, &ev), SK_SEQ_REORDERED);
	assert_int_equal(ev.extent, 5);
	assert_true(ev.extent_lower_bound);
	sk_seqtrack_counts(t, &c);
	assert_int_equal(c.extent_lower_bounds, 1);
	assert_int_equal(c.reordered, 3);
	sk_seqtrack_free(t);
}

static void duplicates_first_arrival_wins(void **state)
{
	(void)state;
	struct sk_seqtrack *t = tracker(16, 0);
	struct sk_seq_counts c;
	/* 0,1,1,2,0: the second 1 and the late 0 are duplicates, not reordered. */
	assert_int_equal(sk_seqtrack_add(t, 0, NULL), SK_SEQ_IN_ORDER);
	assert_int_equal(sk_seqtrack_add(t, 1, NULL), SK_SEQ_IN_ORDER);
	assert_int_equal(sk_seqtrack_add(t, 1, NULL), SK_SEQ_DUPLICATE);
	assert_int_equal(sk_seqtrack_add(t, 2, NULL), SK_SEQ_IN_ORDER);
	assert_int_equal(sk_seqtrack_add(t, 0, NULL), SK_SEQ_DUPLICATE);
	sk_seqtrack_counts(t, &c);
	assert_int_equal(c.received, 3);
	assert_int_equal(c.duplicates, 2);
	assert_int_equal(c.reordered, 0);
	/* Window 16: after 40, seq 24 is too old (cannot tell late from duplicate), 25 is seen
	 * as unseen-and-late -> reordered, a slot reused from seq 9 does not leak "seen". */
	assert_int_equal(sk_seqtrack_add(t, 40, NULL), SK_SEQ_IN_ORDER);
	assert_int_equal(sk_seqtrack_add(t, 24, NULL), SK_SEQ_TOO_OLD);
	assert_int_equal(sk_seqtrack_add(t, 25, NULL), SK_SEQ_REORDERED);
	assert_int_equal(sk_seqtrack_add(t, 25, NULL), SK_SEQ_DUPLICATE);
	assert_int_equal(sk_seqtrack_add(t, 32, NULL), SK_SEQ_REORDERED); /* slot of 0 and 16 */
	sk_seqtrack_counts(t, &c);
	assert_int_equal(c.too_old, 1);
	assert_int_equal(c.received, 6);
	assert_int_equal(c.duplicates, 3);
	sk_seqtrack_free(t);
}

static void sequence_wrap(void **state)
{
	(void)state;
	struct sk_seqtrack *t = tracker(32, 0xfffffffeu);
	struct sk_seq_event ev;
	struct sk_seq_counts c;
	assert_int_equal(sk_seqtrack_add(t, 0xfffffffdu, NULL), SK_SEQ_BEFORE_START);
	assert_int_equal(sk_seqtrack_add(t, 0xfffffffeu, NULL), SK_SEQ_IN_ORDER);
	assert_int_equal(sk_seqtrack_add(t, 0xffffffffu, NULL), SK_SEQ_IN_ORDER);
	assert_int_equal(sk_seqtrack_add(t, 1, &ev), SK_SEQ_IN_ORDER);
	assert_int_equal(ev.ext_seq, 0x100000001LL);
	assert_int_equal(sk_seqtrack_add(t, 0, &ev), SK_SEQ_REORDERED);
	assert_int_equal(ev.extent, 1);
	assert_int_equal(sk_seqtrack_add(t, 2, NULL), SK_SEQ_IN_ORDER);
	assert_int_equal(sk_seqtrack_add(t, 0, NULL), SK_SEQ_DUPLICATE);
	assert_int_equal(sk_seqtrack_add(t, 0xffffffffu, NULL), SK_SEQ_DUPLICATE);
	sk_seqtrack_counts(t, &c);
	assert_int_equal(c.received, 5);
	assert_int_equal(c.expected, 5);
	assert_int_equal(c.duplicates, 2);
	assert_int_equal(c.reordered, 1);
	assert_int_equal(c.before_start, 1);
	sk_seqtrack_free(t);
}

static void creation_failures(void **state)
{
	(void)state;
	struct sk_seqtrack *t = (struct sk_seqtrack *)(uintptr_t)1;
	assert_int_equal(sk_seqtrack_create(&t, 0, 0), SK_E_ARG);
	assert_null(t);
	t = (struct sk_seqtrack *)(uintptr_t)1;
	assert_int_equal(sk_seqtrack_create(&t, SK_SEQ_WINDOW_MAX + 1u, 0), SK_E_NOSPACE);
	assert_null(t);
	assert_int_equal(sk_seqtrack_create(&t, UINT32_MAX, 0), SK_E_NOSPACE);
	assert_null(t);
	assert_int_equal(sk_seqtrack_create(NULL, 8, 0), SK_E_ARG);
	assert_int_equal(sk_seqtrack_create(&t, SK_SEQ_WINDOW_MAX, 0), SK_OK);
	sk_seqtrack_free(t);

	struct sk_session *s = (struct sk_session *)(uintptr_t)1;
	struct sk_session_config cfg = { 0, 0, 0, SK_REFLECTOR_AUTO };
	assert_int_equal(sk_session_create(&s, &cfg), SK_E_ARG);
	assert_null(s);
	cfg.window = UINT32_MAX;
	assert_int_equal(sk_session_create(&s, &cfg), SK_E_NOSPACE);
	assert_null(s);
	cfg.window = 8;
	cfg.mode = (enum sk_reflector_mode)7;
	assert_int_equal(sk_session_create(&s, &cfg), SK_E_ARG);
	assert_null(s);
	assert_int_equal(sk_session_create(&s, NULL), SK_E_ARG);
	/* Empty session: all sent packets lost, direction unknown, no crash on NULLs. */
	cfg.mode = SK_REFLECTOR_AUTO;
	assert_int_equal(sk_session_create(&s, &cfg), SK_OK);
	struct sk_session_summary sum;
	sk_session_summary(s, 10, &sum);
	assert_int_equal(sum.lost, 10);
	assert_int_equal(sum.unknown_lost, 10);
	assert_true(sum.direction_unknown);
	assert_int_equal(sk_session_add(s, NULL, NULL), SK_E_ARG);
	assert_null(sk_session_dstats(s, SK_DIR_COUNT));
	sk_session_free(s);
	sk_session_free(NULL);
	sk_seqtrack_free(NULL);
}

/* RFC 4737 by the book, O(n^2): reordered if below the running maximum; extent = i - j for
 * the earliest j with a larger number. Duplicates removed first (RFC 5560). */
static void reorder_matches_bruteforce(void **state)
{
	(void)state;
	enum { N = 3000 };
	uint32_t *arr = malloc(N * sizeof *arr);
	uint32_t *uniq = malloc(N * sizeof *uniq);
	uint8_t *seen = calloc(2 * N, 1);
	assert_non_null(arr);
	assert_non_null(uniq);
	assert_non_null(seen);
	uint64_t st = 7;
	int n = 0;
	/* 0..N-1 with 5 % lost, 3 % duplicated, and local swaps up to 12 places. */
	for (uint32_t i = 0; i < N && n < N; i++) {
		uint64_t r = lcg(&st) % 100;
		if (r < 5)
			continue;
		arr[n++] = i;
		if (r < 8 && n < N)
			arr[n++] = i;
	}
	for (int k = 0; k < N / 4; k++) {
		int a = (int)(lcg(&st) % (uint64_t)n);
		int b = a + (int)(lcg(&st) % 12);
		if (b < n) {
			uint32_t t = arr[a];
			arr[a] = arr[b];
			arr[b] = t;
		}
	}
	struct sk_seqtrack *t = tracker(4096, 0);
	int u = 0;
	uint64_t want_reordered = 0, want_max = 0, want_dups = 0;
	for (int i = 0; i < n; i++) {
		struct sk_seq_event ev;
		enum sk_seq_class cls = sk_seqtrack_add(t, arr[i], &ev);
		if (seen[arr[i]]) {
			want_dups++;
			assert_int_equal(cls, SK_SEQ_DUPLICATE);
			continue;
		}
		seen[arr[i]] = 1;
		uint64_t extent = 0;
		for (int j = 0; j < u; j++) {
			if (uniq[j] > arr[i]) {
				extent = (uint64_t)(u - j);
				break;
			}
		}
		uniq[u++] = arr[i];
		if (extent) {
			want_reordered++;
			if (extent > want_max)
				want_max = extent;
			assert_int_equal(cls, SK_SEQ_REORDERED);
			assert_int_equal(ev.extent, extent);
			assert_false(ev.extent_lower_bound);
		} else {
			assert_int_equal(cls, SK_SEQ_IN_ORDER);
		}
	}
	struct sk_seq_counts c;
	sk_seqtrack_counts(t, &c);
	assert_true(want_reordered > 50);
	assert_int_equal(c.reordered, want_reordered);
	assert_int_equal(c.max_extent, want_max);
	assert_int_equal(c.duplicates, want_dups);
	assert_int_equal(c.received, (uint64_t)u);
	sk_seqtrack_free(t);
	free(seen);
	free(uniq);
	free(arr);
}

/* ---------------------------------------------------------------- session */

/* A reply of sender packet `s` reflected as reflector packet `r`: 1 ms out, 50 us residence,
 * 2 ms back, sent every 10 ms. `late` adds to the arrival time only. */
static struct sk_reply reply(uint32_t s, uint32_t r, int64_t late)
{
	struct sk_reply x;
	x.sender_seq = s;
	x.reflector_seq = r;
	x.t1_ns = BASE + (int64_t)s * 10 * MS;
	x.t2_ns = x.t1_ns + MS;
	x.t3_ns = x.t2_ns + 50000;
	x.t4_ns = x.t3_ns + 2 * MS + late;
	return x;
}

static struct sk_session *session(enum sk_reflector_mode mode)
{
	struct sk_session *s = NULL;
	struct sk_session_config cfg = { 1024, 0, 0, mode };
	assert_int_equal(sk_session_create(&s, &cfg), SK_OK);
	return s;
}

/* 60 sent; sender packets 10 and 30 lost outbound; the reflector (stateful) reflects the 58
 * others as r = 0..57; replies of sender 20 and 45 lost inbound; the reply of sender 50
 * arrives twice; the reply of 41 overtakes the reply of 40. */
static void session_required_scenario(void **state)
{
	(void)state;
	struct sk_session *s = session(SK_REFLECTOR_AUTO);
	struct sk_reply seqmap[60];
	uint32_t r = 0;
	int n = 0;
	for (uint32_t i = 0; i < 60; i++) {
		if (i == 10 || i == 30)
			continue;
		seqmap[n++] = reply(i, r++, 0);
	}
	assert_int_equal(r, 58);
	struct sk_reply_info info;
	int counted = 0, dups = 0;
	for (int k = 0; k < n; k++) {
		struct sk_reply x = seqmap[k];
		if (x.sender_seq == 20 || x.sender_seq == 45)
			continue;
		if (x.sender_seq == 40)
			continue; /* arrives after 41, below */
		assert_int_equal(sk_session_add(s, &x, &info), SK_OK);
		counted += info.counted;
		if (x.sender_seq == 41) {
			struct sk_reply y = seqmap[k - 1];
			y.t4_ns += 3 * MS;
			assert_int_equal(sk_session_add(s, &y, &info), SK_OK);
			assert_int_equal(info.sender.cls, SK_SEQ_REORDERED);
			assert_int_equal(info.sender.extent, 1);
			counted += info.counted;
		}
		if (x.sender_seq == 50) {
			x.t4_ns += MS;
			assert_int_equal(sk_session_add(s, &x, &info), SK_OK);
			assert_int_equal(info.sender.cls, SK_SEQ_DUPLICATE);
			assert_false(info.counted);
			dups++;
		}
	}
	assert_int_equal(dups, 1);
	assert_int_equal(counted, 56);
	sk_session_finish(s);
	struct sk_session_summary sum;
	sk_session_summary(s, 60, &sum);
	assert_int_equal(sum.sent, 60);
	assert_int_equal(sum.received, 56);
	assert_int_equal(sum.reflected, 56);
	assert_int_equal(sum.reflector_span, 58);
	assert_int_equal(sum.lost, 4);
	assert_int_equal(sum.outbound_lost, 2);
	assert_int_equal(sum.inbound_lost, 2);
	assert_int_equal(sum.unknown_lost, 0);
	assert_true(sum.stateful);
	assert_false(sum.direction_unknown);
	assert_int_equal(sum.duplicates, 1);
	assert_int_equal(sum.inbound_duplicates, 1);
	assert_int_equal(sum.outbound_duplicates, 0);
	assert_int_equal(sum.reordered, 1);
	assert_int_equal(sum.inbound_reordered, 1);
	assert_int_equal(sum.outbound_reordered, 0);
	assert_int_equal(sum.max_extent, 1);
	assert_int_equal(sum.too_old, 0);
	/* Delay statistics hold the 56 first arrivals only (the duplicate's later T4 excluded). */
	const struct sk_dstats *ob = sk_session_dstats(s, SK_DIR_OUTBOUND);
	const struct sk_dstats *in = sk_session_dstats(s, SK_DIR_INBOUND);
	const struct sk_dstats *rtt = sk_session_dstats(s, SK_DIR_RTT);
	const struct sk_dstats *res = sk_session_dstats(s, SK_DIR_RESIDENCE);
	assert_int_equal(ob->count, 56);
	assert_int_equal(ob->min, MS);
	assert_int_equal(ob->max, MS);
	assert_int_equal(in->min, 2 * MS);
	assert_int_equal(in->max, 5 * MS); /* the late reply of 40 */
	assert_int_equal(rtt->min, 3 * MS);
	assert_int_equal(rtt->max, 6 * MS);
	assert_int_equal(res->min, 50000);
	assert_int_equal(res->max, 50000);
	/* Inbound jitter in arrival order: delays 2 ms except the reply of 40 (5 ms) arriving
	 * between 41 and 42: D = 3 ms then 3 ms; everything else D = 0. */
	double j = 0;
	int steps_before = 0, steps_after = 0;
	/* Zero steps up to 41: arrivals 1..41 minus 10, 20, 30 and 40 (37 of them). */
	for (uint32_t i = 1; i <= 41; i++)
		if (i != 10 && i != 20 && i != 30 && i != 40)
			steps_before++;
	for (int k = 0; k < steps_before; k++)
		j += (0 - j) / 16;
	j += (3.0 * MS - j) / 16; /* 41 -> 40 */
	j += (3.0 * MS - j) / 16; /* 40 -> 42 */
	for (uint32_t i = 43; i < 60; i++)
		if (i != 45)
			steps_after++;
	for (int k = 0; k < steps_after; k++)
		j += (0 - j) / 16;
	assert_true(fabs(in->jitter_ns - j) < 1e-6);
	assert_true(ob->jitter_ns == 0.0);
	sk_session_free(s);
}

/* A TWAMP sender stream whose reflector numbering starts again at 0 (a new test session):
 * numbering 1 serves sender 0..19 (sender 3 lost outbound, the reply of 7 lost inbound, the
 * last reply, of 19, lost too: a tail nobody can place); numbering 2 serves sender 20..39
 * (sender 25 lost outbound, the reply of 31 lost inbound, 33 arrives twice). Without the
 * restart numbering 2's 0.. would read as duplicates of numbering 1's. */
static void session_reflector_restart(void **state)
{
	(void)state;
	struct sk_session *s = session(SK_REFLECTOR_STATEFUL);
	struct sk_reply_info info;
	uint32_t r = 0;
	for (uint32_t i = 0; i < 20; i++) {
		if (i == 3)
			continue;
		struct sk_reply x = reply(i, r++, 0);
		if (i == 7 || i == 19)
			continue;
		assert_int_equal(sk_session_add(s, &x, &info), SK_OK);
	}
	struct sk_session_summary one;
	sk_session_summary(s, 20, &one);
	assert_int_equal(one.outbound_lost, 1);
	assert_int_equal(one.inbound_lost, 1);
	assert_int_equal(one.unknown_lost, 1);
	assert_int_equal(sk_session_reflector_restart(s, -1), SK_E_ARG);
	assert_int_equal(sk_session_reflector_restart(s, 20), SK_OK);
	assert_int_equal(sk_session_reflector_restart(NULL, 20), SK_E_ARG);
	r = 0;
	for (uint32_t i = 20; i < 40; i++) {
		if (i == 25)
			continue;
		struct sk_reply x = reply(i, r++, 0);
		if (i == 31)
			continue;
		assert_int_equal(sk_session_add(s, &x, &info), SK_OK);
		assert_int_equal(info.reflector.cls, SK_SEQ_IN_ORDER);
		if (i == 33) {
			assert_int_equal(sk_session_add(s, &x, &info), SK_OK);
			assert_int_equal(info.reflector.cls, SK_SEQ_DUPLICATE);
		}
	}
	sk_session_finish(s);
	struct sk_session_summary sum;
	sk_session_summary(s, 40, &sum);
	assert_int_equal(sum.received, 35);
	assert_int_equal(sum.lost, 5);
	assert_int_equal(sum.outbound_lost, 2);  /* 3 and 25 */
	assert_int_equal(sum.inbound_lost, 2);   /* 7 and 31 */
	assert_int_equal(sum.unknown_lost, 1);   /* 19: after numbering 1's last reply */
	assert_int_equal(sum.reflected, 35);
	assert_int_equal(sum.reflector_span, 18 + 19);
	assert_int_equal(sum.duplicates, 1);
	assert_int_equal(sum.inbound_duplicates, 1);
	assert_int_equal(sum.outbound_duplicates, 0);
	assert_int_equal(sum.inbound_reordered, 0);
	assert_int_equal(sum.outbound_reordered, 0);
	/* One delay series throughout. */
	assert_int_equal(sk_session_dstats(s, SK_DIR_RTT)->count, 35);
	sk_session_free(s);
}

static void session_tail_is_unknown(void **state)
{
	(void)state;
	struct sk_session *s = session(SK_REFLECTOR_AUTO);
	/* 20 sent; sender 4 lost outbound (reflector seqs lag by one after it); no reply at all
	 * for 17, 18, 19. Inside the horizon (0..16) 1 outbound loss; the tail of 3 is unknown. */
	uint32_t r = 0;
	for (uint32_t i = 0; i < 17; i++) {
		if (i == 4)
			continue;
		struct sk_reply x = reply(i, r++, 0);
		assert_int_equal(sk_session_add(s, &x, NULL), SK_OK);
	}
	struct sk_session_summary sum;
	sk_session_summary(s, 20, &sum);
	assert_int_equal(sum.received, 16);
	assert_int_equal(sum.lost, 4);
	assert_int_equal(sum.outbound_lost, 1);
	assert_int_equal(sum.inbound_lost, 0);
	assert_int_equal(sum.unknown_lost, 3);
	assert_int_equal(sum.outbound_lost + sum.inbound_lost + sum.unknown_lost, sum.lost);
	sk_session_free(s);
}

static void session_stateless_direction_unknown(void **state)
{
	(void)state;
	struct sk_session *s = session(SK_REFLECTOR_AUTO);
	/* A copying reflector: r == s always. 10 sent, 3 and 7 lost somewhere. */
	for (uint32_t i = 0; i < 10; i++) {
		if (i == 3 || i == 7)
			continue;
		struct sk_reply x = reply(i, i, 0);
		sk_session_add(s, &x, NULL);
	}
	struct sk_session_summary sum;
	sk_session_summary(s, 10, &sum);
	assert_true(sum.direction_unknown);
	assert_false(sum.stateful);
	assert_int_equal(sum.lost, 2);
	assert_int_equal(sum.unknown_lost, 2);
	assert_int_equal(sum.outbound_lost, 0);
	assert_int_equal(sum.inbound_lost, 0);
	sk_session_free(s);

	/* Same data, reflector declared stateful: r == s with gaps means the reflector counted
	 * the missing packets, so they were lost inbound. */
	s = session(SK_REFLECTOR_STATEFUL);
	for (uint32_t i = 0; i < 10; i++) {
		if (i == 3 || i == 7)
			continue;
		struct sk_reply x = reply(i, i, 0);
		sk_session_add(s, &x, NULL);
	}
	sk_session_summary(s, 10, &sum);
	assert_false(sum.direction_unknown);
	assert_int_equal(sum.inbound_lost, 2);
	assert_int_equal(sum.outbound_lost, 0);
	sk_session_free(s);
}

static void session_outbound_reorder_and_duplicate(void **state)
{
	(void)state;
	struct sk_session *s = session(SK_REFLECTOR_AUTO);
	/* On the way out sender 6 overtakes 5 (reflector seqs 5 -> s6, 6 -> s5), and sender 8
	 * is duplicated (reflected as r 8 and r 9). Replies come back in reflector order. */
	const uint32_t snd[] = { 0, 1, 2, 3, 4, 6, 5, 7, 8, 8, 9 };
	for (uint32_t r = 0; r < 11; r++) {
		struct sk_reply x = reply(snd[r], r, 0);
		sk_session_add(s, &x, NULL);
	}
	struct sk_session_summary sum;
	sk_session_summary(s, 10, &sum);
	/* Contiguous reflector seqs settle at once: no need to call finish for live counts. */
	assert_int_equal(sum.outbound_reordered, 1);
	assert_int_equal(sum.outbound_max_extent, 1);
	assert_int_equal(sum.inbound_reordered, 0);
	assert_int_equal(sum.reordered, 1); /* round trip sees it too */
	assert_int_equal(sum.outbound_duplicates, 1);
	assert_int_equal(sum.inbound_duplicates, 0);
	assert_int_equal(sum.duplicates, 1);
	assert_int_equal(sum.received, 10);
	assert_int_equal(sum.reflected, 11);
	assert_int_equal(sum.lost, 0);
	assert_int_equal(sum.outbound_lost, 0);
	assert_int_equal(sum.inbound_lost, 0);
	sk_session_free(s);

	/* Outbound duplicate and outbound loss together: sender 3 lost, sender 8 duplicated,
	 * so the reflector counts 10 packets for 10 sent; the duplicate must not hide the loss. */
	s = session(SK_REFLECTOR_AUTO);
	const uint32_t snd2[] = { 0, 1, 2, 4, 5, 6, 7, 8, 8, 9 };
	for (uint32_t r = 0; r < 10; r++) {
		struct sk_reply x = reply(snd2[r], r, 0);
		sk_session_add(s, &x, NULL);
	}
	sk_session_summary(s, 10, &sum);
	assert_int_equal(sum.received, 9);
	assert_int_equal(sum.reflector_span, 10);
	assert_int_equal(sum.outbound_duplicates, 1);
	assert_int_equal(sum.outbound_lost, 1);
	assert_int_equal(sum.inbound_lost, 0);
	assert_int_equal(sum.unknown_lost, 0);
	sk_session_free(s);
}

static void session_outbound_settles_after_gap(void **state)
{
	(void)state;
	struct sk_session *s = session(SK_REFLECTOR_STATEFUL);
	/* Reflector order s: 0 1 3 2 4 (3 overtook 2 outbound); the reply of r 1 is lost
	 * inbound, so r 2.. wait behind the gap until finish. */
	const uint32_t snd[] = { 0, 1, 3, 2, 4 };
	for (uint32_t r = 0; r < 5; r++) {
		if (r == 1)
			continue;
		struct sk_reply x = reply(snd[r], r, 0);
		sk_session_add(s, &x, NULL);
	}
	struct sk_session_summary sum;
	sk_session_summary(s, 5, &sum);
	assert_int_equal(sum.outbound_reordered, 0); /* not settled yet */
	sk_session_finish(s);
	sk_session_summary(s, 5, &sum);
	assert_int_equal(sum.outbound_reordered, 1);
	assert_int_equal(sum.inbound_lost, 1);
	assert_int_equal(sum.outbound_lost, 0);
	sk_session_free(s);
}

static void session_negative_delays(void **state)
{
	(void)state;
	struct sk_session *s = session(SK_REFLECTOR_AUTO);
	/* Reflector clock 3 ms behind: outbound 1 - 3 = -2 ms, inbound 2 + 3 = 5 ms. */
	for (uint32_t i = 0; i < 4; i++) {
		struct sk_reply x = reply(i, i, 0);
		x.t2_ns -= 3 * MS;
		x.t3_ns -= 3 * MS;
		sk_session_add(s, &x, NULL);
	}
	struct sk_dstats_summary d;
	sk_dstats_summarize(sk_session_dstats(s, SK_DIR_OUTBOUND), &d);
	assert_int_equal(d.negative, 4);
	assert_int_equal(d.min, -2 * MS);
	assert_true(d.mean == -2.0 * MS);
	assert_int_equal(d.p50, -2 * MS);
	sk_dstats_summarize(sk_session_dstats(s, SK_DIR_INBOUND), &d);
	assert_int_equal(d.min, 5 * MS);
	sk_dstats_summarize(sk_session_dstats(s, SK_DIR_RTT), &d);
	assert_int_equal(d.min, 3 * MS);
	/* Overflowing timestamps: the packet counts as received, not in delays. */
	struct sk_reply bad = reply(4, 4, 0);
	bad.t1_ns = INT64_MIN;
	bad.t2_ns = INT64_MAX;
	struct sk_reply_info info;
	sk_session_add(s, &bad, &info);
	assert_false(info.delays_valid);
	assert_false(info.counted);
	struct sk_session_summary sum;
	sk_session_summary(s, 5, &sum);
	assert_int_equal(sum.received, 5);
	assert_int_equal(sum.bad_timestamps, 1);
	assert_int_equal(sk_session_dstats(s, SK_DIR_RTT)->count, 4);
	sk_session_free(s);
}

/* Junk replies into a tiny window: every reply lands in exactly one class, nothing reads
 * outside its memory (the sanitizer build checks), the loss split never exceeds the loss. */
static void session_random_junk(void **state)
{
	(void)state;
	struct sk_session *s = NULL;
	struct sk_session_config cfg = { 8, 5, 3, SK_REFLECTOR_AUTO };
	assert_int_equal(sk_session_create(&s, &cfg), SK_OK);
	uint64_t st = 99;
	uint32_t base = 0;
	for (int i = 0; i < 20000; i++) {
		struct sk_reply x;
		uint64_t r = lcg(&st);
		base += (uint32_t)(r % 3);
		x.sender_seq = (r & 0x100) ? (uint32_t)lcg(&st) : base + (uint32_t)(r % 11) - 5u;
		x.reflector_seq = (r & 0x200) ? x.sender_seq : base - (uint32_t)(r % 7);
		x.t1_ns = (int64_t)(lcg(&st) % (1ULL << 40)) * ((r & 0x400) ? 1 : 4096);
		x.t2_ns = x.t1_ns + (int64_t)(lcg(&st) % 1000000);
		x.t3_ns = (r & 0x800) ? INT64_MIN : x.t2_ns + 10;
		x.t4_ns = (r & 0x1000) ? INT64_MAX : x.t3_ns + 5;
		assert_int_equal(sk_session_add(s, &x, NULL), SK_OK);
		if (i % 5000 == 4999)
			sk_session_finish(s);
	}
	struct sk_session_summary sum;
	sk_session_summary(s, 1000000, &sum);
	assert_int_equal(sum.received + sum.duplicates + sum.too_old + sum.before_start, 20000);
	assert_int_equal(sum.outbound_lost + sum.inbound_lost + sum.unknown_lost, sum.lost);
	assert_true(sum.stateful);
	const struct sk_dstats *d = sk_session_dstats(s, SK_DIR_RTT);
	assert_int_equal(d->count + sum.bad_timestamps, sum.received);
	struct sk_dstats_summary ds;
	sk_dstats_summarize(d, &ds);
	assert_true(ds.min <= ds.p50 && ds.p50 <= ds.p90 && ds.p90 <= ds.p99 && ds.p99 <= ds.max);
	sk_session_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(delays_four_timestamps),
		cmocka_unit_test(jitter_hand_computed),
		cmocka_unit_test(jitter_depends_on_arrival_order),
		cmocka_unit_test(ipdv_gap_and_wrap),
		cmocka_unit_test(negative_delays_kept),
		cmocka_unit_test(hist_bucket_midpoint),
		cmocka_unit_test(hist_error_bound_random),
		cmocka_unit_test(percentiles_within_error),
		cmocka_unit_test(reorder_rfc4737_examples),
		cmocka_unit_test(duplicates_first_arrival_wins),
		cmocka_unit_test(sequence_wrap),
		cmocka_unit_test(creation_failures),
		cmocka_unit_test(reorder_matches_bruteforce),
		cmocka_unit_test(session_required_scenario),
		cmocka_unit_test(session_tail_is_unknown),
		cmocka_unit_test(session_reflector_restart),
		cmocka_unit_test(session_stateless_direction_unknown),
		cmocka_unit_test(session_outbound_reorder_and_duplicate),
		cmocka_unit_test(session_outbound_settles_after_gap),
		cmocka_unit_test(session_negative_delays),
		cmocka_unit_test(session_random_junk),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
