/* SPDX-License-Identifier: GPL-2.0-or-later */
/* packet-stamp.c - the `stamp` dissector: STAMP (RFC 8762, 8972, 9503, 9534) and TWAMP-Test
 * (RFC 5357 §4, RFC 6038, RFC 7750) packets, decoded and decrypted by the stampkit codec. */
#define WS_BUILD_DLL
#include <string.h>

#include <wireshark.h>
#include <epan/packet.h>
#include <epan/expert.h>
#include <epan/prefs.h>
#include <epan/conversation.h>
#include <epan/proto_data.h>
#include <epan/tap.h>

#include "skw.h"
#include "stamp_plugin.h"

#define STAMP_UDP_PORT 862

static int proto_stamp = -1;
static struct skw_proto P_stamp = { .abbrev = "stamp" };

static int hf_role = -1;
static int hf_protocol = -1;
static int hf_security = -1;
static int hf_guessed = -1;
static int hf_session_setup = -1;
static int hf_encrypted = -1;
static int hf_session = -1;
static int hf_response_in = -1;
static int hf_response_to = -1;
static int hf_rtt = -1;
static int hf_delay_fwd = -1;
static int hf_delay_bwd = -1;
static int hf_reflector_time = -1;
static gint ett_stamp = -1;
static expert_field ei_no_key = EI_INIT;
static expert_field ei_negative_delay = EI_INIT;
static expert_field ei_no_request = EI_INIT;
static expert_field ei_no_reply = EI_INIT;
static expert_field ei_seq_gap = EI_INIT;
static expert_field ei_seq_reordered = EI_INIT;
static expert_field ei_seq_duplicate = EI_INIT;
static expert_field ei_size_asym = EI_INIT;
static expert_field ei_unsync = EI_INIT;
static int stamp_tap = -1;

/* ---- pairing: each reflector packet with the sender packet it answers ----
 * A session is the UDP conversation (both directions) plus the SSID; within it a sender
 * packet is found by its Sequence Number, which the reflector copies. */
struct pair_tx {
	guint32 frame;       /* the sender packet */
	guint32 reply_frame; /* first reflector packet answering it, 0 none */
	guint32 len;         /* its length */
};

struct pair_sess {
	guint32 no;          /* 1, 2, ... */
	wmem_map_t *tx;      /* seq -> struct pair_tx */
	struct sk_seqtrack *trk[2]; /* per direction (role - 1): the sender's own numbers */
	struct sk_seqtrack *answered; /* Sender Sequence Numbers in the replies (analyze's round trip) */
};

#define PAIR_SEQ_WINDOW 1024

struct stamp_frame {
	struct pair_sess *sess;
	guint8 seq_cls;       /* enum sk_seq_class of this packet's own Sequence Number */
	guint8 ans_cls;       /* reflector: enum sk_seq_class of its Sender Sequence Number */
	guint32 gap;          /* in order, but this many numbers skipped before it */
	guint32 asym_len;     /* STAMP reflector: length of the sender packet when it differs */
	struct pair_tx *tx;   /* sender: its entry; reflector: the entry it answers, or NULL */
	gboolean have_delays;
	struct sk_delays d;
	gint64 t1, t2, t3, t4;
};

static wmem_map_t *pair_sessions; /* guint64 (conversation index << 16 | SSID) -> pair_sess */
static guint32 pair_session_count;
static GPtrArray *pair_trackers;  /* sequence trackers of the open file, freed at its close */

static void pair_init(void)
{
	pair_session_count = 0;
}

static void pair_cleanup(void)
{
	if (pair_trackers)
		g_ptr_array_set_size(pair_trackers, 0);
}

static void tracker_free(gpointer p)
{
	sk_seqtrack_free(p);
}

static struct sk_seqtrack *tracker(struct sk_seqtrack **t, guint32 first)
{
	if (!*t) {
		if (sk_seqtrack_create(t, PAIR_SEQ_WINDOW, first) != SK_OK)
			return NULL;
		g_ptr_array_add(pair_trackers, *t);
	}
	return *t;
}

/* Loss, duplicates and reordering of one direction's own Sequence Numbers (RFC 4737, 5560). */
static void pair_track(struct stamp_frame *sf, int dir, guint32 seq)
{
	struct sk_seqtrack *t = tracker(&sf->sess->trk[dir], seq);
	if (!t)
		return;
	struct sk_seq_counts before;
	sk_seqtrack_counts(t, &before);
	struct sk_seq_event ev;
	sf->seq_cls = (guint8)sk_seqtrack_add(t, seq, &ev);
	if (sf->seq_cls == SK_SEQ_IN_ORDER && ev.ext_seq > before.highest + 1 && before.received)
		sf->gap = (guint32)MIN(ev.ext_seq - before.highest - 1, G_MAXUINT32);
}

