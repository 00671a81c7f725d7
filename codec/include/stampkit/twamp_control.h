/* SPDX-License-Identifier: BSD-3-Clause */
/* twamp_control.h - TWAMP-Control messages: layouts, typed structs, encode/decode.
 * RFC 4656 §3.1-3.8, RFC 5357 §3.1-3.8, RFC 5618 §3, RFC 5938 §3.2-3.5, RFC 6038 §4.1-4.2,
 * RFC 7750 §2, RFC 8186 §2 (mode bits), IANA TWAMP-Control Command Numbers and TWAMP-Modes. */
#ifndef STAMPKIT_TWAMP_CONTROL_H
#define STAMPKIT_TWAMP_CONTROL_H

#include <stddef.h>
#include <stdint.h>
#include "stampkit/crypto.h"
#include "stampkit/fields.h"
#include "stampkit/result.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Message types. The control stream carries no type field for most messages: the type is
 * what the protocol state says comes next (see twamp_sm.h), or a guess (sk_twctl_guess). */
enum sk_twctl_type {
	SK_TWCTL_NONE = 0,
	SK_TWCTL_SERVER_GREETING,
	SK_TWCTL_SETUP_RESPONSE,
	SK_TWCTL_SERVER_START,
	SK_TWCTL_REQUEST_TW_SESSION,
	SK_TWCTL_ACCEPT_SESSION,
	SK_TWCTL_START_SESSIONS,
	SK_TWCTL_START_ACK,
	SK_TWCTL_STOP_SESSIONS,
	SK_TWCTL_START_N_SESSIONS,
	SK_TWCTL_START_N_ACK,
	SK_TWCTL_STOP_N_SESSIONS,
	SK_TWCTL_STOP_N_ACK,
	SK_TWCTL_TYPE_COUNT
};

/* "Server-Greeting", "Set-Up-Response", ... ; "unknown" for anything else. Never NULL. */
const char *sk_twctl_type_name(enum sk_twctl_type t);

/* Fixed sizes (octets). The RFC 5938 messages are SK_TWCTL_N_BASE_LEN + 16 * Number of Sessions. */
#define SK_TWCTL_GREETING_LEN 64
#define SK_TWCTL_SETUP_LEN 164
#define SK_TWCTL_SERVER_START_LEN 48
#define SK_TWCTL_REQUEST_LEN 112
#define SK_TWCTL_ACCEPT_LEN 48
#define SK_TWCTL_START_LEN 32
#define SK_TWCTL_START_ACK_LEN 32
#define SK_TWCTL_STOP_LEN 32
#define SK_TWCTL_N_HDR_LEN 16
#define SK_TWCTL_N_BASE_LEN 32
#define SK_TWCTL_KEYID_LEN 80
#define SK_TWCTL_SID_LEN 16

/* Command numbers (first octet of a client command; IANA "TWAMP-Control Command Numbers"). */
enum sk_twamp_cmd {
	SK_TWCMD_REQUEST_SESSION = 1,  /* OWAMP Request-Session: forbidden in TWAMP, rejected */
	SK_TWCMD_START_SESSIONS = 2,
	SK_TWCMD_STOP_SESSIONS = 3,
	SK_TWCMD_FETCH_SESSION = 4,    /* OWAMP only: known, unsupported */
	SK_TWCMD_REQUEST_TW_SESSION = 5,
	SK_TWCMD_EXPERIMENTATION = 6,
	SK_TWCMD_START_N_SESSIONS = 7,
	SK_TWCMD_START_N_ACK = 8,
	SK_TWCMD_STOP_N_SESSIONS = 9,
	SK_TWCMD_STOP_N_ACK = 10,
	SK_TWCMD_REQUEST_TW_MICRO_SESSIONS = 11 /* RFC 9533: known, unsupported */
};
extern const struct sk_vs sk_twamp_command_names[];
/* 1 if this code implements the command (2, 3, 5, 7, 8, 9, 10), 0 otherwise. */
int sk_twamp_command_supported(uint8_t cmd);

