/* SPDX-License-Identifier: BSD-3-Clause */
/* test_reflect.c - reflector replies: sizes, stateless/stateful numbering, Sender TTL,
 * every truncation, TLVs answered (RFC 8972 §4), U/M/I flags, HMACs, no amplification,
 * TWAMP authenticated and encrypted replies (RFC 5357 §4.1.2, §4.2.1). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "stampkit/stampkit.h"

#define T1_NS 1700000000123456789LL
#define T2_NS 1700000000223456789LL
#define T3_NS 1700000000223556789LL

static const char key[] = "stamp-key";

static struct sk_reflect_rx rx4(void)
{
	struct sk_reflect_rx rx;
	memset(&rx, 0, sizeof rx);
	rx.t2_ns = T2_NS;
	rx.ttl = 61;
	rx.tos = 0xb9; /* DSCP 46, ECN 1 */
	rx.family = 4;
	const uint8_t s[4] = { 192, 0, 2, 1 }, d[4] = { 198, 51, 100, 7 };
	memcpy(rx.src, s, 4);
	memcpy(rx.dst, d, 4);
	rx.sport = 40000;
	rx.dport = 862;
	return rx;
}

static struct sk_reflect_cfg cfg_stamp(void)
{
	struct sk_reflect_cfg c;
	memset(&c, 0, sizeof c);
	c.proto = SK_PROTO_STAMP;
	c.sec = SK_SEC_UNAUTH;
	c.error_estimate = 0x8001;
	c.sync_src = 1;
	c.ts_method_in = 2;
	c.ts_method_out = 2;
	c.reflector_msid = 0x0b0c;
	return c;
}

/* A sender packet with seq, T1, SSID; TLV octets appended verbatim. */
static size_t mk_req(uint8_t *buf, size_t cap, uint8_t proto, uint8_t sec, uint32_t seq,
		     const uint8_t *tlvs, size_t tlen)
{
	struct sk_test_opts o = { .proto = proto, .role = SK_ROLE_SENDER, .sec = sec };
	if (sec == SK_SEC_AUTH) {
		o.stamp_key = key;
		o.stamp_key_len = strlen(key);
	}
	struct sk_test_pkt p;
	memset(&p, 0, sizeof p);
	p.seq = seq;
	p.timestamp = sk_ts_from_ns(T1_NS, SK_TS_NTP, 0);
	p.error_estimate = 0x0001;
	p.ssid = 0x1234;
	p.tail = tlvs;
	p.tail_len = tlen;
	size_t n = 0;
	assert_int_equal(sk_test_encode(&p, &o, buf, cap, &n), SK_OK);
	return n;
}

static void decode_reply(const uint8_t *p, size_t n, uint8_t proto, uint8_t sec, const void *k,
			 struct sk_test_pkt *out, enum sk_result want)
{
	struct sk_test_opts o = { .proto = proto, .role = SK_ROLE_REFLECTOR, .sec = sec };
	if (k) {
		o.stamp_key = k;
		o.stamp_key_len = strlen(k);
	}
	assert_int_equal(sk_test_decode(p, n, &o, out, NULL, NULL), want);
}

static void test_stamp_stateless(void **state)
{
	(void)state;
	uint8_t req[64], out[64];
	size_t n = mk_req(req, sizeof req, SK_PROTO_STAMP, SK_SEC_UNAUTH, 77, NULL, 0);
	assert_int_equal(n, 44);
	struct sk_reflect_cfg c = cfg_stamp();
	uint32_t pseq = 0;
	uint16_t pssid = 0;
	assert_int_equal(sk_reflect_peek(req, n, &c, &pseq, &pssid), SK_OK);
	assert_int_equal(pseq, 77);
	assert_int_equal(pssid, 0x1234);
	/* Shorter than the base packet: a TWAMP-light sender's request (RFC 8762 §4.6), whose
	 * octets 14-15 are padding, not an SSID; under its 14 octets: truncated. */
	assert_int_equal(sk_reflect_peek(req, 43, &c, &pseq, &pssid), SK_OK);
	assert_int_equal(pseq, 77);
	assert_int_equal(pssid, 0);
	assert_int_equal(sk_reflect_peek(req, 13, &c, &pseq, &pssid), SK_E_TRUNCATED);
	struct sk_reflect_rx rx = rx4();
	struct sk_reflect_state st;
	memset(&st, 0, sizeof st);
	struct sk_reflect_info info;
	assert_int_equal(sk_reflect_build(req, n, &c, &rx, &st, T3_NS, out, sizeof out, &info, NULL),
			 SK_OK);
	assert_int_equal(info.len, 44);
	assert_int_equal(info.reflector_seq, 77); /* stateless: copied */
	assert_int_equal(info.sender_seq, 77);
	assert_int_equal(info.ssid, 0x1234);
	assert_int_equal(info.reply_tos, -1);
	assert_false(info.followup);
	struct sk_test_pkt p;
	decode_reply(out, info.len, SK_PROTO_STAMP, SK_SEC_UNAUTH, NULL, &p, SK_OK);
	assert_int_equal(p.seq, 77);
	assert_int_equal(p.sender_seq, 77);
	assert_int_equal(p.ssid, 0x1234);
	assert_int_equal(p.sender_ttl, 61);
	assert_int_equal(p.error_estimate, 0x8001);
	assert_int_equal(p.sender_error_estimate, 0x0001);
	assert_true(p.sender_timestamp == sk_ts_from_ns(T1_NS, SK_TS_NTP, 0));
	/* NTP resolution is 2^-32 s: within 1 ns of the times given. */
	assert_true(llabs(sk_ts_to_ns(p.rx_timestamp, SK_TS_NTP, 0) - T2_NS) <= 1);
	assert_true(llabs(sk_ts_to_ns(p.timestamp, SK_TS_NTP, 0) - T3_NS) <= 1);
	/* Hand-checked octets: Sender TTL at 40, SSID at 14, sender seq at 24. */
	assert_int_equal(out[40], 61);
	assert_int_equal(out[14], 0x12);
	assert_int_equal(out[15], 0x34);
	assert_int_equal(out[27], 77);
	assert_int_equal(st.rx_count, 1);
	assert_int_equal(st.tx_count, 1);
	assert_int_equal(st.next_seq, 0);

	/* Unknown TTL -> 255 (RFC 5357 §4.2.1). */
	rx.ttl = -1;
	assert_int_equal(sk_reflect_build(req, n, &c, &rx, &st, T3_NS, out, sizeof out, &info, NULL),
			 SK_OK);
	assert_int_equal(out[40], 255);
}

