/* SPDX-License-Identifier: BSD-3-Clause */
/* replay.c - `stampkit replay`: the Session-Sender packets of a capture (found as `analyze`
 * finds them) sent again on an absolute schedule, re-stamped at send time (RFC 8762 §4.2,
 * RFC 5357 §4.1.2), TLVs kept with the HMAC TLV recomputed (RFC 8972 §4.8); the replies
 * are written with the packets sent to a pcap and measured by analyze's engine. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "analyze_int.h"
#include "capture.h"
#include "commands.h"
#include "discover.h"
#include "ipfrag.h"
#include "liveopt.h"
#include "pcapout.h"
#include "tcpstream.h"
#include "udpio.h"
#include "stampkit/crypto.h"
#include "stampkit/metrics.h"
#include "stampkit/net.h"
#include "stampkit/testpkt.h"
#include "stampkit/timestamp.h"
#include "stampkit/tlv.h"

#define RP_MAX_SESS 64
#define RP_MAX_PORTS 16
#define RP_MAX_PKT 65535

static volatile sig_atomic_t stop_flag;

static void on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* One packet to replay; its octets are at buf + off. */
struct rp_pkt {
	int64_t ts_ns;        /* capture time */
	size_t off;
	uint32_t len;
	uint16_t sess;
	uint8_t restamp;      /* a clear-text Session-Sender packet: re-stamped when sent */
	uint8_t proto, sec, features;
	uint8_t tos;          /* recorded TOS / Traffic Class, sent again unless --tos/--dscp */
	uint16_t reflect_len;
};

/* A recorded session (analyze's key: addresses, ports, SSID), replayed from a socket of its own. */
struct rp_sess {
	uint8_t ipver, src[16], dst[16];
	uint16_t sport, dport, ssid;
	uint64_t packets;
	struct sk_io io;
	struct sockaddr_storage me; /* our address as written to the pcap */
};

struct rp_load {
	struct sk_disc disc;
	struct sk_disc_tcp tcp_follow;
	struct sk_tcpstream *tcp;
	struct rp_pkt *pkts;
	size_t npkts, capp;
	uint8_t *buf;
	size_t buflen, bufcap;
	struct rp_sess sess[RP_MAX_SESS];
	unsigned nsess;
	/* left out, each named */
	uint64_t frames, test_packets, cut, fragments, protected_, malformed, overflow, reflector;
	uint64_t first_cut, first_malformed;
};

static int sess_index(struct rp_load *l, const struct sk_pkt *p, uint16_t ssid)
{
	size_t al = p->ipver == 6 ? 16 : 4;
	for (unsigned i = 0; i < l->nsess; i++) {
		struct rp_sess *s = &l->sess[i];
		if (s->ipver == p->ipver && s->sport == p->sport && s->dport == p->dport &&
		    s->ssid == ssid && !memcmp(s->src, p->src, al) && !memcmp(s->dst, p->dst, al))
			return (int)i;
	}
	if (l->nsess == RP_MAX_SESS)
		return -1;
	struct rp_sess *s = &l->sess[l->nsess];
	memset(s, 0, sizeof *s);
	s->ipver = p->ipver;
	memcpy(s->src, p->src, al);
	memcpy(s->dst, p->dst, al);
	s->sport = p->sport;
	s->dport = p->dport;
	s->ssid = ssid;
	s->io.fd = -1;
	return (int)l->nsess++;
}

static int add_pkt(struct rp_load *l, const struct sk_pkt *p, int64_t ts, int si, int restamp,
		   const struct sk_test_opts *o)
{
	if (l->npkts == l->capp) {
		size_t n = l->capp ? l->capp * 2 : 1024;
		struct rp_pkt *np = realloc(l->pkts, n * sizeof *np);
		if (!np)
			return -1;
		l->pkts = np;
		l->capp = n;
	}
	if (l->buflen + p->payload_len > l->bufcap) {
		size_t n = l->bufcap ? l->bufcap * 2 : 1 << 16;
		while (n < l->buflen + p->payload_len)
			n *= 2;
		uint8_t *nb = realloc(l->buf, n);
		if (!nb)
			return -1;
		l->buf = nb;
		l->bufcap = n;
	}
	struct rp_pkt *r = &l->pkts[l->npkts++];
	memset(r, 0, sizeof *r);
	r->ts_ns = ts;
	r->off = l->buflen;
	r->len = (uint32_t)p->payload_len;
	r->sess = (uint16_t)si;
	r->restamp = (uint8_t)restamp;
	r->tos = p->tos;
	if (o) {
		r->proto = o->proto;
		r->sec = o->sec;
		r->features = o->features;
		r->reflect_len = o->reflect_len;
	}
	memcpy(l->buf + l->buflen, p->payload, p->payload_len);
	l->buflen += p->payload_len;
	l->sess[si].packets++;
	return 0;
}

