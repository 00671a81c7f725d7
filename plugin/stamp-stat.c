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

#include "report.h"
#include "stamp_plugin.h"

#define STAT_WINDOW 4096

struct stat_sess {
	guint32 no;
	const void *key;       /* stamp_tap_info.session */
	char sender[64], reflector[64]; /* "a.b.c.d:port" or "[v6]:port" (report.h) */
	guint8 proto;
	gboolean negotiated;   /* a TWAMP session set up by TWAMP-Control */
	guint16 ssid;
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
	g_free(ss);
}

static void stat_reset(void *tapdata)
{
	struct stat_ctx *c = tapdata;
	g_ptr_array_set_size(c->order, 0);
	g_hash_table_remove_all(c->sess);
}

static void endpoint(char *buf, size_t n, const address *a, guint32 port)
{
	char *s = address_to_str(NULL, a);
	if (a->type == AT_IPv6)
		snprintf(buf, n, "[%s]:%u", s, port);
	else
		snprintf(buf, n, "%s:%u", s, port);
	wmem_free(NULL, s);
}

static struct stat_sess *sess_new(const struct stamp_tap_info *ti)
{
	struct stat_sess *ss = g_new0(struct stat_sess, 1);
	ss->no = ti->session_no;
	ss->key = ti->session;
	gboolean snd = ti->role == SK_ROLE_SENDER;
	endpoint(ss->sender, sizeof ss->sender, snd ? ti->src : ti->dst, snd ? ti->srcport : ti->dstport);
	endpoint(ss->reflector, sizeof ss->reflector, snd ? ti->dst : ti->src,
		 snd ? ti->dstport : ti->srcport);
	ss->proto = ti->proto;
	ss->negotiated = ti->negotiated;
	ss->ssid = ti->ssid;
	return ss;
}

/* STAMP, TWAMP (set up by TWAMP-Control in the capture) or TWAMP-light, as analyze says. */
static enum sk_rmode sess_mode(const struct stat_sess *ss)
{
	return ss->proto == SK_PROTO_STAMP ? SK_RMODE_STAMP
	       : ss->negotiated ? SK_RMODE_TWAMP : SK_RMODE_TWAMP_LIGHT;
}

/* One packet of the session: senders are counted, replies fed to the codec's sk_session. */
static gboolean sess_add(struct stat_sess *ss, const struct stamp_tap_info *ti)
{
	guint32 sseq = ti->role == SK_ROLE_SENDER ? ti->seq : ti->sender_seq;
	if (!ss->have_first) {
		ss->have_first = TRUE;
		ss->first_sender_seq = ss->max_sender_seq = sseq;
	} else if ((gint32)(sseq - ss->max_sender_seq) > 0) {
		ss->max_sender_seq = sseq;
	}
	if (ti->role == SK_ROLE_SENDER) {
		ss->senders++;
		return TRUE;
	}
	if (!ti->have_times)
		return FALSE;
	if (!ss->s) {
		/* analyze's own decision (report.h): a full TWAMP reflector is stateful. */
		struct sk_session_config cfg;
		sk_rsession_view_config(&cfg, STAT_WINDOW, sess_mode(ss), SK_REFLECTOR_AUTO,
					ss->first_sender_seq, ti->sender_seq, ti->seq);
		if (sk_session_create(&ss->s, &cfg) != SK_OK)
			return FALSE;
	}
	struct sk_reply r = { ti->sender_seq, ti->seq, ti->t1, ti->t2, ti->t3, ti->t4 };
	(void)sk_session_add(ss->s, &r, NULL);
	ss->replies++;
	return TRUE;
}

static guint64 sess_sent(const struct stat_sess *ss)
{
	return ss->senders ? ss->senders : (guint64)(guint32)(ss->max_sender_seq - ss->first_sender_seq) + 1;
}

