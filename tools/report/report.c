/* SPDX-License-Identifier: BSD-3-Clause */
/* report.c - the report model: session results from the codec's metrics (metrics.h) and
 * the writers every command shares (twampy's table, one JSON document, per-packet CSV).
 * Loss by direction: RFC 5357 §4.2, RFC 8762 §4; reordering RFC 4737; duplicates RFC 5560;
 * IPDV RFC 3393 / RFC 5481 (docs/metrics.md). */
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "jsonw.h"
#include "report.h"
#include "twtable.h"
#include "stampkit/net.h"
#include "stampkit/stampkit.h"

/* ---- filling the model ---- */

const char *sk_rmode_name(enum sk_rmode m)
{
	return m == SK_RMODE_STAMP ? "stamp" : m == SK_RMODE_TWAMP ? "twamp" : "twamp-light";
}

const char *sk_rstate_name(enum sk_rstate s)
{
	return s == SK_RSTATE_STATEFUL		    ? "stateful"
	       : s == SK_RSTATE_STATELESS_OR_UNKNOWN ? "stateless-or-unknown"
						     : "unknown";
}

void sk_rendpoint(char *buf, size_t n, uint8_t ipver, const uint8_t *addr, uint16_t port)
{
	char s[64];
	sk_net_addr_str(ipver, addr, s, sizeof s);
	if (ipver == 6)
		snprintf(buf, n, "[%s]:%u", s, (unsigned)port);
	else
		snprintf(buf, n, "%s:%u", s, (unsigned)port);
}

void sk_rsession_view_config(struct sk_session_config *cfg, uint32_t window, enum sk_rmode mode,
			     int reflector, uint32_t first_sender_seq, uint32_t sseq, uint32_t rseq)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->window = window;
	cfg->first_sender_seq = first_sender_seq;
	if (first_sender_seq != 0) {
		uint32_t back = sseq - first_sender_seq;
		cfg->first_reflector_seq = back <= rseq ? rseq - back : rseq;
	}
	if (reflector != SK_REFLECTOR_AUTO)
		cfg->mode = (enum sk_reflector_mode)reflector;
	else
		cfg->mode = mode == SK_RMODE_TWAMP ? SK_REFLECTOR_STATEFUL : SK_REFLECTOR_AUTO;
}

static void set_dir(struct sk_rdir *d, bool have_lost, uint64_t lost, bool have_dups,
		    uint64_t dups, bool have_reord, uint64_t reord, const struct sk_dstats *ds)
{
	memset(d, 0, sizeof *d);
	d->have_lost = have_lost, d->lost = lost;
	d->have_dups = have_dups, d->dups = dups;
	d->have_reord = have_reord, d->reord = reord;
	if (ds && ds->count) {
		d->have_delay = true;
		sk_dstats_summarize(ds, &d->delay);
	}
}

/* The members every view fills the same way: totals of the round trip and the residence. */
static void common(struct sk_rsession *r, const struct sk_session *v, uint64_t sent,
		   struct sk_session_summary *s)
{
	sk_session_summary(v, sent, s);
	r->sent = sent;
	r->received = s->received;
	r->reflected = s->reflected;
	r->lost = s->lost;
	r->unknown_lost = 0;
	r->duplicates = s->duplicates;
	r->reordered = s->reordered;
	r->max_extent = s->max_extent;
	r->reflector_state = s->stateful ? SK_RSTATE_STATEFUL : SK_RSTATE_STATELESS_OR_UNKNOWN;
	const struct sk_dstats *res = sk_session_dstats(v, SK_DIR_RESIDENCE);
	r->have_residence = res && res->count;
	if (r->have_residence)
		sk_dstats_summarize(res, &r->residence);
}

