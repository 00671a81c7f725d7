/* SPDX-License-Identifier: BSD-3-Clause */
/* test_ipfrag.c - bounded IPv4 reassembly: in order, reversed, a missing fragment, timeout,
 * a fragment cut by the snaplen, inconsistent ends, the table full (oldest given up). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ipfrag.h"
#include "stampkit/net.h"

#define SEC 1000000000LL

static uint8_t dgram[2400]; /* UDP header + payload of the test datagram */

static void fill(void)
{
	for (size_t i = 0; i < sizeof dgram; i++)
		dgram[i] = (uint8_t)(i * 7 + 3);
	dgram[0] = 0x9c, dgram[1] = 0x40; /* sport 40000 */
	dgram[2] = 0x03, dgram[3] = 0x5e; /* dport 862 */
	dgram[4] = (uint8_t)(sizeof dgram >> 8), dgram[5] = (uint8_t)sizeof dgram;
}

/* One raw IPv4 fragment of dgram: [off, off + len), MF as given. */
static size_t frag(uint8_t *b, uint16_t id, size_t off, size_t len, int more)
{
	memset(b, 0, 20);
	b[0] = 0x45;
	b[2] = (uint8_t)((20 + len) >> 8), b[3] = (uint8_t)(20 + len);
	b[4] = (uint8_t)(id >> 8), b[5] = (uint8_t)id;
	uint16_t ff = (uint16_t)((more ? 0x2000 : 0) | (off / 8));
	b[6] = (uint8_t)(ff >> 8), b[7] = (uint8_t)ff;
	b[8] = 64, b[9] = 17;
	b[12] = 192, b[13] = 0, b[14] = 2, b[15] = 1;
	b[16] = 198, b[17] = 51, b[18] = 100, b[19] = 1;
	memcpy(b + 20, dgram + off, len);
	return 20 + len;
}

/* Feeds one fragment; returns sk_ipfrag_add's result. */
static int feed(struct sk_ipfrag *r, uint16_t id, size_t off, size_t len, int more, int64_t ts,
		size_t cut, const uint8_t **out, size_t *outlen)
{
	static uint8_t b[2000];
	size_t n = frag(b, id, off, len, more);
	struct sk_pkt p;
	assert_int_equal(sk_net_dissect(SK_LINK_IPV4, b, n - cut, &p, NULL), SK_OK);
	assert_true(p.fragment);
	return sk_ipfrag_add(r, &p, b, n - cut, ts, out, outlen);
}

static void check_whole(const uint8_t *out, size_t n)
{
	assert_int_equal(n, 20 + sizeof dgram);
	assert_int_equal(out[2] << 8 | out[3], 20 + sizeof dgram);
	assert_int_equal(out[6], 0);
	assert_int_equal(out[7], 0);
	assert_memory_equal(out + 20, dgram, sizeof dgram);
	struct sk_pkt p;
	assert_int_equal(sk_net_dissect(SK_LINK_IPV4, out, n, &p, NULL), SK_OK);
	assert_false(p.fragment);
	assert_int_equal(p.dport, 862);
	assert_int_equal(p.payload_len, sizeof dgram - 8);
}

static void test_in_order_and_reversed(void **state)
{
	(void)state;
	fill();
	struct sk_ipfrag *r = sk_ipfrag_create(4, 30 * SEC);
	assert_non_null(r);
	const uint8_t *out;
	size_t n;
	assert_int_equal(feed(r, 1, 0, 1000, 1, 0, 0, &out, &n), 0);
	assert_int_equal(feed(r, 1, 1000, 1000, 1, 1, 0, &out, &n), 0);
	assert_int_equal(feed(r, 1, 2000, 400, 0, 2, 0, &out, &n), 1);
	check_whole(out, n);
	assert_int_equal(feed(r, 2, 2000, 400, 0, 3, 0, &out, &n), 0);
	assert_int_equal(feed(r, 2, 1000, 1000, 1, 4, 0, &out, &n), 0);
	assert_int_equal(feed(r, 2, 0, 1000, 1, 5, 0, &out, &n), 1);
	check_whole(out, n);
	struct sk_ipfrag_stats st;
	sk_ipfrag_finish(r);
	sk_ipfrag_stats(r, &st);
	assert_int_equal(st.fragments, 6);
	assert_int_equal(st.reassembled, 2);
	assert_int_equal(st.incomplete, 0);
	assert_int_equal(st.bad, 0);
	sk_ipfrag_destroy(r);
}

static void test_missing_timeout_cut(void **state)
{
	(void)state;
	fill();
	struct sk_ipfrag *r = sk_ipfrag_create(4, 30 * SEC);
	const uint8_t *out;
	size_t n;
	struct sk_ipfrag_stats st;
	/* The middle fragment never comes: the datagram stays open until finish. */
	assert_int_equal(feed(r, 3, 0, 1000, 1, 0, 0, &out, &n), 0);
	assert_int_equal(feed(r, 3, 2000, 400, 0, 1, 0, &out, &n), 0);
	/* 31 s later the same Identification starts afresh: the old one timed out. */
	assert_int_equal(feed(r, 3, 1000, 1000, 1, 31 * SEC, 0, &out, &n), 0);
	sk_ipfrag_stats(r, &st);
	assert_int_equal(st.incomplete, 1);
	/* A fragment cut by the snaplen is not usable. */
	assert_int_equal(feed(r, 4, 0, 1000, 1, 32 * SEC, 10, &out, &n), 0);
	sk_ipfrag_stats(r, &st);
	assert_int_equal(st.bad, 1);
	/* Two different ends for one datagram: given up. */
	assert_int_equal(feed(r, 5, 2000, 400, 0, 33 * SEC, 0, &out, &n), 0);
	assert_int_equal(feed(r, 5, 1600, 400, 0, 33 * SEC, 0, &out, &n), 0);
	sk_ipfrag_stats(r, &st);
	assert_int_equal(st.bad, 2);
	assert_int_equal(st.incomplete, 2);
	sk_ipfrag_finish(r);
	sk_ipfrag_stats(r, &st);
	assert_int_equal(st.incomplete, 3); /* id 3 (restarted) still open */
	assert_int_equal(st.reassembled, 0);
	sk_ipfrag_destroy(r);
}

static void test_table_full(void **state)
{
	(void)state;
	fill();
	struct sk_ipfrag *r = sk_ipfrag_create(2, 30 * SEC);
	const uint8_t *out;
	size_t n;
	assert_int_equal(feed(r, 10, 0, 1000, 1, 0, 0, &out, &n), 0);
	assert_int_equal(feed(r, 11, 0, 1000, 1, 1, 0, &out, &n), 0);
	assert_int_equal(feed(r, 12, 0, 1000, 1, 2, 0, &out, &n), 0); /* evicts id 10 */
	struct sk_ipfrag_stats st;
	sk_ipfrag_stats(r, &st);
	assert_int_equal(st.incomplete, 1);
	/* id 11 still completes. */
	assert_int_equal(feed(r, 11, 1000, 1000, 1, 3, 0, &out, &n), 0);
	assert_int_equal(feed(r, 11, 2000, 400, 0, 4, 0, &out, &n), 1);
	check_whole(out, n);
	assert_null(sk_ipfrag_create(0, SEC));
	sk_ipfrag_destroy(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order_and_reversed),
		cmocka_unit_test(test_missing_timeout_cut),
		cmocka_unit_test(test_table_full),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