/* A reply is also classified by the Sender Sequence Number it carries, as analyze counts the
 * round trip: a reflector keeping its own counter (twampy, stateful STAMP) numbers a second
 * answer to one request anew, and its own numbers stay in order when requests were swapped. */
static void pair_track_answered(struct stamp_frame *sf, guint32 sender_seq)
{
	struct sk_seqtrack *t = tracker(&sf->sess->answered, sender_seq);
	struct sk_seq_event ev;
	if (t)
		sf->ans_cls = (guint8)sk_seqtrack_add(t, sender_seq, &ev);
}

static struct pair_sess *pair_session(packet_info *pinfo, guint16 ssid)
{
	conversation_t *conv = find_or_create_conversation(pinfo);
	guint64 k = (guint64)conv->conv_index << 16 | ssid;
	struct pair_sess *ps = wmem_map_lookup(pair_sessions, &k);
	if (!ps) {
		guint64 *key = wmem_new(wmem_file_scope(), guint64);
		*key = k;
		ps = wmem_new0(wmem_file_scope(), struct pair_sess);
		ps->no = ++pair_session_count;
		ps->tx = wmem_map_new(wmem_file_scope(), g_direct_hash, g_direct_equal);
		wmem_map_insert(pair_sessions, key, ps);
	}
	return ps;
}

static gint64 capture_ns(packet_info *pinfo)
{
	return (gint64)pinfo->abs_ts.secs * 1000000000 + pinfo->abs_ts.nsecs;
}

/* First pass: remember sender packets, pair reflector packets, compute their delays. */
static struct stamp_frame *pair_first_pass(packet_info *pinfo, const struct sk_test_opts *o,
					   const struct sk_test_pkt *pkt, guint32 len)
{
	struct stamp_frame *sf = wmem_new0(wmem_file_scope(), struct stamp_frame);
	sf->sess = pair_session(pinfo, o->proto == SK_PROTO_STAMP ? pkt->ssid : 0);
	if (o->role == SK_ROLE_SENDER) {
		struct pair_tx *tx = wmem_map_lookup(sf->sess->tx, GUINT_TO_POINTER(pkt->seq));
		if (!tx) {
			tx = wmem_new0(wmem_file_scope(), struct pair_tx);
			tx->frame = pinfo->num;
			tx->len = len;
			wmem_map_insert(sf->sess->tx, GUINT_TO_POINTER(pkt->seq), tx);
			sf->tx = tx;
		}
	} else {
		sf->tx = wmem_map_lookup(sf->sess->tx, GUINT_TO_POINTER(pkt->sender_seq));
		if (sf->tx && !sf->tx->reply_frame)
			sf->tx->reply_frame = pinfo->num;
		if (sf->tx && o->proto == SK_PROTO_STAMP && sf->tx->len != len)
			sf->asym_len = sf->tx->len;
		sf->t1 = sk_ts_to_ns(pkt->sender_timestamp, sk_errest_fmt(pkt->sender_error_estimate),
				     SK_TAI_UTC_DEFAULT);
		sf->t2 = sk_ts_to_ns(pkt->rx_timestamp, sk_errest_fmt(pkt->error_estimate), SK_TAI_UTC_DEFAULT);
		sf->t3 = sk_ts_to_ns(pkt->timestamp, sk_errest_fmt(pkt->error_estimate), SK_TAI_UTC_DEFAULT);
		sf->t4 = capture_ns(pinfo);
		sf->have_delays = sk_delays_compute(sf->t1, sf->t2, sf->t3, sf->t4, &sf->d) == SK_OK;
	}
	pair_track(sf, o->role == SK_ROLE_REFLECTOR, pkt->seq);
	if (o->role == SK_ROLE_REFLECTOR)
		pair_track_answered(sf, pkt->sender_seq);
	p_add_proto_data(wmem_file_scope(), pinfo, proto_stamp, 0, sf);
	return sf;
}

static proto_item *add_reltime(proto_tree *t, int hf, tvbuff_t *tvb, gint64 ns)
{
	nstime_t d;
	skw_ns_to_nstime(ns, &d);
	proto_item *it = proto_tree_add_time(t, hf, tvb, 0, 0, &d);
	proto_item_set_generated(it);
	return it;
}

