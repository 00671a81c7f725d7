/* SPDX-License-Identifier: BSD-3-Clause */
/* test_tcpstream.c - bounded TCP reassembly: in order, retransmission, overlap, reordering,
 * holes (flush and overflow), two directions, table limits, output JSON escaping. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "output.h"
#include "tcpstream.h"

struct got {
	char data[2][256];
	size_t n[2];
	uint32_t missing[2];
	int gaps, opened, dropped;
	uint64_t last_frame;
};

static void on_data(void *ctx, struct sk_tcpconn *c, int dir, const uint8_t *p, size_t n,
		    uint64_t frame)
{
	struct got *g = ctx;
	(void)c;
	assert_true(g->n[dir] + n < sizeof g->data[dir]);
	memcpy(g->data[dir] + g->n[dir], p, n);
	g->n[dir] += n;
	g->last_frame = frame;
}
static void on_gap(void *ctx, struct sk_tcpconn *c, int dir, uint32_t missing, uint64_t frame)
{
	struct got *g = ctx;
	(void)c, (void)frame;
	g->gaps++;
	g->missing[dir] += missing;
}
static void on_open(void *ctx, struct sk_tcpconn *c) { (void)c, ((struct got *)ctx)->opened++; }
static void on_drop(void *ctx, struct sk_tcpconn *c) { (void)c, ((struct got *)ctx)->dropped++; }

static struct sk_pkt seg(int from_client, uint32_t seq, uint8_t flags, const char *data)
{
	struct sk_pkt p;
	memset(&p, 0, sizeof p);
	p.ipver = 4;
	p.proto = 6;
	p.l4 = 1;
	const uint8_t cli[4] = { 10, 0, 0, 1 }, srv[4] = { 10, 0, 0, 2 };
	memcpy(p.src, from_client ? cli : srv, 4);
	memcpy(p.dst, from_client ? srv : cli, 4);
	p.sport = from_client ? 50000 : 862;
	p.dport = from_client ? 862 : 50000;
	p.tcp_seq = seq;
	p.tcp_flags = flags;
	p.payload = (const uint8_t *)data;
	p.payload_len = data ? strlen(data) : 0;
	return p;
}

static struct sk_tcpstream *mk(struct got *g, size_t conns, size_t cap)
{
	memset(g, 0, sizeof *g);
	struct sk_tcpstream_ops ops = { on_data, on_gap, on_open, on_drop, g };
	struct sk_tcpstream *ts = sk_tcpstream_create(conns, cap, &ops);
	assert_non_null(ts);
	return ts;
}

#define FEED(ts, cl, seq, fl, d, fr) do { struct sk_pkt p_ = seg(cl, seq, fl, d); \
	assert_int_equal(sk_tcpstream_segment(ts, &p_, fr), 0); } while (0)

static void in_order_both_directions(void **state)
{
	(void)state;
	struct got g;
	struct sk_tcpstream *ts = mk(&g, 4, 64);
	FEED(ts, 1, 1000, SK_TCP_SYN, NULL, 1);
	FEED(ts, 0, 5000, SK_TCP_SYN | SK_TCP_ACK, NULL, 2);
	FEED(ts, 0, 5001, SK_TCP_ACK, "greet", 3);
	FEED(ts, 1, 1001, SK_TCP_ACK, "hello", 4);
	FEED(ts, 1, 1006, SK_TCP_ACK, " world", 5);
	assert_int_equal(g.n[0], 11);
	assert_memory_equal(g.data[0], "hello world", 11);
	assert_int_equal(g.n[1], 5);
	assert_memory_equal(g.data[1], "greet", 5);
	assert_int_equal(g.last_frame, 5);
	assert_int_equal(g.opened, 1);
	assert_int_equal(g.gaps, 0);
	sk_tcpstream_destroy(ts);
	assert_int_equal(g.dropped, 1);
}

static void retransmission_and_overlap(void **state)
{
	(void)state;
	struct got g;
	struct sk_tcpstream *ts = mk(&g, 4, 64);
	FEED(ts, 1, 99, SK_TCP_SYN, NULL, 1);
	FEED(ts, 1, 100, SK_TCP_ACK, "abcd", 2);
	FEED(ts, 1, 100, SK_TCP_ACK, "abcd", 3);   /* duplicate */
	FEED(ts, 1, 102, SK_TCP_ACK, "cdefg", 4);  /* overlaps two octets */
	assert_int_equal(g.n[0], 7);
	assert_memory_equal(g.data[0], "abcdefg", 7);
	assert_int_equal(g.gaps, 0);
	sk_tcpstream_destroy(ts);
}

