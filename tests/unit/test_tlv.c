/* SPDX-License-Identifier: BSD-3-Clause */
/* test_tlv.c - STAMP TLVs: exact bytes of every type and sub-TLV, round trips, the HMAC TLV,
 * malformed lists with exact offsets, every truncation, scapy cross-check, visitor coverage. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "stampkit/stampkit.h"
#include "stampkit/testpkt.h"
#include "stampkit/tlv.h"

/* The TLV area of a STAMP Session-Sender packet (after its 44-octet base) holding every
 * TLV type and every sub-TLV kind, built independently with Python's struct module from
 * the RFC figures; the HMAC TLV is HMAC-SHA-256/16 with key "stamp-key" over the Sequence
 * Number 01 02 03 04 followed by all the TLVs before it (RFC 8972 §4.8). */
static const uint8_t tlv_area[295] = {
	0x80, 0x01, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
	0x00, 0x24, 0x03, 0x5e, 0xc3, 0x50, 0x00, 0x01, 0x00, 0x08, 0x02, 0x00,
	0x5e, 0x10, 0x20, 0x30, 0x00, 0x00, 0x00, 0x05, 0x00, 0x10, 0x0a, 0x00,
	0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x03, 0x00, 0x0a, 0x01, 0x02, 0x02, 0x01, 0x00, 0xf0,
	0x00, 0x02, 0xab, 0xcd, 0x00, 0x04, 0x00, 0x04, 0xb8, 0xa9, 0x50, 0x00,
	0x00, 0x05, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
	0x00, 0x00, 0x00, 0x03, 0x00, 0x06, 0x00, 0x04, 0x10, 0x01, 0x00, 0x00,
	0x00, 0x07, 0x00, 0x10, 0x00, 0x00, 0x00, 0x05, 0xe9, 0x3c, 0x7f, 0x00,
	0x80, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x09, 0x00, 0x04,
	0xc0, 0x00, 0x02, 0x01, 0x00, 0x09, 0x00, 0x10, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x0a, 0x00, 0x10, 0x00, 0x01, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x02, 0x00, 0x04, 0xc6, 0x33, 0x64, 0x01, 0x00, 0x0a, 0x00, 0x0c,
	0x00, 0x03, 0x00, 0x08, 0x03, 0xe8, 0x10, 0xff, 0x03, 0xe8, 0x2b, 0x40,
	0x00, 0x0a, 0x00, 0x38, 0x00, 0x04, 0x00, 0x20, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x02, 0x00, 0x02, 0x00, 0x10, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
	0x00, 0x0b, 0x00, 0x04, 0x00, 0x07, 0x00, 0x09, 0x00, 0x0c, 0x00, 0x10,
	0x05, 0xdc, 0x00, 0x03, 0x00, 0x0f, 0x42, 0x40, 0x00, 0x01, 0x00, 0x04,
	0x01, 0x02, 0x03, 0x04, 0x90, 0xc8, 0x00, 0x03, 0x01, 0x02, 0x03, 0x00,
	0x08, 0x00, 0x10, 0x42, 0x84, 0x47, 0xca, 0x32, 0x64, 0xf8, 0xc0, 0x9b,
	0xe9, 0xb9, 0x4d, 0x70, 0x39, 0x26, 0x90,
};

/* offsets inside tlv_area */
/* 0: type 1 at 0 len 10 */
/* 1: type 2 at 10 len 40 */
/* 2: type 3 at 50 len 14 */
/* 3: type 4 at 64 len 8 */
/* 4: type 5 at 72 len 16 */
/* 5: type 6 at 88 len 8 */
/* 6: type 7 at 96 len 20 */
/* 7: type 9 at 116 len 8 */
/* 8: type 9 at 124 len 20 */
/* 9: type 10 at 144 len 20 */
/* 10: type 10 at 164 len 16 */
/* 11: type 10 at 180 len 60 */
/* 12: type 11 at 240 len 8 */
/* 13: type 12 at 248 len 20 */
/* 14: type 200 at 268 len 7 */
/* hmac at 275 */

/* Produced by scapy 2.5.0's STAMP layer (python3-scapy), with:
 * /usr/bin/python3 -c 'from scapy.contrib.stamp import *; from scapy.all import raw;
 *  print(raw(STAMPSessionSenderTestUnauthenticated(seq=7, ts=3913056000.5,
 *   err_estimate=ErrorEstimate(S=1,Z=0,scale=0,multiplier=1), ssid=0x1234)).hex());
 *  print(raw(STAMPSessionReflectorTestUnauthenticated(seq=1, ts=3913056001.25,
 *   err_estimate=ErrorEstimate(S=1,Z=0,scale=0,multiplier=1), ssid=0x1234, ts_rx=3913056001.0,
 *   seq_sender=7, ts_sender=3913056000.5,
 *   err_estimate_sender=ErrorEstimate(S=1,Z=0,scale=0,multiplier=1), ttl_sender=63,
 *   tlv_objects=[STAMPTestTLV(flags="U", type=1, len=8, value=b"\0"*8),
 *                STAMPTestTLV(flags=0, type=4, len=4, value=bytes([0xb8,0,0,0]))])).hex())'
 * Note scapy's TLV flags field ("UMIRRRRR") puts U at the LEAST significant bit (0x01);
 * RFC 8972 §4 puts it at the most significant (0x80). */
