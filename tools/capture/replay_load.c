/* SPDX-License-Identifier: BSD-3-Clause */
/* replay_load.c - the packets `stampkit replay` sends: the Session-Sender packets of a capture,
 * found by analyze's discovery (UDP 862, --port, ports negotiated by TWAMP-Control, RFC 5357
 * §3.5; the packet to the reflector port is the sender's, RFC 8762 §4.1), IPv4 fragments
 * reassembled, each packet checked to be re-stampable (clear text, decodable: RFC 8762 §4.2,
 * RFC 5357 §4.1.2) and everything left out counted by reason. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "discover.h"
#include "ipfrag.h"
#include "log.h"
#include "replay_load.h"
#include "tcpstream.h"
#include "stampkit/net.h"
#include "stampkit/testpkt.h"

static uint64_t sess_hash(uint8_t ipver, const uint8_t *src, const uint8_t *dst, uint16_t sport,
			  uint16_t dport, uint16_t ssid)
{
	/* FNV-1a over the key, then a final mix: the low bits index the table. */
	size_t al = ipver == 6 ? 16 : 4;
	uint64_t h = 0xcbf29ce484222325ull ^ ipver;
	for (size_t i = 0; i < al; i++)
		h = (h ^ src[i]) * 0x100000001b3ull;
	for (size_t i = 0; i < al; i++)
		h = (h ^ dst[i]) * 0x100000001b3ull;
	h = (h ^ ((uint64_t)sport << 32 | (uint64_t)dport << 16 | ssid)) * 0x9e3779b97f4a7c15ull;
	return h ^ h >> 29;
}

/* Doubles the hash table (kept at most half full). 0, or -1 out of memory. */
static int rehash(struct sk_replay_load *l)
{
	size_t cap = l->hcap ? l->hcap * 2 : 1024;
	uint32_t *t = calloc(cap, sizeof *t);
	if (!t)
		return -1;
	for (uint32_t i = 0; i < l->nsess; i++) {
		const struct sk_replay_sess *s = &l->sess[i];
		size_t j = sess_hash(s->ipver, s->src, s->dst, s->sport, s->dport, s->ssid) & (cap - 1);
		while (t[j])
			j = (j + 1) & (cap - 1);
		t[j] = i + 1;
	}
	free(l->htab);
	l->htab = t;
	l->hcap = cap;
	return 0;
}

/* The session's index, a new one when first seen; -1 out of memory. */
static int64_t sess_index(struct sk_replay_load *l, const struct sk_pkt *p, uint16_t ssid)
{
	size_t al = p->ipver == 6 ? 16 : 4;
	if ((size_t)l->nsess + 1 > l->hcap / 2 && rehash(l))
		return -1;
	size_t j = sess_hash(p->ipver, p->src, p->dst, p->sport, p->dport, ssid) & (l->hcap - 1);
	for (; l->htab[j]; j = (j + 1) & (l->hcap - 1)) {
		const struct sk_replay_sess *s = &l->sess[l->htab[j] - 1];
		if (s->ipver == p->ipver && s->sport == p->sport && s->dport == p->dport &&
		    s->ssid == ssid && !memcmp(s->src, p->src, al) && !memcmp(s->dst, p->dst, al))
			return l->htab[j] - 1;
	}
	if (l->nsess == UINT32_MAX - 1)
		return -1;
	if (l->nsess == l->capsess) {
		uint32_t n = l->capsess ? l->capsess * 2 : 64;
		struct sk_replay_sess *ns = realloc(l->sess, (size_t)n * sizeof *ns);
		if (!ns)
			return -1;
		l->sess = ns;
		l->capsess = n;
	}
	struct sk_replay_sess *s = &l->sess[l->nsess];
	memset(s, 0, sizeof *s);
	s->ipver = p->ipver;
	memcpy(s->src, p->src, al);
	memcpy(s->dst, p->dst, al);
	s->sport = p->sport;
	s->dport = p->dport;
	s->ssid = ssid;
	l->htab[j] = l->nsess + 1;
	return l->nsess++;
}

