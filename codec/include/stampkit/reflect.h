/* SPDX-License-Identifier: BSD-3-Clause */
/* reflect.h - building a Session-Reflector packet from a Session-Sender packet, without I/O:
 * RFC 8762 §4.3 (stateless/stateful, symmetric size), RFC 5357 §4.2.1 (TWAMP-light reply,
 * Sender TTL), RFC 6038 §4.2 (reply as long as the request), RFC 8972 §4 (TLVs answered:
 * Location, Timestamp Information, Class of Service, Direct Measurement, Follow-Up Telemetry,
 * HMAC, U flag), RFC 9503 §3-4, RFC 9534 §3, and the TWAMP authenticated and encrypted
 * modes (RFC 5357 §4.1.2, §4.2.1). */
#ifndef STAMPKIT_REFLECT_H
#define STAMPKIT_REFLECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "stampkit/result.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Fixed sizes of the smallest packets (octets of UDP payload). */
#define SK_TWAMP_SENDER_MIN 14
#define SK_TWAMP_REFLECTOR_MIN 41
#define SK_STAMP_UNAUTH_LEN 44
#define SK_STAMP_AUTH_LEN 112

struct sk_reflect_cfg {
	uint8_t proto;        /* SK_PROTO_STAMP or SK_PROTO_TWAMP */
	/* SK_SEC_UNAUTH, or SK_SEC_AUTH (STAMP: key below; TWAMP: test keys below), or
	 * SK_SEC_ENCRYPTED (TWAMP only). */
	uint8_t sec;
	bool stateful;        /* RFC 8762 §4.3.2: own sequence numbers per session */
	/* Requests shorter than the smallest reply get that reply only when set (it is larger
	 * than the request: an amplification the operator accepts): TWAMP-light 14..40 octets
	 * the 41-octet reply (RFC 5357 §4.2.1); unauthenticated STAMP 14..43 octets, a
	 * TWAMP-light sender's, the 44-octet base packet with SSID 0 (RFC 8762 §4.6). */
	bool allow_short;
	/* STAMP HMAC key (authenticated mode, and the HMAC TLV in either mode); NULL: none.
	 * With a key, an HMAC TLV that does not verify or is not last, or (authenticated mode)
	 * TLVs other than Extra Padding without an HMAC TLV, stop the TLV processing: every
	 * TLV comes back as received with the I flag (RFC 8972 §4.8). */
	const void *key;
	size_t key_len;
	uint8_t ts_fmt;       /* enum sk_ts_fmt of the timestamps this reflector writes */
	int tai_utc;          /* for PTP; 0 = SK_TAI_UTC_DEFAULT */
	uint16_t error_estimate; /* packed Error Estimate for T2/T3 (its Z bit must match ts_fmt) */
	/* Timestamp Information TLV answers (RFC 8972 §4.3 registries). */
	uint8_t sync_src;     /* 1 NTP, 2 PTP, 5 local free-running, ... */
	uint8_t ts_method_in; /* 1 HW assist, 2 SW local, 3 control plane */
	uint8_t ts_method_out;
	uint16_t reflector_msid; /* RFC 9534 Reflector Micro-session ID: answered where the
				  * request has 0, and a request naming another one is discarded */
	/* TWAMP features negotiated in the Set-Up-Response (SK_TF_* of testpkt.h):
	 * SK_TF_SYMMETRICAL  the request is in the 41-octet symmetrical sender format;
	 * SK_TF_DSCP_ECN     the reply's octet after Sender TTL holds the received TOS (RFC 7750);
	 * SK_TF_REFLECT_OCTETS the reply's padding starts with the first reflect_len octets of
	 *                    the request's padding (RFC 6038 "Length of padding to reflect"). */
	uint8_t features;
	uint16_t reflect_len;
	/* TWAMP authenticated / encrypted sessions (RFC 5357 §4.1.2, §4.2.1): the session's
	 * test keys (crypto.h sk_twamp_test_keys), AES 16 octets and HMAC 32 octets. The
	 * request is decrypted and its HMAC checked (SK_E_AUTH when it does not verify); the
	 * reply is built in the 112-octet reflector layout, at least as long as the request,
	 * and protected with the same keys (sk_twamp_test_protect, reflector coverage). Under
	 * SK_TF_SYMMETRICAL the request has the 112-octet shape and the reflector coverage.
	 * A reply longer than the request (112 for 48 and up) needs allow_short. */
	const uint8_t *test_aes;
	const uint8_t *test_hmac;
};

