/* SPDX-License-Identifier: BSD-3-Clause */
/* parse.c - checked number parsing (decimal only, no junk, no overflow, a sign only where
 * negatives are allowed), the DSCP name table (RFC 2474 §3, RFC 2597, RFC 3246, RFC 5865;
 * twampy's names) and twampy's IMIX padding sizes. */
#include "parse.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int sk_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	if (!s || !*s)
		return -1;
	const char *p = s;
	if (*p == '-' && min < 0)
		p++;
	if (*p < '0' || *p > '9')
		return -1;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int sk_parse_port(const char *s, int allow_zero, uint16_t *out)
{
	long v;
	if (sk_parse_long(s, allow_zero ? 0 : 1, 65535, &v))
		return -1;
	*out = (uint16_t)v;
	return 0;
}

int sk_parse_double(const char *s, double max, double *out)
{
	char *end;
	if (!s || !*s || ((*s < '0' || *s > '9') && *s != '.'))
		return -1;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v < 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

struct dscp_name { const char *name; int v; };
/* twampy's names first (what `dscptable` prints), then the RFC names it lacks. */
static const struct dscp_name names[] = {
	{ "be", 0 }, { "cs1", 8 }, { "af11", 10 }, { "af12", 12 }, { "af13", 14 }, { "cs2", 16 },
	{ "af21", 18 }, { "af22", 20 }, { "af23", 22 }, { "cs3", 24 }, { "af31", 26 },
	{ "af32", 28 }, { "af33", 30 }, { "cs4", 32 }, { "af41", 34 }, { "af42", 36 },
	{ "af43", 38 }, { "cs5", 40 }, { "ef", 46 }, { "nc1", 48 }, { "nc2", 56 },
	{ "cs0", 0 }, { "df", 0 }, { "va", 44 }, { "cs6", 48 }, { "cs7", 56 },
};
#define N_TWAMPY_NAMES 21

const char *sk_dscp_name(int dscp, char *buf, size_t len)
{
	for (size_t i = 0; i < N_TWAMPY_NAMES; i++)
		if (names[i].v == dscp)
			return names[i].name;
	snprintf(buf, len, "cp%d", dscp);
	return buf;
}

int sk_dscp_parse(const char *s, int *dscp)
{
	long v;
	if (!sk_parse_long(s, 0, 63, &v)) {
		*dscp = (int)v;
		return 0;
	}
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcasecmp(s, names[i].name)) {
			*dscp = names[i].v;
			return 0;
		}
	if (!strncasecmp(s, "cp", 2) && !sk_parse_long(s + 2, 0, 63, &v)) {
		*dscp = (int)v;
		return 0;
	}
	return -1;
}

long sk_imix_pick(bool ipv6)
{
	static const long v4[12] = { 8, 8, 8, 8, 8, 8, 8, 534, 534, 534, 534, 1458 };
	static const long v6[12] = { 0, 0, 0, 0, 0, 0, 0, 514, 514, 514, 514, 1438 };
	int i = (int)(random() % 12);
	return ipv6 ? v6[i] : v4[i];
}

int sk_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned mb[6];
	char tail;
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &mb[0], &mb[1], &mb[2], &mb[3], &mb[4], &mb[5],
		   &tail) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)mb[i];
	return 0;
}