void sk_rsession_from_sender(struct sk_rsession *r, const struct sk_session *s, uint64_t sent)
{
	struct sk_session_summary m;
	common(r, s, sent, &m);
	r->seen = SK_RSEEN_SENDER;
	bool known = !m.direction_unknown;
	r->unknown_lost = m.unknown_lost;
	set_dir(&r->dir[SK_RDIR_OUT], known, m.outbound_lost, known, m.outbound_duplicates, known,
		m.outbound_reordered, sk_session_dstats(s, SK_DIR_OUTBOUND));
	set_dir(&r->dir[SK_RDIR_IN], known, m.inbound_lost, known, m.inbound_duplicates, known,
		m.inbound_reordered, sk_session_dstats(s, SK_DIR_INBOUND));
	set_dir(&r->dir[SK_RDIR_RTT], true, m.lost, true, m.duplicates, true, m.reordered,
		sk_session_dstats(s, SK_DIR_RTT));
	r->dir[SK_RDIR_OUT].max_extent = m.outbound_max_extent;
	r->dir[SK_RDIR_IN].max_extent = m.inbound_max_extent;
	r->dir[SK_RDIR_RTT].max_extent = m.max_extent;
}

void sk_rsession_from_reflector(struct sk_rsession *r, const struct sk_session *s, uint64_t sent)
{
	struct sk_session_summary m;
	common(r, s, sent, &m);
	r->seen = SK_RSEEN_REFLECTOR;
	/* At the reflector every reply is seen as it leaves: a sender packet that was never
	 * answered did not arrive, so all loss, duplication and reordering seen here happened
	 * on the way out; the way back is not seen. */
	set_dir(&r->dir[SK_RDIR_OUT], true, m.lost, true, m.duplicates, true, m.reordered,
		sk_session_dstats(s, SK_DIR_OUTBOUND));
	r->dir[SK_RDIR_OUT].max_extent = m.max_extent;
	set_dir(&r->dir[SK_RDIR_IN], false, 0, false, 0, false, 0, NULL);
	set_dir(&r->dir[SK_RDIR_RTT], false, 0, false, 0, false, 0, NULL);
}

void sk_rsession_from_both(struct sk_rsession *r, const struct sk_session *s,
			   const struct sk_session *rv, uint64_t sent)
{
	struct sk_session_summary m, q;
	common(r, s, sent, &m);
	r->seen = SK_RSEEN_BOTH;
	bool known = !m.direction_unknown;
	/* What reached the reflector is seen there: the reflector's view gives the outbound
	 * loss, duplicates and reordering; the rest of the round trip is inbound. */
	sk_session_summary(rv, sent, &q);
	uint64_t out = q.lost < m.lost ? q.lost : m.lost;
	uint64_t dup_in = m.duplicates > q.duplicates ? m.duplicates - q.duplicates : 0;
	set_dir(&r->dir[SK_RDIR_RTT], true, m.lost, true, m.duplicates, true, m.reordered,
		sk_session_dstats(s, SK_DIR_RTT));
	r->dir[SK_RDIR_RTT].max_extent = m.max_extent;
	set_dir(&r->dir[SK_RDIR_OUT], true, out, true, q.duplicates, true, q.reordered,
		sk_session_dstats(s, SK_DIR_OUTBOUND));
	set_dir(&r->dir[SK_RDIR_IN], true, m.lost - out, true, dup_in, known, m.inbound_reordered,
		sk_session_dstats(s, SK_DIR_INBOUND));
	r->dir[SK_RDIR_OUT].max_extent = q.max_extent;
	r->dir[SK_RDIR_IN].max_extent = m.inbound_max_extent;
}

void sk_rsession_silent(struct sk_rsession *r, uint64_t sent)
{
	r->seen = SK_RSEEN_NONE;
	r->reflector_state = SK_RSTATE_UNKNOWN;
	r->sent = sent;
	r->received = r->reflected = 0;
	r->lost = r->unknown_lost = sent;
	r->duplicates = r->reordered = r->max_extent = 0;
	r->have_residence = false;
	set_dir(&r->dir[SK_RDIR_OUT], false, 0, false, 0, false, 0, NULL);
	set_dir(&r->dir[SK_RDIR_IN], false, 0, false, 0, false, 0, NULL);
	set_dir(&r->dir[SK_RDIR_RTT], true, sent, true, 0, true, 0, NULL);
}