static void reordering_is_repaired(void **state)
{
	(void)state;
	struct got g;
	struct sk_tcpstream *ts = mk(&g, 4, 64);
	FEED(ts, 1, 0, SK_TCP_SYN, NULL, 1);
	FEED(ts, 1, 7, SK_TCP_ACK, "ghi", 2);  /* arrives before 4..6 */
	FEED(ts, 1, 4, SK_TCP_ACK, "def", 3);  /* arrives before 1..3 */
	assert_int_equal(g.n[0], 0);
	FEED(ts, 1, 1, SK_TCP_ACK, "abc", 4);
	assert_int_equal(g.n[0], 9);
	assert_memory_equal(g.data[0], "abcdefghi", 9);
	assert_int_equal(g.last_frame, 4);
	assert_int_equal(g.gaps, 0);
	sk_tcpstream_destroy(ts);
}

static void hole_reported_at_flush(void **state)
{
	(void)state;
	struct got g;
	struct sk_tcpstream *ts = mk(&g, 4, 64);
	FEED(ts, 1, 0, SK_TCP_SYN, NULL, 1);
	FEED(ts, 1, 1, SK_TCP_ACK, "ab", 2);
	FEED(ts, 1, 10, SK_TCP_ACK, "xyz", 3); /* octets 3..9 never come */
	assert_int_equal(g.n[0], 2);
	sk_tcpstream_flush(ts, 9);
	assert_int_equal(g.gaps, 1);
	assert_int_equal(g.missing[0], 7);
	assert_int_equal(g.n[0], 5);
	assert_memory_equal(g.data[0], "abxyz", 5);
	sk_tcpstream_destroy(ts);
}

static void overflow_gives_up_on_hole(void **state)
{
	(void)state;
	struct got g;
	struct sk_tcpstream *ts = mk(&g, 4, 4); /* holds 4 octets at most */
	FEED(ts, 1, 0, SK_TCP_SYN, NULL, 1);
	FEED(ts, 1, 5, SK_TCP_ACK, "EF", 2);     /* held: octets 5,6 */
	FEED(ts, 1, 7, SK_TCP_ACK, "GHIJ", 3);   /* does not fit: hole 1..4 given up */
	assert_int_equal(g.gaps, 1);
	assert_int_equal(g.missing[0], 4);
	assert_int_equal(g.n[0], 6);
	assert_memory_equal(g.data[0], "EFGHIJ", 6);
	/* Later octets still flow. */
	FEED(ts, 1, 11, SK_TCP_ACK, "K", 4);
	assert_int_equal(g.n[0], 7);
	sk_tcpstream_destroy(ts);
}

static void mid_stream_and_table_full(void **state)
{
	(void)state;
	struct got g;
	struct sk_tcpstream *ts = mk(&g, 1, 16);
	FEED(ts, 0, 777, SK_TCP_ACK, "late", 1); /* no SYN seen */
	assert_int_equal(g.n[0], 4);
	struct sk_pkt other = seg(1, 1, SK_TCP_ACK, "x");
	other.sport = 50001;
	assert_int_equal(sk_tcpstream_segment(ts, &other, 2), -1);
	assert_int_equal(sk_tcpstream_overflows(ts), 1);
	/* UDP or headerless segments are ignored. */
	struct sk_pkt udp = seg(1, 1, 0, "x");
	udp.proto = 17;
	assert_int_equal(sk_tcpstream_segment(ts, &udp, 3), 0);
	sk_tcpstream_destroy(ts);
	assert_null(sk_tcpstream_create(0, 16, NULL));
}

static void json_string_escaping(void **state)
{
	(void)state;
	struct sk_sbuf b = { 0 };
	/* Quote, backslash, newline, control, DEL, valid UTF-8 (é), a lone continuation octet,
	 * a truncated sequence at the end. */
	const char in[] = "a\"b\\c\n\x01\x7f\xc3\xa9\x80/\xe2\x82";
	sk_json_str(&b, in, sizeof in - 1);
	assert_string_equal(b.p, "\"a\\\"b\\\\c\\n\\u0001\\u007f\xc3\xa9\\u0080/\\u00e2\\u0082\"");
	sk_sbuf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(in_order_both_directions),
		cmocka_unit_test(retransmission_and_overlap),
		cmocka_unit_test(reordering_is_repaired),
		cmocka_unit_test(hole_reported_at_flush),
		cmocka_unit_test(overflow_gives_up_on_hole),
		cmocka_unit_test(mid_stream_and_table_full),
		cmocka_unit_test(json_string_escaping),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