static void test_stamp_stateful(void **state)
{
	(void)state;
	uint8_t req[64], out[64];
	struct sk_reflect_cfg c = cfg_stamp();
	c.stateful = true;
	struct sk_reflect_rx rx = rx4();
	struct sk_reflect_state st;
	memset(&st, 0, sizeof st);
	struct sk_reflect_info info;
	const uint32_t seqs[] = { 5, 9, 6 };
	for (unsigned i = 0; i < 3; i++) {
		size_t n = mk_req(req, sizeof req, SK_PROTO_STAMP, SK_SEC_UNAUTH, seqs[i], NULL, 0);
		assert_int_equal(sk_reflect_build(req, n, &c, &rx, &st, T3_NS, out, sizeof out, &info,
						  NULL), SK_OK);
		assert_int_equal(info.reflector_seq, i);
		assert_int_equal(info.sender_seq, seqs[i]);
		assert_int_equal(sk_ld32(out), i);
		assert_int_equal(sk_ld32(out + 24), seqs[i]);
	}
	assert_int_equal(st.next_seq, 3);
}

static void test_twamp_light_sizes(void **state)
{
	(void)state;
	uint8_t req[128], out[128];
	struct sk_reflect_cfg c = cfg_stamp();
	c.proto = SK_PROTO_TWAMP;
	struct sk_reflect_rx rx = rx4();
	struct sk_reflect_state st;
	memset(&st, 0, sizeof st);
	struct sk_reflect_info info;
	size_t n = mk_req(req, sizeof req, SK_PROTO_TWAMP, SK_SEC_UNAUTH, 3, NULL, 0);
	assert_int_equal(n, 14);
	/* A 14-octet request would need a larger reply: refused unless allowed. */
	assert_int_equal(sk_reflect_build(req, n, &c, &rx, &st, T3_NS, out, sizeof out, &info, NULL),
			 SK_E_UNSUPPORTED);
	assert_int_equal(st.tx_count, 0);
	c.allow_short = true;
	assert_int_equal(sk_reflect_build(req, n, &c, &rx, &st, T3_NS, out, sizeof out, &info, NULL),
			 SK_OK);
	assert_int_equal(info.len, 41);
	c.allow_short = false;
	/* A 100-octet request: a 100-octet reply, zero padding after the 41-octet part. */
	memset(req + 14, 0xee, 86);
	assert_int_equal(sk_reflect_build(req, 100, &c, &rx, &st, T3_NS, out, sizeof out, &info, NULL),
			 SK_OK);
	assert_int_equal(info.len, 100);
	assert_int_equal(info.reflector_seq, 1); /* TWAMP-light numbers its own replies */
	struct sk_test_pkt p;
	decode_reply(out, 100, SK_PROTO_TWAMP, SK_SEC_UNAUTH, NULL, &p, SK_OK);
	assert_int_equal(p.sender_seq, 3);
	assert_int_equal(p.sender_ttl, 61);
	assert_int_equal(p.tail_len, 59);
	for (size_t i = 41; i < 100; i++)
		assert_int_equal(out[i], 0);
	/* Never larger than the request, and no room -> NOSPACE, not an overflow. */
	assert_int_equal(sk_reflect_build(req, 100, &c, &rx, &st, T3_NS, out, 99, &info, NULL),
			 SK_E_NOSPACE);
}

/* RFC 6038 / RFC 7750 features negotiated over TWAMP-Control: a 41-octet symmetrical
 * request, the received TOS in the octet after Sender TTL, reflected padding octets. */
static void test_twamp_features(void **state)
{
	(void)state;
	uint8_t req[128], out[128];
	struct sk_reflect_cfg c = cfg_stamp();
	c.proto = SK_PROTO_TWAMP;
	struct sk_reflect_rx rx = rx4();
	struct sk_reflect_state st;
	memset(&st, 0, sizeof st);
	struct sk_reflect_info info;
	/* Symmetrical: 41 octets, MBZ after the error estimate; shorter is truncated. */
	size_t n = mk_req(req, sizeof req, SK_PROTO_TWAMP, SK_SEC_UNAUTH, 9, NULL, 0);
	memset(req + 14, 0, 27);
	c.features = SK_TF_SYMMETRICAL;
	for (size_t l = 14; l < 41; l++)
		assert_int_equal(sk_reflect_build(req, l, &c, &rx, &st, T3_NS, out, sizeof out, &info,
						  NULL), SK_E_TRUNCATED);
	assert_int_equal(sk_reflect_build(req, 41, &c, &rx, &st, T3_NS, out, sizeof out, &info, NULL),
			 SK_OK);
	assert_int_equal(info.len, 41);
	assert_int_equal(info.sender_seq, 9);
	(void)n;
	/* DSCP/ECN: octet 41 = received TOS 0xb9, the reply grows to the 42-octet layout. */
	c.features = SK_TF_SYMMETRICAL | SK_TF_DSCP_ECN;
	assert_int_equal(sk_reflect_build(req, 41, &c, &rx, &st, T3_NS, out, sizeof out, &info, NULL),
			 SK_OK);
	assert_int_equal(info.len, 42);
	assert_int_equal(out[40], 61);
	assert_int_equal(out[41], 0xb9);
	struct sk_test_opts ro = { .proto = SK_PROTO_TWAMP, .role = SK_ROLE_REFLECTOR,
				   .sec = SK_SEC_UNAUTH, .features = SK_TF_DSCP_ECN };
	struct sk_test_pkt p;
	assert_int_equal(sk_test_decode(out, 42, &ro, &p, NULL, NULL), SK_OK);
	assert_int_equal(p.sender_dscp, 46);
	assert_int_equal(p.sender_ecn, 1);
	rx.tos = -1;
	assert_int_equal(sk_reflect_build(req, 41, &c, &rx, &st, T3_NS, out, sizeof out, &info, NULL),
			 SK_OK);
	assert_int_equal(out[41], 0);
	rx = rx4();
	/* Reflect octets: the first reflect_len octets of the request's padding (after its
	 * 14-octet fixed part) open the reply's padding (after 41), the rest is zero. */
	n = mk_req(req, sizeof req, SK_PROTO_TWAMP, SK_SEC_UNAUTH, 10, NULL, 0);
	for (size_t i = 14; i < 80; i++)
		req[i] = (uint8_t)(0xa0 + i);
	c.features = SK_TF_REFLECT_OCTETS;
	c.reflect_len = 8;
	assert_int_equal(sk_reflect_build(req, 80, &c, &rx, &st, T3_NS, out, sizeof out, &info, NULL),
			 SK_OK);
	assert_int_equal(info.len, 80);
	assert_memory_equal(out + 41, req + 14, 8);
	for (size_t i = 49; i < 80; i++)
		assert_int_equal(out[i], 0);
	ro.features = SK_TF_REFLECT_OCTETS;
	ro.reflect_len = 8;
	assert_int_equal(sk_test_decode(out, 80, &ro, &p, NULL, NULL), SK_OK);
	assert_int_equal(p.reflected_len, 8);
	assert_memory_equal(p.reflected, req + 14, 8);
	/* More asked than the reply holds: only what fits (39 octets), never past the reply. */
	c.reflect_len = 500;
	assert_int_equal(sk_reflect_build(req, 80, &c, &rx, &st, T3_NS, out, sizeof out, &info, NULL),
			 SK_OK);
	assert_memory_equal(out + 41, req + 14, 39);
	/* With DSCP/ECN too, the reflected octets follow the 42-octet fixed part. */
	c.features = SK_TF_REFLECT_OCTETS | SK_TF_DSCP_ECN;
	c.reflect_len = 4;
	assert_int_equal(sk_reflect_build(req, 80, &c, &rx, &st, T3_NS, out, sizeof out, &info, NULL),
			 SK_OK);
	assert_int_equal(out[41], 0xb9);
	assert_memory_equal(out + 42, req + 14, 4);
	assert_int_equal(out[46], 0);
}

