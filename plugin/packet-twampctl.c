/* SPDX-License-Identifier: GPL-2.0-or-later */
/* packet-twampctl.c - the `twampctl` dissector: TWAMP-Control (RFC 4656 §3, RFC 5357 §3,
 * RFC 5618, RFC 5938, RFC 6038) followed by the codec's observer state machine, decrypted
 * with the twamp_keys table, and the test sessions it negotiates handed to `stamp`. */
#define WS_BUILD_DLL
#include <string.h>

#include <wireshark.h>
#include <epan/packet.h>
#include <epan/expert.h>
#include <epan/prefs.h>
#include <epan/uat.h>
#include <epan/proto_data.h>
#include <epan/conversation.h>
#include <epan/dissectors/packet-tcp.h>

#include "skw.h"
#include "stamp_plugin.h"

#define TWAMPCTL_TCP_PORT 862

static int proto_twampctl = -1;
static struct skw_proto P_ctl = { .abbrev = "twampctl" };

static int hf_message = -1;
static int hf_direction = -1;
static int hf_guessed = -1;
static int hf_decrypted = -1;
static int hf_hmac_status = -1;
static int hf_state = -1;
static int hf_session_ports = -1;
static gint ett_twampctl = -1;
static expert_field ei_no_key = EI_INIT;
static expert_field ei_state = EI_INIT;
static expert_field ei_guessed = EI_INIT;
static expert_field ei_undecoded = EI_INIT;
static expert_field ei_retrans = EI_INIT;

static dissector_handle_t twampctl_handle;

/* ---- twamp_keys: KeyID -> passphrase ---- */
typedef struct {
	char *keyid;
	char *passphrase;
} twkey_t;
static twkey_t *twkeys;
static guint ntwkeys;

UAT_CSTRING_CB_DEF(twkey, keyid, twkey_t)
UAT_CSTRING_CB_DEF(twkey, passphrase, twkey_t)

static void *twkey_copy(void *dst, const void *src, size_t len _U_)
{
	twkey_t *d = dst;
	const twkey_t *s = src;
	d->keyid = g_strdup(s->keyid);
	d->passphrase = g_strdup(s->passphrase);
	return d;
}

static void twkey_free(void *r)
{
	twkey_t *k = r;
	g_free(k->keyid);
	g_free(k->passphrase);
}

static gboolean twkey_update(void *r, char **error)
{
	twkey_t *k = r;
	if (!k->keyid || !*k->keyid || strlen(k->keyid) > SK_TWCTL_KEYID_LEN) {
		*error = g_strdup("KeyID must have 1 to 80 octets");
		return FALSE;
	}
	return TRUE;
}

static int key_lookup(void *ctx _U_, const uint8_t keyid[SK_TWCTL_KEYID_LEN], const uint8_t **secret,
		      size_t *secret_len)
{
	size_t n = 0;
	while (n < SK_TWCTL_KEYID_LEN && keyid[n])
		n++;
	for (guint i = 0; i < ntwkeys; i++) {
		const twkey_t *k = &twkeys[i];
		if (k->keyid && strlen(k->keyid) == n && memcmp(k->keyid, keyid, n) == 0 && k->passphrase) {
			*secret = (const uint8_t *)k->passphrase;
			*secret_len = strlen(k->passphrase);
			return 0;
		}
	}
	return -1;
}

/* ---- per-connection and per-frame state ---- */
enum { MK_MESSAGE, MK_ERROR };

struct twc_msg {
	guint8 kind;
	guint8 type;       /* enum sk_twctl_type */
	guint8 dir;
	guint8 hmac;       /* 0 not protected, 1 verified, 2 failed */
	enum sk_problem problem; /* MK_ERROR: what the machine found wrong */
	const char *text;
	guint8 *plain;
	guint32 len;
	gint32 tvb_off;    /* offset in the segment when the octets there are the plaintext, else -1 */
	guint16 sender_port, reflector_port; /* Accept-Session that set up a test session */
	struct twc_msg *next;
};

enum { FN_NONE = 0, FN_PARTIAL = 1, FN_RETRANS = 2, FN_DEAD = 4 };