static void pair_show(packet_info *pinfo, tvbuff_t *tvb, proto_tree *st, const struct sk_test_opts *o,
		      const struct stamp_frame *sf)
{
	proto_item *it = proto_tree_add_uint(st, hf_session, tvb, 0, 0, sf->sess->no);
	proto_item_set_generated(it);
	if (sf->gap)
		proto_tree_add_expert_format(st, pinfo, &ei_seq_gap, tvb, 0, 0,
					     "%u packet(s) missing before this one (Sequence Number gap)", sf->gap);
	else if (sf->seq_cls == SK_SEQ_REORDERED || sf->ans_cls == SK_SEQ_REORDERED)
		proto_tree_add_expert(st, pinfo, &ei_seq_reordered, tvb, 0, 0);
	else if (sf->seq_cls == SK_SEQ_DUPLICATE || sf->ans_cls == SK_SEQ_DUPLICATE)
		proto_tree_add_expert(st, pinfo, &ei_seq_duplicate, tvb, 0, 0);
	if (sf->asym_len)
		proto_tree_add_expert_format(st, pinfo, &ei_size_asym, tvb, 0, 0,
					     "Reflector packet of %u octets answers a %u-octet sender packet",
					     tvb_reported_length(tvb), sf->asym_len);
	if (o->role == SK_ROLE_SENDER) {
		if (sf->tx && sf->tx->frame == pinfo->num && sf->tx->reply_frame) {
			it = proto_tree_add_uint(st, hf_response_in, tvb, 0, 0, sf->tx->reply_frame);
			proto_item_set_generated(it);
		} else if (sf->tx && sf->tx->frame == pinfo->num && PINFO_FD_VISITED(pinfo)) {
			/* Only once the whole file has been read (the second pass) is a missing
			 * reply known to be missing. */
			proto_tree_add_expert(st, pinfo, &ei_no_reply, tvb, 0, 0);
		}
		return;
	}
	if (sf->tx) {
		it = proto_tree_add_uint(st, hf_response_to, tvb, 0, 0, sf->tx->frame);
		proto_item_set_generated(it);
	} else {
		proto_tree_add_expert(st, pinfo, &ei_no_request, tvb, 0, 0);
	}
	if (!sf->have_delays)
		return;
	add_reltime(st, hf_rtt, tvb, sf->d.rtt_ns);
	it = add_reltime(st, hf_delay_fwd, tvb, sf->d.outbound_ns);
	if (sf->d.outbound_ns < 0)
		expert_add_info(pinfo, it, &ei_negative_delay);
	it = add_reltime(st, hf_delay_bwd, tvb, sf->d.inbound_ns);
	if (sf->d.inbound_ns < 0)
		expert_add_info(pinfo, it, &ei_negative_delay);
	add_reltime(st, hf_reflector_time, tvb, sf->d.residence_ns);
}

/* What the analysis adds to the Info column: the round trip of a reply (and its one-way
 * delays when both ends say their clocks are synchronised: the S bits of both Error
 * Estimates, RFC 4656 §4.1.2; a negative delay shows they are not), the sequence marks,
 * and "No reply" on a request none answered (known only once the whole file has been read:
 * the second pass, or the GUI's packet list after loading). */
static void pair_info(packet_info *pinfo, const struct sk_test_opts *o, const struct sk_test_pkt *pkt,
		      const struct stamp_frame *sf)
{
	if (o->role == SK_ROLE_REFLECTOR && sf->have_delays) {
		col_append_fstr(pinfo->cinfo, COL_INFO, " RTT=%.3fms", (double)sf->d.rtt_ns / 1e6);
		gboolean synced = (pkt->error_estimate & 0x8000) && (pkt->sender_error_estimate & 0x8000);
		if (synced && sf->d.outbound_ns >= 0 && sf->d.inbound_ns >= 0)
			col_append_fstr(pinfo->cinfo, COL_INFO, " Fwd=%.3fms Bwd=%.3fms",
					(double)sf->d.outbound_ns / 1e6, (double)sf->d.inbound_ns / 1e6);
	}
	/* Marks go first, as Wireshark's TCP analysis puts its own: a narrow column still
	 * shows them. */
	if (o->role == SK_ROLE_SENDER && sf->tx && sf->tx->frame == pinfo->num && !sf->tx->reply_frame &&
	    PINFO_FD_VISITED(pinfo))
		col_prepend_fstr(pinfo->cinfo, COL_INFO, "[No reply] ");
	if (sf->gap)
		col_prepend_fstr(pinfo->cinfo, COL_INFO, "[%u lost before] ", sf->gap);
	else if (sf->seq_cls == SK_SEQ_REORDERED || sf->ans_cls == SK_SEQ_REORDERED)
		col_prepend_fstr(pinfo->cinfo, COL_INFO, "[Reordered] ");
	else if (sf->seq_cls == SK_SEQ_DUPLICATE || sf->ans_cls == SK_SEQ_DUPLICATE)
		col_prepend_fstr(pinfo->cinfo, COL_INFO, "[Duplicate] ");
}

