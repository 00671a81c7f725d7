/* SPDX-License-Identifier: BSD-3-Clause */
/* discover.c - finding test packets and their sessions in a capture, for decode and analyze.
 * Flow roles follow RFC 5357 §3.5 (negotiated Sender/Receiver Port) and RFC 8762 §4.1 (the
 * packet to the reflector port is the Session-Sender's); keys as RFC 4656 §3.1 and §4.1.2. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "discover.h"
#include "keyfile.h"
#include "optgroups.h"
#include "stampkit/crypto.h"
#include "stampkit/timestamp.h"
#include "stampkit/tlv.h"
#include "stampkit/twamp_control.h"

struct sk_disc_flow {
	uint8_t ipver;
	uint8_t a[16], b[16]; /* a = the Session-Sender */
	uint16_t pa, pb;
	int32_t next;         /* next flow in the same hash bucket, -1 at the end */
};

/* Buckets of the flow table (a power of two, doubled as flows come, so that chains stay
 * short); the index holds flow numbers + 1 (0: empty). Both directions of a flow hash
 * alike: the endpoint hashes are added. */
#define FLOW_BUCKETS0 1024u

static uint32_t ep_hash(const uint8_t *addr, size_t al, uint16_t port)
{
	uint32_t h = 2166136261u ^ port;
	for (size_t i = 0; i < al; i++)
		h = (h ^ addr[i]) * 16777619u;
	return (h ^ (h >> 15)) * 0x2c1b3c6du;
}

/* One multiply per endpoint for IPv4 (every packet of analyze passes here). */
static uint32_t ep_hash4(const uint8_t *addr, uint16_t port)
{
	uint32_t a;
	memcpy(&a, addr, 4);
	uint64_t h = ((uint64_t)a << 16 | port) * 0x9e3779b97f4a7c15ull;
	return (uint32_t)(h >> 32);
}

static uint32_t flow_hash(uint8_t ipver, const uint8_t *x, uint16_t px, const uint8_t *y,
			  uint16_t py)
{
	if (ipver != 6)
		return ep_hash4(x, px) + ep_hash4(y, py);
	return ep_hash(x, 16, px) + ep_hash(y, 16, py);
}

static bool addr_eq(const uint8_t *a, const uint8_t *b, uint8_t ipver)
{
	return ipver == 6 ? !memcmp(a, b, 16) : !memcmp(a, b, 4);
}

/* Room for one more flow: the array and the buckets double (rehashing the chains). */
static int flow_room(struct sk_disc *d)
{
	if (d->nflows < d->flowcap && d->nflows < d->nbuckets)
		return 0;
	if (d->nflows >= UINT32_MAX / 4)
		return -1;
	if (d->nflows == d->flowcap) {
		size_t cap = d->flowcap * 2;
		struct sk_disc_flow *f = realloc(d->flows, cap * sizeof *f);
		if (!f)
			return -1;
		d->flows = f;
		d->flowcap = cap;
	}
	if (d->nflows >= d->nbuckets) {
		size_t nb = d->nbuckets * 2;
		uint32_t *ix = calloc(nb, sizeof *ix);
		if (!ix)
			return -1;
		for (size_t i = 0; i < d->nflows; i++) {
			struct sk_disc_flow *f = &d->flows[i];
			uint32_t b = flow_hash(f->ipver, f->a, f->pa, f->b, f->pb) & (uint32_t)(nb - 1);
			f->next = (int32_t)ix[b] - 1;
			ix[b] = (uint32_t)i + 1u;
		}
		free(d->flow_index);
		d->flow_index = ix;
		d->nbuckets = nb;
	}
	return 0;
}

int sk_disc_init(struct sk_disc *d, const uint16_t *ports, int nports, int heuristic,
		 const struct sk_disc_secret *secrets, int nsecrets)
{
	memset(d, 0, sizeof *d);
	d->ports = ports;
	d->nports = nports;
	d->heuristic = heuristic;
	d->secrets = secrets;
	d->nsecrets = nsecrets;
	d->flowcap = FLOW_BUCKETS0 / 2;
	d->nbuckets = FLOW_BUCKETS0;
	d->flows = calloc(d->flowcap, sizeof *d->flows);
	d->flow_index = calloc(d->nbuckets, sizeof *d->flow_index);
	if (!d->flows || !d->flow_index) {
		sk_disc_free(d);
		return -1;
	}
	return 0;
}