/* Why a connection cannot be followed from dead_frame on. */
enum { DEAD_MACHINE, DEAD_SNAPLEN, DEAD_GAP };

struct twc_frame {
	struct twc_msg *first, *last;
	guint32 notes;
	guint32 dead_frame;
	guint32 gap;       /* DEAD_GAP in this frame: octets missing before it */
	guint8 dead_why;
	guint8 state;      /* state after this segment */
};

enum { CM_UNDECIDED, CM_MACHINE, CM_GUESS };

struct twc_conv {
	int mode;
	guint32 server_port;
	address client, server;
	struct sk_twsm sm;
	gboolean have_seq[2];
	guint32 next_seq[2];
	guint64 fed[2];
	guint32 dead_frame;
	guint8 dead_why;
	guint32 gap;
	gboolean broken;       /* octets missing from the stream (snaplen, gap): cannot follow */
	/* guess mode: the last Request-TW-Session, waiting for its Accept-Session */
	gboolean have_req;
	struct sk_twctl_request req;
	/* the segment being fed (first pass) */
	packet_info *pinfo;
	struct twc_frame *cur;
	const guint8 *seg;
	guint32 seg_len;
	guint64 seg_start;
};

static value_string *msg_vals;

static const value_string dir_vals[] = {
	{ SK_TWSM_C2S, "Control-Client to Server" }, { SK_TWSM_S2C, "Server to Control-Client" }, { 0, NULL },
};
static const value_string hmac_vals[] = {
	{ 0, "not protected" }, { 1, "ok" }, { 2, "bad" }, { 0, NULL },
};
static value_string *state_vals;

/* Registers a negotiated test session with `stamp` on its UDP ports. Addresses are those of
 * the request, or (all zero) the control connection's. */
static void session_from(struct twc_conv *cv, packet_info *pinfo, guint32 mode, guint8 sec, guint8 ipvn,
			 const guint8 *saddr, const guint8 *raddr, guint16 sport, guint16 rport,
			 guint16 reflect_len, const guint8 *sid, const guint8 *test_aes,
			 const guint8 *test_hmac, struct stamp_twsess *t)
{
	memset(t, 0, sizeof *t);
	t->setup_frame = pinfo->num;
	t->sender_port = sport;
	t->reflector_port = rport;
	t->sec = sec;
	t->mode = mode;
	if (mode & SK_TWMODE_REFLECT_OCTETS)
		t->features |= SK_TF_REFLECT_OCTETS;
	if (mode & SK_TWMODE_SYMMETRICAL)
		t->features |= SK_TF_SYMMETRICAL;
	if (mode & SK_TWMODE_DSCP_ECN)
		t->features |= SK_TF_DSCP_ECN;
	t->reflect_len = reflect_len;
	if (sid)
		memcpy(t->sid, sid, 16);
	if (test_aes) {
		t->has_keys = TRUE;
		memcpy(t->test_aes, test_aes, 16);
		memcpy(t->test_hmac, test_hmac, 32);
	}
	address sa, ra;
	int alen = ipvn == 6 ? 16 : 4;
	int atype = ipvn == 6 ? AT_IPv6 : AT_IPv4;
	static const guint8 zero[16];
	if (memcmp(saddr, zero, (size_t)alen) && cv->client.type == atype)
		set_address(&sa, atype, alen, saddr);
	else
		copy_address_shallow(&sa, &cv->client);
	if (memcmp(raddr, zero, (size_t)alen) && cv->server.type == atype)
		set_address(&ra, atype, alen, raddr);
	else
		copy_address_shallow(&ra, &cv->server);
	stamp_register_twamp_session(pinfo, &sa, &ra, t);
}

