/* SPDX-License-Identifier: BSD-3-Clause */
/* decode_proto.c - protocol glue of `stampkit decode`: test packets (RFC 5357 §4, RFC 8762 §4),
 * a passive follower of TWAMP-Control connections (RFC 5357 §3, RFC 4656 §3.1 keys and
 * encryption) that learns test sessions, and test-packet decryption (RFC 4656 §4.1.2). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode_int.h"
#include "decode_proto.h"
#include "output.h"
#include "stampkit/crypto.h"
#include "stampkit/testpkt.h"
#include "stampkit/twamp_control.h"
#include "stampkit/twamp_sm.h"

/* ---- computed fields shown with control messages ---- */

static const struct sk_vs hmac_vs[] = {
	{ 0, "not checked" }, { 1, "ok" }, { 2, "bad" },
	{ 3, "ok (covering this message only, not the Server-Start block)" }, { 0, NULL },
};
static const struct sk_field ctl_synth[] = {
	{ "HMAC status", "hmac_status", 0, 0, SK_FK_UINT, 0, -1, 0, SK_NOSTORE, hmac_vs, NULL,
	  "RFC 4656 §3.1, RFC 5357 §3.5" },
};

/* ---- test packets ---- */

static void hexstr(const uint8_t *p, size_t n, char *buf)
{
	static const char hx[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++)
		buf[2 * i] = hx[p[i] >> 4], buf[2 * i + 1] = hx[p[i] & 15];
	buf[2 * n] = '\0';
}

void sk_dec_test(struct sk_dec *e, const uint8_t *p, size_t n, int role, struct sk_twsess *s,
		 const char *how)
{
	uint8_t buf[2048];
	struct sk_disc_prep prep;
	sk_disc_prepare(p, n, role, s, buf, sizeof buf, &prep);
	struct sk_test_opts o = prep.o;
	const uint8_t *data = prep.data;
	int decrypted = prep.decrypted; /* -1 clear text, 0 could not, 1 done */

	sk_dec_begin(e, "test");
	sk_dec_member_str(e, "protocol", "Protocol", o.proto == SK_PROTO_TWAMP ? "twamp" : "stamp");
	sk_dec_member_str(e, "role", "Role", o.role == SK_ROLE_REFLECTOR ? "reflector" : "sender");
	sk_dec_member_str(e, "security", "Security", sk_sec_name((enum sk_sec)o.sec));
	sk_dec_member_str(e, "found_by", "Found by", s ? "twamp-control" : how);
	sk_dec_member_int(e, "length", "Payload length", (long long)n);
	if (s) {
		char sid[33];
		hexstr(s->sid, 16, sid);
		sk_dec_member_str(e, "sid", "Session (SID)", sid);
	}
	if (decrypted >= 0)
		sk_dec_member_bool(e, "decrypted", "Decrypted", decrypted);
	struct sk_test_pkt t;
	struct sk_error err = { 0 };
	enum sk_result r;
	if (decrypted == 0) {
		r = sk_error_set(&err, SK_E_UNSUPPORTED, 0,
				 "%s test packet and no --secret for its session: not decrypted",
				 sk_sec_name((enum sk_sec)o.sec));
		sk_dec_error(e, SK_PROB_NO_KEY, r, 0, err.msg);
		/* Still walk the layout: sequence numbers of authenticated packets stay hidden,
		 * but timestamps are readable in authenticated mode. */
		(void)sk_test_decode(data, n, &o, &t, &e->v, NULL);
		r = SK_OK;
	} else {
		r = sk_test_decode(data, n, &o, &t, &e->v, &err);
	}
	if (o.proto == SK_PROTO_TWAMP || !e->o->json)
		sk_dec_member_null(e, "ssid");
	else if (!sk_json_has(&e->json, "ssid"))
		sk_dec_member_null(e, "ssid");
	sk_dec_result(e, r, &err);
	sk_dec_end(e, 1);
}

/* ---- TWAMP-Control: the codec's observer state machine per connection ---- */

void sk_dec_control_close(struct sk_dec *e, struct sk_tcpconn *c)
{
	(void)e;
	sk_disc_ctl_close(c);
}

/* Header of a control record: the current segment when it belongs to this direction,
 * else the connection's addresses (records released at the end of the capture). */
static void ctl_begin(struct sk_dec *e, struct sk_tcpconn *c, int side, const char *message,
		      int client)
{
	struct sk_pkt save = e->pkt;
	size_t al = c->ipver == 6 ? 16 : 4;
	if (!(e->pkt.proto == 6 && e->pkt.sport == c->port[side] && e->pkt.dport == c->port[!side] &&
	      !memcmp(e->pkt.src, c->addr[side], al))) {
		memset(&e->pkt, 0, sizeof e->pkt);
		e->pkt.ipver = c->ipver;
		e->pkt.proto = 6;
		memcpy(e->pkt.src, c->addr[side], 16);
		memcpy(e->pkt.dst, c->addr[!side], 16);
		e->pkt.sport = c->port[side];
		e->pkt.dport = c->port[!side];
	}
	sk_dec_begin(e, "control");
	e->pkt = save;
	sk_dec_member_str(e, "message", "Message", message);
	sk_dec_member_str(e, "direction", "Direction", client ? "client-to-server" : "server-to-client");
}

static int has_hmac_field(enum sk_twctl_type t)
{
	return t == SK_TWCTL_REQUEST_TW_SESSION || t == SK_TWCTL_ACCEPT_SESSION ||
	       t == SK_TWCTL_START_SESSIONS || t == SK_TWCTL_START_ACK ||
	       t == SK_TWCTL_STOP_SESSIONS || t == SK_TWCTL_START_N_SESSIONS ||
	       t == SK_TWCTL_START_N_ACK || t == SK_TWCTL_STOP_N_SESSIONS || t == SK_TWCTL_STOP_N_ACK;
}

