/* SPDX-License-Identifier: BSD-3-Clause */
/* testpkt.h - TWAMP-Test and STAMP test packets: RFC 5357 §4.1.2/§4.2.1, RFC 6038 §4.2,
 * RFC 7750 §4, RFC 8762 §4.2-4.3, RFC 8972 §3 (SSID); decode and encode through tables. */
#ifndef STAMPKIT_TESTPKT_H
#define STAMPKIT_TESTPKT_H

#include <stddef.h>
#include <stdint.h>
#include "stampkit/crypto.h"
#include "stampkit/fields.h"
#include "stampkit/result.h"
#include "stampkit/tlv.h"

#ifdef __cplusplus
extern "C" {
#endif

enum sk_test_proto { SK_PROTO_TWAMP = 1, SK_PROTO_STAMP = 2 };
enum sk_test_role { SK_ROLE_SENDER = 1, SK_ROLE_REFLECTOR = 2 };

/* Negotiated TWAMP features (TWAMP-Modes bits 5, 6, 8). Ignored for STAMP. */
#define SK_TF_REFLECT_OCTETS 0x01 /* RFC 6038: reflector padding starts with reflected octets */
#define SK_TF_SYMMETRICAL 0x02    /* RFC 6038: 41/112-octet sender format */
#define SK_TF_DSCP_ECN 0x04       /* RFC 7750: octet after Sender TTL = received DSCP/ECN */

struct sk_test_opts {
	uint8_t proto;    /* enum sk_test_proto */
	uint8_t role;     /* enum sk_test_role: who sent the packet */
	uint8_t sec;      /* enum sk_sec (crypto.h); STAMP has no encrypted mode */
	uint8_t features; /* SK_TF_* */
	uint16_t reflect_len; /* RFC 6038 "Length of padding to reflect" (SK_TF_REFLECT_OCTETS) */
	/* STAMP key (any length): base-packet HMAC in authenticated mode and the HMAC TLV.
	 * NULL: HMACs are not checked on decode and copied from the struct on encode. */
	const void *stamp_key;
	size_t stamp_key_len;
	/* TWAMP test HMAC key (32 octets, from sk_twamp_test_keys) or NULL. */
	const uint8_t *twamp_hmac_key;
};

/* Flags of a decoded packet. */
#define SK_TPF_TWAMPY38 0x01      /* 38-octet reflector reply (twampy): no MBZ, no Sender TTL */
#define SK_TPF_ERREST_ZERO 0x02   /* an Error Estimate has Multiplier 0 (RFC 4656 §4.1.2) */
#define SK_TPF_MBZ_NONZERO 0x04   /* an MBZ field is not zero (ignored, as the RFCs say) */
#define SK_TPF_HMAC_ALT 0x08      /* TWAMP auth HMAC matched only over all 32/96 octets */

struct sk_test_pkt {
	uint32_t seq;
	uint64_t timestamp;            /* wire value: format per error_estimate's Z bit */
	uint16_t error_estimate;
	uint16_t ssid;                 /* STAMP (RFC 8972 §3) */
	uint64_t rx_timestamp;         /* reflector: receive time T2 */
	uint32_t sender_seq;
	uint64_t sender_timestamp;
	uint16_t sender_error_estimate;
	uint8_t sender_ttl;
	uint8_t sender_dscp;           /* RFC 7750 octet, high 6 bits */
	uint8_t sender_ecn;            /* RFC 7750 octet, low 2 bits */
	uint8_t hmac[16];
	/* After the fixed part: TWAMP padding, or the STAMP TLV area. Points into the
	 * decoded buffer; on encode, appended verbatim. */
	const uint8_t *tail;
	size_t tail_len;
	const uint8_t *reflected;      /* RFC 6038 reflected octets (start of tail) */
	size_t reflected_len;
	uint32_t flags;                /* SK_TPF_* */
	uint8_t hmac_status;           /* enum sk_hmac_status, base packet */
	uint8_t tlv_hmac_status;       /* enum sk_hmac_status, HMAC TLV */
	unsigned tlv_count;
};

/* The fixed layout for these options (NULL for an impossible combination). */
const struct sk_layout *sk_test_layout(const struct sk_test_opts *o);

/* Decode a test packet (the plaintext one: TWAMP encrypted packets are decrypted by the
 * caller first). Visits the fixed part through its table, then an "hmac_status"
 * synthetic field (authenticated modes), then the padding (TWAMP) or every TLV (STAMP).
 * Returns SK_OK; SK_E_TRUNCATED if shorter than the fixed part (the fields that fit are
 * still stored); SK_E_AUTH if a key was given and the base-packet HMAC is wrong (out is
 * complete); for STAMP, SK_E_TRUNCATED/SK_E_INVALID for a malformed TLV area with
 * err->offset at the offending TLV (the fixed part is complete in out). A wrong HMAC TLV
 * is not an error: see out->tlv_hmac_status (the reflector then sets I, RFC 8972 §4.8).
 * A 38-octet TWAMP reflector packet decodes as twampy's reply (SK_TPF_TWAMPY38). */
enum sk_result sk_test_decode(const uint8_t *p, size_t len, const struct sk_test_opts *o,
			      struct sk_test_pkt *out, const struct sk_visitor *v,
			      struct sk_error *err);

/* Encode the fixed part from in (MBZ zero), compute the HMAC when the options carry a
 * key (else in->hmac is written), then append in->tail (padding or prepared TLVs).
 * To add TLVs with sk_tlv_put_*, encode with tail_len 0 and continue in a sk_wbuf over
 * the same buffer starting at *out_len (sk_tlv_put_hmac needs the Sequence Number at 0).
 * in->flags & SK_TPF_TWAMPY38 writes the 38-octet variant (for tests and interop). */
enum sk_result sk_test_encode(const struct sk_test_pkt *in, const struct sk_test_opts *o,
			      uint8_t *buf, size_t cap, size_t *out_len);

/* A GUESS of protocol, role and security for a packet seen without any context (a
 * capture without its control session): 14..40 octets TWAMP sender, 38 twampy reply,
 * 41/42 TWAMP reflector; a reflector copies a sender timestamp, so a non-zero octet at
 * 28..35 (unauth) / 64..71 (auth) means reflector; 44+ octets are STAMP when the STAMP
 * MBZ octets are zero and what follows parses as a TLV list without type 0, else TWAMP.
 * Authenticated formats are guessed from their MBZ blocks. Features and keys are left
 * zero. Returns SK_E_TRUNCATED under 14 octets, else SK_OK. */
enum sk_result sk_test_guess(const uint8_t *p, size_t len, struct sk_test_opts *o);

/* Names for enums (never NULL). */
const char *sk_test_proto_name(uint8_t proto);
const char *sk_test_role_name(uint8_t role);

extern const struct sk_layout *const sk_testpkt_layouts[];

#ifdef __cplusplus
}
#endif
#endif
