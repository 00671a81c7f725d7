/* SPDX-License-Identifier: BSD-3-Clause */
/* responder.c - `stampkit responder` (alias `reflector`): a STAMP (RFC 8762 §4.3, RFC 8972)
 * and TWAMP-light (RFC 5357 §4.2) Session-Reflector over the I/O layer; the replies are
 * built by the codec (reflect.h). */
#include <errno.h>
#include <arpa/inet.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "liveopt.h"
#include "pcapout.h"
#include "udpio.h"
#include "stampkit/reflect.h"
#include "stampkit/testpkt.h"
#include "stampkit/timestamp.h"

#define DEFAULT_PORT 862
#define TXRING 4096
#define PROBE 128

struct session {
	bool used;
	uint8_t family;
	uint8_t addr[16];
	uint16_t port, ssid;
	uint32_t epoch;
	int64_t last_ns; /* monotonic time of the last request */
	uint32_t last_sender_seq;
	struct sk_reflect_state st;
};

struct counters {
	uint64_t received, reflected, malformed, oversized, refused_short, refused_auth,
		refused_self, refused_allow, refused_rate, send_errors, tlv_unknown, tlv_malformed,
		tlv_hmac_bad, sessions_full;
};

/* --allow: address prefixes whose requests are answered (none given: everyone). */
#define MAX_ALLOW 32
struct prefix {
	uint8_t family, len;
	uint8_t addr[16];
};

static int parse_prefix(const char *s, struct prefix *p)
{
	char buf[80];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	if (n >= sizeof buf)
		return -1;
	memcpy(buf, s, n);
	buf[n] = 0;
	memset(p, 0, sizeof *p);
	if (inet_pton(AF_INET, buf, p->addr) == 1)
		p->family = 4;
	else if (inet_pton(AF_INET6, buf, p->addr) == 1)
		p->family = 6;
	else
		return -1;
	long len = p->family == 4 ? 32 : 128;
	if (slash && sk_parse_long(slash + 1, 0, len, &len))
		return -1;
	p->len = (uint8_t)len;
	return 0;
}