/* Every UDP datagram (--all) or the Session-Sender packets of the file. Returns 0, 1 (cannot
 * read: message printed), 3 (damaged: frames before the damage kept). */
static int load(struct rp_load *l, const char *path, int all, const char *cmd)
{
	char errbuf[512];
	struct sk_capture *cap = sk_capture_open(path, errbuf, sizeof errbuf);
	if (!cap) {
		fprintf(stderr, "stampkit %s: %s: %s\n", cmd, path, errbuf);
		return 1;
	}
	int lt = sk_capture_linktype(cap);
	if (!sk_net_linktype_supported(lt)) {
		fprintf(stderr, "stampkit %s: %s: link type %d is not supported: no frame can be "
			"replayed\n", cmd, path, lt);
		sk_capture_close(cap);
		return 1;
	}
	l->tcp_follow.d = &l->disc;
	l->tcp_follow.owner = l;
	struct sk_tcpstream_ops ops = sk_disc_tcp_ops(&l->tcp_follow);
	l->tcp = sk_tcpstream_create(64, 16384, &ops);
	struct sk_ipfrag *frag = sk_ipfrag_create(16, 30LL * 1000000000LL);
	if (!l->tcp || !frag) {
		fprintf(stderr, "stampkit %s: out of memory\n", cmd);
		sk_capture_close(cap);
		sk_ipfrag_destroy(frag);
		return 1;
	}
	struct sk_frame fr;
	struct sk_pkt p;
	int r, status = 0;
	uint64_t last = 0;
	while ((r = sk_capture_next(cap, &fr)) == 1) {
		l->frames++;
		last = fr.index;
		if (sk_net_dissect(lt, fr.data, fr.caplen, &p, NULL) != SK_OK)
			continue;
		if (p.ipver == 4 && p.fragment && p.proto == 17) {
			const uint8_t *dg;
			size_t dglen;
			if (sk_ipfrag_add(frag, &p, fr.data, fr.caplen, fr.ts_ns, &dg, &dglen) != 1 ||
			    sk_net_dissect(SK_LINK_IPV4, dg, dglen, &p, NULL) != SK_OK)
				continue;
		}
		if (!p.l4)
			continue;
		if (p.proto == 6) {
			if (sk_disc_port_listed(&l->disc, p.sport) || sk_disc_port_listed(&l->disc, p.dport))
				(void)sk_tcpstream_segment(l->tcp, &p, fr.index);
			continue;
		}
		if (p.proto != 17)
			continue;
		int role;
		struct sk_twsess *ts;
		enum sk_disc_how how = sk_disc_udp(&l->disc, &p, fr.ts_ns, &role, &ts);
		if (how != SK_DISC_NOT_TEST)
			l->test_packets++;
		if (!all && (how == SK_DISC_NOT_TEST || role != SK_ROLE_SENDER)) {
			l->reflector += how != SK_DISC_NOT_TEST;
			continue;
		}
		if (p.fragment) {
			l->fragments++; /* IPv6 fragments are not reassembled */
			continue;
		}
		if (!p.payload || p.payload_len < p.payload_wire_len) {
			if (!l->cut++)
				l->first_cut = fr.index;
			continue;
		}
		struct sk_test_opts o;
		memset(&o, 0, sizeof o);
		int restamp = 0;
		if (how != SK_DISC_NOT_TEST && role == SK_ROLE_SENDER) {
			uint8_t dbuf[2048];
			struct sk_disc_prep prep;
			sk_disc_prepare(p.payload, p.payload_len, role, ts, dbuf, sizeof dbuf, &prep);
			o = prep.o;
			if (prep.decrypted >= 0 || (o.proto == SK_PROTO_TWAMP && o.sec != SK_SEC_UNAUTH)) {
				/* TWAMP authenticated/encrypted: new timestamps would need the
				 * session's keys and a fresh encryption. */
				if (!all) {
					l->protected_++;
					continue;
				}
			} else {
				struct sk_test_pkt t;
				struct sk_test_opts od = o;
				od.stamp_key = NULL;
				od.twamp_hmac_key = NULL;
				if (sk_test_decode(p.payload, p.payload_len, &od, &t, NULL, NULL) != SK_OK) {
					if (!l->malformed++)
						l->first_malformed = fr.index;
					if (!all)
						continue;
				} else {
					restamp = 1;
				}
			}
		}
		uint16_t ssid = 0;
		if (restamp && o.proto == SK_PROTO_STAMP && p.payload_len >= 44) {
			struct sk_test_pkt t;
			struct sk_test_opts od = o;
			od.stamp_key = NULL;
			if (sk_test_decode(p.payload, p.payload_len, &od, &t, NULL, NULL) == SK_OK)
				ssid = t.ssid;
		}
		int si = sess_index(l, &p, ssid);
		if (si < 0) {
			l->overflow++;
			continue;
		}
		if (add_pkt(l, &p, fr.ts_ns, si, restamp, restamp ? &o : NULL)) {
			fprintf(stderr, "stampkit %s: out of memory\n", cmd);
			status = 1;
			break;
		}
	}
	if (r < 0) {
		fprintf(stderr, "stampkit %s: warning: %s: capture is damaged (%s); the frames before "
			"the damage are replayed\n", cmd, path, sk_capture_error(cap));
		if (!status)
			status = 3;
	}
	sk_tcpstream_flush(l->tcp, last);
	sk_ipfrag_finish(frag);
	sk_ipfrag_destroy(frag);
	sk_capture_close(cap);
	return status;
}

