/* SPDX-License-Identifier: BSD-3-Clause */
/* test_twamp_control.c - TWAMP-Control messages: exact octets, round trips, truncations,
 * names of modes/accept codes/commands, Type-P variants and the stateless type guess. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "stampkit/stampkit.h"
#include "stampkit/twamp_control.h"

/* Octets written out by hand from the RFC 4656/5357/5938 figures (see each message). */
static const uint8_t greeting_bytes[64] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
	0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
	0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
static const uint8_t setup_bytes[164] = {
	0x00, 0x00, 0x00, 0x02, 0x61, 0x6c, 0x69, 0x63, 0x65, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b,
	0x4c, 0x4d, 0x4e, 0x4f, 0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x5b,
	0x5c, 0x5d, 0x5e, 0x5f, 0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b,
	0x6c, 0x6d, 0x6e, 0x6f, 0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x7b,
	0x7c, 0x7d, 0x7e, 0x7f, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b,
	0x8c, 0x8d, 0x8e, 0x8f,
};
static const uint8_t server_start_bytes[48] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f,
	0xe8, 0xf0, 0xa1, 0xb2, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
static const uint8_t request_bytes[112] = {
	0x05, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x27, 0x10, 0x03, 0x5e,
	0xc0, 0x00, 0x02, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xc6, 0x33, 0x64, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x29, 0xe8, 0xf0, 0xa1, 0xb2, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
	0x80, 0x00, 0x00, 0x00, 0x2e, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00,
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
};
static const uint8_t accept_bytes[48] = {
	0x00, 0x00, 0x4e, 0x20, 0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xbb,
	0xbc, 0xbd, 0xbe, 0xbf, 0x00, 0x04, 0x12, 0x34, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf,
};
static const uint8_t start_bytes[32] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf,
};
static const uint8_t start_ack_bytes[32] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xee, 0xef,
};
static const uint8_t stop_bytes[32] = {
	0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff,
};
static const uint8_t startn_bytes[64] = {
	0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
	0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
	0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22,
	0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33,
};
static const uint8_t stopnack_bytes[48] = {
	0x0a, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44,
	0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55,
};

static void fill(uint8_t *p, uint8_t first, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(first + i);
}

static void check_encode(enum sk_twctl_type t, const void *in, const uint8_t *want, size_t n)
{
	uint8_t buf[256];
	size_t len = 0;
	assert_int_equal(sk_twctl_encode(t, in, buf, sizeof buf, &len), SK_OK);
	assert_int_equal(len, n);
	assert_memory_equal(buf, want, n);
	/* Too small an output buffer is refused, never overrun. */
	assert_int_equal(sk_twctl_encode(t, in, buf, n - 1, &len), SK_E_NOSPACE);
}

static void greeting_exact(void **state)
{
	(void)state;
	struct sk_twctl_greeting g, d;
	memset(&g, 0, sizeof g);
	g.modes = 0x1f;
	fill(g.challenge, 0x10, 16);
	fill(g.salt, 0x20, 16);
	g.count = 1024;
	check_encode(SK_TWCTL_SERVER_GREETING, &g, greeting_bytes, sizeof greeting_bytes);
	assert_int_equal(sk_twctl_decode(SK_TWCTL_SERVER_GREETING, greeting_bytes, 64, &d, NULL, NULL), SK_OK);
	assert_int_equal(d.modes, 0x1f);
	assert_int_equal(d.count, 1024);
	assert_memory_equal(d.challenge, g.challenge, 16);
	assert_memory_equal(d.salt, g.salt, 16);
}

static void setup_exact(void **state)
{
	(void)state;
	struct sk_twctl_setup s, d;
	memset(&s, 0, sizeof s);
	s.mode = SK_TWMODE_AUTH;
	memcpy(s.keyid, "alice", 5);
	fill(s.token, 0x40, 64);
	fill(s.client_iv, 0x80, 16);
	check_encode(SK_TWCTL_SETUP_RESPONSE, &s, setup_bytes, sizeof setup_bytes);
	assert_int_equal(sk_twctl_decode(SK_TWCTL_SETUP_RESPONSE, setup_bytes, 164, &d, NULL, NULL), SK_OK);
	assert_int_equal(d.mode, 2);
	assert_string_equal((const char *)d.keyid, "alice");
	assert_int_equal(d.keyid[79], 0);
	assert_int_equal(d.token[63], 0x7f);
	assert_int_equal(d.client_iv[0], 0x80);
}