/* RFC 8762 §4.6: "A STAMP Session-Reflector that supports this specification will transmit
 * the base packet (Figure 4) if it receives a packet smaller than the STAMP base packet. If
 * the packet received from the TWAMP Session-Sender is larger than the STAMP base packet,
 * the STAMP Session-Reflector ... will copy the content of the remainder of the received
 * packet to transmit a reflected packet of symmetrical size." */
static void test_stamp_from_twamp_light(void **state)
{
	(void)state;
	uint8_t req[600], out[600];
	struct sk_reflect_cfg c = cfg_stamp();
	c.allow_short = true;
	struct sk_reflect_rx rx = rx4();
	struct sk_reflect_state st;
	memset(&st, 0, sizeof st);
	struct sk_reflect_info info;
	size_t n = mk_req(req, sizeof req, SK_PROTO_TWAMP, SK_SEC_UNAUTH, 9, NULL, 0);
	assert_int_equal(n, 14);
	/* 14 octets, and IMIX's 22 with padding 0x77 that must not be read as an SSID. */
	const size_t lens[] = { 14, 22, 41, 43 };
	for (size_t i = 0; i < 4; i++) {
		memset(req + 14, i == 1 ? 0x77 : 0, sizeof req - 14);
		assert_int_equal(sk_reflect_build(req, lens[i], &c, &rx, &st, T3_NS, out, sizeof out,
						  &info, NULL), SK_OK);
		assert_int_equal(info.len, 44);
		assert_int_equal(info.tlvs, 0);
		assert_false(info.tlv_malformed);
		struct sk_test_pkt p;
		decode_reply(out, 44, SK_PROTO_STAMP, SK_SEC_UNAUTH, NULL, &p, SK_OK);
		assert_int_equal(p.seq, 9); /* stateless: copied */
		assert_int_equal(p.sender_seq, 9);
		assert_int_equal(p.ssid, 0);
		assert_int_equal(p.sender_ttl, 61);
		assert_memory_equal(out + 28, req + 4, 10); /* Sender Timestamp, Error Estimate */
	}
	/* Larger, zero padding (twampy's IMIX 534): copied as it came, symmetrical size, no
	 * reserved type-0 TLVs answered with U, no M for the 2 octets a TLV header cannot hold. */
	memset(req + 14, 0, sizeof req - 14);
	assert_int_equal(sk_reflect_build(req, 548, &c, &rx, &st, T3_NS, out, sizeof out, &info,
					  NULL), SK_OK);
	assert_int_equal(info.len, 548);
	assert_int_equal(info.tlvs, 0);
	assert_int_equal(info.unknown, 0);
	assert_false(info.tlv_malformed);
	for (size_t i = 44; i < 548; i++)
		assert_int_equal(out[i], 0);
	/* A real TLV area is still answered as TLVs (unknown type 0x7f: U). */
	req[44] = 0;
	req[45] = 0x7f;
	req[46] = 0;
	req[47] = 4;
	assert_int_equal(sk_reflect_build(req, 52, &c, &rx, &st, T3_NS, out, sizeof out, &info,
					  NULL), SK_OK);
	assert_int_equal(info.tlvs, 1);
	assert_int_equal(out[44], SK_TLV_F_U);
	/* Authenticated STAMP has no TWAMP-light counterpart (§4.6): short stays truncated. */
	c.sec = SK_SEC_AUTH;
	c.key = "k";
	c.key_len = 1;
	assert_int_equal(sk_reflect_build(req, 44, &c, &rx, &st, T3_NS, out, sizeof out, &info,
					  NULL), SK_E_TRUNCATED);
}

static void test_truncations(void **state)
{
	(void)state;
	uint8_t req[64], out[64];
	struct sk_reflect_rx rx = rx4();
	struct sk_reflect_state st;
	memset(&st, 0, sizeof st);
	struct sk_reflect_info info;
	struct sk_reflect_cfg c = cfg_stamp();
	size_t n = mk_req(req, sizeof req, SK_PROTO_STAMP, SK_SEC_UNAUTH, 1, NULL, 0);
	/* Below a TWAMP-light sender's 14 octets: truncated. From 14 on a STAMP reflector owes a
	 * base-size reply (RFC 8762 §4.6), larger than the request: refused without allow_short. */
	for (size_t l = 0; l < n; l++) {
		uint8_t *cp = malloc(l ? l : 1); /* exact size: ASan sees any over-read */
		memcpy(cp, req, l);
		assert_int_equal(sk_reflect_build(cp, l, &c, &rx, &st, T3_NS, out, sizeof out, &info,
						  NULL), l < 14 ? SK_E_TRUNCATED : SK_E_UNSUPPORTED);
		free(cp);
	}
	c.allow_short = true;
	for (size_t l = 0; l < 14; l++) {
		uint8_t *cp = malloc(l ? l : 1);
		memcpy(cp, req, l);
		assert_int_equal(sk_reflect_build(cp, l, &c, &rx, &st, T3_NS, out, sizeof out, &info,
						  NULL), SK_E_TRUNCATED);
		free(cp);
	}
	c.allow_short = false;
	c.proto = SK_PROTO_TWAMP;
	c.allow_short = true;
	for (size_t l = 0; l < 14; l++) {
		uint8_t *cp = malloc(l ? l : 1);
		memcpy(cp, req, l);
		assert_int_equal(sk_reflect_build(cp, l, &c, &rx, &st, T3_NS, out, sizeof out, &info,
						  NULL), SK_E_TRUNCATED);
		free(cp);
	}
	assert_int_equal(st.rx_count, 0);
}

