/* SPDX-License-Identifier: BSD-3-Clause */
/* tlv.h - STAMP TLVs: RFC 8972 §4 (types 1-8), RFC 9503 §3-4 (9, 10), RFC 9534 §3 (11),
 * draft-ietf-ippm-asymmetrical-pkts (12). Iterate without allocation, decode typed values
 * through field tables, append TLVs to a write buffer. */
#ifndef STAMPKIT_TLV_H
#define STAMPKIT_TLV_H

#include <stddef.h>
#include <stdint.h>
#include "stampkit/cursor.h"
#include "stampkit/fields.h"
#include "stampkit/result.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SK_TLV_HDR_LEN 4

/* STAMP TLV Flags (RFC 8972 §4; C from draft-ietf-ippm-asymmetrical-pkts). */
#define SK_TLV_F_U 0x80   /* Unrecognized */
#define SK_TLV_F_M 0x40   /* Malformed */
#define SK_TLV_F_I 0x20   /* Integrity check failed */
#define SK_TLV_F_C 0x10   /* Conformant reflected packet could not be built */
#define SK_TLV_F_MBZ 0x0f

enum sk_tlv_type {
	SK_TLV_RESERVED = 0,
	SK_TLV_EXTRA_PADDING = 1,
	SK_TLV_LOCATION = 2,
	SK_TLV_TIMESTAMP_INFO = 3,
	SK_TLV_COS = 4,
	SK_TLV_DIRECT_MEASUREMENT = 5,
	SK_TLV_ACCESS_REPORT = 6,
	SK_TLV_FOLLOWUP_TELEMETRY = 7,
	SK_TLV_HMAC = 8,
	SK_TLV_DEST_NODE_ADDR = 9,
	SK_TLV_RETURN_PATH = 10,
	SK_TLV_MICRO_SESSION_ID = 11,
	SK_TLV_REFLECTED_CONTROL = 12,
};

/* Location sub-TLV types (IANA "STAMP Sub-TLV Types"). */
enum sk_loc_sub {
	SK_LOC_SRC_MAC = 1, SK_LOC_SRC_EUI48 = 2, SK_LOC_SRC_EUI64 = 3,
	SK_LOC_DST_IP = 4, SK_LOC_DST_IPV4 = 5, SK_LOC_DST_IPV6 = 6,
	SK_LOC_SRC_IP = 7, SK_LOC_SRC_IPV4 = 8, SK_LOC_SRC_IPV6 = 9,
};

/* Return Path sub-TLV types (RFC 9503 §4). */
enum sk_rp_sub {
	SK_RP_CONTROL_CODE = 1, SK_RP_RETURN_ADDRESS = 2, SK_RP_SR_MPLS = 3, SK_RP_SRV6 = 4,
};

/* One TLV (or sub-TLV) as found on the wire. value points into the caller's buffer. */
struct sk_tlv {
	uint8_t flags;
	uint8_t type;
	uint16_t length;      /* value length */
	const uint8_t *value;
	size_t off;           /* absolute offset of the 4-octet header */
};

/* Iterator over back-to-back TLVs; no allocation. Sub-TLVs use the same iterator over
 * the parent's value (sk_tlv_iter_sub), so nothing can be read past the parent. */
struct sk_tlv_iter {
	struct sk_cur c;
	enum sk_result err; /* SK_OK at a clean end */
	size_t err_off;     /* absolute offset of the offending TLV header */
	int after_hmac;     /* a TLV list: an HMAC TLV was seen (it must be last) */
	int check_hmac_last;
	const char *msg;    /* static description of err */
	enum sk_problem kind; /* what err is: SK_PROB_TRUNCATED or SK_PROB_TLV_MALFORMED */
};

/* Top-level list of a STAMP packet: origin = absolute offset of p (44 or 112 usually).
 * Checks that the HMAC TLV is last (only Extra Padding may follow it). */
