/* SPDX-License-Identifier: BSD-3-Clause */
/* timestamp.c - NTP/PTP timestamp conversion and Error Estimate arithmetic.
 * RFC 4656 §4.1.2, RFC 5905 §6 (NTP era), RFC 8186 §2, RFC 8762 §4.2.1. */
#include <stdio.h>

#include "stampkit/timestamp.h"

#define NS_PER_S 1000000000LL

uint64_t sk_ts_from_ns(int64_t unix_ns, enum sk_ts_fmt fmt, int tai_utc)
{
	int64_t sec = unix_ns / NS_PER_S;
	int64_t ns = unix_ns % NS_PER_S;
	if (ns < 0)
		ns += NS_PER_S, sec -= 1;
	if (fmt == SK_TS_PTP) {
		uint32_t s = (uint32_t)(sec + tai_utc);
		return (uint64_t)s << 32 | (uint32_t)ns;
	}
	/* NTP seconds are modulo 2^32 (the era is implied); round the fraction to nearest. */
	uint32_t s = (uint32_t)((uint64_t)(sec + SK_NTP_UNIX_OFFSET) & 0xffffffffu);
	uint64_t frac = (((uint64_t)ns << 32) + NS_PER_S / 2) / NS_PER_S;
	if (frac > 0xffffffffu) { /* rounding carried into the next second */
		frac = 0;
		s += 1;
	}
	return (uint64_t)s << 32 | frac;
}

int64_t sk_ts_to_ns(uint64_t wire, enum sk_ts_fmt fmt, int tai_utc)
{
	uint32_t s = (uint32_t)(wire >> 32);
	uint32_t f = (uint32_t)wire;
	if (fmt == SK_TS_PTP) {
		uint32_t nsf = f < NS_PER_S ? f : (uint32_t)(NS_PER_S - 1);
		return ((int64_t)s - tai_utc) * NS_PER_S + nsf;
	}
	/* Era 0 covers 1968-01-20 .. 2036-02-07 for seconds >= 2^31; below that, era 1. */
	int64_t sec = (int64_t)s - SK_NTP_UNIX_OFFSET;
	if (s < 0x80000000u)
		sec += (int64_t)1 << 32;
	int64_t ns = (int64_t)(((uint64_t)f * NS_PER_S + (1ull << 31)) >> 32);
	return sec * NS_PER_S + ns;
}

uint64_t sk_ntp_from_timespec(const struct timespec *ts)
{
	return sk_ts_from_ns((int64_t)ts->tv_sec * NS_PER_S + ts->tv_nsec, SK_TS_NTP, 0);
}

static void ns_to_timespec(int64_t ns, struct timespec *ts)
{
	int64_t s = ns / NS_PER_S, r = ns % NS_PER_S;
	if (r < 0)
		r += NS_PER_S, s -= 1;
	ts->tv_sec = (time_t)s;
	ts->tv_nsec = (long)r;
}

void sk_ntp_to_timespec(uint64_t ntp, struct timespec *ts)
{
	ns_to_timespec(sk_ts_to_ns(ntp, SK_TS_NTP, 0), ts);
}

uint64_t sk_ptp_from_timespec(const struct timespec *utc, int tai_utc)
{
	return sk_ts_from_ns((int64_t)utc->tv_sec * NS_PER_S + utc->tv_nsec, SK_TS_PTP, tai_utc);
}

void sk_ptp_to_timespec(uint64_t ptp, int tai_utc, struct timespec *utc)
{
	ns_to_timespec(sk_ts_to_ns(ptp, SK_TS_PTP, tai_utc), utc);
}

bool sk_ptp_valid(uint64_t ptp) { return (uint32_t)ptp < NS_PER_S; }

uint16_t sk_errest_pack(const struct sk_errest *e)
{
	return (uint16_t)((e->s ? 0x8000 : 0) | (e->z ? 0x4000 : 0) | (e->scale & 0x3f) << 8 | e->mult);
}

void sk_errest_unpack(uint16_t v, struct sk_errest *e)
{
	e->s = (v & 0x8000) != 0;
	e->z = (v & 0x4000) != 0;
	e->scale = (uint8_t)((v >> 8) & 0x3f);
	e->mult = (uint8_t)v;
}

uint64_t sk_errest_ns(const struct sk_errest *e)
{
	/* mult * 2^(scale-32) s in ns, rounded up: ceil(mult * 1e9 * 2^scale / 2^32). */
	unsigned __int128 num = (unsigned __int128)e->mult * NS_PER_S;
	num <<= e->scale;
	unsigned __int128 q = (num + 0xffffffffu) >> 32;
	return q > UINT64_MAX ? UINT64_MAX : (uint64_t)q;
}

enum sk_result sk_errest_from_ns(uint64_t bound_ns, bool synced, enum sk_ts_fmt fmt,
				 struct sk_errest *e)
{
	e->s = synced;
	e->z = fmt == SK_TS_PTP;
	for (unsigned scale = 0; scale < 64; scale++) {
		/* multiplier = ceil(bound_ns * 2^32 / (1e9 * 2^scale)) */
		unsigned __int128 num = (unsigned __int128)bound_ns << 32;
		unsigned __int128 den = (unsigned __int128)NS_PER_S << scale;
		unsigned __int128 m = (num + den - 1) / den;
		if (m == 0)
			m = 1;
		if (m <= 255) {
			e->scale = (uint8_t)scale;
			e->mult = (uint8_t)m;
			return SK_OK;
		}
	}
	e->scale = 63;
	e->mult = 255;
	return SK_E_INVALID;
}

const char *sk_ns_to_iso(int64_t unix_ns, char *buf, size_t len)
{
	int64_t s = unix_ns / NS_PER_S, r = unix_ns % NS_PER_S;
	if (r < 0)
		r += NS_PER_S, s -= 1;
	time_t t = (time_t)s;
	struct tm tm;
	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, len, "(out of range)");
		return buf;
	}
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long long)r);
	return buf;
}