/* TLVs of the request, in wire order (offsets from octet 44). */
static size_t mk_tlvs(uint8_t *t)
{
	size_t o = 0;
	/* Class of Service: DSCP1 = 46 (EF) */
	const uint8_t cos[8] = { 0, 4, 0, 4, 46 << 2, 0, 0, 0 };
	memcpy(t + o, cos, 8), o += 8;
	/* Location with Source MAC (U), Destination IP, Source IPv6 (U for an IPv4 peer). */
	uint8_t loc[4 + 4 + 4 + 8 + 4 + 16 + 4 + 16];
	memset(loc, 0, sizeof loc);
	sk_be16(loc + 2, (uint16_t)(sizeof loc - 4));
	loc[1] = 2;
	loc[8 + 1] = SK_LOC_SRC_MAC, sk_be16(loc + 8 + 2, 8);
	loc[20 + 1] = SK_LOC_DST_IP, sk_be16(loc + 20 + 2, 16);
	loc[40 + 1] = SK_LOC_SRC_IPV6, sk_be16(loc + 40 + 2, 16);
	memcpy(t + o, loc, sizeof loc), o += sizeof loc;
	/* Timestamp Information, Direct Measurement (S_TxC 10), Follow-Up, type 200. */
	const uint8_t tsi[8] = { 0, 3, 0, 4, 0, 0, 0, 0 };
	memcpy(t + o, tsi, 8), o += 8;
	uint8_t dm[16] = { 0, 5, 0, 12, 0, 0, 0, 10 };
	memcpy(t + o, dm, 16), o += 16;
	uint8_t fu[20] = { 0, 7, 0, 16 };
	memcpy(t + o, fu, 20), o += 20;
	uint8_t unk[8] = { 0, 200, 0, 4, 1, 2, 3, 4 };
	memcpy(t + o, unk, 8), o += 8;
	return o;
}

static void test_tlvs_answered(void **state)
{
	(void)state;
	uint8_t t[256], req[512], out[512];
	size_t tl = mk_tlvs(t);
	size_t n0 = mk_req(req, sizeof req, SK_PROTO_STAMP, SK_SEC_UNAUTH, 4, t, tl);
	/* HMAC TLV after the others, computed over seq + TLVs. */
	struct sk_wbuf w;
	sk_wbuf_init(&w, req, sizeof req);
	w.off = n0;
	assert_int_equal(sk_tlv_put_hmac(&w, 0, 44, key, strlen(key)), SK_OK);
	size_t n = w.off;

	struct sk_reflect_cfg c = cfg_stamp();
	c.key = key;
	c.key_len = strlen(key);
	c.stateful = true; /* Follow-Up Telemetry is answered by a stateful reflector only */
	struct sk_reflect_rx rx = rx4();
	struct sk_reflect_state st;
	memset(&st, 0, sizeof st);
	sk_reflect_note_tx(&st, 41, T1_NS, 2);
	st.rx_count = 8, st.tx_count = 8;
	struct sk_reflect_info info;
	assert_int_equal(sk_reflect_build(req, n, &c, &rx, &st, T3_NS, out, sizeof out, &info, NULL),
			 SK_OK);
	assert_int_equal(info.len, n); /* same size as the request */
	assert_int_equal(info.tlvs, 7);
	assert_int_equal(info.unknown, 2); /* IPv6 sub-TLV, type 200 */
	assert_int_equal(info.reply_tos, 46 << 2);
	assert_false(info.tlv_malformed);
	assert_false(info.tlv_hmac_bad);
	assert_true(info.followup);

	/* The reply decodes with a good HMAC TLV under the same key. */
	struct sk_test_pkt p;
	decode_reply(out, n, SK_PROTO_STAMP, SK_SEC_UNAUTH, key, &p, SK_OK);
	assert_int_equal(p.tlv_hmac_status, SK_HMAC_ST_OK);
	assert_int_equal(p.tlv_count, 7);

	struct sk_tlv_iter it;
	struct sk_tlv tv;
	struct sk_tlv_val v;
	sk_tlv_iter_init(&it, out + 44, n - 44, 44);
	unsigned i = 0;
	while (sk_tlv_next(&it, &tv)) {
		assert_int_equal(sk_tlv_value_decode(&tv, 0, &v, NULL), SK_OK);
		switch (i++) {
		case 0: /* CoS: DSCP2 46 and ECN 1 received, RP 0 */
			assert_int_equal(tv.type, SK_TLV_COS);
			assert_int_equal(tv.flags, 0);
			assert_int_equal(v.u.cos.dscp1, 46);
			assert_int_equal(v.u.cos.dscp2, 46);
			assert_int_equal(v.u.cos.ecn, 1);
			assert_int_equal(v.u.cos.rp, 0);
			break;
		case 1: { /* Location: ports, sub-TLV flags and addresses */
			assert_int_equal(tv.type, SK_TLV_LOCATION);
			assert_int_equal(v.u.loc.dst_port, 862);
			assert_int_equal(v.u.loc.src_port, 40000);
			const uint8_t *s = tv.value + 4;
			/* RFC 8972 §4.2: an unknown Source MAC is answered as a zeroed Source
			 * EUI-64 sub-TLV; the generic Destination IP as Destination IPv4. */
			assert_int_equal(s[0], 0);
			assert_int_equal(s[1], SK_LOC_SRC_EUI64);
			const uint8_t z8[8] = { 0 };
			assert_memory_equal(s + 4, z8, 8);
			assert_int_equal(s[12], 0);
			assert_int_equal(s[13], SK_LOC_DST_IPV4);
			const uint8_t d[16] = { 198, 51, 100, 7 };
			assert_memory_equal(s + 16, d, 16);
			assert_int_equal(s[32], SK_TLV_F_U); /* Source IPv6 from an IPv4 peer */
			break;
		}
		case 2:
			assert_int_equal(v.u.tsinfo.sync_src_in, 1);
			assert_int_equal(v.u.tsinfo.ts_in, 2);
			assert_int_equal(v.u.tsinfo.sync_src_out, 1);
			assert_int_equal(v.u.tsinfo.ts_out, 2);
			break;
		case 3:
			assert_int_equal(v.u.direct.s_txc, 10);
			assert_int_equal(v.u.direct.r_rxc, 9);
			assert_int_equal(v.u.direct.r_txc, 9);
			break;
		case 4:
			assert_int_equal(v.u.followup.fu_seq, 41);
			assert_true(llabs(sk_ts_to_ns(v.u.followup.fu_timestamp, SK_TS_NTP, 0) - T1_NS) <= 1);
			assert_int_equal(v.u.followup.ts_mode, 2);
			break;
		case 5:
			assert_int_equal(tv.type, 200);
			assert_int_equal(tv.flags, SK_TLV_F_U);
			assert_int_equal(tv.value[3], 4); /* value returned as is */
			break;
		case 6:
			assert_int_equal(tv.type, SK_TLV_HMAC);
			assert_int_equal(tv.flags, 0);
			break;
		}
	}
	assert_int_equal(i, 7);
	assert_int_equal(it.err, SK_OK);

	/* RFC 8972 §4.8: a wrong HMAC TLV stops the TLV processing: every TLV comes back as
	 * received with the I flag (CoS and Direct Measurement not filled), and no fresh HMAC
	 * is written over octets the reflector did not vouch for. */
	req[n - 1] ^= 1;
	assert_int_equal(sk_reflect_build(req, n, &c, &rx, &st, T3_NS, out, sizeof out, &info, NULL),
			 SK_OK);
	assert_true(info.tlv_hmac_bad);
	assert_int_equal(info.tlvs, 7);
	assert_int_equal(info.reply_tos, -1);
	assert_false(info.followup);
	sk_tlv_iter_init(&it, out + 44, n - 44, 44);
	i = 0;
	while (sk_tlv_next(&it, &tv)) {
		assert_int_equal(tv.flags, SK_TLV_F_I);
		assert_memory_equal(tv.value, req + tv.off + 4, tv.length); /* as received */
		i++;
	}
	assert_int_equal(i, 7);
	decode_reply(out, n, SK_PROTO_STAMP, SK_SEC_UNAUTH, key, &p, SK_OK);
	assert_int_equal(p.tlv_hmac_status, SK_HMAC_ST_BAD);

	/* No key: the HMAC TLV cannot be answered: U. */
	c.key = NULL;
	assert_int_equal(sk_reflect_build(req, n, &c, &rx, &st, T3_NS, out, sizeof out, &info, NULL),
			 SK_OK);
	assert_int_equal(out[n - 20], SK_TLV_F_U);
}

