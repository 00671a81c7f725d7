/* SPDX-License-Identifier: BSD-3-Clause */
/* test_timestamp.c - NTP/PTP conversions, Error Estimate, the bounded cursor and field walker. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "stampkit/stampkit.h"

static void ntp_known_values(void **state)
{
	(void)state;
	/* 1970-01-01T00:00:00Z is NTP second 2208988800. */
	struct timespec ts = { 0, 0 };
	assert_int_equal(sk_ntp_from_timespec(&ts) >> 32, 2208988800u);
	/* Half a second is fraction 0x80000000. */
	ts.tv_sec = 1700000000;
	ts.tv_nsec = 500000000;
	uint64_t w = sk_ntp_from_timespec(&ts);
	assert_int_equal((uint32_t)w, 0x80000000u);
	assert_int_equal(w >> 32, 1700000000u + 2208988800u);
	struct timespec back;
	sk_ntp_to_timespec(w, &back);
	assert_int_equal(back.tv_sec, 1700000000);
	assert_int_equal(back.tv_nsec, 500000000);
}

static void ntp_round_trip_all_ns(void **state)
{
	(void)state;
	/* NTP resolution is 0.233 ns, so every ns value must come back exactly. */
	for (int64_t ns = 0; ns < 1000000000; ns += 999983) {
		int64_t t = 1800000000LL * 1000000000LL + ns;
		assert_int_equal(sk_ts_to_ns(sk_ts_from_ns(t, SK_TS_NTP, 0), SK_TS_NTP, 0), t);
	}
}

static void ntp_era1(void **state)
{
	(void)state;
	/* 2036-02-07T06:28:16Z = Unix 2085978496: NTP seconds wrap to 0 in era 1. */
	int64_t t = 2085978496LL * 1000000000LL;
	uint64_t w = sk_ts_from_ns(t, SK_TS_NTP, 0);
	assert_int_equal(w >> 32, 0);
	assert_int_equal(sk_ts_to_ns(w, SK_TS_NTP, 0), t);
}

static void ptp_tai_offset(void **state)
{
	(void)state;
	struct timespec utc = { 1700000000, 123456789 };
	uint64_t w = sk_ptp_from_timespec(&utc, 37);
	assert_int_equal(w >> 32, 1700000037u);
	assert_int_equal((uint32_t)w, 123456789u);
	assert_true(sk_ptp_valid(w));
	assert_false(sk_ptp_valid((uint64_t)5 << 32 | 1000000000u));
	struct timespec back;
	sk_ptp_to_timespec(w, 37, &back);
	assert_int_equal(back.tv_sec, 1700000000);
	assert_int_equal(back.tv_nsec, 123456789);
	/* The same wire value read with a different offset moves by that offset. */
	sk_ptp_to_timespec(w, 0, &back);
	assert_int_equal(back.tv_sec, 1700000037);
}

static void errest_pack_unpack(void **state)
{
	(void)state;
	struct sk_errest e = { true, true, 0x3f, 0xff };
	assert_int_equal(sk_errest_pack(&e), 0xffff);
	sk_errest_unpack(0x8101, &e);
	assert_true(e.s);
	assert_false(e.z);
	assert_int_equal(e.scale, 1);
	assert_int_equal(e.mult, 1);
	assert_int_equal(sk_errest_fmt(0x4001), SK_TS_PTP);
	assert_false(sk_errest_valid(0x0000));
	assert_true(sk_errest_valid(0x0001));
}

static void errest_ns(void **state)
{
	(void)state;
	/* 0x0001: 2^-32 s = 0.23 ns, rounded up to 1 ns. */
	struct sk_errest e;
	sk_errest_unpack(0x0001, &e);
	assert_int_equal(sk_errest_ns(&e), 1);
	/* Scale 32, Multiplier 1: exactly one second. */
	sk_errest_unpack(0x2001, &e);
	assert_int_equal(sk_errest_ns(&e), 1000000000u);
	/* Scale 32, Multiplier 3: three seconds. */
	sk_errest_unpack(0x2003, &e);
	assert_int_equal(sk_errest_ns(&e), 3000000000u);
}

