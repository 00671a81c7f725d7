/* SPDX-License-Identifier: BSD-3-Clause */
/* result.h - result codes shared by every codec entry point, and a caller-owned error record. */
#ifndef STAMPKIT_RESULT_H
#define STAMPKIT_RESULT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Truncated and invalid are kept apart on purpose: a capture with a short snaplen is not a
 * protocol violation, and analyzers count the two separately. */
enum sk_result {
	SK_OK = 0,
	SK_E_TRUNCATED,   /* fewer octets than the layout needs */
	SK_E_INVALID,     /* octets present but their content violates the format */
	SK_E_UNSUPPORTED, /* well-formed but a feature this code does not handle */
	SK_E_NOSPACE,     /* output buffer or fixed-size table too small */
	SK_E_AUTH,        /* HMAC or Token check failed */
	SK_E_CRYPTO,      /* the crypto library refused an operation */
	SK_E_STATE,       /* message not allowed in the current protocol state */
	SK_E_ARG          /* caller passed an impossible argument */
};

/* Name of a result code ("truncated", "invalid", ...). Never NULL. */
const char *sk_strerror(enum sk_result r);

/* What exactly is wrong, for problems a decoder reports (sk_visitor.problem, TWAMP-Control
 * machine error events). The result code says how a decode ended; the kind lets a consumer
 * (expert info, a counter, a JSON member) react without reading the English text, which may
 * change. SK_PROB_NONE is 0 so events without a problem carry it by zeroing. */
enum sk_problem {
	SK_PROB_NONE = 0,
	SK_PROB_TRUNCATED,       /* fewer octets than the layout or TLV needs (snaplen, short packet) */
	SK_PROB_INVALID,         /* content violates the format: command number, IPVN, Mode bits */
	SK_PROB_MBZ_NONZERO,     /* must-be-zero octets or bits are not zero (receivers ignore them) */
	SK_PROB_UNASSIGNED_BITS, /* TLV Flags with unassigned bits set (RFC 8972 §4) */
	SK_PROB_ERREST_MULT0,    /* Error Estimate with Multiplier 0 (RFC 4656 §4.1.2 forbids it) */
	SK_PROB_HMAC_BAD,        /* an HMAC (packet, HMAC TLV, control message) does not verify */
	SK_PROB_TLV_MALFORMED,   /* TLV Length wrong for its Type, a TLV after the HMAC TLV */
	SK_PROB_UNSUPPORTED,     /* well-formed, not handled: an assigned command not implemented */
	SK_PROB_STATE,           /* a message not allowed in the current protocol state */
	SK_PROB_NO_KEY,          /* no shared secret for the KeyID: nothing can be checked */
	SK_PROB_WRONG_KEY,       /* the shared secret does not fit (Token without the Challenge) */
	SK_PROB_DECRYPT,         /* decryption failed (the crypto library refused) */
	SK_PROB_LIMIT            /* a bound of this implementation: sessions, buffer space */
};
#define SK_PROB_COUNT (SK_PROB_LIMIT + 1)

/* How bad a problem is. Ordered: a larger value is worse. */
enum sk_severity {
	SK_SEV_NONE = 0, /* SK_PROB_NONE */
	SK_SEV_NOTE,     /* worth knowing, nothing is wrong with the data */
	SK_SEV_WARNING,  /* a peer bends the rules, or data is missing; what is there decodes */
	SK_SEV_ERROR     /* the data is wrong or cannot be trusted */
};

/* Stable short key of a kind ("truncated", "mbz_nonzero", "hmac_bad", ...), e.g. the
 * "kind" member of decode's JSON. "unknown" for a value outside the enum; never NULL. */
const char *sk_problem_name(enum sk_problem k);
/* Severity of a kind (SK_SEV_NONE for SK_PROB_NONE and values outside the enum). */
enum sk_severity sk_problem_severity(enum sk_problem k);
/* "note", "warning", "error" ("none" for SK_SEV_NONE). Never NULL. */
const char *sk_severity_name(enum sk_severity s);

/* Optional detail a caller may pass to decoders: where the problem is and what it is. */
struct sk_error {
	enum sk_result code;
	size_t offset; /* octet offset inside the buffer handed to the decoder */
	char msg[112];
};

/* Records code/offset and a formatted message; a NULL err is allowed and ignored.
 * Returns code so callers can write `return sk_error_set(...)`. */
enum sk_result sk_error_set(struct sk_error *err, enum sk_result code, size_t offset,
			    const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 4, 5)))
#endif
	;

#ifdef __cplusplus
}
#endif
#endif