static dissector_handle_t stamp_handle;

static const char *pref_hmac_key_hex = "";
static guint8 stamp_key[256];
static size_t stamp_key_len;

static const value_string role_vals[] = {
	{ SK_ROLE_SENDER, "Session-Sender" }, { SK_ROLE_REFLECTOR, "Session-Reflector" }, { 0, NULL },
};
static const value_string proto_vals[] = {
	{ SK_PROTO_TWAMP, "TWAMP-Test" }, { SK_PROTO_STAMP, "STAMP" }, { 0, NULL },
};
static const value_string sec_vals[] = {
	{ SK_SEC_UNAUTH, "unauthenticated" }, { SK_SEC_AUTH, "authenticated" },
	{ SK_SEC_ENCRYPTED, "encrypted" }, { 0, NULL },
};

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* The key preference is hex, with optional ':', '-' or blank separators. A malformed
 * value leaves no key (HMACs then show as not checked). */
static void apply_prefs(void)
{
	stamp_key_len = 0;
	const char *s = pref_hmac_key_hex ? pref_hmac_key_hex : "";
	size_t n = 0;
	int hi = -1;
	for (; *s; s++) {
		if (*s == ':' || *s == '-' || *s == ' ')
			continue;
		int x = hexval((unsigned char)*s);
		if (x < 0 || n >= sizeof stamp_key)
			return;
		if (hi < 0) {
			hi = x;
		} else {
			stamp_key[n++] = (guint8)(hi << 4 | x);
			hi = -1;
		}
	}
	if (hi < 0)
		stamp_key_len = n;
}

static const struct stamp_twsess *find_session(packet_info *pinfo)
{
	conversation_t *conv = find_conversation_pinfo(pinfo, 0);
	return conv ? conversation_get_proto_data(conv, proto_stamp) : NULL;
}

static guint8 session_role(packet_info *pinfo, const struct stamp_twsess *s)
{
	if (s->sender_port != s->reflector_port)
		return pinfo->srcport == s->sender_port ? SK_ROLE_SENDER : SK_ROLE_REFLECTOR;
	return addresses_equal(&pinfo->src, &s->sender_addr) ? SK_ROLE_SENDER : SK_ROLE_REFLECTOR;
}

/* ---- role by flow direction, as analyze decides it (tools/capture/discover.c) ----
 * The side sending to a port the dissector is registered on (862, the port preference,
 * Decode As) is the Session-Sender. Where both or neither port says so, the packet's
 * content decides (sk_test_guess) unless its size fits both roles (38 octets: twampy's reply
 * or a sender packet with 24 octets of padding); then the side that sent the flow's first
 * packet is the sender. */
struct flow_dir {
	address sender;       /* wmem_file_scope copy */
	guint32 sender_port;
};

static wmem_map_t *flow_dirs; /* conversation index -> struct flow_dir */
static dissector_table_t udp_port_table;

static gboolean port_ours(guint32 port)
{
	return udp_port_table && dissector_get_uint_handle(udp_port_table, port) == stamp_handle;
}

static gboolean role_ambiguous(const struct sk_test_opts *o, guint len)
{
	return o->proto == SK_PROTO_TWAMP && o->sec == SK_SEC_UNAUTH && len == 38;
}

static guint8 flow_role(packet_info *pinfo, const struct sk_test_opts *guess, guint len)
{
	guint8 *known = p_get_proto_data(wmem_file_scope(), pinfo, proto_stamp, 1);
	if (known)
		return *known;
	gboolean to_us = port_ours(pinfo->destport), from_us = port_ours(pinfo->srcport);
	guint8 role = guess->role;
	if (to_us != from_us) {
		role = to_us ? SK_ROLE_SENDER : SK_ROLE_REFLECTOR;
	} else {
		conversation_t *conv = find_or_create_conversation(pinfo);
		guint32 k = conv->conv_index;
		struct flow_dir *fd = wmem_map_lookup(flow_dirs, GUINT_TO_POINTER(k));
		if (!fd) {
			fd = wmem_new0(wmem_file_scope(), struct flow_dir);
			gboolean first_is_sender = role_ambiguous(guess, len) || guess->role == SK_ROLE_SENDER;
			copy_address_wmem(wmem_file_scope(), &fd->sender, first_is_sender ? &pinfo->src : &pinfo->dst);
			fd->sender_port = first_is_sender ? pinfo->srcport : pinfo->destport;
			wmem_map_insert(flow_dirs, GUINT_TO_POINTER(k), fd);
		}
		if (role_ambiguous(guess, len))
			role = addresses_equal(&pinfo->src, &fd->sender) && pinfo->srcport == fd->sender_port ?
				SK_ROLE_SENDER : SK_ROLE_REFLECTOR;
	}
	known = wmem_new(wmem_file_scope(), guint8);
	*known = role;
	p_add_proto_data(wmem_file_scope(), pinfo, proto_stamp, 1, known);
	return role;
}

