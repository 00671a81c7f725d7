/* SPDX-License-Identifier: BSD-3-Clause */
/* cmd_responder.c - `stampkit responder` (alias `reflector`): its options (the option table)
 * -> struct responder_opts -> responder_run() (RFC 8762 §4.3, RFC 5357 §4.2). */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "log.h"
#include "optgroups.h"
#include "responder.h"
#include "udpio.h"
#include "stampkit/testpkt.h"

enum { O_STATEFUL = SK_O_LOCAL + 1, O_TIMER, O_NO_LARGER, O_MAXSIZE, O_MAXSESS, O_ALLOW,
       O_RATELIMIT, O_ANSWER_REFLECTED, O_MSID };

static const struct sk_optdef o_stateful = {
	O_STATEFUL, "stateful", 0, SK_OK_FLAG, NULL, 0, 0, NULL, false, NULL,
	"own sequence numbers per session (RFC 8762 §4.3.2); STAMP's default is stateless "
	"(copy the sender's number); TWAMP-light replies always carry their own numbers", NULL
};
static const struct sk_optdef o_timer = {
	O_TIMER, "timer", 0, SK_OK_INT, "S", 0, 86400, NULL, false, "30",
	"forget a session idle for S seconds (0: twampy's fixed 30)", NULL
};
static const struct sk_optdef o_no_larger = {
	O_NO_LARGER, "no-larger-reply", 0, SK_OK_FLAG, NULL, 0, 0, NULL, false, NULL,
	"never answer with a reply larger than the request: refuse TWAMP-light requests shorter "
	"than 41 octets and STAMP requests shorter than 44 (twampy's default 14-octet "
	"requests, 58 % of its IMIX) instead of answering them with the minimal reply (RFC "
	"5357 §4.2.1, RFC 8762 §4.6). For reflectors open to the Internet: a spoofed short "
	"request gains up to 3 times its size. By default the per-source --rate-limit bounds "
	"that gain", NULL
};
static const struct sk_optdef o_maxsize = {
	O_MAXSIZE, "max-size", 0, SK_OK_INT, "N", 44, 65535, NULL, false, "9216",
	"largest request accepted, in octets", NULL
};
static const struct sk_optdef o_allow = {
	O_ALLOW, "allow", 0, SK_OK_STRING, "PREFIX", 0, 0, NULL, true, NULL,
	"answer only sources in PREFIX (ADDRESS[/LEN], e.g. 192.0.2.0/24 or ::1; repeatable, "
	"at most 32)", NULL
};
static const struct sk_optdef o_ratelimit = {
	O_RATELIMIT, "rate-limit", 0, SK_OK_DOUBLE, "PPS", 0, 1e9, NULL, false, "10000",
	"answer at most PPS requests per second per source address (token bucket, one second "
	"of burst); 0 = no limit. Bounds any reflection loop or flood the packet format "
	"cannot reveal", NULL
};
static const struct sk_optdef o_answer_reflected = {
	O_ANSWER_REFLECTED, "answer-reflected", 0, SK_OK_FLAG, NULL, 0, 0, NULL, false, NULL,
	"answer requests that look like another reflector's reply (STAMP: reflector fields "
	"where a sender packet has MBZ; TWAMP-light: a plausible Receive Timestamp). Off by "
	"default: answering them lets one spoofed datagram start an endless loop between "
	"two reflectors", NULL
};
static const struct sk_optdef o_msid = {
	O_MSID, "micro-session-id", 0, SK_OK_INT, "N", 0, 65535, NULL, false, "0",
	"this reflector's Reflector micro-session ID (RFC 9534 §3): written into Micro-session "
	"ID TLVs that carry 0 there; a request naming another non-zero ID is discarded", NULL
};
static const struct sk_optdef *const responder_own[] = {
	&o_stateful, &o_timer, &o_no_larger, &o_maxsize, &sk_opt_max_sessions, &o_allow, &o_ratelimit,
	&o_answer_reflected, &o_msid, NULL
};
static const struct sk_optdef *const responder_proto[] = {
	&sk_opt_mode, &sk_opt_auth, &sk_opt_hmac_key, &sk_opt_timestamp, NULL
};
static const struct sk_optdef *const responder_io[] = {
	&sk_opt_json, &sk_opt_metrics, &sk_opt_pcap_out, &sk_opt_hwts, &sk_opt_raw, NULL
};
static const struct sk_optgroup g_own = { "Responder options", responder_own };
static const struct sk_optgroup g_proto = { "Protocol options", responder_proto };
static const struct sk_optgroup g_io = { "Output and I/O options", responder_io };
static const struct sk_optgroup *const responder_groups[] = {
	&g_own, &g_proto, &sk_group_ip, &g_io, &sk_group_log, NULL
};

static const struct sk_exitdef responder_exits[] = {
	{ SK_EXIT_OK, "stopped by SIGINT or SIGTERM; the counters were printed" },
	{ SK_EXIT_FAIL, "the socket could not be opened (address in use, privileged port), the "
			"capture file could not be written, or receiving failed" },
	{ SK_EXIT_USAGE, "usage or configuration error (bad option or value, bad LOCAL address, "
			 "unreadable key file, -l and --pcap-out naming the key file or each "
			 "other)" },
	{ -1, NULL },
};