void sk_disc_free(struct sk_disc *d)
{
	free(d->flows);
	free(d->flow_index);
	d->flows = NULL;
	d->flow_index = NULL;
}

int sk_disc_port_listed(const struct sk_disc *d, uint16_t port)
{
	if (port == 862)
		return 1;
	for (int i = 0; i < d->nports; i++)
		if (d->ports[i] == port)
			return 1;
	return 0;
}

static int test_port(const struct sk_disc *d, uint16_t port)
{
	if (sk_disc_port_listed(d, port))
		return 1;
	for (size_t i = 0; i < d->nsess; i++)
		if (d->sess[i].accepted && (d->sess[i].rport == port || d->sess[i].sport == port))
			return 1;
	return 0;
}

int sk_disc_bad_udp(const struct sk_disc *d, enum sk_result r, const uint8_t *frame,
		    size_t caplen, const struct sk_pkt *p)
{
	if (r != SK_E_INVALID || p->proto != 17 || !p->ipver)
		return 0;
	uint16_t sport = p->sport, dport = p->dport;
	if (!p->l4_off) {
		/* The IPv4 header length is wrong: the UDP header would begin after the fixed
		 * 20 octets, where a sender that wrote a bad IHL put it. */
		size_t at = p->l3_off + 20;
		if (p->ipver != 4 || caplen < at + 4)
			return 0;
		sport = (uint16_t)(frame[at] << 8 | frame[at + 1]);
		dport = (uint16_t)(frame[at + 2] << 8 | frame[at + 3]);
	}
	return test_port(d, sport) || test_port(d, dport);
}

const char *sk_disc_how_name(enum sk_disc_how how)
{
	switch (how) {
	case SK_DISC_CONTROL: return "twamp-control";
	case SK_DISC_PORT: return "port";
	case SK_DISC_HEURISTIC: return "heuristic";
	default: return "none";
	}
}

static int64_t abs64(int64_t x) { return x < 0 ? -x : x; }

int sk_disc_plausible(const uint8_t *p, size_t n, int64_t ts_ns)
{
	struct sk_test_opts o;
	if (sk_test_guess(p, n, &o) != SK_OK)
		return 0;
	struct sk_test_pkt t;
	if (sk_test_decode(p, n, &o, &t, NULL, NULL) == SK_E_TRUNCATED)
		return 0;
	/* A timestamp within a day of the capture time. The error estimate is not required to
	 * be valid: real senders put 0x0000 there (pcaps/public/README.md). */
	int64_t ns = sk_ts_to_ns(t.timestamp, sk_errest_fmt(t.error_estimate), SK_TAI_UTC_DEFAULT);
	return abs64(ns - ts_ns) < 86400LL * 1000000000LL;
}

static struct sk_twsess *find_session(struct sk_disc *d, const struct sk_pkt *p, int *role)
{
	size_t al = p->ipver == 6 ? 16 : 4;
	static const uint8_t zero[16];
	for (size_t i = d->nsess; i-- > 0;) {
		struct sk_twsess *s = &d->sess[i];
		if (!s->used || !s->accepted || s->ipver != p->ipver)
			continue;
		int sz = !memcmp(s->sender, zero, al), rz = !memcmp(s->reflector, zero, al);
		if (p->sport == s->sport && p->dport == s->rport &&
		    (sz || !memcmp(p->src, s->sender, al)) && (rz || !memcmp(p->dst, s->reflector, al))) {
			*role = SK_ROLE_SENDER;
			return s;
		}
		if (p->sport == s->rport && p->dport == s->sport &&
		    (rz || !memcmp(p->src, s->reflector, al)) && (sz || !memcmp(p->dst, s->sender, al))) {
			*role = SK_ROLE_REFLECTOR;
			return s;
		}
	}
	return NULL;
}

/* Role of the packet in a flow first seen now: the side sending to a reflector port is the
 * sender; when both or neither port says so, the first packet seen is the sender's. */