static void on_event(void *ctx, const struct sk_twsm_event *ev)
{
	struct twc_conv *cv = ctx;
	struct twc_frame *fr = cv->cur;
	if (!fr || ev->kind == SK_TWSM_EV_SENT)
		return;
	struct twc_msg *m = wmem_new0(wmem_file_scope(), struct twc_msg);
	m->kind = ev->kind == SK_TWSM_EV_MESSAGE ? MK_MESSAGE : MK_ERROR;
	m->type = (guint8)ev->type;
	m->dir = (guint8)ev->dir;
	m->problem = ev->problem;
	m->text = ev->msg ? wmem_strdup(wmem_file_scope(), ev->msg) : NULL;
	m->tvb_off = -1;
	if (ev->plain && ev->len) {
		m->plain = (guint8 *)wmem_memdup(wmem_file_scope(), ev->plain, ev->len);
		m->len = (guint32)ev->len;
		if (ev->stream_off >= cv->seg_start &&
		    ev->stream_off + ev->len <= cv->seg_start + cv->seg_len &&
		    memcmp(cv->seg + (ev->stream_off - cv->seg_start), ev->plain, ev->len) == 0)
			m->tvb_off = (gint32)(ev->stream_off - cv->seg_start);
	}
	if (cv->sm.encrypted && m->type != SK_TWCTL_SERVER_START)
		m->hmac = m->kind == MK_MESSAGE ? 1 : (ev->problem == SK_PROB_HMAC_BAD ? 2 : 0);
	if (m->kind == MK_MESSAGE && ev->type == SK_TWCTL_ACCEPT_SESSION && ev->session >= 0) {
		const struct sk_twsm_session *s = sk_twsm_session(&cv->sm, (unsigned)ev->session);
		if (s && s->state == SK_TWSESS_ACCEPTED) {
			struct stamp_twsess t;
			session_from(cv, cv->pinfo, cv->sm.mode, (guint8)sk_twmode_sec(s->mode), s->ipvn,
				     s->sender_address, s->receiver_address, s->sender_port,
				     s->reflector_port ? s->reflector_port : s->requested_port,
				     s->padding_reflected, s->sid, s->has_keys ? s->test_aes : NULL,
				     s->test_hmac, &t);
			m->sender_port = t.sender_port;
			m->reflector_port = t.reflector_port;
		}
	}
	if (fr->last)
		fr->last->next = m;
	else
		fr->first = m;
	fr->last = m;
}

/* Does the first server segment look like a Server-Greeting (RFC 4656 §3.1)? Then the
 * capture holds the connection from its start and the state machine can follow it. */
static gboolean looks_like_greeting(const guint8 *p, guint32 len)
{
	if (len < SK_TWCTL_GREETING_LEN)
		return FALSE;
	guint32 modes = (guint32)p[12] << 24 | (guint32)p[13] << 16 | (guint32)p[14] << 8 | p[15];
	guint32 count = (guint32)p[48] << 24 | (guint32)p[49] << 16 | (guint32)p[50] << 8 | p[51];
	if (modes & 0xfffff000u)
		return FALSE;
	if (modes && count == 0)
		return FALSE;
	for (int i = 52; i < 64; i++)
		if (p[i])
			return FALSE;
	return TRUE;
}

static struct twc_conv *get_conv(packet_info *pinfo)
{
	conversation_t *conv = find_or_create_conversation(pinfo);
	struct twc_conv *cv = conversation_get_proto_data(conv, proto_twampctl);
	if (!cv) {
		cv = wmem_new0(wmem_file_scope(), struct twc_conv);
		cv->mode = CM_UNDECIDED;
		cv->server_port = pinfo->match_uint ? pinfo->match_uint : pinfo->destport;
		conversation_add_proto_data(conv, proto_twampctl, cv);
	}
	return cv;
}