void sk_rsession_wire(struct sk_rsession *r, const struct sk_dstats *w)
{
	static const enum sk_dir d[SK_RDIR_N] = { SK_DIR_OUTBOUND, SK_DIR_INBOUND, SK_DIR_RTT };
	r->have_wire = w != NULL;
	for (int i = 0; w && i < SK_RDIR_N; i++)
		sk_dstats_summarize(&w[d[i]], &r->wire[i]);
}

/* ---- command-specific members ---- */

static struct sk_rkv *kv_add(struct sk_rkv *kv, unsigned *n, const char *key, const char *label,
			     enum sk_rkv_type t)
{
	/* A full table is a programming error: the member is dropped rather than overflowing. */
	if (*n >= SK_REPORT_MAX_KV)
		return NULL;
	struct sk_rkv *e = &kv[(*n)++];
	memset(e, 0, sizeof *e);
	e->key = key;
	e->label = label;
	e->type = t;
	return e;
}

#define KV(arr, n, key, label, type, field, val)                                    \
	do {                                                                        \
		struct sk_rkv *e_ = kv_add(arr, n, key, label, type);               \
		if (e_)                                                             \
			e_->v.field = (val);                                        \
	} while (0)

void sk_rsession_kv_u64(struct sk_rsession *r, const char *key, const char *label, uint64_t v)
{
	KV(r->kv, &r->nkv, key, label, SK_RKV_U64, u, v);
}
void sk_rsession_kv_i64(struct sk_rsession *r, const char *key, const char *label, int64_t v)
{
	KV(r->kv, &r->nkv, key, label, SK_RKV_I64, i, v);
}
void sk_rsession_kv_str(struct sk_rsession *r, const char *key, const char *label, const char *v)
{
	KV(r->kv, &r->nkv, key, label, v ? SK_RKV_STR : SK_RKV_NULL, s, v);
}
void sk_rsession_kv_double(struct sk_rsession *r, const char *key, const char *label, double v)
{
	KV(r->kv, &r->nkv, key, label, SK_RKV_DOUBLE, d, v);
}
void sk_rsession_kv_bool(struct sk_rsession *r, const char *key, const char *label, bool v)
{
	KV(r->kv, &r->nkv, key, label, SK_RKV_BOOL, b, v);
}
void sk_rsession_kv_raw(struct sk_rsession *r, const char *key, const char *json)
{
	KV(r->kv, &r->nkv, key, NULL, SK_RKV_RAW, s, json);
}
void sk_report_kv_u64(struct sk_report *rep, const char *key, uint64_t v)
{
	KV(rep->kv, &rep->nkv, key, NULL, SK_RKV_U64, u, v);
}
void sk_report_kv_i64(struct sk_report *rep, const char *key, int64_t v)
{
	KV(rep->kv, &rep->nkv, key, NULL, SK_RKV_I64, i, v);
}
void sk_report_kv_double(struct sk_report *rep, const char *key, double v)
{
	KV(rep->kv, &rep->nkv, key, NULL, SK_RKV_DOUBLE, d, v);
}
void sk_report_kv_bool(struct sk_report *rep, const char *key, bool v)
{
	KV(rep->kv, &rep->nkv, key, NULL, SK_RKV_BOOL, b, v);
}
void sk_report_kv_str(struct sk_report *rep, const char *key, const char *v)
{
	KV(rep->kv, &rep->nkv, key, NULL, v ? SK_RKV_STR : SK_RKV_NULL, s, v);
}
void sk_report_kv_raw(struct sk_report *rep, const char *key, const char *json)
{
	KV(rep->kv, &rep->nkv, key, NULL, SK_RKV_RAW, s, json);
}

