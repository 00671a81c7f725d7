/* SPDX-License-Identifier: GPL-2.0-or-later */
/* stamp-stat.c - `-z stamp,stat[,filter]`: per test session loss, duplicates, reordering,
 * delay and RFC 3550 jitter per direction and round trip, computed by the codec's metrics
 * (RFC 5357 §4, RFC 8762 §4, RFC 3550 §6.4.1, RFC 4737, RFC 5560). */
#define WS_BUILD_DLL
#include <stdio.h>
#include <string.h>

#include <wireshark.h>
#include <epan/packet.h>
#include <epan/tap.h>
#include <epan/stat_tap_ui.h>
#include <epan/addr_resolv.h>

#include "stamp_plugin.h"

#define STAT_WINDOW 4096

struct stat_sess {
	guint32 no;
	char *desc;            /* sender -> reflector, SSID */
	struct sk_session *s;  /* created at the first reply */
	guint64 senders;       /* sender packets seen */
	gboolean have_first;
	guint32 first_sender_seq, max_sender_seq;
	guint64 replies;
};

struct stat_ctx {
	char *filter;
	GHashTable *sess;      /* session pointer -> struct stat_sess */
	GPtrArray *order;
};

static void sess_free(gpointer p)
{
	struct stat_sess *ss = p;
	if (ss->s)
		sk_session_free(ss->s);
	g_free(ss->desc);
	g_free(ss);
}

static void stat_reset(void *tapdata)
{
	struct stat_ctx *c = tapdata;
	g_ptr_array_set_size(c->order, 0);
	g_hash_table_remove_all(c->sess);
}

static tap_packet_status stat_packet(void *tapdata, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
				     const void *data, tap_flags_t flags _U_)
{
	struct stat_ctx *c = tapdata;
	const struct stamp_tap_info *ti = data;
	struct stat_sess *ss = g_hash_table_lookup(c->sess, ti->session);
	if (!ss) {
		ss = g_new0(struct stat_sess, 1);
		ss->no = ti->session_no;
		char *a = address_to_str(NULL, ti->role == SK_ROLE_SENDER ? ti->src : ti->dst);
		char *b = address_to_str(NULL, ti->role == SK_ROLE_SENDER ? ti->dst : ti->src);
		guint32 ap = ti->role == SK_ROLE_SENDER ? ti->srcport : ti->dstport;
		guint32 bp = ti->role == SK_ROLE_SENDER ? ti->dstport : ti->srcport;
		ss->desc = g_strdup_printf("%s %s:%u -> %s:%u SSID %u", ti->proto == SK_PROTO_STAMP ? "STAMP"
					   : "TWAMP-Test", a, ap, b, bp, ti->ssid);
		wmem_free(NULL, a);
		wmem_free(NULL, b);
		g_hash_table_insert(c->sess, (gpointer)ti->session, ss);
		g_ptr_array_add(c->order, ss);
	}
	guint32 sseq = ti->role == SK_ROLE_SENDER ? ti->seq : ti->sender_seq;
	if (!ss->have_first) {
		ss->have_first = TRUE;
		ss->first_sender_seq = ss->max_sender_seq = sseq;
	} else if ((gint32)(sseq - ss->max_sender_seq) > 0) {
		ss->max_sender_seq = sseq;
	}
	if (ti->role == SK_ROLE_SENDER) {
		ss->senders++;
		return TAP_PACKET_REDRAW;
	}
	if (!ti->have_times)
		return TAP_PACKET_DONT_REDRAW;
	if (!ss->s) {
		struct sk_session_config cfg;
		memset(&cfg, 0, sizeof cfg);
		cfg.window = STAT_WINDOW;
		cfg.first_sender_seq = ss->first_sender_seq;
		cfg.first_reflector_seq = ti->seq;
		cfg.mode = SK_REFLECTOR_AUTO;
		if (sk_session_create(&ss->s, &cfg) != SK_OK)
			return TAP_PACKET_DONT_REDRAW;
	}
	struct sk_reply r = { ti->sender_seq, ti->seq, ti->t1, ti->t2, ti->t3, ti->t4 };
	(void)sk_session_add(ss->s, &r, NULL);
	ss->replies++;
	return TAP_PACKET_REDRAW;
}

static double ms(double ns) { return ns / 1e6; }

