/* SPDX-License-Identifier: BSD-3-Clause */
/* responder.c - the Session-Reflector of `stampkit responder` (alias `reflector`): STAMP
 * (RFC 8762 §4.3, RFC 8972) and TWAMP-light (RFC 5357 §4.2) over the I/O layer; the
 * replies are built by the codec (reflect.h). */
#include "responder.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "log.h"
#include "mxport.h"
#include "parse.h"
#include "sys.h"
#include "pcapout.h"
#include "udpio.h"
#include "stampkit/reflect.h"
#include "stampkit/stampkit.h"
#include "stampkit/testpkt.h"
#include "stampkit/timestamp.h"

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
		refused_self, refused_allow, refused_rate, refused_reflected, refused_msid, send_errors,
		tlv_unknown, tlv_malformed, tlv_hmac_bad, sessions_full;
};

/* Why a datagram is not answered: each has its counter and its log line. */
enum refusal { RF_OVERSIZED, RF_SELF, RF_ALLOW, RF_RATE, RF_REFLECTED, RF_MALFORMED, RF_SHORT,
	       RF_AUTH, RF_MSID };

int sk_prefix_parse(const char *s, struct sk_prefix *p)
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

bool sk_prefix_match(const struct sk_prefix *p, uint8_t family, const uint8_t *a)
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

/* The counters at exit and on SIGUSR1: one JSON document
 * {"command":"responder","version":...,"counters":{...},"sessions":[]}, or a table. */
static void counters_json(const struct counters *c)
{
	struct sk_jw w;
	sk_jw_init(&w, stdout);
	sk_jw_obj(&w, NULL);
	sk_jw_str(&w, "command", "responder");
	sk_jw_str(&w, "version", STAMPKIT_VERSION);
	sk_jw_obj(&w, "counters");
	sk_jw_u64(&w, "received", c->received);
	sk_jw_u64(&w, "reflected", c->reflected);
	sk_jw_u64(&w, "malformed", c->malformed);
	sk_jw_u64(&w, "oversized", c->oversized);
	sk_jw_obj(&w, "refused");
	sk_jw_u64(&w, "short", c->refused_short);
	sk_jw_u64(&w, "auth", c->refused_auth);
	sk_jw_u64(&w, "self", c->refused_self);
	sk_jw_u64(&w, "allow", c->refused_allow);
	sk_jw_u64(&w, "rate", c->refused_rate);
	sk_jw_u64(&w, "reflected", c->refused_reflected);
	sk_jw_u64(&w, "micro_session", c->refused_msid);
	sk_jw_obj_end(&w);
	sk_jw_u64(&w, "send_errors", c->send_errors);
	sk_jw_obj(&w, "tlv");
	sk_jw_u64(&w, "unknown", c->tlv_unknown);
	sk_jw_u64(&w, "malformed", c->tlv_malformed);
	sk_jw_u64(&w, "hmac_bad", c->tlv_hmac_bad);
	sk_jw_obj_end(&w);
	sk_jw_u64(&w, "sessions_full", c->sessions_full);
	sk_jw_obj_end(&w);
	/* The reflector keeps no results of its own: its sessions are the senders'. */
	sk_jw_arr(&w, "sessions");
	sk_jw_arr_end(&w);
	sk_jw_obj_end(&w);
	fputc('\n', stdout);
}

static void counters_table(const struct counters *c)
{
	const struct { const char *label; uint64_t v; } rows[] = {
		{ "received", c->received },
		{ "reflected", c->reflected },
		{ "malformed", c->malformed },
		{ "oversized", c->oversized },
		{ "refused: too short", c->refused_short },
		{ "refused: authentication", c->refused_auth },
		{ "refused: own address", c->refused_self },
		{ "refused: not in --allow", c->refused_allow },
		{ "refused: --rate-limit", c->refused_rate },
		{ "refused: reflected packet", c->refused_reflected },
		{ "refused: micro-session ID", c->refused_msid },
		{ "send errors", c->send_errors },
		{ "TLVs unknown", c->tlv_unknown },
		{ "TLVs malformed", c->tlv_malformed },
		{ "HMAC TLVs bad", c->tlv_hmac_bad },
		{ "sessions table full", c->sessions_full },
	};
	printf("Responder counters\n");
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		printf("  %-26s %" PRIu64 "\n", rows[i].label, rows[i].v);
}