/* First pass: feed this segment to the machine and record what it produced. */
static struct twc_frame *first_pass(struct twc_conv *cv, packet_info *pinfo, tvbuff_t *tvb,
				    enum sk_twsm_dir dir, struct tcpinfo *ti)
{
	struct twc_frame *fr = wmem_new0(wmem_file_scope(), struct twc_frame);
	guint32 len = tvb_captured_length(tvb);
	const guint8 *p = tvb_get_ptr(tvb, 0, len);
	guint32 skip = 0;
	if (ti) {
		if (cv->have_seq[dir] && (gint32)(ti->seq - cv->next_seq[dir]) < 0) {
			guint32 overlap = cv->next_seq[dir] - ti->seq;
			if (overlap >= len) {
				fr->notes |= FN_RETRANS;
				p_add_proto_data(wmem_file_scope(), pinfo, proto_twampctl, 0, fr);
				return fr;
			}
			skip = overlap;
		}
		/* Octets missing before this segment: not captured, or arriving later out of
		 * order (which TCP puts in order only with tcp.reassemble_out_of_order). */
		if (cv->have_seq[dir] && (gint32)(ti->seq - cv->next_seq[dir]) > 0 && !cv->broken &&
		    cv->mode == CM_MACHINE) {
			cv->broken = TRUE;
			cv->dead_frame = pinfo->num;
			cv->dead_why = DEAD_GAP;
			cv->gap = ti->seq - cv->next_seq[dir];
		}
		/* With tcp.reassemble_out_of_order TCP hands over, in the segment that fills a
		 * hole, the octets from this one's start to the end of what it held back. */
		guint32 end = ti->nxtseq;
		if ((gint32)(ti->seq + len - end) > 0)
			end = ti->seq + len;
		if (!cv->have_seq[dir] || (gint32)(end - cv->next_seq[dir]) > 0)
			cv->next_seq[dir] = end;
		cv->have_seq[dir] = TRUE;
	}
	if (cv->mode == CM_UNDECIDED) {
		if (dir == SK_TWSM_S2C && cv->fed[SK_TWSM_C2S] == 0 && looks_like_greeting(p, len)) {
			struct sk_twsm_config cfg;
			memset(&cfg, 0, sizeof cfg);
			cfg.role = SK_TWSM_OBSERVER;
			cfg.key_lookup = key_lookup;
			cfg.on_event = on_event;
			cfg.event_ctx = cv;
			cv->mode = sk_twsm_init(&cv->sm, &cfg) == SK_OK ? CM_MACHINE : CM_GUESS;
		} else {
			cv->mode = CM_GUESS;
		}
		if (dir == SK_TWSM_S2C) {
			copy_address_wmem(wmem_file_scope(), &cv->server, &pinfo->src);
			copy_address_wmem(wmem_file_scope(), &cv->client, &pinfo->dst);
		} else {
			copy_address_wmem(wmem_file_scope(), &cv->server, &pinfo->dst);
			copy_address_wmem(wmem_file_scope(), &cv->client, &pinfo->src);
		}
	}
	if (cv->mode == CM_MACHINE && !cv->broken && len < tvb_reported_length(tvb)) {
		cv->broken = TRUE;
		cv->dead_frame = pinfo->num;
		cv->dead_why = DEAD_SNAPLEN;
	}
	if (cv->mode == CM_MACHINE) {
		if (cv->broken || cv->sm.state == SK_TWSM_FAILED || cv->sm.state == SK_TWSM_CLOSED) {
			fr->notes |= FN_DEAD;
			fr->dead_frame = cv->dead_frame;
			fr->dead_why = cv->dead_why;
			fr->gap = cv->gap;
		} else {
			cv->pinfo = pinfo;
			cv->cur = fr;
			cv->seg = p + skip;
			cv->seg_len = len - skip;
			cv->seg_start = cv->fed[dir];
			(void)sk_twsm_feed(&cv->sm, dir, p + skip, len - skip);
			cv->cur = NULL;
			if (!fr->first)
				fr->notes |= FN_PARTIAL;
			if (cv->sm.state == SK_TWSM_FAILED || cv->sm.state == SK_TWSM_CLOSED) {
				cv->dead_frame = pinfo->num;
				cv->dead_why = DEAD_MACHINE;
			}
		}
		fr->state = (guint8)cv->sm.state;
	}
	cv->fed[dir] += len - skip;
	p_add_proto_data(wmem_file_scope(), pinfo, proto_twampctl, 0, fr);
	return fr;
}

union twc_any {
	struct sk_twctl_greeting greeting;
	struct sk_twctl_setup setup;
	struct sk_twctl_server_start server_start;
	struct sk_twctl_request request;
	struct sk_twctl_accept accept;
	struct sk_twctl_start start;
	struct sk_twctl_start_ack start_ack;
	struct sk_twctl_stop stop;
	struct sk_twctl_nsessions nsessions;
};

