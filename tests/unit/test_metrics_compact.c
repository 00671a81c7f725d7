/* SPDX-License-Identifier: BSD-3-Clause */
/* test_metrics_compact.c - the growing metrics structures give, event for event, the results
 * of the fixed-array ones they replace (ref_metrics.c); percentiles against exact ones; merge;
 * the memory a session costs, measured through the API. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

#include "stampkit/metrics.h"
#include "ref_wrap.h"

static uint64_t rnd(uint64_t *st)
{
	*st = *st * 6364136223846793005ULL + 1442695040888963407ULL;
	return *st >> 17;
}

static void same_layouts(void **state)
{
	(void)state;
	assert_int_equal(ref_t_size(0), sizeof(struct sk_reply));
	assert_int_equal(ref_t_size(1), sizeof(struct sk_reply_info));
	assert_int_equal(ref_t_size(2), sizeof(struct sk_session_summary));
	assert_int_equal(ref_t_size(3), sizeof(struct sk_dstats_summary));
	assert_int_equal(ref_t_size(4), sizeof(struct sk_seq_event));
	assert_int_equal(ref_t_size(5), sizeof(struct sk_seq_counts));
}

static void same_event(const struct sk_seq_event *a, const struct sk_seq_event *b)
{
	assert_int_equal(a->cls, b->cls);
	assert_int_equal(a->ext_seq, b->ext_seq);
	assert_int_equal(a->extent, b->extent);
	assert_int_equal(a->extent_lower_bound, b->extent_lower_bound);
}

static void same_counts(const struct sk_seq_counts *a, const struct sk_seq_counts *b)
{
	assert_int_equal(a->received, b->received);
	assert_int_equal(a->duplicates, b->duplicates);
	assert_int_equal(a->reordered, b->reordered);
	assert_int_equal(a->max_extent, b->max_extent);
	assert_int_equal(a->extent_lower_bounds, b->extent_lower_bounds);
	assert_int_equal(a->too_old, b->too_old);
	assert_int_equal(a->before_start, b->before_start);
	assert_int_equal(a->first, b->first);
	assert_int_equal(a->highest, b->highest);
	assert_int_equal(a->expected, b->expected);
}

/* A stream of sequence numbers with loss, duplicates, reordering of random reach (now and
 * then beyond the window), numbers before the start and wild jumps. */
static size_t make_stream(uint64_t *st, uint32_t first, uint32_t *out, size_t n, unsigned reach)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k < 2 * n; i++) {
		uint32_t s = first + (uint32_t)i;
		uint64_t r = rnd(st) % 1000;
		if (r < 30)
			continue; /* lost */
		out[k++] = s;
		if (r < 50)
			out[k++] = s; /* duplicate */
		else if (r < 52)
			out[k++] = first - 1u - (uint32_t)(rnd(st) % 5); /* before the start */
		else if (r == 52)
			out[k++] = s + (uint32_t)(rnd(st) % 5000); /* jump ahead */
	}
	for (size_t i = 0; reach && i < k; i++)
		if (rnd(st) % 8 == 0) {
			size_t j = i + 1 + rnd(st) % reach;
			if (j < k) {
				uint32_t t = out[i];
				out[i] = out[j];
				out[j] = t;
			}
		}
	return k;
}

