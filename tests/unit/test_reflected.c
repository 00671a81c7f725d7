/* SPDX-License-Identifier: BSD-3-Clause */
/* test_reflected.c - loop protection: sk_reflect_is_reflected tells a Session-Reflector
 * packet fed back to a reflector from a Session-Sender packet (RFC 8762 §4.2 vs §4.3,
 * RFC 5357 §4.1.2 vs §4.2.1, RFC 6038 §4.2), built with the codec's own encoder and
 * reflector so the layouts are the RFCs' field tables. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "stampkit/stampkit.h"

#define NOW_NS 1700000000223456789LL
#define T1_NS (NOW_NS - 100000000LL)
#define T3_NS (NOW_NS + 50000LL)

static const char key[] = "stamp-key";

static struct sk_reflect_cfg cfg_of(uint8_t proto, uint8_t sec)
{
	struct sk_reflect_cfg c;
	memset(&c, 0, sizeof c);
	c.proto = proto;
	c.sec = sec;
	c.error_estimate = 0x8001;
	c.ts_method_in = 2;
	c.ts_method_out = 2;
	if (sec == SK_SEC_AUTH && proto == SK_PROTO_STAMP) {
		c.key = key;
		c.key_len = strlen(key);
	}
	return c;
}

static struct sk_reflect_rx rx4(void)
{
	struct sk_reflect_rx rx;
	memset(&rx, 0, sizeof rx);
	rx.t2_ns = NOW_NS;
	rx.ttl = 64;
	rx.tos = 0;
	rx.family = 4;
	const uint8_t a[4] = { 127, 0, 0, 1 };
	memcpy(rx.src, a, 4);
	memcpy(rx.dst, a, 4);
	rx.sport = 40000;
	rx.dport = 862;
	return rx;
}

/* A Session-Sender packet of `len` octets (zero padding / MBZ). */
static size_t mk_sender(uint8_t *buf, size_t cap, uint8_t proto, uint8_t sec, uint8_t feat,
			size_t len)
{
	struct sk_test_opts o = { .proto = proto, .role = SK_ROLE_SENDER, .sec = sec,
				  .features = feat };
	if (sec == SK_SEC_AUTH) {
		o.stamp_key = key;
		o.stamp_key_len = strlen(key);
	}
	struct sk_test_pkt p;
	memset(&p, 0, sizeof p);
	p.seq = 7;
	p.timestamp = sk_ts_from_ns(T1_NS, SK_TS_NTP, 0);
	p.error_estimate = 0x8001;
	p.ssid = 0x1234;
	size_t n = 0;
	memset(buf, 0, cap);
	assert_int_equal(sk_test_encode(&p, &o, buf, cap, &n), SK_OK);
	return len > n ? len : n;
}

/* The reply a reflector configured as c sends to req. */
static size_t mk_reply(const struct sk_reflect_cfg *c, const uint8_t *req, size_t n,
		       uint8_t *out, size_t cap)
{
	struct sk_reflect_rx rx = rx4();
	struct sk_reflect_state st;
	memset(&st, 0, sizeof st);
	struct sk_reflect_info info;
	assert_int_equal(sk_reflect_build(req, n, c, &rx, &st, T3_NS, out, cap, &info, NULL), SK_OK);
	return info.len;
}

/* RFC 8762 §4.2.1: octets 16-43 of a sender packet are MBZ; §4.3.1: the reflector carries
 * Receive Timestamp at 16, Session-Sender Sequence Number at 24, Timestamp at 28, Error
 * Estimate at 36 and TTL at 40. */