/* The role of p's direction in its flow; *flow (if asked) the flow's number, -1 when no
 * memory was left for a new flow (the role then follows the ports alone). */
static int udp_role(struct sk_disc *d, const struct sk_pkt *p, int32_t *flow)
{
	uint32_t h = flow_hash(p->ipver, p->src, p->sport, p->dst, p->dport);
	uint32_t bucket = h & (uint32_t)(d->nbuckets - 1);
	if (flow)
		*flow = -1;
	for (int32_t i = (int32_t)d->flow_index[bucket] - 1; i >= 0; i = d->flows[i].next) {
		struct sk_disc_flow *f = &d->flows[i];
		if (f->ipver != p->ipver)
			continue;
		int role = 0;
		if (f->pa == p->sport && f->pb == p->dport && addr_eq(f->a, p->src, p->ipver) &&
		    addr_eq(f->b, p->dst, p->ipver))
			role = SK_ROLE_SENDER;
		else if (f->pb == p->sport && f->pa == p->dport && addr_eq(f->b, p->src, p->ipver) &&
			 addr_eq(f->a, p->dst, p->ipver))
			role = SK_ROLE_REFLECTOR;
		if (role && flow)
			*flow = i;
		if (role)
			return role;
	}
	int to_refl = sk_disc_port_listed(d, p->dport), from_refl = sk_disc_port_listed(d, p->sport);
	int role = (from_refl && !to_refl) ? SK_ROLE_REFLECTOR : SK_ROLE_SENDER;
	if (flow_room(d) == 0) {
		bucket = h & (uint32_t)(d->nbuckets - 1);
		struct sk_disc_flow *f = &d->flows[d->nflows];
		f->ipver = p->ipver;
		f->next = (int32_t)d->flow_index[bucket] - 1;
		d->flow_index[bucket] = (uint32_t)++d->nflows;
		if (flow)
			*flow = (int32_t)d->nflows - 1;
		if (role == SK_ROLE_SENDER) {
			memcpy(f->a, p->src, 16), memcpy(f->b, p->dst, 16);
			f->pa = p->sport, f->pb = p->dport;
		} else {
			memcpy(f->a, p->dst, 16), memcpy(f->b, p->src, 16);
			f->pa = p->dport, f->pb = p->sport;
		}
	}
	return role;
}

enum sk_disc_how sk_disc_udp(struct sk_disc *d, const struct sk_pkt *p, int64_t ts_ns, int *role,
			     struct sk_twsess **sess)
{
	return sk_disc_udp_flow(d, p, ts_ns, role, sess, NULL);
}

enum sk_disc_how sk_disc_udp_flow(struct sk_disc *d, const struct sk_pkt *p, int64_t ts_ns,
				  int *role, struct sk_twsess **sess, int32_t *flow)
{
	*sess = NULL;
	if (flow)
		*flow = -1;
	/* Negotiated TWAMP sessions first: they know the mode and keys. */
	struct sk_twsess *s = find_session(d, p, role);
	if (s) {
		*sess = s;
		return SK_DISC_CONTROL;
	}
	if (sk_disc_port_listed(d, p->dport) || sk_disc_port_listed(d, p->sport)) {
		*role = udp_role(d, p, flow);
		return SK_DISC_PORT;
	}
	if (d->heuristic && sk_disc_plausible(p->payload, p->payload_len, ts_ns)) {
		*role = udp_role(d, p, flow);
		return SK_DISC_HEURISTIC;
	}
	return SK_DISC_NOT_TEST;
}

