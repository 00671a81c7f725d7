/* SPDX-License-Identifier: BSD-3-Clause */
/* decode_engine.c - capture -> frames -> UDP test flows and TCP control streams -> visitors.
 * Flow roles follow RFC 5357 §3.5 (negotiated Sender/Receiver Port) and RFC 8762 §4.1
 * (the packet to the reflector port is the Session-Sender's). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "decode_int.h"
#include "decode_proto.h"
#include "output.h"
#include "tcpstream.h"
#include "stampkit/net.h"

static int port_listed(const struct sk_dec *e, uint16_t port)
{
	return sk_disc_port_listed(&e->disc, port);
}

/* ---- a visitor that forwards to the output and counts real problems ---- */

static void tee_open(void *ctx, const char *n, const char *k, size_t o, size_t l)
{
	struct sk_dec *e = ctx;
	sk_visit_open(&e->outv, n, k, o, l);
}
static void tee_close(void *ctx)
{
	struct sk_dec *e = ctx;
	sk_visit_close(&e->outv);
}
static void tee_field(void *ctx, const struct sk_field *f, const struct sk_value *v, size_t off)
{
	struct sk_dec *e = ctx;
	if (e->outv.field)
		e->outv.field(e->outv.ctx, f, v, off);
}
static void tee_problem(void *ctx, enum sk_problem kind, enum sk_result r, size_t off,
			const char *msg)
{
	struct sk_dec *e = ctx;
	/* A non-zero MBZ field is reported, but RFC 4656 says to ignore it on receipt. */
	if (kind != SK_PROB_MBZ_NONZERO)
		e->pkt_errors++;
	if (e->outv.problem)
		e->outv.problem(e->outv.ctx, kind, r, off, msg);
}

/* ---- packet framing in both outputs ---- */

static void iso(int64_t ns, char *buf, size_t len) { sk_ns_to_iso(ns, buf, len); }

void sk_dec_begin(struct sk_dec *e, const char *kind)
{
	const struct sk_pkt *p = &e->pkt;
	char t[48], s[64], d[64];
	iso(e->frame.ts_ns, t, sizeof t);
	sk_net_addr_str(p->ipver, p->src, s, sizeof s);
	sk_net_addr_str(p->ipver, p->dst, d, sizeof d);
	e->pkt_errors = 0;
	e->pkt_failed = 0;
	if (e->o->json) {
		sk_json_begin(&e->json);
		sk_json_member_int(&e->json, "frame", (long long)e->frame.index);
		sk_json_member_str(&e->json, "kind", kind);
		sk_json_member_str(&e->json, "time", t);
		sk_json_member_int(&e->json, "time_ns", (long long)e->frame.ts_ns);
		sk_json_member_int(&e->json, "ip_version", p->ipver);
		sk_json_member_str(&e->json, "src", s);
		sk_json_member_str(&e->json, "dst", d);
		sk_json_member_int(&e->json, "sport", p->sport);
		sk_json_member_int(&e->json, "dport", p->dport);
		sk_json_member_str(&e->json, "transport", p->proto == 6 ? "tcp" : "udp");
		sk_json_member_int(&e->json, "ttl", p->ttl);
		sk_json_member_int(&e->json, "tos", p->tos);
		if (p->fragment)
			sk_json_member_raw(&e->json, "ip_fragment", "true");
		if (p->nvlan) {
			char v[64];
			int o = snprintf(v, sizeof v, "[");
			for (unsigned i = 0; i < p->nvlan && o < (int)sizeof v - 8; i++)
				o += snprintf(v + o, sizeof v - (size_t)o, "%s%u", i ? "," : "",
					      (unsigned)p->vlan[i]);
			snprintf(v + o, sizeof v - (size_t)o, "]");
			sk_json_member_raw(&e->json, "vlan", v);
		}
	} else {
		char ip6[2][70];
		const char *sf = p->ipver == 6 ? (snprintf(ip6[0], sizeof ip6[0], "[%s]", s), ip6[0]) : s;
		const char *df = p->ipver == 6 ? (snprintf(ip6[1], sizeof ip6[1], "[%s]", d), ip6[1]) : d;
		e->text.depth = 0;
		fprintf(e->out, "Frame %" PRIu64 ": %s, %s:%u -> %s:%u %s, %s %u, %s 0x%02x, %u octets\n",
			e->frame.index, t, sf, (unsigned)p->sport, df, (unsigned)p->dport,
			p->proto == 6 ? "TCP" : "UDP", p->ipver == 6 ? "Hop Limit" : "TTL",
			(unsigned)p->ttl, p->ipver == 6 ? "Traffic Class" : "TOS", (unsigned)p->tos,
			(unsigned)e->frame.wirelen);
		if (p->nvlan) {
			fputs("    VLAN:", e->out);
			for (unsigned i = 0; i < p->nvlan; i++)
				fprintf(e->out, " %u", (unsigned)p->vlan[i]);
			fputc('\n', e->out);
		}
		if (p->fragment)
			fputs("    IP fragment: the payload continues in fragments that are not reassembled\n",
			      e->out);
		e->text.depth = 1;
	}
}