static void seqtrack_same_as_reference(void **state)
{
	(void)state;
	const uint32_t windows[] = { 1, 3, 16, 64, 100, 1024 };
	const uint32_t firsts[] = { 0, 7, 0xfffffff0u };
	const unsigned reaches[] = { 0, 3, 40, 300 };
	enum { N = 4000 };
	uint32_t *seq = malloc(2 * N * sizeof *seq);
	assert_non_null(seq);
	uint64_t st = 1;
	for (size_t w = 0; w < sizeof windows / sizeof windows[0]; w++)
		for (size_t f = 0; f < sizeof firsts / sizeof firsts[0]; f++)
			for (size_t r = 0; r < sizeof reaches / sizeof reaches[0]; r++) {
				size_t n = make_stream(&st, firsts[f], seq, N, reaches[r]);
				struct sk_seqtrack *t = NULL;
				assert_int_equal(sk_seqtrack_create(&t, windows[w], firsts[f]), SK_OK);
				void *ref = ref_t_seqtrack(windows[w], firsts[f]);
				assert_non_null(ref);
				for (size_t i = 0; i < n; i++) {
					struct sk_seq_event a, b;
					int ca = (int)sk_seqtrack_add(t, seq[i], &a);
					int cb = ref_t_seqtrack_add(ref, seq[i], &b);
					assert_int_equal(ca, cb);
					same_event(&a, &b);
				}
				struct sk_seq_counts a, b;
				sk_seqtrack_counts(t, &a);
				ref_t_seqtrack_counts(ref, &b);
				same_counts(&a, &b);
				sk_seqtrack_free(t);
				ref_t_seqtrack_free(ref);
			}
	free(seq);
}

/* Delays: steady with jitter, log-uniform over many decades, around zero (clock offset),
 * constant, and bimodal. */
static int64_t make_delay(uint64_t *st, int kind, size_t i)
{
	switch (kind) {
	case 0: return 250000 + (int64_t)(rnd(st) % 20000);
	case 1: {
		int sh = (int)(rnd(st) % 40);
		return (int64_t)(rnd(st) & ((1ULL << sh) - 1)) + (1LL << sh);
	}
	case 2: return (int64_t)(rnd(st) % 200001) - 100000;
	case 3: return 123456;
	default: return (i % 3 ? 80000 : 3000000) + (int64_t)(rnd(st) % 1000);
	}
}

static void same_dsum(const struct sk_dstats_summary *a, const struct sk_dstats_summary *b)
{
	/* Both summaries are zeroed before they are filled: every octet must agree. */
	assert_memory_equal(a, b, sizeof *a);
}

static void dstats_same_as_reference(void **state)
{
	(void)state;
	enum { N = 3000 };
	uint32_t *seq = malloc(2 * N * sizeof *seq);
	uint8_t *fed = calloc(N + 6000, 1);
	assert_non_null(seq);
	assert_non_null(fed);
	uint64_t st = 7;
	for (int kind = 0; kind < 5; kind++)
		for (unsigned reach = 0; reach < 200; reach = reach * 4 + 3) {
			size_t n = make_stream(&st, 0, seq, N, reach);
			struct sk_dstats d;
			sk_dstats_init(&d);
			void *ref = ref_t_dstats();
			assert_non_null(ref);
			memset(fed, 0, N + 6000);
			for (size_t i = 0; i < n; i++) {
				/* Unique numbers only, as the session feeds them. */
				if (seq[i] >= N + 6000 || fed[seq[i]])
					continue;
				fed[seq[i]] = 1;
				int64_t v = make_delay(&st, kind, i);
				sk_dstats_add(&d, seq[i], v);
				ref_t_dstats_add(ref, seq[i], v);
			}
			struct sk_dstats_summary a, b;
			sk_dstats_summarize(&d, &a);
			ref_t_dstats_sum(ref, &b);
			same_dsum(&a, &b);
			for (double q = 0; q <= 100.0; q += 0.5) {
				int64_t x = 0, y = 0;
				assert_int_equal(sk_dstats_quantile(&d, q, &x), ref_t_quantile(ref, q, &y));
				assert_int_equal(x, y);
			}
			sk_dstats_free(&d);
			ref_t_dstats_free(ref);
		}
	free(seq);
	free(fed);
}

/* Replies of one session: loss both ways, duplicates both ways, reordering, a stateful or
 * stateless reflector, timestamps that now and then overflow. */