void sk_disc_prepare(const uint8_t *p, size_t n, int role, const struct sk_twsess *s,
		     uint8_t *buf, size_t buflen, struct sk_disc_prep *out)
{
	struct sk_test_opts *o = &out->o;
	memset(out, 0, sizeof *out);
	out->data = p;
	out->decrypted = -1;
	if (s) {
		o->proto = SK_PROTO_TWAMP;
		o->sec = (uint8_t)sk_twmode_sec(s->mode);
		if (s->mode & SK_TWMODE_SYMMETRICAL)
			o->features |= SK_TF_SYMMETRICAL;
		if (s->mode & SK_TWMODE_DSCP_ECN)
			o->features |= SK_TF_DSCP_ECN;
		if (s->mode & SK_TWMODE_REFLECT_OCTETS) {
			o->features |= SK_TF_REFLECT_OCTETS;
			o->reflect_len = s->reflect_len;
		}
		if (o->sec != SK_SEC_UNAUTH) {
			out->decrypted = 0;
			int hok;
			if (s->have_keys &&
			    /* a symmetrical sender packet is protected as a reflector's */
			    sk_twamp_test_unprotect((enum sk_sec)o->sec, role == SK_ROLE_REFLECTOR ||
							(s->mode & SK_TWMODE_SYMMETRICAL),
						    s->aes, s->hmac, p, n,
						    buf, buflen, &hok) == SK_OK) {
				out->data = buf;
				out->decrypted = 1;
				/* The test decoder checks the HMAC itself. */
				o->twamp_hmac_key = s->hmac;
			}
		}
	} else if (sk_test_guess(p, n, o) != SK_OK) {
		o->proto = SK_PROTO_STAMP;
		o->sec = SK_SEC_UNAUTH;
	} else if (o->proto == SK_PROTO_TWAMP && o->sec == SK_SEC_UNAUTH && n >= 48 &&
		   p[45] != 0 && !(p[44] & SK_TLV_F_MBZ)) {
		/* What follows octet 44 starts like a TLV header (non-zero Type, no unassigned
		 * flag bits) but did not parse as a TLV list: a malformed STAMP packet is more
		 * likely than TWAMP padding there, and decoding it as STAMP says what is wrong. */
		o->proto = SK_PROTO_STAMP;
		o->features = 0;
	}
	o->role = role == SK_ROLE_REFLECTOR ? SK_ROLE_REFLECTOR : SK_ROLE_SENDER;
}

/* ---- TWAMP-Control ---- */

static int key_lookup(void *ctx, const uint8_t keyid[SK_TWCTL_KEYID_LEN], const uint8_t **secret,
		      size_t *secret_len)
{
	struct sk_disc_ctl *k = ctx;
	char id[SK_TWCTL_KEYID_LEN + 1];
	memcpy(id, keyid, SK_TWCTL_KEYID_LEN);
	id[SK_TWCTL_KEYID_LEN] = '\0';
	for (int i = 0; i < k->d->nsecrets; i++)
		if (!strcmp(k->d->secrets[i].keyid, id)) {
			*secret = (const uint8_t *)k->d->secrets[i].pass;
			*secret_len = k->d->secrets[i].pass_len;
			return 0;
		}
	return -1;
}

/* An accepted session: remember its ports, addresses and test keys for the UDP side. */
static void learn_session(struct sk_disc_ctl *k, int idx)
{
	struct sk_disc *d = k->d;
	const struct sk_twsm_session *ss = idx >= 0 ? sk_twsm_session(&k->sm, (unsigned)idx) : NULL;
	if (!ss || ss->state != SK_TWSESS_ACCEPTED || d->nsess >= SK_DISC_MAX_SESSIONS)
		return;
	struct sk_tcpconn *c = k->c;
	struct sk_twsess *s = &d->sess[d->nsess++];
	memset(s, 0, sizeof *s);
	s->used = 1;
	s->accepted = 1;
	s->ipver = ss->ipvn == 6 ? 6 : 4;
	static const uint8_t zero[16];
	size_t al = s->ipver == 6 ? 16 : 4;
	/* Zero addresses mean the control connection's own (RFC 5357 §3.5). */
	if (s->ipver == c->ipver) {
		memcpy(s->sender, memcmp(ss->sender_address, zero, al) ? ss->sender_address
								      : c->addr[!k->server], 16);
		memcpy(s->reflector, memcmp(ss->receiver_address, zero, al) ? ss->receiver_address
									   : c->addr[k->server], 16);
	} else {
		memcpy(s->sender, ss->sender_address, 16);
		memcpy(s->reflector, ss->receiver_address, 16);
	}
	s->sport = ss->sender_port;
	s->rport = ss->reflector_port ? ss->reflector_port : ss->requested_port;
	s->mode = k->sm.mode;
	memcpy(s->sid, ss->sid, 16);
	s->padding = ss->padding_length;
	s->reflect_len = ss->padding_reflected;
	s->conn_frame = k->frame;
	if (ss->has_keys) {
		s->have_keys = 1;
		memcpy(s->aes, ss->test_aes, 16);
		memcpy(s->hmac, ss->test_hmac, 32);
	}
}

