/* SPDX-License-Identifier: BSD-3-Clause */
/* clireport.c - the results of `controller` (one report-model session result per test
 * session, RFC 5357 §4) and `controlclient` (the sessions it set up, measured elsewhere)
 * on standard output: the table, or with --json one document (docs/json-schema.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "client_int.h"
#include "jsonw.h"
#include "log.h"
#include "report.h"
#include "stampkit/testpkt.h"
#include "sys.h"
#include "twlive.h"

/* Text a session's members point to: they must outlive the writer's call. */
struct ctext {
	char sid[33];
	char features[64];
};

static void sid_hex(char out[33], const uint8_t sid[16])
{
	for (int j = 0; j < 16; j++)
		snprintf(out + 2 * j, 3, "%02x", sid[j]);
}

/* "reflect-octets,symmetrical" ("" when none was negotiated). */
static void features_text(char *b, size_t n, uint8_t tf)
{
	snprintf(b, n, "%s%s%s%s%s", (tf & SK_TF_REFLECT_OCTETS) ? "reflect-octets" : "",
		 (tf & SK_TF_REFLECT_OCTETS) && (tf & (SK_TF_SYMMETRICAL | SK_TF_DSCP_ECN)) ? "," : "",
		 (tf & SK_TF_SYMMETRICAL) ? "symmetrical" : "",
		 (tf & SK_TF_SYMMETRICAL) && (tf & SK_TF_DSCP_ECN) ? "," : "",
		 (tf & SK_TF_DSCP_ECN) ? "dscp-ecn" : "");
}

/* The members every TWAMP session has, measured here or not. */
static void session_members(struct sk_rsession *r, const struct sk_twsm_session *s,
			    uint16_t sender_port, int dscp, struct ctext *t)
{
	sid_hex(t->sid, s->sid);
	sk_rsession_kv_str(r, "sid", "SID", t->sid);
	sk_rsession_kv_u64(r, "sender_port", NULL, sender_port);
	sk_rsession_kv_u64(r, "reflector_port", NULL, s->reflector_port);
	sk_rsession_kv_u64(r, "dscp", "DSCP (Type-P)", dscp > 0 ? (uint64_t)dscp : 0);
}

static void ctl_session(struct sk_rsession *r, unsigned index, struct csess *x,
			const struct cli *c, const struct client_opts *o, struct ctext *t)
{
	memset(r, 0, sizeof *r);
	r->index = index;
	r->mode = SK_RMODE_TWAMP;
	r->has_ssid = false;
	sk_sockaddr_str((const struct sockaddr *)&x->io.bound, r->sender, sizeof r->sender);
	sk_sockaddr_str((const struct sockaddr *)&x->refl, r->reflector, sizeof r->reflector);
	sk_session_finish(x->stats);
	sk_rsession_from_sender(r, x->stats, x->sent);
	const struct sk_twsm_session *s = sk_twsm_session(&c->sm, (unsigned)x->idx);
	session_members(r, s, x->sender_port, o->session_dscp, t);
	sk_rsession_kv_u64(r, "padding", NULL, o->padding > 0 ? (uint64_t)o->padding : 0);
	sk_rsession_kv_u64(r, "bad_replies", "replies that did not decode or authenticate", x->bad);
	if (x->use_ivl)
		sk_rsession_kv_u64(r, "late", x->late ? "replies after their loss timeout (counted "
				   "as lost)" : NULL, x->late);
	features_text(t->features, sizeof t->features, x->tf);
	sk_rsession_kv_str(r, "features", NULL, t->features);
	if (x->tf & SK_TF_DSCP_ECN) {
		if (x->dscp_ecn >= 0)
			sk_rsession_kv_u64(r, "dscp_ecn", "DSCP/ECN at the reflector (RFC 7750)",
					   (uint64_t)x->dscp_ecn);
		else
			sk_rsession_kv_raw(r, "dscp_ecn", "null");
	}
	if (x->tf & SK_TF_REFLECT_OCTETS) {
		sk_rsession_kv_u64(r, "reflect_len", "reflected octets asked (RFC 6038)", x->reflect_len);
		sk_rsession_kv_u64(r, "reflect_mismatch", "replies with other reflected octets",
				   x->reflect_bad);
	}
}

/* The document's own members: the server, the security mode. */
static void doc_members(struct sk_report *rep, const struct cli *c, const struct client_opts *o,
			char *srv, size_t n)
{
	sk_sockaddr_str((const struct sockaddr *)&c->srv, srv, n);
	sk_report_kv_str(rep, "server", srv);
	sk_report_kv_str(rep, "security", sk_tw_mode_name(o->mode));
	sk_report_kv_bool(rep, "individual", o->individual);
}

/* One report of o->sessions sessions: the document members set, the sessions allocated. */
struct crep {
	struct sk_report rep;
	struct sk_rsession *rs;
	struct ctext *t;
	char srv[80];
};