static void on_event(void *ctx, const struct sk_twsm_event *ev)
{
	struct sk_disc_ctl *k = ctx;
	struct sk_dec *e = k->owner;
	int client = ev->dir == SK_TWSM_C2S;
	int side = client ? !k->server : k->server;
	const char *name = ev->type != SK_TWCTL_NONE ? sk_twctl_type_name(ev->type) : "unknown";
	ctl_begin(e, k->c, side, name, client);
	int enc = k->sm.encrypted && ev->type != SK_TWCTL_SERVER_GREETING &&
		  ev->type != SK_TWCTL_SETUP_RESPONSE;
	if (ev->kind == SK_TWSM_EV_MESSAGE && enc)
		sk_dec_member_bool(e, "decrypted", "Decrypted", k->sm.keys);
	sk_dec_member_int(e, "stream_offset", "Stream offset", (long long)ev->stream_off);
	struct sk_error err = { 0 };
	enum sk_result r = SK_OK;
	if (ev->plain && ev->len && ev->type != SK_TWCTL_NONE &&
	    (ev->kind == SK_TWSM_EV_MESSAGE || !enc || ev->type == SK_TWCTL_SETUP_RESPONSE))
		r = sk_twctl_decode(ev->type, ev->plain, ev->len, NULL, &e->v, &err);
	if (ev->kind == SK_TWSM_EV_MESSAGE) {
		/* The machine only accepts a protected message whose HMAC verified. */
		if (enc && k->sm.keys && has_hmac_field(ev->type))
			sk_visit_synth(&e->v, &ctl_synth[0], 1, NULL, ev->len - 16);
		if (ev->type == SK_TWCTL_SETUP_RESPONSE && enc) {
			sk_dec_member_bool(e, "keys_recovered", "Session keys recovered", k->sm.keys);
		} else if (ev->type == SK_TWCTL_SETUP_RESPONSE &&
			   (k->sm.mode & (SK_TWMODE_AUTH | SK_TWMODE_ENCRYPT | SK_TWMODE_MIXED))) {
			sk_dec_member_bool(e, "keys_recovered", "Session keys recovered", k->sm.keys);
		}
		sk_dec_result(e, r, &err);
	} else {
		/* The machine stopped: say why. A missing or wrong secret is not damage; a
		 * protocol violation or a failed HMAC is. */
		int setup = ev->type == SK_TWCTL_SETUP_RESPONSE;
		if (setup && ev->err == SK_E_AUTH)
			sk_dec_member_bool(e, "keys_recovered", "Session keys recovered", 0);
		char msg[200];
		snprintf(msg, sizeof msg, "%s%s; the rest of this connection is not decoded",
			 ev->msg ? ev->msg : sk_strerror(ev->err),
			 setup && ev->err == SK_E_AUTH ? " (give --secret KEYID=PASSPHRASE)" : "");
		sk_dec_error(e, ev->problem, ev->err, 0, msg);
		if (!(setup && ev->err == SK_E_AUTH)) {
			struct sk_error se;
			sk_error_set(&se, ev->err, 0, "%s", msg);
			sk_dec_result(e, ev->err, &se);
		}
		k->dead[0] = k->dead[1] = 1;
	}
	sk_dec_end(e, 0);
}

void sk_dec_control_open(struct sk_dec *e, struct sk_tcpconn *c)
{
	(void)sk_disc_ctl_open(&e->disc, c, on_event, e);
}

void sk_dec_control_data(struct sk_dec *e, struct sk_tcpconn *c, int dir, const uint8_t *p,
			 size_t n)
{
	struct sk_disc_ctl *k = c->user;
	if (!k)
		return;
	int client = dir != k->server;
	if (k->dead[dir] == 1) {
		/* After the machine stopped, say once per direction that octets go unread. */
		k->dead[dir] = 2;
		ctl_begin(e, c, dir, "not decoded", client);
		char msg[160];
		snprintf(msg, sizeof msg,
			 "%zu octets (and any later ones) after the connection stopped being followed", n);
		sk_dec_error(e, SK_PROB_UNSUPPORTED, SK_E_UNSUPPORTED, 0, msg);
		sk_dec_end(e, 0);
		return;
	}
	sk_disc_ctl_feed(k, dir, p, n, e->frame.index);
}

void sk_dec_control_gap(struct sk_dec *e, struct sk_tcpconn *c, int dir, uint32_t missing)
{
	struct sk_disc_ctl *k = c->user;
	if (!k || k->dead[dir] == 2)
		return;
	k->dead[0] = k->dead[1] = 2;
	ctl_begin(e, c, dir, "gap", dir != k->server);
	char msg[160];
	snprintf(msg, sizeof msg,
		 "%" PRIu32 " octets of the control stream were not captured: the rest of this "
		 "connection is not decoded",
		 missing);
	sk_dec_error(e, SK_PROB_TRUNCATED, SK_E_TRUNCATED, 0, msg);
	struct sk_error se;
	sk_error_set(&se, SK_E_TRUNCATED, 0, "%s", msg);
	sk_dec_result(e, SK_E_TRUNCATED, &se);
	sk_dec_end(e, 0);
}

int sk_dec_proto_init(struct sk_dec *e)
{
	(void)e;
	return sk_crypto_init() == SK_OK ? 0 : -1;
}

void sk_dec_proto_done(struct sk_dec *e) { (void)e; }