static void server_start_exact(void **state)
{
	(void)state;
	struct sk_twctl_server_start s, d;
	memset(&s, 0, sizeof s);
	fill(s.server_iv, 0x90, 16);
	s.start_time = 0xE8F0A1B280000000ull;
	check_encode(SK_TWCTL_SERVER_START, &s, server_start_bytes, sizeof server_start_bytes);
	assert_int_equal(sk_twctl_decode(SK_TWCTL_SERVER_START, server_start_bytes, 48, &d, NULL, NULL), SK_OK);
	assert_int_equal(d.accept, 0);
	assert_true(d.start_time == 0xE8F0A1B280000000ull);
	assert_int_equal(d.server_iv[15], 0x9f);
}

static void make_request(struct sk_twctl_request *q)
{
	memset(q, 0, sizeof *q);
	q->ipvn = 4;
	q->sender_port = 10000;
	q->receiver_port = 862;
	q->sender_address[0] = 192, q->sender_address[2] = 2, q->sender_address[3] = 1;
	q->receiver_address[0] = 198, q->receiver_address[1] = 51, q->receiver_address[2] = 100,
	q->receiver_address[3] = 2;
	q->padding_length = 41;
	q->start_time = 0xE8F0A1B200000000ull;
	q->timeout = 0x0000000280000000ull;
	q->type_p = 0x2E000000u;
	q->octets_reflected = 4;
	q->padding_reflected = 8;
	fill(q->hmac, 0xa0, 16);
}

static void request_exact(void **state)
{
	(void)state;
	struct sk_twctl_request q, d;
	make_request(&q);
	q.command = 99; /* the encoder writes 5 whatever the struct says */
	check_encode(SK_TWCTL_REQUEST_TW_SESSION, &q, request_bytes, sizeof request_bytes);
	assert_int_equal(sk_twctl_decode(SK_TWCTL_REQUEST_TW_SESSION, request_bytes, 112, &d, NULL, NULL), SK_OK);
	assert_int_equal(d.command, 5);
	assert_int_equal(d.ipvn, 4);
	assert_int_equal(d.sender_port, 10000);
	assert_int_equal(d.receiver_port, 862);
	assert_int_equal(d.receiver_address[1], 51);
	assert_int_equal(d.padding_length, 41);
	assert_true(d.timeout == 0x0000000280000000ull);
	assert_int_equal(d.type_p, 0x2E000000u);
	assert_int_equal(d.octets_reflected, 4);
	assert_int_equal(d.padding_reflected, 8);
	assert_int_equal(d.hmac[0], 0xa0);

	/* IPVN 5 and a wrong command number are invalid, not truncated. */
	uint8_t bad[112];
	memcpy(bad, request_bytes, 112);
	bad[1] = 5;
	struct sk_error e;
	assert_int_equal(sk_twctl_decode(SK_TWCTL_REQUEST_TW_SESSION, bad, 112, &d, NULL, &e), SK_E_INVALID);
	assert_int_equal(e.offset, 1);
	bad[1] = 6;
	assert_int_equal(sk_twctl_decode(SK_TWCTL_REQUEST_TW_SESSION, bad, 112, &d, NULL, NULL), SK_OK);
	assert_int_equal(d.ipvn, 6);
	bad[0] = 1;
	assert_int_equal(sk_twctl_decode(SK_TWCTL_REQUEST_TW_SESSION, bad, 112, &d, NULL, NULL), SK_E_INVALID);
}