static size_t make_replies(uint64_t *st, struct sk_reply *r, size_t n, bool stateful,
			   unsigned reach, int kind)
{
	size_t k = 0;
	uint32_t rseq = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t s = (uint32_t)i;
		uint64_t x = rnd(st) % 1000;
		if (x < 20)
			continue; /* outbound loss */
		int copies = x < 35 ? 2 : 1; /* outbound duplicate: reflected twice */
		for (int c = 0; c < copies; c++) {
			uint32_t rs = stateful ? rseq++ : s;
			if (rnd(st) % 1000 < 20)
				continue; /* inbound loss */
			int64_t t1 = 1800000000000000000LL + (int64_t)i * 1000000;
			int64_t t2 = t1 + make_delay(st, kind, i);
			int64_t t3 = t2 + 20000 + (int64_t)(rnd(st) % 5000);
			int64_t t4 = t3 + make_delay(st, kind, i);
			if (rnd(st) % 500 == 0)
				t2 = INT64_MIN; /* garbage */
			r[k++] = (struct sk_reply){ s, rs, t1, t2, t3, t4 };
			if (rnd(st) % 100 == 0)
				r[k] = r[k - 1], k++; /* inbound duplicate */
		}
	}
	for (size_t i = 0; reach && i < k; i++)
		if (rnd(st) % 8 == 0) {
			size_t j = i + 1 + rnd(st) % reach;
			if (j < k) {
				struct sk_reply t = r[i];
				r[i] = r[j];
				r[j] = t;
			}
		}
	return k;
}

