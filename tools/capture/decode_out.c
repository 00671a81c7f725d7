/* SPDX-License-Identifier: BSD-3-Clause */
/* decode_out.c - how `stampkit decode` writes what it finds: a tree per packet, or one JSON
 * document whose "packets" array holds one object per line (docs/json-schema.md); and the
 * visitor between the codec's decoders and that output, which counts real problems
 * (a non-zero MBZ is shown but not counted: RFC 4656 §4.1.2 says to ignore it on receipt). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "decode_int.h"
#include "stampkit/stampkit.h"

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

void sk_dec_out_init(struct sk_dec *e)
{
	if (e->o->json) {
		sk_json_visitor(&e->json, e->out, &e->outv);
		e->json.in_array = 1;
	} else {
		sk_text_visitor(&e->text, e->out, &e->outv);
	}
	e->v.open = tee_open;
	e->v.close = tee_close;
	e->v.field = tee_field;
	e->v.problem = tee_problem;
	e->v.ctx = e;
}

void sk_dec_out_free(struct sk_dec *e)
{
	if (e->o->json)
		sk_json_free(&e->json);
}

/* ---- the JSON document around the packets ---- */

void sk_dec_doc_begin(struct sk_dec *e)
{
	if (!e->o->json)
		return;
	struct sk_sbuf b = { 0 };
	sk_json_str(&b, e->o->file, strlen(e->o->file));
	fprintf(e->out, "{\"command\":\"decode\",\"version\":\"%s\",\"files\":[%s],\"packets\":[\n",
		STAMPKIT_VERSION, b.p ? b.p : "\"\"");
	sk_sbuf_free(&b);
}

void sk_dec_doc_end(struct sk_dec *e, int damaged)
{
	if (!e->o->json)
		return;
	fprintf(e->out,
		"%s],\"summary\":{\"frames\":%" PRIu64 ",\"packets\":%" PRIu64
		",\"test_packets\":%" PRIu64 ",\"control_messages\":%" PRIu64
		",\"malformed\":%" PRIu64 ",\"truncated_frames\":%" PRIu64
		",\"tcp_segments_ignored\":%" PRIu64 ",\"damaged\":%s}}\n",
		e->shown ? "\n" : "", e->frames, e->shown, e->test_packets, e->control_messages,
		e->bad_packets, e->short_frames, e->tcp_overflow, damaged ? "true" : "false");
}

/* ---- packet framing in both outputs ---- */

static void begin_json(struct sk_dec *e, const char *kind, const char *t, const char *s,
		       const char *d)
{
	const struct sk_pkt *p = &e->pkt;
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
}

static void begin_text(struct sk_dec *e, const char *t, const char *s, const char *d)
{
	const struct sk_pkt *p = &e->pkt;
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

void sk_dec_begin(struct sk_dec *e, const char *kind)
{
	const struct sk_pkt *p = &e->pkt;
	char t[48], s[64], d[64];
	sk_ns_to_iso(e->frame.ts_ns, t, sizeof t);
	sk_net_addr_str(p->ipver, p->src, s, sizeof s);
	sk_net_addr_str(p->ipver, p->dst, d, sizeof d);
	e->pkt_errors = 0;
	e->pkt_failed = 0;
	if (!strcmp(kind, "test"))
		e->test_packets++;
	else
		e->control_messages++;
	if (e->o->json)
		begin_json(e, kind, t, s, d);
	else
		begin_text(e, t, s, d);
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

void sk_dec_result(struct sk_dec *e, enum sk_result r, const struct sk_error *err)
{
	if (r == SK_OK)
		return;
	char msg[200];
	snprintf(msg, sizeof msg, "%s at offset %zu: %s", sk_strerror(r), err->offset, err->msg);
	e->pkt_failed = 1;
	if (e->o->json)
		sk_json_set_error(&e->json, msg);
	else
		sk_text_line(&e->text, "Error: %s", msg);
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