static void accept_exact(void **state)
{
	(void)state;
	struct sk_twctl_accept a, d;
	memset(&a, 0, sizeof a);
	a.port = 20000;
	fill(a.sid, 0xb0, 16);
	a.reflected_octets = 4;
	a.server_octets = 0x1234;
	fill(a.hmac, 0xc0, 16);
	check_encode(SK_TWCTL_ACCEPT_SESSION, &a, accept_bytes, sizeof accept_bytes);
	assert_int_equal(sk_twctl_decode(SK_TWCTL_ACCEPT_SESSION, accept_bytes, 48, &d, NULL, NULL), SK_OK);
	assert_int_equal(d.port, 20000);
	assert_int_equal(d.server_octets, 0x1234);
	assert_memory_equal(d.sid, a.sid, 16);
}

static void start_stop_exact(void **state)
{
	(void)state;
	struct sk_twctl_start s, ds;
	memset(&s, 0, sizeof s);
	fill(s.hmac, 0xd0, 16);
	check_encode(SK_TWCTL_START_SESSIONS, &s, start_bytes, 32);
	assert_int_equal(sk_twctl_decode(SK_TWCTL_START_SESSIONS, start_bytes, 32, &ds, NULL, NULL), SK_OK);
	assert_int_equal(ds.command, 2);

	struct sk_twctl_start_ack a, da;
	memset(&a, 0, sizeof a);
	fill(a.hmac, 0xe0, 16);
	check_encode(SK_TWCTL_START_ACK, &a, start_ack_bytes, 32);
	assert_int_equal(sk_twctl_decode(SK_TWCTL_START_ACK, start_ack_bytes, 32, &da, NULL, NULL), SK_OK);
	assert_int_equal(da.hmac[15], 0xef);

	struct sk_twctl_stop p, dp;
	memset(&p, 0, sizeof p);
	p.nsessions = 2;
	fill(p.hmac, 0xf0, 16);
	check_encode(SK_TWCTL_STOP_SESSIONS, &p, stop_bytes, 32);
	assert_int_equal(sk_twctl_decode(SK_TWCTL_STOP_SESSIONS, stop_bytes, 32, &dp, NULL, NULL), SK_OK);
	assert_int_equal(dp.command, 3);
	assert_int_equal(dp.nsessions, 2);
	/* A Stop-Sessions decoded as Start-Sessions is invalid. */
	assert_int_equal(sk_twctl_decode(SK_TWCTL_START_SESSIONS, stop_bytes, 32, &ds, NULL, NULL), SK_E_INVALID);
}

static void n_messages_exact(void **state)
{
	(void)state;
	uint8_t sids[2][16];
	memset(sids[0], 0x11, 16);
	memset(sids[1], 0x22, 16);
	struct sk_twctl_nsessions n, d;
	memset(&n, 0, sizeof n);
	n.nsessions = 2;
	n.sids = sids[0];
	memset(n.hmac, 0x33, 16);
	check_encode(SK_TWCTL_START_N_SESSIONS, &n, startn_bytes, sizeof startn_bytes);
	assert_int_equal(sk_twctl_size(SK_TWCTL_START_N_SESSIONS, 2), 64);
	size_t need = 0;
	assert_int_equal(sk_twctl_needed(SK_TWCTL_START_N_SESSIONS, startn_bytes, 15, &need), SK_E_TRUNCATED);
	assert_int_equal(need, 16);
	assert_int_equal(sk_twctl_needed(SK_TWCTL_START_N_SESSIONS, startn_bytes, 16, &need), SK_OK);
	assert_int_equal(need, 64);
	assert_int_equal(sk_twctl_decode(SK_TWCTL_START_N_SESSIONS, startn_bytes, 64, &d, NULL, NULL), SK_OK);
	assert_int_equal(d.command, 7);
	assert_int_equal(d.nsessions, 2);
	assert_ptr_equal(d.sids, startn_bytes + 16);
	assert_memory_equal(d.hmac, n.hmac, 16);

	uint8_t one[16];
	memset(one, 0x44, 16);
	memset(&n, 0, sizeof n);
	n.accept = 1;
	n.nsessions = 1;
	n.sids = one;
	memset(n.hmac, 0x55, 16);
	check_encode(SK_TWCTL_STOP_N_ACK, &n, stopnack_bytes, sizeof stopnack_bytes);
	assert_int_equal(sk_twctl_decode(SK_TWCTL_STOP_N_ACK, stopnack_bytes, 48, &d, NULL, NULL), SK_OK);
	assert_int_equal(d.command, 10);
	assert_int_equal(d.accept, 1);
	assert_memory_equal(d.sids, one, 16);
	/* Start-N-Sessions with the Stop-N-Ack octets: wrong command. */
	assert_int_equal(sk_twctl_decode(SK_TWCTL_START_N_SESSIONS, stopnack_bytes, 48, &d, NULL, NULL),
			 SK_E_INVALID);
	/* A huge Number of Sessions is a truncation, never a read past the buffer. */
	uint8_t big[32];
	memset(big, 0, sizeof big);
	big[0] = 9;
	big[12] = 0xff, big[13] = 0xff, big[14] = 0xff, big[15] = 0xff;
	assert_int_equal(sk_twctl_decode(SK_TWCTL_STOP_N_SESSIONS, big, 32, &d, NULL, NULL), SK_E_TRUNCATED);
}