static int dissect_stamp(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
	guint len = tvb_captured_length(tvb);
	const guint8 *p = tvb_get_ptr(tvb, 0, len);
	const struct stamp_twsess *s = find_session(pinfo);
	struct sk_test_opts o;
	memset(&o, 0, sizeof o);
	gboolean guessed = FALSE;
	if (s) {
		o.proto = SK_PROTO_TWAMP;
		o.role = session_role(pinfo, s);
		o.sec = s->sec;
		o.features = s->features;
		o.reflect_len = s->reflect_len;
		if (s->has_keys)
			o.twamp_hmac_key = s->test_hmac;
	} else {
		guessed = TRUE;
		if (sk_test_guess(p, len, &o) != SK_OK) {
			/* too short to be any test packet: still claim it on our port */
			o.proto = SK_PROTO_TWAMP;
			o.role = SK_ROLE_SENDER;
		}
		/* A short snaplen cuts the TLV list, which the guess then does not accept as
		 * STAMP: guess again on the fixed part alone. */
		if (o.proto == SK_PROTO_TWAMP && len < tvb_reported_length(tvb)) {
			static const guint cuts[] = { 112, 44 };
			for (size_t i = 0; i < G_N_ELEMENTS(cuts); i++) {
				struct sk_test_opts o2;
				if (len >= cuts[i] && sk_test_guess(p, cuts[i], &o2) == SK_OK &&
				    o2.proto == SK_PROTO_STAMP) {
					o = o2;
					break;
				}
			}
		}
		if (len >= 14)
			o.role = flow_role(pinfo, &o, tvb_reported_length(tvb));
	}
	if (o.proto == SK_PROTO_STAMP && stamp_key_len) {
		o.stamp_key = stamp_key;
		o.stamp_key_len = stamp_key_len;
	}

	col_set_str(pinfo->cinfo, COL_PROTOCOL, o.proto == SK_PROTO_STAMP ? "STAMP" : "TWAMP-Test");
	col_clear(pinfo->cinfo, COL_INFO);
	proto_item *ti = proto_tree_add_item(tree, proto_stamp, tvb, 0, -1, ENC_NA);
	proto_tree *st = proto_item_add_subtree(ti, ett_stamp);
	proto_item *gi = proto_tree_add_uint(st, hf_protocol, tvb, 0, 0, o.proto);
	proto_item_set_generated(gi);
	gi = proto_tree_add_uint(st, hf_role, tvb, 0, 0, o.role);
	proto_item_set_generated(gi);
	gi = proto_tree_add_uint(st, hf_security, tvb, 0, 0, o.sec);
	proto_item_set_generated(gi);
	gi = proto_tree_add_boolean(st, hf_guessed, tvb, 0, 0, guessed);
	proto_item_set_generated(gi);
	if (s) {
		gi = proto_tree_add_uint(st, hf_session_setup, tvb, 0, 0, s->setup_frame);
		proto_item_set_generated(gi);
	} else if (len < 14) {
		expert_add_info_format(pinfo, ti, &P_stamp.ei_truncated,
				       "%u octets: shorter than any test packet (14)", len);
		col_add_fstr(pinfo->cinfo, COL_INFO, "Short packet (%u octets)", len);
		return (int)len;
	}

	tvbuff_t *dtvb = tvb;
	const guint8 *dp = p;
	int refl = o.role == SK_ROLE_REFLECTOR;
	if (o.proto == SK_PROTO_TWAMP && o.sec != SK_SEC_UNAUTH) {
		gi = proto_tree_add_boolean(st, hf_encrypted, tvb, 0, 0, TRUE);
		proto_item_set_generated(gi);
		if (!s || !s->has_keys) {
			expert_add_info(pinfo, ti, &ei_no_key);
			col_add_fstr(pinfo->cinfo, COL_INFO, "%s (%s, no key)", val_to_str_const(o.role, role_vals, "?"),
				     val_to_str_const(o.sec, sec_vals, "?"));
			call_data_dissector(tvb, pinfo, st);
			return (int)len;
		}
		guint8 *buf = (guint8 *)wmem_alloc(pinfo->pool, len ? len : 1);
		int hok = SK_HMAC_BAD;
		if (sk_twamp_test_unprotect((enum sk_sec)o.sec, refl, s->test_aes, s->test_hmac, p, len,
					    buf, len, &hok) != SK_OK) {
			/* shorter than the protected blocks: nothing can be decrypted */
			expert_add_info_format(pinfo, ti, &P_stamp.ei_truncated,
					       "%u octets: too short to decrypt (%u needed)", len,
					       (unsigned)sk_test_layout(&o)->size);
			col_add_fstr(pinfo->cinfo, COL_INFO, "%s (truncated)",
				     val_to_str_const(o.role, role_vals, "?"));
			call_data_dissector(tvb, pinfo, st);
			return (int)len;
		}
		dtvb = tvb_new_child_real_data(tvb, buf, len, len);
		add_new_data_source(pinfo, dtvb, "Decrypted TWAMP-Test");
		dp = buf;
	}

	struct sk_visitor v;
	struct skw_ctx c;
	skw_visitor(&v, &c, &P_stamp, pinfo, dtvb, st);
	struct sk_test_pkt pkt;
	struct sk_error err;
	memset(&err, 0, sizeof err);
	enum sk_result r = sk_test_decode(dp, len, &o, &pkt, &v, &err);

	/* The fixed part is complete: the layout's size, or twampy's shorter reply. */
	struct stamp_frame *sf = NULL;
	if (len >= sk_test_layout(&o)->size || (pkt.flags & SK_TPF_TWAMPY38)) {
		if (!(pkt.error_estimate & 0x8000) || (refl && !(pkt.sender_error_estimate & 0x8000)))
			proto_tree_add_expert(st, pinfo, &ei_unsync, dtvb, 0, 0);
		sf = p_get_proto_data(wmem_file_scope(), pinfo, proto_stamp, 0);
		if (!sf && !PINFO_FD_VISITED(pinfo))
			sf = pair_first_pass(pinfo, &o, &pkt, tvb_reported_length(tvb));
		if (sf) {
			pair_show(pinfo, tvb, st, &o, sf);
			struct stamp_tap_info *ti2 = wmem_new0(pinfo->pool, struct stamp_tap_info);
			ti2->session = sf->sess;
			ti2->session_no = sf->sess->no;
			ti2->proto = o.proto;
			ti2->negotiated = s != NULL;
			ti2->role = o.role;
			ti2->ssid = pkt.ssid;
			ti2->seq = pkt.seq;
			ti2->sender_seq = pkt.sender_seq;
			ti2->have_times = refl && sf->have_delays;
			ti2->t1 = sf->t1, ti2->t2 = sf->t2, ti2->t3 = sf->t3, ti2->t4 = sf->t4;
			ti2->src = &pinfo->src;
			ti2->dst = &pinfo->dst;
			ti2->srcport = pinfo->srcport;
			ti2->dstport = pinfo->destport;
			tap_queue_packet(stamp_tap, pinfo, ti2);
		}
	}

	const char *rn = val_to_str_const(o.role, role_vals, "?");
	if (r == SK_E_TRUNCATED && len < sk_test_layout(&o)->size)
		col_add_fstr(pinfo->cinfo, COL_INFO, "%s (truncated)", rn);
	else if (refl)
		col_add_fstr(pinfo->cinfo, COL_INFO, "%s Seq=%u Sender-Seq=%u", rn, pkt.seq, pkt.sender_seq);
	else
		col_add_fstr(pinfo->cinfo, COL_INFO, "%s Seq=%u", rn, pkt.seq);
	if (o.proto == SK_PROTO_STAMP && pkt.ssid)
		col_append_fstr(pinfo->cinfo, COL_INFO, " SSID=0x%04x", pkt.ssid);
	if (o.proto == SK_PROTO_STAMP && pkt.tlv_count)
		col_append_fstr(pinfo->cinfo, COL_INFO, " TLVs=%u", pkt.tlv_count);
	if (sf)
		pair_info(pinfo, &o, &pkt, sf);
	if (pkt.hmac_status == SK_HMAC_ST_BAD || pkt.tlv_hmac_status == SK_HMAC_ST_BAD)
		col_append_str(pinfo->cinfo, COL_INFO, " [HMAC bad]");
	return (int)len;
}