static void session_same_as_reference(void **state)
{
	(void)state;
	enum { N = 2500 };
	struct sk_reply *r = malloc(3 * N * sizeof *r);
	assert_non_null(r);
	const uint32_t windows[] = { 4, 64, 1000, 1024 };
	uint64_t st = 99;
	for (size_t w = 0; w < sizeof windows / sizeof windows[0]; w++)
		for (int mode = 0; mode < 3; mode++)
			for (unsigned reach = 0; reach < 3000; reach = reach * 8 + 2) {
				bool stateful = mode != SK_REFLECTOR_STATELESS && reach % 3 != 1;
				size_t n = make_replies(&st, r, N, stateful, reach, (int)(reach % 5));
				struct sk_session_config cfg = { windows[w], 0, 0, (enum sk_reflector_mode)mode };
				struct sk_session *s = NULL;
				assert_int_equal(sk_session_create(&s, &cfg), SK_OK);
				void *ref = ref_t_session(windows[w], 0, 0, mode);
				assert_non_null(ref);
				for (size_t i = 0; i < n; i++) {
					struct sk_reply_info a, b;
					memset(&b, 0, sizeof b);
					assert_int_equal(sk_session_add(s, &r[i], &a), SK_OK);
					ref_t_session_add(ref, &r[i], &b);
					same_event(&a.sender, &b.sender);
					same_event(&a.reflector, &b.reflector);
					assert_int_equal(a.delays_valid, b.delays_valid);
					assert_int_equal(a.counted, b.counted);
					assert_int_equal(a.delays.rtt_ns, b.delays.rtt_ns);
					if (i % 500 == 0) { /* live summaries agree too */
						struct sk_session_summary x, y;
						sk_session_summary(s, i, &x);
						ref_t_session_summary(ref, i, &y);
						assert_memory_equal(&x, &y, sizeof x);
					}
				}
				sk_session_finish(s);
				ref_t_session_finish(ref);
				struct sk_session_summary x, y;
				sk_session_summary(s, N, &x);
				ref_t_session_summary(ref, N, &y);
				assert_memory_equal(&x, &y, sizeof x);
				for (int d = 0; d < SK_DIR_COUNT; d++) {
					struct sk_dstats_summary a, b;
					sk_dstats_summarize(sk_session_dstats(s, (enum sk_dir)d), &a);
					ref_t_session_dsum(ref, d, &b);
					same_dsum(&a, &b);
				}
				sk_session_free(s);
				ref_t_session_free(ref);
			}
	free(r);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Every percentile from 0 to 100 in steps of 0.1 within SK_HIST_REL_ERROR (0.79 %, the
 * documented 1 % with margin) of the exact nearest-rank value, for each kind of series. */
static void hist_percentiles_against_exact(void **state)
{
	(void)state;
	enum { N = 50000 };
	int64_t *v = malloc(N * sizeof *v);
	assert_non_null(v);
	assert_true(SK_HIST_REL_ERROR < 0.01);
	uint64_t st = 5;
	for (int kind = 0; kind < 5; kind++) {
		struct sk_hist h;
		sk_hist_init(&h);
		for (size_t i = 0; i < N; i++) {
			v[i] = make_delay(&st, kind, i);
			sk_hist_add(&h, v[i]);
		}
		qsort(v, N, sizeof *v, cmp_i64);
		for (int k = 0; k <= 1000; k++) {
			double q = k / 10.0;
			int64_t got;
			assert_int_equal(sk_hist_quantile(&h, q, &got), SK_OK);
			double r = ceil(q * N / 100.0);
			size_t rank = r < 1 ? 1 : (size_t)r;
			int64_t want = v[rank - 1];
			assert_true(fabs((double)got - (double)want) <=
				    fabs((double)want) * SK_HIST_REL_ERROR + 0.5);
		}
		sk_hist_free(&h);
	}
	free(v);
}

/* Merging the histograms of two halves gives the histogram of the whole. */
static void hist_merge_is_union(void **state)
{
	(void)state;
	uint64_t st = 11;
	for (int kind = 0; kind < 5; kind++) {
		struct sk_hist a, b, all;
		sk_hist_init(&a);
		sk_hist_init(&b);
		sk_hist_init(&all);
		for (size_t i = 0; i < 20000; i++) {
			/* Halves of different kinds, so sparse meets dense. */
			int64_t x = make_delay(&st, i % 2 ? kind : (kind + 1) % 5, i);
			sk_hist_add(i % 2 ? &a : &b, x);
			sk_hist_add(&all, x);
			if (i == 10) { /* b still sparse here */
				struct sk_hist c;
				sk_hist_init(&c);
				assert_int_equal(sk_hist_merge(&c, &b), SK_OK);
				assert_int_equal(c.total, b.total);
				sk_hist_free(&c);
			}
		}
		assert_int_equal(sk_hist_merge(&a, &b), SK_OK);
		assert_int_equal(a.total, all.total);
		assert_int_equal(a.min, all.min);
		assert_int_equal(a.max, all.max);
		for (int k = 0; k <= 200; k++) {
			int64_t x, y;
			assert_int_equal(sk_hist_quantile(&a, k / 2.0, &x), SK_OK);
			assert_int_equal(sk_hist_quantile(&all, k / 2.0, &y), SK_OK);
			assert_int_equal(x, y);
		}
		sk_hist_free(&a);
		sk_hist_free(&b);
		sk_hist_free(&all);
	}
	struct sk_hist h;
	sk_hist_init(&h);
	assert_int_equal(sk_hist_merge(&h, &h), SK_E_ARG);
	assert_int_equal(sk_hist_merge(NULL, &h), SK_E_ARG);
}

/* Counts beyond 32 bits (dense counters widen) and beyond 48 bits (the sparse list gives
 * way): built by merging back and forth, Fibonacci-fashion. */
static void hist_huge_counts(void **state)
{
	(void)state;
	struct sk_hist a, b;
	sk_hist_init(&a);
	sk_hist_init(&b);
	sk_hist_add(&a, 1000);
	sk_hist_add(&b, 5000);
	for (int i = 0; i < 40; i++) {
		assert_int_equal(sk_hist_merge(&b, &a), SK_OK);
		assert_int_equal(sk_hist_merge(&a, &b), SK_OK);
	}
	assert_true(a.total > (UINT64_C(1) << 50));
	int64_t q;
	/* a holds consecutive Fibonacci numbers of 1000s and 5000s: 61.8 % are 1000. */
	assert_int_equal(sk_hist_quantile(&a, 50, &q), SK_OK);
	assert_int_equal(q, 1004); /* midpoint of the bucket [1000, 1008) */
	assert_int_equal(sk_hist_quantile(&a, 70, &q), SK_OK);
	assert_true(llabs(q - 5000) <= 5000 / 128);
	assert_int_equal(a.unstored, 0);
	sk_hist_free(&a);
	sk_hist_free(&b);
	/* Dense (many buckets) and then past 2^32 in one of them. */
	sk_hist_init(&a);
	sk_hist_init(&b);
	for (int64_t v = 1; v < 100000; v += 997)
		sk_hist_add(&a, v);
	sk_hist_add(&b, 50000);
	for (int i = 0; i < 30; i++) {
		assert_int_equal(sk_hist_merge(&b, &a), SK_OK);
		assert_int_equal(sk_hist_merge(&a, &b), SK_OK);
	}
	assert_int_equal(sk_hist_quantile(&a, 50, &q), SK_OK);
	assert_true(q > 0);
	assert_int_equal(a.unstored, 0);
	sk_hist_free(&a);
	sk_hist_free(&b);
}

static void feed_in_order(struct sk_session *s, uint32_t from, uint32_t n, uint64_t *st)
{
	for (uint32_t i = from; i < from + n; i++) {
		int64_t t1 = 1800000000000000000LL + (int64_t)i * 1000000;
		int64_t t2 = t1 + 200000 + (int64_t)(rnd(st) % 50000);
		struct sk_reply r = { i, i, t1, t2, t2 + 20000, t2 + 220000 + (int64_t)(rnd(st) % 50000) };
		assert_int_equal(sk_session_add(s, &r, NULL), SK_OK);
	}
}

/* What a session costs, asked of the API (the octets it owns). */
static void session_memory(void **state)
{
	(void)state;
	uint64_t st = 3;
	struct sk_session_config cfg = { 1024, 0, 0, SK_REFLECTOR_AUTO }; /* analyze's window */
	struct sk_session *s = NULL;
	assert_int_equal(sk_session_create(&s, &cfg), SK_OK);
	size_t empty = sk_session_memory(s);
	feed_in_order(s, 0, 20, &st);
	size_t twenty = sk_session_memory(s);
	print_message("session memory: empty %zu, 20 packets %zu octets\n", empty, twenty);
	assert_true(twenty > empty);  /* really measured: the histograms took buckets */
	assert_true(twenty < 10240 / 2); /* well under 10 KiB */
	/* A long steady session stays small: memory follows the spread of the delays. */
	feed_in_order(s, 20, 200000, &st);
	size_t steady = sk_session_memory(s);
	print_message("session memory: 200020 packets in order %zu octets\n", steady);
	assert_true(steady < 16384);
	sk_session_free(s);

	/* Reordering costs only while it lasts and only as far as it reaches. */
	assert_int_equal(sk_session_create(&s, &cfg), SK_OK);
	feed_in_order(s, 0, 100, &st);
	size_t before = sk_session_memory(s);
	for (uint32_t i = 100; i < 5000; i += 2) { /* every pair swapped */
		int64_t t1 = 1800000000000000000LL + (int64_t)i * 1000000;
		struct sk_reply a = { i + 1, i + 1, t1, t1 + 200000, t1 + 220000, t1 + 440000 };
		struct sk_reply b = { i, i, t1, t1 + 200000, t1 + 220000, t1 + 440000 };
		sk_session_add(s, &a, NULL);
		sk_session_add(s, &b, NULL);
	}
	size_t during = sk_session_memory(s);
	print_message("session memory: in order %zu, pairs swapped %zu octets\n", before, during);
	assert_true(during > before);
	assert_true(during < 128 * 1024); /* the old fixed arrays: 240 KiB + 33 KiB */
	sk_session_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(same_layouts),
		cmocka_unit_test(seqtrack_same_as_reference),
		cmocka_unit_test(dstats_same_as_reference),
		cmocka_unit_test(session_same_as_reference),
		cmocka_unit_test(hist_percentiles_against_exact),
		cmocka_unit_test(hist_merge_is_union),
		cmocka_unit_test(hist_huge_counts),
		cmocka_unit_test(session_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