void sk_tlv_iter_init(struct sk_tlv_iter *it, const uint8_t *p, size_t len, size_t origin);
/* Sub-TLVs inside the value of t starting skip octets into it (e.g. 4 for Location). */
void sk_tlv_iter_sub(struct sk_tlv_iter *it, const struct sk_tlv *t, size_t skip);
/* 1 and *t filled: one more TLV. 0: end of list (it->err == SK_OK) or a malformed list
 * (it->err SK_E_TRUNCATED, kind SK_PROB_TRUNCATED: header or value past the end; SK_E_INVALID,
 * kind SK_PROB_TLV_MALFORMED: a TLV other than Extra Padding after the HMAC TLV), with
 * it->err_off the absolute offset of that TLV's header. */
int sk_tlv_next(struct sk_tlv_iter *it, struct sk_tlv *t);

/* Name of a TLV type ("Extra Padding", ..., "Unassigned", "Experimental", "Private Use"). */
const char *sk_tlv_type_name(uint8_t type);
const char *sk_tlv_loc_sub_name(uint8_t type);
const char *sk_tlv_rp_sub_name(uint8_t type);

/* Typed values (the fixed part of each value; sub-TLVs stay in sub/sub_len). */
struct sk_tlv_location { uint16_t dst_port, src_port; };
struct sk_tlv_tsinfo { uint8_t sync_src_in, ts_in, sync_src_out, ts_out; };
struct sk_tlv_cos {
	uint8_t dscp1;   /* bits 0-5: DSCP the sender asks for on the reply */
	uint16_t dscp2;  /* bits 6-11: DSCP of the received packet */
	uint8_t ecn;     /* bits 12-13: ECN of the received packet */
	uint8_t rp;      /* bits 14-15: reverse path (reflector could not use DSCP1) */
	uint8_t ecn1;    /* bits 16-17 (draft-ietf-ippm-stamp-cos-ecn; RFC 8972: reserved) */
	uint8_t rpe;     /* bits 18-19 (same draft) */
	uint16_t reserved; /* bits 20-31 */
};
struct sk_tlv_direct { uint32_t s_txc, r_rxc, r_txc; };
struct sk_tlv_access { uint8_t access_id, resv, return_code; };
struct sk_tlv_followup { uint32_t fu_seq; uint64_t fu_timestamp; uint8_t ts_mode; };
struct sk_tlv_micro { uint16_t sender_msid, reflector_msid; };
struct sk_tlv_reflctl { uint16_t reflected_length, reflected_count; uint32_t interval_ns; };
struct sk_tlv_addr { uint8_t addr[16]; uint8_t len; }; /* 4 or 16 */
struct sk_tlv_label { uint32_t label, tc, s, ttl; }; /* 32-bit: one table entry of width 4 */

struct sk_tlv_val {
	uint8_t type;
	union {
		struct sk_tlv_location loc;
		struct sk_tlv_tsinfo tsinfo;
		struct sk_tlv_cos cos;
		struct sk_tlv_direct direct;
		struct sk_tlv_access access;
		struct sk_tlv_followup followup;
		uint8_t hmac[16];
		uint8_t mac[8];              /* Location MAC / EUI-48 (0..5) / EUI-64 */
		struct sk_tlv_addr addr;     /* Destination Node Address, Return Address */
		struct sk_tlv_micro micro;
		struct sk_tlv_reflctl reflctl;
		uint32_t control_code;       /* Return Path Control Code sub-TLV */
	} u;
	const uint8_t *sub;  /* sub-TLVs, list entries (labels, SIDs), padding or opaque value */
	size_t sub_len;
};

/* Decode the value of a top-level TLV (sub = 0) or of a sub-TLV of parent type
 * `parent` (SK_TLV_LOCATION, SK_TLV_RETURN_PATH, ...). SK_E_INVALID when the value has
 * the wrong length for its type (reported at the TLV header's offset). Unknown types
 * decode as opaque (sub/sub_len = the value). */