void sk_dec_member_str(struct sk_dec *e, const char *key, const char *label, const char *val)
{
	if (e->o->json)
		sk_json_member_str(&e->json, key, val);
	else
		sk_text_line(&e->text, "%s: %s", label, val);
}

void sk_dec_member_int(struct sk_dec *e, const char *key, const char *label, long long val)
{
	if (e->o->json)
		sk_json_member_int(&e->json, key, val);
	else
		sk_text_line(&e->text, "%s: %lld", label, val);
}

void sk_dec_member_null(struct sk_dec *e, const char *key)
{
	if (e->o->json && !sk_json_has(&e->json, key))
		sk_json_member_null(&e->json, key);
}

void sk_dec_member_bool(struct sk_dec *e, const char *key, const char *label, int val)
{
	if (e->o->json)
		sk_json_member_raw(&e->json, key, val ? "true" : "false");
	else
		sk_text_line(&e->text, "%s: %s", label, val ? "yes" : "no");
}

void sk_dec_error(struct sk_dec *e, enum sk_problem kind, enum sk_result r, size_t off,
		  const char *msg)
{
	tee_problem(e, kind, r, off, msg);
}

void sk_dec_end(struct sk_dec *e, int with_tlvs)
{
	if (e->pkt_failed)
		e->bad_packets++;
	e->shown++;
	if (e->o->json)
		sk_json_end(&e->json, with_tlvs);
	else
		fputc('\n', e->out);
}

/* ---- UDP test flows ---- */

static void handle_udp(struct sk_dec *e)
{
	const struct sk_pkt *p = &e->pkt;
	int role;
	struct sk_twsess *s;
	enum sk_disc_how how = sk_disc_udp(&e->disc, p, e->frame.ts_ns, &role, &s);
	if (how != SK_DISC_NOT_TEST)
		sk_dec_test(e, p->payload, p->payload_len, role, s, sk_disc_how_name(how));
}

/* ---- TCP control streams ---- */

static void tcp_data(void *ctx, struct sk_tcpconn *c, int dir, const uint8_t *p, size_t n,
		     uint64_t frame)
{
	(void)frame;
	sk_dec_control_data(ctx, c, dir, p, n);
}
static void tcp_gap(void *ctx, struct sk_tcpconn *c, int dir, uint32_t missing, uint64_t frame)
{
	(void)frame;
	sk_dec_control_gap(ctx, c, dir, missing);
}
static void tcp_opened(void *ctx, struct sk_tcpconn *c) { sk_dec_control_open(ctx, c); }
static void tcp_dropped(void *ctx, struct sk_tcpconn *c) { sk_dec_control_close(ctx, c); }

/* ---- the run ---- */