static void jw_kv(struct sk_jw *w, const struct sk_rkv *e)
{
	switch (e->type) {
	case SK_RKV_U64: sk_jw_u64(w, e->key, e->v.u); break;
	case SK_RKV_I64: sk_jw_i64(w, e->key, e->v.i); break;
	case SK_RKV_DOUBLE: sk_jw_double(w, e->key, e->v.d); break;
	case SK_RKV_STR: sk_jw_str(w, e->key, e->v.s); break;
	case SK_RKV_BOOL: sk_jw_bool(w, e->key, e->v.b); break;
	case SK_RKV_NULL: sk_jw_null(w, e->key); break;
	case SK_RKV_RAW: sk_jw_raw(w, e->key, e->v.s); break;
	}
}

/* ---- JSON ---- */

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static void jw_us(struct sk_jw *w, const char *key, double ns)
{
	sk_jw_fixed(w, key, ns / 1000.0, 3);
}

/* Delay members in microseconds with ns resolution; null where not computable. */
static void json_delays(struct sk_jw *w, bool have, const struct sk_dstats_summary *s)
{
	static const char *const keys[] = { "min_us", "avg_us", "max_us", "p50_us", "p90_us",
					    "p99_us", "jitter_us", "negative" };
	if (!have) {
		for (unsigned i = 0; i < sizeof keys / sizeof keys[0]; i++)
			sk_jw_null(w, keys[i]);
		sk_jw_u64(w, "ipdv_count", 0);
	} else {
		jw_us(w, "min_us", (double)s->min);
		jw_us(w, "avg_us", s->mean);
		jw_us(w, "max_us", (double)s->max);
		jw_us(w, "p50_us", (double)s->p50);
		jw_us(w, "p90_us", (double)s->p90);
		jw_us(w, "p99_us", (double)s->p99);
		if (s->count >= 2)
			jw_us(w, "jitter_us", s->jitter_ns);
		else
			sk_jw_null(w, "jitter_us");
		sk_jw_u64(w, "negative", s->negative);
		/* RFC 3393 / RFC 5481 IPDV over consecutive sequence numbers (metrics.md §2). */
		sk_jw_u64(w, "ipdv_count", s->ipdv_count);
	}
	if (have && s->ipdv_count) {
		jw_us(w, "ipdv_min_us", (double)s->ipdv_min);
		jw_us(w, "ipdv_max_us", (double)s->ipdv_max);
		jw_us(w, "ipdv_mean_us", s->ipdv_mean);
		jw_us(w, "ipdv_abs_mean_us", s->ipdv_abs_mean);
	} else {
		sk_jw_null(w, "ipdv_min_us");
		sk_jw_null(w, "ipdv_max_us");
		sk_jw_null(w, "ipdv_mean_us");
		sk_jw_null(w, "ipdv_abs_mean_us");
	}
}

static void json_dir(struct sk_jw *w, const char *name, const struct sk_rdir *d, uint64_t sent)
{
	sk_jw_obj(w, name);
	if (d->have_lost) {
		sk_jw_u64(w, "lost", d->lost);
		sk_jw_fixed(w, "loss_pct", pct(d->lost, sent), 3);
	} else {
		sk_jw_null(w, "lost");
		sk_jw_null(w, "loss_pct");
	}
	if (d->have_dups)
		sk_jw_u64(w, "duplicates", d->dups);
	else
		sk_jw_null(w, "duplicates");
	if (d->have_reord) {
		sk_jw_u64(w, "reordered", d->reord);
		sk_jw_u64(w, "max_extent", d->max_extent);
	} else {
		sk_jw_null(w, "reordered");
		sk_jw_null(w, "max_extent");
	}
	json_delays(w, d->have_delay, &d->delay);
	sk_jw_obj_end(w);
}