static void print_counters(const struct counters *c, bool json)
{
	if (json)
		counters_json(c);
	else
		counters_table(c);
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

/* --pcap-out: a received datagram (peer -> local) or a reply (local -> peer). */
static void pcap_msg(struct sk_pcapout *pc, int64_t ns, const struct sk_io_msg *m,
		     uint16_t port, bool received, int ttl, int tos)
{
	struct sockaddr_storage local;
	socklen_t llen;
	uint8_t fam, addr[16];
	uint16_t none;
	sk_sockaddr_unpack((const struct sockaddr *)&m->local, &fam, addr, &none);
	if (!fam)
		return;
	sk_sockaddr_pack(fam, addr, port, &local, &llen);
	if (received)
		sk_pcapout_write(pc, ns, (const struct sockaddr *)&m->peer,
				 (const struct sockaddr *)&local, m->ttl, m->tos, m->buf, m->len);
	else
		sk_pcapout_write(pc, ns, (const struct sockaddr *)&local,
				 (const struct sockaddr *)&m->peer, ttl, m->set_tos >= 0 ? m->set_tos : tos,
				 m->buf, m->len);
}


struct responder {
	const struct responder_opts *o;
	struct sk_io io;
	uint16_t bport;             /* our port (replies come from it) */
	struct sk_reflect_cfg cfg;
	struct table tab;
	struct session scratch;     /* a request that found no session slot */
	uint8_t *rxbuf, *txbuf;
	struct txslot *ring;
	struct bucket *buckets;
	struct sk_pcapout *pc;
	struct sk_io_msg rx[SK_IO_BATCH], tx[SK_IO_BATCH];
	struct session *txs[SK_IO_BATCH];
	uint32_t txseq[SK_IO_BATCH];
	/* --pcap-out of the replies being sent: each reply's id (SOF_TIMESTAMPING_OPT_ID), the
	 * clock read just before the send call that carried it, its kernel TX timestamp. */
	uint32_t txid[SK_IO_BATCH];
	int64_t txclk[SK_IO_BATCH], txkern[SK_IO_BATCH];
	bool txsent[SK_IO_BATCH];
	unsigned txn;
	bool tx_ts_failed;
	int64_t next_clock;
	int64_t full_logged_ns;     /* when "session table full" was last said */
	struct counters cnt;
	struct sk_mx *mx;           /* --metrics */
	int64_t mx_next;            /* when the sessions are counted again */
	uint64_t mx_active;
};

/* --metrics: the counters in the order of the JSON document, one family per name. */
enum { MX_N = 18 };
static void mx_table(const struct responder *st, struct sk_mx_counter *t)
{
	const struct counters *c = &st->cnt;
	static const char rf[] = "test requests not answered, by reason";
	const struct sk_mx_counter v[MX_N] = {
		{ "requests", "", "test requests received", false, c->received },
		{ "replies", "", "replies sent", false, c->reflected },
		{ "refused_requests", "reason=\"malformed\"", rf, false, c->malformed },
		{ "refused_requests", "reason=\"oversized\"", rf, false, c->oversized },
		{ "refused_requests", "reason=\"short\"", rf, false, c->refused_short },
		{ "refused_requests", "reason=\"auth\"", rf, false, c->refused_auth },
		{ "refused_requests", "reason=\"self\"", rf, false, c->refused_self },
		{ "refused_requests", "reason=\"allow\"", rf, false, c->refused_allow },
		{ "refused_requests", "reason=\"rate\"", rf, false, c->refused_rate },
		{ "refused_requests", "reason=\"reflected\"", rf, false, c->refused_reflected },
		{ "refused_requests", "reason=\"micro_session\"", rf, false, c->refused_msid },
		{ "send_errors", "", "replies the socket refused to send", false, c->send_errors },
		{ "tlvs", "kind=\"unknown\"", "TLVs of requests by what was wrong with them",
		  false, c->tlv_unknown },
		{ "tlvs", "kind=\"malformed\"", "TLVs of requests by what was wrong with them",
		  false, c->tlv_malformed },
		{ "tlvs", "kind=\"hmac_bad\"", "TLVs of requests by what was wrong with them",
		  false, c->tlv_hmac_bad },
		{ "sessions_full", "", "requests whose session found no slot (--max-sessions)",
		  false, c->sessions_full },
		{ "active_sessions", "", "sessions with a request within the idle timer", true,
		  st->mx_active },
		{ "session_slots", "", "sessions kept at most (--max-sessions)", true,
		  (uint64_t)st->tab.cap },
	};
	memcpy(t, v, sizeof v);
}

/* Hands the counters to the exporter; the session table is walked at most once a second. */
static void mx_publish(struct responder *st, bool now)
{
	if (!st->mx)
		return;
	int64_t mono = sk_now_mono_ns();
	if (now || mono >= st->mx_next) {
		uint64_t n = 0;
		for (size_t i = 0; i < st->tab.cap; i++)
			n += st->tab.s[i].used && mono - st->tab.s[i].last_ns <= st->tab.idle_ns;
		st->mx_active = n;
		st->mx_next = mono + 1000000000LL;
	}
	struct sk_mx_counter t[MX_N];
	mx_table(st, t);
	sk_mx_publish(st->mx, t, MX_N);
}

/* Binds LOCAL; a wildcard falls back to IPv4 on a host without IPv6. 0, or the exit
 * status after a message. */
static int open_socket(struct responder *st)
{
	const struct responder_opts *o = st->o;
	char err[300];
	struct sockaddr_storage local;
	socklen_t llen;
	const char *ls = o->local ? o->local : "";
	if (sk_addr_parse(ls, SK_RESPONDER_DEFAULT_PORT, 0, true, &local, &llen, err, sizeof err)) {
		sk_diag("%s", err);
		return 2;
	}
	st->io.ops = o->raw_iface ? &sk_io_l2 : &sk_io_udp;
	st->io.fd = -1;
	struct sk_io_opts io_opts = {
		.tos = o->tos, .ttl = o->ttl, .dont_fragment = o->dont_fragment,
		.rx_timestamps = true, .dual_stack = true, .bufsize = 4 << 20,
		.hw_iface = o->hw_iface, .raw_iface = o->raw_iface,
	};
	if (!st->io.ops->open(&st->io, (struct sockaddr *)&local, llen, &io_opts, err, sizeof err))
		return 0;
	bool wild6 = !o->raw_iface && (!ls[0] || ls[0] == ':');
	if (wild6 && local.ss_family == AF_INET6 && strstr(err, "socket:")) {
		sk_addr_parse(ls, SK_RESPONDER_DEFAULT_PORT, 4, true, &local, &llen, err, sizeof err);
		if (!st->io.ops->open(&st->io, (struct sockaddr *)&local, llen, &io_opts, err,
				      sizeof err))
			return 0;
	}
	sk_diag("%s", err);
	return 1;
}

static int responder_open(struct responder *st)
{
	const struct responder_opts *o = st->o;
	int status = open_socket(st);
	if (status)
		return status;
	char bs[80];
	uint8_t bfam, baddr[16];
	sk_sockaddr_str((struct sockaddr *)&st->io.bound, bs, sizeof bs);
	sk_sockaddr_unpack((struct sockaddr *)&st->io.bound, &bfam, baddr, &st->bport);
	sk_log(SK_LOG_INFO, "Wait to receive test packets on %s (%s, %s)", bs,
	       o->proto == SK_PROTO_STAMP ? "STAMP" : "TWAMP-light",
	       o->proto == SK_PROTO_TWAMP || o->stateful ? "stateful" : "stateless");
	st->cfg = (struct sk_reflect_cfg){
		.proto = (uint8_t)o->proto, .sec = o->key_len ? SK_SEC_AUTH : SK_SEC_UNAUTH,
		.stateful = o->stateful, .allow_short = !o->no_larger_reply,
		/* The --auth key, or --hmac-key for the HMAC TLV of the unauthenticated mode. */
		.key = o->key_len ? o->key : o->tlv_key_len ? o->tlv_key : NULL,
		.key_len = o->key_len ? o->key_len : o->tlv_key_len,
		.reflector_msid = o->micro_session_id,
		/* SW local: kernel or clock read (RFC 8972 §4.3) */
		.ts_fmt = (uint8_t)o->ts_fmt, .ts_method_in = 2, .ts_method_out = 2,
	};
	st->tab.cap = (size_t)o->max_sessions;
	st->tab.idle_ns = (int64_t)o->timer_s * 1000000000LL;
	st->tab.s = calloc(st->tab.cap, sizeof *st->tab.s);
	size_t bufsz = (size_t)o->max_size + 1;
	st->rxbuf = malloc(SK_IO_BATCH * bufsz);
	st->txbuf = malloc(SK_IO_BATCH * bufsz);
	st->ring = calloc(TXRING, sizeof *st->ring);
	st->buckets = o->rate_limit > 0 ? calloc(RL_SLOTS, sizeof *st->buckets) : NULL;
	if (!st->tab.s || !st->rxbuf || !st->txbuf || !st->ring ||
	    (o->rate_limit > 0 && !st->buckets)) {
		sk_diag("out of memory");
		return 1;
	}
	char err[300];
	if (o->pcap_out && !(st->pc = sk_pcapout_open(o->pcap_out, err, sizeof err))) {
		sk_diag("--pcap-out: %s", err);
		return 1;
	}
	/* The replies in the capture at their kernel transmit times (a system call per batch
	 * to read them); without, at the clock read before each send. */
	if (st->pc && st->io.ops->enable_tx_timestamps(&st->io))
		sk_log(SK_LOG_INFO, "--pcap-out: no kernel transmit timestamps, replies stamped "
		       "with the clock read before sending");
	for (int i = 0; i < SK_IO_BATCH; i++) {
		st->rx[i].buf = st->rxbuf + (size_t)i * bufsz;
		st->rx[i].cap = bufsz;
		st->tx[i].buf = st->txbuf + (size_t)i * bufsz;
		st->tx[i].cap = bufsz;
	}
	if (o->metrics) {
		if (!(st->mx = sk_mx_open(o->metrics, err, sizeof err))) {
			sk_diag("--metrics: %s", err);
			return 1;
		}
		struct sk_mx_counter t[MX_N];
		mx_table(st, t);
		sk_mx_counters(st->mx, t, MX_N);
	}
	return 0;
}

static void responder_close(struct responder *st)
{
	if (st->io.ops && st->io.fd >= 0)
		st->io.ops->close(&st->io);
	free(st->tab.s);
	free(st->rxbuf);
	free(st->txbuf);
	free(st->ring);
	free(st->buckets);
	sk_pcapout_close(st->pc);
	sk_mx_close(st->mx);
}

/* Kernel transmit timestamps: the true send time of each reply, for the Follow-Up
 * Telemetry TLV of the next one (RFC 8972 §4.7) and for --pcap-out of the replies being
 * sent. */
static void drain_tx_timestamps(struct responder *st)
{
	uint32_t id;
	int64_t ns;
	while (st->io.ops->tx_timestamp(&st->io, &id, &ns)) {
		struct txslot *ts = &st->ring[id % TXRING];
		if (ts->used && ts->id == id && ts->s->epoch == ts->epoch)
			sk_reflect_note_tx(&ts->s->st, ts->seq, ns, 2);
		ts->used = false;
		for (unsigned q = 0; st->pc && q < st->txn; q++)
			if (st->txsent[q] && st->txid[q] == id)
				st->txkern[q] = ns;
	}
}

/* A datagram not answered: counted, and said on the log (WARNING, shown by default) with
 * the reason and the option that changes it, rate-limited per source address and kind so
 * that a flood writes a few lines, not one per datagram. */
static void refuse(struct responder *st, const struct sk_io_msg *m, enum refusal k,
		   const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 4, 5)))