/* Accept value of a decoded message, or -1. */
static int accept_of(enum sk_twctl_type t, const union twc_any *u)
{
	switch (t) {
	case SK_TWCTL_SERVER_START: return u->server_start.accept;
	case SK_TWCTL_ACCEPT_SESSION: return u->accept.accept;
	case SK_TWCTL_START_ACK: return u->start_ack.accept;
	case SK_TWCTL_STOP_SESSIONS: return u->stop.accept;
	case SK_TWCTL_START_N_ACK:
	case SK_TWCTL_STOP_N_ACK: return u->nsessions.accept;
	default: return -1;
	}
}

/* Info column: the messages of one segment, ", " between them but none after what TCP put
 * first ("[TCP Out-Of-Order] "). Dissection is single-threaded; info_begin starts a packet. */
static gboolean info_any;

static void info_begin(packet_info *pinfo)
{
	col_clear(pinfo->cinfo, COL_INFO);
	info_any = FALSE;
}

static void info_add(packet_info *pinfo, const char *s)
{
	if (info_any)
		col_append_sep_str(pinfo->cinfo, COL_INFO, ", ", s);
	else
		col_append_str(pinfo->cinfo, COL_INFO, s);
	info_any = TRUE;
}

/* Shows one message whose (plaintext) octets are all of mtvb. */
static void show_message(tvbuff_t *mtvb, packet_info *pinfo, proto_tree *tree, proto_item *pi,
			 enum sk_twctl_type t, enum sk_twsm_dir dir, gboolean guessed, int hmac,
			 gboolean decrypted)
{
	guint32 len = tvb_captured_length(mtvb);
	const guint8 *p = tvb_get_ptr(mtvb, 0, len);
	proto_item *gi = proto_tree_add_uint(tree, hf_message, mtvb, 0, len, t);
	proto_item_set_generated(gi);
	gi = proto_tree_add_uint(tree, hf_direction, mtvb, 0, 0, dir);
	proto_item_set_generated(gi);
	if (guessed) {
		gi = proto_tree_add_boolean(tree, hf_guessed, mtvb, 0, 0, TRUE);
		proto_item_set_generated(gi);
		expert_add_info(pinfo, gi, &ei_guessed);
	}
	if (decrypted) {
		gi = proto_tree_add_boolean(tree, hf_decrypted, mtvb, 0, 0, TRUE);
		proto_item_set_generated(gi);
	}
	if (hmac) {
		gi = proto_tree_add_uint(tree, hf_hmac_status, mtvb, 0, 0, (guint32)hmac);
		proto_item_set_generated(gi);
		if (hmac == 2)
			expert_add_info(pinfo, gi, &P_ctl.ei_hmac_bad);
	}
	struct sk_visitor v;
	struct skw_ctx c;
	skw_visitor(&v, &c, &P_ctl, pinfo, mtvb, tree);
	union twc_any u;
	memset(&u, 0, sizeof u);
	struct sk_error err;
	(void)sk_twctl_decode(t, p, len, &u, &v, &err);
	info_add(pinfo, sk_twctl_type_name(t));
	int acc = accept_of(t, &u);
	if (acc > 0) {
		const char *an = sk_vs_name(sk_twamp_accept_names, (uint32_t)acc);
		col_append_fstr(pinfo->cinfo, COL_INFO, " (Accept: %s)", an ? an : "unknown");
	}
	(void)pi;
}

/* Guess mode, first pass: a Request-TW-Session then its Accept-Session (Accept 0) still set
 * up a test session; what was negotiated before the capture started stays unknown, so the
 * session is taken as unauthenticated with no RFC 6038/7750 features. */
