/* SPDX-License-Identifier: BSD-3-Clause */
/* mk_twamp_pcap.c - writes TWAMP-Test packets built by stampkit's encoder into a pcap (raw
 * IPv4/UDP), and the values each one carries into a TSV, so an independent decoder (tshark's
 * built-in twamp.test) can be checked against them.
 *   usage: mk_twamp_pcap OUT.pcap OUT.tsv PORT */
#define _POSIX_C_SOURCE 200809L
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stampkit/stampkit.h"

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Wraps a UDP payload in IPv4 + UDP (checksum 0: allowed for IPv4). */
static size_t wrap(uint8_t *out, const uint8_t *payload, size_t len, uint16_t sport, uint16_t dport)
{
	uint8_t *ip = out, *udp = out + 20;
	memset(out, 0, 28);
	ip[0] = 0x45;
	sk_be16(ip + 2, (uint16_t)(28 + len));
	ip[8] = 64;
	ip[9] = 17;
	ip[12] = 127, ip[15] = 1;
	ip[16] = 127, ip[19] = 2;
	sk_be16(ip + 10, csum(ip, 20));
	sk_be16(udp, sport);
	sk_be16(udp + 2, dport);
	sk_be16(udp + 4, (uint16_t)(8 + len));
	memcpy(out + 28, payload, len);
	return 28 + len;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: mk_twamp_pcap OUT.pcap OUT.tsv PORT\n");
		return 2;
	}
	char *end;
	unsigned long port = strtoul(argv[3], &end, 10);
	if (*end || port == 0 || port > 65535) {
		fprintf(stderr, "mk_twamp_pcap: bad port '%s'\n", argv[3]);
		return 2;
	}
	pcap_t *dead = pcap_open_dead_with_tstamp_precision(DLT_RAW, 65535, PCAP_TSTAMP_PRECISION_NANO);
	pcap_dumper_t *d = dead ? pcap_dump_open(dead, argv[1]) : NULL;
	FILE *tsv = fopen(argv[2], "w");
	if (!d || !tsv) {
		fprintf(stderr, "mk_twamp_pcap: cannot create outputs\n");
		return 1;
	}
	fprintf(tsv, "frame\trole\tseq\ttimestamp_ns\terror_estimate\trx_timestamp_ns\tsender_seq\t"
		     "sender_timestamp_ns\tsender_error_estimate\tsender_ttl\n");
	uint8_t payload[256], frame[300];
	int64_t base = 1795000000LL * 1000000000LL; /* 2026-11-18 */
	unsigned n = 0;
	for (unsigned i = 0; i < 20; i++) {
		int refl = i & 1;
		struct sk_test_opts o = { .proto = SK_PROTO_TWAMP,
					  .role = refl ? SK_ROLE_REFLECTOR : SK_ROLE_SENDER,
					  .sec = SK_SEC_UNAUTH };
		struct sk_test_pkt p = { 0 };
		int64_t t1 = base + (int64_t)i * 10000000 + (int64_t)i * 123457;
		p.seq = refl ? 1000 + i : 70000u * i;
		uint16_t ee_s = (uint16_t)(0x8000 | (i % 64) << 8 | (i + 1));
		if (!refl) {
			p.timestamp = sk_ts_from_ns(t1, SK_TS_NTP, 0);
			p.error_estimate = ee_s;
		} else {
			p.sender_seq = 70000u * (i - 1);
			p.sender_timestamp = sk_ts_from_ns(t1 - 10000000, SK_TS_NTP, 0);
			p.sender_error_estimate = ee_s;
			p.rx_timestamp = sk_ts_from_ns(t1 - 5000000, SK_TS_NTP, 0);
			p.timestamp = sk_ts_from_ns(t1 - 4990000, SK_TS_NTP, 0);
			p.error_estimate = 0x0001;
			p.sender_ttl = (uint8_t)(250 - i);
		}
		size_t len;
		if (sk_test_encode(&p, &o, payload, sizeof payload, &len) != SK_OK) {
			fprintf(stderr, "mk_twamp_pcap: encode failed\n");
			return 1;
		}
		size_t flen = wrap(frame, payload, len, refl ? (uint16_t)port : 40000,
				   refl ? 40000 : (uint16_t)port);
		struct pcap_pkthdr h = { 0 };
		h.ts.tv_sec = (time_t)(t1 / 1000000000);
		h.ts.tv_usec = (suseconds_t)(t1 % 1000000000); /* nanoseconds in a nano pcap */
		h.caplen = h.len = (bpf_u_int32)flen;
		pcap_dump((u_char *)d, &h, frame);
		n++;
		/* The values as the codec reads them back, not as they were set. */
		struct sk_test_pkt q;
		if (sk_test_decode(payload, len, &o, &q, NULL, NULL) != SK_OK) {
			fprintf(stderr, "mk_twamp_pcap: decode failed\n");
			return 1;
		}
		if (!refl)
			fprintf(tsv, "%u\tsender\t%u\t%lld\t%u\t\t\t\t\t\n", n, (unsigned)q.seq,
				(long long)sk_ts_to_ns(q.timestamp, SK_TS_NTP, 0), (unsigned)q.error_estimate);
		else
			fprintf(tsv, "%u\treflector\t%u\t%lld\t%u\t%lld\t%u\t%lld\t%u\t%u\n", n,
				(unsigned)q.seq, (long long)sk_ts_to_ns(q.timestamp, SK_TS_NTP, 0),
				(unsigned)q.error_estimate,
				(long long)sk_ts_to_ns(q.rx_timestamp, SK_TS_NTP, 0), (unsigned)q.sender_seq,
				(long long)sk_ts_to_ns(q.sender_timestamp, SK_TS_NTP, 0),
				(unsigned)q.sender_error_estimate, (unsigned)q.sender_ttl);
	}
	pcap_dump_close(d);
	pcap_close(dead);
	fclose(tsv);
	return 0;
}