static void test_tlv_malformed(void **state)
{
	(void)state;
	uint8_t t[12] = { 0, 1, 0, 4, 0, 0, 0, 0, 0, 3, 0, 40 }; /* padding, then a TLV too long */
	uint8_t req[128], out[128];
	size_t n = mk_req(req, sizeof req, SK_PROTO_STAMP, SK_SEC_UNAUTH, 1, t, sizeof t);
	struct sk_reflect_cfg c = cfg_stamp();
	struct sk_reflect_rx rx = rx4();
	struct sk_reflect_state st;
	memset(&st, 0, sizeof st);
	struct sk_reflect_info info;
	assert_int_equal(sk_reflect_build(req, n, &c, &rx, &st, T3_NS, out, sizeof out, &info, NULL),
			 SK_OK);
	assert_int_equal(info.len, n);
	assert_true(info.tlv_malformed);
	assert_int_equal(out[44], 0);
	assert_int_equal(out[52], SK_TLV_F_M);
	assert_int_equal(out[53], 3);
}

/* Build the reply to a STAMP request carrying TLV octets t (sender flags as given). */
static enum sk_result reply_to(const uint8_t *t, size_t tl, struct sk_reflect_cfg *c,
			       const struct sk_reflect_rx *rx, struct sk_reflect_state *st,
			       uint8_t *req, uint8_t *out, size_t *n, struct sk_reflect_info *info)
{
	*n = mk_req(req, 512, SK_PROTO_STAMP, c->sec, 7, t, tl);
	return sk_reflect_build(req, *n, c, rx, st, T3_NS, out, 512, info, NULL);
}

/* RFC 8972 §4: "the Session-Reflector MUST stop processing" the TLVs at a malformed one:
 * a Class of Service TLV of length 2 gets M, the Direct Measurement TLV after it comes
 * back exactly as sent (its U flag still set, counters not filled). */
static void test_tlv_stop_at_malformed(void **state)
{
	(void)state;
	uint8_t t[6 + 16] = { SK_TLV_F_U, SK_TLV_COS, 0, 2, 0xb8, 0,
			      SK_TLV_F_U, SK_TLV_DIRECT_MEASUREMENT, 0, 12, 0, 0, 0, 10 };
	uint8_t req[512], out[512];
	size_t n;
	struct sk_reflect_cfg c = cfg_stamp();
	struct sk_reflect_rx rx = rx4();
	struct sk_reflect_state st;
	memset(&st, 0, sizeof st);
	struct sk_reflect_info info;
	assert_int_equal(reply_to(t, sizeof t, &c, &rx, &st, req, out, &n, &info), SK_OK);
	assert_true(info.tlv_malformed);
	assert_int_equal(info.reply_tos, -1);
	assert_int_equal(out[44], SK_TLV_F_M);
	assert_memory_equal(out + 50, req + 50, 16); /* untouched, U as the sender set it */
	assert_int_equal(out[50], SK_TLV_F_U);
}

/* RFC 8972 §4.8: verification failure -> every TLV with I and processing stops; an HMAC
 * TLV that is not last (only Extra Padding may follow) "MUST be processed as HMAC
 * verification failure"; in the authenticated mode the HMAC TLV MUST be included unless
 * the only TLVs are Extra Padding. */
static void test_hmac_tlv_rules(void **state)
{
	(void)state;
	uint8_t req[512], out[512];
	size_t n;
	struct sk_reflect_cfg c = cfg_stamp();
	c.key = key;
	c.key_len = strlen(key);
	struct sk_reflect_rx rx = rx4();
	struct sk_reflect_state st;
	memset(&st, 0, sizeof st);
	struct sk_reflect_info info;
	/* CoS, HMAC (value irrelevant), Direct Measurement. */
	uint8_t t[8 + 20 + 16] = { SK_TLV_F_U, SK_TLV_COS, 0, 4, 0xb8, 0, 0, 0,
				   SK_TLV_F_U, SK_TLV_HMAC, 0, 16 };
	t[28 + 0] = SK_TLV_F_U, t[28 + 1] = SK_TLV_DIRECT_MEASUREMENT, t[28 + 3] = 12;
	assert_int_equal(reply_to(t, sizeof t, &c, &rx, &st, req, out, &n, &info), SK_OK);
	assert_true(info.tlv_hmac_bad);
	assert_int_equal(out[44], SK_TLV_F_I);
	assert_int_equal(out[52], SK_TLV_F_I);
	assert_int_equal(out[72], SK_TLV_F_I);
	assert_memory_equal(out + 76, req + 76, 12); /* Direct Measurement not filled */
	assert_int_equal(info.reply_tos, -1);

	/* Authenticated mode, CoS without an HMAC TLV: a verification failure. */
	c.sec = SK_SEC_AUTH;
	assert_int_equal(reply_to(t, 8, &c, &rx, &st, req, out, &n, &info), SK_OK);
	assert_true(info.tlv_hmac_bad);
	assert_int_equal(out[112], SK_TLV_F_I);
	assert_int_equal(out[116], 0xb8 >> 0); /* DSCP2 not filled: octets as received */
	assert_int_equal(out[117], 0);
	/* Only Extra Padding: no HMAC TLV needed. */
	const uint8_t pad[8] = { SK_TLV_F_U, SK_TLV_EXTRA_PADDING, 0, 4 };
	assert_int_equal(reply_to(pad, sizeof pad, &c, &rx, &st, req, out, &n, &info), SK_OK);
	assert_false(info.tlv_hmac_bad);
	assert_int_equal(out[112], 0);
	/* CoS followed by a good HMAC TLV: answered, and the reply's HMAC TLV verifies. */
	uint8_t ok[8 + 20];
	memcpy(ok, t, 8);
	struct sk_wbuf w;
	n = mk_req(req, sizeof req, SK_PROTO_STAMP, SK_SEC_AUTH, 7, ok, 8);
	sk_wbuf_init(&w, req, sizeof req);
	w.off = n;
	assert_int_equal(sk_tlv_put_hmac(&w, SK_TLV_F_U, 112, key, strlen(key)), SK_OK);
	assert_int_equal(sk_reflect_build(req, w.off, &c, &rx, &st, T3_NS, out, sizeof out, &info,
					  NULL), SK_OK);
	assert_false(info.tlv_hmac_bad);
	assert_int_equal(out[112], 0);
	assert_int_equal(out[120], 0);
	assert_int_equal(info.reply_tos, 46 << 2);
	struct sk_test_pkt p;
	decode_reply(out, w.off, SK_PROTO_STAMP, SK_SEC_AUTH, key, &p, SK_OK);
	assert_int_equal(p.tlv_hmac_status, SK_HMAC_ST_OK);
}