void sk_report_json_session(struct sk_jw *w, const struct sk_rsession *r)
{
	static const char *const dn[SK_RDIR_N] = { "outbound", "inbound", "roundtrip" };
	sk_jw_obj(w, NULL);
	sk_jw_u64(w, "index", r->index);
	sk_jw_str(w, "sender", r->sender);
	sk_jw_str(w, "reflector", r->reflector);
	if (r->has_ssid)
		sk_jw_u64(w, "ssid", r->ssid);
	else
		sk_jw_null(w, "ssid");
	sk_jw_str(w, "mode", sk_rmode_name(r->mode));
	sk_jw_u64(w, "sent", r->sent);
	sk_jw_u64(w, "received", r->received);
	sk_jw_u64(w, "reflected", r->reflected);
	sk_jw_u64(w, "unknown_lost", r->unknown_lost);
	sk_jw_str(w, "reflector_state", sk_rstate_name(r->reflector_state));
	for (int d = 0; d < SK_RDIR_N; d++)
		json_dir(w, dn[d], &r->dir[d], r->sent);
	sk_jw_obj(w, "residence");
	json_delays(w, r->have_residence, &r->residence);
	sk_jw_obj_end(w);
	if (r->have_wire) {
		sk_jw_obj(w, "wire");
		for (int d = 0; d < SK_RDIR_N; d++) {
			sk_jw_obj(w, dn[d]);
			json_delays(w, r->wire[d].count > 0, &r->wire[d]);
			sk_jw_obj_end(w);
		}
		sk_jw_obj_end(w);
	} else {
		sk_jw_null(w, "wire");
	}
	for (unsigned i = 0; i < r->nkv; i++)
		jw_kv(w, &r->kv[i]);
	sk_jw_obj_end(w);
}

struct totals {
	uint64_t sent, received, lost, dups, reord;
};

static void totals_of(const struct sk_report *rep, struct totals *t)
{
	memset(t, 0, sizeof *t);
	for (size_t i = 0; i < rep->nsessions; i++) {
		const struct sk_rsession *r = &rep->sessions[i];
		t->sent += r->sent, t->received += r->received, t->lost += r->lost;
		t->dups += r->duplicates, t->reord += r->reordered;
	}
}

/* The end every whole-run and interval document shares: the sessions, then their totals. */
static void sessions_and_summary(struct sk_jw *w, const struct sk_report *rep)
{
	sk_jw_arr(w, "sessions");
	for (size_t i = 0; i < rep->nsessions; i++)
		sk_report_json_session(w, &rep->sessions[i]);
	sk_jw_arr_end(w);
	struct totals t;
	totals_of(rep, &t);
	sk_jw_obj(w, "summary");
	sk_jw_u64(w, "sessions", rep->nsessions);
	sk_jw_u64(w, "sent", t.sent);
	sk_jw_u64(w, "received", t.received);
	sk_jw_u64(w, "lost", t.lost);
	sk_jw_fixed(w, "loss_pct", pct(t.lost, t.sent), 3);
	sk_jw_u64(w, "duplicates", t.dups);
	sk_jw_u64(w, "reordered", t.reord);
	sk_jw_obj_end(w);
	sk_jw_obj_end(w);
}

void sk_report_json(FILE *out, const struct sk_report *rep)
{
	struct sk_jw w;
	sk_jw_init(&w, out);
	sk_jw_obj(&w, NULL);
	sk_jw_str(&w, "command", rep->command);
	sk_jw_str(&w, "version", STAMPKIT_VERSION);
	for (unsigned i = 0; i < rep->nkv; i++)
		jw_kv(&w, &rep->kv[i]);
	sessions_and_summary(&w, rep);
	fputc('\n', out);
}

void sk_report_time(char *buf, size_t n, int64_t ns)
{
	time_t sec = (time_t)(ns / 1000000000LL);
	struct tm tm;
	char day[32];
	gmtime_r(&sec, &tm);
	strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, n, "%s.%06dZ", day, (int)(ns % 1000000000LL / 1000));
}