static bool prefix_match(const struct prefix *p, uint8_t family, const uint8_t *a)
{
	if (p->family != family)
		return false;
	unsigned full = p->len / 8, rest = p->len % 8;
	if (memcmp(p->addr, a, full))
		return false;
	return !rest || ((p->addr[full] ^ a[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

/* --rate-limit: a token bucket per source address in a fixed table (a new source takes
 * the slot of the oldest it collides with), so a flood from one address cannot take the
 * reflector from the others. */
#define RL_SLOTS 4096
struct bucket {
	uint8_t family;
	uint8_t addr[16];
	double tokens;
	int64_t last_ns;
};

static bool rate_ok(struct bucket *t, double pps, uint8_t family, const uint8_t *a, int64_t now)
{
	uint32_t h = 2166136261u ^ family;
	for (int i = 0; i < 16; i++)
		h = (h ^ a[i]) * 16777619u;
	struct bucket *b = &t[h % RL_SLOTS];
	if (b->family != family || memcmp(b->addr, a, 16)) {
		b->family = family;
		memcpy(b->addr, a, 16);
		b->tokens = pps; /* one second of burst */
		b->last_ns = now;
	}
	b->tokens += (double)(now - b->last_ns) * 1e-9 * pps;
	if (b->tokens > pps)
		b->tokens = pps;
	b->last_ns = now;
	if (b->tokens < 1)
		return false;
	b->tokens -= 1;
	return true;
}

static volatile sig_atomic_t stop_flag, dump_flag;

static void on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void on_usr1(int sig)
{
	(void)sig;
	dump_flag = 1;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: stampkit responder [options] [LOCAL]\n"
		"       (alias: stampkit reflector)\n\n"
		"Reflects STAMP (default) or TWAMP-light test packets. LOCAL is ip, ip:port, :port,\n"
		"[v6]:port, [v6], a bare IPv6 address or a host name; default ':862' on every IPv4\n"
		"and IPv6 address (twampy's default was :20001).\n\n"
		"Responder options:\n"
		"  --stateful            own sequence numbers per session (RFC 8762 §4.3.2); the\n"
		"                        default in STAMP is stateless (copy the sender's number);\n"
		"                        TWAMP-light replies always carry their own numbers\n"
		"  --timer S             forget a session idle for S seconds (default 30)\n"
		"  --allow-short         answer TWAMP-light requests shorter than 41 octets with a\n"
		"                        41-octet reply (larger than the request: off by default)\n"
		"  --max-size N          largest request accepted (default 9216 octets)\n"
		"  --max-sessions N      sessions remembered at once (default 4096)\n"
		"  --allow PREFIX        answer only these sources (repeatable; 192.0.2.0/24, ::1)\n"
		"  --rate-limit PPS      answer at most PPS requests per second per source address\n"
		"  --pcap-out FILE       write every datagram received and every reply sent\n"
		"                        (nanosecond pcap, raw IP, kernel receive times)\n"
		"  --raw IFACE           reflect at layer 2 on IFACE (AF_PACKET): LOCAL is the\n"
		"                        ADDRESS:PORT answered, the interface needs no IP address\n\n");
	sk_liveopt_help(out);
	fprintf(out, "\nCounters go to standard output at exit (SIGINT/SIGTERM) and on SIGUSR1.\n");
}

static void print_counters(const struct counters *c, bool json)
{
	if (json)
		printf("{\"type\":\"responder\",\"received\":%llu,\"reflected\":%llu,\"malformed\":%llu,"
		       "\"oversized\":%llu,\"refused\":{\"short\":%llu,\"auth\":%llu,\"self\":%llu,"
		       "\"allow\":%llu,\"rate\":%llu},"
		       "\"send_errors\":%llu,\"tlv\":{\"unknown\":%llu,\"malformed\":%llu,"
		       "\"hmac_bad\":%llu},\"sessions_full\":%llu}\n",
		       (unsigned long long)c->received, (unsigned long long)c->reflected,
		       (unsigned long long)c->malformed, (unsigned long long)c->oversized,
		       (unsigned long long)c->refused_short, (unsigned long long)c->refused_auth,
		       (unsigned long long)c->refused_self, (unsigned long long)c->refused_allow,
		       (unsigned long long)c->refused_rate, (unsigned long long)c->send_errors,
		       (unsigned long long)c->tlv_unknown, (unsigned long long)c->tlv_malformed,
		       (unsigned long long)c->tlv_hmac_bad, (unsigned long long)c->sessions_full);
	else
		printf("received %llu reflected %llu malformed %llu oversized %llu refused %llu "
		       "(short %llu, auth %llu, self %llu, allow %llu, rate %llu) send-errors %llu "
		       "tlv-unknown %llu tlv-malformed %llu tlv-hmac-bad %llu\n",
		       (unsigned long long)c->received, (unsigned long long)c->reflected,
		       (unsigned long long)c->malformed, (unsigned long long)c->oversized,
		       (unsigned long long)(c->refused_short + c->refused_auth + c->refused_self +
					    c->refused_allow + c->refused_rate),
		       (unsigned long long)c->refused_short, (unsigned long long)c->refused_auth,
		       (unsigned long long)c->refused_self, (unsigned long long)c->refused_allow,
		       (unsigned long long)c->refused_rate, (unsigned long long)c->send_errors,
		       (unsigned long long)c->tlv_unknown, (unsigned long long)c->tlv_malformed,
		       (unsigned long long)c->tlv_hmac_bad);
	fflush(stdout);
}

static uint32_t hash_key(uint8_t fam, const uint8_t *a, uint16_t port, uint16_t ssid)
{
	uint32_t h = 2166136261u ^ fam;
	for (int i = 0; i < 16; i++)
		h = (h ^ a[i]) * 16777619u;
	h = (h ^ port) * 16777619u;
	h = (h ^ ssid) * 16777619u;
	return h;
}

struct table {
	struct session *s;
	size_t cap;
	int64_t idle_ns;
	uint32_t epoch;
};

/* Open addressing; a slot idle past the timer is reused. NULL when full. */
static struct session *lookup(struct table *t, uint8_t fam, const uint8_t *a, uint16_t port,
			      uint16_t ssid, int64_t now)
{
	uint32_t h = hash_key(fam, a, port, ssid);
	struct session *free_slot = NULL;
	/* A bounded probe: a flood of new sources costs at most PROBE slots per packet. */
	size_t probe = t->cap < PROBE ? t->cap : PROBE;
	for (size_t i = 0; i < probe; i++) {
		struct session *s = &t->s[(h + i) % t->cap];
		if (!s->used) {
			if (!free_slot)
				free_slot = s;
			break;
		}
		if (s->family == fam && s->port == port && s->ssid == ssid && !memcmp(s->addr, a, 16))
			return s;
		if (!free_slot && now - s->last_ns > t->idle_ns)
			free_slot = s;
	}
	if (!free_slot)
		return NULL;
	memset(free_slot, 0, sizeof *free_slot);
	free_slot->used = true;
	free_slot->family = fam;
	memcpy(free_slot->addr, a, 16);
	free_slot->port = port;
	free_slot->ssid = ssid;
	free_slot->epoch = ++t->epoch;
	free_slot->last_ns = now;
	return free_slot;
}

struct txslot {
	struct session *s;
	uint32_t epoch, id, seq;
	bool used;
};

/* Kernel transmit timestamps: the true send time of each reply, for the Follow-Up
 * Telemetry TLV of the next one (RFC 8972 §4.7). */
static void drain_tx_timestamps(struct sk_io *io, struct txslot *ring)
{
	uint32_t id;
	int64_t ns;
	while (io->ops->tx_timestamp(io, &id, &ns)) {
		struct txslot *ts = &ring[id % TXRING];
		if (ts->used && ts->id == id && ts->s->epoch == ts->epoch)
			sk_reflect_note_tx(&ts->s->st, ts->seq, ns, 2);
		ts->used = false;
	}
}

/* --pcap-out: a received datagram (peer -> local) or a reply (local -> peer). */
static void pcap_msg(struct sk_pcapout *pc, int64_t ns, const struct sk_io_msg *m,
		     uint16_t port, bool received, int ttl, int tos)
{
	struct sockaddr_storage local;
	memcpy(&local, &m->local, sizeof local);
	if (local.ss_family == AF_INET)
		((struct sockaddr_in *)&local)->sin_port = htons(port);
	else if (local.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&local)->sin6_port = htons(port);
	else
		return;
	if (received)
		sk_pcapout_write(pc, ns, (const struct sockaddr *)&m->peer,
				 (const struct sockaddr *)&local, m->ttl, m->tos, m->buf, m->len);
	else
		sk_pcapout_write(pc, ns, (const struct sockaddr *)&local,
				 (const struct sockaddr *)&m->peer, ttl, m->set_tos >= 0 ? m->set_tos : tos,
				 m->buf, m->len);
}

int cmd_responder(int argc, char **argv)
{
	struct sk_liveopt lo;
	sk_liveopt_init(&lo);
	bool stateful = false, allow_short = false;
	long timer = 30, max_size = 9216, max_sessions = 4096;
	enum { O_STATEFUL = SK_OPT_LOCAL_BASE, O_TIMER, O_SHORT, O_MAXSIZE, O_MAXSESS, O_ALLOW,
	       O_RATE, O_PCAP, O_RAW };
	const char *pcap_path = NULL;
	const char *raw_iface = NULL;
	struct prefix allow[MAX_ALLOW];
	unsigned nallow = 0;
	double rate_limit = 0;
	static const struct option longopts[] = {
		SK_LIVEOPT_LONG,
		{ "stateful", no_argument, NULL, O_STATEFUL },
		{ "timer", required_argument, NULL, O_TIMER },
		{ "allow-short", no_argument, NULL, O_SHORT },
		{ "max-size", required_argument, NULL, O_MAXSIZE },
		{ "max-sessions", required_argument, NULL, O_MAXSESS },
		{ "allow", required_argument, NULL, O_ALLOW },
		{ "rate-limit", required_argument, NULL, O_RATE },
		{ "pcap-out", required_argument, NULL, O_PCAP },
		{ "raw", required_argument, NULL, O_RAW },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = argv[0];
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, SK_LIVEOPT_SHORT "h", longopts, NULL)) != -1) {
		int r = sk_liveopt_handle(&lo, c, optarg, cmd);
		if (r < 0)
			return 2;
		if (r > 0)
			continue;
		switch (c) {
		case O_STATEFUL: stateful = true; break;
		case O_SHORT: allow_short = true; break;
		case O_TIMER:
			if (sk_parse_long(optarg, 0, 86400, &timer)) {
				fprintf(stderr, "stampkit %s: --timer: expected 0..86400 seconds\n", cmd);
				return 2;
			}
			if (timer == 0)
				timer = 30; /* twampy's "0": its fixed 30 s */
			break;
		case O_MAXSIZE:
			if (sk_parse_long(optarg, 44, 65535, &max_size)) {
				fprintf(stderr, "stampkit %s: --max-size: expected 44..65535\n", cmd);
				return 2;
			}
			break;
		case O_MAXSESS:
			if (sk_parse_long(optarg, 1, 1 << 22, &max_sessions)) {
				fprintf(stderr, "stampkit %s: --max-sessions: expected 1..4194304\n", cmd);
				return 2;
			}
			break;
		case O_PCAP:
			pcap_path = optarg;
			break;
		case O_RAW:
			raw_iface = optarg;
			break;
		case O_ALLOW:
			if (nallow == MAX_ALLOW || parse_prefix(optarg, &allow[nallow])) {
				fprintf(stderr, "stampkit %s: --allow %s: expected ADDRESS[/LEN] "
					"(at most %d)\n", cmd, optarg, MAX_ALLOW);
				return 2;
			}
			nallow++;
			break;
		case O_RATE:
			if (sk_parse_double(optarg, 1e9, &rate_limit) || rate_limit < 1) {
				fprintf(stderr, "stampkit %s: --rate-limit: expected packets per second >= 1\n",
					cmd);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (argc - optind > 1) {
		fprintf(stderr, "stampkit %s: one LOCAL address at most\n", cmd);
		return 2;
	}
	if (lo.padding != -2)
		fprintf(stderr, "stampkit %s: note: --padding is ignored: replies are as long as the "
			"requests (RFC 6038 symmetric size)\n", cmd);
	if (sk_liveopt_finish(&lo, cmd))
		return 2;

	char err[300];
	struct sockaddr_storage local;
	socklen_t llen;
	const char *ls = optind < argc ? argv[optind] : "";
	if (sk_addr_parse(ls, DEFAULT_PORT, 0, true, &local, &llen, err, sizeof err)) {
		fprintf(stderr, "stampkit %s: %s\n", cmd, err);
		return 2;
	}
	struct sk_io io = { .ops = raw_iface ? &sk_io_l2 : &sk_io_udp, .fd = -1 };
	struct sk_io_opts io_opts = {
		.tos = lo.tos, .ttl = lo.ttl, .dont_fragment = lo.dont_fragment,
		.rx_timestamps = true,
		.dual_stack = true, .bufsize = 4 << 20, .hw_iface = lo.hw_iface, .raw_iface = raw_iface,
	};
	if (io.ops->open(&io, (struct sockaddr *)&local, llen, &io_opts, err, sizeof err)) {
		/* No IPv6 on this host: the wildcard falls back to IPv4. */
		bool wild6 = !raw_iface && (!ls[0] || ls[0] == ':');
		if (wild6 && local.ss_family == AF_INET6 && strstr(err, "socket:")) {
			sk_addr_parse(ls, DEFAULT_PORT, 4, true, &local, &llen, err, sizeof err);
			if (!io.ops->open(&io, (struct sockaddr *)&local, llen, &io_opts, err, sizeof err))
				goto opened;
		}
		fprintf(stderr, "stampkit %s: %s\n", cmd, err);
		return 1;
	}
opened:;
	char bs[80];
	sk_sockaddr_str((struct sockaddr *)&io.bound, bs, sizeof bs);
	uint8_t bfam, baddr[16];
	uint16_t bport;
	sk_sockaddr_unpack((struct sockaddr *)&io.bound, &bfam, baddr, &bport);
	sk_log(SK_LOG_INFO, "Wait to receive test packets on %s (%s, %s)", bs,
	       lo.proto == SK_PROTO_STAMP ? "STAMP" : "TWAMP-light",
	       lo.proto == SK_PROTO_TWAMP || stateful ? "stateful" : "stateless");

	struct sk_reflect_cfg cfg = {
		.proto = (uint8_t)lo.proto, .sec = lo.key_len ? SK_SEC_AUTH : SK_SEC_UNAUTH,
		.stateful = stateful, .allow_short = allow_short,
		.key = lo.key_len ? lo.key : NULL, .key_len = lo.key_len,
		.ts_fmt = (uint8_t)lo.ts_fmt, .ts_method_in = 2, .ts_method_out = 2, /* SW local: kernel or clock read */
	};
	struct table tab = { .cap = (size_t)max_sessions, .idle_ns = (int64_t)timer * 1000000000LL };
	tab.s = calloc(tab.cap, sizeof *tab.s);
	size_t bufsz = (size_t)max_size + 1;
	uint8_t *rxbuf = malloc(SK_IO_BATCH * bufsz), *txbuf = malloc(SK_IO_BATCH * bufsz);
	struct txslot *ring = calloc(TXRING, sizeof *ring);
	struct bucket *buckets = rate_limit > 0 ? calloc(RL_SLOTS, sizeof *buckets) : NULL;
	if (!tab.s || !rxbuf || !txbuf || !ring || (rate_limit > 0 && !buckets)) {
		fprintf(stderr, "stampkit %s: out of memory\n", cmd);
		return 1;
	}
	struct sk_pcapout *pc = NULL;
	if (pcap_path && !(pc = sk_pcapout_open(pcap_path, err, sizeof err))) {
		fprintf(stderr, "stampkit %s: --pcap-out: %s\n", cmd, err);
		return 1;
	}
	struct sk_io_msg rx[SK_IO_BATCH], tx[SK_IO_BATCH];
	struct session *txs[SK_IO_BATCH];
	uint32_t txseq[SK_IO_BATCH];
	for (int i = 0; i < SK_IO_BATCH; i++) {
		rx[i].buf = rxbuf + (size_t)i * bufsz;
		rx[i].cap = bufsz;
		tx[i].buf = txbuf + (size_t)i * bufsz;
		tx[i].cap = bufsz;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);

	struct counters cnt;
	memset(&cnt, 0, sizeof cnt);
	struct session scratch;
	bool tx_ts_failed = false;
	int64_t next_clock = 0;
	int status = 0;
	while (!stop_flag) {
		if (dump_flag) {
			dump_flag = 0;
			print_counters(&cnt, lo.json);
		}
		int64_t mono = sk_now_mono_ns();
		if (mono >= next_clock) {
			bool synced;
			cfg.error_estimate = sk_clock_errest(lo.ts_fmt, &synced);
			cfg.sync_src = synced ? 1 : 5; /* NTP or local free-running (RFC 8972 §4.3) */
			next_clock = mono + 1000000000LL;
		}
		int n = io.ops->recv_batch(&io, rx, SK_IO_BATCH);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "stampkit %s: receive: %s\n", cmd, strerror(errno));
			status = 1;
			break;
		}
		if (n == 0) {
			/* Sleep until a datagram or a signal. */
			drain_tx_timestamps(&io, ring);
			struct timespec dl;
			int64_t d = sk_now_mono_ns() + 1000000000LL;
			dl.tv_sec = d / 1000000000LL;
			dl.tv_nsec = d % 1000000000LL;
			if (sk_io_wait(&io, &dl) < 0 && errno != EINTR) {
				fprintf(stderr, "stampkit %s: wait: %s\n", cmd, strerror(errno));
				status = 1;
				break;
			}
			continue;
		}
		int64_t user_rx = sk_now_real_ns();
		unsigned nout = 0;
		for (int i = 0; i < n; i++) {
			struct sk_io_msg *m = &rx[i];
			cnt.received++;
			if (pc)
				pcap_msg(pc, m->rx_ns ? m->rx_ns : user_rx, m, bport, true, 0, 0);
			if (m->truncated || m->len > (size_t)max_size) {
				cnt.oversized++;
				continue;
			}
			struct sk_reflect_rx r;
			memset(&r, 0, sizeof r);
			sk_sockaddr_unpack((struct sockaddr *)&m->peer, &r.family, r.src, &r.sport);
			uint8_t lf;
			uint16_t lp;
			sk_sockaddr_unpack((struct sockaddr *)&m->local, &lf, r.dst, &lp);
			r.dport = bport;
			/* Never answer ourselves (a spoofed source equal to our own socket would
			 * loop) nor port 0 (cannot be answered). */
			if (r.sport == 0 ||
			    (r.sport == bport && (!memcmp(r.src, r.dst, 16) ||
						  sk_sockaddr_equal((struct sockaddr *)&m->peer,
								    (struct sockaddr *)&io.bound)))) {
				cnt.refused_self++;
				continue;
			}
			if (nallow) {
				bool ok = false;
				for (unsigned a = 0; a < nallow && !ok; a++)
					ok = prefix_match(&allow[a], r.family, r.src);
				if (!ok) {
					cnt.refused_allow++;
					continue;
				}
			}
			if (buckets && !rate_ok(buckets, rate_limit, r.family, r.src, sk_now_mono_ns())) {
				cnt.refused_rate++;
				continue;
			}
			sk_log_hex("received", m->buf, m->len);
			uint32_t sseq;
			uint16_t ssid;
			if (sk_reflect_peek(m->buf, m->len, &cfg, &sseq, &ssid) != SK_OK) {
				cnt.malformed++;
				continue;
			}
			int64_t now = sk_now_mono_ns();
			struct session *s = lookup(&tab, r.family, r.src, r.sport, ssid, now);
			if (!s) {
				cnt.sessions_full++;
				memset(&scratch, 0, sizeof scratch);
				s = &scratch;
			} else if (s->st.rx_count &&
				   (now - s->last_ns > tab.idle_ns || (sseq == 0 && s->last_sender_seq != 0))) {
				/* A new session from the same address and port: twampy's reset rules
				 * (idle timer, or a sender starting again at 0). */
				memset(&s->st, 0, sizeof s->st);
			}
			r.t2_ns = m->rx_ns ? m->rx_ns : user_rx;
			cfg.ts_method_in = m->rx_hw ? 1 : 2; /* HW assist or SW local (RFC 8972 §4.3) */
			r.ttl = m->ttl;
			r.tos = m->tos;
			struct sk_reflect_info info;
			struct sk_io_msg *o = &tx[nout];
			enum sk_result br = sk_reflect_build(m->buf, m->len, &cfg, &r, &s->st,
							     sk_now_real_ns(), o->buf, o->cap, &info, NULL);
			if (br != SK_OK) {
				if (br == SK_E_TRUNCATED)
					cnt.malformed++;
				else if (br == SK_E_AUTH)
					cnt.refused_auth++;
				else if (br == SK_E_UNSUPPORTED)
					cnt.refused_short++;
				else
					cnt.malformed++;
				continue;
			}
			s->last_ns = now;
			s->last_sender_seq = sseq;
			cnt.tlv_unknown += info.unknown;
			cnt.tlv_malformed += info.tlv_malformed;
			cnt.tlv_hmac_bad += info.tlv_hmac_bad;
			/* Kernel transmit timestamps only once a sender asks for Follow-Up
			 * Telemetry: they cost a system call per reply. */
			if (info.followup && !io.tx_ts && !tx_ts_failed)
				tx_ts_failed = io.ops->enable_tx_timestamps(&io) != 0;
			if (sk_log_enabled(SK_LOG_INFO)) {
				char hs[64];
				sk_sockaddr_host((struct sockaddr *)&m->peer, hs, sizeof hs);
				sk_log(SK_LOG_INFO, "Request from %s:%u [sseq=%u rseq=%u ssid=%u len=%zu ttl=%d]",
				       hs, r.sport, sseq, info.reflector_seq, ssid, m->len, m->ttl);
			}
			o->len = info.len;
			memcpy(&o->peer, &m->peer, sizeof o->peer);
			o->peerlen = m->peerlen;
			memcpy(&o->local, &m->local, sizeof o->local);
			memcpy(o->peer_mac, m->peer_mac, 6);
			memcpy(o->local_mac, m->local_mac, 6);
			o->set_tos = info.reply_tos;
			txs[nout] = s;
			txseq[nout] = info.reflector_seq;
			nout++;
		}
		unsigned done = 0;
		while (done < nout) {
			uint32_t first_id = io.tx_next_id;
			int k = io.ops->send_batch(&io, tx + done, nout - done);
			if (k <= 0) {
				/* The first datagram failed (EMSGSIZE with DF, unreachable, ...):
				 * count it and go on with the rest. */
				cnt.send_errors++;
				if (txs[done] != &scratch && txs[done]->st.tx_count)
					txs[done]->st.tx_count--;
				done++;
				continue;
			}
			int64_t after = sk_now_real_ns();
			for (int j = 0; j < k; j++) {
				unsigned q = done + (unsigned)j;
				sk_log_hex("transmit", tx[q].buf, tx[q].len);
				if (pc)
					pcap_msg(pc, after, &tx[q], bport, false, lo.ttl, lo.tos);
				cnt.reflected++;
				if (txs[q] == &scratch)
					continue;
				if (io.tx_ts) {
					struct txslot *ts = &ring[(first_id + (uint32_t)j) % TXRING];
					ts->used = true;
					ts->s = txs[q];
					ts->epoch = txs[q]->epoch;
					ts->id = first_id + (uint32_t)j;
					ts->seq = txseq[q];
				} else {
					sk_reflect_note_tx(&txs[q]->st, txseq[q], after, 2);
				}
			}
			done += (unsigned)k;
		}
		if (io.tx_ts)
			drain_tx_timestamps(&io, ring);
	}
	sk_log(SK_LOG_INFO, "Session reflector stopped");
	print_counters(&cnt, lo.json);
	io.ops->close(&io);
	free(tab.s);
	free(rxbuf);
	free(txbuf);
	free(ring);
	free(buckets);
	sk_pcapout_close(pc);
	return status;
}