/* TWAMP-Modes bits (IANA registry). */
#define SK_TWMODE_UNAUTH 0x001u
#define SK_TWMODE_AUTH 0x002u
#define SK_TWMODE_ENCRYPT 0x004u
#define SK_TWMODE_MIXED 0x008u          /* RFC 5618: unauthenticated test, encrypted control */
#define SK_TWMODE_INDIVIDUAL 0x010u     /* RFC 5938 */
#define SK_TWMODE_REFLECT_OCTETS 0x020u /* RFC 6038 */
#define SK_TWMODE_SYMMETRICAL 0x040u    /* RFC 6038 */
#define SK_TWMODE_IKEV2 0x080u          /* RFC 7717 */
#define SK_TWMODE_DSCP_ECN 0x100u       /* RFC 7750 */
#define SK_TWMODE_PTP 0x200u            /* RFC 8186 */
#define SK_TWMODE_SECURITY_MASK 0x00fu
/* Security of the test packets of a session negotiated with this Mode: encrypted,
 * authenticated, else unauthenticated (also mixed mode, RFC 5618 §3.1: its test packets
 * are in the clear). A Mode should carry one security bit; if several are set the
 * strongest wins. */
enum sk_sec sk_twmode_sec(uint32_t mode);
/* Every registered bit, name and key; terminated by name == NULL. */
extern const struct sk_bit sk_twamp_mode_bits[];

/* Accept values 0-5 (RFC 4656 §3.3), terminated by name == NULL. */
extern const struct sk_vs sk_twamp_accept_names[];

/* Type-P Descriptor (RFC 4656 §3.5, RFC 5357 §3.5). */
#define SK_TYPEP_LOW_BYTE 0x1 /* *flags: DSCP was found in the low octet (0x0000002E style) */
/* DSCP from a Type-P Descriptor. The RFC form has "00" then 6 DSCP bits in the first octet
 * and 24 zero bits; a value that only uses the low 6 bits is accepted as the variant some
 * implementations send, with SK_TYPEP_LOW_BYTE set in *flags. A PHB ID ("01" form) gives
 * SK_E_UNSUPPORTED; anything else SK_E_INVALID. */
enum sk_result sk_twamp_typep_dscp(uint32_t typep, uint8_t *dscp, unsigned *flags);
uint32_t sk_twamp_typep_from_dscp(uint8_t dscp);

/* Typed messages. Multi-octet integers are host order; MBZ fields are not stored. */
struct sk_twctl_greeting {
	uint32_t modes;
	uint8_t challenge[16];
	uint8_t salt[16];
	uint32_t count;
};

struct sk_twctl_setup {
	uint32_t mode;
	uint8_t keyid[SK_TWCTL_KEYID_LEN]; /* UTF-8, zero padded */
	uint8_t token[64];
	uint8_t client_iv[16];
};

struct sk_twctl_server_start {
	uint8_t accept;
	uint8_t server_iv[16];
	uint64_t start_time; /* NTP */
};

struct sk_twctl_request {
	uint8_t command; /* 5 */
	uint8_t ipvn;    /* 4 or 6 */
	uint8_t conf_sender, conf_receiver;
	uint32_t slots, packets;
	uint16_t sender_port, receiver_port;
	uint8_t sender_address[16], receiver_address[16]; /* IPv4 in the first 4 octets */
	uint8_t sid[16];
	uint32_t padding_length;
	uint64_t start_time; /* NTP */
	uint64_t timeout;    /* NTP-format duration: seconds << 32 | fraction */
	uint32_t type_p;
	uint16_t octets_reflected;  /* RFC 6038 */
	uint16_t padding_reflected; /* RFC 6038 */
	uint8_t hmac[16];
};

struct sk_twctl_accept {
	uint8_t accept;
	uint16_t port;
	uint8_t sid[16];
	uint16_t reflected_octets; /* RFC 6038 */
	uint16_t server_octets;    /* RFC 6038 */
	uint8_t hmac[16];
};

/* Start-Sessions (command 2); Start-Ack uses accept instead of command. */
struct sk_twctl_start {
	uint8_t command;
	uint8_t hmac[16];
};
struct sk_twctl_start_ack {
	uint8_t accept;
	uint8_t hmac[16];
};

