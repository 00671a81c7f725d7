/* SPDX-License-Identifier: BSD-3-Clause */
/* capture.c - pcap/pcapng reading through libpcap at nanosecond precision. */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "capture.h"

struct sk_capture {
	pcap_t *p;
	uint64_t n;
	int damaged;
	char err[PCAP_ERRBUF_SIZE + 32];
};

struct sk_capture *sk_capture_open(const char *path, char *errbuf, size_t errlen)
{
	char pe[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p;
	if (!strcmp(path, "-"))
		p = pcap_fopen_offline_with_tstamp_precision(stdin, PCAP_TSTAMP_PRECISION_NANO, pe);
	else
		p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, pe);
	if (!p) {
		snprintf(errbuf, errlen, "%s", pe[0] ? pe : "cannot open capture");
		return NULL;
	}
	struct sk_capture *cap = calloc(1, sizeof *cap);
	if (!cap) {
		pcap_close(p);
		snprintf(errbuf, errlen, "out of memory");
		return NULL;
	}
	cap->p = p;
	return cap;
}

void sk_capture_close(struct sk_capture *cap)
{
	if (!cap)
		return;
	pcap_close(cap->p);
	free(cap);
}

int sk_capture_linktype(const struct sk_capture *cap) { return pcap_datalink(cap->p); }

int sk_capture_next(struct sk_capture *cap, struct sk_frame *f)
{
	if (cap->damaged)
		return -1;
	struct pcap_pkthdr *h;
	const u_char *d;
	int r = pcap_next_ex(cap->p, &h, &d);
	if (r == 1) {
		f->index = ++cap->n;
		/* Opened at nanosecond precision: tv_usec holds nanoseconds. pcapng timestamps are
		 * 64-bit, so a crafted file can name a second beyond what int64 ns can hold:
		 * saturate rather than overflow. */
		const int64_t max_s = INT64_MAX / 1000000000LL - 1;
		int64_t sec = (int64_t)h->ts.tv_sec;
		if (sec > max_s)
			sec = max_s;
		else if (sec < -max_s)
			sec = -max_s;
		f->ts_ns = sec * 1000000000LL + (int64_t)h->ts.tv_usec;
		f->data = d;
		f->caplen = h->caplen;
		f->wirelen = h->len;
		return 1;
	}
	if (r == PCAP_ERROR_BREAK)
		return 0;
	cap->damaged = 1;
	snprintf(cap->err, sizeof cap->err, "after frame %llu: %s", (unsigned long long)cap->n,
		 pcap_geterr(cap->p));
	return -1;
}

const char *sk_capture_error(const struct sk_capture *cap) { return cap->damaged ? cap->err : NULL; }

void sk_capture_progress(const struct sk_capture *cap, long long *pos, long long *size)
{
	*pos = *size = -1;
	FILE *fp = pcap_file(cap->p);
	struct stat st;
	if (!fp || fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode))
		return;
	*size = (long long)st.st_size;
	*pos = (long long)ftello(fp);
}