static void on_event(void *ctx, const struct sk_twsm_event *ev)
{
	struct sk_disc_ctl *k = ctx;
	if (ev->kind == SK_TWSM_EV_MESSAGE && ev->type == SK_TWCTL_ACCEPT_SESSION)
		learn_session(k, ev->session);
	if (k->user_event)
		k->user_event(k, ev);
	if (ev->kind == SK_TWSM_EV_ERROR)
		k->dead[0] = k->dead[1] = k->dead[0] > 1 ? k->dead[0] : 1;
}

struct sk_disc_ctl *sk_disc_ctl_open(struct sk_disc *d, struct sk_tcpconn *c,
				     sk_twsm_event_fn user_event, void *owner)
{
	struct sk_disc_ctl *k = calloc(1, sizeof *k);
	c->user = k;
	if (!k)
		return NULL;
	k->d = d;
	k->c = c;
	k->owner = owner;
	k->user_event = user_event;
	/* The side on a control port is the server; else the side that did not send the SYN. */
	int p0 = 0, p1 = 0;
	for (int i = -1; i < d->nports; i++) {
		uint16_t port = i < 0 ? 862 : d->ports[i];
		p0 |= c->port[0] == port, p1 |= c->port[1] == port;
	}
	k->server = (p0 && !p1) ? 0 : 1;
	struct sk_twsm_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.role = SK_TWSM_OBSERVER;
	cfg.key_lookup = key_lookup;
	cfg.key_ctx = k;
	cfg.on_event = on_event;
	cfg.event_ctx = k;
	if (sk_twsm_init(&k->sm, &cfg) != SK_OK) {
		free(k);
		c->user = NULL;
		return NULL;
	}
	return k;
}

void sk_disc_ctl_close(struct sk_tcpconn *c)
{
	free(c->user);
	c->user = NULL;
}

void sk_disc_ctl_feed(struct sk_disc_ctl *k, int dir, const uint8_t *p, size_t n, uint64_t frame)
{
	if (!k || k->dead[dir])
		return;
	k->frame = frame;
	int client = dir != k->server;
	(void)sk_twsm_feed(&k->sm, client ? SK_TWSM_C2S : SK_TWSM_S2C, p, n);
}

static void disc_tcp_data(void *ctx, struct sk_tcpconn *c, int dir, const uint8_t *p, size_t n,
			  uint64_t frame)
{
	(void)ctx;
	sk_disc_ctl_feed(c->user, dir, p, n, frame);
}

static void disc_tcp_gap(void *ctx, struct sk_tcpconn *c, int dir, uint32_t missing, uint64_t frame)
{
	(void)ctx, (void)dir, (void)missing, (void)frame;
	struct sk_disc_ctl *k = c->user;
	if (k)
		k->dead[0] = k->dead[1] = 2;
}

static void disc_tcp_opened(void *ctx, struct sk_tcpconn *c)
{
	struct sk_disc_tcp *t = ctx;
	(void)sk_disc_ctl_open(t->d, c, NULL, t->owner);
}

static void disc_tcp_dropped(void *ctx, struct sk_tcpconn *c)
{
	(void)ctx;
	sk_disc_ctl_close(c);
}

struct sk_tcpstream_ops sk_disc_tcp_ops(struct sk_disc_tcp *t)
{
	struct sk_tcpstream_ops ops = { disc_tcp_data, disc_tcp_gap, disc_tcp_opened,
					disc_tcp_dropped, t };
	return ops;
}