/* What the receiving side saw about the request (from the socket's control messages). */
struct sk_reflect_rx {
	int64_t t2_ns;        /* receive time, Unix ns (kernel timestamp when available) */
	int ttl;              /* IP TTL / hop limit received; < 0 unknown (Sender TTL 255) */
	int tos;              /* IPv4 TOS / IPv6 Traffic Class received; < 0 unknown */
	uint8_t family;       /* 4 or 6 (an IPv4-mapped IPv6 peer is 4) */
	uint8_t src[16], dst[16]; /* IPv4 in the first 4 octets */
	uint16_t sport, dport;
};

/* Per-session state the caller keeps (one per sender address, port and SSID), zeroed at
 * the start of a session. The stateless mode uses it only for the TLV counters. */
struct sk_reflect_state {
	uint32_t next_seq;    /* stateful: the next reflector Sequence Number */
	uint32_t rx_count;    /* requests received in this session (Direct Measurement R_RxC) */
	uint32_t tx_count;    /* replies sent (R_TxC) */
	bool have_prev;       /* a previous reply was sent and its transmit time noted */
	uint32_t prev_seq;    /* its reflector Sequence Number */
	int64_t prev_tx_ns;   /* its true transmit time (kernel TX timestamp or clock after send) */
	uint8_t prev_ts_mode; /* how prev_tx_ns was taken (1 HW, 2 SW, 3 control plane) */
};

/* The result of one build, for counters, logs and the socket. */
struct sk_reflect_info {
	size_t len;           /* reply length (== request length unless allow_short padded it) */
	uint32_t sender_seq, reflector_seq;
	uint16_t ssid;
	int reply_tos;        /* >= 0: DSCP/ECN the reply must carry (Class of Service TLV) */
	unsigned tlvs;        /* TLVs in the request */
	unsigned unknown;     /* TLVs or sub-TLVs answered with the U flag */
	bool tlv_malformed;   /* the TLV area was malformed: copied with the M flag */
	bool tlv_hmac_bad;    /* HMAC TLV check failed (RFC 8972 §4.8): I on every TLV */
	bool followup;        /* a Follow-Up Telemetry TLV was answered: the caller should
			       * take the reply's true transmit time (sk_reflect_note_tx) */
};

/* Build the reply to request req[0..len) into out (cap octets) with T3 = t3_ns.
 * Returns SK_OK and fills info; otherwise nothing must be sent:
 *   SK_E_TRUNCATED  request shorter than the sender packet of this mode (malformed;
 *                   unauthenticated STAMP: shorter than a TWAMP-light sender's 14 octets)
 *   SK_E_AUTH       authenticated mode and the packet's HMAC is wrong (refused)
 *   SK_E_UNSUPPORTED request shorter than its reply (TWAMP 41, or 112 in the
 *                   authenticated and encrypted modes; STAMP 44) without allow_short
 * A STAMP request longer than the base packet whose remaining octets are all zero (a
 * TWAMP-light sender's padding) is copied back as it came, not answered as TLVs (§4.6).
 *   SK_E_NOSPACE    cap too small for the reply
 *   SK_E_STATE      STAMP: the Micro-session ID TLV names another reflector (a non-zero
 *                   Reflector micro-session ID other than cfg->reflector_msid): discarded
 *                   (RFC 9534 §3)
 *   SK_E_ARG        bad configuration.
 * A stateful build advances st->next_seq; every successful build counts st->rx_count and
 * st->tx_count (the caller calls sk_reflect_note_tx after sending, or undoes tx_count when
 * the send fails). The reply is never longer than the request, except under allow_short. */