void sk_report_json_interval(FILE *out, const struct sk_report *rep, unsigned index,
			     int64_t start_ns, int64_t end_ns)
{
	struct sk_jw w;
	char t[48];
	sk_jw_init(&w, out);
	sk_jw_obj(&w, NULL);
	sk_jw_str(&w, "type", "interval");
	sk_jw_str(&w, "command", rep->command);
	sk_jw_str(&w, "version", STAMPKIT_VERSION);
	sk_jw_u64(&w, "interval", index);
	sk_report_time(t, sizeof t, start_ns);
	sk_jw_str(&w, "start", t);
	sk_report_time(t, sizeof t, end_ns);
	sk_jw_str(&w, "end", t);
	sk_jw_fixed(&w, "duration_s", (double)(end_ns - start_ns) / 1e9, 6);
	sessions_and_summary(&w, rep);
	fputc('\n', out);
}

/* ---- the table (twampy's layout: every value a 10-character field) ---- */

static const char *trim(const char *s)
{
	while (*s == ' ')
		s++;
	return s;
}

static void table_row(FILE *o, const char *label, const struct sk_rdir *d, uint64_t sent)
{
	char mn[32] = "         -", mx[32] = "         -", av[32] = "         -", jt[32] = "         -";
	if (d->have_delay) {
		sk_twtab_value(mn, sizeof mn, (double)d->delay.min);
		sk_twtab_value(mx, sizeof mx, (double)d->delay.max);
		sk_twtab_value(av, sizeof av, d->delay.mean);
		if (d->delay.count >= 2)
			sk_twtab_value(jt, sizeof jt, d->delay.jitter_ns);
	}
	char loss[16];
	sk_twtab_loss(loss, sizeof loss, d->lost, sent, d->have_lost);
	sk_twtab_row(o, label, mn, mx, av, jt, loss);
}

void sk_report_table_session(FILE *o, const struct sk_rsession *r)
{
	sk_twtab_head(o);
	if (r->seen == SK_RSEEN_NONE) {
		fputs("  NO STATS AVAILABLE (100% loss)\n", o);
	} else {
		table_row(o, "Outbound:", &r->dir[SK_RDIR_OUT], r->sent);
		table_row(o, "Inbound:", &r->dir[SK_RDIR_IN], r->sent);
		table_row(o, "Roundtrip:", &r->dir[SK_RDIR_RTT], r->sent);
	}
	sk_twtab_foot(o);
}

/* Percentiles and IPDV of one direction. */
static void pcts(FILE *o, const char *label, bool have, const struct sk_dstats_summary *s)
{
	if (!have)
		return;
	char a[32], b[32], c[32];
	sk_twtab_value(a, sizeof a, (double)s->p50);
	sk_twtab_value(b, sizeof b, (double)s->p90);
	sk_twtab_value(c, sizeof c, (double)s->p99);
	fprintf(o, "  %-11s p50 %s, p90 %s, p99 %s", label, trim(a), trim(b), trim(c));
	if (s->ipdv_count) {
		char m[32], lo[32], hi[32];
		sk_twtab_value(m, sizeof m, s->ipdv_abs_mean);
		sk_twtab_value(lo, sizeof lo, (double)s->ipdv_min);
		sk_twtab_value(hi, sizeof hi, (double)s->ipdv_max);
		fprintf(o, "; IPDV mean abs %s, min %s, max %s", trim(m), trim(lo), trim(hi));
	}
	if (s->negative)
		fprintf(o, "; %" PRIu64 " negative (clock offset)", s->negative);
	fputc('\n', o);
}

static const char *seen_text(const struct sk_rsession *r)
{
	switch (r->seen) {
	case SK_RSEEN_BOTH: return "seen at the sender and at the reflector";
	case SK_RSEEN_SENDER: return "seen at the sender";
	case SK_RSEEN_REFLECTOR: return "seen at the reflector only";
	default: return "no replies";
	}
}

