/* SPDX-License-Identifier: BSD-3-Clause */
/* timestamp.h - NTP 64-bit and PTPv2 truncated timestamps, and the Error Estimate.
 * RFC 4656 §4.1.2 (timestamp, error estimate), RFC 8186 §2 and RFC 8762 §4.2.1 (PTP, Z bit). */
#ifndef STAMPKIT_TIMESTAMP_H
#define STAMPKIT_TIMESTAMP_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include "stampkit/result.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SK_NTP_UNIX_OFFSET 2208988800u /* seconds from 1900-01-01 to 1970-01-01 */
#define SK_TAI_UTC_DEFAULT 37          /* TAI - UTC since 2017-01-01 */

enum sk_ts_fmt { SK_TS_NTP = 0, SK_TS_PTP = 1 };

/* Wire timestamps are handled as the 64-bit big-endian value (seconds << 32 | fraction or ns). */

/* NTP: seconds since 1900 and a binary fraction of 2^-32 s. Times from 2036-02-07 on use
 * NTP era 1; decoding maps seconds values below 2^31 to era 1 (i.e. 2036..2104). */
uint64_t sk_ntp_from_timespec(const struct timespec *ts);
void sk_ntp_to_timespec(uint64_t ntp, struct timespec *ts);

/* PTPv2 truncated: TAI seconds since 1970 and nanoseconds. tai_utc is TAI - UTC in seconds
 * (37 today); the timespec side is UTC, as clock_gettime(CLOCK_REALTIME) gives it. */
uint64_t sk_ptp_from_timespec(const struct timespec *utc, int tai_utc);
void sk_ptp_to_timespec(uint64_t ptp, int tai_utc, struct timespec *utc);
/* A PTP value whose nanoseconds field is >= 10^9 is not a valid timestamp. */
bool sk_ptp_valid(uint64_t ptp);

/* Unix nanoseconds (UTC) <-> wire value of either format. */
int64_t sk_ts_to_ns(uint64_t wire, enum sk_ts_fmt fmt, int tai_utc);
uint64_t sk_ts_from_ns(int64_t unix_ns, enum sk_ts_fmt fmt, int tai_utc);

/* Error Estimate: S (synchronised), Z (0 NTP / 1 PTP format), Scale (6 bits), Multiplier. */
struct sk_errest {
	bool s;
	bool z;
	uint8_t scale;
	uint8_t mult;
};

uint16_t sk_errest_pack(const struct sk_errest *e);
void sk_errest_unpack(uint16_t v, struct sk_errest *e);
/* Error in nanoseconds, rounded up (Multiplier * 2^(Scale-32) s); UINT64_MAX on overflow. */
uint64_t sk_errest_ns(const struct sk_errest *e);
/* Smallest Scale/Multiplier whose error is at least bound_ns. A bound beyond what the
 * field can say gives Scale 63, Multiplier 255 and SK_E_INVALID (the largest estimate is
 * still written to *e, so a sender can use it as "unknown"). */
enum sk_result sk_errest_from_ns(uint64_t bound_ns, bool synced, enum sk_ts_fmt fmt,
				 struct sk_errest *e);
/* Multiplier 0 is forbidden by RFC 4656 §4.1.2: such an estimate is to be treated as invalid. */
static inline bool sk_errest_valid(uint16_t v) { return (v & 0xff) != 0; }
static inline enum sk_ts_fmt sk_errest_fmt(uint16_t v) { return (v & 0x4000) ? SK_TS_PTP : SK_TS_NTP; }

/* Formats Unix ns as "2026-11-27T22:24:27.206123456Z" into buf (at least 32 octets). */
const char *sk_ns_to_iso(int64_t unix_ns, char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
