/* SPDX-License-Identifier: BSD-3-Clause */
/* clireport.c - the results of `controller` (one session result per test session) and
 * `controlclient` (the sessions it set up) on standard output. */
#include <stdio.h>
#include <string.h>

#include "client_int.h"
#include "sys.h"
#include "twlive.h"
#include "stampkit/testpkt.h"
#include "twtable.h"

static void json_dstats(const char *name, const struct sk_dstats_summary *d, bool last)
{
	if (!d->count)
		printf("\"%s\":null%s", name, last ? "" : ",");
	else
		printf("\"%s\":{\"min_us\":%.3f,\"avg_us\":%.3f,\"max_us\":%.3f,\"jitter_us\":%.3f}%s", name,
		       (double)d->min / 1e3, d->mean / 1e3, (double)d->max / 1e3, d->jitter_ns / 1e3,
		       last ? "" : ",");
}

static void print_session(const struct csess *x, unsigned n, const char *mode, bool json)
{
	struct sk_session_summary sum;
	sk_session_finish(x->stats);
	sk_session_summary(x->stats, x->sent, &sum);
	struct sk_dstats_summary ob, ib, rt;
	sk_dstats_summarize(sk_session_dstats(x->stats, SK_DIR_OUTBOUND), &ob);
	sk_dstats_summarize(sk_session_dstats(x->stats, SK_DIR_INBOUND), &ib);
	sk_dstats_summarize(sk_session_dstats(x->stats, SK_DIR_RTT), &rt);
	char rs[80];
	sk_sockaddr_str((const struct sockaddr *)&x->refl, rs, sizeof rs);
	if (json) {
		printf("{\"type\":\"twamp-session\",\"session\":%u,\"reflector\":\"%s\",\"mode\":\"%s\","
		       "\"sent\":%llu,\"received\":%llu,\"lost\":%llu,\"outbound_lost\":%llu,"
		       "\"inbound_lost\":%llu,\"duplicates\":%llu,\"reordered\":%llu,\"bad_replies\":%llu,",
		       n, rs, mode, (unsigned long long)x->sent, (unsigned long long)sum.received,
		       (unsigned long long)sum.lost, (unsigned long long)sum.outbound_lost,
		       (unsigned long long)sum.inbound_lost, (unsigned long long)sum.duplicates,
		       (unsigned long long)sum.reordered, (unsigned long long)x->bad);
		printf("\"features\":\"%s%s%s\",", (x->tf & SK_TF_REFLECT_OCTETS) ? "reflect-octets " : "",
		       (x->tf & SK_TF_SYMMETRICAL) ? "symmetrical " : "", (x->tf & SK_TF_DSCP_ECN) ? "dscp-ecn" : "");
		if (x->dscp_ecn >= 0)
			printf("\"dscp_ecn\":%d,", x->dscp_ecn);
		if (x->tf & SK_TF_REFLECT_OCTETS)
			printf("\"reflect_len\":%u,\"reflect_mismatch\":%llu,", x->reflect_len,
			       (unsigned long long)x->reflect_bad);
		json_dstats("outbound", &ob, false);
		json_dstats("inbound", &ib, false);
		json_dstats("roundtrip", &rt, true);
		printf("}\n");
		return;
	}
	printf("Session %u: reflector %s, %s mode\n", n, rs, mode);
	sk_twtab_head(stdout);
	if (sum.received == 0) {
		printf("  NO STATS AVAILABLE (100%% loss)\n");
	} else {
		char lb[16];
		sk_twtab_loss(lb, sizeof lb, sum.outbound_lost, x->sent, 1);
		sk_twtab_row_stats(stdout, "Outbound:", &ob, lb);
		sk_twtab_loss(lb, sizeof lb, sum.inbound_lost, x->sent, 1);
		sk_twtab_row_stats(stdout, "Inbound:", &ib, lb);
		sk_twtab_loss(lb, sizeof lb, sum.lost, x->sent, 1);
		sk_twtab_row_stats(stdout, "Roundtrip:", &rt, lb);
	}
	sk_twtab_foot(stdout);
	printf("  Sent %llu, received %llu, lost %llu (outbound %llu, inbound %llu, after the last reply %llu)\n",
	       (unsigned long long)x->sent, (unsigned long long)sum.received, (unsigned long long)sum.lost,
	       (unsigned long long)sum.outbound_lost, (unsigned long long)sum.inbound_lost,
	       (unsigned long long)sum.unknown_lost);
	if (x->bad)
		printf("  Ignored: %llu replies that did not decode or authenticate\n", (unsigned long long)x->bad);
}

void ctl_report(struct csess *xs, long n, const struct client_opts *o)
{
	for (long i = 0; i < n; i++)
		print_session(&xs[i], (unsigned)i + 1, sk_tw_mode_name(o->mode), o->json);
	fflush(stdout);
}

void cc_report(const struct cli *c, const struct client_opts *o, uint16_t tp)
{
	uint8_t sfam, saddr[16];
	uint16_t sport;
	sk_sockaddr_unpack((const struct sockaddr *)&c->srv, &sfam, saddr, &sport);
	for (long i = 0; i < o->sessions; i++) {
		const struct sk_twsm_session *s = sk_twsm_session(&c->sm, (unsigned)i);
		struct sockaddr_storage r;
		socklen_t rl;
		sk_sockaddr_pack(sfam, saddr, s->reflector_port, &r, &rl);
		char rs[80], sid[40];
		sk_sockaddr_str((struct sockaddr *)&r, rs, sizeof rs);
		for (int j = 0; j < 16; j++)
			snprintf(sid + 2 * j, 3, "%02x", s->sid[j]);
		if (o->json)
			printf("{\"type\":\"twamp-session\",\"session\":%ld,\"reflector\":\"%s\","
			       "\"sender_port\":%u,\"sid\":\"%s\",\"mode\":\"%s\"}\n", i + 1, rs,
			       (unsigned)(tp + i), sid, sk_tw_mode_name(o->mode));
		else
			printf("Session %ld: reflector %s, sender port %u, SID %s, %s mode\n", i + 1, rs,
			       (unsigned)(tp + i), sid, sk_tw_mode_name(o->mode));
	}
	fflush(stdout);
}