static tap_packet_status stat_packet(void *tapdata, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
				     const void *data, tap_flags_t flags _U_)
{
	struct stat_ctx *c = tapdata;
	const struct stamp_tap_info *ti = data;
	struct stat_sess *ss = g_hash_table_lookup(c->sess, ti->session);
	if (!ss) {
		ss = sess_new(ti);
		g_hash_table_insert(c->sess, (gpointer)ti->session, ss);
		g_ptr_array_add(c->order, ss);
	}
	return sess_add(ss, ti) ? TAP_PACKET_REDRAW : TAP_PACKET_DONT_REDRAW;
}

/* The session as the report model's object: the same table as `stampkit analyze`. */
static void sess_result(struct stat_sess *ss, struct sk_rsession *r)
{
	memset(r, 0, sizeof *r);
	r->index = ss->no;
	g_strlcpy(r->sender, ss->sender, sizeof r->sender);
	g_strlcpy(r->reflector, ss->reflector, sizeof r->reflector);
	r->mode = sess_mode(ss);
	r->has_ssid = ss->proto == SK_PROTO_STAMP;
	r->ssid = ss->ssid;
	if (ss->s) {
		sk_session_finish(ss->s);
		sk_rsession_from_sender(r, ss->s, sess_sent(ss));
	} else {
		sk_rsession_silent(r, sess_sent(ss));
	}
}