/* RFC 8972 §4.7: a stateless reflector zeroes the Follow-Up Telemetry TLV; one of a
 * wrong length is malformed (M) and zeroed too. */
static void test_followup_stateless(void **state)
{
	(void)state;
	uint8_t t[20] = { SK_TLV_F_U, SK_TLV_FOLLOWUP_TELEMETRY, 0, 16 };
	memset(t + 4, 0xee, 16);
	uint8_t req[512], out[512];
	size_t n;
	struct sk_reflect_cfg c = cfg_stamp();
	struct sk_reflect_rx rx = rx4();
	struct sk_reflect_state st;
	memset(&st, 0, sizeof st);
	sk_reflect_note_tx(&st, 41, T1_NS, 2);
	struct sk_reflect_info info;
	const uint8_t z[16] = { 0 };
	assert_int_equal(reply_to(t, sizeof t, &c, &rx, &st, req, out, &n, &info), SK_OK);
	assert_int_equal(out[44], 0);
	assert_memory_equal(out + 48, z, 16);
	assert_false(info.followup);
	t[3] = 12; /* value 12 octets, then 4 more as an (empty) TLV of type 0xee */
	t[16] = 0, t[17] = 1, t[18] = 0, t[19] = 0;
	assert_int_equal(reply_to(t, sizeof t, &c, &rx, &st, req, out, &n, &info), SK_OK);
	assert_int_equal(out[44], SK_TLV_F_M);
	assert_memory_equal(out + 48, z, 12);
	assert_true(info.tlv_malformed);
}

/* RFC 8972 §4.6: Access ID 1 (3GPP) and 2 (non-3GPP) are valid; a TLV with another one is
 * discarded: it does not come back (its place is zero-filled Extra Padding, so the reply
 * stays as long as the request, RFC 8762 §4.3). */
static void test_access_report(void **state)
{
	(void)state;
	uint8_t t[8] = { SK_TLV_F_U, SK_TLV_ACCESS_REPORT, 0, 4, 0x20, 1, 0, 0 };
	uint8_t req[512], out[512];
	size_t n;
	struct sk_reflect_cfg c = cfg_stamp();
	struct sk_reflect_rx rx = rx4();
	struct sk_reflect_state st;
	memset(&st, 0, sizeof st);
	struct sk_reflect_info info;
	assert_int_equal(reply_to(t, sizeof t, &c, &rx, &st, req, out, &n, &info), SK_OK);
	const uint8_t ok[8] = { 0, SK_TLV_ACCESS_REPORT, 0, 4, 0x20, 1, 0, 0 };
	assert_memory_equal(out + 44, ok, 8);
	t[4] = 0x30; /* Access ID 3 */
	assert_int_equal(reply_to(t, sizeof t, &c, &rx, &st, req, out, &n, &info), SK_OK);
	assert_int_equal(n, 52);
	const uint8_t gone[8] = { 0, SK_TLV_EXTRA_PADDING, 0, 4, 0, 0, 0, 0 };
	assert_memory_equal(out + 44, gone, 8);
}

/* RFC 8972 §4.2: generic Source/Destination IP sub-TLVs are answered with the specific
 * IPv6 types for an IPv6 peer. */
static void test_location_ipv6(void **state)
{
	(void)state;
	uint8_t t[8 + 20 + 20];
	memset(t, 0, sizeof t);
	t[0] = SK_TLV_F_U, t[1] = SK_TLV_LOCATION, t[3] = 44;
	t[8 + 1] = SK_LOC_DST_IP, t[8 + 3] = 16;
	t[28 + 1] = SK_LOC_SRC_IP, t[28 + 3] = 16;
	uint8_t req[512], out[512];
	size_t n;
	struct sk_reflect_cfg c = cfg_stamp();
	struct sk_reflect_rx rx = rx4();
	rx.family = 6;
	for (int i = 0; i < 16; i++)
		rx.src[i] = (uint8_t)(0x20 + i), rx.dst[i] = (uint8_t)(0x40 + i);
	struct sk_reflect_state st;
	memset(&st, 0, sizeof st);
	struct sk_reflect_info info;
	assert_int_equal(reply_to(t, sizeof t, &c, &rx, &st, req, out, &n, &info), SK_OK);
	assert_int_equal(out[44], 0);
	assert_int_equal(out[52], 0);
	assert_int_equal(out[53], SK_LOC_DST_IPV6);
	assert_memory_equal(out + 56, rx.dst, 16);
	assert_int_equal(out[72], 0);
	assert_int_equal(out[73], SK_LOC_SRC_IPV6);
	assert_memory_equal(out + 76, rx.src, 16);
	assert_int_equal(info.unknown, 0);
}

/* RFC 9534 §3: a zero Reflector micro-session ID is filled with ours; a non-zero one is
 * checked and a packet carrying another reflector's ID is discarded (no reply, no
 * session state touched). */
static void test_micro_session(void **state)
{
	(void)state;
	uint8_t t[8] = { SK_TLV_F_U, SK_TLV_MICRO_SESSION_ID, 0, 4, 0x01, 0x02, 0, 0 };
	uint8_t req[512], out[512];
	size_t n;
	struct sk_reflect_cfg c = cfg_stamp(); /* ours: 0x0b0c */
	struct sk_reflect_rx rx = rx4();
	struct sk_reflect_state st;
	memset(&st, 0, sizeof st);
	struct sk_reflect_info info;
	assert_int_equal(reply_to(t, sizeof t, &c, &rx, &st, req, out, &n, &info), SK_OK);
	const uint8_t filled[8] = { 0, SK_TLV_MICRO_SESSION_ID, 0, 4, 0x01, 0x02, 0x0b, 0x0c };
	assert_memory_equal(out + 44, filled, 8);
	t[6] = 0x0b, t[7] = 0x0c; /* ours: answered */
	assert_int_equal(reply_to(t, sizeof t, &c, &rx, &st, req, out, &n, &info), SK_OK);
	assert_memory_equal(out + 44, filled, 8);
	t[7] = 0x0d; /* another reflector's */
	uint32_t rx_before = st.rx_count;
	assert_int_equal(reply_to(t, sizeof t, &c, &rx, &st, req, out, &n, &info), SK_E_STATE);
	assert_int_equal(st.rx_count, rx_before);
}