static void errest_from_ns(void **state)
{
	(void)state;
	struct sk_errest e;
	/* 1 s fits as Multiplier 128, Scale 25 (128 * 2^-7 = 1): the smallest scale that fits. */
	assert_int_equal(sk_errest_from_ns(1000000000u, true, SK_TS_NTP, &e), SK_OK);
	assert_int_equal(e.scale, 25);
	assert_int_equal(e.mult, 128);
	assert_true(e.s);
	assert_true(sk_errest_ns(&e) >= 1000000000u);
	/* The estimate is never below the bound and at most ~1/128 above (one multiplier step). */
	for (uint64_t b = 1; b < 100000000000ull; b = b * 3 + 7) {
		assert_int_equal(sk_errest_from_ns(b, false, SK_TS_PTP, &e), SK_OK);
		assert_true(e.z);
		uint64_t got = sk_errest_ns(&e);
		assert_true(got >= b);
		if (b > 1000)
			assert_true(got - b <= b / 64 + 2);
	}
	/* The field reaches 255 * 2^31 s, beyond any 64-bit ns bound: the largest bound fits,
	 * and converting it back saturates rather than wraps. */
	assert_int_equal(sk_errest_from_ns(UINT64_MAX, false, SK_TS_NTP, &e), SK_OK);
	assert_true(e.scale >= 58 && e.scale < 63);
	assert_int_equal(sk_errest_ns(&e), UINT64_MAX);
}

static void cursor_bounds(void **state)
{
	(void)state;
	const uint8_t buf[6] = { 1, 2, 3, 4, 5, 6 };
	struct sk_cur c;
	sk_cur_init(&c, buf, sizeof buf);
	assert_int_equal(sk_get_u32(&c), 0x01020304u);
	assert_int_equal(sk_get_u32(&c), 0); /* only 2 left */
	assert_int_equal(c.err, SK_E_TRUNCATED);
	assert_int_equal(c.err_off, 4);
	assert_int_equal(sk_get_u8(&c), 0); /* sticky */

	struct sk_cur child;
	sk_cur_init(&c, buf, sizeof buf);
	sk_cur_skip(&c, 1);
	assert_true(sk_cur_sub(&c, 2, &child));
	assert_int_equal(sk_get_u16(&child), 0x0203);
	assert_int_equal(sk_get_u8(&child), 0);
	assert_int_equal(child.err, SK_E_TRUNCATED);
	assert_int_equal(child.err_off, 3); /* absolute */
	assert_int_equal(c.err, SK_OK);
	assert_int_equal(sk_get_u8(&c), 4);

	uint8_t out[3];
	struct sk_wbuf w;
	sk_wbuf_init(&w, out, sizeof out);
	sk_put_u16(&w, 0xabcd);
	sk_put_u16(&w, 0x1234);
	assert_int_equal(w.err, SK_E_NOSPACE);
	assert_int_equal(out[0], 0xab);
	assert_int_equal(w.off, 2);
}

/* A tiny layout exercising the walker: masked nibbles, a PTP timestamp chosen by Z, MBZ. */
struct demo {
	uint8_t hi, lo;
	uint64_t ts;
	uint16_t ee;
};
static const struct sk_field demo_fields[] = {
	{ "High", "hi", 0, 1, SK_FK_UINT, 0, -1, 0xf0, offsetof(struct demo, hi), NULL, NULL, "" },
	{ "Low", "lo", 0, 1, SK_FK_UINT, 0, -1, 0x0f, offsetof(struct demo, lo), NULL, NULL, "" },
	{ "MBZ", "mbz", 1, 1, SK_FK_MBZ, 0, -1, 0, SK_NOSTORE, NULL, NULL, "" },
	{ "Timestamp", "ts", 2, 8, SK_FK_TS, 0, 10, 0, offsetof(struct demo, ts), NULL, NULL, "" },
	{ "Error Estimate", "ee", 10, 2, SK_FK_ERREST, 0, -1, 0, offsetof(struct demo, ee), NULL, NULL, "" },
};
static SK_LAYOUT(demo_layout, "Demo", "demo", demo_fields, 12, "");