struct rt {
	enum sk_twctl_type t;
	const uint8_t *bytes;
	size_t len;
};
static const struct rt all_msgs[] = {
	{ SK_TWCTL_SERVER_GREETING, greeting_bytes, sizeof greeting_bytes },
	{ SK_TWCTL_SETUP_RESPONSE, setup_bytes, sizeof setup_bytes },
	{ SK_TWCTL_SERVER_START, server_start_bytes, sizeof server_start_bytes },
	{ SK_TWCTL_REQUEST_TW_SESSION, request_bytes, sizeof request_bytes },
	{ SK_TWCTL_ACCEPT_SESSION, accept_bytes, sizeof accept_bytes },
	{ SK_TWCTL_START_SESSIONS, start_bytes, sizeof start_bytes },
	{ SK_TWCTL_START_ACK, start_ack_bytes, sizeof start_ack_bytes },
	{ SK_TWCTL_STOP_SESSIONS, stop_bytes, sizeof stop_bytes },
	{ SK_TWCTL_START_N_SESSIONS, startn_bytes, sizeof startn_bytes },
	{ SK_TWCTL_STOP_N_ACK, stopnack_bytes, sizeof stopnack_bytes },
};

/* decode -> encode gives the same octets, for every message. */
static void round_trips(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof all_msgs / sizeof all_msgs[0]; i++) {
		union {
			struct sk_twctl_request q;
			struct sk_twctl_setup s;
			struct sk_twctl_nsessions n;
		} u;
		uint8_t out[256];
		size_t len = 0;
		assert_int_equal(sk_twctl_decode(all_msgs[i].t, all_msgs[i].bytes, all_msgs[i].len, &u, NULL, NULL), SK_OK);
		assert_int_equal(sk_twctl_encode(all_msgs[i].t, &u, out, sizeof out, &len), SK_OK);
		assert_int_equal(len, all_msgs[i].len);
		assert_memory_equal(out, all_msgs[i].bytes, len);
		assert_int_equal(sk_twctl_size(all_msgs[i].t, 0) <= len, 1);
	}
}

/* Every shorter length is SK_E_TRUNCATED (the copies are exact-sized so ASan sees overreads). */
static void truncations(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof all_msgs / sizeof all_msgs[0]; i++) {
		for (size_t n = 0; n < all_msgs[i].len; n++) {
			uint8_t *copy = n ? test_malloc(n) : NULL;
			if (n)
				memcpy(copy, all_msgs[i].bytes, n);
			uint8_t out[256];
			struct sk_error e;
			memset(&e, 0, sizeof e);
			assert_int_equal(sk_twctl_decode(all_msgs[i].t, copy, n, out, NULL, &e), SK_E_TRUNCATED);
			assert_int_equal(e.code, SK_E_TRUNCATED);
			if (n)
				test_free(copy);
		}
	}
}

