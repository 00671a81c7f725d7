/* SPDX-License-Identifier: BSD-3-Clause */
/* gen_capture.c - writes a large pcap of STAMP test sessions for bench_analyze.sh: SESSIONS
 * sessions (RFC 8762 §4, SSID = session number, stateful reflector) sending ROUNDS packets
 * each, with deterministic outbound/inbound loss, duplicated and reordered replies. Payloads
 * come from the codec's encoder; Ethernet/IPv4/UDP headers are written here.
 * usage: gen_capture OUT.pcap SESSIONS ROUNDS */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stampkit/testpkt.h"
#include "stampkit/timestamp.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void) /* xorshift64*: deterministic */
{
	rng ^= rng >> 12, rng ^= rng << 25, rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545f4914f6cdd1dull) >> 32);
}

static void put32le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

static void frame(FILE *f, int64_t t_ns, uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp,
		  const uint8_t *pl, size_t n)
{
	uint8_t b[256];
	size_t len = 14 + 20 + 8 + n;
	uint8_t *p = b + 16;
	memset(b, 0, 16 + 42);
	put32le(b, (uint32_t)(t_ns / 1000000000));
	put32le(b + 4, (uint32_t)(t_ns % 1000000000));
	put32le(b + 8, (uint32_t)len);
	put32le(b + 12, (uint32_t)len);
	p[0] = 2, p[5] = 1, p[6] = 2, p[11] = 2; /* MACs */
	p[12] = 0x08, p[13] = 0x00;
	uint8_t *ip = p + 14;
	ip[0] = 0x45;
	ip[2] = (uint8_t)((20 + 8 + n) >> 8), ip[3] = (uint8_t)(20 + 8 + n);
	ip[8] = 64, ip[9] = 17;
	for (int i = 0; i < 4; i++)
		ip[12 + i] = (uint8_t)(src >> (24 - 8 * i)), ip[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
	uint32_t sum = 0;
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	ip[10] = (uint8_t)(~sum >> 8), ip[11] = (uint8_t)~sum;
	uint8_t *u = ip + 20;
	u[0] = (uint8_t)(sp >> 8), u[1] = (uint8_t)sp, u[2] = (uint8_t)(dp >> 8), u[3] = (uint8_t)dp;
	u[4] = (uint8_t)((8 + n) >> 8), u[5] = (uint8_t)(8 + n);
	memcpy(u + 8, pl, n);
	fwrite(b, 1, 16 + len, f);
}

struct sess {
	uint32_t rseq;
	int held;           /* a reply held back to be sent after the next one (reordering) */
	int64_t held_t;
	uint8_t held_pl[64];
	size_t held_n;
};

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: gen_capture OUT.pcap SESSIONS ROUNDS\n");
		return 2;
	}
	char *end;
	errno = 0;
	unsigned long ns = strtoul(argv[2], &end, 10), rounds = strtoul(argv[3], &end, 10);
	/* Sender addresses are 10.0.0.0/8 plus the session number. */
	if (errno || ns == 0 || ns > 16000000 || rounds == 0) {
		fprintf(stderr, "gen_capture: bad SESSIONS or ROUNDS\n");
		return 2;
	}
	FILE *f = fopen(argv[1], "wb");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	static char iobuf[1 << 20];
	setvbuf(f, iobuf, _IOFBF, sizeof iobuf);
	uint8_t gh[24] = { 0x4d, 0x3c, 0xb2, 0xa1, 2, 0, 4, 0 }; /* nanosecond pcap */
	put32le(gh + 16, 65535);
	put32le(gh + 20, 1);
	fwrite(gh, 1, sizeof gh, f);
	struct sess *ss = calloc(ns, sizeof *ss);
	if (!ss)
		return 1;
	const uint32_t refl = 0x0a010001; /* 10.1.0.1:862 */
	const int64_t base = 1735689600LL * 1000000000LL;
	unsigned long long pkts = 0;
	/* Rounds 10 ms apart, or further when the sessions' 1 us offsets need more room, so
	 * that the capture stays in time order. */
	const int64_t step = (int64_t)ns * 2000 > 10000000 ? (int64_t)ns * 2000 : 10000000;
	struct sk_test_opts so = { .proto = SK_PROTO_STAMP, .role = SK_ROLE_SENDER, .sec = SK_SEC_UNAUTH };
	struct sk_test_opts ro = so;
	ro.role = SK_ROLE_REFLECTOR;
	for (unsigned long k = 0; k < rounds; k++) {
		for (unsigned long s = 0; s < ns; s++) {
			uint32_t snd = 0x0a000000u | (uint32_t)(s + 1);
			uint16_t sport = (uint16_t)(20000 + s % 40000);
			int64_t t1 = base + (int64_t)k * step + (int64_t)s * 1000;
			struct sk_test_pkt t;
			memset(&t, 0, sizeof t);
			t.seq = (uint32_t)k;
			t.ssid = (uint16_t)s;
			t.error_estimate = 0x8001;
			t.timestamp = sk_ts_from_ns(t1, SK_TS_NTP, 0);
			uint8_t pl[64];
			size_t n;
			if (sk_test_encode(&t, &so, pl, sizeof pl, &n) != SK_OK)
				return 1;
			frame(f, t1 + 2000, snd, refl, sport, 862, pl, n);
			pkts++;
			uint32_t r = rnd();
			if (r % 1000 < 3) /* 0.3 % lost on the way out */
				continue;
			struct sess *x = &ss[s];
			int64_t t2 = t1 + 1000000 + (int64_t)(r % 50000), t3 = t2 + 20000;
			struct sk_test_pkt rp;
			memset(&rp, 0, sizeof rp);
			rp.seq = x->rseq++;
			rp.timestamp = sk_ts_from_ns(t3, SK_TS_NTP, 0);
			rp.error_estimate = 0x8001;
			rp.ssid = (uint16_t)s;
			rp.rx_timestamp = sk_ts_from_ns(t2, SK_TS_NTP, 0);
			rp.sender_seq = t.seq;
			rp.sender_timestamp = t.timestamp;
			rp.sender_error_estimate = 0x8001;
			rp.sender_ttl = 64;
			if (sk_test_encode(&rp, &ro, pl, sizeof pl, &n) != SK_OK)
				return 1;
			int64_t t4 = t3 + 1000000 + (int64_t)((r >> 10) % 50000);
			uint32_t q = rnd() % 1000;
			if (q < 3) /* 0.3 % lost on the way back */
				continue;
			if (q < 5 && !x->held) { /* 0.2 %: overtaken by the next reply */
				x->held = 1;
				x->held_t = t4;
				memcpy(x->held_pl, pl, n);
				x->held_n = n;
				continue;
			}
			frame(f, t4, refl, snd, 862, sport, pl, n);
			pkts++;
			if (q < 6) { /* 0.1 % duplicated */
				frame(f, t4 + 100, refl, snd, 862, sport, pl, n);
				pkts++;
			}
			if (x->held) {
				frame(f, t4 + 50, refl, snd, 862, sport, x->held_pl, x->held_n);
				pkts++;
				x->held = 0;
			}
		}
	}
	for (unsigned long s = 0; s < ns; s++)
		if (ss[s].held) {
			frame(f, ss[s].held_t, refl, 0x0a000000u | (uint32_t)(s + 1), 862,
			      (uint16_t)(20000 + s % 40000), ss[s].held_pl, ss[s].held_n);
			pkts++;
		}
	free(ss);
	if (fclose(f) != 0) {
		perror(argv[1]);
		return 1;
	}
	printf("%llu\n", pkts);
	return 0;
}