#endif
	;
static void refuse(struct responder *st, const struct sk_io_msg *m, enum refusal k,
		   const char *fmt, ...)
{
	static const char *const kind[] = { "oversized", "self", "allow", "rate", "reflected",
					    "malformed", "short", "auth", "msid" };
	uint64_t *const cnt[] = { &st->cnt.oversized, &st->cnt.refused_self,
				  &st->cnt.refused_allow, &st->cnt.refused_rate,
				  &st->cnt.refused_reflected, &st->cnt.malformed,
				  &st->cnt.refused_short, &st->cnt.refused_auth,
				  &st->cnt.refused_msid };
	(*cnt[k])++;
	if (!sk_log_enabled(SK_LOG_WARNING))
		return;
	char why[300], src[80], host[64], key[96];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	sk_sockaddr_str((const struct sockaddr *)&m->peer, src, sizeof src);
	sk_sockaddr_host((const struct sockaddr *)&m->peer, host, sizeof host);
	snprintf(key, sizeof key, "%s %s", kind[k], host);
	sk_log_limited(SK_LOG_WARNING, key, "%s: %s", src, why);
}

/* Who may be answered: never ourselves (a spoofed source equal to our own socket would
 * loop) nor port 0 (cannot be answered); --allow; --rate-limit. */