static void test_auth(void **state)
{
	(void)state;
	uint8_t req[256], out[256];
	size_t n = mk_req(req, sizeof req, SK_PROTO_STAMP, SK_SEC_AUTH, 12, NULL, 0);
	assert_int_equal(n, 112);
	struct sk_reflect_cfg c = cfg_stamp();
	c.sec = SK_SEC_AUTH;
	c.key = key;
	c.key_len = strlen(key);
	uint32_t pseq = 0;
	uint16_t pssid = 0;
	assert_int_equal(sk_reflect_peek(req, n, &c, &pseq, &pssid), SK_OK);
	assert_int_equal(pseq, 12);
	assert_int_equal(pssid, 0x1234);
	struct sk_reflect_rx rx = rx4();
	struct sk_reflect_state st;
	memset(&st, 0, sizeof st);
	struct sk_reflect_info info;
	assert_int_equal(sk_reflect_build(req, n, &c, &rx, &st, T3_NS, out, sizeof out, &info, NULL),
			 SK_OK);
	assert_int_equal(info.len, 112);
	struct sk_test_pkt p;
	decode_reply(out, 112, SK_PROTO_STAMP, SK_SEC_AUTH, key, &p, SK_OK);
	assert_int_equal(p.hmac_status, SK_HMAC_ST_OK);
	assert_int_equal(p.sender_seq, 12);
	assert_int_equal(p.sender_ttl, 61);
	decode_reply(out, 112, SK_PROTO_STAMP, SK_SEC_AUTH, "other", &p, SK_E_AUTH);
	/* Wrong key on the reflector: refused, nothing counted. */
	c.key = "other";
	c.key_len = 5;
	struct sk_error e;
	assert_int_equal(sk_reflect_build(req, n, &c, &rx, &st, T3_NS, out, sizeof out, &info, &e),
			 SK_E_AUTH);
	assert_int_equal(st.tx_count, 1);
	/* No key in authenticated mode is a configuration error. */
	c.key = NULL;
	assert_int_equal(sk_reflect_build(req, n, &c, &rx, &st, T3_NS, out, sizeof out, &info, NULL),
			 SK_E_ARG);
}

static const uint8_t test_aes[16] = { 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
				      0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f };
static const uint8_t test_hmac[32] = { 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29,
				       0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33,
				       0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d,
				       0x3e, 0x3f };

/* A protected TWAMP sender packet (48 octets, or 112 symmetrical) plus pad octets of a
 * pattern, as a Session-Sender sends it in the authenticated or encrypted mode. */
static size_t mk_secure_req(uint8_t *buf, size_t cap, uint8_t sec, uint8_t tf, uint32_t seq,
			    size_t pad)
{
	enum sk_sec ts = (enum sk_sec)sec;
	struct sk_test_opts o = { .proto = SK_PROTO_TWAMP, .role = SK_ROLE_SENDER, .sec = sec,
				  .features = tf & SK_TF_SYMMETRICAL };
	uint8_t tail[256];
	for (size_t i = 0; i < sizeof tail; i++)
		tail[i] = (uint8_t)(0x5a ^ (i * 7));
	struct sk_test_pkt p;
	memset(&p, 0, sizeof p);
	p.seq = seq;
	p.timestamp = sk_ts_from_ns(T1_NS, SK_TS_NTP, 0);
	p.error_estimate = 0x0001;
	p.tail = tail;
	p.tail_len = pad;
	size_t n = 0;
	assert_int_equal(sk_test_encode(&p, &o, buf, cap, &n), SK_OK);
	assert_int_equal(n, ((tf & SK_TF_SYMMETRICAL) ? 112u : 48u) + pad);
	assert_int_equal(sk_twamp_test_protect(ts, (tf & SK_TF_SYMMETRICAL) ? 1 : 0, test_aes,
					       test_hmac, buf, n), SK_OK);
	return n;
}

/* TWAMP authenticated and encrypted replies (RFC 5357 §4.1.2, §4.2.1): the 112-octet
 * reflector layout, protected with the session's test keys, verified and decrypted with
 * the codec's unprotect, for every feature combination; wrong HMACs, short and truncated
 * requests and missing keys refused without touching the session state. */