int sk_disc_secret_parse_err(const char *arg, struct sk_disc_secret *out, char *err, size_t errlen)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg) {
		snprintf(err, errlen, "expected KEYID=PASSPHRASE");
		return -1;
	}
	size_t kl = (size_t)(eq - arg), pl = strlen(eq + 1);
	if (kl > SK_DISC_KEYID_MAX || pl == 0 || pl >= sizeof out->pass) {
		snprintf(err, errlen, "KeyID 1-%d octets, passphrase 1-%zu octets", SK_DISC_KEYID_MAX,
			 sizeof out->pass - 1);
		return -1;
	}
	memset(out, 0, sizeof *out);
	memcpy(out->keyid, arg, kl);
	memcpy(out->pass, eq + 1, pl);
	out->pass_len = pl;
	return 0;
}

int sk_disc_secrets_file(const char *path, struct sk_disc_secret *out, int *n, int max, char *err,
			 size_t errlen)
{
	static struct sk_keys ks; /* large; wiped after use */
	int rc = sk_keys_load(path, &ks, err, errlen);
	for (unsigned i = 0; !rc && i < ks.n; i++) {
		if (*n >= max) {
			snprintf(err, errlen, "%s: at most %d secrets in all", path, max);
			rc = -1;
			break;
		}
		struct sk_disc_secret *d = &out[(*n)++];
		memset(d, 0, sizeof *d);
		snprintf(d->keyid, sizeof d->keyid, "%s", ks.k[i].id);
		memcpy(d->pass, ks.k[i].secret, ks.k[i].secret_len);
		d->pass_len = ks.k[i].secret_len;
	}
	sk_keys_wipe(&ks);
	return rc;
}

int sk_disc_secrets_env(struct sk_disc_secret *out, int *n, int max, char *err, size_t errlen)
{
	const char *v = getenv(SK_SECRET_ENV);
	if (!v)
		return 0;
	char line[512];
	int rc = 0;
	for (const char *p = v; *p && !rc;) {
		const char *e = strchr(p, '\n');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		size_t adv = e ? l + 1 : l;
		if (l && p[l - 1] == '\r')
			l--;
		if (l >= sizeof line) {
			snprintf(err, errlen, SK_SECRET_ENV ": a line of %zu octets is too long", l);
			rc = -1;
		} else if (l) {
			memcpy(line, p, l);
			line[l] = '\0';
			char why[160];
			if (*n >= max) {
				snprintf(err, errlen, SK_SECRET_ENV ": at most %d secrets in all", max);
				rc = -1;
			} else if (sk_disc_secret_parse_err(line, &out[*n], why, sizeof why)) {
				snprintf(err, errlen, SK_SECRET_ENV ": %s", why);
				rc = -1;
			} else {
				(*n)++;
			}
		}
		p += adv;
	}
	memset(line, 0, sizeof line);
	return rc;
}

int sk_disc_secret_parse(const char *arg, const char *cmd, struct sk_disc_secret *out)
{
	char err[160];
	if (sk_disc_secret_parse_err(arg, out, err, sizeof err) == 0)
		return 0;
	fprintf(stderr, "stampkit %s: --secret: %s\n", cmd, err);
	return -1;
}

int sk_disc_find_opt(const struct sk_disc_find *f, const struct sk_optdef *def,
		     const struct sk_optval *v, char *err, size_t errlen)
{
	switch (def->id) {
	case SK_O_PORT:
		if (*f->nports >= f->max_ports) {
			snprintf(err, errlen, "at most %d ports", f->max_ports);
			return -1;
		}
		f->ports[(*f->nports)++] = (uint16_t)v->i;
		return 1;
	case SK_O_HEURISTIC:
		*f->heuristic = 1;
		return 1;
	case SK_O_SECRET:
		if (*f->nsecrets >= f->max_secrets) {
			snprintf(err, errlen, "at most %d secrets (one per KeyID)", f->max_secrets);
			return -1;
		}
		if (sk_disc_secret_parse_err(v->s, &f->secrets[*f->nsecrets], err, errlen))
			return -1;
		(*f->nsecrets)++;
		return 1;
	case SK_O_SECRET_FILE:
		return sk_disc_secrets_file(v->s, f->secrets, f->nsecrets, f->max_secrets, err,
					    errlen) ? -1 : 1;
	default:
		return 0;
	}
}