static bool admit(struct responder *st, const struct sk_io_msg *m, const struct sk_reflect_rx *r)
{
	const struct responder_opts *o = st->o;
	if (r->sport == 0 ||
	    (r->sport == st->bport &&
	     (!memcmp(r->src, r->dst, 16) ||
	      sk_sockaddr_equal((const struct sockaddr *)&m->peer,
				(const struct sockaddr *)&st->io.bound)))) {
		refuse(st, m, RF_SELF, "request from port 0 or from the responder's own address "
		       "and port (a reply would loop to itself): not answered (no option)");
		return false;
	}
	if (o->nallow) {
		bool ok = false;
		for (unsigned a = 0; a < o->nallow && !ok; a++)
			ok = sk_prefix_match(&o->allow[a], r->family, r->src);
		if (!ok) {
			refuse(st, m, RF_ALLOW, "source not in --allow: not answered (--allow PREFIX)");
			return false;
		}
	}
	if (st->buckets &&
	    !rate_ok(st->buckets, o->rate_limit, r->family, r->src, sk_now_mono_ns())) {
		refuse(st, m, RF_RATE, "more than %g requests/s from this address: not answered "
		       "(--rate-limit PPS, 0 = off)", o->rate_limit);
		return false;
	}
	return true;
}

/* Loop protection: the reply of another reflector is not answered (sk_reflect_is_reflected
 * says what is recognised), unless --answer-reflected. */