static void counts_lines(FILE *o, const struct sk_rsession *r)
{
	const struct sk_rdir *ob = &r->dir[SK_RDIR_OUT], *ib = &r->dir[SK_RDIR_IN];
	bool at_sender = r->seen == SK_RSEEN_SENDER || r->seen == SK_RSEEN_BOTH;
	fprintf(o, "  Sent %" PRIu64 ", received %" PRIu64 ", lost %" PRIu64, r->sent, r->received,
		r->lost);
	if (r->seen == SK_RSEEN_BOTH)
		fprintf(o, " (outbound %" PRIu64 ", inbound %" PRIu64
			   ", told apart by the reflector-side capture)",
			ob->lost, ib->lost);
	else if (at_sender && ob->have_lost)
		fprintf(o, " (outbound %" PRIu64 ", inbound %" PRIu64 ", after the last reply %" PRIu64
			   ")",
			ob->lost, ib->lost, r->unknown_lost);
	else if (r->seen == SK_RSEEN_REFLECTOR)
		fprintf(o, " (on the way out; the way back is not seen at the reflector)");
	else if (at_sender)
		fprintf(o, " (direction unknown: the reflector copies the sender's numbers)");
	fputc('\n', o);
	if (r->seen == SK_RSEEN_NONE)
		return;
	fprintf(o, "  Duplicates %" PRIu64, r->duplicates);
	if (at_sender && ob->have_dups && ib->have_dups)
		fprintf(o, " (outbound %" PRIu64 ", inbound %" PRIu64 ")", ob->dups, ib->dups);
	fprintf(o, ", reordered %" PRIu64, r->reordered);
	if (at_sender && ob->have_reord && ib->have_reord)
		fprintf(o, " (outbound %" PRIu64 ", inbound %" PRIu64 ")", ob->reord, ib->reord);
	else if (at_sender && ob->have_reord)
		fprintf(o, " (outbound %" PRIu64 ")", ob->reord);
	fprintf(o, ", max extent %" PRIu64 "\n", r->max_extent);
	pcts(o, "Outbound:", ob->have_delay, &ob->delay);
	pcts(o, "Inbound:", ib->have_delay, &ib->delay);
	pcts(o, "Roundtrip:", r->dir[SK_RDIR_RTT].have_delay, &r->dir[SK_RDIR_RTT].delay);
	pcts(o, "Residence:", r->have_residence, &r->residence);
}

static void kv_line(FILE *o, const struct sk_rkv *e)
{
	fprintf(o, "  %s: ", e->label);
	switch (e->type) {
	case SK_RKV_U64: fprintf(o, "%" PRIu64, e->v.u); break;
	case SK_RKV_I64: fprintf(o, "%" PRId64, e->v.i); break;
	case SK_RKV_DOUBLE: fprintf(o, "%g", e->v.d); break;
	case SK_RKV_STR: fputs(e->v.s, o); break;
	case SK_RKV_BOOL: fputs(e->v.b ? "yes" : "no", o); break;
	case SK_RKV_NULL: fputs("n/a", o); break;
	case SK_RKV_RAW: fputs(e->v.s, o); break;
	}
	fputc('\n', o);
}

/* count, min, avg, max, p99, jitter in ms of one series. */
static void ms_row(FILE *o, const char *name, bool have, const struct sk_dstats_summary *s)
{
	if (!have) {
		fprintf(o, "  %-11s %8s\n", name, "0");
		return;
	}
	fprintf(o, "  %-11s %8" PRIu64 " %11.3f %11.3f %11.3f %11.3f %11.3f\n", name, s->count,
		(double)s->min / 1e6, s->mean / 1e6, (double)s->max / 1e6, (double)s->p99 / 1e6,
		s->jitter_ns / 1e6);
}

static void ms_rows(FILE *o, const struct sk_rsession *r)
{
	static const char *const names[SK_RDIR_N] = { "outbound", "inbound", "round trip" };
	fprintf(o, "  %-11s %8s %11s %11s %11s %11s %11s\n", "ms", "count", "min", "avg", "max", "p99",
		"jitter");
	for (int d = 0; d < SK_RDIR_N; d++)
		ms_row(o, names[d], r->dir[d].have_delay, &r->dir[d].delay);
	ms_row(o, "reflector", r->have_residence, &r->residence);
}

