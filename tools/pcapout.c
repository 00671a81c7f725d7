/* SPDX-License-Identifier: BSD-3-Clause */
/* pcapout.c - raw-IP nanosecond pcap of the packets a live tool sent and received (IPv4
 * header RFC 791 §3.1, IPv6 header RFC 8200 §3, UDP header and checksum RFC 768, RFC 8200 §8.1). */
#include "pcapout.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "udpio.h"

struct sk_pcapout {
	pcap_t *p;
	pcap_dumper_t *d;
	uint16_t ipid;
};

struct sk_pcapout *sk_pcapout_open(const char *path, char *err, size_t errlen)
{
	struct sk_pcapout *o = calloc(1, sizeof *o);
	if (!o) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	o->p = pcap_open_dead_with_tstamp_precision(DLT_RAW, 65535, PCAP_TSTAMP_PRECISION_NANO);
	o->d = o->p ? pcap_dump_open(o->p, path) : NULL;
	if (!o->d) {
		snprintf(err, errlen, "cannot write %s: %s", path, o->p ? pcap_geterr(o->p) : "pcap");
		if (o->p)
			pcap_close(o->p);
		free(o);
		return NULL;
	}
	return o;
}

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

void sk_pcapout_write(struct sk_pcapout *o, int64_t ns, const struct sockaddr *src,
		      const struct sockaddr *dst, int ttl, int tos, const uint8_t *payload,
		      size_t len)
{
	if (!o || len > 65535 - 48)
		return;
	static uint8_t pkt[65536];
	uint8_t fam, fd, sa[16], da[16];
	uint16_t sp, dp;
	sk_sockaddr_unpack(src, &fam, sa, &sp);
	sk_sockaddr_unpack(dst, &fd, da, &dp);
	if (!fam || fam != fd)
		return;
	size_t ihl = fam == 4 ? 20 : 40, ulen = 8 + len, tot = ihl + ulen;
	memset(pkt, 0, ihl + 8);
	uint8_t *u = pkt + ihl;
	u[0] = (uint8_t)(sp >> 8), u[1] = (uint8_t)sp, u[2] = (uint8_t)(dp >> 8), u[3] = (uint8_t)dp;
	u[4] = (uint8_t)(ulen >> 8), u[5] = (uint8_t)ulen;
	memcpy(u + 8, payload, len);
	/* Pseudo-header + UDP header + data. */
	size_t alen = fam == 4 ? 4 : 16;
	uint32_t s = sum16(sa, alen, 0);
	s = sum16(da, alen, s);
	s += 17 + (uint32_t)ulen;
	s = sum16(u, ulen, s);
	uint16_t ck = fold(s);
	if (!ck)
		ck = 0xffff;
	u[6] = (uint8_t)(ck >> 8), u[7] = (uint8_t)ck;
	uint8_t t = (uint8_t)(ttl < 0 ? 64 : ttl), c = (uint8_t)(tos < 0 ? 0 : tos);
	if (fam == 4) {
		pkt[0] = 0x45;
		pkt[1] = c;
		pkt[2] = (uint8_t)(tot >> 8), pkt[3] = (uint8_t)tot;
		pkt[4] = (uint8_t)(o->ipid >> 8), pkt[5] = (uint8_t)o->ipid;
		o->ipid++;
		pkt[8] = t;
		pkt[9] = 17;
		memcpy(pkt + 12, sa, 4);
		memcpy(pkt + 16, da, 4);
		uint16_t hc = fold(sum16(pkt, 20, 0));
		pkt[10] = (uint8_t)(hc >> 8), pkt[11] = (uint8_t)hc;
	} else {
		pkt[0] = (uint8_t)(0x60 | c >> 4);
		pkt[1] = (uint8_t)(c << 4);
		pkt[4] = (uint8_t)(ulen >> 8), pkt[5] = (uint8_t)ulen;
		pkt[6] = 17;
		pkt[7] = t;
		memcpy(pkt + 8, sa, 16);
		memcpy(pkt + 24, da, 16);
	}
	struct pcap_pkthdr h;
	memset(&h, 0, sizeof h);
	h.ts.tv_sec = ns / 1000000000LL;
	h.ts.tv_usec = ns % 1000000000LL; /* nanoseconds: the file is nanosecond precision */
	h.caplen = h.len = (bpf_u_int32)tot;
	pcap_dump((u_char *)o->d, &h, pkt);
}

void sk_pcapout_close(struct sk_pcapout *o)
{
	if (!o)
		return;
	pcap_dump_close(o->d);
	pcap_close(o->p);
	free(o);
}

int sk_source_for(const struct sockaddr *remote, socklen_t rlen, uint16_t port,
		  struct sockaddr_storage *out)
{
	int fd = socket(remote->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	socklen_t l = sizeof *out;
	int r = connect(fd, remote, rlen) || getsockname(fd, (struct sockaddr *)out, &l) ? -1 : 0;
	close(fd);
	if (!r) {
		if (out->ss_family == AF_INET)
			((struct sockaddr_in *)out)->sin_port = htons(port);
		else
			((struct sockaddr_in6 *)out)->sin6_port = htons(port);
	}
	return r;
}