static void test_stamp_unauth(void **state)
{
	(void)state;
	struct sk_reflect_cfg c = cfg_of(SK_PROTO_STAMP, SK_SEC_UNAUTH);
	uint8_t req[64], out[64];
	size_t off = 99;
	size_t n = mk_sender(req, sizeof req, SK_PROTO_STAMP, SK_SEC_UNAUTH, 0, 0);
	assert_int_equal(n, SK_STAMP_UNAUTH_LEN);
	assert_false(sk_reflect_is_reflected(req, n, &c, NOW_NS, &off));
	assert_int_equal(off, 99);
	size_t rn = mk_reply(&c, req, n, out, sizeof out);
	assert_true(sk_reflect_is_reflected(out, rn, &c, NOW_NS, &off));
	assert_int_equal(off, 16);
	/* Each reflector-only field alone gives it away, whatever the time. */
	const size_t fields[] = { 16, 23, 24, 27, 28, 35, 36, 37, 40 };
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		memcpy(out, req, n);
		out[fields[i]] = 1;
		assert_true(sk_reflect_is_reflected(out, n, &c, 0, &off));
		assert_int_equal(off, fields[i]);
	}
	/* MBZ octets that are MBZ in both layouts (38-39, 41-43) are not a reflector's mark,
	 * nor is the SSID (14-15, RFC 8972 §3). */
	const size_t mbz[] = { 14, 15, 38, 39, 41, 42, 43 };
	for (size_t i = 0; i < sizeof mbz / sizeof mbz[0]; i++) {
		memcpy(out, req, n);
		out[mbz[i]] = 0xff;
		assert_false(sk_reflect_is_reflected(out, n, &c, NOW_NS, NULL));
	}
	/* Shorter than the base packet: a TWAMP-light sender's request, which a STAMP reflector
	 * answers (RFC 8762 §4.6); its zero padding (twampy's, IMIX's 8 octets) is no mark. */
	assert_false(sk_reflect_is_reflected(req, 14, &c, NOW_NS, NULL));
	assert_false(sk_reflect_is_reflected(req, 22, &c, NOW_NS, NULL));
	assert_false(sk_reflect_is_reflected(req, 41, &c, NOW_NS, NULL));
	/* ... but a TWAMP-light reflector's short reply (twampy's 38 octets: Receive Timestamp
	 * at 16) is one: answering it would loop between the two reflectors. */
	memcpy(out, req, n);
	out[20] = 0x5a;
	assert_true(sk_reflect_is_reflected(out, 38, &c, NOW_NS, &off));
	assert_int_equal(off, 20);
	assert_false(sk_reflect_is_reflected(out, 16, &c, NOW_NS, NULL));
}

/* RFC 8762 §4.2.2 vs §4.3.2: Receive Timestamp at 32, Session-Sender Sequence Number at 48,
 * Timestamp at 64, Error Estimate at 72, TTL at 80, all MBZ in the sender packet. The
 * HMAC (96) covers octets 0-95 in both, so a reflected packet with the same key verifies:
 * only the layout can tell. */
static void test_stamp_auth(void **state)
{
	(void)state;
	struct sk_reflect_cfg c = cfg_of(SK_PROTO_STAMP, SK_SEC_AUTH);
	uint8_t req[128], out[128];
	size_t off = 0;
	size_t n = mk_sender(req, sizeof req, SK_PROTO_STAMP, SK_SEC_AUTH, 0, 0);
	assert_int_equal(n, SK_STAMP_AUTH_LEN);
	assert_false(sk_reflect_is_reflected(req, n, &c, NOW_NS, NULL));
	size_t rn = mk_reply(&c, req, n, out, sizeof out);
	assert_true(sk_reflect_is_reflected(out, rn, &c, NOW_NS, &off));
	assert_int_equal(off, 32);
	const size_t fields[] = { 32, 39, 48, 51, 64, 73, 80 };
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		memcpy(out, req, n);
		out[fields[i]] = 1;
		assert_true(sk_reflect_is_reflected(out, n, &c, NOW_NS, &off));
		assert_int_equal(off, fields[i]);
	}
	const size_t mbz[] = { 4, 28, 40, 47, 52, 63, 74, 79, 81, 95 };
	for (size_t i = 0; i < sizeof mbz / sizeof mbz[0]; i++) {
		memcpy(out, req, n);
		out[mbz[i]] = 0xff;
		assert_false(sk_reflect_is_reflected(out, n, &c, NOW_NS, NULL));
	}
}

/* TWAMP-light (RFC 5357 §4.1.2): octets from 14 on are padding, so only a plausible
 * reflector packet (§4.2.1) counts. */