/* Strict: only what decodes as a clean STAMP packet with plausible times (2000..2100),
 * valid Error Estimates, zero MBZ and a well-formed TLV list. Off by default. */
static gboolean ts_plausible(uint64_t wire, uint16_t ee)
{
	int64_t ns = sk_ts_to_ns(wire, sk_errest_fmt(ee), SK_TAI_UTC_DEFAULT);
	return ns >= INT64_C(946684800) * 1000000000 && ns < INT64_C(4102444800) * 1000000000;
}

static gboolean dissect_stamp_heur(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
	guint len = tvb_captured_length(tvb);
	if (len < 44 || len != tvb_reported_length(tvb))
		return FALSE;
	const guint8 *p = tvb_get_ptr(tvb, 0, len);
	struct sk_test_opts o;
	if (sk_test_guess(p, len, &o) != SK_OK || o.proto != SK_PROTO_STAMP)
		return FALSE;
	struct sk_test_pkt pkt;
	enum sk_result r = sk_test_decode(p, len, &o, &pkt, NULL, NULL);
	if (r != SK_OK || (pkt.flags & (SK_TPF_MBZ_NONZERO | SK_TPF_ERREST_ZERO)))
		return FALSE;
	if (!ts_plausible(pkt.timestamp, pkt.error_estimate))
		return FALSE;
	if (o.role == SK_ROLE_REFLECTOR &&
	    (!ts_plausible(pkt.rx_timestamp, pkt.error_estimate) ||
	     !ts_plausible(pkt.sender_timestamp, pkt.sender_error_estimate)))
		return FALSE;
	conversation_t *conv = find_or_create_conversation(pinfo);
	conversation_set_dissector(conv, stamp_handle);
	dissect_stamp(tvb, pinfo, tree, data);
	return TRUE;
}