/* The packet as it leaves: fresh T1 and Error Estimate, the sequence number kept or renumbered,
 * the TLVs kept and the HMACs computed again when a key is given. Returns its length, 0 when it
 * cannot be rebuilt (sent as recorded instead). */
static size_t restamp_pkt(const struct rp_pkt *r, const uint8_t *data, uint8_t *out, size_t cap,
		      int renumber, uint32_t seq, const uint16_t errest[2], const uint8_t *key,
		      size_t key_len, int64_t *t1)
{
	struct sk_test_opts o = { .proto = r->proto, .role = SK_ROLE_SENDER, .sec = r->sec,
				  .features = r->features, .reflect_len = r->reflect_len };
	struct sk_test_pkt p;
	if (sk_test_decode(data, r->len, &o, &p, NULL, NULL) != SK_OK)
		return 0;
	if (renumber)
		p.seq = seq;
	enum sk_ts_fmt fmt = sk_errest_fmt(p.error_estimate);
	p.error_estimate = errest[fmt == SK_TS_PTP];
	const uint8_t *tail = p.tail;
	size_t tail_len = p.tail_len;
	if (key && r->proto == SK_PROTO_STAMP) {
		o.stamp_key = key;
		o.stamp_key_len = key_len;
	}
	/* Where the HMAC TLV is, when one has to be computed again. */
	size_t hmac_at = tail_len, hmac_end = tail_len;
	uint8_t hmac_flags = 0;
	if (key && r->proto == SK_PROTO_STAMP && tail_len) {
		struct sk_tlv_iter it;
		struct sk_tlv tv;
		sk_tlv_iter_init(&it, tail, tail_len, r->len - tail_len);
		while (sk_tlv_next(&it, &tv))
			if (tv.type == SK_TLV_HMAC) {
				hmac_at = tv.off - (r->len - tail_len);
				hmac_end = hmac_at + SK_TLV_HDR_LEN + tv.length;
				hmac_flags = tv.flags;
			}
	}
	*t1 = sk_now_real_ns();
	p.timestamp = sk_ts_from_ns(*t1, fmt, SK_TAI_UTC_DEFAULT);
	p.tail = NULL;
	p.tail_len = 0;
	size_t n = 0;
	if (sk_test_encode(&p, &o, out, cap, &n) != SK_OK || n + tail_len + 32 > cap)
		return 0;
	size_t fixed = n;
	memcpy(out + n, tail, hmac_at);
	n += hmac_at;
	if (hmac_at < tail_len) {
		struct sk_wbuf w;
		sk_wbuf_init(&w, out, cap);
		w.off = n;
		if (sk_tlv_put_hmac(&w, hmac_flags, fixed, key, key_len) != SK_OK || w.err)
			return 0;
		n = w.off;
		memcpy(out + n, tail + hmac_end, tail_len - hmac_end);
		n += tail_len - hmac_end;
	}
	return n;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: stampkit replay [options] FILE --to HOST[:PORT]\n\n"
		"Sends the Session-Sender packets of every test session in FILE (pcap or pcapng,\n"
		"found as `stampkit analyze` finds them) to HOST (port 862 unless given), each\n"
		"re-stamped at send time, listens for the replies and prints analyze's table (or\n"
		"--json) for the replayed run.\n\n"
		"  --to HOST[:PORT]      the device to test (required)\n"
		"  --port N              a test/control port of FILE besides 862 (repeatable)\n"
		"  --session N           replay only session N (numbered in order of appearance,\n"
		"                        repeatable)\n"
		"  --all                 every UDP datagram of FILE, as recorded (test packets of\n"
		"                        the sender are still re-stamped)\n"
		"  --multiplier F        recorded gaps divided by F (2: twice as fast)\n"
		"  --pps N               N packets per second instead of the recorded gaps\n"
		"  --topspeed            as fast as possible\n"
		"  --loop N              send the selection N times (0: until --duration or ^C)\n"
		"  --duration S          stop sending after S seconds\n"
		"  --limit N             send at most N packets\n"
		"  --renumber            sequence numbers afresh from 0 per session, continuing\n"
		"                        across loops (default: as recorded)\n"
		"  --no-restamp          send the recorded timestamps\n"
		"  --auth KEYFILE        STAMP key (the sender's key-file format): base-packet HMAC\n"
		"                        and HMAC TLV computed again\n"
		"  --timeout S           wait at most S seconds for replies after the last send\n"
		"                        (default 2; ends as soon as every reply is in)\n"
		"  --write FILE          save every packet sent and received (nanosecond pcap, kernel\n"
		"                        receive times) for stampkit decode/analyze\n"
		"  --interface IFACE     send through AF_PACKET on IFACE, IP/UDP headers built here\n"
		"                        (replies still arrive on the UDP socket)\n"
		"  --src ADDR            source address written by --interface (default: the\n"
		"                        route's)\n"
		"  --dst-mac MAC         destination link-layer address for --interface\n"
		"  --json                analyze's JSON instead of the table\n"
		"  --tos N, --dscp X   TOS / Traffic Class of every packet (default: as recorded)\n"
		"  --ttl N               TTL / hop limit of the packets sent\n\n"
		"Exit status: 0 done, 1 FILE unreadable or nothing to send or every send failed,\n"
		"2 usage, 3 FILE damaged or packets left out (named on standard error).\n");
}