struct counts {
	int fields, problems, opens, closes;
	unsigned kinds; /* bit 1 << enum sk_problem for each kind reported */
	int mbz_nonzero;
	char last_vname[80];
};
static void c_field(void *ctx, const struct sk_field *f, const struct sk_value *v, size_t off)
{
	struct counts *c = ctx;
	(void)f, (void)off;
	c->fields++;
	if (v->mbz_nonzero)
		c->mbz_nonzero++;
	if (v->vname)
		snprintf(c->last_vname, sizeof c->last_vname, "%s", v->vname);
}
static void c_problem(void *ctx, enum sk_problem kind, enum sk_result r, size_t off,
		      const char *msg)
{
	(void)r, (void)off, (void)msg;
	((struct counts *)ctx)->problems++;
	((struct counts *)ctx)->kinds |= 1u << kind;
}
static void c_open(void *ctx, const char *n, const char *k, size_t o, size_t l)
{
	(void)n, (void)k, (void)o, (void)l;
	((struct counts *)ctx)->opens++;
}
static void c_close(void *ctx) { ((struct counts *)ctx)->closes++; }

static void visitor_walk(void **state)
{
	(void)state;
	struct counts c;
	struct sk_visitor v = { c_open, c_field, c_close, c_problem, &c, 0 };
	/* Every table field of every fixed layout is visited once. */
	for (size_t i = 0; i < 8; i++) {
		memset(&c, 0, sizeof c);
		assert_int_equal(sk_twctl_decode(all_msgs[i].t, all_msgs[i].bytes, all_msgs[i].len, NULL, &v, NULL), SK_OK);
		assert_int_equal(c.opens, 1);
		assert_int_equal(c.closes, 1);
		assert_int_equal(c.problems, 0);
	}
	memset(&c, 0, sizeof c);
	sk_twctl_decode(SK_TWCTL_REQUEST_TW_SESSION, request_bytes, 112, NULL, &v, NULL);
	assert_int_equal(c.fields, (int)sk_twctl_request_layout.nfields);
	/* Start-N: header (3 fields) + 2 SIDs + HMAC. */
	memset(&c, 0, sizeof c);
	sk_twctl_decode(SK_TWCTL_START_N_SESSIONS, startn_bytes, 64, NULL, &v, NULL);
	assert_int_equal(c.fields, 3 + 2 + 1);
	assert_int_equal(c.opens, 3); /* message + one group per SID */
	assert_int_equal(c.opens, c.closes);
	/* Non-zero MBZ is reported, not fatal. */
	uint8_t s[32];
	memcpy(s, start_bytes, 32);
	s[7] = 1;
	memset(&c, 0, sizeof c);
	assert_int_equal(sk_twctl_decode(SK_TWCTL_START_SESSIONS, s, 32, NULL, &v, NULL), SK_OK);
	assert_int_equal(c.mbz_nonzero, 1);
	assert_int_equal(c.problems, 1);
	assert_int_equal(c.kinds, 1u << SK_PROB_MBZ_NONZERO);
	/* Accept names reach the visitor. */
	uint8_t a[48];
	memcpy(a, accept_bytes, 48);
	a[0] = 5;
	memset(&c, 0, sizeof c);
	sk_twctl_decode(SK_TWCTL_ACCEPT_SESSION, a, 48, NULL, &v, NULL);
	assert_string_equal(c.last_vname, "Cannot perform request due to temporary resource limitations");
	/* Truncated input is visited as far as it goes, with one problem. */
	memset(&c, 0, sizeof c);
	assert_int_equal(sk_twctl_decode(SK_TWCTL_SERVER_GREETING, greeting_bytes, 20, NULL, &v, NULL), SK_E_TRUNCATED);
	assert_int_equal(c.fields, 2); /* Unused, Modes */
	assert_int_equal(c.problems, 1);
	assert_int_equal(c.kinds, 1u << SK_PROB_TRUNCATED);
}