static void test_twamp_secure(void **state)
{
	(void)state;
	static const uint8_t secs[] = { SK_SEC_AUTH, SK_SEC_ENCRYPTED };
	static const uint8_t feats[] = { 0, SK_TF_SYMMETRICAL, SK_TF_REFLECT_OCTETS, SK_TF_DSCP_ECN,
					 SK_TF_REFLECT_OCTETS | SK_TF_SYMMETRICAL | SK_TF_DSCP_ECN };
	static const size_t pads[] = { 0, 30, 100 };
	for (size_t si = 0; si < sizeof secs; si++)
		for (size_t fi = 0; fi < sizeof feats; fi++)
			for (size_t pi = 0; pi < sizeof pads / sizeof pads[0]; pi++) {
		uint8_t sec = secs[si], tf = feats[fi];
		enum sk_sec ts = (enum sk_sec)sec;
		size_t sbase = (tf & SK_TF_SYMMETRICAL) ? 112 : 48;
		uint8_t req[512], out[512], plain[512];
		size_t n = mk_secure_req(req, sizeof req, sec, tf, 7000 + (uint32_t)pi, pads[pi]);
		struct sk_reflect_cfg c = cfg_stamp();
		c.proto = SK_PROTO_TWAMP;
		c.sec = sec;
		c.stateful = true;
		c.allow_short = true;
		c.features = tf;
		c.reflect_len = (tf & SK_TF_REFLECT_OCTETS) ? 20 : 0;
		c.test_aes = test_aes;
		c.test_hmac = test_hmac;
		struct sk_reflect_rx rx = rx4();
		struct sk_reflect_state st;
		memset(&st, 0, sizeof st);
		st.next_seq = 41;
		struct sk_reflect_info info;
		memset(out, 0xee, sizeof out);
		assert_int_equal(sk_reflect_build(req, n, &c, &rx, &st, T3_NS, out, sizeof out, &info,
						  NULL), SK_OK);
		size_t rlen = n > 112 ? n : 112;
		assert_int_equal(info.len, rlen);
		assert_int_equal(info.sender_seq, 7000 + pi);
		assert_int_equal(info.reflector_seq, 41);
		assert_int_equal(st.next_seq, 42);
		assert_int_equal(st.rx_count, 1);
		assert_int_equal(st.tx_count, 1);
		/* The reply verifies with the reflector coverage and decrypts. */
		int ok = -1;
		assert_int_equal(sk_twamp_test_unprotect(ts, 1, test_aes, test_hmac, out, rlen, plain,
							 sizeof plain, &ok), SK_OK);
		assert_int_equal(ok, SK_HMAC_OK);
		/* Not with another key. */
		uint8_t other[32];
		memcpy(other, test_hmac, 32);
		other[0] ^= 1;
		assert_int_equal(sk_twamp_test_unprotect(ts, 1, test_aes, other, out, rlen, plain + 256,
							 sizeof plain - 256, &ok), SK_OK);
		assert_int_equal(ok, SK_HMAC_BAD);
		struct sk_test_opts ro = { .proto = SK_PROTO_TWAMP, .role = SK_ROLE_REFLECTOR,
					   .sec = sec, .features = tf & (SK_TF_DSCP_ECN | SK_TF_REFLECT_OCTETS),
					   .reflect_len = c.reflect_len };
		struct sk_test_pkt p;
		assert_int_equal(sk_test_decode(plain, rlen, &ro, &p, NULL, NULL), SK_OK);
		assert_int_equal(p.seq, 41);
		assert_int_equal(p.sender_seq, 7000 + pi);
		assert_true(p.sender_timestamp == sk_ts_from_ns(T1_NS, SK_TS_NTP, 0));
		assert_int_equal(p.sender_error_estimate, 0x0001);
		assert_true(p.rx_timestamp == sk_ts_from_ns(T2_NS, SK_TS_NTP, 0));
		assert_true(p.timestamp == sk_ts_from_ns(T3_NS, SK_TS_NTP, 0));
		assert_int_equal(p.error_estimate, 0x8001);
		assert_int_equal(p.sender_ttl, 61);
		/* Octets: RFC 5357 §4.2.1 layout (Timestamp at 16, Receive Timestamp at 32, in
		 * the clear in the authenticated mode: only block 1 is encrypted there). */
		uint8_t t3[8], t2[8];
		uint64_t v3 = sk_ts_from_ns(T3_NS, SK_TS_NTP, 0), v2 = sk_ts_from_ns(T2_NS, SK_TS_NTP, 0);
		for (int i = 0; i < 8; i++) {
			t3[i] = (uint8_t)(v3 >> (56 - 8 * i));
			t2[i] = (uint8_t)(v2 >> (56 - 8 * i));
		}
		assert_memory_equal(plain + 16, t3, 8);
		assert_memory_equal(plain + 32, t2, 8);
		assert_int_equal(plain[0] << 24 | plain[1] << 16 | plain[2] << 8 | plain[3], 41);
		if (sec == SK_SEC_AUTH) {
			assert_memory_equal(out + 16, t3, 8);
			assert_memory_not_equal(out, plain, 16);
		} else {
			assert_memory_not_equal(out + 16, t3, 8);
		}
		if (tf & SK_TF_DSCP_ECN) {
			assert_int_equal(p.sender_dscp, 46);
			assert_int_equal(p.sender_ecn, 1);
			assert_int_equal(plain[81], 0xb9);
		}
		/* Padding: the reflected octets as they arrived (padding is never encrypted),
		 * then zero. */
		size_t k = 0;
		if (tf & SK_TF_REFLECT_OCTETS) {
			k = c.reflect_len;
			if (k > n - sbase)
				k = n - sbase;
			if (k > rlen - 112)
				k = rlen - 112;
			assert_int_equal(p.reflected_len, k);
			assert_memory_equal(out + 112, req + sbase, k);
		}
		for (size_t i = 112 + k; i < rlen; i++)
			assert_int_equal(out[i], 0);

		/* A wrong HMAC, a short or truncated request, no keys: nothing built. */
		struct sk_reflect_state st0 = st;
		req[(tf & SK_TF_SYMMETRICAL) ? 96 : 32] ^= 0x80;
		assert_int_equal(sk_reflect_build(req, n, &c, &rx, &st, T3_NS, out, sizeof out, &info,
						  NULL), SK_E_AUTH);
		req[(tf & SK_TF_SYMMETRICAL) ? 96 : 32] ^= 0x80;
		assert_int_equal(sk_reflect_build(req, sbase - 1, &c, &rx, &st, T3_NS, out, sizeof out,
						  &info, NULL), SK_E_TRUNCATED);
		assert_int_equal(sk_reflect_build(req, n, &c, &rx, &st, T3_NS, out, rlen - 1, &info,
						  NULL), SK_E_NOSPACE);
		c.allow_short = false;
		assert_int_equal(sk_reflect_build(req, n, &c, &rx, &st, T3_NS, out, sizeof out, &info,
						  NULL), n < 112 ? SK_E_UNSUPPORTED : SK_OK);
		if (n >= 112)
			st = st0;
		c.allow_short = true;
		c.test_hmac = NULL;
		assert_int_equal(sk_reflect_build(req, n, &c, &rx, &st, T3_NS, out, sizeof out, &info,
						  NULL), SK_E_ARG);
		assert_memory_equal(&st, &st0, sizeof st);
			}
}

static void test_request_len(void **state)
{
	(void)state;
	size_t l = 0;
	assert_int_equal(sk_reflect_request_len(SK_PROTO_STAMP, SK_SEC_UNAUTH, 0, &l), SK_OK);
	assert_int_equal(l, 44);
	assert_int_equal(sk_reflect_request_len(SK_PROTO_STAMP, SK_SEC_UNAUTH, 2, &l), SK_E_INVALID);
	assert_int_equal(sk_reflect_request_len(SK_PROTO_STAMP, SK_SEC_AUTH, 4, &l), SK_OK);
	assert_int_equal(l, 116);
	assert_int_equal(sk_reflect_request_len(SK_PROTO_TWAMP, SK_SEC_UNAUTH, 27, &l), SK_OK);
	assert_int_equal(l, 41);
	assert_int_equal(sk_reflect_request_len(SK_PROTO_TWAMP, SK_SEC_UNAUTH, 70000, &l),
			 SK_E_INVALID);
	assert_int_equal(sk_reflect_request_len(SK_PROTO_TWAMP, SK_SEC_AUTH, 0, &l), SK_E_ARG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stamp_stateless),
		cmocka_unit_test(test_stamp_stateful),
		cmocka_unit_test(test_twamp_light_sizes),
		cmocka_unit_test(test_twamp_features),
		cmocka_unit_test(test_stamp_from_twamp_light),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_tlvs_answered),
		cmocka_unit_test(test_tlv_malformed),
		cmocka_unit_test(test_tlv_stop_at_malformed),
		cmocka_unit_test(test_hmac_tlv_rules),
		cmocka_unit_test(test_followup_stateless),
		cmocka_unit_test(test_access_report),
		cmocka_unit_test(test_location_ipv6),
		cmocka_unit_test(test_micro_session),
		cmocka_unit_test(test_auth),
		cmocka_unit_test(test_twamp_secure),
		cmocka_unit_test(test_request_len),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