static void guess_track(struct twc_conv *cv, packet_info *pinfo, enum sk_twctl_type t, const guint8 *p,
			size_t len)
{
	if (t == SK_TWCTL_REQUEST_TW_SESSION) {
		cv->have_req = sk_twctl_decode(t, p, len, &cv->req, NULL, NULL) == SK_OK;
	} else if (t == SK_TWCTL_ACCEPT_SESSION && cv->have_req) {
		struct sk_twctl_accept a;
		cv->have_req = FALSE;
		if (sk_twctl_decode(t, p, len, &a, NULL, NULL) != SK_OK || a.accept != 0)
			return;
		struct stamp_twsess ts;
		session_from(cv, pinfo, 0, SK_SEC_UNAUTH, cv->req.ipvn, cv->req.sender_address,
			     cv->req.receiver_address, cv->req.sender_port,
			     a.port ? a.port : cv->req.receiver_port, cv->req.padding_reflected, a.sid, NULL,
			     NULL, &ts);
	}
}

static void dissect_guessing(struct twc_conv *cv, tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
			     proto_item *pi, enum sk_twsm_dir dir)
{
	guint32 len = tvb_captured_length(tvb);
	guint32 off = 0;
	while (off < len) {
		const guint8 *p = tvb_get_ptr(tvb, off, len - off);
		enum sk_twctl_type t = sk_twctl_guess(p, len - off,
						      dir == SK_TWSM_C2S ? SK_TWCTL_DIR_C2S : SK_TWCTL_DIR_S2C);
		size_t need = 0;
		if (t == SK_TWCTL_NONE || sk_twctl_needed(t, p, len - off, &need) != SK_OK ||
		    need > len - off || need == 0) {
			proto_tree_add_expert_format(tree, pinfo, &ei_undecoded, tvb, (gint)off, (gint)(len - off),
						     "%u octets of TWAMP-Control not recognised without the "
						     "connection's start (encrypted, or a message split across "
						     "segments)", len - off);
			info_add(pinfo, "TWAMP-Control data");
			return;
		}
		tvbuff_t *mtvb = tvb_new_subset_length(tvb, (gint)off, (gint)need);
		if (!PINFO_FD_VISITED(pinfo))
			guess_track(cv, pinfo, t, p, need);
		show_message(mtvb, pinfo, tree, pi, t, dir, TRUE, 0, FALSE);
		off += (guint32)need;
	}
}

