/* SPDX-License-Identifier: BSD-3-Clause */
/* pcapout.c - raw-IP nanosecond pcap of the packets a live tool sent and received (IPv4
 * header RFC 791 §3.1, IPv6 header RFC 8200 §3, UDP header and checksum RFC 768, RFC 8200 §8.1). */
#include "pcapout.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipudp.h"
#include "log.h"
#include "outfile.h"
#include "sys.h"

/* The file is written under a temporary name (core/outfile.h) and takes its name at
 * sk_pcapout_close: a run that fails (sk_pcapout_discard) or is killed leaves no half
 * capture under the user's name. */
struct sk_pcapout {
	pcap_t *p;
	pcap_dumper_t *d;
	uint16_t ipid;
	struct sk_outfile f;
};

struct sk_pcapout *sk_pcapout_open(const char *path, char *err, size_t errlen)
{
	struct sk_pcapout *o = calloc(1, sizeof *o);
	if (!o) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (sk_outfile_open(&o->f, path, err, errlen) != 0) {
		free(o);
		return NULL;
	}
	o->p = pcap_open_dead_with_tstamp_precision(DLT_RAW, 65535, PCAP_TSTAMP_PRECISION_NANO);
	o->d = o->p ? pcap_dump_fopen(o->p, o->f.fp) : NULL;
	if (!o->d) {
		snprintf(err, errlen, "cannot write %s: %s", path, o->p ? pcap_geterr(o->p) : "pcap");
		if (o->p)
			pcap_close(o->p);
		sk_outfile_abort(&o->f);
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

/* pcap_dump_close closes the stream itself: sync before, then let the outfile know. */
static int finish(struct sk_pcapout *o, bool keep, char *err, size_t errlen)
{
	int r = keep && sk_outfile_sync(&o->f) != 0 ? -1 : 0;
	pcap_dump_close(o->d);
	pcap_close(o->p);
	o->f.fp = NULL;
	if (!keep || r != 0) {
		if (r != 0)
			snprintf(err, errlen, "cannot write %s: %s", o->f.path, strerror(errno));
		sk_outfile_abort(&o->f);
	} else {
		r = sk_outfile_commit(&o->f, err, errlen);
	}
	free(o);
	return r;
}

int sk_pcapout_finish(struct sk_pcapout *o, char *err, size_t errlen)
{
	return o ? finish(o, true, err, errlen) : 0;
}

void sk_pcapout_close(struct sk_pcapout *o)
{
	char err[PATH_MAX + 100];
	if (sk_pcapout_finish(o, err, sizeof err) != 0)
		sk_diag("--pcap-out: %s", err);
}

void sk_pcapout_discard(struct sk_pcapout *o)
{
	char err[8];
	if (o)
		(void)finish(o, false, err, sizeof err);
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
