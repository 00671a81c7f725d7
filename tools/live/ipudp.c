/* SPDX-License-Identifier: BSD-3-Clause */
/* ipudp.c - IPv4/IPv6 + UDP headers with checksums (RFC 791 §3.1, RFC 8200 §3 and §8.1,
 * RFC 768, RFC 1071 one's-complement sum). */
#include "ipudp.h"

#include <string.h>

#include "sys.h"

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

size_t sk_ipudp_build(uint8_t *out, size_t cap, const struct sockaddr *src,
		      const struct sockaddr *dst, const struct sk_iphdr_opts *o,
		      const uint8_t *payload, size_t len)
{
	uint8_t fam, fd, sa[16], da[16];
	uint16_t sp, dp;
	sk_sockaddr_unpack(src, &fam, sa, &sp);
	sk_sockaddr_unpack(dst, &fd, da, &dp);
	if (!fam || fam != fd)
		return 0;
	size_t ihl = fam == 4 ? 20 : 40, ulen = 8 + len, tot = ihl + ulen;
	if (tot > cap || ulen > 65535)
		return 0;
	memset(out, 0, ihl + 8);
	uint8_t *u = out + ihl;
	u[0] = (uint8_t)(sp >> 8), u[1] = (uint8_t)sp, u[2] = (uint8_t)(dp >> 8), u[3] = (uint8_t)dp;
	u[4] = (uint8_t)(ulen >> 8), u[5] = (uint8_t)ulen;
	memmove(u + 8, payload, len);
	/* UDP checksum over the pseudo-header, the header and the data. */
	size_t alen = fam == 4 ? 4 : 16;
	uint32_t s = sum16(sa, alen, 0);
	s = sum16(da, alen, s);
	s += 17 + (uint32_t)ulen;
	s = sum16(u, ulen, s);
	uint16_t ck = fold(s);
	if (!ck)
		ck = 0xffff; /* 0 means "no checksum" in IPv4 and is forbidden in IPv6 */
	u[6] = (uint8_t)(ck >> 8), u[7] = (uint8_t)ck;
	uint8_t t = (uint8_t)(o->ttl < 0 ? 64 : o->ttl), c = (uint8_t)(o->tos < 0 ? 0 : o->tos);
	if (fam == 4) {
		out[0] = 0x45;
		out[1] = c;
		out[2] = (uint8_t)(tot >> 8), out[3] = (uint8_t)tot;
		out[4] = (uint8_t)(o->ipid >> 8), out[5] = (uint8_t)o->ipid;
		out[6] = o->dont_fragment ? 0x40 : 0;
		out[8] = t;
		out[9] = 17;
		memcpy(out + 12, sa, 4);
		memcpy(out + 16, da, 4);
		uint16_t hc = fold(sum16(out, 20, 0));
		out[10] = (uint8_t)(hc >> 8), out[11] = (uint8_t)hc;
	} else {
		uint32_t fl = o->flow_label & 0xfffff;
		out[0] = (uint8_t)(0x60 | c >> 4);
		out[1] = (uint8_t)(c << 4 | fl >> 16);
		out[2] = (uint8_t)(fl >> 8), out[3] = (uint8_t)fl;
		out[4] = (uint8_t)(ulen >> 8), out[5] = (uint8_t)ulen;
		out[6] = 17;
		out[7] = t;
		memcpy(out + 8, sa, 16);
		memcpy(out + 24, da, 16);
	}
	return tot;
}
