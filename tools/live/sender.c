/* SPDX-License-Identifier: BSD-3-Clause */
/* sender.c - `stampkit sender`: a STAMP (RFC 8762 §4.2) / TWAMP-light (RFC 5357 §4.1)
 * Session-Sender on an absolute schedule; results from the codec's metrics (RFC 3550
 * jitter, RFC 4737 reordering, RFC 5560 duplicates) in twampy's table or as JSON. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "liveopt.h"
#include "twtable.h"
#include "output.h"
#include "pcapout.h"
#include "tlvopt.h"
#include "udpio.h"
#include "stampkit/metrics.h"
#include "stampkit/reflect.h"
#include "stampkit/testpkt.h"
#include "stampkit/timestamp.h"
#include "stampkit/tlv.h"

#define DEFAULT_PORT 862
#define MAX_PKT 65535

static volatile sig_atomic_t stop_flag;

static void on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: stampkit sender [options] [REMOTE [LOCAL]]\n\n"
		"Sends STAMP (default) or TWAMP-light test packets to REMOTE and prints delay,\n"
		"jitter and loss per direction. Addresses: ip, ip:port, :port, [v6]:port, [v6],\n"
		"bare IPv6, host names; REMOTE defaults to 127.0.0.1 and its port to 862 (twampy's\n"
		"was 20001), LOCAL's\n"
		"default is any address, a free port (twampy's was :20000).\n\n"
		"Sender options:\n"
		"  -c, --count N         packets to send (default 100)\n"
		"  -i, --interval MS     milliseconds between packets, fractions allowed (default 100)\n"
		"      --rate PPS        packets per second (instead of --interval)\n"
		"      --duration S      send for S seconds (count = duration x rate)\n"
		"      --ssid N          STAMP Session-Sender Identifier (0..65535, default 0)\n"
		"      --timeout S       wait at most S seconds for late replies after the last\n"
		"                        send (default 5; ends as soon as every reply is in)\n"
		"      --reflector auto|stateful|stateless   how the reflector numbers its replies\n"
		"                        (per-direction loss needs stateful; default auto for\n"
		"                        STAMP, stateful for TWAMP-light)\n"
		"      --pcap-out FILE   write every packet sent and received (nanosecond pcap,\n"
		"                        raw IP, kernel receive times) for stampkit decode/analyze\n"
		"      --raw IFACE       send through AF_PACKET on IFACE with IP/UDP headers built\n"
		"                        here: LOCAL is the source written (any address; replies\n"
		"                        arrive only if it is this host's), --ttl/--tos/--dscp/DF\n"
		"                        go into the header\n"
		"      --raw-mac MAC     destination link-layer address for --raw (default zeros,\n"
		"                        right for lo)\n"
		"      --flow-label N    IPv6 Flow Label of --raw packets\n\n");
	fputs(sk_tlvopt_help, out);
	fputc('\n', out);
	sk_liveopt_help(out);
}

/* Delay members of analyze's direction object, microseconds with ns resolution; null where
 * not computable. */
static void json_delays(const struct sk_dstats_summary *d, bool first)
{
	if (!d->count) {
		printf("%s\"min_us\":null,\"avg_us\":null,\"max_us\":null,\"p50_us\":null,"
		       "\"p90_us\":null,\"p99_us\":null,\"jitter_us\":null,\"negative\":null",
		       first ? "" : ",");
		return;
	}
	printf("%s\"min_us\":%.3f,\"avg_us\":%.3f,\"max_us\":%.3f,\"p50_us\":%.3f,"
	       "\"p90_us\":%.3f,\"p99_us\":%.3f", first ? "" : ",", (double)d->min / 1e3,
	       d->mean / 1e3, (double)d->max / 1e3, (double)d->p50 / 1e3, (double)d->p90 / 1e3,
	       (double)d->p99 / 1e3);
	if (d->count >= 2)
		printf(",\"jitter_us\":%.3f", d->jitter_ns / 1e3);
	else
		printf(",\"jitter_us\":null");
	printf(",\"negative\":%llu", (unsigned long long)d->negative);
}

/* analyze's direction object: loss, duplicates, reordering (null when the direction cannot
 * be told), then the delays. */
static void json_dir(const char *name, const struct sk_dstats_summary *d, bool known,
		     uint64_t lost, uint64_t dups, uint64_t reord, uint64_t sent)
{
	printf(",\"%s\":{", name);
	if (known)
		printf("\"lost\":%llu,\"loss_pct\":%.3f,\"duplicates\":%llu,\"reordered\":%llu",
		       (unsigned long long)lost, sent ? 100.0 * (double)lost / (double)sent : 0.0,
		       (unsigned long long)dups, (unsigned long long)reord);
	else
		printf("\"lost\":null,\"loss_pct\":null,\"duplicates\":null,\"reordered\":null");
	json_delays(d, false);
	printf("}");
}