/* Every problem the control decoders report says its kind. */
static void problem_kinds(void **state)
{
	(void)state;
	struct counts c;
	struct sk_visitor v = { c_open, c_field, c_close, c_problem, &c, 0 };
	/* A fixed-size command with another command number. */
	uint8_t s[32];
	memcpy(s, start_bytes, 32);
	s[0] = SK_TWCMD_STOP_SESSIONS;
	memset(&c, 0, sizeof c);
	assert_int_equal(sk_twctl_decode(SK_TWCTL_START_SESSIONS, s, 32, NULL, &v, NULL), SK_E_INVALID);
	assert_int_equal(c.kinds, 1u << SK_PROB_INVALID);
	/* Request-TW-Session: MBZ bits before IPVN are a warning, a bad IPVN is invalid. */
	uint8_t q[112];
	memcpy(q, request_bytes, 112);
	q[1] = 0x40 | (q[1] & 0x0f);
	memset(&c, 0, sizeof c);
	assert_int_equal(sk_twctl_decode(SK_TWCTL_REQUEST_TW_SESSION, q, 112, NULL, &v, NULL), SK_OK);
	assert_int_equal(c.problems, 1);
	assert_int_equal(c.kinds, 1u << SK_PROB_MBZ_NONZERO);
	q[1] = 5;
	memset(&c, 0, sizeof c);
	assert_int_equal(sk_twctl_decode(SK_TWCTL_REQUEST_TW_SESSION, q, 112, NULL, &v, NULL),
			 SK_E_INVALID);
	assert_int_equal(c.kinds, 1u << SK_PROB_INVALID);
	/* An RFC 5938 message with another command number. */
	uint8_t n[64];
	memcpy(n, startn_bytes, 64);
	n[0] = SK_TWCMD_STOP_N_SESSIONS;
	memset(&c, 0, sizeof c);
	assert_int_equal(sk_twctl_decode(SK_TWCTL_START_N_SESSIONS, n, 64, NULL, &v, NULL),
			 SK_E_INVALID);
	assert_int_equal(c.kinds, 1u << SK_PROB_INVALID);
	/* Cut inside its SID list: truncated, nothing else. */
	memset(&c, 0, sizeof c);
	assert_int_equal(sk_twctl_decode(SK_TWCTL_START_N_SESSIONS, startn_bytes, 40, NULL, &v, NULL),
			 SK_E_TRUNCATED);
	assert_int_equal(c.kinds, 1u << SK_PROB_TRUNCATED);
}

/* The test-packet security of a negotiated Mode. */
static void mode_security(void **state)
{
	(void)state;
	assert_int_equal(sk_twmode_sec(SK_TWMODE_UNAUTH), SK_SEC_UNAUTH);
	assert_int_equal(sk_twmode_sec(SK_TWMODE_AUTH), SK_SEC_AUTH);
	assert_int_equal(sk_twmode_sec(SK_TWMODE_ENCRYPT), SK_SEC_ENCRYPTED);
	/* RFC 5618 mixed mode: encrypted control, test packets in the clear. */
	assert_int_equal(sk_twmode_sec(SK_TWMODE_MIXED), SK_SEC_UNAUTH);
	/* Feature bits do not change it. */
	assert_int_equal(sk_twmode_sec(SK_TWMODE_AUTH | SK_TWMODE_INDIVIDUAL | SK_TWMODE_SYMMETRICAL),
			 SK_SEC_AUTH);
	assert_int_equal(sk_twmode_sec(SK_TWMODE_ENCRYPT | SK_TWMODE_DSCP_ECN), SK_SEC_ENCRYPTED);
	assert_int_equal(sk_twmode_sec(0), SK_SEC_UNAUTH);
	assert_string_equal(sk_sec_name(SK_SEC_UNAUTH), "unauthenticated");
	assert_string_equal(sk_sec_name(SK_SEC_AUTH), "authenticated");
	assert_string_equal(sk_sec_name(SK_SEC_ENCRYPTED), "encrypted");
	assert_string_equal(sk_sec_name((enum sk_sec)9), "unknown");
}