int sk_decode_run(const struct sk_decode_opts *o, FILE *out, FILE *diag)
{
	char errbuf[512];
	struct sk_capture *cap = sk_capture_open(o->file, errbuf, sizeof errbuf);
	if (!cap) {
		fprintf(diag, "stampkit decode: %s\n", errbuf);
		return 1;
	}
	int lt = sk_capture_linktype(cap);
	if (!sk_net_linktype_supported(lt)) {
		fprintf(diag, "stampkit decode: %s: link type %d is not supported\n", o->file, lt);
		sk_capture_close(cap);
		return 1;
	}
	struct sk_dec *e = calloc(1, sizeof *e);
	struct sk_tcpstream_ops ops = { tcp_data, tcp_gap, tcp_opened, tcp_dropped, e };
	struct sk_tcpstream *tcp = sk_tcpstream_create(64, 16384, &ops);
	if (!e || !tcp || sk_disc_init(&e->disc, o->ports, o->nports, o->heuristic, o->secrets,
				       o->nsecrets) != 0) {
		fprintf(diag, "stampkit decode: out of memory\n");
		if (e)
			sk_disc_free(&e->disc);
		free(e), sk_tcpstream_destroy(tcp), sk_capture_close(cap);
		return 1;
	}
	e->o = o;
	e->out = out;
	e->diag = diag;
	e->tcp = tcp;
	if (o->json)
		sk_json_visitor(&e->json, out, &e->outv);
	else
		sk_text_visitor(&e->text, out, &e->outv);
	e->v.open = tee_open;
	e->v.close = tee_close;
	e->v.field = tee_field;
	e->v.problem = tee_problem;
	e->v.ctx = e;
	if (sk_dec_proto_init(e) != 0) {
		fprintf(diag, "stampkit decode: cannot initialise the crypto library\n");
		sk_tcpstream_destroy(tcp), sk_disc_free(&e->disc), free(e), sk_capture_close(cap);
		return 1;
	}

	int r;
	while ((r = sk_capture_next(cap, &e->frame)) == 1) {
		struct sk_error err = { 0 };
		enum sk_result nr = sk_net_dissect(lt, e->frame.data, e->frame.caplen, &e->pkt, &err);
		if (nr != SK_OK || !e->pkt.l4) {
			if (nr == SK_E_TRUNCATED)
				e->short_frames++;
			continue;
		}
		e->cur_frame = e->frame.index;
		if (e->pkt.proto == 17)
			handle_udp(e);
		else if (e->pkt.proto == 6 && (port_listed(e, e->pkt.sport) || port_listed(e, e->pkt.dport))) {
			if (e->pkt.trunc & SK_NET_TRUNC_PAYLOAD)
				e->short_frames++;
			if (sk_tcpstream_segment(tcp, &e->pkt, e->frame.index) != 0)
				e->tcp_overflow++;
		}
	}
	sk_tcpstream_flush(tcp, e->frame.index);
	sk_tcpstream_destroy(tcp);
	sk_dec_proto_done(e);
	fflush(out);

	int status = 0;
	const char *cerr = sk_capture_error(cap);
	if (cerr) {
		fprintf(diag, "stampkit decode: warning: %s: capture is damaged (%s); %" PRIu64
			      " packets shown from what could be read\n",
			o->file, cerr, e->shown);
		status = 3;
	}
	if (e->bad_packets) {
		fprintf(diag, "stampkit decode: warning: %" PRIu64 " of %" PRIu64
			      " packets shown are truncated or malformed\n",
			e->bad_packets, e->shown);
		status = 3;
	}
	if (e->tcp_overflow)
		fprintf(diag, "stampkit decode: warning: %" PRIu64
			      " TCP segments ignored: too many control connections at once\n",
			e->tcp_overflow);
	if (o->json)
		sk_json_free(&e->json);
	sk_capture_close(cap);
	sk_disc_free(&e->disc);
	free(e);
	return status;
}