static bool crep_open(struct crep *cr, const char *command, const struct cli *c,
		      const struct client_opts *o)
{
	memset(cr, 0, sizeof *cr);
	cr->rs = calloc((size_t)o->sessions, sizeof *cr->rs);
	cr->t = calloc((size_t)o->sessions, sizeof *cr->t);
	if (!cr->rs || !cr->t) {
		free(cr->rs);
		free(cr->t);
		sk_diag("out of memory");
		return false;
	}
	cr->rep.command = command;
	doc_members(&cr->rep, c, o, cr->srv, sizeof cr->srv);
	cr->rep.sessions = cr->rs;
	cr->rep.nsessions = (size_t)o->sessions;
	return true;
}

static void crep_close(struct crep *cr)
{
	fflush(stdout);
	free(cr->rs);
	free(cr->t);
}

void ctl_report(struct csess *xs, const struct cli *c, const struct client_opts *o)
{
	struct crep cr;
	if (!crep_open(&cr, "controller", c, o))
		return;
	for (long i = 0; i < o->sessions; i++)
		ctl_session(&cr.rs[i], (unsigned)i + 1, &xs[i], c, o, &cr.t[i]);
	if (o->json)
		sk_report_json(stdout, &cr.rep);
	else
		sk_report_table(stdout, &cr.rep);
	crep_close(&cr);
}

/* controlclient: nothing is measured here (the Session-Sender is elsewhere), so each
 * session is one of which nothing was counted: sent 0, no statistics, "measured": false. */
void cc_report(const struct cli *c, const struct client_opts *o, uint16_t tp)
{
	uint8_t sfam, saddr[16], lfam, laddr[16];
	uint16_t sport;
	sk_sockaddr_unpack((const struct sockaddr *)&c->srv, &sfam, saddr, &sport);
	long n = o->sessions;
	struct crep cr;
	if (!crep_open(&cr, "controlclient", c, o))
		return;
	struct sk_rsession *rs = cr.rs;
	struct ctext *t = cr.t;
	for (long i = 0; i < n; i++) {
		const struct sk_twsm_session *s = sk_twsm_session(&c->sm, (unsigned)i);
		struct sk_rsession *r = &rs[i];
		r->index = (unsigned)i + 1;
		r->mode = SK_RMODE_TWAMP;
		struct sockaddr_storage a;
		socklen_t al;
		sk_sockaddr_pack(sfam, saddr, s->reflector_port, &a, &al);
		sk_sockaddr_str((struct sockaddr *)&a, r->reflector, sizeof r->reflector);
		lfam = s->ipvn;
		memcpy(laddr, s->sender_address, 16);
		sk_sockaddr_pack(lfam, laddr, (uint16_t)(tp + i), &a, &al);
		sk_sockaddr_str((struct sockaddr *)&a, r->sender, sizeof r->sender);
		sk_rsession_silent(r, 0);
		session_members(r, s, (uint16_t)(tp + i), o->session_dscp, &t[i]);
		sk_rsession_kv_bool(r, "measured", NULL, false);
	}
	if (o->json) {
		sk_report_json(stdout, &cr.rep);
	} else {
		for (long i = 0; i < n; i++)
			printf("Session %u: %s -> %s, twamp, SID %s, %s mode\n", rs[i].index, rs[i].sender,
			       rs[i].reflector, t[i].sid, sk_tw_mode_name(o->mode));
	}
	crep_close(&cr);
}

void ctl_interval_report(struct csess *xs, struct sk_ivl_stats **s, const struct cli *c,
			 const struct client_opts *o)
{
	struct crep cr;
	const struct sk_ivl_stats *any = NULL;
	if (!crep_open(&cr, "controller", c, o))
		return;
	size_t n = 0;
	for (long i = 0; i < o->sessions; i++) {
		if (!s[i])
			continue;
		any = s[i];
		struct sk_rsession *r = &cr.rs[n++];
		struct sk_session_summary sum;
		sk_session_summary(xs[i].stats, xs[i].sent, &sum);
		sk_ivl_rsession(r, s[i], sum.stateful);
		r->index = (unsigned)i + 1;
		r->mode = SK_RMODE_TWAMP;
		sk_sockaddr_str((const struct sockaddr *)&xs[i].io.bound, r->sender, sizeof r->sender);
		sk_sockaddr_str((const struct sockaddr *)&xs[i].refl, r->reflector,
				sizeof r->reflector);
	}
	cr.rep.nsessions = n;
	cr.rep.nkv = 0; /* the interval object has no document members */
	if (any && o->json) {
		sk_report_json_interval(stdout, &cr.rep, any->index, any->start_real, any->end_real);
	} else if (any) {
		char a[48], b[48];
		sk_report_time(a, sizeof a, any->start_real);
		sk_report_time(b, sizeof b, any->end_real);
		printf("Interval %u: %s - %s\n", any->index, a, b);
		for (size_t i = 0; i < n; i++)
			sk_report_table_block(stdout, &cr.rs[i]);
	}
	crep_close(&cr);
}