static void print_dir(const char *name, const struct sk_dstats *d)
{
	struct sk_dstats_summary s;
	sk_dstats_summarize(d, &s);
	if (!s.count) {
		printf("  %-11s %8s\n", name, "0");
		return;
	}
	int64_t p99 = 0;
	(void)sk_dstats_quantile(d, 99.0, &p99);
	printf("  %-11s %8" PRIu64 " %11.3f %11.3f %11.3f %11.3f %11.3f\n", name, s.count, ms((double)s.min),
	       s.mean / 1e6, ms((double)s.max), ms((double)p99), ms(s.jitter_ns));
}

static void stat_draw(void *tapdata)
{
	struct stat_ctx *c = tapdata;
	printf("\n==================================================================================\n");
	printf("STAMP / TWAMP-Test session statistics (stampkit)\n");
	printf("Filter: %s\n", c->filter ? c->filter : "<none>");
	printf("Delays in ms. outbound = T2-T1, inbound = T4-T3 (T4: capture time of the reply),\n"
	       "round trip = (T4-T1)-(T3-T2); jitter: RFC 3550 over consecutive arrivals.\n");
	for (guint i = 0; i < c->order->len; i++) {
		struct stat_sess *ss = g_ptr_array_index(c->order, i);
		guint64 sent = ss->senders ? ss->senders
					   : (guint64)(guint32)(ss->max_sender_seq - ss->first_sender_seq) + 1;
		printf("\nSession %u: %s\n", ss->no, ss->desc);
		if (!ss->s) {
			printf("  sent %" PRIu64 ", received 0 (no reply in the capture)\n", sent);
			continue;
		}
		sk_session_finish(ss->s);
		struct sk_session_summary sm;
		sk_session_summary(ss->s, sent, &sm);
		printf("  sent %" PRIu64 ", received %" PRIu64 ", lost %" PRIu64 " (%.3f%%)", sm.sent,
		       sm.received, sm.lost, sm.sent ? 100.0 * (double)sm.lost / (double)sm.sent : 0.0);
		if (sm.direction_unknown)
			printf(", direction unknown (stateless reflector)\n");
		else
			printf(", outbound lost %" PRIu64 ", inbound lost %" PRIu64 ", after last reply %" PRIu64 "\n",
			       sm.outbound_lost, sm.inbound_lost, sm.unknown_lost);
		printf("  duplicates %" PRIu64 " (outbound %" PRIu64 ", inbound %" PRIu64 "), reordered %" PRIu64
		       " (outbound %" PRIu64 ", inbound %" PRIu64 ")\n",
		       sm.duplicates, sm.outbound_duplicates, sm.inbound_duplicates, sm.reordered,
		       sm.outbound_reordered, sm.inbound_reordered);
		printf("  %-11s %8s %11s %11s %11s %11s %11s\n", "", "count", "min", "avg", "max", "p99", "jitter");
		print_dir("outbound", sk_session_dstats(ss->s, SK_DIR_OUTBOUND));
		print_dir("inbound", sk_session_dstats(ss->s, SK_DIR_INBOUND));
		print_dir("round trip", sk_session_dstats(ss->s, SK_DIR_RTT));
		print_dir("reflector", sk_session_dstats(ss->s, SK_DIR_RESIDENCE));
	}
	printf("==================================================================================\n");
}

static void stat_finish(void *tapdata)
{
	struct stat_ctx *c = tapdata;
	g_ptr_array_free(c->order, TRUE);
	g_hash_table_destroy(c->sess);
	g_free(c->filter);
	g_free(c);
}

static void stat_init(const char *opt_arg, void *userdata _U_)
{
	struct stat_ctx *c = g_new0(struct stat_ctx, 1);
	const char *filter = NULL;
	if (opt_arg && strncmp(opt_arg, "stamp,stat,", 11) == 0)
		filter = opt_arg + 11;
	c->filter = g_strdup(filter);
	c->sess = g_hash_table_new(g_direct_hash, g_direct_equal);
	c->order = g_ptr_array_new_with_free_func(sess_free);
	GString *err = register_tap_listener("stamp", c, filter, 0, stat_reset, stat_packet, stat_draw,
					     stat_finish);
	if (err) {
		fprintf(stderr, "tshark: couldn't register stamp,stat tap: %s\n", err->str);
		g_string_free(err, TRUE);
		stat_finish(c);
	}
}

void register_stamp_stat(void)
{
	static stat_tap_ui ui = { REGISTER_STAT_GROUP_GENERIC, "STAMP/TWAMP-Test sessions", "stamp,stat",
				  stat_init, 0, NULL };
	register_stat_tap_ui(&ui, NULL);
}