static int dissect_twampctl(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
	guint32 len = tvb_captured_length(tvb);
	if (len == 0)
		return 0;
	struct twc_conv *cv = get_conv(pinfo);
	enum sk_twsm_dir dir = pinfo->srcport == cv->server_port ? SK_TWSM_S2C : SK_TWSM_C2S;
	struct twc_frame *fr = p_get_proto_data(wmem_file_scope(), pinfo, proto_twampctl, 0);
	if (!fr && !PINFO_FD_VISITED(pinfo))
		fr = first_pass(cv, pinfo, tvb, dir, (struct tcpinfo *)data);

	col_set_str(pinfo->cinfo, COL_PROTOCOL, "TWAMP-Control");
	info_begin(pinfo);
	proto_item *pi = proto_tree_add_item(tree, proto_twampctl, tvb, 0, -1, ENC_NA);
	proto_tree *pt = proto_item_add_subtree(pi, ett_twampctl);

	if (cv->mode != CM_MACHINE || !fr) {
		dissect_guessing(cv, tvb, pinfo, pt, pi, dir);
		return (int)len;
	}
	if (fr->notes & FN_RETRANS) {
		proto_tree_add_expert(pt, pinfo, &ei_retrans, tvb, 0, (gint)len);
		col_set_str(pinfo->cinfo, COL_INFO, "Retransmitted TWAMP-Control data");
		return (int)len;
	}
	for (struct twc_msg *m = fr->first; m; m = m->next) {
		tvbuff_t *mtvb;
		gboolean decrypted = FALSE;
		if (!m->plain) {
			mtvb = tvb;
		} else if (m->tvb_off >= 0) {
			mtvb = tvb_new_subset_length(tvb, m->tvb_off, (gint)m->len);
		} else {
			mtvb = tvb_new_child_real_data(tvb, m->plain, m->len, m->len);
			decrypted = m->type >= SK_TWCTL_SERVER_START && fr->state != SK_TWSM_WAIT_SETUP &&
				    (cv->sm.mode & (SK_TWMODE_AUTH | SK_TWMODE_ENCRYPT | SK_TWMODE_MIXED));
			add_new_data_source(pinfo, mtvb, decrypted ? "Decrypted TWAMP-Control"
								   : "Reassembled TWAMP-Control");
		}
		if (m->kind == MK_MESSAGE) {
			show_message(mtvb, pinfo, pt, pi, (enum sk_twctl_type)m->type, (enum sk_twsm_dir)m->dir,
				     FALSE, m->hmac, decrypted);
			if (m->sender_port) {
				proto_item *gi = proto_tree_add_string_format_value(
					pt, hf_session_ports, mtvb, 0, 0,
					wmem_strdup_printf(pinfo->pool, "%u-%u", m->sender_port, m->reflector_port),
					"UDP %u (Session-Sender) -> %u (Session-Reflector)", m->sender_port,
					m->reflector_port);
				proto_item_set_generated(gi);
			}
		} else {
			expert_field *ei = &ei_state;
			if (m->problem == SK_PROB_NO_KEY || m->problem == SK_PROB_WRONG_KEY)
				ei = &ei_no_key;
			else if (m->problem == SK_PROB_HMAC_BAD)
				ei = &P_ctl.ei_hmac_bad;
			if (m->type != SK_TWCTL_NONE && m->plain &&
			    (m->type == SK_TWCTL_SETUP_RESPONSE || m->type == SK_TWCTL_SERVER_GREETING))
				show_message(mtvb, pinfo, pt, pi, (enum sk_twctl_type)m->type,
					     (enum sk_twsm_dir)m->dir, FALSE, 0, FALSE);
			else
				info_add(pinfo, "TWAMP-Control error");
			proto_tree_add_expert_format(pt, pinfo, ei, tvb, 0, 0, "%s%s%s",
						     sk_twctl_type_name((enum sk_twctl_type)m->type),
						     m->text ? ": " : "", m->text ? m->text : "");
		}
	}
	if (!fr->first) {
		if (fr->notes & FN_DEAD) {
			if (fr->dead_frame == pinfo->num && fr->dead_why == DEAD_GAP)
				proto_tree_add_expert_format(pt, pinfo, &ei_undecoded, tvb, 0, (gint)len,
							     "Not decoded: %u octets of this direction are missing "
							     "before this segment (not captured, or arriving later "
							     "out of order), the connection cannot be followed. TCP "
							     "puts out-of-order segments in order with "
							     "tcp.reassemble_out_of_order:TRUE (Preferences, "
							     "Protocols, TCP; the stampkit profile sets it)", fr->gap);
			else if (fr->dead_frame == pinfo->num)
				proto_tree_add_expert_format(pt, pinfo, &ei_undecoded, tvb, 0, (gint)len,
							     "Not decoded: the capture cut this segment short "
							     "(snaplen), the connection cannot be followed");
			else
				proto_tree_add_expert_format(pt, pinfo, &ei_undecoded, tvb, 0, (gint)len,
							     "Not decoded: the connection could not be followed "
							     "after frame %u", fr->dead_frame);
			info_add(pinfo, "TWAMP-Control (not decoded)");
		} else {
			info_add(pinfo, "TWAMP-Control segment of a message");
		}
	}
	proto_item *si = proto_tree_add_uint(pt, hf_state, tvb, 0, 0, fr->state);
	proto_item_set_generated(si);
	return (int)len;
}