void stamp_register_twamp_session(packet_info *pinfo, const address *sender, const address *reflector,
				  const struct stamp_twsess *s)
{
	conversation_t *conv = find_conversation(pinfo->num, sender, reflector, CONVERSATION_UDP,
						 s->sender_port, s->reflector_port, 0);
	if (!conv || conv->setup_frame != pinfo->num)
		conv = conversation_new(pinfo->num, sender, reflector, CONVERSATION_UDP, s->sender_port,
					s->reflector_port, 0);
	struct stamp_twsess *c = wmem_new(wmem_file_scope(), struct stamp_twsess);
	*c = *s;
	copy_address_wmem(wmem_file_scope(), &c->sender_addr, sender);
	conversation_add_proto_data(conv, proto_stamp, c);
	conversation_set_dissector(conv, stamp_handle);
}

void proto_register_stamp(void)
{
	static hf_register_info hf[] = {
		{ &hf_role, { "Role", "stamp.role", FT_UINT8, BASE_DEC, VALS(role_vals), 0,
			      "Who sent the packet (from the control session, else guessed)", HFILL } },
		{ &hf_protocol, { "Protocol", "stamp.protocol", FT_UINT8, BASE_DEC, VALS(proto_vals), 0,
				  NULL, HFILL } },
		{ &hf_security, { "Security mode", "stamp.security", FT_UINT8, BASE_DEC, VALS(sec_vals), 0,
				  NULL, HFILL } },
		{ &hf_guessed, { "Guessed from content", "stamp.guessed", FT_BOOLEAN, BASE_NONE, NULL, 0,
				 "No TWAMP-Control session describes this flow: protocol and role guessed",
				 HFILL } },
		{ &hf_session_setup, { "Session set up in", "stamp.session_setup", FT_FRAMENUM, BASE_NONE,
				       FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0,
				       "Frame of the Accept-Session that negotiated this test session", HFILL } },
		{ &hf_encrypted, { "Protected", "stamp.protected", FT_BOOLEAN, BASE_NONE, NULL, 0,
				   "Authenticated or encrypted TWAMP-Test packet", HFILL } },
		{ &hf_session, { "Session", "stamp.session", FT_UINT32, BASE_DEC, NULL, 0,
				 "Test session number in this capture (the Statistics table's Session): "
				 "UDP conversation and, for STAMP, SSID", HFILL } },
		{ &hf_response_in, { "Response in", "stamp.response_in", FT_FRAMENUM, BASE_NONE,
				     FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), 0,
				     "First reflector packet answering this sender packet", HFILL } },
		{ &hf_response_to, { "Response to", "stamp.response_to", FT_FRAMENUM, BASE_NONE,
				     FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0,
				     "Sender packet (same session, Sequence Number = Sender Sequence Number)",
				     HFILL } },
		{ &hf_rtt, { "Round-trip time", "stamp.rtt", FT_RELATIVE_TIME, BASE_NONE, NULL, 0,
			     "T4 - T1 - (T3 - T2); T4 = capture time of this packet", HFILL } },
		{ &hf_delay_fwd, { "Forward delay", "stamp.delay.forward", FT_RELATIVE_TIME, BASE_NONE, NULL, 0,
				   "T2 - T1 (Receive Timestamp - Sender Timestamp)", HFILL } },
		{ &hf_delay_bwd, { "Backward delay", "stamp.delay.backward", FT_RELATIVE_TIME, BASE_NONE, NULL,
				   0, "T4 - T3 (capture time - Timestamp)", HFILL } },
		{ &hf_reflector_time, { "Reflector time", "stamp.reflector_time", FT_RELATIVE_TIME, BASE_NONE,
					NULL, 0, "T3 - T2 (time spent in the reflector)", HFILL } },
	};
	static gint *ett[] = { &ett_stamp };
	static ei_register_info ei[] = {
		{ &ei_no_key, { "stamp.no_key", PI_DECRYPTION, PI_WARN,
				"Protected test packet and no key: add the KeyID/passphrase to the twamp_keys table",
				EXPFILL } },
		{ &ei_negative_delay, { "stamp.negative_delay", PI_SEQUENCE, PI_WARN,
					"Negative one-way delay: the clocks are not synchronised", EXPFILL } },
		{ &ei_seq_gap, { "stamp.lost", PI_SEQUENCE, PI_WARN,
				 "Sequence Number gap: packets lost (or not captured) before this one", EXPFILL } },
		{ &ei_seq_reordered, { "stamp.reordered", PI_SEQUENCE, PI_WARN,
				       "Reordered: a higher Sequence Number arrived before this one (RFC 4737)",
				       EXPFILL } },
		{ &ei_seq_duplicate, { "stamp.duplicate", PI_SEQUENCE, PI_WARN,
				       "Duplicate Sequence Number (RFC 5560)", EXPFILL } },
		{ &ei_size_asym, { "stamp.size_asymmetry", PI_PROTOCOL, PI_NOTE,
				   "Reflector packet size differs from the sender packet's (RFC 8762 §4.3)",
				   EXPFILL } },
		{ &ei_unsync, { "stamp.clock_unsynchronized", PI_ASSUMPTION, PI_CHAT,
				"Error Estimate S bit 0: the clock is not synchronised to UTC", EXPFILL } },
		{ &ei_no_request, { "stamp.no_request", PI_SEQUENCE, PI_NOTE,
				    "The sender packet this reflector packet answers is not in the capture",
				    EXPFILL } },
		{ &ei_no_reply, { "stamp.no_reply", PI_SEQUENCE, PI_WARN,
				  "Request with no reply: no reflector packet in the capture answers this sender packet",
				  EXPFILL } },
	};
	proto_stamp = proto_register_protocol("STAMP / TWAMP-Test (stampkit)", "STAMP", "stamp");
	P_stamp.proto = proto_stamp;
	const struct sk_layout *const *groups[] = { sk_testpkt_layouts, sk_tlv_layouts };
	static const char *const group_keys[] = { "stamp_tlv", "stamp_subtlv", NULL };
	skw_register(&P_stamp, groups, G_N_ELEMENTS(groups), group_keys, hf, G_N_ELEMENTS(hf));
	proto_register_subtree_array(ett, G_N_ELEMENTS(ett));
	expert_module_t *em = expert_register_protocol(proto_stamp);
	expert_register_field_array(em, ei, G_N_ELEMENTS(ei));

	module_t *m = prefs_register_protocol(proto_stamp, apply_prefs);
	prefs_register_string_preference(m, "hmac_key", "STAMP HMAC key (hex)",
		"Shared key of authenticated STAMP (RFC 8762 §4.4) and of the HMAC TLV (RFC 8972 §4.8), "
		"as hex octets; empty: HMACs are shown but not checked",
		&pref_hmac_key_hex);
	stamp_handle = register_dissector("stamp", dissect_stamp, proto_stamp);
	pair_sessions = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), g_int64_hash,
					       g_int64_equal);
	flow_dirs = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), g_direct_hash,
					   g_direct_equal);
	register_init_routine(pair_init);
	register_cleanup_routine(pair_cleanup);
	pair_trackers = g_ptr_array_new_with_free_func(tracker_free);
	stamp_tap = register_tap("stamp");
	register_stamp_stat();
}

void proto_reg_handoff_stamp(void)
{
	dissector_add_uint_with_preference("udp.port", STAMP_UDP_PORT, stamp_handle);
	udp_port_table = find_dissector_table("udp.port");
	heur_dissector_add("udp", dissect_stamp_heur, "STAMP over UDP (any port)", "stamp_udp",
			   proto_stamp, HEURISTIC_DISABLE);
	apply_prefs();
}