struct parse {
	struct sk_common common;
	struct responder_opts *o;
};

static int handle(void *ctx, const struct sk_optdef *def, const struct sk_optval *v, char *err,
		  size_t errlen)
{
	struct parse *ps = ctx;
	struct responder_opts *o = ps->o;
	int r = sk_common_handle(&ps->common, def, v, err, errlen);
	if (r)
		return r < 0 ? -1 : 0;
	switch (def->id) {
	case O_STATEFUL: o->stateful = true; return 0;
	case O_NO_LARGER: o->no_larger_reply = true; return 0;
	case O_TIMER: o->timer_s = v->i ? (long)v->i : 30; return 0;
	case O_MAXSIZE: o->max_size = (long)v->i; return 0;
	case SK_O_MAX_SESSIONS: o->max_sessions = (long)v->i; return 0;
	case O_RATELIMIT:
		/* Below one token a second a bucket never refills to a whole request. */
		if (v->d != 0 && v->d < 1) {
			snprintf(err, errlen, "%g: 0 (no limit) or at least 1 request per second",
				 v->d);
			return -1;
		}
		o->rate_limit = v->d;
		return 0;
	case O_ANSWER_REFLECTED: o->answer_reflected = true; return 0;
	case O_MSID: o->micro_session_id = (uint16_t)v->i; return 0;
	case SK_O_RAW: o->raw_iface = v->s; return 0;
	case O_ALLOW:
		if (o->nallow == SK_RESPONDER_MAX_ALLOW) {
			snprintf(err, errlen, "at most %d prefixes", SK_RESPONDER_MAX_ALLOW);
			return -1;
		}
		if (sk_prefix_parse(v->s, &o->allow[o->nallow])) {
			snprintf(err, errlen, "'%s': expected ADDRESS[/LEN]", v->s);
			return -1;
		}
		o->nallow++;
		return 0;
	default: return 0;
	}
}

static int responder_main(int argc, char **argv)
{
	static struct responder_opts o;
	memset(&o, 0, sizeof o);
	o.timer_s = 30;
	o.max_size = 9216;
	o.max_sessions = 4096;
	o.rate_limit = 10000;
	struct parse ps = { .o = &o };
	sk_common_init(&ps.common);
	char **ops;
	int nops;
	int st = sk_opt_parse(&sk_cmd_responder, argc, argv, handle, &ps, &ops, &nops);
	if (st != SK_OPT_CONTINUE)
		return st;
	st = sk_common_finish(&ps.common, sk_cmd_responder.name);
	if (st != SK_EXIT_OK)
		return st;
	const struct sk_common *c = &ps.common;
	if (c->padding != -2)
		sk_diag("note: --padding is ignored: replies are as long as the requests (RFC 6038 "
			"symmetric size)");
	o.local = nops ? ops[0] : "";
	struct sockaddr_storage probe;
	socklen_t plen;
	char err[300];
	if (sk_addr_parse(o.local, SK_RESPONDER_DEFAULT_PORT, 0, true, &probe, &plen, err,
			  sizeof err))
		return sk_opt_usage_error(&sk_cmd_responder, "%s", err);
	o.proto = c->proto;
	o.ts_fmt = c->ts_fmt;
	memcpy(o.key, c->key, c->key_len);
	o.key_len = c->key_len;
	memcpy(o.tlv_key, c->hmac_key, c->hmac_key_len);
	o.tlv_key_len = c->hmac_key_len;
	o.tos = c->tos;
	o.ttl = c->ttl;
	o.dont_fragment = c->dont_fragment;
	o.hw_iface = c->hw_iface;
	o.pcap_out = c->pcap_out;
	o.json = c->json;
	o.metrics = c->metrics;
	return responder_run(&o);
}

const struct sk_cmddef sk_cmd_responder = {
	.name = "responder",
	.alias = "reflector",
	.summary = "reflect STAMP or TWAMP-light test packets",
	.synopsis = "[options] [LOCAL]",
	.description =
		"Reflects STAMP (RFC 8762/8972, the default) or TWAMP-light (RFC 5357) test "
		"packets; the replies are built by the codec, TLVs answered (RFC 8972 §4). LOCAL "
		"is ip, ip:port, :port, [v6]:port, [v6], a bare IPv6 address or a host name; the "
		"default ':862' listens on every IPv4 and IPv6 address (twampy's default was "
		":20001).\n\n"
		"The counters go to standard output at exit (SIGINT, SIGTERM) and on SIGUSR1: a "
		"table, or with --json one JSON document each time. Log lines (-v: one per "
		"request) go to standard error or the -l FILE. --padding is ignored: replies are "
		"as long as the requests (RFC 6038 symmetric size).",
	.groups = responder_groups,
	.min_operands = 0,
	.max_operands = 1,
	.exits = responder_exits,
	.see_also = "stampkit-sender(1), stampkit-server(1), stampkit-dscptable(1)",
	.main = responder_main,
};