static bool reflected(struct responder *st, const struct sk_io_msg *m)
{
	size_t off = 0;
	if (st->o->answer_reflected ||
	    !sk_reflect_is_reflected(m->buf, m->len, &st->cfg, sk_now_real_ns(), &off))
		return false;
	if (st->o->proto == SK_PROTO_STAMP)
		refuse(st, m, RF_REFLECTED, "%zu-octet Session-Reflector packet (octet %zu is not "
		       "zero, MBZ in a Session-Sender packet, RFC 8762 §4.2): not answered, it "
		       "would start a reflection loop (--answer-reflected)", m->len, off);
	else
		refuse(st, m, RF_REFLECTED, "%zu-octet Session-Reflector packet (a Receive "
		       "Timestamp within %d s of now at octet 16, RFC 5357 §4.2.1): not answered, "
		       "it would start a reflection loop (--answer-reflected)", m->len,
		       SK_REFLECTED_WINDOW_S);
	return true;
}

/* The session of a request, restarted when twampy's reset rules say a new one began
 * (idle timer, or a sender starting again at 0). When the table is full the request is
 * still answered, statelessly as documented: the scratch session starts at the sender's
 * own number, so the reply carries a copy of it (RFC 8762 §4.3.1), and no per-session
 * state (Follow-Up, Direct Measurement counts) is kept for it. */