static void test_twamp_light(void **state)
{
	(void)state;
	struct sk_reflect_cfg c = cfg_of(SK_PROTO_TWAMP, SK_SEC_UNAUTH);
	uint8_t req[128], out[128];
	size_t off = 0;
	size_t n = mk_sender(req, sizeof req, SK_PROTO_TWAMP, SK_SEC_UNAUTH, 0, 0);
	assert_int_equal(n, SK_TWAMP_SENDER_MIN);
	assert_false(sk_reflect_is_reflected(req, n, &c, NOW_NS, NULL));
	n = mk_sender(req, sizeof req, SK_PROTO_TWAMP, SK_SEC_UNAUTH, 0, 64);
	assert_false(sk_reflect_is_reflected(req, n, &c, NOW_NS, NULL)); /* zero padding */
	/* Patterned padding (twampy-like 0xee, an incrementing pattern): not a reflector. */
	memset(req + 14, 0xee, 50);
	assert_false(sk_reflect_is_reflected(req, n, &c, NOW_NS, NULL));
	for (size_t i = 14; i < 64; i++)
		req[i] = (uint8_t)i;
	assert_false(sk_reflect_is_reflected(req, n, &c, NOW_NS, NULL));
	memset(req + 14, 0, 50);

	size_t rn = mk_reply(&c, req, n, out, sizeof out);
	assert_int_equal(rn, 64);
	assert_true(sk_reflect_is_reflected(out, rn, &c, NOW_NS, &off));
	assert_int_equal(off, 16);
	/* Within the window on either side of our clock (two hosts' clocks differ a little). */
	const int64_t s = 1000000000LL;
	assert_true(sk_reflect_is_reflected(out, rn, &c, NOW_NS + (SK_REFLECTED_WINDOW_S - 1) * s,
					    NULL));
	assert_true(sk_reflect_is_reflected(out, rn, &c, NOW_NS - (SK_REFLECTED_WINDOW_S - 1) * s,
					    NULL));
	/* A Receive Timestamp far from now is what random padding looks like: answered. */
	assert_false(sk_reflect_is_reflected(out, rn, &c, NOW_NS + 3600 * s, NULL));
	/* Timestamp (T3) before the Receive Timestamp (T2): not a reflector's reply. */
	uint8_t x[128];
	memcpy(x, out, rn);
	sk_be64(x + 4, sk_ts_from_ns(NOW_NS - s, SK_TS_NTP, 0));
	assert_false(sk_reflect_is_reflected(x, rn, &c, NOW_NS, NULL));
	/* Sender TTL 0: a reflector always writes the TTL it saw (255 when unknown). */
	memcpy(x, out, rn);
	x[40] = 0;
	assert_false(sk_reflect_is_reflected(x, rn, &c, NOW_NS, NULL));
	/* The 41-octet reply to a 14-octet request (the responder's default) is recognised too. */
	c.allow_short = true;
	rn = mk_reply(&c, req, 14, out, sizeof out);
	assert_int_equal(rn, 41);
	assert_true(sk_reflect_is_reflected(out, rn, &c, NOW_NS, NULL));
	assert_false(sk_reflect_is_reflected(out, 40, &c, NOW_NS, NULL));
	/* PTP timestamps (Z bit of the Error Estimate, RFC 8762 §4.2.1) are read as such. */
	struct sk_reflect_cfg p = c;
	p.ts_fmt = SK_TS_PTP;
	p.error_estimate = 0xc001;
	rn = mk_reply(&p, req, 64, out, sizeof out);
	assert_true(sk_reflect_is_reflected(out, rn, &c, NOW_NS, NULL));
}

/* The mixed loop: a STAMP reflector's reply (RFC 8762 §4.3.1 has the TWAMP-light reflector
 * layout, SSID in the MBZ octets) reaches a TWAMP-light reflector, and the other way. */
static void test_mixed(void **state)
{
	(void)state;
	struct sk_reflect_cfg cs = cfg_of(SK_PROTO_STAMP, SK_SEC_UNAUTH);
	struct sk_reflect_cfg ct = cfg_of(SK_PROTO_TWAMP, SK_SEC_UNAUTH);
	uint8_t req[64], out[64];
	size_t n = mk_sender(req, sizeof req, SK_PROTO_STAMP, SK_SEC_UNAUTH, 0, 0);
	size_t rn = mk_reply(&cs, req, n, out, sizeof out);
	assert_true(sk_reflect_is_reflected(out, rn, &ct, NOW_NS, NULL));
	n = mk_sender(req, sizeof req, SK_PROTO_TWAMP, SK_SEC_UNAUTH, 0, 44);
	rn = mk_reply(&ct, req, n, out, sizeof out);
	assert_int_equal(rn, 44);
	assert_true(sk_reflect_is_reflected(out, rn, &cs, NOW_NS, NULL));
}

/* RFC 6038 §4.2: the symmetrical sender packet has MBZ 14-40, so the check is exact; the
 * authenticated and encrypted TWAMP modes are not inspected (their HMAC refuses). */
static void test_twamp_other(void **state)
{
	(void)state;
	struct sk_reflect_cfg c = cfg_of(SK_PROTO_TWAMP, SK_SEC_UNAUTH);
	c.features = SK_TF_SYMMETRICAL;
	uint8_t req[64], out[64];
	size_t n = mk_sender(req, sizeof req, SK_PROTO_TWAMP, SK_SEC_UNAUTH, SK_TF_SYMMETRICAL, 0);
	assert_int_equal(n, SK_TWAMP_REFLECTOR_MIN);
	assert_false(sk_reflect_is_reflected(req, n, &c, NOW_NS, NULL));
	size_t rn = mk_reply(&c, req, n, out, sizeof out);
	assert_true(sk_reflect_is_reflected(out, rn, &c, 0, NULL)); /* any time */
	struct sk_reflect_cfg a = cfg_of(SK_PROTO_TWAMP, SK_SEC_AUTH);
	assert_false(sk_reflect_is_reflected(out, rn, &a, NOW_NS, NULL));
	assert_false(sk_reflect_is_reflected(NULL, 0, &c, NOW_NS, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stamp_unauth),
		cmocka_unit_test(test_stamp_auth),
		cmocka_unit_test(test_twamp_light),
		cmocka_unit_test(test_mixed),
		cmocka_unit_test(test_twamp_other),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