struct seen {
	int fields, problems, opens, closes;
	unsigned kinds; /* bit 1 << enum sk_problem for each kind reported */
	int64_t ts_ns;
	enum sk_ts_fmt fmt;
};
static void on_field(void *ctx, const struct sk_field *f, const struct sk_value *v, size_t off)
{
	struct seen *s = ctx;
	(void)off;
	s->fields++;
	if (f->kind == SK_FK_TS)
		s->ts_ns = v->ns, s->fmt = v->tsfmt;
}
static void on_problem(void *ctx, enum sk_problem kind, enum sk_result r, size_t off,
		       const char *msg)
{
	(void)r, (void)off, (void)msg;
	((struct seen *)ctx)->problems++;
	((struct seen *)ctx)->kinds |= 1u << kind;
}
static void on_open(void *ctx, const char *n, const char *k, size_t o, size_t l)
{
	(void)n, (void)k, (void)o, (void)l;
	((struct seen *)ctx)->opens++;
}
static void on_close(void *ctx) { ((struct seen *)ctx)->closes++; }

static void walker_round_trip(void **state)
{
	(void)state;
	struct demo in = { 0xa, 0x5, sk_ts_from_ns(1700000000123456789LL, SK_TS_PTP, 37), 0x4001 };
	uint8_t buf[12];
	struct sk_wbuf w;
	sk_wbuf_init(&w, buf, sizeof buf);
	assert_int_equal(sk_layout_encode(&demo_layout, &in, &w), SK_OK);
	assert_int_equal(buf[0], 0xa5);
	assert_int_equal(buf[1], 0);

	struct demo out;
	struct seen s = { 0 };
	struct sk_visitor v = { on_open, on_field, on_close, on_problem, &s, 37 };
	struct sk_cur c;
	sk_cur_init(&c, buf, sizeof buf);
	assert_int_equal(sk_layout_decode(&demo_layout, &c, &out, &v), SK_OK);
	assert_int_equal(out.hi, 0xa);
	assert_int_equal(out.lo, 0x5);
	assert_int_equal(out.ts, in.ts);
	assert_int_equal(s.fields, 5);
	assert_int_equal(s.problems, 0);
	assert_int_equal(s.fmt, SK_TS_PTP);
	assert_int_equal(s.ts_ns, 1700000000123456789LL);
	assert_int_equal(s.opens, 1);
	assert_int_equal(s.closes, 1);

	/* Non-zero MBZ is reported, the packet still decodes. */
	buf[1] = 7;
	memset(&s, 0, sizeof s);
	sk_cur_init(&c, buf, sizeof buf);
	assert_int_equal(sk_layout_decode(&demo_layout, &c, &out, &v), SK_OK);
	assert_int_equal(s.problems, 1);
	assert_int_equal(s.kinds, 1u << SK_PROB_MBZ_NONZERO);

	/* Every truncation length: truncated, only whole fields visited. */
	for (size_t n = 0; n < sizeof buf; n++) {
		memset(&s, 0, sizeof s);
		sk_cur_init(&c, buf, n);
		assert_int_equal(sk_layout_decode(&demo_layout, &c, NULL, &v), SK_E_TRUNCATED);
		assert_int_equal(c.err, SK_E_TRUNCATED);
		assert_int_equal(c.err_off, n);
		assert_true(s.fields < 5);
		/* the MBZ octet (offset 1, still non-zero) is reported when it fits */
		assert_int_equal(s.kinds, (1u << SK_PROB_TRUNCATED) |
						  (n >= 2 ? 1u << SK_PROB_MBZ_NONZERO : 0));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ntp_known_values), cmocka_unit_test(ntp_round_trip_all_ns),
		cmocka_unit_test(ntp_era1),         cmocka_unit_test(ptp_tai_offset),
		cmocka_unit_test(errest_pack_unpack), cmocka_unit_test(errest_ns),
		cmocka_unit_test(errest_from_ns),   cmocka_unit_test(cursor_bounds),
		cmocka_unit_test(walker_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
