/* SPDX-License-Identifier: BSD-3-Clause */
/* result.c - names of result codes and the caller-owned error record. */
#include <stdarg.h>
#include <stdio.h>

#include "stampkit/result.h"

const char *sk_strerror(enum sk_result r)
{
	switch (r) {
	case SK_OK: return "ok";
	case SK_E_TRUNCATED: return "truncated";
	case SK_E_INVALID: return "invalid";
	case SK_E_UNSUPPORTED: return "unsupported";
	case SK_E_NOSPACE: return "no space";
	case SK_E_AUTH: return "authentication failed";
	case SK_E_CRYPTO: return "crypto error";
	case SK_E_STATE: return "unexpected in this state";
	case SK_E_ARG: return "bad argument";
	}
	return "unknown error";
}

enum sk_result sk_error_set(struct sk_error *err, enum sk_result code, size_t offset,
			    const char *fmt, ...)
{
	if (!err)
		return code;
	err->code = code;
	err->offset = offset;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return code;
}