static const uint8_t scapy_sender[44] = {
	0x00, 0x00, 0x00, 0x07, 0xe9, 0x3c, 0x7f, 0x00, 0x80, 0x00, 0x00, 0x00,
	0x80, 0x01, 0x12, 0x34, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
static const uint8_t scapy_reflector[64] = {
	0x00, 0x00, 0x00, 0x01, 0xe9, 0x3c, 0x7f, 0x01, 0x40, 0x00, 0x00, 0x00,
	0x80, 0x01, 0x12, 0x34, 0xe9, 0x3c, 0x7f, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x07, 0xe9, 0x3c, 0x7f, 0x00, 0x80, 0x00, 0x00, 0x00,
	0x80, 0x01, 0x00, 0x00, 0x3f, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00, 0x08,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x04,
	0xb8, 0x00, 0x00, 0x00,
};

/* A Location TLV with the one sub-TLV kind the area above lacks: Source EUI-64. */
static const uint8_t loc_eui64[] = { 0, 2, 0, 16, 0, 0, 0, 0, 0, 3, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8 };

static const char key[] = "stamp-key";
#define KEYLEN (sizeof key - 1)

static const uint8_t v6a[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t v6b[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };

static struct sk_test_pkt base_pkt(void)
{
	struct sk_test_pkt p;
	memset(&p, 0, sizeof p);
	p.seq = 0x01020304u;
	p.timestamp = 0xE93C7F0080000000ull;
	p.error_estimate = 0x8001;
	p.ssid = 0xBEEF;
	return p;
}

static const struct sk_test_opts sender_opts = { SK_PROTO_STAMP, SK_ROLE_SENDER, SK_SEC_UNAUTH, 0, 0,
						  key, sizeof key - 1, NULL };

/* Builds the packet with the encoders only. */
static size_t build(uint8_t *buf, size_t cap)
{
	struct sk_test_pkt p = base_pkt();
	size_t n = 0;
	assert_int_equal(sk_test_encode(&p, &sender_opts, buf, cap, &n), SK_OK);
	assert_int_equal(n, 44);
	struct sk_wbuf w;
	sk_wbuf_init(&w, buf, cap);
	w.off = n;
	struct sk_tlv_val v;
	size_t at, at2;

	assert_int_equal(sk_tlv_put_padding(&w, SK_TLV_F_U, 6), SK_OK);

	memset(&v, 0, sizeof v);
	v.type = SK_TLV_LOCATION;
	v.u.loc.dst_port = 862;
	v.u.loc.src_port = 50000;
	at = sk_tlv_begin(&w, 0, SK_TLV_LOCATION);
	sk_tlv_put_fixed(&w, 0, &v);
	memset(&v, 0, sizeof v);
	v.type = SK_LOC_SRC_MAC;
	memcpy(v.u.mac, "\x02\x00\x5e\x10\x20\x30", 6);
	sk_tlv_put_val(&w, 0, SK_TLV_LOCATION, &v);
	memset(&v, 0, sizeof v);
	v.type = SK_LOC_DST_IPV4;
	memcpy(v.u.addr.addr, "\x0a\x00\x00\x01", 4);
	sk_tlv_put_val(&w, 0, SK_TLV_LOCATION, &v);
	assert_int_equal(sk_tlv_end(&w, at), SK_OK);

	memset(&v, 0, sizeof v);
	v.type = SK_TLV_TIMESTAMP_INFO;
	v.u.tsinfo.sync_src_in = 1;
	v.u.tsinfo.ts_in = 2;
	v.u.tsinfo.sync_src_out = 2;
	v.u.tsinfo.ts_out = 1;
	at = sk_tlv_begin(&w, 0, v.type);
	sk_tlv_put_fixed(&w, 0, &v);
	assert_int_equal(sk_tlv_put(&w, 0, 240, "\xab\xcd", 2), SK_OK);
	sk_tlv_end(&w, at);

	memset(&v, 0, sizeof v);
	v.type = SK_TLV_COS;
	v.u.cos.dscp1 = 46;
	v.u.cos.dscp2 = 10;
	v.u.cos.ecn = 2;
	v.u.cos.rp = 1;
	v.u.cos.ecn1 = 1;
	v.u.cos.rpe = 1;
	sk_tlv_put_val(&w, 0, 0, &v);

	memset(&v, 0, sizeof v);
	v.type = SK_TLV_DIRECT_MEASUREMENT;
	v.u.direct.s_txc = 1;
	v.u.direct.r_rxc = 2;
	v.u.direct.r_txc = 3;
	sk_tlv_put_val(&w, 0, 0, &v);

	memset(&v, 0, sizeof v);
	v.type = SK_TLV_ACCESS_REPORT;
	v.u.access.access_id = 1;
	v.u.access.return_code = 1;
	sk_tlv_put_val(&w, 0, 0, &v);

	memset(&v, 0, sizeof v);
	v.type = SK_TLV_FOLLOWUP_TELEMETRY;
	v.u.followup.fu_seq = 5;
	v.u.followup.fu_timestamp = 0xE93C7F0080000000ull;
	v.u.followup.ts_mode = 1;
	sk_tlv_put_val(&w, 0, 0, &v);

	memset(&v, 0, sizeof v);
	v.type = SK_TLV_DEST_NODE_ADDR;
	v.u.addr.len = 4;
	memcpy(v.u.addr.addr, "\xc0\x00\x02\x01", 4);
	sk_tlv_put_val(&w, 0, 0, &v);
	v.u.addr.len = 16;
	memcpy(v.u.addr.addr, v6a, 16);
	sk_tlv_put_val(&w, 0, 0, &v);

	at = sk_tlv_begin(&w, 0, SK_TLV_RETURN_PATH);
	memset(&v, 0, sizeof v);
	v.type = SK_RP_CONTROL_CODE;
	v.u.control_code = 1;
	sk_tlv_put_val(&w, 0, SK_TLV_RETURN_PATH, &v);
	memset(&v, 0, sizeof v);
	v.type = SK_RP_RETURN_ADDRESS;
	v.u.addr.len = 4;
	memcpy(v.u.addr.addr, "\xc6\x33\x64\x01", 4);
	sk_tlv_put_val(&w, 0, SK_TLV_RETURN_PATH, &v);
	sk_tlv_end(&w, at);

	at = sk_tlv_begin(&w, 0, SK_TLV_RETURN_PATH);
	at2 = sk_tlv_begin(&w, 0, SK_RP_SR_MPLS);
	struct sk_tlv_label l1 = { 16001, 0, 0, 255 }, l2 = { 16002, 5, 1, 64 };
	sk_tlv_put_label(&w, &l1);
	sk_tlv_put_label(&w, &l2);
	sk_tlv_end(&w, at2);
	sk_tlv_end(&w, at);

	at = sk_tlv_begin(&w, 0, SK_TLV_RETURN_PATH);
	at2 = sk_tlv_begin(&w, 0, SK_RP_SRV6);
	sk_put_bytes(&w, v6a, 16);
	sk_put_bytes(&w, v6b, 16);
	sk_tlv_end(&w, at2);
	memset(&v, 0, sizeof v);
	v.type = SK_RP_RETURN_ADDRESS;
	v.u.addr.len = 16;
	memcpy(v.u.addr.addr, v6b, 16);
	sk_tlv_put_val(&w, 0, SK_TLV_RETURN_PATH, &v);
	sk_tlv_end(&w, at);

	memset(&v, 0, sizeof v);
	v.type = SK_TLV_MICRO_SESSION_ID;
	v.u.micro.sender_msid = 7;
	v.u.micro.reflector_msid = 9;
	sk_tlv_put_val(&w, 0, 0, &v);

	memset(&v, 0, sizeof v);
	v.type = SK_TLV_REFLECTED_CONTROL;
	v.u.reflctl.reflected_length = 1500;
	v.u.reflctl.reflected_count = 3;
	v.u.reflctl.interval_ns = 1000000;
	static const uint8_t sub[] = { 0, 1, 0, 4, 1, 2, 3, 4 };
	v.sub = sub;
	v.sub_len = sizeof sub;
	sk_tlv_put_val(&w, 0, 0, &v);

	sk_tlv_put(&w, SK_TLV_F_U | SK_TLV_F_C, 200, "\x01\x02\x03", 3);
	assert_int_equal(sk_tlv_put_hmac(&w, 0, 44, key, KEYLEN), SK_OK);
	assert_int_equal(w.err, SK_OK);
	return w.off;
}

static void encode_every_tlv_exact(void **state)
{
	(void)state;
	uint8_t buf[512];
	size_t n = build(buf, sizeof buf);
	assert_int_equal(n, 44 + sizeof tlv_area);
	assert_memory_equal(buf + 44, tlv_area, sizeof tlv_area);
	/* No room: reported, not overrun. */
	struct sk_wbuf w;
	uint8_t small[6];
	sk_wbuf_init(&w, small, sizeof small);
	assert_int_equal(sk_tlv_put_padding(&w, 0, 4), SK_E_NOSPACE);
}

static size_t packet(uint8_t *buf)
{
	struct sk_test_pkt p = base_pkt();
	p.tail = tlv_area;
	p.tail_len = sizeof tlv_area;
	size_t n = 0;
	assert_int_equal(sk_test_encode(&p, &sender_opts, buf, 512, &n), SK_OK);
	return n;
}

static void decode_every_tlv(void **state)
{
	(void)state;
	uint8_t buf[512];
	size_t n = packet(buf);
	struct sk_test_pkt d;
	struct sk_error err;
	assert_int_equal(sk_test_decode(buf, n, &sender_opts, &d, NULL, &err), SK_OK);
	assert_int_equal(d.tlv_count, 16);
	assert_int_equal(d.tlv_hmac_status, SK_HMAC_ST_OK);
	assert_int_equal(d.ssid, 0xBEEF);

	struct sk_tlv_iter it;
	struct sk_tlv t;
	struct sk_tlv_val v;
	sk_tlv_iter_init(&it, d.tail, d.tail_len, 44);
	static const uint8_t types[] = { 1, 2, 3, 4, 5, 6, 7, 9, 9, 10, 10, 10, 11, 12, 200, 8 };
	for (size_t i = 0; i < sizeof types; i++) {
		assert_int_equal(sk_tlv_next(&it, &t), 1);
		assert_int_equal(t.type, types[i]);
		assert_int_equal(sk_tlv_value_decode(&t, 0, &v, NULL), SK_OK);
		switch (i) {
		case 0:
			assert_int_equal(t.flags, SK_TLV_F_U);
			assert_int_equal(t.off, 44);
			assert_int_equal(v.sub_len, 6);
			break;
		case 1: {
			assert_int_equal(v.u.loc.dst_port, 862);
			assert_int_equal(v.u.loc.src_port, 50000);
			struct sk_tlv_iter s;
			struct sk_tlv st;
			struct sk_tlv_val sv;
			sk_tlv_iter_sub(&s, &t, 4);
			assert_int_equal(sk_tlv_next(&s, &st), 1);
			assert_int_equal(st.off, 44 + 10 + 8);
			assert_int_equal(sk_tlv_value_decode(&st, SK_TLV_LOCATION, &sv, NULL), SK_OK);
			assert_memory_equal(sv.u.mac, "\x02\x00\x5e\x10\x20\x30", 6);
			assert_int_equal(sk_tlv_next(&s, &st), 1);
			assert_int_equal(st.type, SK_LOC_DST_IPV4);
			assert_int_equal(sk_tlv_value_decode(&st, SK_TLV_LOCATION, &sv, NULL), SK_OK);
			assert_memory_equal(sv.u.addr.addr, "\x0a\x00\x00\x01", 4);
			assert_int_equal(sk_tlv_next(&s, &st), 0);
			assert_int_equal(s.err, SK_OK);
			break;
		}
		case 2:
			assert_int_equal(v.u.tsinfo.sync_src_in, 1);
			assert_int_equal(v.u.tsinfo.ts_in, 2);
			assert_int_equal(v.u.tsinfo.sync_src_out, 2);
			assert_int_equal(v.u.tsinfo.ts_out, 1);
			assert_int_equal(v.sub_len, 6);
			break;
		case 3:
			assert_int_equal(v.u.cos.dscp1, 46);
			assert_int_equal(v.u.cos.dscp2, 10);
			assert_int_equal(v.u.cos.ecn, 2);
			assert_int_equal(v.u.cos.rp, 1);
			assert_int_equal(v.u.cos.ecn1, 1);
			assert_int_equal(v.u.cos.rpe, 1);
			assert_int_equal(v.u.cos.reserved, 0);
			break;
		case 4:
			assert_int_equal(v.u.direct.s_txc, 1);
			assert_int_equal(v.u.direct.r_rxc, 2);
			assert_int_equal(v.u.direct.r_txc, 3);
			break;
		case 5:
			assert_int_equal(v.u.access.access_id, 1);
			assert_int_equal(v.u.access.resv, 0);
			assert_int_equal(v.u.access.return_code, 1);
			break;
		case 6:
			assert_int_equal(v.u.followup.fu_seq, 5);
			assert_true(v.u.followup.fu_timestamp == 0xE93C7F0080000000ull);
			assert_int_equal(v.u.followup.ts_mode, 1);
			break;
		case 7:
			assert_int_equal(v.u.addr.len, 4);
			assert_memory_equal(v.u.addr.addr, "\xc0\x00\x02\x01", 4);
			break;
		case 8:
			assert_int_equal(v.u.addr.len, 16);
			assert_memory_equal(v.u.addr.addr, v6a, 16);
			break;
		case 9: {
			struct sk_tlv_iter s;
			struct sk_tlv st;
			struct sk_tlv_val sv;
			sk_tlv_iter_sub(&s, &t, 0);
			assert_int_equal(sk_tlv_next(&s, &st), 1);
			assert_int_equal(sk_tlv_value_decode(&st, SK_TLV_RETURN_PATH, &sv, NULL), SK_OK);
			assert_int_equal(sv.u.control_code, 1);
			assert_int_equal(sk_tlv_next(&s, &st), 1);
			assert_int_equal(sk_tlv_value_decode(&st, SK_TLV_RETURN_PATH, &sv, NULL), SK_OK);
			assert_int_equal(sv.u.addr.len, 4);
			assert_memory_equal(sv.u.addr.addr, "\xc6\x33\x64\x01", 4);
			break;
		}
		case 10: {
			struct sk_tlv_iter s;
			struct sk_tlv st;
			struct sk_tlv_val sv;
			struct sk_tlv_label l;
			sk_tlv_iter_sub(&s, &t, 0);
			assert_int_equal(sk_tlv_next(&s, &st), 1);
			assert_int_equal(st.type, SK_RP_SR_MPLS);
			assert_int_equal(sk_tlv_value_decode(&st, SK_TLV_RETURN_PATH, &sv, NULL), SK_OK);
			assert_int_equal(sv.sub_len, 8);
			sk_tlv_label_decode(sv.sub, &l);
			assert_int_equal(l.label, 16001);
			assert_int_equal(l.ttl, 255);
			assert_int_equal(l.s, 0);
			sk_tlv_label_decode(sv.sub + 4, &l);
			assert_int_equal(l.label, 16002);
			assert_int_equal(l.tc, 5);
			assert_int_equal(l.s, 1);
			assert_int_equal(l.ttl, 64);
			break;
		}
		case 11: {
			struct sk_tlv_iter s;
			struct sk_tlv st;
			struct sk_tlv_val sv;
			sk_tlv_iter_sub(&s, &t, 0);
			assert_int_equal(sk_tlv_next(&s, &st), 1);
			assert_int_equal(sk_tlv_value_decode(&st, SK_TLV_RETURN_PATH, &sv, NULL), SK_OK);
			assert_int_equal(sv.sub_len, 32);
			assert_memory_equal(sv.sub + 16, v6b, 16);
			assert_int_equal(sk_tlv_next(&s, &st), 1);
			assert_int_equal(sk_tlv_value_decode(&st, SK_TLV_RETURN_PATH, &sv, NULL), SK_OK);
			assert_int_equal(sv.u.addr.len, 16);
			assert_memory_equal(sv.u.addr.addr, v6b, 16);
			break;
		}
		case 12:
			assert_int_equal(v.u.micro.sender_msid, 7);
			assert_int_equal(v.u.micro.reflector_msid, 9);
			break;
		case 13:
			assert_int_equal(v.u.reflctl.reflected_length, 1500);
			assert_int_equal(v.u.reflctl.reflected_count, 3);
			assert_int_equal(v.u.reflctl.interval_ns, 1000000);
			assert_int_equal(v.sub_len, 8);
			break;
		case 14: /* unknown: opaque, flags kept */
			assert_int_equal(t.flags, SK_TLV_F_U | SK_TLV_F_C);
			assert_int_equal(v.sub_len, 3);
			assert_memory_equal(v.sub, "\x01\x02\x03", 3);
			break;
		case 15:
			assert_int_equal(t.off, 44 + 275);
			assert_memory_equal(v.u.hmac, tlv_area + 279, 16);
			break;
		}
	}
	assert_int_equal(sk_tlv_next(&it, &t), 0);
	assert_int_equal(it.err, SK_OK);
}

/* Each TLV and each sub-TLV: decode its value, encode it again, same octets. */
static void round_trip_each(const uint8_t *p, size_t len, size_t origin, uint8_t parent, int depth)
{
	struct sk_tlv_iter it;
	struct sk_tlv t;
	sk_tlv_iter_init(&it, p, len, origin);
	it.check_hmac_last = 0;
	while (sk_tlv_next(&it, &t)) {
		struct sk_tlv_val v;
		assert_int_equal(sk_tlv_value_decode(&t, parent, &v, NULL), SK_OK);
		uint8_t out[128];
		struct sk_wbuf w;
		sk_wbuf_init(&w, out, sizeof out);
		assert_int_equal(sk_tlv_put_val(&w, t.flags, parent, &v), SK_OK);
		assert_int_equal(w.off, SK_TLV_HDR_LEN + t.length);
		assert_memory_equal(out, t.value - SK_TLV_HDR_LEN, w.off);
		if (depth == 0 && (t.type == SK_TLV_LOCATION || t.type == SK_TLV_RETURN_PATH ||
				   t.type == SK_TLV_TIMESTAMP_INFO || t.type == SK_TLV_REFLECTED_CONTROL))
			round_trip_each(v.sub, v.sub_len, t.off + 4 + (t.length - v.sub_len), t.type, 1);
	}
	assert_int_equal(it.err, SK_OK);
}

static void round_trip_every_tlv(void **state)
{
	(void)state;
	round_trip_each(tlv_area, sizeof tlv_area, 44, 0, 0);
	round_trip_each(loc_eui64, sizeof loc_eui64, 44, 0, 0);
}

static void hmac_tlv(void **state)
{
	(void)state;
	uint8_t mac[16];
	static const uint8_t seq[4] = { 1, 2, 3, 4 };
	assert_int_equal(sk_tlv_hmac_compute(seq, tlv_area, 275, key, KEYLEN, mac), SK_OK);
	assert_memory_equal(mac, tlv_area + 279, 16);
	/* A changed TLV before it: status bad, decode still OK (the reflector sets I). */
	uint8_t buf[512];
	size_t n = packet(buf);
	buf[44 + 4] ^= 1;
	struct sk_test_pkt d;
	assert_int_equal(sk_test_decode(buf, n, &sender_opts, &d, NULL, NULL), SK_OK);
	assert_int_equal(d.tlv_hmac_status, SK_HMAC_ST_BAD);
	/* The Sequence Number is covered too; the rest of the base packet is not. */
	n = packet(buf);
	buf[3] ^= 1;
	assert_int_equal(sk_test_decode(buf, n, &sender_opts, &d, NULL, NULL), SK_OK);
	assert_int_equal(d.tlv_hmac_status, SK_HMAC_ST_BAD);
	n = packet(buf);
	buf[20] ^= 1;
	assert_int_equal(sk_test_decode(buf, n, &sender_opts, &d, NULL, NULL), SK_OK);
	assert_int_equal(d.tlv_hmac_status, SK_HMAC_ST_OK);
	/* No key: not checked. */
	struct sk_test_opts o = sender_opts;
	o.stamp_key = NULL;
	assert_int_equal(sk_test_decode(buf, n, &o, &d, NULL, NULL), SK_OK);
	assert_int_equal(d.tlv_hmac_status, SK_HMAC_ST_NOT_CHECKED);
}

struct mcase {
	const char *name;
	uint8_t tlvs[48];
	size_t len;
	enum sk_result r;
	size_t off; /* absolute */
	unsigned count;
};

static void malformed_lists(void **state)
{
	(void)state;
	static const struct mcase m[] = {
		{ "header cut", { 0, 1 }, 2, SK_E_TRUNCATED, 44, 0 },
		{ "length past end", { 0, 1, 0, 16, 0, 0, 0, 0 }, 8, SK_E_TRUNCATED, 44, 0 },
		{ "second length past end", { 0, 1, 0, 0, 0, 1, 0, 5, 0 }, 9, SK_E_TRUNCATED, 48, 1 },
		{ "HMAC not last", { 0, 8, 0, 16, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
				     0, 11, 0, 4, 0, 0, 0, 0 }, 28, SK_E_INVALID, 64, 1 },
		{ "Extra Padding after HMAC", { 0, 8, 0, 16, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
						15, 16, 0, 1, 0, 2, 0, 0 }, 26, SK_OK, 0, 2 },
		{ "CoS length 3", { 0, 4, 0, 3, 0xb8, 0, 0, 0, 1, 0, 0 }, 11, SK_E_INVALID, 44, 2 },
		{ "Dest addr length 8", { 0, 9, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8 }, 12, SK_E_INVALID, 44, 1 },
		{ "HMAC length 15", { 0, 8, 0, 15, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 }, 19,
		  SK_E_INVALID, 44, 1 },
		{ "Location sub-TLV past parent",
		  { 0, 2, 0, 8, 3, 0x5e, 0xc3, 0x50, 0, 1, 0, 8, 0, 1, 0, 0 }, 16, SK_E_TRUNCATED, 52, 2 },
		{ "SR-MPLS not a multiple of 4", { 0, 10, 0, 7, 0, 3, 0, 3, 1, 2, 3 }, 11, SK_E_INVALID,
		  48, 1 },
		{ "Return Address length 5", { 0, 10, 0, 9, 0, 2, 0, 5, 1, 2, 3, 4, 5 }, 13, SK_E_INVALID,
		  48, 1 },
	};
	for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
		uint8_t buf[128];
		struct sk_test_pkt p = base_pkt();
		p.tail = m[i].tlvs;
		p.tail_len = m[i].len;
		struct sk_test_opts o = sender_opts;
		o.stamp_key = NULL;
		size_t n;
		assert_int_equal(sk_test_encode(&p, &o, buf, sizeof buf, &n), SK_OK);
		uint8_t *cp = malloc(n);
		memcpy(cp, buf, n);
		struct sk_test_pkt d;
		struct sk_error err;
		memset(&err, 0, sizeof err);
		enum sk_result r = sk_test_decode(cp, n, &o, &d, NULL, &err);
		if (r != m[i].r || err.offset != m[i].off || d.tlv_count != m[i].count)
			fail_msg("%s: got %s at %zu count %u (%s)", m[i].name, sk_strerror(r), err.offset,
				 d.tlv_count, err.msg);
		/* The fixed part is complete. */
		assert_int_equal(d.seq, 0x01020304u);
		assert_int_equal(d.ssid, 0xBEEF);
		free(cp);
	}
}

/* Cutting the packet anywhere inside the TLV area: SK_OK exactly at TLV boundaries, else
 * SK_E_TRUNCATED at the offset of the TLV that was cut. Exact-size heap copies for ASan. */
static void every_truncation(void **state)
{
	(void)state;
	uint8_t buf[512];
	size_t n = packet(buf);
	size_t starts[17];
	size_t ns = 0;
	struct sk_tlv_iter it;
	struct sk_tlv t;
	sk_tlv_iter_init(&it, buf + 44, n - 44, 44);
	while (sk_tlv_next(&it, &t))
		starts[ns++] = t.off;
	starts[ns] = n;
	assert_int_equal(ns, 16);
	struct sk_test_opts o = sender_opts;
	for (size_t len = 44; len < n; len++) {
		uint8_t *cp = malloc(len);
		memcpy(cp, buf, len);
		struct sk_test_pkt d;
		struct sk_error err;
		memset(&err, 0, sizeof err);
		enum sk_result r = sk_test_decode(cp, len, &o, &d, NULL, &err);
		size_t k = 0;
		while (k + 1 <= ns && starts[k + 1] <= len)
			k++;
		if (starts[k] == len) {
			assert_int_equal(r, SK_OK);
			assert_int_equal(d.tlv_count, k);
		} else {
			assert_int_equal(r, SK_E_TRUNCATED);
			assert_int_equal(err.offset, starts[k]);
			assert_int_equal(d.tlv_count, k);
		}
		free(cp);
	}
}

static void scapy_crosscheck(void **state)
{
	(void)state;
	struct sk_test_opts o = { SK_PROTO_STAMP, SK_ROLE_SENDER, SK_SEC_UNAUTH, 0, 0, NULL, 0, NULL };
	struct sk_test_pkt d;
	assert_int_equal(sk_test_decode(scapy_sender, sizeof scapy_sender, &o, &d, NULL, NULL), SK_OK);
	assert_int_equal(d.seq, 7);
	assert_true(d.timestamp == 0xe93c7f0080000000ull);
	assert_int_equal(d.error_estimate, 0x8001);
	assert_int_equal(d.ssid, 0x1234);
	assert_int_equal(d.tlv_count, 0);
	o.role = SK_ROLE_REFLECTOR;
	assert_int_equal(sk_test_decode(scapy_reflector, sizeof scapy_reflector, &o, &d, NULL, NULL),
			 SK_OK);
	assert_int_equal(d.seq, 1);
	assert_true(d.timestamp == 0xe93c7f0140000000ull);
	assert_int_equal(d.ssid, 0x1234);
	assert_true(d.rx_timestamp == 0xe93c7f0100000000ull);
	assert_int_equal(d.sender_seq, 7);
	assert_true(d.sender_timestamp == 0xe93c7f0080000000ull);
	assert_int_equal(d.sender_error_estimate, 0x8001);
	assert_int_equal(d.sender_ttl, 63);
	assert_int_equal(d.tlv_count, 2);
	struct sk_tlv_iter it;
	struct sk_tlv t;
	struct sk_tlv_val v;
	sk_tlv_iter_init(&it, d.tail, d.tail_len, 44);
	assert_int_equal(sk_tlv_next(&it, &t), 1);
	assert_int_equal(t.type, SK_TLV_EXTRA_PADDING);
	assert_int_equal(t.length, 8);
	assert_int_equal(t.flags, 0x01); /* scapy's "U": an unassigned bit, not RFC 8972's U */
	assert_int_equal(sk_tlv_next(&it, &t), 1);
	assert_int_equal(sk_tlv_value_decode(&t, 0, &v, NULL), SK_OK);
	assert_int_equal(v.u.cos.dscp1, 46);
	assert_int_equal(v.u.cos.dscp2, 0);
	assert_int_equal(sk_tlv_next(&it, &t), 0);
}

static void typed_decode_errors(void **state)
{
	(void)state;
	static const uint8_t cos3[] = { 0, 4, 0, 3, 0xb8, 0, 0 };
	struct sk_tlv_iter it;
	struct sk_tlv t;
	struct sk_tlv_val v;
	struct sk_error err;
	sk_tlv_iter_init(&it, cos3, sizeof cos3, 100);
	assert_int_equal(sk_tlv_next(&it, &t), 1);
	assert_int_equal(sk_tlv_value_decode(&t, 0, &v, &err), SK_E_INVALID);
	assert_int_equal(err.offset, 100);
	/* Unknown sub-TLV of a known parent: opaque, not an error. */
	static const uint8_t unk[] = { 0, 77, 0, 2, 9, 9 };
	sk_tlv_iter_init(&it, unk, sizeof unk, 0);
	assert_int_equal(sk_tlv_next(&it, &t), 1);
	assert_int_equal(sk_tlv_value_decode(&t, SK_TLV_LOCATION, &v, NULL), SK_OK);
	assert_int_equal(v.sub_len, 2);
	/* A 65536-octet value cannot be written; sk_tlv_end before its header is refused. */
	uint8_t buf[8];
	struct sk_wbuf w;
	sk_wbuf_init(&w, buf, sizeof buf);
	assert_int_equal(sk_tlv_put(&w, 0, 1, NULL, 0x10000), SK_E_ARG);
	assert_int_equal(sk_tlv_end(&w, 6), SK_E_ARG);
	/* sk_tlv_put_hmac needs the Sequence Number in front of the TLVs. */
	assert_int_equal(sk_tlv_put_hmac(&w, 0, 2, key, KEYLEN), SK_E_ARG);
}

static void names(void **state)
{
	(void)state;
	assert_string_equal(sk_tlv_type_name(0), "Reserved");
	assert_string_equal(sk_tlv_type_name(1), "Extra Padding");
	assert_string_equal(sk_tlv_type_name(8), "HMAC");
	assert_string_equal(sk_tlv_type_name(12), "Reflected Test Packet Control");
	assert_string_equal(sk_tlv_type_name(13), "Unassigned");
	assert_string_equal(sk_tlv_type_name(240), "Experimental");
	assert_string_equal(sk_tlv_type_name(252), "Private Use");
	assert_string_equal(sk_tlv_type_name(255), "Reserved");
	assert_string_equal(sk_tlv_loc_sub_name(6), "Destination IPv6 Address");
	assert_string_equal(sk_tlv_rp_sub_name(3), "SR-MPLS Label Stack");
}

/* ---- visitor coverage ---- */

struct coll {
	const struct sk_field *seen[1024];
	size_t n;
	int opens, closes, problems;
	unsigned kinds; /* bit 1 << enum sk_problem for each kind reported */
	size_t last_problem_off;
};

static void c_open(void *ctx, const char *name, const char *k, size_t off, size_t len)
{
	(void)name, (void)k, (void)off, (void)len;
	((struct coll *)ctx)->opens++;
}
static void c_close(void *ctx) { ((struct coll *)ctx)->closes++; }
static void c_problem(void *ctx, enum sk_problem kind, enum sk_result r, size_t off,
		      const char *msg)
{
	(void)r, (void)msg;
	((struct coll *)ctx)->problems++;
	((struct coll *)ctx)->kinds |= 1u << kind;
	((struct coll *)ctx)->last_problem_off = off;
}
static void c_field(void *ctx, const struct sk_field *f, const struct sk_value *v, size_t off)
{
	(void)v, (void)off;
	struct coll *c = ctx;
	for (size_t i = 0; i < c->n; i++)
		if (c->seen[i] == f)
			return;
	if (c->n < 1024)
		c->seen[c->n++] = f;
}

static void visitor_covers_every_field(void **state)
{
	(void)state;
	struct coll c;
	memset(&c, 0, sizeof c);
	struct sk_visitor v = { c_open, c_field, c_close, c_problem, &c, 0 };
	uint8_t buf[512];
	size_t n = packet(buf);
	assert_int_equal(sk_test_decode(buf, n, &sender_opts, NULL, &v, NULL), SK_OK);
	assert_int_equal(c.opens, c.closes);
	assert_int_equal(c.problems, 0);
	assert_int_equal(sk_tlv_walk(loc_eui64, sizeof loc_eui64, 44, NULL, NULL, 0, &v, NULL, NULL),
			 SK_OK);
	/* A wrong-length TLV is visited as opaque "value" (and counted as a problem). */
	static const uint8_t bad[] = { 0, 4, 0, 3, 1, 2, 3 };
	struct sk_error err;
	assert_int_equal(sk_tlv_walk(bad, sizeof bad, 44, NULL, NULL, 0, &v, NULL, &err), SK_E_INVALID);
	assert_int_equal(err.offset, 44);
	assert_int_equal(c.last_problem_off, 44);
	assert_true(c.kinds & (1u << SK_PROB_TLV_MALFORMED));
	for (size_t k = 0; sk_tlv_layouts[k]; k++) {
		const struct sk_layout *L = sk_tlv_layouts[k];
		for (size_t i = 0; i < L->nfields; i++) {
			int seen = 0;
			for (size_t j = 0; j < c.n; j++)
				if (c.seen[j] == &L->fields[i])
					seen = 1;
			if (!seen)
				fail_msg("%s: field %s never visited", L->key, L->fields[i].key);
		}
	}
	/* Unassigned flag bits are reported, not fatal. */
	static const uint8_t f[] = { 0x0f, 1, 0, 0 };
	int before = c.problems;
	c.kinds = 0;
	assert_int_equal(sk_tlv_walk(f, sizeof f, 44, NULL, NULL, 0, &v, NULL, NULL), SK_OK);
	assert_int_equal(c.problems, before + 1);
	assert_int_equal(c.kinds, 1u << SK_PROB_UNASSIGNED_BITS);
}

/* Each problem of a TLV list reaches the visitor with its kind. */
static void problem_kinds(void **state)
{
	(void)state;
	struct coll c;
	struct sk_visitor v = { c_open, c_field, c_close, c_problem, &c, 0 };
	struct sk_error err;
	/* Value length wrong for the type (Location needs at least 4 octets). */
	static const uint8_t badlen[] = { 0, 4, 0, 3, 1, 2, 3 };
	memset(&c, 0, sizeof c);
	assert_int_equal(sk_tlv_walk(badlen, sizeof badlen, 44, NULL, NULL, 0, &v, NULL, &err),
			 SK_E_INVALID);
	assert_int_equal(c.kinds, 1u << SK_PROB_TLV_MALFORMED);
	/* Header cut, and a Length past the end: truncated. */
	static const uint8_t cut[] = { 0, 1, 0 };
	memset(&c, 0, sizeof c);
	assert_int_equal(sk_tlv_walk(cut, sizeof cut, 44, NULL, NULL, 0, &v, NULL, &err), SK_E_TRUNCATED);
	assert_int_equal(c.kinds, 1u << SK_PROB_TRUNCATED);
	static const uint8_t longlen[] = { 0, 1, 0, 8, 0, 0 };
	memset(&c, 0, sizeof c);
	assert_int_equal(sk_tlv_walk(longlen, sizeof longlen, 44, NULL, NULL, 0, &v, NULL, &err),
			 SK_E_TRUNCATED);
	assert_int_equal(c.kinds, 1u << SK_PROB_TRUNCATED);
	/* A TLV other than Extra Padding after the HMAC TLV: malformed list. */
	uint8_t after[4 + 16 + 4 + 4];
	memset(after, 0, sizeof after);
	after[1] = SK_TLV_HMAC, after[3] = 16;
	after[21] = SK_TLV_LOCATION, after[23] = 4;
	memset(&c, 0, sizeof c);
	assert_int_equal(sk_tlv_walk(after, sizeof after, 44, NULL, NULL, 0, &v, NULL, &err),
			 SK_E_INVALID);
	assert_true(c.kinds & (1u << SK_PROB_TLV_MALFORMED));
	/* An HMAC TLV that does not verify under the key. */
	static const uint8_t seq4[4] = { 0, 0, 0, 1 };
	uint8_t h[4 + 16];
	memset(h, 0, sizeof h);
	h[1] = SK_TLV_HMAC, h[3] = 16;
	memset(&c, 0, sizeof c);
	assert_int_equal(sk_tlv_walk(h, sizeof h, 44, seq4, "k", 1, &v, NULL, &err), SK_OK);
	assert_int_equal(c.kinds, 1u << SK_PROB_HMAC_BAD);
	/* Unassigned Flags bits. */
	static const uint8_t fl[] = { 0x0f, 1, 0, 0 };
	memset(&c, 0, sizeof c);
	assert_int_equal(sk_tlv_walk(fl, sizeof fl, 44, NULL, NULL, 0, &v, NULL, NULL), SK_OK);
	assert_int_equal(c.kinds, 1u << SK_PROB_UNASSIGNED_BITS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(encode_every_tlv_exact),
		cmocka_unit_test(decode_every_tlv),
		cmocka_unit_test(round_trip_every_tlv),
		cmocka_unit_test(hmac_tlv),
		cmocka_unit_test(malformed_lists),
		cmocka_unit_test(every_truncation),
		cmocka_unit_test(scapy_crosscheck),
		cmocka_unit_test(typed_decode_errors),
		cmocka_unit_test(names),
		cmocka_unit_test(visitor_covers_every_field),
		cmocka_unit_test(problem_kinds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