struct run {
	uint64_t sent, send_errors, bad_replies, foreign, beyond, replies;
	int64_t first_send_mono, last_send_mono;
	struct sk_hist *send_err; /* actual send time - scheduled time */
	uint64_t tlv_replies, tlv_u, tlv_m, tlv_i, tlv_c, tlv_hmac_bad;
	bool kernel_t4;
	bool interrupted;
};

int cmd_sender(int argc, char **argv)
{
	struct sk_liveopt lo;
	sk_liveopt_init(&lo);
	long count = 100, ssid = 0;
	double interval_ms = 100, rate = 0, duration = 0, timeout_s = 5;
	int refl_mode = -1;
	enum { O_RATE = SK_OPT_LOCAL_BASE, O_DURATION, O_SSID, O_TIMEOUT, O_REFLECTOR, O_TLV,
	       O_PCAP, O_RAW, O_RAWMAC, O_FLOW };
	const char *raw_iface = NULL;
	uint8_t raw_mac[6] = { 0 };
	long flow_label = 0;
	const char *pcap_path = NULL;
	struct sk_tlvopt tlvs[SK_TLVOPT_MAX];
	unsigned ntlv = 0;
	bool want_hmac_tlv = false;
	char terr[200];
	static const struct option longopts[] = {
		SK_LIVEOPT_LONG,
		{ "count", required_argument, NULL, 'c' },
		{ "interval", required_argument, NULL, 'i' },
		{ "rate", required_argument, NULL, O_RATE },
		{ "duration", required_argument, NULL, O_DURATION },
		{ "ssid", required_argument, NULL, O_SSID },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "reflector", required_argument, NULL, O_REFLECTOR },
		{ "tlv", required_argument, NULL, O_TLV },
		{ "pcap-out", required_argument, NULL, O_PCAP },
		{ "raw", required_argument, NULL, O_RAW },
		{ "raw-mac", required_argument, NULL, O_RAWMAC },
		{ "flow-label", required_argument, NULL, O_FLOW },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = argv[0];
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, SK_LIVEOPT_SHORT "c:i:h", longopts, NULL)) != -1) {
		int r = sk_liveopt_handle(&lo, c, optarg, cmd);
		if (r < 0)
			return 2;
		if (r > 0)
			continue;
		switch (c) {
		case 'c':
			if (sk_parse_long(optarg, 1, 100000000, &count)) {
				fprintf(stderr, "stampkit %s: --count: expected 1..100000000\n", cmd);
				return 2;
			}
			break;
		case 'i':
			if (sk_parse_double(optarg, 3600000, &interval_ms) || interval_ms <= 0) {
				fprintf(stderr, "stampkit %s: --interval: expected milliseconds > 0\n", cmd);
				return 2;
			}
			break;
		case O_RATE:
			if (sk_parse_double(optarg, 10000000, &rate) || rate <= 0) {
				fprintf(stderr, "stampkit %s: --rate: expected packets per second > 0\n", cmd);
				return 2;
			}
			break;
		case O_DURATION:
			if (sk_parse_double(optarg, 86400 * 365, &duration) || duration <= 0) {
				fprintf(stderr, "stampkit %s: --duration: expected seconds > 0\n", cmd);
				return 2;
			}
			break;
		case O_SSID:
			if (sk_parse_long(optarg, 0, 65535, &ssid)) {
				fprintf(stderr, "stampkit %s: --ssid: expected 0..65535\n", cmd);
				return 2;
			}
			break;
		case O_TIMEOUT:
			if (sk_parse_double(optarg, 3600, &timeout_s)) {
				fprintf(stderr, "stampkit %s: --timeout: expected seconds >= 0\n", cmd);
				return 2;
			}
			break;
		case O_REFLECTOR:
			if (!strcmp(optarg, "auto"))
				refl_mode = SK_REFLECTOR_AUTO;
			else if (!strcmp(optarg, "stateful"))
				refl_mode = SK_REFLECTOR_STATEFUL;
			else if (!strcmp(optarg, "stateless"))
				refl_mode = SK_REFLECTOR_STATELESS;
			else {
				fprintf(stderr, "stampkit %s: --reflector: auto, stateful or stateless\n", cmd);
				return 2;
			}
			break;
		case O_TLV:
			if (ntlv == SK_TLVOPT_MAX) {
				fprintf(stderr, "stampkit %s: at most %d --tlv\n", cmd, SK_TLVOPT_MAX);
				return 2;
			}
			if (sk_tlvopt_parse(optarg, &tlvs[ntlv], terr, sizeof terr)) {
				fprintf(stderr, "stampkit %s: %s\n", cmd, terr);
				return 2;
			}
			if (tlvs[ntlv].type == SK_TLV_HMAC)
				want_hmac_tlv = true; /* always the last TLV (RFC 8972 §4.8) */
			else
				ntlv++;
			break;
		case O_PCAP:
			pcap_path = optarg;
			break;
		case O_RAW:
			raw_iface = optarg;
			break;
		case O_RAWMAC: {
			unsigned mb[6];
			char tail;
			if (sscanf(optarg, "%2x:%2x:%2x:%2x:%2x:%2x%c", &mb[0], &mb[1], &mb[2], &mb[3],
				   &mb[4], &mb[5], &tail) != 6) {
				fprintf(stderr, "stampkit %s: --raw-mac: expected aa:bb:cc:dd:ee:ff\n", cmd);
				return 2;
			}
			for (int i = 0; i < 6; i++)
				raw_mac[i] = (uint8_t)mb[i];
			break;
		}
		case O_FLOW:
			if (sk_parse_long(optarg, 0, 0xfffff, &flow_label)) {
				fprintf(stderr, "stampkit %s: --flow-label: expected 0..1048575\n", cmd);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (argc - optind > 2) {
		fprintf(stderr, "stampkit %s: expected [REMOTE [LOCAL]]\n", cmd);
		usage(stderr);
		return 2;
	}
	if (sk_liveopt_finish(&lo, cmd))
		return 2;
	if (rate > 0)
		interval_ms = 1000.0 / rate;
	if (duration > 0) {
		double n = duration * 1000.0 / interval_ms;
		if (n < 1 || n > 100000000) {
			fprintf(stderr, "stampkit %s: --duration gives %.0f packets (1..100000000)\n", cmd, n);
			return 2;
		}
		count = (long)n;
	}
	if ((ntlv || want_hmac_tlv) && lo.proto != SK_PROTO_STAMP) {
		fprintf(stderr, "stampkit %s: --tlv needs --mode stamp\n", cmd);
		return 2;
	}
	if (want_hmac_tlv && !lo.key_len) {
		fprintf(stderr, "stampkit %s: --tlv hmac needs --auth KEYFILE\n", cmd);
		return 2;
	}
	if (lo.ts_fmt == SK_TS_PTP && lo.proto != SK_PROTO_STAMP) {
		fprintf(stderr, "stampkit %s: --timestamp ptp needs --mode stamp\n", cmd);
		return 2;
	}

	char err[300];
	struct sockaddr_storage remote, local;
	socklen_t rlen, llen;
	const char *ls = argc - optind == 2 ? argv[optind + 1] : "";
	/* twampy's default remote is the local host. */
	const char *rem = argc - optind >= 1 ? argv[optind] : "127.0.0.1";
	if (sk_addr_parse(rem, DEFAULT_PORT, 0, false, &remote, &rlen, err, sizeof err)) {
		fprintf(stderr, "stampkit %s: remote %s\n", cmd, err);
		return 2;
	}
	int fam = remote.ss_family == AF_INET6 ? 6 : 4;
	if (sk_addr_parse(ls, 0, fam, true, &local, &llen, err, sizeof err)) {
		fprintf(stderr, "stampkit %s: local %s\n", cmd, err);
		return 2;
	}
	if (local.ss_family != remote.ss_family) {
		fprintf(stderr, "stampkit %s: REMOTE and LOCAL must be of the same IP version\n", cmd);
		return 2;
	}
	bool ipv6 = fam == 6;
	uint8_t sec = lo.key_len ? SK_SEC_AUTH : SK_SEC_UNAUTH;
	long padding = lo.padding == -2 ? (lo.proto == SK_PROTO_TWAMP ? 27 : 0) : lo.padding;
	size_t fixed = 0;
	sk_reflect_request_len((uint8_t)lo.proto, sec, 0, &fixed);
	size_t min_len = lo.proto == SK_PROTO_TWAMP ? SK_TWAMP_REFLECTOR_MIN : fixed;
	if (padding >= 0) {
		size_t l;
		if (sk_reflect_request_len((uint8_t)lo.proto, sec, (size_t)padding, &l) != SK_OK) {
			fprintf(stderr, "stampkit %s: --padding %ld: STAMP padding is an Extra Padding "
				"TLV, 0 or at least 4 octets\n", cmd, padding);
			return 2;
		}
		if (l > MAX_PKT - 28) {
			fprintf(stderr, "stampkit %s: --padding %ld is too large\n", cmd, padding);
			return 2;
		}
	}

	struct sk_io io = { .ops = raw_iface ? &sk_io_raw : &sk_io_udp, .fd = -1 };
	struct sk_io_opts io_opts = {
		.tos = lo.tos, .ttl = lo.ttl, .dont_fragment = lo.dont_fragment,
		.rx_timestamps = true, .bufsize = 4 << 20, .hw_iface = lo.hw_iface,
		.raw_iface = raw_iface, .flow_label = (uint32_t)flow_label, .freebind = raw_iface != NULL,
	};
	memcpy(io_opts.raw_mac, raw_mac, 6);
	if (io.ops->open(&io, (struct sockaddr *)&local, llen, &io_opts, err, sizeof err)) {
		fprintf(stderr, "stampkit %s: %s\n", cmd, err);
		return 1;
	}
	struct sk_pcapout *pc = NULL;
	struct sockaddr_storage src_addr;
	if (pcap_path) {
		uint8_t bf, ba[16];
		uint16_t bp;
		sk_sockaddr_unpack((struct sockaddr *)&io.bound, &bf, ba, &bp);
		pc = sk_pcapout_open(pcap_path, err, sizeof err);
		if (!pc || sk_source_for((struct sockaddr *)&remote, rlen, bp, &src_addr)) {
			fprintf(stderr, "stampkit %s: --pcap-out: %s\n", cmd, pc ? "no route" : err);
			return 1;
		}
	}
	if (raw_iface && !strcmp(raw_iface, "lo") && !ipv6)
		fprintf(stderr, "stampkit %s: note: the kernel drops IPv4 packets from 127.0.0.0/8 "
			"injected on lo as martians (unless route_localnet is set); IPv6 or another "
			"interface works\n", cmd);
	char rs[80], rhost[64];
	sk_sockaddr_str((struct sockaddr *)&remote, rs, sizeof rs);
	sk_sockaddr_host((struct sockaddr *)&remote, rhost, sizeof rhost);

	struct sk_session_config scfg = {
		.window = (uint32_t)(count < 65536 ? (count < 64 ? 64 : count) : 65536),
		.mode = refl_mode >= 0 ? (enum sk_reflector_mode)refl_mode
			: lo.proto == SK_PROTO_TWAMP ? SK_REFLECTOR_STATEFUL : SK_REFLECTOR_AUTO,
	};
	struct sk_session *sess = NULL;
	struct sk_hist *herr = malloc(sizeof *herr);
	uint8_t *txbuf = malloc((size_t)SK_IO_BATCH * MAX_PKT), *rxbuf = malloc((size_t)SK_IO_BATCH * MAX_PKT);
	static const uint8_t zeros[MAX_PKT];
	if (sk_session_create(&sess, &scfg) != SK_OK || !herr || !txbuf || !rxbuf) {
		fprintf(stderr, "stampkit %s: out of memory\n", cmd);
		return 1;
	}
	sk_hist_init(herr);
	struct sk_io_msg tx[SK_IO_BATCH], rx[SK_IO_BATCH];
	for (int i = 0; i < SK_IO_BATCH; i++) {
		memset(&tx[i], 0, sizeof tx[i]);
		tx[i].buf = txbuf + (size_t)i * MAX_PKT;
		tx[i].cap = MAX_PKT;
		tx[i].set_tos = -1;
		memcpy(&tx[i].peer, &remote, sizeof remote);
		tx[i].peerlen = rlen;
		rx[i].buf = rxbuf + (size_t)i * MAX_PKT;
		rx[i].cap = MAX_PKT;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	srandom((unsigned)sk_now_real_ns());
	/* The default 50 us timer slack would make every wake-up that much late. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);

	struct sk_test_opts so = { .proto = (uint8_t)lo.proto, .role = SK_ROLE_SENDER, .sec = sec };
	struct sk_test_opts ro = so;
	ro.role = SK_ROLE_REFLECTOR;
	if (lo.key_len) {
		so.stamp_key = ro.stamp_key = lo.key;
		so.stamp_key_len = ro.stamp_key_len = lo.key_len;
	}
	bool synced;
	uint16_t errest = sk_clock_errest(lo.ts_fmt, &synced);
	struct run run;
	memset(&run, 0, sizeof run);
	run.send_err = herr;
	run.kernel_t4 = io.rx_ts;
	double interval_ns = interval_ms * 1e6;
	int64_t start = sk_now_mono_ns();
	int64_t deadline = 0;
	uint64_t uniq = 0;
	int status = 0;

	for (;;) {
		int64_t now = sk_now_mono_ns();
		if (stop_flag) {
			run.interrupted = true;
			break;
		}
		/* Send every packet whose time has come (a batch when we are behind). */
		unsigned nb = 0;
		while (run.sent + nb < (uint64_t)count && nb < SK_IO_BATCH &&
		       start + (int64_t)((double)(run.sent + nb) * interval_ns) <= now) {
			struct sk_io_msg *m = &tx[nb];
			struct sk_test_pkt p;
			memset(&p, 0, sizeof p);
			p.seq = (uint32_t)(run.sent + nb);
			p.error_estimate = errest;
			p.ssid = (uint16_t)ssid;
			long pad = padding;
			if (pad < 0) {
				/* twampy's IMIX keeps its frame sizes: 14-octet header + pick, raised to
				 * the smallest symmetric packet of the mode. */
				size_t l = 14 + (size_t)sk_imix_pick(ipv6);
				if (l < min_len)
					l = min_len;
				pad = (long)(l - fixed);
				if (lo.proto == SK_PROTO_STAMP && pad > 0 && pad < 4)
					pad = 4;
			}
			if (lo.proto == SK_PROTO_TWAMP) {
				p.tail = zeros;
				p.tail_len = (size_t)pad;
			}
			/* T1 as late as possible: read right before encoding this batch entry. */
			int64_t t1 = sk_now_real_ns();
			p.timestamp = sk_ts_from_ns(t1, (enum sk_ts_fmt)lo.ts_fmt, SK_TAI_UTC_DEFAULT);
			if (lo.ts_fmt == SK_TS_PTP)
				p.error_estimate |= 0x4000;
			size_t n = 0;
			if (sk_test_encode(&p, &so, m->buf, m->cap, &n) != SK_OK) {
				fprintf(stderr, "stampkit %s: cannot encode a test packet\n", cmd);
				status = 1;
				goto done;
			}
			if (lo.proto == SK_PROTO_STAMP && (pad > 0 || ntlv || want_hmac_tlv)) {
				struct sk_wbuf w;
				sk_wbuf_init(&w, m->buf, m->cap);
				w.off = n;
				for (unsigned t = 0; t < ntlv; t++)
					sk_tlvopt_put(&w, &tlvs[t], p.seq + 1);
				if (pad > 0)
					sk_tlv_put_padding(&w, 0, (size_t)pad - SK_TLV_HDR_LEN);
				if (want_hmac_tlv)
					sk_tlv_put_hmac(&w, 0, fixed, lo.key, lo.key_len);
				if (w.err) {
					fprintf(stderr, "stampkit %s: TLVs do not fit in a packet\n", cmd);
					status = 1;
					goto done;
				}
				n = w.off;
			}
			m->len = n;
			if (pc)
				sk_pcapout_write(pc, t1, (struct sockaddr *)&src_addr,
						 (struct sockaddr *)&remote, lo.ttl, lo.tos, m->buf, n);
			nb++;
		}
		if (nb) {
			unsigned done = 0;
			while (done < nb) {
				int k = io.ops->send_batch(&io, tx + done, nb - done);
				int64_t after = sk_now_mono_ns();
				if (k <= 0) {
					if (run.send_errors++ == 0 && errno == EMSGSIZE)
						fprintf(stderr, "stampkit %s: a packet of %zu octets does not fit "
							"the path MTU%s: lower --padding%s\n", cmd,
							tx[done].len, lo.dont_fragment ? " with DF set" : "",
							lo.dont_fragment ? " or drop --do-not-fragment" : "");
					else if (run.send_errors == 1)
						fprintf(stderr, "stampkit %s: send to %s: %s\n", cmd, rs,
							strerror(errno));
					k = 1; /* that packet is lost: counted as sent, never answered */
				}
				for (int j = 0; j < k; j++) {
					uint64_t seq = run.sent + done + (unsigned)j;
					sk_hist_add(herr, after - (start + (int64_t)((double)seq * interval_ns)));
					if (sk_log_enabled(SK_LOG_INFO))
						sk_log(SK_LOG_INFO, "Sent to %s [sseq=%llu]", rhost,
						       (unsigned long long)seq);
					sk_log_hex("transmit", tx[done + j].buf, tx[done + j].len);
				}
				if (!run.first_send_mono)
					run.first_send_mono = after;
				run.last_send_mono = after;
				done += (unsigned)k;
			}
			run.sent += nb;
			if (run.sent == (uint64_t)count)
				deadline = sk_now_mono_ns() + (int64_t)(timeout_s * 1e9);
		}
		/* Every reply that is queued. */
		for (;;) {
			int n = io.ops->recv_batch(&io, rx, SK_IO_BATCH);
			if (n <= 0)
				break;
			int64_t user_t4 = sk_now_real_ns();
			for (int i = 0; i < n; i++) {
				struct sk_io_msg *m = &rx[i];
				if (!sk_sockaddr_equal((struct sockaddr *)&m->peer, (struct sockaddr *)&remote)) {
					run.foreign++;
					continue;
				}
				sk_log_hex("received", m->buf, m->len);
				if (pc)
					sk_pcapout_write(pc, m->rx_ns ? m->rx_ns : user_t4,
							 (struct sockaddr *)&m->peer,
							 (struct sockaddr *)&src_addr, m->ttl, m->tos, m->buf,
							 m->len);
				struct sk_test_pkt p;
				enum sk_result r;
				/* twampy's reflector answers with 38 octets (no MBZ, no Sender TTL),
				 * also to STAMP requests (it has no STAMP mode): the codec decodes
				 * that variant, so a twampy command line works against it. */
				size_t reply_min = sec == SK_SEC_UNAUTH ? 38 : fixed;
				if (lo.proto == SK_PROTO_STAMP && sec == SK_SEC_UNAUTH && m->len >= 38 &&
				    m->len < fixed) {
					struct sk_test_opts tw = ro;
					tw.proto = SK_PROTO_TWAMP;
					r = sk_test_decode(m->buf, m->len, &tw, &p, NULL, NULL);
					p.ssid = (uint16_t)ssid; /* not in a TWAMP reply */
				} else {
					r = sk_test_decode(m->buf, m->len, &ro, &p, NULL, NULL);
				}
				if (m->truncated || m->len < reply_min || r == SK_E_AUTH ||
				    (r == SK_E_TRUNCATED && m->len < fixed)) {
					run.bad_replies++;
					continue;
				}
				if ((lo.proto == SK_PROTO_STAMP && p.ssid != (uint16_t)ssid)) {
					run.foreign++;
					continue;
				}
				if (p.sender_seq >= run.sent) {
					run.beyond++; /* a number we never sent: junk */
					continue;
				}
				run.replies++;
				if (lo.proto == SK_PROTO_STAMP && p.tail_len) {
					/* What the reflector said about our TLVs (RFC 8972 §4 flags). */
					struct sk_tlv_iter it;
					struct sk_tlv tv;
					sk_tlv_iter_init(&it, p.tail, p.tail_len, fixed);
					run.tlv_replies++;
					while (sk_tlv_next(&it, &tv)) {
						run.tlv_u += (tv.flags & SK_TLV_F_U) != 0;
						run.tlv_m += (tv.flags & SK_TLV_F_M) != 0;
						run.tlv_i += (tv.flags & SK_TLV_F_I) != 0;
						run.tlv_c += (tv.flags & SK_TLV_F_C) != 0;
					}
					if (p.tlv_hmac_status == SK_HMAC_ST_BAD)
						run.tlv_hmac_bad++;
				}
				if (sk_log_enabled(SK_LOG_DEBUG)) {
					struct sk_text_out to;
					struct sk_visitor vis;
					sk_text_visitor(&to, sk_log_file(), &vis);
					sk_test_decode(m->buf, m->len, &ro, &p, &vis, NULL);
				}
				int64_t t4 = m->rx_ns ? m->rx_ns : user_t4;
				/* Each timestamp in the format its own Error Estimate's Z bit says. */
				enum sk_ts_fmt sf = sk_errest_fmt(p.sender_error_estimate);
				enum sk_ts_fmt rf = sk_errest_fmt(p.error_estimate);
				struct sk_reply rep = {
					.sender_seq = p.sender_seq, .reflector_seq = p.seq,
					.t1_ns = sk_ts_to_ns(p.sender_timestamp, sf, SK_TAI_UTC_DEFAULT),
					.t2_ns = sk_ts_to_ns(p.rx_timestamp, rf, SK_TAI_UTC_DEFAULT),
					.t3_ns = sk_ts_to_ns(p.timestamp, rf, SK_TAI_UTC_DEFAULT),
					.t4_ns = t4,
				};
				struct sk_reply_info info;
				sk_session_add(sess, &rep, &info);
				if (info.sender.cls == SK_SEQ_IN_ORDER || info.sender.cls == SK_SEQ_REORDERED)
					uniq++;
				if (sk_log_enabled(SK_LOG_INFO)) {
					char hs[64];
					sk_sockaddr_host((struct sockaddr *)&m->peer, hs, sizeof hs);
					sk_log(SK_LOG_INFO,
					       "Reply from %s [rseq=%u sseq=%u rtt=%.2fms outbound=%.2fms "
					       "inbound=%.2fms]", hs, p.seq, p.sender_seq,
					       (double)info.delays.rtt_ns / 1e6,
					       (double)info.delays.outbound_ns / 1e6,
					       (double)info.delays.inbound_ns / 1e6);
				}
			}
		}
		if (run.sent == (uint64_t)count) {
			if (uniq >= run.sent) {
				sk_log(SK_LOG_INFO, "All packets received back");
				break;
			}
			if (sk_now_mono_ns() >= deadline) {
				sk_log(SK_LOG_INFO, "Receive timeout for last packet (don't wait anymore)");
				break;
			}
		}
		/* Sleep until the next send time, the reply deadline, a reply or a signal. */
		int64_t wake = run.sent < (uint64_t)count
				       ? start + (int64_t)((double)run.sent * interval_ns)
				       : deadline;
		if (wake > sk_now_mono_ns()) {
			struct timespec dl = { .tv_sec = wake / 1000000000LL, .tv_nsec = wake % 1000000000LL };
			if (sk_io_wait(&io, &dl) < 0) {
				fprintf(stderr, "stampkit %s: wait: %s\n", cmd, strerror(errno));
				status = 1;
				break;
			}
		}
	}
done:
	sk_session_finish(sess);
	struct sk_session_summary sum;
	sk_session_summary(sess, run.sent, &sum);
	struct sk_dstats_summary ob, ib, rt, rs_;
	sk_dstats_summarize(sk_session_dstats(sess, SK_DIR_OUTBOUND), &ob);
	sk_dstats_summarize(sk_session_dstats(sess, SK_DIR_INBOUND), &ib);
	sk_dstats_summarize(sk_session_dstats(sess, SK_DIR_RTT), &rt);
	sk_dstats_summarize(sk_session_dstats(sess, SK_DIR_RESIDENCE), &rs_);
	bool known = !sum.direction_unknown;
	int64_t e50 = 0, e99 = 0;
	sk_hist_quantile(herr, 50, &e50);
	sk_hist_quantile(herr, 99, &e99);
	double span = (double)(run.last_send_mono - run.first_send_mono) / 1e9;
	double achieved = run.sent > 1 && span > 0 ? (double)(run.sent - 1) / span : 0;

	if (lo.json) {
		/* The session object of `stampkit analyze --json` (docs/analyze.md), then what
		 * only the sender knows. */
		char ls_[80];
		struct sockaddr_storage me;
		uint8_t bf, ba[16];
		uint16_t bp;
		sk_sockaddr_unpack((struct sockaddr *)&io.bound, &bf, ba, &bp);
		if (pc)
			memcpy(&me, &src_addr, sizeof me);
		else if (sk_source_for((struct sockaddr *)&remote, rlen, bp, &me))
			memcpy(&me, &io.bound, sizeof me);
		sk_sockaddr_str((struct sockaddr *)&me, ls_, sizeof ls_);
		printf("{\"type\":\"session\",\"sender\":\"%s\",\"reflector\":\"%s\",\"ssid\":", ls_, rs);
		if (lo.proto == SK_PROTO_STAMP)
			printf("%ld", ssid);
		else
			printf("null");
		printf(",\"mode\":\"%s\",\"sent\":%llu,\"received\":%llu,\"reflected\":%llu,"
		       "\"unknown_lost\":%llu,\"reflector_state\":\"%s\"",
		       lo.proto == SK_PROTO_STAMP ? "stamp" : "twamp-light",
		       (unsigned long long)run.sent, (unsigned long long)sum.received,
		       (unsigned long long)sum.reflected, (unsigned long long)sum.unknown_lost,
		       sum.received == 0 ? "unknown" : sum.stateful ? "stateful" : "stateless-or-unknown");
		json_dir("outbound", &ob, known, sum.outbound_lost, sum.outbound_duplicates,
			 sum.outbound_reordered, run.sent);
		json_dir("inbound", &ib, known, sum.inbound_lost, sum.inbound_duplicates,
			 sum.inbound_reordered, run.sent);
		json_dir("roundtrip", &rt, true, sum.lost, sum.duplicates, sum.reordered, run.sent);
		printf(",\"residence\":{");
		json_delays(&rs_, true);
		printf("},\"wire\":null");
		printf(",\"auth\":%s,\"interrupted\":%s,\"max_extent\":{\"roundtrip\":%llu,"
		       "\"outbound\":%llu,\"inbound\":%llu},\"bad_replies\":%llu,\"foreign\":%llu,"
		       "\"never_sent\":%llu,\"bad_timestamps\":%llu,\"jitter_algorithm\":\"RFC 3550\","
		       "\"t4\":\"%s\"",
		       sec ? "true" : "false", run.interrupted ? "true" : "false",
		       (unsigned long long)sum.max_extent, (unsigned long long)sum.outbound_max_extent,
		       (unsigned long long)sum.inbound_max_extent, (unsigned long long)run.bad_replies,
		       (unsigned long long)run.foreign, (unsigned long long)run.beyond,
		       (unsigned long long)sum.bad_timestamps,
		       run.kernel_t4 ? (io.rx_hw ? "hardware" : "kernel") : "user");
		printf(",\"tlv\":{\"replies\":%llu,\"u\":%llu,\"m\":%llu,\"i\":%llu,\"c\":%llu,"
		       "\"hmac_bad\":%llu}", (unsigned long long)run.tlv_replies,
		       (unsigned long long)run.tlv_u, (unsigned long long)run.tlv_m,
		       (unsigned long long)run.tlv_i, (unsigned long long)run.tlv_c,
		       (unsigned long long)run.tlv_hmac_bad);
		printf(",\"send\":{\"interval_ns\":%.1f,\"achieved_pps\":%.1f,\"send_errors\":%llu,"
		       "\"late_p50_ns\":%lld,\"late_p99_ns\":%lld}}\n",
		       interval_ns, achieved, (unsigned long long)run.send_errors, (long long)e50,
		       (long long)e99);
	} else {
		sk_twtab_head(stdout);
		if (sum.received == 0) {
			printf("  NO STATS AVAILABLE (100%% loss)\n");
		} else {
			char lb[16];
			sk_twtab_loss(lb, sizeof lb, sum.outbound_lost, run.sent, known);
			sk_twtab_row_stats(stdout, "Outbound:", &ob, lb);
			sk_twtab_loss(lb, sizeof lb, sum.inbound_lost, run.sent, known);
			sk_twtab_row_stats(stdout, "Inbound:", &ib, lb);
			sk_twtab_loss(lb, sizeof lb, sum.lost, run.sent, true);
			sk_twtab_row_stats(stdout, "Roundtrip:", &rt, lb);
		}
		sk_twtab_foot(stdout);
		printf("  Sent %llu, received %llu, lost %llu", (unsigned long long)run.sent,
		       (unsigned long long)sum.received, (unsigned long long)sum.lost);
		if (known)
			printf(" (outbound %llu, inbound %llu, after the last reply %llu)",
			       (unsigned long long)sum.outbound_lost, (unsigned long long)sum.inbound_lost,
			       (unsigned long long)sum.unknown_lost);
		else if (sum.lost)
			printf(" (direction unknown: the reflector copies sequence numbers)");
		printf("\n  Duplicates %llu, reordered %llu", (unsigned long long)sum.duplicates,
		       (unsigned long long)sum.reordered);
		if (known)
			printf(" (outbound %llu/%llu, inbound %llu/%llu)",
			       (unsigned long long)sum.outbound_duplicates,
			       (unsigned long long)sum.outbound_reordered,
			       (unsigned long long)sum.inbound_duplicates,
			       (unsigned long long)sum.inbound_reordered);
		printf("\n");
		if (run.bad_replies || run.foreign || run.beyond)
			printf("  Ignored: %llu malformed replies, %llu from elsewhere, %llu never sent\n",
			       (unsigned long long)run.bad_replies, (unsigned long long)run.foreign,
			       (unsigned long long)run.beyond);
		if (run.interrupted)
			printf("  Interrupted: results of the packets sent so far\n");
	}
	if (ob.negative || ib.negative)
		fprintf(stderr, "stampkit %s: warning: %llu outbound and %llu inbound one-way delays "
			"are negative: the clocks of sender and reflector are not synchronised "
			"(values shown as measured, not clamped)\n", cmd,
			(unsigned long long)ob.negative, (unsigned long long)ib.negative);
	fflush(stdout);
	sk_pcapout_close(pc);
	sk_session_free(sess);
	free(herr);
	free(txbuf);
	free(rxbuf);
	io.ops->close(&io);
	return status;
}