struct sk_twctl_stop {
	uint8_t command; /* 3 */
	uint8_t accept;
	uint32_t nsessions;
	uint8_t hmac[16];
};

/* Start-N-Sessions (7), Start-N-Ack (8), Stop-N-Sessions (9), Stop-N-Ack (10), RFC 5938.
 * 16-octet header (Command, Accept or MBZ, MBZ, Number of Sessions at offset 12), then
 * Number of Sessions x 16-octet SID, then the 16-octet HMAC. sids points into the decoded
 * buffer (decode) or into the caller's array (encode): no copy, no allocation. */
struct sk_twctl_nsessions {
	uint8_t command;
	uint8_t accept; /* 0 for Start-N-Sessions, where the octet is MBZ */
	uint32_t nsessions;
	const uint8_t *sids;
	uint8_t hmac[16];
};

/* Layouts (one per fixed table). The RFC 5938 messages are walked as header + SID entries
 * + HMAC block. */
extern const struct sk_layout sk_twctl_greeting_layout;
extern const struct sk_layout sk_twctl_setup_layout;
extern const struct sk_layout sk_twctl_server_start_layout;
extern const struct sk_layout sk_twctl_request_layout;
extern const struct sk_layout sk_twctl_accept_layout;
extern const struct sk_layout sk_twctl_start_layout;
extern const struct sk_layout sk_twctl_start_ack_layout;
extern const struct sk_layout sk_twctl_stop_layout;
extern const struct sk_layout sk_twctl_startn_hdr_layout; /* command 7: octet 1 is MBZ */
extern const struct sk_layout sk_twctl_nack_hdr_layout;   /* commands 8, 9, 10: octet 1 is Accept */
extern const struct sk_layout sk_twctl_sid_layout;
extern const struct sk_layout sk_twctl_hmac_layout;
/* NULL-terminated list of the above. */
extern const struct sk_layout *const sk_twctl_layouts[];

/* Octets of a message of type t; for the RFC 5938 types, the size with nsessions SIDs
 * (0 if that overflows). 0 for an unknown type. */
size_t sk_twctl_size(enum sk_twctl_type t, uint32_t nsessions);
/* Octets the message of type t at p needs in total, from what is there: the fixed size, or
 * for the RFC 5938 types the size from the Number of Sessions once the 16-octet header is
 * present. Returns SK_E_TRUNCATED with *need = 16 while the header is incomplete. */
enum sk_result sk_twctl_needed(enum sk_twctl_type t, const uint8_t *p, size_t len, size_t *need);

/* Decode a message of type t from p/len into out (the struct for t, may be NULL), walking
 * the fields through v (may be NULL). SK_E_TRUNCATED if len is too short (fields that fit
 * are still visited), SK_E_INVALID if a command octet is wrong or IPVN is neither 4 nor 6;
 * non-zero MBZ is reported to the visitor only. Extra octets after the message are ignored. */
enum sk_result sk_twctl_decode(enum sk_twctl_type t, const uint8_t *p, size_t len, void *out,
			       const struct sk_visitor *v, struct sk_error *err);
/* Encode in (the struct for t) into buf; *outlen gets the size. Command octets are written
 * from t, not from in. SK_E_NOSPACE if cap is too small. */
enum sk_result sk_twctl_encode(enum sk_twctl_type t, const void *in, uint8_t *buf, size_t cap,
			       size_t *outlen);

/* Direction hint for sk_twctl_guess. */
enum sk_twctl_dir { SK_TWCTL_DIR_UNKNOWN = 0, SK_TWCTL_DIR_C2S, SK_TWCTL_DIR_S2C };
/* A GUESS at the type of the cleartext message at p, for a message seen without the
 * connection's history (a capture that starts mid-connection). It looks at the command
 * octet, the length available and MBZ octets only; several types share shapes (a Start-Ack
 * with Accept 2 is byte-identical to a Start-Sessions), so pass the direction when known.
 * Returns SK_TWCTL_NONE when nothing fits. Never use it where the state is known. */
enum sk_twctl_type sk_twctl_guess(const uint8_t *p, size_t len, enum sk_twctl_dir dir);

#ifdef __cplusplus
}
#endif
#endif