static void names(void **state)
{
	(void)state;
	static const char *const modes[10] = {
		"Unauthenticated", "Authenticated", "Encrypted", "Unauthenticated TEST, Encrypted CONTROL",
		"Individual Session Control", "Reflect Octets Capability",
		"Symmetrical Size Sender Test Packet Format", "IKEv2-derived Shared Secret Key",
		"DSCP and ECN Monitoring Capability", "PTPv2 Timestamp Capability",
	};
	size_t i = 0;
	for (; sk_twamp_mode_bits[i].name; i++) {
		assert_true(i < 10);
		assert_int_equal(sk_twamp_mode_bits[i].mask, 1u << i);
		assert_string_equal(sk_twamp_mode_bits[i].name, modes[i]);
		assert_non_null(sk_twamp_mode_bits[i].key);
	}
	assert_int_equal(i, 10);

	assert_string_equal(sk_vs_name(sk_twamp_accept_names, 0), "OK");
	assert_string_equal(sk_vs_name(sk_twamp_accept_names, 1), "Failure, reason unspecified");
	assert_string_equal(sk_vs_name(sk_twamp_accept_names, 2), "Internal error");
	assert_string_equal(sk_vs_name(sk_twamp_accept_names, 3), "Some aspect of request is not supported");
	assert_string_equal(sk_vs_name(sk_twamp_accept_names, 4),
			    "Cannot perform request due to permanent resource limitations");
	assert_string_equal(sk_vs_name(sk_twamp_accept_names, 5),
			    "Cannot perform request due to temporary resource limitations");
	assert_null(sk_vs_name(sk_twamp_accept_names, 6));

	static const char *const cmds[12] = {
		"Reserved", "Request-Session (OWAMP, forbidden in TWAMP)", "Start-Sessions", "Stop-Sessions",
		"Fetch-Session (OWAMP, reserved in TWAMP)", "Request-TW-Session", "Experimentation",
		"Start-N-Sessions", "Start-N-Ack", "Stop-N-Sessions", "Stop-N-Ack", "Request-TW-Micro-Sessions",
	};
	for (uint32_t c = 0; c < 12; c++)
		assert_string_equal(sk_vs_name(sk_twamp_command_names, c), cmds[c]);
	assert_null(sk_vs_name(sk_twamp_command_names, 12));
	static const int supported[12] = { 0, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 0 };
	for (int c = 0; c < 12; c++)
		assert_int_equal(sk_twamp_command_supported((uint8_t)c), supported[c]);

	static const char *const types[] = {
		"unknown", "Server-Greeting", "Set-Up-Response", "Server-Start", "Request-TW-Session",
		"Accept-Session", "Start-Sessions", "Start-Ack", "Stop-Sessions", "Start-N-Sessions",
		"Start-N-Ack", "Stop-N-Sessions", "Stop-N-Ack",
	};
	for (int t = 0; t < SK_TWCTL_TYPE_COUNT; t++)
		assert_string_equal(sk_twctl_type_name((enum sk_twctl_type)t), types[t]);
	assert_string_equal(sk_twctl_type_name((enum sk_twctl_type)99), "unknown");

	/* Every layout is listed and its fields have keys. */
	size_t nl = 0;
	for (; sk_twctl_layouts[nl]; nl++)
		for (size_t f = 0; f < sk_twctl_layouts[nl]->nfields; f++)
			assert_non_null(sk_twctl_layouts[nl]->fields[f].key);
	assert_int_equal(nl, 12);
}

static void type_p(void **state)
{
	(void)state;
	uint8_t dscp = 0xff;
	unsigned flags = 99;
	assert_int_equal(sk_twamp_typep_dscp(0x2E000000u, &dscp, &flags), SK_OK);
	assert_int_equal(dscp, 46);
	assert_int_equal(flags, 0);
	assert_int_equal(sk_twamp_typep_dscp(0x0000002Eu, &dscp, &flags), SK_OK);
	assert_int_equal(dscp, 46);
	assert_int_equal(flags, SK_TYPEP_LOW_BYTE);
	assert_int_equal(sk_twamp_typep_dscp(0, &dscp, &flags), SK_OK);
	assert_int_equal(dscp, 0);
	assert_int_equal(flags, 0);
	assert_int_equal(sk_twamp_typep_dscp(0x3F000000u, &dscp, &flags), SK_OK);
	assert_int_equal(dscp, 63);
	assert_int_equal(sk_twamp_typep_dscp(0x40B80000u, &dscp, &flags), SK_E_UNSUPPORTED); /* PHB ID */
	assert_int_equal(sk_twamp_typep_dscp(0x2E000001u, &dscp, &flags), SK_E_INVALID);
	assert_int_equal(sk_twamp_typep_dscp(0x00B80000u, &dscp, &flags), SK_E_INVALID);
	assert_int_equal(sk_twamp_typep_dscp(0x80000000u, &dscp, &flags), SK_E_INVALID);
	assert_int_equal(sk_twamp_typep_from_dscp(46), 0x2E000000u);
	assert_int_equal(sk_twamp_typep_from_dscp(0), 0);
}