static struct session *session_for(struct responder *st, const struct sk_io_msg *m,
				   const struct sk_reflect_rx *r, uint32_t sseq, uint16_t ssid,
				   int64_t now)
{
	struct session *s = lookup(&st->tab, r->family, r->src, r->sport, ssid, now);
	if (!s) {
		st->cnt.sessions_full++;
		/* Said once, then again at most every SK_LOG_PERIOD_S seconds while it lasts
		 * (the counter has the exact number). */
		if (!st->full_logged_ns || now - st->full_logged_ns >= SK_LOG_PERIOD_S * 1000000000LL) {
			char src[80];
			st->full_logged_ns = now;
			sk_sockaddr_str((const struct sockaddr *)&m->peer, src, sizeof src);
			sk_log_limited(SK_LOG_WARNING, "sessions_full",
				       "%s: session table full (%ld sessions): answered statelessly, "
				       "the sender's sequence number copied (--max-sessions N, "
				       "--timer S)", src, st->o->max_sessions);
		}
		memset(&st->scratch, 0, sizeof st->scratch);
		st->scratch.st.next_seq = sseq;
		return &st->scratch;
	}
	if (s->st.rx_count &&
	    (now - s->last_ns > st->tab.idle_ns || (sseq == 0 && s->last_sender_seq != 0)))
		memset(&s->st, 0, sizeof s->st);
	return s;
}

/* The shortest request answered: a TWAMP-light sender's 14 octets in either unauthenticated
 * mode (a STAMP reflector answers them with its base packet, RFC 8762 §4.6). */
static size_t base_len(const struct responder_opts *o)
{
	return o->key_len && o->proto == SK_PROTO_STAMP ? SK_STAMP_AUTH_LEN : SK_TWAMP_SENDER_MIN;
}

/* The smallest reply: what a shorter request would cost under --no-larger-reply. */
static size_t reply_min(const struct responder_opts *o)
{
	return o->proto == SK_PROTO_TWAMP ? SK_TWAMP_REFLECTOR_MIN : SK_STAMP_UNAUTH_LEN;
}

static const char *mode_name(const struct responder_opts *o)
{
	if (o->proto == SK_PROTO_TWAMP)
		return "TWAMP-light";
	return o->key_len ? "authenticated STAMP" : "STAMP";
}

static void refuse_build(struct responder *st, const struct sk_io_msg *m, enum sk_result br)
{
	if (br == SK_E_AUTH)
		refuse(st, m, RF_AUTH, "HMAC does not verify with the key of --auth: not answered "
		       "(--auth KEYFILE)");
	else if (br == SK_E_STATE)
		refuse(st, m, RF_MSID, "Micro-session ID TLV names Reflector micro-session ID other "
		       "than ours (%u): discarded (RFC 9534 §3; --micro-session-id)",
		       (unsigned)st->o->micro_session_id);
	else if (br == SK_E_UNSUPPORTED)
		refuse(st, m, RF_SHORT, "%zu-octet request shorter than its %zu-octet %s reply: "
		       "not answered (--no-larger-reply)", m->len, reply_min(st->o),
		       mode_name(st->o));
	else if (br == SK_E_TRUNCATED)
		refuse(st, m, RF_MALFORMED, "%zu-octet request shorter than the smallest %s "
		       "Session-Sender packet (%zu octets): not answered (malformed; no option)", m->len,
		       mode_name(st->o), base_len(st->o));
	else
		refuse(st, m, RF_MALFORMED, "%zu-octet request could not be answered (%s): not "
		       "answered (no option)", m->len, sk_strerror(br));
}

