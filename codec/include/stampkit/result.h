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
