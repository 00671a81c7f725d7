/* SPDX-License-Identifier: BSD-3-Clause */
/* test_testpkt.c - every TWAMP-Test and STAMP packet layout: exact bytes, round trips,
 * every truncation, HMAC status, twampy and nokia quirks, the guess, visitor coverage. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "stampkit/stampkit.h"
#include "stampkit/testpkt.h"

/* Expected octets, built independently of the C tables with Python's struct module from
 * the RFC figures (offsets as in protocol-digest §3-4); HMACs with Python's hmac module:
 * STAMP key "stamp-key" over octets 0..95 (SHA-256), TWAMP key 0x01..0x20 over octets
 * 0..15 (SHA-1, owamp's authenticated-mode coverage) or 0..95 (tw_r_a96_bytes). */
static const uint8_t tw_s_u_bytes[18] = {
	0x01, 0x02, 0x03, 0x04, 0xe9, 0x3c, 0x7f, 0x00, 0x80, 0x00, 0x00, 0x00,
	0x80, 0x01, 0xde, 0xad, 0xbe, 0xef,
};
static const uint8_t tw_s_a_bytes[50] = {
	0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xe9, 0x3c, 0x7f, 0x00, 0x80, 0x00, 0x00, 0x00,
	0x80, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x4f, 0x78, 0xfd, 0x9e,
	0x09, 0x99, 0xb8, 0x1f, 0x2d, 0x41, 0x00, 0xd2, 0x34, 0x55, 0x17, 0x1c,
	0x55, 0x66,
};
static const uint8_t tw_s_su_bytes[41] = {
	0x01, 0x02, 0x03, 0x04, 0xe9, 0x3c, 0x7f, 0x00, 0x80, 0x00, 0x00, 0x00,
	0x80, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00,
};
static const uint8_t tw_s_sa_bytes[112] = {
	0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xe9, 0x3c, 0x7f, 0x00, 0x80, 0x00, 0x00, 0x00,
	0x80, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab,
	0xac, 0xad, 0xae, 0xaf,
};
static const uint8_t tw_r_u_bytes[44] = {
	0x01, 0x02, 0x03, 0x04, 0xe9, 0x3c, 0x7f, 0x00, 0x80, 0x00, 0x00, 0x00,
	0x80, 0x01, 0x00, 0x00, 0xe9, 0x3c, 0x7f, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x0a, 0x0b, 0x0c, 0x0d, 0xe9, 0x3c, 0x7f, 0x00, 0x40, 0x00, 0x00, 0x00,
	0x80, 0x02, 0x00, 0x00, 0xfe, 0x01, 0x02, 0x03,
};
static const uint8_t tw_r_ud_bytes[42] = {
	0x01, 0x02, 0x03, 0x04, 0xe9, 0x3c, 0x7f, 0x00, 0x80, 0x00, 0x00, 0x00,
	0x80, 0x01, 0x00, 0x00, 0xe9, 0x3c, 0x7f, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x0a, 0x0b, 0x0c, 0x0d, 0xe9, 0x3c, 0x7f, 0x00, 0x40, 0x00, 0x00, 0x00,
	0x80, 0x02, 0x00, 0x00, 0xfe, 0xb9,
};
static const uint8_t tw_r_38_bytes[38] = {
	0x01, 0x02, 0x03, 0x04, 0xe9, 0x3c, 0x7f, 0x00, 0x80, 0x00, 0x00, 0x00,
	0x80, 0x01, 0x00, 0x00, 0xe9, 0x3c, 0x7f, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x0a, 0x0b, 0x0c, 0x0d, 0xe9, 0x3c, 0x7f, 0x00, 0x40, 0x00, 0x00, 0x00,
	0x80, 0x02,
};
static const uint8_t tw_r_a_bytes[112] = {
	0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xe9, 0x3c, 0x7f, 0x00, 0x80, 0x00, 0x00, 0x00,
	0x80, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xe9, 0x3c, 0x7f, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x0a, 0x0b, 0x0c, 0x0d, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xe9, 0x3c, 0x7f, 0x00, 0x40, 0x00, 0x00, 0x00,
	0x80, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xfe, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x4f, 0x78, 0xfd, 0x9e, 0x09, 0x99, 0xb8, 0x1f, 0x2d, 0x41, 0x00, 0xd2,
	0x34, 0x55, 0x17, 0x1c,
};
static const uint8_t tw_r_ad_bytes[112] = {
	0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xe9, 0x3c, 0x7f, 0x00, 0x80, 0x00, 0x00, 0x00,
	0x80, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xe9, 0x3c, 0x7f, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x0a, 0x0b, 0x0c, 0x0d, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xe9, 0x3c, 0x7f, 0x00, 0x40, 0x00, 0x00, 0x00,
	0x80, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xfe, 0xb9, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab,
	0xac, 0xad, 0xae, 0xaf,
};
static const uint8_t st_s_u_bytes[44] = {
	0x01, 0x02, 0x03, 0x04, 0xe9, 0x3c, 0x7f, 0x00, 0x80, 0x00, 0x00, 0x00,
	0x80, 0x01, 0xbe, 0xef, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
static const uint8_t st_r_u_bytes[44] = {
	0x01, 0x02, 0x03, 0x04, 0xe9, 0x3c, 0x7f, 0x00, 0x80, 0x00, 0x00, 0x00,
	0x80, 0x01, 0xbe, 0xef, 0xe9, 0x3c, 0x7f, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x0a, 0x0b, 0x0c, 0x0d, 0xe9, 0x3c, 0x7f, 0x00, 0x40, 0x00, 0x00, 0x00,
	0x80, 0x02, 0x00, 0x00, 0xfe, 0x00, 0x00, 0x00,
};
static const uint8_t st_s_a_bytes[112] = {
	0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xe9, 0x3c, 0x7f, 0x00, 0x80, 0x00, 0x00, 0x00,
	0x80, 0x01, 0xbe, 0xef, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xd0, 0x53, 0x68, 0x01, 0x87, 0x33, 0x05, 0x35, 0x06, 0xeb, 0xe0, 0xc6,
	0xe6, 0x58, 0x7b, 0x65,
};
static const uint8_t st_r_a_bytes[112] = {
	0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xe9, 0x3c, 0x7f, 0x00, 0x80, 0x00, 0x00, 0x00,
	0x80, 0x01, 0xbe, 0xef, 0x00, 0x00, 0x00, 0x00, 0xe9, 0x3c, 0x7f, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x0a, 0x0b, 0x0c, 0x0d, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xe9, 0x3c, 0x7f, 0x00, 0x40, 0x00, 0x00, 0x00,
	0x80, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xfe, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x67, 0xf7, 0x07, 0x8a, 0xc5, 0xf1, 0x47, 0x70, 0x01, 0x23, 0x36, 0x0c,
	0x83, 0x9e, 0x84, 0xd8,
};
static const uint8_t tw_r_a96_bytes[112] = {
	0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xe9, 0x3c, 0x7f, 0x00, 0x80, 0x00, 0x00, 0x00,
	0x80, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xe9, 0x3c, 0x7f, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x0a, 0x0b, 0x0c, 0x0d, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xe9, 0x3c, 0x7f, 0x00, 0x40, 0x00, 0x00, 0x00,
	0x80, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xfe, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xcf, 0xdc, 0xe4, 0x19, 0x69, 0xdf, 0x62, 0x8e, 0x1b, 0xaa, 0x42, 0x0a,
	0xc8, 0x76, 0xf0, 0x15,
};


/* UDP payloads of the two packets of /work/shared/pcaps/public/nokia-pcaptoparquet-99.twamp.pcap
 * (nokia/pcaptoparquet tests/data/00_functional/05_applications/99.twamp.pcap.gz). */
static const uint8_t nokia_sender[72] = {
	0x00, 0x00, 0x0d, 0xc8, 0xe9, 0xd0, 0x28, 0x31, 0x4f, 0xae, 0x89, 0xeb,
	0x00, 0x00, 0x01, 0x00, 0x48, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
static const uint8_t nokia_reply[72] = {
	0x00, 0x00, 0x0d, 0xc8, 0xe9, 0xd0, 0x28, 0x31, 0x68, 0xa5, 0xef, 0xe9,
	0x00, 0x00, 0x00, 0x00, 0xe9, 0xd0, 0x28, 0x31, 0x68, 0xa5, 0xac, 0xcd,
	0x00, 0x00, 0x0d, 0xc8, 0xe9, 0xd0, 0x28, 0x31, 0x4f, 0xae, 0x89, 0xeb,
	0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

#define SEQ 0x01020304u
#define TS 0xE93C7F0080000000ull
#define EE 0x8001
#define SSID 0xBEEF
#define RX 0xE93C7F0100000000ull
#define SSEQ 0x0A0B0C0Du
#define STS 0xE93C7F0040000000ull
#define SEE 0x8002
#define TTL 254

static const uint8_t twamp_key[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17,
				       18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };
static const char stamp_key[] = "stamp-key";

struct tcase {
	const char *name;
	uint8_t proto, role, sec, features;
	int keyed;
	const uint8_t *bytes;
	size_t len;
	size_t base;
	uint32_t flags_in;
};

#define TC(n, pr, ro, se, fe, k, b, base, fl) { n, pr, ro, se, fe, k, b, sizeof(b), base, fl }
static const struct tcase cases[] = {
	TC("twamp sender unauth", SK_PROTO_TWAMP, SK_ROLE_SENDER, SK_SEC_UNAUTH, 0, 0, tw_s_u_bytes, 14, 0),
	TC("twamp sender auth", SK_PROTO_TWAMP, SK_ROLE_SENDER, SK_SEC_AUTH, 0, 1, tw_s_a_bytes, 48, 0),
	TC("twamp sender sym unauth", SK_PROTO_TWAMP, SK_ROLE_SENDER, SK_SEC_UNAUTH, SK_TF_SYMMETRICAL, 0,
	   tw_s_su_bytes, 41, 0),
	TC("twamp sender sym encrypted", SK_PROTO_TWAMP, SK_ROLE_SENDER, SK_SEC_ENCRYPTED,
	   SK_TF_SYMMETRICAL, 0, tw_s_sa_bytes, 112, 0),
	TC("twamp reflector unauth", SK_PROTO_TWAMP, SK_ROLE_REFLECTOR, SK_SEC_UNAUTH, 0, 0, tw_r_u_bytes,
	   41, 0),
	TC("twamp reflector unauth dscp/ecn", SK_PROTO_TWAMP, SK_ROLE_REFLECTOR, SK_SEC_UNAUTH,
	   SK_TF_DSCP_ECN, 0, tw_r_ud_bytes, 42, 0),
	TC("twamp reflector twampy", SK_PROTO_TWAMP, SK_ROLE_REFLECTOR, SK_SEC_UNAUTH, 0, 0,
	   tw_r_38_bytes, 38, SK_TPF_TWAMPY38),
	TC("twamp reflector auth", SK_PROTO_TWAMP, SK_ROLE_REFLECTOR, SK_SEC_AUTH, 0, 1, tw_r_a_bytes, 112,
	   0),
	TC("twamp reflector encrypted dscp/ecn", SK_PROTO_TWAMP, SK_ROLE_REFLECTOR, SK_SEC_ENCRYPTED,
	   SK_TF_DSCP_ECN, 0, tw_r_ad_bytes, 112, 0),
	TC("stamp sender unauth", SK_PROTO_STAMP, SK_ROLE_SENDER, SK_SEC_UNAUTH, 0, 0, st_s_u_bytes, 44, 0),
	TC("stamp reflector unauth", SK_PROTO_STAMP, SK_ROLE_REFLECTOR, SK_SEC_UNAUTH, 0, 0, st_r_u_bytes,
	   44, 0),
	TC("stamp sender auth", SK_PROTO_STAMP, SK_ROLE_SENDER, SK_SEC_AUTH, 0, 1, st_s_a_bytes, 112, 0),
	TC("stamp reflector auth", SK_PROTO_STAMP, SK_ROLE_REFLECTOR, SK_SEC_AUTH, 0, 1, st_r_a_bytes, 112,
	   0),
};
#define NCASES (sizeof cases / sizeof cases[0])

static void opts_of(const struct tcase *tc, struct sk_test_opts *o, int with_key)
{
	memset(o, 0, sizeof *o);
	o->proto = tc->proto;
	o->role = tc->role;
	o->sec = tc->sec;
	o->features = tc->features;
	if (with_key && tc->keyed) {
		if (tc->proto == SK_PROTO_STAMP) {
			o->stamp_key = stamp_key;
			o->stamp_key_len = strlen(stamp_key);
		} else {
			o->twamp_hmac_key = twamp_key;
		}
	}
}

static void fill(const struct tcase *tc, struct sk_test_pkt *p)
{
	memset(p, 0, sizeof *p);
	p->seq = SEQ;
	p->timestamp = TS;
	p->error_estimate = EE;
	p->ssid = SSID;
	p->rx_timestamp = RX;
	p->sender_seq = SSEQ;
	p->sender_timestamp = STS;
	p->sender_error_estimate = SEE;
	p->sender_ttl = TTL;
	p->sender_dscp = 46;
	p->sender_ecn = 1;
	for (int i = 0; i < 16; i++)
		p->hmac[i] = (uint8_t)(0xa0 + i);
	p->tail = tc->bytes + tc->base;
	p->tail_len = tc->len - tc->base;
	p->flags = tc->flags_in;
}

/* Every layout, encoded from a struct, gives exactly the independently built octets. */
static void encode_exact(void **state)
{
	(void)state;
	for (size_t i = 0; i < NCASES; i++) {
		const struct tcase *tc = &cases[i];
		struct sk_test_opts o;
		struct sk_test_pkt p;
		opts_of(tc, &o, 1);
		fill(tc, &p);
		uint8_t buf[256];
		size_t n = 0;
		assert_int_equal(sk_test_encode(&p, &o, buf, sizeof buf, &n), SK_OK);
		assert_int_equal(n, tc->len);
		assert_memory_equal(buf, tc->bytes, tc->len);
		/* Not enough room is reported, never overrun. */
		assert_int_equal(sk_test_encode(&p, &o, buf, tc->len - 1, &n), SK_E_NOSPACE);
	}
}

/* Decoding gives the values back; decode -> encode gives the octets back. */
static void decode_round_trip(void **state)
{
	(void)state;
	for (size_t i = 0; i < NCASES; i++) {
		const struct tcase *tc = &cases[i];
		struct sk_test_opts o;
		opts_of(tc, &o, 1);
		struct sk_test_pkt d;
		struct sk_error err;
		memset(&err, 0, sizeof err);
		assert_int_equal(sk_test_decode(tc->bytes, tc->len, &o, &d, NULL, &err), SK_OK);
		assert_int_equal(d.seq, SEQ);
		assert_true(d.timestamp == TS);
		assert_int_equal(d.error_estimate, EE);
		assert_int_equal(d.ssid, tc->proto == SK_PROTO_STAMP ? SSID : 0);
		if (tc->role == SK_ROLE_REFLECTOR) {
			assert_true(d.rx_timestamp == RX);
			assert_int_equal(d.sender_seq, SSEQ);
			assert_true(d.sender_timestamp == STS);
			assert_int_equal(d.sender_error_estimate, SEE);
			assert_int_equal(d.sender_ttl, (tc->flags_in & SK_TPF_TWAMPY38) ? 0 : TTL);
		} else {
			assert_true(d.rx_timestamp == 0);
			assert_int_equal(d.sender_seq, 0);
		}
		if (tc->features & SK_TF_DSCP_ECN) {
			assert_int_equal(d.sender_dscp, 46);
			assert_int_equal(d.sender_ecn, 1);
		}
		assert_int_equal(d.flags, tc->flags_in);
		assert_int_equal(d.tail_len, tc->len - tc->base);
		assert_ptr_equal(d.tail, tc->bytes + tc->base);
		assert_int_equal(d.hmac_status, tc->keyed ? SK_HMAC_ST_OK : SK_HMAC_ST_NOT_CHECKED);
		uint8_t buf[256];
		size_t n = 0;
		struct sk_test_opts nokey;
		opts_of(tc, &nokey, 0);
		assert_int_equal(sk_test_encode(&d, &nokey, buf, sizeof buf, &n), SK_OK);
		assert_int_equal(n, tc->len);
		assert_memory_equal(buf, tc->bytes, tc->len);
	}
}

/* Every length shorter than the fixed part is SK_E_TRUNCATED at that length, with no
 * read past it (each copy is heap-allocated to its exact size for ASan). */
static void every_truncation(void **state)
{
	(void)state;
	for (size_t i = 0; i < NCASES; i++) {
		const struct tcase *tc = &cases[i];
		struct sk_test_opts o;
		opts_of(tc, &o, 1);
		for (size_t n = 0; n < tc->base; n++) {
			uint8_t *cp = malloc(n ? n : 1);
			assert_non_null(cp);
			memcpy(cp, tc->bytes, n);
			struct sk_test_pkt d;
			struct sk_error err;
			memset(&err, 0, sizeof err);
			enum sk_result r = sk_test_decode(cp, n, &o, &d, NULL, &err);
			if (tc->proto == SK_PROTO_TWAMP && tc->role == SK_ROLE_REFLECTOR &&
			    tc->sec == SK_SEC_UNAUTH && !tc->features && n == 38) {
				assert_int_equal(r, SK_OK); /* twampy's reply size */
				assert_true(d.flags & SK_TPF_TWAMPY38);
			} else {
				assert_int_equal(r, SK_E_TRUNCATED);
				assert_int_equal(err.code, SK_E_TRUNCATED);
				assert_int_equal(err.offset, n);
			}
			if (n >= 4)
				assert_int_equal(d.seq, SEQ); /* what fits is still stored */
			free(cp);
		}
	}
}

static void hmac_status(void **state)
{
	(void)state;
	for (size_t i = 0; i < NCASES; i++) {
		const struct tcase *tc = &cases[i];
		if (!tc->keyed)
			continue;
		struct sk_test_opts o;
		opts_of(tc, &o, 1);
		uint8_t cp[256];
		memcpy(cp, tc->bytes, tc->len);
		cp[0] ^= 0x80; /* covered by every HMAC */
		struct sk_test_pkt d;
		struct sk_error err;
		assert_int_equal(sk_test_decode(cp, tc->len, &o, &d, NULL, &err), SK_E_AUTH);
		assert_int_equal(d.hmac_status, SK_HMAC_ST_BAD);
		assert_int_equal(d.seq, SEQ ^ 0x80000000u); /* still decoded */
		assert_int_equal(err.offset, tc->base == 48 ? 32 : 96);
	}
	/* The TWAMP reflector HMAC over 96 octets (one reading of RFC 5357) is accepted and
	 * flagged. */
	struct sk_test_opts o = { SK_PROTO_TWAMP, SK_ROLE_REFLECTOR, SK_SEC_AUTH, 0, 0, NULL, 0,
				  twamp_key };
	struct sk_test_pkt d;
	assert_int_equal(sk_test_decode(tw_r_a96_bytes, sizeof tw_r_a96_bytes, &o, &d, NULL, NULL),
			 SK_OK);
	assert_int_equal(d.hmac_status, SK_HMAC_ST_OK);
	assert_true(d.flags & SK_TPF_HMAC_ALT);
	/* Encrypted mode covers 96 octets for the reflector: the 16-octet HMAC is bad there. */
	o.sec = SK_SEC_ENCRYPTED;
	assert_int_equal(sk_test_decode(tw_r_a_bytes, sizeof tw_r_a_bytes, &o, &d, NULL, NULL),
			 SK_E_AUTH);
	assert_int_equal(sk_test_decode(tw_r_a96_bytes, sizeof tw_r_a96_bytes, &o, &d, NULL, NULL),
			 SK_OK);
	assert_false(d.flags & SK_TPF_HMAC_ALT);
}

static void twampy_reply(void **state)
{
	(void)state;
	struct sk_test_opts o = { SK_PROTO_TWAMP, SK_ROLE_REFLECTOR, SK_SEC_UNAUTH, 0, 0, NULL, 0, NULL };
	struct sk_test_pkt d;
	assert_int_equal(sk_test_decode(tw_r_38_bytes, 38, &o, &d, NULL, NULL), SK_OK);
	assert_true(d.flags & SK_TPF_TWAMPY38);
	assert_int_equal(d.sender_seq, SSEQ);
	assert_int_equal(d.sender_error_estimate, SEE);
	assert_int_equal(d.sender_ttl, 0);
	assert_int_equal(d.tail_len, 0);
	/* 39 and 40 are neither twampy nor RFC: truncated. 41 is the RFC layout. */
	assert_int_equal(sk_test_decode(tw_r_u_bytes, 39, &o, &d, NULL, NULL), SK_E_TRUNCATED);
	assert_int_equal(sk_test_decode(tw_r_u_bytes, 41, &o, &d, NULL, NULL), SK_OK);
	assert_false(d.flags & SK_TPF_TWAMPY38);
	/* With DSCP/ECN negotiated, 38 is not the twampy reply. */
	o.features = SK_TF_DSCP_ECN;
	assert_int_equal(sk_test_decode(tw_r_38_bytes, 38, &o, &d, NULL, NULL), SK_E_TRUNCATED);
}

static void nokia_quirks(void **state)
{
	(void)state;
	struct sk_test_opts o = { SK_PROTO_TWAMP, SK_ROLE_SENDER, SK_SEC_UNAUTH, 0, 0, NULL, 0, NULL };
	struct sk_test_pkt d;
	assert_int_equal(sk_test_decode(nokia_sender, sizeof nokia_sender, &o, &d, NULL, NULL), SK_OK);
	assert_int_equal(d.seq, 3528);
	assert_true(d.timestamp == 0xe9d028314fae89ebull);
	assert_int_equal(d.error_estimate, 0);
	assert_true(d.flags & SK_TPF_ERREST_ZERO);
	assert_int_equal(d.tail_len, 58);
	assert_int_equal(d.tail[0], 0x01);
	assert_int_equal(d.tail[1], 0x00);
	assert_int_equal(d.tail[2], 0x48);

	o.role = SK_ROLE_REFLECTOR;
	assert_int_equal(sk_test_decode(nokia_reply, sizeof nokia_reply, &o, &d, NULL, NULL), SK_OK);
	assert_int_equal(d.seq, 3528);
	assert_int_equal(d.sender_seq, 3528);
	assert_true(d.sender_timestamp == 0xe9d028314fae89ebull);
	assert_true(d.rx_timestamp == 0xe9d0283168a5accdull);
	assert_true(d.timestamp == 0xe9d0283168a5efe9ull);
	assert_int_equal(d.sender_ttl, 64);
	assert_true(d.flags & SK_TPF_ERREST_ZERO);
	/* Reflector residence about 4 us, as the capture note says. */
	int64_t res = sk_ts_to_ns(d.timestamp, SK_TS_NTP, 0) - sk_ts_to_ns(d.rx_timestamp, SK_TS_NTP, 0);
	assert_true(res > 3900 && res < 4100);

	/* Without context both are guessed as TWAMP unauthenticated. */
	struct sk_test_opts g;
	assert_int_equal(sk_test_guess(nokia_sender, sizeof nokia_sender, &g), SK_OK);
	assert_int_equal(g.proto, SK_PROTO_TWAMP);
	assert_int_equal(g.role, SK_ROLE_SENDER);
	assert_int_equal(g.sec, SK_SEC_UNAUTH);
	assert_int_equal(sk_test_guess(nokia_reply, sizeof nokia_reply, &g), SK_OK);
	assert_int_equal(g.proto, SK_PROTO_TWAMP);
	assert_int_equal(g.role, SK_ROLE_REFLECTOR);
}

static void guess(void **state)
{
	(void)state;
	static const struct { const uint8_t *b; size_t len; uint8_t proto, role, sec; } g[] = {
		{ tw_s_u_bytes, sizeof tw_s_u_bytes, SK_PROTO_TWAMP, SK_ROLE_SENDER, SK_SEC_UNAUTH },
		{ tw_s_a_bytes, sizeof tw_s_a_bytes, SK_PROTO_TWAMP, SK_ROLE_SENDER, SK_SEC_AUTH },
		{ tw_r_u_bytes, sizeof tw_r_u_bytes, SK_PROTO_TWAMP, SK_ROLE_REFLECTOR, SK_SEC_UNAUTH },
		{ tw_r_u_bytes, 41, SK_PROTO_TWAMP, SK_ROLE_REFLECTOR, SK_SEC_UNAUTH },
		{ tw_r_ud_bytes, sizeof tw_r_ud_bytes, SK_PROTO_TWAMP, SK_ROLE_REFLECTOR, SK_SEC_UNAUTH },
		{ tw_r_38_bytes, sizeof tw_r_38_bytes, SK_PROTO_TWAMP, SK_ROLE_REFLECTOR, SK_SEC_UNAUTH },
		{ st_s_u_bytes, sizeof st_s_u_bytes, SK_PROTO_STAMP, SK_ROLE_SENDER, SK_SEC_UNAUTH },
		{ st_r_u_bytes, sizeof st_r_u_bytes, SK_PROTO_STAMP, SK_ROLE_REFLECTOR, SK_SEC_UNAUTH },
		{ st_s_a_bytes, sizeof st_s_a_bytes, SK_PROTO_STAMP, SK_ROLE_SENDER, SK_SEC_AUTH },
		{ st_r_a_bytes, sizeof st_r_a_bytes, SK_PROTO_STAMP, SK_ROLE_REFLECTOR, SK_SEC_AUTH },
	};
	for (size_t i = 0; i < sizeof g / sizeof g[0]; i++) {
		struct sk_test_opts o;
		assert_int_equal(sk_test_guess(g[i].b, g[i].len, &o), SK_OK);
		assert_int_equal(o.proto, g[i].proto);
		assert_int_equal(o.role, g[i].role);
		assert_int_equal(o.sec, g[i].sec);
	}
	struct sk_test_opts o;
	assert_int_equal(sk_test_guess(tw_s_u_bytes, 13, &o), SK_E_TRUNCATED);
	assert_int_equal(sk_test_guess(NULL, 0, &o), SK_E_TRUNCATED);
}

static void reflect_octets(void **state)
{
	(void)state;
	struct sk_test_opts o = { SK_PROTO_TWAMP, SK_ROLE_REFLECTOR, SK_SEC_UNAUTH,
				  SK_TF_REFLECT_OCTETS, 2, NULL, 0, NULL };
	struct sk_test_pkt d;
	assert_int_equal(sk_test_decode(tw_r_u_bytes, sizeof tw_r_u_bytes, &o, &d, NULL, NULL), SK_OK);
	assert_int_equal(d.reflected_len, 2);
	assert_int_equal(d.reflected[0], 0x01);
	assert_int_equal(d.reflected[1], 0x02);
	/* More asked than present: what is there. */
	o.reflect_len = 10;
	assert_int_equal(sk_test_decode(tw_r_u_bytes, sizeof tw_r_u_bytes, &o, &d, NULL, NULL), SK_OK);
	assert_int_equal(d.reflected_len, 3);
}

static void bad_args(void **state)
{
	(void)state;
	struct sk_test_opts o = { SK_PROTO_STAMP, SK_ROLE_SENDER, SK_SEC_ENCRYPTED, 0, 0, NULL, 0, NULL };
	struct sk_test_pkt d;
	assert_null(sk_test_layout(&o));
	assert_int_equal(sk_test_decode(st_s_u_bytes, 44, &o, &d, NULL, NULL), SK_E_ARG);
	o.sec = SK_SEC_UNAUTH;
	o.role = 3;
	assert_int_equal(sk_test_decode(st_s_u_bytes, 44, &o, &d, NULL, NULL), SK_E_ARG);
	o.role = SK_ROLE_SENDER;
	o.proto = 9;
	assert_int_equal(sk_test_decode(st_s_u_bytes, 44, &o, &d, NULL, NULL), SK_E_ARG);
	assert_string_equal(sk_test_proto_name(SK_PROTO_STAMP), "STAMP");
	assert_string_equal(sk_test_role_name(SK_ROLE_REFLECTOR), "Session-Reflector");
	assert_string_equal(sk_sec_name(SK_SEC_ENCRYPTED), "encrypted");
}

static void mbz_nonzero(void **state)
{
	(void)state;
	uint8_t cp[44];
	memcpy(cp, st_s_u_bytes, 44);
	cp[30] = 0x55;
	struct sk_test_opts o = { SK_PROTO_STAMP, SK_ROLE_SENDER, SK_SEC_UNAUTH, 0, 0, NULL, 0, NULL };
	struct sk_test_pkt d;
	assert_int_equal(sk_test_decode(cp, 44, &o, &d, NULL, NULL), SK_OK);
	assert_true(d.flags & SK_TPF_MBZ_NONZERO);
}

/* ---- visitor coverage ---- */

struct coll {
	const struct sk_field *seen[1024];
	size_t n;
	int opens, closes, problems;
	unsigned kinds; /* bit 1 << enum sk_problem for each kind reported */
};

static void c_open(void *ctx, const char *name, const char *key, size_t off, size_t len)
{
	(void)name, (void)key, (void)off, (void)len;
	((struct coll *)ctx)->opens++;
}
static void c_close(void *ctx) { ((struct coll *)ctx)->closes++; }
static void c_problem(void *ctx, enum sk_problem kind, enum sk_result r, size_t off,
		      const char *msg)
{
	(void)r, (void)off, (void)msg;
	((struct coll *)ctx)->problems++;
	((struct coll *)ctx)->kinds |= 1u << kind;
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

static int was_seen(const struct coll *c, const struct sk_field *f)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->seen[i] == f)
			return 1;
	return 0;
}

static void visitor_covers_every_field(void **state)
{
	(void)state;
	struct coll c;
	memset(&c, 0, sizeof c);
	struct sk_visitor v = { c_open, c_field, c_close, c_problem, &c, 0 };
	for (size_t i = 0; i < NCASES; i++) {
		struct sk_test_opts o;
		opts_of(&cases[i], &o, 1);
		o.features |= SK_TF_REFLECT_OCTETS;
		o.reflect_len = 1;
		assert_int_equal(sk_test_decode(cases[i].bytes, cases[i].len, &o, NULL, &v, NULL), SK_OK);
	}
	assert_int_equal(c.opens, c.closes);
	for (size_t k = 0; sk_testpkt_layouts[k]; k++) {
		const struct sk_layout *L = sk_testpkt_layouts[k];
		for (size_t i = 0; i < L->nfields; i++) {
			if (!was_seen(&c, &L->fields[i]))
				fail_msg("%s: field %s (%s) never visited", L->key, L->fields[i].key,
					 L->fields[i].name);
		}
	}
	/* The nokia sender reports its zero error estimate to the visitor. */
	int before = c.problems;
	struct sk_test_opts o = { SK_PROTO_TWAMP, SK_ROLE_SENDER, SK_SEC_UNAUTH, 0, 0, NULL, 0, NULL };
	unsigned kinds_before = c.kinds;
	c.kinds = 0;
	assert_int_equal(sk_test_decode(nokia_sender, sizeof nokia_sender, &o, NULL, &v, NULL), SK_OK);
	assert_int_equal(c.problems, before + 1);
	assert_int_equal(c.kinds, 1u << SK_PROB_ERREST_MULT0);
	/* The valid cases above report nothing but the Nokia-style zero multiplier. */
	assert_int_equal(kinds_before & ~(1u << SK_PROB_ERREST_MULT0), 0);
}

/* Each problem a test packet can have reaches the visitor with its kind. */
static void problem_kinds(void **state)
{
	(void)state;
	struct coll c;
	struct sk_visitor v = { c_open, c_field, c_close, c_problem, &c, 0 };
	for (size_t i = 0; i < NCASES; i++) {
		const struct tcase *tc = &cases[i];
		struct sk_test_opts o;
		opts_of(tc, &o, 1);
		/* A bad HMAC. */
		uint8_t cp[256];
		memcpy(cp, tc->bytes, tc->len);
		if (tc->keyed) {
			cp[0] ^= 0x80;
			memset(&c, 0, sizeof c);
			assert_int_equal(sk_test_decode(cp, tc->len, &o, NULL, &v, NULL), SK_E_AUTH);
			assert_true(c.kinds & (1u << SK_PROB_HMAC_BAD));
			cp[0] ^= 0x80;
		}
		/* Every cut of the fixed part: truncated (and nothing invented). */
		const struct sk_layout *L = sk_test_layout(&o);
		assert_non_null(L);
		for (size_t n = 0; n < L->size; n++) {
			memset(&c, 0, sizeof c);
			enum sk_result r = sk_test_decode(cp, n, &o, NULL, &v, NULL);
			if (r == SK_OK && n == 38 && o.proto == SK_PROTO_TWAMP &&
			    o.role == SK_ROLE_REFLECTOR && o.sec == SK_SEC_UNAUTH)
				continue; /* twampy's 38-octet reply: a variant, not a cut */
			assert_int_equal(r, SK_E_TRUNCATED);
			assert_true(c.kinds & (1u << SK_PROB_TRUNCATED));
			assert_int_equal(c.kinds & ~((1u << SK_PROB_TRUNCATED) | (1u << SK_PROB_MBZ_NONZERO)), 0);
		}
	}
	/* Non-zero MBZ in a STAMP Session-Sender packet: a warning, the packet decodes. */
	uint8_t cp[44];
	memcpy(cp, st_s_u_bytes, 44);
	cp[30] = 0x55;
	struct sk_test_opts o = { SK_PROTO_STAMP, SK_ROLE_SENDER, SK_SEC_UNAUTH, 0, 0, NULL, 0, NULL };
	memset(&c, 0, sizeof c);
	assert_int_equal(sk_test_decode(cp, 44, &o, NULL, &v, NULL), SK_OK);
	assert_int_equal(c.kinds, 1u << SK_PROB_MBZ_NONZERO);
	assert_int_equal(sk_problem_severity(SK_PROB_MBZ_NONZERO), SK_SEV_WARNING);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(encode_exact),
		cmocka_unit_test(decode_round_trip),
		cmocka_unit_test(every_truncation),
		cmocka_unit_test(hmac_status),
		cmocka_unit_test(twampy_reply),
		cmocka_unit_test(nokia_quirks),
		cmocka_unit_test(guess),
		cmocka_unit_test(reflect_octets),
		cmocka_unit_test(bad_args),
		cmocka_unit_test(mbz_nonzero),
		cmocka_unit_test(visitor_covers_every_field),
		cmocka_unit_test(problem_kinds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