void proto_register_twampctl(void)
{
	msg_vals = g_new0(value_string, SK_TWCTL_TYPE_COUNT + 1);
	for (int i = 0; i < SK_TWCTL_TYPE_COUNT; i++) {
		msg_vals[i].value = (guint32)i;
		msg_vals[i].strptr = sk_twctl_type_name((enum sk_twctl_type)i);
	}
	state_vals = g_new0(value_string, SK_TWSM_FAILED + 2);
	for (int i = 0; i <= SK_TWSM_FAILED; i++) {
		state_vals[i].value = (guint32)i;
		state_vals[i].strptr = sk_twsm_state_name((enum sk_twsm_state)i);
	}
	static hf_register_info hf[] = {
		{ &hf_message, { "Message", "twampctl.message", FT_UINT8, BASE_DEC, NULL, 0,
				 "Message type, from the connection state (or guessed from content)", HFILL } },
		{ &hf_direction, { "Direction", "twampctl.direction", FT_UINT8, BASE_DEC, VALS(dir_vals), 0,
				   NULL, HFILL } },
		{ &hf_guessed, { "Guessed from content", "twampctl.guessed", FT_BOOLEAN, BASE_NONE, NULL, 0,
				 "The connection's start is not in the capture: type guessed", HFILL } },
		{ &hf_decrypted, { "Decrypted", "twampctl.decrypted", FT_BOOLEAN, BASE_NONE, NULL, 0,
				   NULL, HFILL } },
		{ &hf_hmac_status, { "HMAC status", "twampctl.hmac.status", FT_UINT8, BASE_DEC,
				     VALS(hmac_vals), 0, NULL, HFILL } },
		{ &hf_state, { "State after this segment", "twampctl.state", FT_UINT8, BASE_DEC, NULL, 0,
			       "What the connection waits for next", HFILL } },
		{ &hf_session_ports, { "Test session", "twampctl.test_session", FT_STRING, BASE_NONE, NULL, 0,
				       "UDP ports of the test session this Accept-Session set up", HFILL } },
	};
	hf[0].hfinfo.strings = VALS(msg_vals);
	hf[5].hfinfo.strings = VALS(state_vals);
	static gint *ett[] = { &ett_twampctl };
	static ei_register_info ei[] = {
		{ &ei_no_key, { "twampctl.no_key", PI_DECRYPTION, PI_WARN,
				"No shared secret for this KeyID: add it to the twamp_keys table", EXPFILL } },
		{ &ei_state, { "twampctl.state_error", PI_SEQUENCE, PI_ERROR,
			       "TWAMP-Control protocol error", EXPFILL } },
		{ &ei_guessed, { "twampctl.type_guessed", PI_ASSUMPTION, PI_NOTE,
				 "Message type guessed from content (connection start not captured)", EXPFILL } },
		{ &ei_undecoded, { "twampctl.undecoded", PI_UNDECODED, PI_NOTE,
				   "TWAMP-Control octets not decoded", EXPFILL } },
		{ &ei_retrans, { "twampctl.retransmission", PI_SEQUENCE, PI_NOTE,
				 "Retransmitted data: already fed to the state machine", EXPFILL } },
	};
	proto_twampctl = proto_register_protocol("TWAMP-Control (stampkit)", "TWAMP-Ctl", "twampctl");
	P_ctl.proto = proto_twampctl;
	const struct sk_layout *const *groups[] = { sk_twctl_layouts };
	skw_register(&P_ctl, groups, G_N_ELEMENTS(groups), NULL, hf, G_N_ELEMENTS(hf));
	proto_register_subtree_array(ett, G_N_ELEMENTS(ett));
	expert_module_t *em = expert_register_protocol(proto_twampctl);
	expert_register_field_array(em, ei, G_N_ELEMENTS(ei));

	static uat_field_t fields[] = {
		UAT_FLD_CSTRING(twkey, keyid, "KeyID", "KeyID of the Set-Up-Response (up to 80 octets)"),
		UAT_FLD_CSTRING(twkey, passphrase, "passphrase", "Shared secret of that KeyID"),
		UAT_END_FIELDS
	};
	uat_t *u = uat_new("TWAMP keys", sizeof(twkey_t), "twamp_keys", TRUE, &twkeys, &ntwkeys,
			   UAT_AFFECTS_DISSECTION, NULL, twkey_copy, twkey_update, twkey_free, NULL, NULL,
			   fields);
	module_t *m = prefs_register_protocol(proto_twampctl, NULL);
	prefs_register_uat_preference(m, "twamp_keys", "TWAMP shared secrets",
		"KeyID and passphrase pairs that decrypt authenticated, encrypted and mixed-mode "
		"TWAMP-Control connections and the test sessions they set up", u);
	twampctl_handle = register_dissector("twampctl", dissect_twampctl, proto_twampctl);
}

void proto_reg_handoff_twampctl(void)
{
	dissector_add_uint_with_preference("tcp.port", TWAMPCTL_TCP_PORT, twampctl_handle);
}
