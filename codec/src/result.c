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

/* One row per kind, indexed by enum sk_problem. */
static const struct {
	const char *name;
	enum sk_severity sev;
} problems[SK_PROB_COUNT] = {
	[SK_PROB_NONE] = { "none", SK_SEV_NONE },
	[SK_PROB_TRUNCATED] = { "truncated", SK_SEV_WARNING },
	[SK_PROB_INVALID] = { "invalid", SK_SEV_ERROR },
	[SK_PROB_MBZ_NONZERO] = { "mbz_nonzero", SK_SEV_WARNING },
	[SK_PROB_UNASSIGNED_BITS] = { "unassigned_bits", SK_SEV_WARNING },
	[SK_PROB_ERREST_MULT0] = { "error_estimate_zero", SK_SEV_WARNING },
	[SK_PROB_HMAC_BAD] = { "hmac_bad", SK_SEV_ERROR },
	[SK_PROB_TLV_MALFORMED] = { "tlv_malformed", SK_SEV_ERROR },
	[SK_PROB_UNSUPPORTED] = { "unsupported", SK_SEV_WARNING },
	[SK_PROB_STATE] = { "state", SK_SEV_ERROR },
	[SK_PROB_NO_KEY] = { "no_key", SK_SEV_WARNING },
	[SK_PROB_WRONG_KEY] = { "wrong_key", SK_SEV_WARNING },
	[SK_PROB_DECRYPT] = { "decrypt_failed", SK_SEV_ERROR },
	[SK_PROB_LIMIT] = { "limit", SK_SEV_ERROR },
};

const char *sk_problem_name(enum sk_problem k)
{
	return (unsigned)k < SK_PROB_COUNT ? problems[k].name : "unknown";
}

enum sk_severity sk_problem_severity(enum sk_problem k)
{
	return (unsigned)k < SK_PROB_COUNT ? problems[k].sev : SK_SEV_NONE;
}

const char *sk_severity_name(enum sk_severity s)
{
	switch (s) {
	case SK_SEV_NONE: return "none";
	case SK_SEV_NOTE: return "note";
	case SK_SEV_WARNING: return "warning";
	case SK_SEV_ERROR: return "error";
	}
	return "unknown";
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