static int parse_mac(const char *s, uint8_t mac[6])
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

struct rp_batch {
	struct sk_io_msg m[SK_IO_BATCH];
	int64_t due[SK_IO_BATCH];
	unsigned n;
	int sess;
};

struct rp_run {
	uint64_t sent, send_errors, replies, foreign;
	int first_errno;
	size_t first_err_len;
	int ttl, tos;             /* --ttl, --tos for the pcap (-1: not given) */
	struct sk_pcapout *pc;
};

static void flush(struct rp_run *run, struct rp_load *l, struct rp_batch *b,
		  const struct sockaddr_storage *remote)
{
	unsigned done = 0;
	struct rp_sess *s = &l->sess[b->sess];
	while (done < b->n) {
		int k = s->io.ops->send_batch(&s->io, b->m + done, b->n - done);
		if (k <= 0) {
			if (!run->send_errors++) {
				run->first_errno = errno;
				run->first_err_len = b->m[done].len;
			}
			k = 1;
		} else if (run->pc) {
			for (int j = 0; j < k; j++)
				sk_pcapout_write(run->pc, b->due[done + (unsigned)j],
						 (struct sockaddr *)&s->me, (const struct sockaddr *)remote,
						 run->ttl,
						 b->m[done + (unsigned)j].set_tos >= 0
							 ? b->m[done + (unsigned)j].set_tos : run->tos,
						 b->m[done + (unsigned)j].buf,
						 b->m[done + (unsigned)j].len);
		}
		done += (unsigned)k;
	}
	run->sent += b->n;
	b->n = 0;
}

static void receive(struct rp_run *run, struct rp_load *l, struct sk_io_msg *rx,
		    const struct sockaddr_storage *remote)
{
	for (unsigned i = 0; i < l->nsess; i++) {
		struct rp_sess *s = &l->sess[i];
		if (s->io.fd < 0 || !s->packets)
			continue;
		for (;;) {
			int n = s->io.ops->recv_batch(&s->io, rx, SK_IO_BATCH);
			if (n <= 0)
				break;
			int64_t now = sk_now_real_ns();
			for (int j = 0; j < n; j++) {
				if (!sk_sockaddr_equal((struct sockaddr *)&rx[j].peer,
						       (const struct sockaddr *)remote)) {
					run->foreign++;
					continue;
				}
				run->replies++;
				if (run->pc)
					sk_pcapout_write(run->pc, rx[j].rx_ns ? rx[j].rx_ns : now,
							 (struct sockaddr *)&rx[j].peer,
							 (struct sockaddr *)&s->me, rx[j].ttl, rx[j].tos,
							 rx[j].buf, rx[j].len);
			}
		}
	}
}