static void guesses(void **state)
{
	(void)state;
	assert_int_equal(sk_twctl_guess(greeting_bytes, 64, SK_TWCTL_DIR_S2C), SK_TWCTL_SERVER_GREETING);
	assert_int_equal(sk_twctl_guess(greeting_bytes, 64, SK_TWCTL_DIR_UNKNOWN), SK_TWCTL_SERVER_GREETING);
	assert_int_equal(sk_twctl_guess(setup_bytes, 164, SK_TWCTL_DIR_C2S), SK_TWCTL_SETUP_RESPONSE);
	assert_int_equal(sk_twctl_guess(setup_bytes, 164, SK_TWCTL_DIR_UNKNOWN), SK_TWCTL_SETUP_RESPONSE);
	assert_int_equal(sk_twctl_guess(server_start_bytes, 48, SK_TWCTL_DIR_S2C), SK_TWCTL_SERVER_START);
	assert_int_equal(sk_twctl_guess(request_bytes, 112, SK_TWCTL_DIR_C2S), SK_TWCTL_REQUEST_TW_SESSION);
	assert_int_equal(sk_twctl_guess(request_bytes, 111, SK_TWCTL_DIR_C2S), SK_TWCTL_NONE);
	assert_int_equal(sk_twctl_guess(accept_bytes, 48, SK_TWCTL_DIR_S2C), SK_TWCTL_ACCEPT_SESSION);
	assert_int_equal(sk_twctl_guess(start_bytes, 32, SK_TWCTL_DIR_C2S), SK_TWCTL_START_SESSIONS);
	assert_int_equal(sk_twctl_guess(start_ack_bytes, 32, SK_TWCTL_DIR_S2C), SK_TWCTL_START_ACK);
	/* The documented ambiguity: a Start-Ack with Accept 2 reads as Start-Sessions when the
	 * direction is unknown. */
	uint8_t ack2[32];
	memcpy(ack2, start_ack_bytes, 32);
	ack2[0] = 2;
	assert_int_equal(sk_twctl_guess(ack2, 32, SK_TWCTL_DIR_UNKNOWN), SK_TWCTL_START_SESSIONS);
	assert_int_equal(sk_twctl_guess(ack2, 32, SK_TWCTL_DIR_S2C), SK_TWCTL_START_ACK);
	assert_int_equal(sk_twctl_guess(stop_bytes, 32, SK_TWCTL_DIR_C2S), SK_TWCTL_STOP_SESSIONS);
	assert_int_equal(sk_twctl_guess(startn_bytes, 64, SK_TWCTL_DIR_C2S), SK_TWCTL_START_N_SESSIONS);
	assert_int_equal(sk_twctl_guess(startn_bytes, 63, SK_TWCTL_DIR_C2S), SK_TWCTL_NONE);
	assert_int_equal(sk_twctl_guess(stopnack_bytes, 48, SK_TWCTL_DIR_S2C), SK_TWCTL_STOP_N_ACK);
	assert_int_equal(sk_twctl_guess(NULL, 0, SK_TWCTL_DIR_UNKNOWN), SK_TWCTL_NONE);
	uint8_t junk[64];
	memset(junk, 0xee, sizeof junk);
	assert_int_equal(sk_twctl_guess(junk, 64, SK_TWCTL_DIR_UNKNOWN), SK_TWCTL_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(greeting_exact),   cmocka_unit_test(setup_exact),
		cmocka_unit_test(server_start_exact), cmocka_unit_test(request_exact),
		cmocka_unit_test(accept_exact),     cmocka_unit_test(start_stop_exact),
		cmocka_unit_test(n_messages_exact), cmocka_unit_test(round_trips),
		cmocka_unit_test(truncations),      cmocka_unit_test(visitor_walk),
		cmocka_unit_test(names),            cmocka_unit_test(type_p),
		cmocka_unit_test(guesses),          cmocka_unit_test(problem_kinds),
		cmocka_unit_test(mode_security),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