enum sk_result sk_tlv_value_decode(const struct sk_tlv *t, uint8_t parent, struct sk_tlv_val *out,
				   struct sk_error *err);

/* Result of walking a whole TLV area (what sk_test_decode reports for STAMP). */
enum sk_hmac_status { SK_HMAC_ST_NOT_CHECKED = 0, SK_HMAC_ST_OK = 1, SK_HMAC_ST_BAD = 2 };
struct sk_tlv_summary {
	unsigned count;        /* top-level TLVs */
	int has_hmac;
	size_t hmac_off;       /* absolute offset of the HMAC TLV header */
	enum sk_hmac_status hmac_status;
};

/* Walk and validate the TLV area p[0..len) (absolute offset origin) and hand every TLV,
 * its value fields and its sub-TLVs to v. seq4 (the packet's Sequence Number octets) and
 * key enable the HMAC TLV check. Stops at the first malformed TLV and returns
 * SK_E_TRUNCATED / SK_E_INVALID with err->offset = that TLV's header offset (a
 * wrong-length value, or a sub-TLV problem, is reported but the walk goes on; the
 * first problem is returned). */
enum sk_result sk_tlv_walk(const uint8_t *p, size_t len, size_t origin, const uint8_t seq4[4],
			   const void *key, size_t key_len, const struct sk_visitor *v,
			   struct sk_tlv_summary *sum, struct sk_error *err);

/* RFC 8972 §4.8: HMAC-SHA-256/128 over the packet's Sequence Number (4 octets) followed by
 * every TLV that precedes the HMAC TLV (headers and values, in wire order). */
enum sk_result sk_tlv_hmac_compute(const uint8_t seq4[4], const uint8_t *tlvs, size_t len,
				   const void *key, size_t key_len, uint8_t out[16]);

/* --- Encoding (append to a write buffer) --- */
/* Generic: header + len octets of value. */
enum sk_result sk_tlv_put(struct sk_wbuf *w, uint8_t flags, uint8_t type, const void *value,
			  size_t len);
/* Nested building: begin writes a header with length 0 and returns its offset in w;
 * end patches the length to cover everything written since. */
size_t sk_tlv_begin(struct sk_wbuf *w, uint8_t flags, uint8_t type);
enum sk_result sk_tlv_end(struct sk_wbuf *w, size_t at);
/* Typed: encodes val->u through the type's table (parent as for sk_tlv_value_decode),
 * then appends val->sub/sub_len (sub-TLVs, label entries, opaque octets). */
enum sk_result sk_tlv_put_val(struct sk_wbuf *w, uint8_t flags, uint8_t parent,
			      const struct sk_tlv_val *val);
/* Only the fixed part of val's value (no header), for building nested TLVs between
 * sk_tlv_begin and sk_tlv_end. */
enum sk_result sk_tlv_put_fixed(struct sk_wbuf *w, uint8_t parent, const struct sk_tlv_val *val);
/* Extra Padding of n zero octets. */
enum sk_result sk_tlv_put_padding(struct sk_wbuf *w, uint8_t flags, size_t n);
/* HMAC TLV computed over w->base[0..4) (the Sequence Number of the packet being built in
 * w) and w->base[tlv_start .. w->off). */
enum sk_result sk_tlv_put_hmac(struct sk_wbuf *w, uint8_t flags, size_t tlv_start,
			       const void *key, size_t key_len);
/* One SR-MPLS label stack entry (Label 20 | TC 3 | S 1 | TTL 8). */
enum sk_result sk_tlv_put_label(struct sk_wbuf *w, const struct sk_tlv_label *l);
void sk_tlv_label_decode(const uint8_t p[4], struct sk_tlv_label *l);

/* Layouts of this module (TLV header, every value table, sub-TLV tables). */
extern const struct sk_layout sk_tlv_hdr_layout;
extern const struct sk_layout *const sk_tlv_layouts[];

#ifdef __cplusplus
}
#endif
#endif