/* One datagram received: checked, answered into tx[*nout] when it deserves a reply. */
static void take_request(struct responder *st, struct sk_io_msg *m, int64_t user_rx,
			 unsigned *nout)
{
	st->cnt.received++;
	if (st->pc)
		pcap_msg(st->pc, m->rx_ns ? m->rx_ns : user_rx, m, st->bport, true, 0, 0);
	if (m->truncated || m->len > (size_t)st->o->max_size) {
		refuse(st, m, RF_OVERSIZED, "datagram larger than %ld octets: not answered "
		       "(--max-size N)", st->o->max_size);
		return;
	}
	struct sk_reflect_rx r;
	memset(&r, 0, sizeof r);
	sk_sockaddr_unpack((struct sockaddr *)&m->peer, &r.family, r.src, &r.sport);
	uint8_t lf;
	uint16_t lp;
	sk_sockaddr_unpack((struct sockaddr *)&m->local, &lf, r.dst, &lp);
	r.dport = st->bport;
	if (!admit(st, m, &r))
		return;
	sk_log_hex("received", m->buf, m->len);
	uint32_t sseq;
	uint16_t ssid;
	if (sk_reflect_peek(m->buf, m->len, &st->cfg, &sseq, &ssid) != SK_OK) {
		refuse_build(st, m, SK_E_TRUNCATED);
		return;
	}
	if (reflected(st, m))
		return;
	int64_t now = sk_now_mono_ns();
	struct session *s = session_for(st, m, &r, sseq, ssid, now);
	r.t2_ns = m->rx_ns ? m->rx_ns : user_rx;
	st->cfg.ts_method_in = m->rx_hw ? 1 : 2; /* HW assist or SW local (RFC 8972 §4.3) */
	r.ttl = m->ttl;
	r.tos = m->tos;
	struct sk_reflect_info info;
	struct sk_io_msg *o = &st->tx[*nout];
	struct sk_reflect_cfg cfg = st->cfg;
	cfg.stateful = cfg.stateful && s != &st->scratch;
	enum sk_result br = sk_reflect_build(m->buf, m->len, &cfg, &r, &s->st,
					     sk_now_real_ns(), o->buf, o->cap, &info, NULL);
	if (br != SK_OK) {
		refuse_build(st, m, br);
		return;
	}
	s->last_ns = now;
	s->last_sender_seq = sseq;
	st->cnt.tlv_unknown += info.unknown;
	st->cnt.tlv_malformed += info.tlv_malformed;
	st->cnt.tlv_hmac_bad += info.tlv_hmac_bad;
	/* Kernel transmit timestamps only once a sender asks for Follow-Up Telemetry: they
	 * cost a system call per reply. */
	if (info.followup && !st->io.tx_ts && !st->tx_ts_failed)
		st->tx_ts_failed = st->io.ops->enable_tx_timestamps(&st->io) != 0;
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
	st->txs[*nout] = s;
	st->txseq[*nout] = info.reflector_seq;
	(*nout)++;
}

/* A reply sent: its send time goes to its session for Follow-Up Telemetry, from the
 * kernel's transmit timestamp when there is one (drained later), else from the clock. */
static void note_sent(struct responder *st, unsigned q, uint32_t id, int64_t before,
		      int64_t after)
{
	struct session *s = st->txs[q];
	sk_log_hex("transmit", st->tx[q].buf, st->tx[q].len);
	st->txsent[q] = true;
	st->txid[q] = id;
	st->txclk[q] = before;
	st->txkern[q] = 0;
	st->cnt.reflected++;
	if (s == &st->scratch)
		return;
	if (st->io.tx_ts) {
		struct txslot *ts = &st->ring[id % TXRING];
		ts->used = true;
		ts->s = s;
		ts->epoch = s->epoch;
		ts->id = id;
		ts->seq = st->txseq[q];
	} else {
		sk_reflect_note_tx(&s->st, st->txseq[q], after, 2);
	}
}

/* --pcap-out of the replies just sent, each at its kernel TX timestamp (taken as it left,
 * before a receiver on the same host stamps it) or, without one, at the clock read just
 * before the send call that carried it: never after the reply reached the wire, so a
 * two-sided analysis shows no negative inbound wire delay from our stamping. */
