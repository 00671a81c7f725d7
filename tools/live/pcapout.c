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

#include "ipudp.h"
#include "sys.h"

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

void sk_pcapout_write(struct sk_pcapout *o, int64_t ns, const struct sockaddr *src,
		      const struct sockaddr *dst, int ttl, int tos, const uint8_t *payload,
		      size_t len)
{
	static uint8_t pkt[65536];
	if (!o)
		return;
	struct sk_iphdr_opts ho = { .ttl = ttl, .tos = tos, .ipid = o->ipid++ };
	size_t tot = sk_ipudp_build(pkt, sizeof pkt, src, dst, &ho, payload, len);
	if (!tot)
		return;
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