static int add_pkt(struct sk_replay_load *l, const struct sk_pkt *p, int64_t ts, uint32_t si,
		   int restamp, const struct sk_test_opts *o)
{
	if (l->npkts == l->capp) {
		size_t n = l->capp ? l->capp * 2 : 1024;
		struct sk_replay_pkt *np = realloc(l->pkts, n * sizeof *np);
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
	struct sk_replay_pkt *r = &l->pkts[l->npkts++];
	memset(r, 0, sizeof *r);
	r->ts_ns = ts;
	r->off = l->buflen;
	r->len = (uint32_t)p->payload_len;
	r->sess = si;
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

/* Whether a Session-Sender packet can be re-stamped: 1 yes (*o its layout), 0 sent as
 * recorded (--all), -1 left out (counted). */
static int check_sender(struct sk_replay_load *l, const struct sk_pkt *p, uint64_t frame,
			struct sk_twsess *ts, int all, struct sk_test_opts *o)
{
	uint8_t dbuf[2048];
	struct sk_disc_prep prep;
	sk_disc_prepare(p->payload, p->payload_len, SK_ROLE_SENDER, ts, dbuf, sizeof dbuf, &prep);
	*o = prep.o;
	if (prep.decrypted >= 0 || (o->proto == SK_PROTO_TWAMP && o->sec != SK_SEC_UNAUTH)) {
		/* TWAMP authenticated/encrypted: new timestamps would need the session's keys
		 * and a fresh encryption. */
		if (all)
			return 0;
		l->protected_++;
		return -1;
	}
	struct sk_test_pkt t;
	struct sk_test_opts od = *o;
	od.stamp_key = NULL;
	od.twamp_hmac_key = NULL;
	if (sk_test_decode(p->payload, p->payload_len, &od, &t, NULL, NULL) == SK_OK)
		return 1;
	if (!l->malformed++)
		l->first_malformed = frame;
	return all ? 0 : -1;
}

/* One UDP datagram: kept, or counted as left out. 0, or -1 out of memory. */
static int take_udp(struct sk_replay_load *l, struct sk_disc *disc, const struct sk_pkt *p,
		    const struct sk_frame *fr, int all)
{
	int role;
	struct sk_twsess *ts;
	enum sk_disc_how how = sk_disc_udp(disc, p, fr->ts_ns, &role, &ts);
	int test = how != SK_DISC_NOT_TEST;
	l->test_packets += test;
	if (!all && (!test || role != SK_ROLE_SENDER)) {
		l->reflector += test;
		return 0;
	}
	if (p->fragment) {
		l->fragments++; /* IPv6 fragments are not reassembled */
		return 0;
	}
	if (!p->payload || p->payload_len < p->payload_wire_len) {
		if (!l->cut++)
			l->first_cut = fr->index;
		return 0;
	}
	struct sk_test_opts o;
	memset(&o, 0, sizeof o);
	int restamp = 0;
	if (test && role == SK_ROLE_SENDER) {
		restamp = check_sender(l, p, fr->index, ts, all, &o);
		if (restamp < 0)
			return 0;
	}
	uint16_t ssid = 0;
	if (restamp && o.proto == SK_PROTO_STAMP && p->payload_len >= 44) {
		struct sk_test_pkt t;
		struct sk_test_opts od = o;
		od.stamp_key = NULL;
		if (sk_test_decode(p->payload, p->payload_len, &od, &t, NULL, NULL) == SK_OK)
			ssid = t.ssid;
	}
	int64_t si = sess_index(l, p, ssid);
	if (si < 0)
		return -1;
	return add_pkt(l, p, fr->ts_ns, (uint32_t)si, restamp, restamp ? &o : NULL);
}

/* The frames of an open capture; 0, or 1 out of memory. */
static int read_frames(struct sk_replay_load *l, struct sk_capture *cap, struct sk_disc *disc,
		       struct sk_tcpstream *tcp, struct sk_ipfrag *frag, int all)
{
	int lt = sk_capture_linktype(cap);
	struct sk_frame fr;
	struct sk_pkt p;
	uint64_t last = 0;
	int status = 0;
	while (sk_capture_next(cap, &fr) == 1) {
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
			if (sk_disc_port_listed(disc, p.sport) || sk_disc_port_listed(disc, p.dport))
				(void)sk_tcpstream_segment(tcp, &p, fr.index);
		} else if (p.proto == 17 && take_udp(l, disc, &p, &fr, all)) {
			sk_diag("out of memory");
			status = 1;
			break;
		}
	}
	sk_tcpstream_flush(tcp, last);
	return status;
}

int sk_replay_load(struct sk_replay_load *l, const char *path, const uint16_t *ports,
		   int nports, int all)
{
	char errbuf[512];
	struct sk_capture *cap = sk_capture_open(path, errbuf, sizeof errbuf);
	if (!cap) {
		sk_diag("%s: %s", path, errbuf);
		return 1;
	}
	int lt = sk_capture_linktype(cap);
	if (!sk_net_linktype_supported(lt)) {
		sk_diag("%s: link type %d is not supported: no frame can be "
			"replayed", path, lt);
		sk_capture_close(cap);
		return 1;
	}
	struct sk_disc disc;
	struct sk_disc_tcp follow = { &disc, l };
	struct sk_tcpstream_ops ops = sk_disc_tcp_ops(&follow);
	int dr = sk_disc_init(&disc, ports, nports, 0, NULL, 0);
	struct sk_tcpstream *tcp = sk_tcpstream_create(64, 16384, &ops);
	struct sk_ipfrag *frag = sk_ipfrag_create(16, 30LL * 1000000000LL);
	int status = 1;
	if (dr || !tcp || !frag)
		sk_diag("out of memory");
	else
		status = read_frames(l, cap, &disc, tcp, frag, all);
	if (!status && sk_capture_error(cap)) {
		sk_warn("%s: capture is damaged (%s); the frames "
			"before the damage are replayed", path, sk_capture_error(cap));
		status = 3;
	}
	sk_tcpstream_destroy(tcp);
	if (frag)
		sk_ipfrag_finish(frag);
	sk_ipfrag_destroy(frag);
	if (!dr)
		sk_disc_free(&disc);
	sk_capture_close(cap);
	return status;
}

int sk_replay_left_out(const struct sk_replay_load *l, const char *file, int all)
{
	if (l->cut)
		sk_diag("%s: %" PRIu64 " test packets cut short by the "
			"capture's snap length (first: frame %" PRIu64 ") not sent", file, l->cut,
			l->first_cut);
	if (l->fragments)
		sk_diag("%s: %" PRIu64 " test packets are IPv6 fragments "
			"(not reassembled), not sent", file, l->fragments);
	if (l->protected_)
		sk_diag("%s: %" PRIu64 " TWAMP authenticated or encrypted "
			"test packets not sent (they cannot be re-stamped without the session keys)",
			file, l->protected_);
	if (l->malformed)
		sk_diag("%s: %" PRIu64 " malformed test packets (first: frame %"
			PRIu64 ") %s", file, l->malformed, l->first_malformed,
			all ? "sent as recorded" : "not sent");
	return l->cut || l->fragments || l->protected_ || l->malformed ? 3 : 0;
}

long sk_replay_select(struct sk_replay_load *l, const uint32_t *want, size_t nwant,
		      const char *file)
{
	uint8_t *pick = NULL;
	if (nwant) {
		pick = calloc((size_t)l->nsess + 1, 1);
		if (!pick) {
			sk_diag("out of memory");
			return -2;
		}
	}
	for (size_t i = 0; i < nwant; i++) {
		if (want[i] < 1 || want[i] > l->nsess) {
			sk_diag("%s has %" PRIu32 " test sessions: no session %" PRIu32, file,
				l->nsess, want[i]);
			free(pick);
			return -1;
		}
		pick[want[i]] = 1;
	}
	/* The selection: sessions picked, then packets in capture order. */
	size_t nsel = 0;
	for (size_t i = 0; i < l->npkts; i++) {
		const struct sk_replay_pkt *r = &l->pkts[i];
		if (pick && !pick[r->sess + 1])
			continue;
		l->pkts[nsel++] = *r;
	}
	free(pick);
	l->npkts = nsel;
	for (uint32_t i = 0; i < l->nsess; i++)
		l->sess[i].packets = 0;
	for (size_t i = 0; i < nsel; i++)
		l->sess[l->pkts[i].sess].packets++;
	return (long)nsel;
}

void sk_replay_load_free(struct sk_replay_load *l)
{
	free(l->pkts);
	free(l->buf);
	free(l->sess);
	free(l->htab);
	l->pkts = NULL;
	l->buf = NULL;
	l->sess = NULL;
	l->htab = NULL;
}