static void pcap_replies(struct responder *st)
{
	for (unsigned q = 0; q < st->txn; q++)
		if (st->txsent[q])
			pcap_msg(st->pc, st->txkern[q] ? st->txkern[q] : st->txclk[q], &st->tx[q],
				 st->bport, false, st->o->ttl, st->o->tos);
}

static void send_replies(struct responder *st, unsigned nout)
{
	unsigned done = 0;
	st->txn = nout;
	memset(st->txsent, 0, nout * sizeof st->txsent[0]);
	while (done < nout) {
		uint32_t first_id = st->io.tx_next_id;
		int64_t before = sk_now_real_ns();
		int k = st->io.ops->send_batch(&st->io, st->tx + done, nout - done);
		if (k <= 0) {
			/* The first datagram failed (EMSGSIZE with DF, unreachable, ...): count
			 * it and go on with the rest. */
			int e = errno;
			char src[80];
			st->cnt.send_errors++;
			sk_sockaddr_str((const struct sockaddr *)&st->tx[done].peer, src, sizeof src);
			sk_log_limited(SK_LOG_WARNING, "send", "%s: reply could not be sent: %s",
				       src, k < 0 ? strerror(e) : "not taken");
			if (st->txs[done] != &st->scratch && st->txs[done]->st.tx_count)
				st->txs[done]->st.tx_count--;
			done++;
			continue;
		}
		int64_t after = sk_now_real_ns();
		for (int j = 0; j < k; j++)
			note_sent(st, done + (unsigned)j, first_id + (uint32_t)j, before, after);
		done += (unsigned)k;
	}
	if (st->io.tx_ts)
		drain_tx_timestamps(st);
	if (st->pc)
		pcap_replies(st);
	st->txn = 0;
}

/* Until SIGINT/SIGTERM. Returns the exit status. */
static int responder_loop(struct responder *st)
{
	const struct responder_opts *o = st->o;
	while (!sk_stop_requested) {
		if (sk_usr1_requested) {
			sk_usr1_requested = 0;
			print_counters(&st->cnt, o->json);
		}
		int64_t mono = sk_now_mono_ns();
		if (mono >= st->next_clock) {
			bool synced;
			st->cfg.error_estimate = sk_clock_errest(o->ts_fmt, &synced);
			st->cfg.sync_src = synced ? 1 : 5; /* NTP or local free-running (RFC 8972 §4.3) */
			st->next_clock = mono + 1000000000LL;
		}
		int n = st->io.ops->recv_batch(&st->io, st->rx, SK_IO_BATCH);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			sk_diag("receive: %s", strerror(errno));
			return 1;
		}
		if (n == 0) {
			/* Sleep until a datagram or a signal. */
			drain_tx_timestamps(st);
			mx_publish(st, true);
			int64_t wake = sk_now_mono_ns() + 1000000000LL;
			struct timespec dl = { .tv_sec = wake / 1000000000LL,
					       .tv_nsec = wake % 1000000000LL };
			if (sk_io_wait(&st->io, &dl) < 0 && errno != EINTR) {
				sk_diag("wait: %s", strerror(errno));
				return 1;
			}
			continue;
		}
		int64_t user_rx = sk_now_real_ns();
		unsigned nout = 0;
		for (int i = 0; i < n; i++)
			take_request(st, &st->rx[i], user_rx, &nout);
		send_replies(st, nout);
		mx_publish(st, false);
	}
	return 0;
}

int responder_run(const struct responder_opts *o)
{
	struct responder *st = calloc(1, sizeof *st);
	if (!st) {
		sk_diag("out of memory");
		return 1;
	}
	st->o = o;
	st->io.fd = -1;
	int status = responder_open(st);
	if (!status) {
		sk_signals_install(SK_SIG_STOP | SK_SIG_USR1);
		status = responder_loop(st);
		sk_log(SK_LOG_INFO, "Session reflector stopped");
		sk_log_limited_flush();
		print_counters(&st->cnt, o->json);
	}
	responder_close(st);
	free(st);
	return status;
}