int cmd_replay(int argc, char **argv)
{
	struct sk_liveopt lo;
	sk_liveopt_init(&lo);
	enum { O_TO = SK_OPT_LOCAL_BASE, O_PORT, O_SESSION, O_ALL, O_MULT, O_PPS, O_TOP, O_LOOP,
	       O_DURATION, O_LIMIT, O_RENUMBER, O_NORESTAMP, O_TIMEOUT, O_WRITE, O_IFACE, O_SRC,
	       O_DSTMAC };
	static const struct option longopts[] = {
		SK_LIVEOPT_LONG,
		{ "to", required_argument, NULL, O_TO },
		{ "port", required_argument, NULL, O_PORT },
		{ "session", required_argument, NULL, O_SESSION },
		{ "all", no_argument, NULL, O_ALL },
		{ "multiplier", required_argument, NULL, O_MULT },
		{ "pps", required_argument, NULL, O_PPS },
		{ "topspeed", no_argument, NULL, O_TOP },
		{ "loop", required_argument, NULL, O_LOOP },
		{ "duration", required_argument, NULL, O_DURATION },
		{ "limit", required_argument, NULL, O_LIMIT },
		{ "renumber", no_argument, NULL, O_RENUMBER },
		{ "no-restamp", no_argument, NULL, O_NORESTAMP },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "write", required_argument, NULL, O_WRITE },
		{ "interface", required_argument, NULL, O_IFACE },
		{ "src", required_argument, NULL, O_SRC },
		{ "dst-mac", required_argument, NULL, O_DSTMAC },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = argv[0], *to = NULL, *write_path = NULL, *iface = NULL, *src = NULL;
	uint16_t ports[RP_MAX_PORTS];
	int nports = 0, all = 0, topspeed = 0, renumber = 0, norestamp = 0;
	unsigned char want[RP_MAX_SESS + 1];
	int any_want = 0;
	memset(want, 0, sizeof want);
	double mult = 1, pps = 0, duration = 0, timeout_s = 2;
	long loops = 1, limit = 0;
	uint8_t dst_mac[6] = { 0 };
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, SK_LIVEOPT_SHORT "h", longopts, NULL)) != -1) {
		if (c == SK_OPT_PADDING || c == SK_OPT_MODE || c == SK_OPT_TIMESTAMP) {
			fprintf(stderr, "stampkit %s: the packets' mode, padding and timestamp format "
				"are those of the capture\n", cmd);
			return 2;
		}
		int r = sk_liveopt_handle(&lo, c, optarg, cmd);
		if (r < 0)
			return 2;
		if (r > 0)
			continue;
		long v;
		switch (c) {
		case O_TO: to = optarg; break;
		case O_PORT:
			if (nports == RP_MAX_PORTS || sk_parse_long(optarg, 1, 65535, &v)) {
				fprintf(stderr, "stampkit %s: --port: 1..65535, at most %d\n", cmd, RP_MAX_PORTS);
				return 2;
			}
			ports[nports++] = (uint16_t)v;
			break;
		case O_SESSION:
			if (sk_parse_long(optarg, 1, RP_MAX_SESS, &v)) {
				fprintf(stderr, "stampkit %s: --session: 1..%d\n", cmd, RP_MAX_SESS);
				return 2;
			}
			want[v] = 1;
			any_want = 1;
			break;
		case O_ALL: all = 1; break;
		case O_MULT:
			if (sk_parse_double(optarg, 1e6, &mult) || mult <= 0) {
				fprintf(stderr, "stampkit %s: --multiplier: expected a number > 0\n", cmd);
				return 2;
			}
			break;
		case O_PPS:
			if (sk_parse_double(optarg, 1e8, &pps) || pps <= 0) {
				fprintf(stderr, "stampkit %s: --pps: expected packets per second > 0\n", cmd);
				return 2;
			}
			break;
		case O_TOP: topspeed = 1; break;
		case O_LOOP:
			if (sk_parse_long(optarg, 0, 100000000, &loops)) {
				fprintf(stderr, "stampkit %s: --loop: expected 0..100000000\n", cmd);
				return 2;
			}
			break;
		case O_DURATION:
			if (sk_parse_double(optarg, 86400 * 365, &duration) || duration <= 0) {
				fprintf(stderr, "stampkit %s: --duration: expected seconds > 0\n", cmd);
				return 2;
			}
			break;
		case O_LIMIT:
			if (sk_parse_long(optarg, 1, 1000000000, &limit)) {
				fprintf(stderr, "stampkit %s: --limit: expected 1..1000000000\n", cmd);
				return 2;
			}
			break;
		case O_RENUMBER: renumber = 1; break;
		case O_NORESTAMP: norestamp = 1; break;
		case O_TIMEOUT:
			if (sk_parse_double(optarg, 3600, &timeout_s)) {
				fprintf(stderr, "stampkit %s: --timeout: expected seconds >= 0\n", cmd);
				return 2;
			}
			break;
		case O_WRITE: write_path = optarg; break;
		case O_IFACE: iface = optarg; break;
		case O_SRC: src = optarg; break;
		case O_DSTMAC:
			if (parse_mac(optarg, dst_mac)) {
				fprintf(stderr, "stampkit %s: --dst-mac: expected aa:bb:cc:dd:ee:ff\n", cmd);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (argc - optind != 1 || !to) {
		fprintf(stderr, "stampkit %s: expected FILE and --to HOST[:PORT]\n", cmd);
		usage(stderr);
		return 2;
	}
	if ((pps > 0) + topspeed + (mult != 1) > 1) {
		fprintf(stderr, "stampkit %s: one of --multiplier, --pps, --topspeed\n", cmd);
		return 2;
	}
	if ((src || dst_mac[0] | dst_mac[1] | dst_mac[2] | dst_mac[3] | dst_mac[4] | dst_mac[5]) &&
	    !iface) {
		fprintf(stderr, "stampkit %s: --src and --dst-mac go with --interface\n", cmd);
		return 2;
	}
	if (sk_liveopt_finish(&lo, cmd))
		return 2;
	if (loops == 0 && duration <= 0 && !limit) {
		fprintf(stderr, "stampkit %s: --loop 0 needs --duration or --limit\n", cmd);
		return 2;
	}
	if (duration > 0 && loops == 1)
		loops = 0; /* repeat until the time is up */

	char err[300];
	struct sockaddr_storage remote;
	socklen_t rlen;
	if (sk_addr_parse(to, 862, 0, false, &remote, &rlen, err, sizeof err)) {
		fprintf(stderr, "stampkit %s: --to %s\n", cmd, err);
		return 2;
	}
	uint8_t rfam, raddr[16];
	uint16_t rport;
	sk_sockaddr_unpack((struct sockaddr *)&remote, &rfam, raddr, &rport);

	struct rp_load *l = calloc(1, sizeof *l);
	if (!l || sk_disc_init(&l->disc, ports, nports, 0, NULL, 0) || sk_crypto_init() != SK_OK) {
		fprintf(stderr, "stampkit %s: out of memory\n", cmd);
		free(l);
		return 1;
	}
	const char *file = argv[optind];
	int status = load(l, file, all, cmd);
	sk_tcpstream_destroy(l->tcp);
	sk_disc_free(&l->disc);
	if (status == 1)
		goto out;
	if (l->cut)
		fprintf(stderr, "stampkit %s: %s: %" PRIu64 " test packets cut short by the capture's "
			"snap length (first: frame %" PRIu64 ") not sent\n", cmd, file, l->cut,
			l->first_cut);
	if (l->fragments)
		fprintf(stderr, "stampkit %s: %s: %" PRIu64 " test packets are IPv6 fragments (not "
			"reassembled), not sent\n", cmd, file, l->fragments);
	if (l->protected_)
		fprintf(stderr, "stampkit %s: %s: %" PRIu64 " TWAMP authenticated or encrypted test "
			"packets not sent (they cannot be re-stamped without the session keys)\n",
			cmd, file, l->protected_);
	if (l->malformed)
		fprintf(stderr, "stampkit %s: %s: %" PRIu64 " malformed test packets (first: frame %"
			PRIu64 ") %s\n", cmd, file, l->malformed, l->first_malformed,
			all ? "sent as recorded" : "not sent");
	if (l->overflow)
		fprintf(stderr, "stampkit %s: %s: more than %d sessions: %" PRIu64 " packets of further "
			"sessions not sent\n", cmd, file, RP_MAX_SESS, l->overflow);
	if (l->cut || l->fragments || l->protected_ || l->malformed || l->overflow)
		status = 3;
	/* The selection: sessions picked, then packets in capture order. */
	size_t nsel = 0;
	for (size_t i = 0; i < l->npkts; i++) {
		struct rp_pkt *r = &l->pkts[i];
		if (any_want && !want[r->sess + 1])
			continue;
		l->pkts[nsel++] = *r;
	}
	for (unsigned i = 1; i <= RP_MAX_SESS; i++)
		if (want[i] && i > l->nsess) {
			fprintf(stderr, "stampkit %s: %s has %u test sessions: no session %u\n", cmd,
				file, l->nsess, i);
			status = 2;
			goto out;
		}
	if (!nsel) {
		fprintf(stderr, "stampkit %s: %s: no test packets to replay (%" PRIu64 " frames; test "
			"packets are looked for on UDP 862, on --port and on ports negotiated by "
			"TWAMP-Control)\n", cmd, file, l->frames);
		status = 1;
		goto out;
	}
	for (unsigned i = 0; i < l->nsess; i++)
		l->sess[i].packets = 0;
	for (size_t i = 0; i < nsel; i++)
		l->sess[l->pkts[i].sess].packets++;

	/* One socket per session so the device tells them apart as it did in the capture. */
	struct sockaddr_storage local;
	socklen_t llen;
	if (sk_addr_parse(src ? src : "", 0, rfam, true, &local, &llen, err, sizeof err)) {
		fprintf(stderr, "stampkit %s: --src %s\n", cmd, err);
		status = 2;
		goto out;
	}
	if (iface && !src) {
		struct sockaddr_storage me;
		if (sk_source_for((struct sockaddr *)&remote, rlen, 0, &me)) {
			fprintf(stderr, "stampkit %s: no route to %s: give --src\n", cmd, to);
			status = 1;
			goto out;
		}
		memcpy(&local, &me, sizeof me);
		llen = rfam == 6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	}
	struct sk_io_opts io_opts = {
		.tos = lo.tos, .ttl = lo.ttl, .dont_fragment = lo.dont_fragment, .rx_timestamps = true,
		.bufsize = 4 << 20, .raw_iface = iface, .freebind = iface != NULL,
	};
	memcpy(io_opts.raw_mac, dst_mac, 6);
	for (unsigned i = 0; i < l->nsess; i++) {
		struct rp_sess *s = &l->sess[i];
		if (!s->packets)
			continue;
		s->io.ops = iface ? &sk_io_raw : &sk_io_udp;
		if (s->io.ops->open(&s->io, (struct sockaddr *)&local, llen, &io_opts, err, sizeof err)) {
			fprintf(stderr, "stampkit %s: %s\n", cmd, err);
			s->io.fd = -1;
			status = 1;
			goto out;
		}
		uint8_t bf, ba[16];
		uint16_t bp;
		sk_sockaddr_unpack((struct sockaddr *)&s->io.bound, &bf, ba, &bp);
		if (src) {
			memcpy(&s->me, &s->io.bound, sizeof s->me);
		} else if (sk_source_for((struct sockaddr *)&remote, rlen, bp, &s->me)) {
			fprintf(stderr, "stampkit %s: cannot send to %s: %s\n", cmd, to, strerror(errno));
			status = 1;
			goto out;
		}
	}

	/* Everything sent and received goes to a pcap that analyze's engine then reads. */
	char tmp[] = "/tmp/stampkit-replay-XXXXXX";
	const char *pcap_path = write_path;
	if (!pcap_path) {
		int fd = mkstemp(tmp);
		if (fd < 0) {
			fprintf(stderr, "stampkit %s: temporary file: %s\n", cmd, strerror(errno));
			status = 1;
			goto out;
		}
		close(fd);
		pcap_path = tmp;
	}
	struct rp_run run;
	memset(&run, 0, sizeof run);
	run.ttl = lo.ttl;
	run.tos = lo.tos;
	run.pc = sk_pcapout_open(pcap_path, err, sizeof err);
	if (!run.pc) {
		fprintf(stderr, "stampkit %s: --write: %s\n", cmd, err);
		if (!write_path)
			unlink(tmp);
		status = 1;
		goto out;
	}

	/* Schedule: offsets from the first packet, recorded (divided by --multiplier), at --pps,
	 * or none; a loop lasts the selection plus one mean gap. */
	int64_t *offs = malloc(nsel * sizeof *offs);
	uint32_t *next_seq = calloc(RP_MAX_SESS, sizeof *next_seq);
	uint8_t *txbuf = malloc((size_t)SK_IO_BATCH * RP_MAX_PKT);
	uint8_t *rxbuf = malloc((size_t)SK_IO_BATCH * RP_MAX_PKT);
	struct rp_batch *b = calloc(1, sizeof *b);
	struct sk_io_msg *rx = calloc(SK_IO_BATCH, sizeof *rx);
	if (!offs || !next_seq || !txbuf || !rxbuf || !b || !rx) {
		fprintf(stderr, "stampkit %s: out of memory\n", cmd);
		status = 1;
		goto out2;
	}
	for (size_t i = 0; i < nsel; i++)
		offs[i] = topspeed ? 0
			  : pps > 0 ? (int64_t)((double)i * 1e9 / pps)
				    : (int64_t)((double)(l->pkts[i].ts_ns - l->pkts[0].ts_ns) / mult);
	int64_t period = offs[nsel - 1] + (nsel > 1 ? offs[nsel - 1] / (int64_t)(nsel - 1) : 0);
	if (pps > 0)
		period = (int64_t)((double)nsel * 1e9 / pps);
	if (period <= 0 && !topspeed)
		period = 1000000; /* one packet: once a millisecond */
	for (int i = 0; i < SK_IO_BATCH; i++) {
		b->m[i].buf = txbuf + (size_t)i * RP_MAX_PKT;
		b->m[i].cap = RP_MAX_PKT;
		b->m[i].set_tos = -1;
		memcpy(&b->m[i].peer, &remote, sizeof remote);
		b->m[i].peerlen = rlen;
		rx[i].buf = rxbuf + (size_t)i * RP_MAX_PKT;
		rx[i].cap = RP_MAX_PKT;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	bool synced;
	uint16_t errest[2] = { sk_clock_errest(SK_TS_NTP, &synced),
			       (uint16_t)(sk_clock_errest(SK_TS_PTP, &synced) | 0x4000) };
	struct pollfd pfd[RP_MAX_SESS];
	nfds_t npfd = 0;
	for (unsigned i = 0; i < l->nsess; i++)
		if (l->sess[i].packets)
			pfd[npfd++] = (struct pollfd){ .fd = l->sess[i].io.fd, .events = POLLIN };
	uint64_t total = loops ? (uint64_t)loops * nsel : UINT64_MAX;
	if (limit && (uint64_t)limit < total)
		total = (uint64_t)limit;
	uint64_t k = 0; /* next packet of the whole run: loop k / nsel, index k % nsel */
	uint64_t restamped = 0;
	int64_t start = sk_now_mono_ns(), end_send = duration > 0 ? start + (int64_t)(duration * 1e9) : 0;
	int64_t deadline = 0, last_mono = start;
	bool interrupted = false;
	b->n = 0;
	b->sess = -1;
	for (;;) {
		int64_t now = sk_now_mono_ns();
		if (stop_flag) {
			interrupted = true;
			if (b->n)
				flush(&run, l, b, &remote);
			break;
		}
		if (k < total && end_send && now >= end_send)
			total = k;
		while (k < total) {
			const struct rp_pkt *r = &l->pkts[k % nsel];
			uint64_t lp = k / nsel;
			int64_t due = start + (int64_t)lp * period + offs[k % nsel];
			if (due > now)
				break;
			/* One batch per turn, so replies are read between batches even at top speed. */
			if (b->n == SK_IO_BATCH)
				break;
			if (b->n && b->sess != r->sess)
				flush(&run, l, b, &remote);
			struct sk_io_msg *m = &b->m[b->n];
			const uint8_t *data = l->buf + r->off;
			int64_t t1 = 0;
			size_t n = 0;
			if (r->restamp && !norestamp) {
				n = restamp_pkt(r, data, m->buf, m->cap, renumber, next_seq[r->sess]++, errest,
					    lo.key_len ? lo.key : NULL, lo.key_len, &t1);
				restamped += n > 0;
			}
			if (!n) {
				memcpy(m->buf, data, r->len);
				n = r->len;
				t1 = sk_now_real_ns();
			}
			m->len = n;
			m->set_tos = lo.tos >= 0 ? -1 : r->tos;
			b->due[b->n] = t1;
			b->sess = r->sess;
			b->n++;
			k++;
		}
		if (b->n)
			flush(&run, l, b, &remote);
		last_mono = sk_now_mono_ns();
		receive(&run, l, rx, &remote);
		if (k >= total) {
			if (!deadline)
				deadline = sk_now_mono_ns() + (int64_t)(timeout_s * 1e9);
			if ((!all && run.replies >= run.sent - run.send_errors) ||
			    sk_now_mono_ns() >= deadline)
				break;
		}
		int64_t wake = k < total ? start + (int64_t)(k / nsel) * period + offs[k % nsel]
					 : deadline;
		if (end_send && k < total && wake > end_send)
			wake = end_send;
		int64_t d = wake - sk_now_mono_ns();
		if (d > 0) {
			struct timespec rel = { .tv_sec = d / 1000000000LL, .tv_nsec = d % 1000000000LL };
			(void)ppoll(pfd, npfd, &rel, NULL);
		}
	}
	double secs = (double)(last_mono - start) / 1e9;
	sk_pcapout_close(run.pc);
	run.pc = NULL;
	fprintf(stderr, "stampkit %s: sent %" PRIu64 " packets (%" PRIu64 " re-stamped) of %zu "
		"selected in %.3f s (%.0f packets/s), %" PRIu64 " replies%s\n", cmd, run.sent,
		restamped, nsel, secs, secs > 0 ? (double)run.sent / secs : 0.0, run.replies,
		interrupted ? "; interrupted" : "");
	if (run.foreign)
		fprintf(stderr, "stampkit %s: %" PRIu64 " datagrams from elsewhere ignored\n", cmd,
			run.foreign);
	if (run.send_errors) {
		errno = run.first_errno;
		fprintf(stderr, "stampkit %s: %" PRIu64 " packets could not be sent to %s (first: %zu "
			"octets: %s)\n", cmd, run.send_errors, to, run.first_err_len,
			strerror(run.first_errno));
		if (run.send_errors == run.sent) {
			status = 1;
			goto out3;
		}
		status = 3;
	}
	{
		struct sk_analyze_opts ao;
		memset(&ao, 0, sizeof ao);
		ao.json = lo.json;
		ao.reflector = SK_REFLECTOR_AUTO;
		ao.files[0] = pcap_path;
		ao.nfiles = 1;
		ao.cp[0] = SK_AN_CP_SENDER;
		if (rport != 862)
			ao.ports[ao.nports++] = rport;
		int as = sk_analyze_run(&ao, stdout, stderr);
		if (as && !status)
			status = as;
	}
out3:
	if (!write_path)
		unlink(tmp);
out2:
	free(offs);
	free(next_seq);
	free(txbuf);
	free(rxbuf);
	free(b);
	free(rx);
out:
	for (unsigned i = 0; i < l->nsess; i++)
		if (l->sess[i].io.fd >= 0 && l->sess[i].io.ops)
			l->sess[i].io.ops->close(&l->sess[i].io);
	free(l->pkts);
	free(l->buf);
	free(l);
	return status;
}