enum sk_result sk_reflect_build(const uint8_t *req, size_t len, const struct sk_reflect_cfg *cfg,
				const struct sk_reflect_rx *rx, struct sk_reflect_state *st,
				int64_t t3_ns, uint8_t *out, size_t cap,
				struct sk_reflect_info *info, struct sk_error *err);

/* The session key of a request without building anything: its Sender Sequence Number and
 * SSID (0 for TWAMP-light). SK_E_TRUNCATED when shorter than the sender's fixed part. */
enum sk_result sk_reflect_peek(const uint8_t *req, size_t len, const struct sk_reflect_cfg *cfg,
			       uint32_t *sender_seq, uint16_t *ssid);

/* Loop protection: does this request look like a Session-Reflector packet, i.e. the reply
 * of another reflector fed back to us (a spoofed source, or two reflectors pointed at each
 * other)? Answering it would start a ping-pong that never ends. Returns true and sets *off
 * (may be NULL) to the first octet that gives it away.
 *   STAMP unauthenticated (RFC 8762 §4.2.1 vs §4.3.1): octets 16-37 (Receive Timestamp,
 *     Session-Sender Sequence Number, Timestamp and Error Estimate) or 40 (Session-Sender
 *     TTL) not zero; in a sender packet they are MBZ.
 *   STAMP authenticated (§4.2.2 vs §4.3.2): octets 32-39, 48-51, 64-73 or 80 not zero.
 *   TWAMP symmetrical unauthenticated (RFC 6038 §4.2, sender MBZ 14-40): as STAMP.
 *   TWAMP-light unauthenticated (RFC 5357 §4.1.2 vs §4.2.1): the sender's octets from 14 on
 *     are padding, which may be anything, so only a plausible reflector packet counts: at
 *     least 41 octets, a Receive Timestamp (16-23, in the format the Error Estimate at 12
 *     announces) within SK_REFLECTED_WINDOW_S of now_ns, a Timestamp (4-11) not before it
 *     and at most SK_REFLECTED_WINDOW_S after it, and a Sender TTL (40) not zero. Random
 *     padding matches with odds of about 2^-40; zero padding never. A reflector whose clock
 *     is more than the window away from ours is not recognised.
 *   TWAMP authenticated/encrypted: false (the request's fixed part is protected; a
 *     reflected packet fails its HMAC check instead, RFC 5357 §4.2.1 coverage differs).
 * The MBZ octets must be ignored on receipt (RFC 8762 §4.2.1), so refusing is a policy the
 * caller may switch off for senders that really fill them. */
#define SK_REFLECTED_WINDOW_S 10
bool sk_reflect_is_reflected(const uint8_t *req, size_t len, const struct sk_reflect_cfg *cfg,
			     int64_t now_ns, size_t *off);

/* Record the true transmit time of the reply with reflector seq `seq` (Follow-Up Telemetry
 * of the next reply, RFC 8972 §4.7). mode: 1 HW assist, 2 SW local, 3 control plane. */
void sk_reflect_note_tx(struct sk_reflect_state *st, uint32_t seq, int64_t tx_ns, uint8_t mode);

/* Sender side of the size rules: the UDP payload length of a request with `padding`
 * octets beyond the fixed part (twampy's --padding), for proto/sec. STAMP padding is an
 * Extra Padding TLV, so 1..3 octets cannot be expressed: SK_E_INVALID. */
enum sk_result sk_reflect_request_len(uint8_t proto, uint8_t sec, size_t padding, size_t *len);

#ifdef __cplusplus
}
#endif
#endif