static void table_block(FILE *o, const struct sk_rsession *r, bool ms)
{
	fprintf(o, "Session %u: %s -> %s, %s", r->index, r->sender, r->reflector,
		sk_rmode_name(r->mode));
	if (r->has_ssid)
		fprintf(o, " SSID %u", (unsigned)r->ssid);
	fprintf(o, ", %s reflector, %s\n",
		r->reflector_state == SK_RSTATE_UNKNOWN ? "silent"
		: r->reflector_state == SK_RSTATE_STATEFUL ? "stateful"
							   : "stateless or unknown",
		seen_text(r));
	sk_report_table_session(o, r);
	counts_lines(o, r);
	if (r->have_wire) {
		static const char *const wl[] = { "Outbound:", "Inbound:", "Roundtrip:" };
		fputs("  Wire delays from the capture times at both ends (min/avg/max):\n", o);
		for (int d = 0; d < SK_RDIR_N; d++) {
			char p[32], q[32], s[32];
			sk_twtab_value(p, sizeof p, (double)r->wire[d].min);
			sk_twtab_value(q, sizeof q, r->wire[d].mean);
			sk_twtab_value(s, sizeof s, (double)r->wire[d].max);
			fprintf(o, "    %-11s %s / %s / %s\n", wl[d], trim(p), trim(q), trim(s));
		}
	}
	if (ms && r->seen != SK_RSEEN_NONE)
		ms_rows(o, r);
	for (unsigned i = 0; i < r->nkv; i++)
		if (r->kv[i].label)
			kv_line(o, &r->kv[i]);
	fputc('\n', o);
}

void sk_report_table_block(FILE *o, const struct sk_rsession *r) { table_block(o, r, false); }

void sk_report_table(FILE *o, const struct sk_report *rep)
{
	for (size_t i = 0; i < rep->nsessions; i++)
		table_block(o, &rep->sessions[i], rep->table_ms_rows);
	struct totals t;
	totals_of(rep, &t);
	fprintf(o, "Summary: %zu session%s, sent %" PRIu64 ", received %" PRIu64 ", lost %" PRIu64
		   " (%.1f%%), %" PRIu64 " duplicate%s, %" PRIu64 " reordered%s\n",
		rep->nsessions, rep->nsessions == 1 ? "" : "s", t.sent, t.received, t.lost,
		pct(t.lost, t.sent), t.dups, t.dups == 1 ? "" : "s", t.reord,
		rep->summary_tail ? rep->summary_tail : "");
	if (rep->table_notes)
		fputs(rep->table_notes, o);
}

/* ---- per-packet CSV ---- */

void sk_report_csv_header(FILE *f)
{
	fputs("session,sender,sender_port,reflector,reflector_port,ssid,seq,reflector_seq,t1_ns,"
	      "t2_ns,t3_ns,t4_ns,sender_capture_ns,reply_capture_ns,outbound_ns,inbound_ns,"
	      "roundtrip_ns,residence_ns,lost,duplicate,reordered\n",
	      f);
}

static void csv_i64(FILE *f, bool have, int64_t v)
{
	if (have)
		fprintf(f, ",%" PRId64, v);
	else
		fputc(',', f);
}

void sk_report_csv_row(FILE *f, const struct sk_rpacket *p)
{
	fprintf(f, "%u,%s,%u,%s,%u,", p->session, p->sender, (unsigned)p->sender_port, p->reflector,
		(unsigned)p->reflector_port);
	if (p->has_ssid)
		fprintf(f, "%u", (unsigned)p->ssid);
	fprintf(f, ",%" PRIu32, p->seq);
	csv_i64(f, p->have_reflector_seq, p->reflector_seq);
	for (int i = 0; i < 4; i++)
		csv_i64(f, p->have_t[i], p->t_ns[i]);
	csv_i64(f, p->have_sender_cap, p->sender_cap_ns);
	csv_i64(f, p->have_reply_cap, p->reply_cap_ns);
	for (int i = 0; i < 4; i++)
		csv_i64(f, p->have_delay[i], p->delay_ns[i]);
	fprintf(f, ",%d,%d,%d\n", p->lost, p->duplicate, p->reordered);
}
