/* SPDX-License-Identifier: BSD-3-Clause */
/* pcap_loop.c - the anchor of bench_analyze.sh: the least any capture reader does, a plain
 * pcap_next_ex loop (nanosecond precision) counting packets and octets. */
#include <pcap/pcap.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: pcap_loop FILE\n");
		return 2;
	}
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline_with_tstamp_precision(argv[1], PCAP_TSTAMP_PRECISION_NANO, err);
	if (!p) {
		fprintf(stderr, "pcap_loop: %s\n", err);
		return 1;
	}
	struct pcap_pkthdr *h;
	const u_char *d;
	unsigned long long n = 0, octets = 0;
	int r;
	while ((r = pcap_next_ex(p, &h, &d)) == 1)
		n++, octets += h->caplen + (d[0] & 1u);
	pcap_close(p);
	printf("%llu packets, %llu octets\n", n, octets);
	return r == PCAP_ERROR_BREAK ? 0 : 1;
}