static void stat_draw(void *tapdata)
{
	struct stat_ctx *c = tapdata;
	printf("\n==================================================================================\n");
	printf("STAMP / TWAMP-Test session statistics (stampkit)\n");
	printf("Filter: %s\n", c->filter ? c->filter : "<none>");
	printf("outbound = T2-T1, inbound = T4-T3 (T4: capture time of the reply),\n"
	       "round trip = (T4-T1)-(T3-T2); jitter: RFC 3550 over consecutive arrivals.\n\n");
	struct sk_report rep;
	memset(&rep, 0, sizeof rep);
	rep.command = "stamp,stat";
	rep.table_ms_rows = true;
	rep.nsessions = c->order->len;
	rep.sessions = g_new0(struct sk_rsession, rep.nsessions ? rep.nsessions : 1);
	for (guint i = 0; i < c->order->len; i++)
		sess_result(g_ptr_array_index(c->order, i), &rep.sessions[i]);
	sk_report_table(stdout, &rep);
	g_free(rep.sessions);
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

/* ---- the same numbers as a table: Statistics menu in the GUI, `-z stamp,sessions` ----
 * Wireshark 4.0 opens the dialog at a fixed size (its .ui's, about 590 pixels wide: nothing
 * a plugin can set) and then keeps the size the user gives it, per title. So the columns
 * come in the order a reader needs them and are narrow: at the opening size the session,
 * its protocol, the counts and the round trip are in view; the one-way delays, then who
 * talks to whom, follow to the right. Times in µs. Maxima per direction, p99 and the
 * reflector time are in `-z stamp,stat`. */
enum {
	C_NO, C_PROTO, C_SENT, C_RECV, C_LOST, C_DUP, C_REORD, C_RTT_AVG, C_RTT_MAX, C_RTT_JIT,
	C_RTT_MIN, C_FWD_AVG, C_FWD_MAX, C_BWD_AVG, C_SENDER, C_REFLECTOR, C_SSID, C_KIND, C_COUNT
};

static stat_tap_table_item table_fields[C_COUNT] = {
	{ TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Session", "%u" },
	{ TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Protocol", "%s" },
	{ TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Sent", "%u" },
	{ TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Received", "%u" },
	{ TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Lost", "%u" },
	{ TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Dup", "%u" },
	{ TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Reord", "%u" },
	{ TABLE_ITEM_INT, TAP_ALIGN_RIGHT, "RTT avg µs", "%d" },
	{ TABLE_ITEM_INT, TAP_ALIGN_RIGHT, "RTT max µs", "%d" },
	{ TABLE_ITEM_INT, TAP_ALIGN_RIGHT, "Jitter µs", "%d" },
	{ TABLE_ITEM_INT, TAP_ALIGN_RIGHT, "RTT min µs", "%d" },
	{ TABLE_ITEM_INT, TAP_ALIGN_RIGHT, "Fwd avg µs", "%d" },
	{ TABLE_ITEM_INT, TAP_ALIGN_RIGHT, "Fwd max µs", "%d" },
	{ TABLE_ITEM_INT, TAP_ALIGN_RIGHT, "Bwd avg µs", "%d" },
	{ TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Sender", "%s" },
	{ TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Reflector", "%s" },
	{ TABLE_ITEM_STRING, TAP_ALIGN_RIGHT, "SSID", "%s" },
	{ TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Reflector kind", "%s" },
};

static const char table_name[] = "STAMP/TWAMP-Test sessions";

static void table_init(stat_tap_table_ui *ui)
{
	stat_tap_table *t = stat_tap_find_table(ui, table_name);
	if (t) {
		if (ui->stat_tap_reset_table_cb)
			ui->stat_tap_reset_table_cb(t);
		return;
	}
	t = stat_tap_init_table(table_name, C_COUNT, 0, NULL);
	stat_tap_add_table(ui, t);
}

/* Delays as whole microseconds: Wireshark 4.0's dialog prints a float with six decimals
 * whatever the format says, and integers stay narrow and sort as numbers (signed: a
 * one-way delay is negative when the clocks disagree). */
static void set_us(stat_tap_table *t, guint row, guint col, double ns)
{
	stat_tap_table_item_type *it = stat_tap_get_field_data(t, row, col);
	double us = ns / 1e3;
	it->value.int_value = us >= G_MAXINT ? G_MAXINT : us <= G_MININT ? G_MININT
			      : (gint)(us < 0 ? us - 0.5 : us + 0.5);
	stat_tap_set_field_data(t, row, col, it);
}

static void set_u(stat_tap_table *t, guint row, guint col, guint64 v)
{
	stat_tap_table_item_type *it = stat_tap_get_field_data(t, row, col);
	it->value.uint_value = (guint)MIN(v, G_MAXUINT);
	stat_tap_set_field_data(t, row, col, it);
}

/* String cells point to constants (never freed): the kind changes as replies arrive. */
static void set_s(stat_tap_table *t, guint row, guint col, const char *v)
{
	stat_tap_table_item_type *it = stat_tap_get_field_data(t, row, col);
	it->value.string_value = v;
	stat_tap_set_field_data(t, row, col, it);
}

static const char *mode_label(enum sk_rmode m)
{
	return m == SK_RMODE_STAMP ? "STAMP" : m == SK_RMODE_TWAMP ? "TWAMP" : "TWAMP-light";
}

/* The words of analyze's "Session N:" line (report.c). */
static const char *kind_label(const struct sk_session_summary *sm)
{
	return sm->stateful ? "stateful" : "stateless or unknown";
}

static void row_update(stat_tap_table *t, guint row, struct stat_sess *ss)
{
	set_u(t, row, C_SENT, sess_sent(ss));
	if (!ss->s)
		return;
	struct sk_session_summary sm;
	sk_session_summary(ss->s, sess_sent(ss), &sm);
	set_s(t, row, C_KIND, kind_label(&sm));
	set_u(t, row, C_RECV, sm.received);
	set_u(t, row, C_LOST, sm.lost);
	set_u(t, row, C_DUP, sm.duplicates);
	set_u(t, row, C_REORD, sm.reordered);
	struct sk_dstats_summary o, i, r;
	sk_dstats_summarize(sk_session_dstats(ss->s, SK_DIR_OUTBOUND), &o);
	sk_dstats_summarize(sk_session_dstats(ss->s, SK_DIR_INBOUND), &i);
	sk_dstats_summarize(sk_session_dstats(ss->s, SK_DIR_RTT), &r);
	set_us(t, row, C_FWD_AVG, o.mean);
	set_us(t, row, C_FWD_MAX, (double)o.max);
	set_us(t, row, C_BWD_AVG, i.mean);
	set_us(t, row, C_RTT_MIN, (double)r.min);
	set_us(t, row, C_RTT_AVG, r.mean);
	set_us(t, row, C_RTT_MAX, (double)r.max);
	set_us(t, row, C_RTT_JIT, r.jitter_ns);
}

static tap_packet_status table_packet(void *tapdata, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
				      const void *data, tap_flags_t flags _U_)
{
	stat_data_t *sd = tapdata;
	const struct stamp_tap_info *ti = data;
	stat_tap_table *t = g_array_index(sd->stat_tap_data->tables, stat_tap_table *, 0);
	guint row;
	struct stat_sess *ss = NULL;
	for (row = 0; row < t->num_elements; row++) {
		ss = stat_tap_get_field_data(t, row, C_NO)->user_data.ptr_value;
		if (ss && ss->key == ti->session)
			break;
	}
	if (row == t->num_elements) {
		ss = sess_new(ti);
		stat_tap_table_item_type items[C_COUNT];
		memset(items, 0, sizeof items);
		for (int k = 0; k < C_COUNT; k++)
			items[k].type = table_fields[k].type;
		items[C_NO].value.uint_value = ss->no;
		items[C_NO].user_data.ptr_value = ss;
		items[C_PROTO].value.string_value = mode_label(sess_mode(ss));
		items[C_SENDER].value.string_value = g_strdup(ss->sender);
		items[C_REFLECTOR].value.string_value = g_strdup(ss->reflector);
		/* TWAMP has no SSID (RFC 8972 §3 gave STAMP one). */
		items[C_SSID].value.string_value = ss->proto == SK_PROTO_STAMP ?
			g_strdup_printf("%u", ss->ssid) : g_strdup("-");
		items[C_KIND].value.string_value = "unknown";
		stat_tap_init_table_row(t, row, C_COUNT, items);
	}
	if (!sess_add(ss, ti))
		return TAP_PACKET_DONT_REDRAW;
	row_update(t, row, ss);
	return TAP_PACKET_REDRAW;
}

static void table_reset(stat_tap_table *t)
{
	for (guint row = 0; row < t->num_elements; row++) {
		stat_tap_table_item_type *it = stat_tap_get_field_data(t, row, C_NO);
		struct stat_sess *ss = it->user_data.ptr_value;
		if (ss) {
			sess_free(ss);
			it->user_data.ptr_value = NULL;
		}
		for (guint col = C_SENT; col <= C_BWD_AVG; col++) {
			stat_tap_table_item_type *f = stat_tap_get_field_data(t, row, col);
			memset(&f->value, 0, sizeof f->value);
		}
		stat_tap_get_field_data(t, row, C_KIND)->value.string_value = "unknown";
	}
}

static void table_free_item(stat_tap_table *t _U_, guint row _U_, guint col,
			    stat_tap_table_item_type *field)
{
	if (col == C_SENDER || col == C_REFLECTOR || col == C_SSID) {
		g_free((char *)field->value.string_value);
		field->value.string_value = NULL;
	} else if (col == C_NO && field->user_data.ptr_value) {
		sess_free(field->user_data.ptr_value);
		field->user_data.ptr_value = NULL;
	}
}

void register_stamp_stat(void)
{
	/* The Qt GUI's Statistics menu takes the PACKET_STAT_GROUP_UNSORTED entries (the
	 * "unsorted" group of 4.0; packet-netperfmeter.c registers its table there) and places
	 * GENERIC ones nowhere (addMenuActions has no case for them): -z only. */
	static stat_tap_table_ui table_ui = {
		REGISTER_PACKET_STAT_GROUP_UNSORTED, "STAMP/TWAMP-Test Sessions", "stamp", "stamp,sessions",
		table_init, table_packet, table_reset, table_free_item, NULL,
		G_N_ELEMENTS(table_fields), table_fields, 0, NULL, NULL, 0
	};
	register_stat_tap_table_ui(&table_ui);

	static stat_tap_ui ui = { REGISTER_STAT_GROUP_GENERIC, "STAMP/TWAMP-Test sessions", "stamp,stat",
				  stat_init, 0, NULL };
	register_stat_tap_ui(&ui, NULL);
}
