/* SPDX-License-Identifier: BSD-3-Clause */
/* cmd_server.c - `stampkit server`: options -> struct server_opts -> server_run()
 * (TWAMP Server, RFC 5357 §3; RFC 4656 §3.1 Modes and Count; RFC 5618; RFC 6038; RFC 7750). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "optgroups.h"
#include "server.h"
#include "stampkit/crypto.h"
#include "stampkit/twamp_control.h"
#include "twlive.h"

enum { O_MODES = SK_O_LOCAL + 1, O_PBKDF2, O_MAXC, O_MAXC_SRC, O_MAXS_SRC, O_SERVWAIT, O_SETUP,
       O_PORTS };

static const struct sk_optdef o_modes = {
	O_MODES, "modes", 0, SK_OK_STRING, "LIST", 0, 0, NULL, false, "unauth",
	"Modes offered in the Server-Greeting, comma-separated: the security modes unauth, auth, "
	"encrypted, mixed (RFC 5618), the features reflect-octets, symmetrical (RFC 6038), "
	"dscp-ecn (RFC 7750); or all of them. At least one security mode", NULL
};
static const struct sk_optdef o_pbkdf2 = {
	O_PBKDF2, "pbkdf2-count", 0, SK_OK_INT, "N", 1024, SK_TWAMP_COUNT_MAX, NULL, false, "1024",
	"PBKDF2 iteration count offered in the Server-Greeting (RFC 4656 §3.1 Count); clients and "
	"the decoder refuse more than 2^20", NULL
};
static const struct sk_optdef o_maxc = {
	O_MAXC, "max-connections", 0, SK_OK_INT, "N", 1, 4096, NULL, false, "64",
	"control connections at once; one more gets a Server-Greeting with Modes 0", NULL
};
/* One client address may not take every slot: slowloris connections or two connections of
 * 32 sessions each would otherwise lock everybody else out. */
static const struct sk_optdef o_maxc_src = {
	O_MAXC_SRC, "max-connections-per-source", 0, SK_OK_INT, "N", 1, 4096, NULL, false, "8",
	"control connections at once from one client address; one more gets a Server-Greeting "
	"with Modes 0", NULL
};
static const struct sk_optdef o_maxs_src = {
	O_MAXS_SRC, "max-sessions-per-source", 0, SK_OK_INT, "N", 1, 4096, NULL, false, "32",
	"test sessions at once for one client address (counting those still answering after "
	"their connection closed); one more Request-TW-Session gets Accept 5", NULL
};
static const struct sk_optdef o_setup = {
	O_SETUP, "setup-timeout", 0, SK_OK_INT, "S", 1, 3600, NULL, false, "30",
	"close a control connection that has not sent its first command (Request-TW-Session...) "
	"S seconds after the greeting, that takes longer than S seconds to finish a control "
	"message, or leaves our answers unread for S seconds; trickled octets do not extend it",
	NULL
};
static const struct sk_optdef o_servwait = {
	O_SERVWAIT, "servwait", 0, SK_OK_INT, "S", 1, 86400, NULL, false, "900",
	"close a control connection idle for S seconds (RFC 5357 §3.1 SERVWAIT)", NULL
};
static const struct sk_optdef o_ports = {
	O_PORTS, "ports", 0, SK_OK_STRING, "LO-HI", 0, 0, NULL, false, "20000-60000",
	"reflector ports to choose from when the one asked for is taken (the Accept-Session "
	"says which)", NULL
};

static const struct sk_optdef *const server_own[] = {
	&o_modes, &sk_opt_key_file, &o_pbkdf2, &o_maxc, &o_maxc_src, &sk_opt_max_sessions,
	&o_maxs_src, &o_setup, &o_servwait, &o_ports, &sk_opt_json, &sk_opt_metrics, NULL
};
/* The reflectors' IP options (a DSCP in the request's Type-P wins over --tos/--dscp). */
static const struct sk_optdef *const server_ip[] = { &sk_opt_tos, &sk_opt_dscp, &sk_opt_ttl, NULL };
static const struct sk_optgroup server_group = { "Server options", server_own };
static const struct sk_optgroup server_ip_group = { "IP socket options", server_ip };
static const struct sk_optgroup *const server_groups[] = { &server_group, &server_ip_group,
							   &sk_group_log, NULL };

static const struct sk_exitdef server_exits[] = {
	{ SK_EXIT_OK, "stopped by SIGINT or SIGTERM; the counters were printed" },
	{ SK_EXIT_FAIL, "cannot listen on LOCAL, out of memory" },
	{ SK_EXIT_USAGE, "usage or configuration error (unknown option, bad value, unreadable or "
			 "malformed key file, a secure mode without --key-file, a LOCAL that does "
			 "not parse, -l naming the key file)" },
	{ -1, NULL },
};

struct server_ctx {
	struct sk_common common;
	struct server_opts o;
};

/* unauth,auth,encrypted,mixed plus features, or all; at least one security mode. */
static int parse_modes(const char *s, uint32_t *out)
{
	static const struct { const char *name; uint32_t bits; } m[] = {
		{ "unauth", SK_TWMODE_UNAUTH }, { "unauthenticated", SK_TWMODE_UNAUTH },
		{ "auth", SK_TWMODE_AUTH }, { "authenticated", SK_TWMODE_AUTH },
		{ "encrypted", SK_TWMODE_ENCRYPT }, { "mixed", SK_TWMODE_MIXED },
		{ "all", SK_TWMODE_SECURITY_MASK | SK_TWMODE_FEATURES },
	};
	uint32_t bits = 0;
	for (const char *p = s;;) {
		size_t n = strcspn(p, ",");
		char item[32];
		if (n >= sizeof item)
			return -1;
		memcpy(item, p, n);
		item[n] = 0;
		bool found = false;
		for (size_t i = 0; i < sizeof m / sizeof m[0] && !found; i++)
			if (!strcmp(item, m[i].name)) {
				bits |= m[i].bits;
				found = true;
			}
		if (!found && sk_tw_parse_features(item, &bits))
			return -1;
		if (!p[n])
			break;
		p += n + 1;
	}
	if (!(bits & SK_TWMODE_SECURITY_MASK))
		return -1;
	*out = bits;
	return 0;
}

static int parse_ports(const char *s, long *lo, long *hi)
{
	char *e;
	*lo = strtol(s, &e, 10);
	if (e == s || *e != '-')
		return -1;
	const char *h = e + 1;
	*hi = strtol(h, &e, 10);
	if (e == h || *e || *lo < 1 || *hi > 65535 || *lo > *hi)
		return -1;
	return 0;
}

static int handle(void *ctx, const struct sk_optdef *def, const struct sk_optval *v, char *err,
		  size_t errlen)
{
	struct server_ctx *x = ctx;
	int r = sk_common_handle(&x->common, def, v, err, errlen);
	if (r)
		return r < 0 ? -1 : 0;
	switch (def->id) {
	case O_MODES:
		if (parse_modes(v->s, &x->o.modes)) {
			snprintf(err, errlen, "expected unauth, auth, encrypted, mixed, reflect-octets, "
				 "symmetrical, dscp-ecn or all, comma-separated, with at least one "
				 "security mode");
			return -1;
		}
		return 0;
	case SK_O_KEY_FILE: x->o.key_file = v->s; return 0;
	case O_PBKDF2: x->o.pbkdf2_count = (uint32_t)v->i; return 0;
	case O_MAXC: x->o.max_conns = (unsigned)v->i; return 0;
	case O_MAXC_SRC: x->o.max_conns_src = (unsigned)v->i; return 0;
	case O_MAXS_SRC: x->o.max_sess_src = (unsigned)v->i; return 0;
	case O_SETUP: x->o.setup_s = (long)v->i; return 0;
	case SK_O_MAX_SESSIONS:
		if (v->i > 4096) {
			snprintf(err, errlen, "the server keeps at most 4096 test sessions, got %lld", v->i);
			return -1;
		}
		x->o.max_sess = (unsigned)v->i;
		return 0;
	case O_SERVWAIT: x->o.servwait_s = (long)v->i; return 0;
	case O_PORTS:
		if (parse_ports(v->s, &x->o.port_lo, &x->o.port_hi)) {
			snprintf(err, errlen, "expected LO-HI within 1-65535");
			return -1;
		}
		return 0;
	default:
		return 0;
	}
}

static int server_main(int argc, char **argv)
{
	struct server_ctx x;
	memset(&x, 0, sizeof x);
	sk_common_init(&x.common);
	x.o.modes = SK_TWMODE_UNAUTH;
	x.o.pbkdf2_count = 1024;
	x.o.max_conns = 64;
	x.o.max_conns_src = 8;
	x.o.max_sess = 64;
	x.o.max_sess_src = 32;
	x.o.servwait_s = 900;
	x.o.setup_s = 30;
	x.o.port_lo = 20000;
	x.o.port_hi = 60000;
	char **ops;
	int nops;
	int st = sk_opt_parse(&sk_cmd_server, argc, argv, handle, &x, &ops, &nops);
	if (st != SK_OPT_CONTINUE)
		return st;
	if ((x.o.modes & (SK_TWMODE_AUTH | SK_TWMODE_ENCRYPT | SK_TWMODE_MIXED)) && !x.o.key_file)
		return sk_opt_usage_error(&sk_cmd_server, "the authenticated, encrypted and mixed "
					  "modes need --key-file (lines 'KeyID passphrase')");
	st = sk_common_finish(&x.common, sk_cmd_server.name);
	if (st != SK_EXIT_OK)
		return st;
	x.o.local = nops ? ops[0] : "";
	x.o.tos = x.common.tos;
	x.o.ttl = x.common.ttl;
	x.o.json = x.common.json;
	x.o.metrics = x.common.metrics;
	return server_run(&x.o);
}

const struct sk_cmddef sk_cmd_server = {
	.name = "server",
	.summary = "TWAMP server: TWAMP-Control on TCP 862 and a reflector per session",
	.synopsis = "[options] [LOCAL]",
	.description =
		"TWAMP Server (RFC 5357 §3): accepts TWAMP-Control connections on TCP at LOCAL "
		"(default every address, port 862) and runs a Session-Reflector for every accepted "
		"test session, in the unauthenticated, authenticated, encrypted and mixed (RFC 5618) "
		"modes, with individual session control (RFC 5938), reflect octets and symmetrical "
		"size (RFC 6038) and DSCP/ECN monitoring (RFC 7750) when offered.\n\n"
		"A reflector answers only the Session-Sender of its session, from Start-Sessions "
		"until the session's Timeout after Stop-Sessions (RFC 5357 §3.8). Log lines go to "
		"standard error (or -l FILE); at exit (SIGINT, SIGTERM) the counters are printed on "
		"standard output, with --json as one JSON document.\n\n"
		"No client can hold up the others: the server never waits on a socket, closes a "
		"client that leaves its answers unread or does not finish its set-up or a message "
		"within --setup-timeout, limits what one client address holds "
		"(--max-connections-per-source, --max-sessions-per-source) and rate-limits the log "
		"lines a client can cause (refusals, errors, closes).\n\n"
		"The key file holds one 'KeyID passphrase' line per client key; '#' starts a "
		"comment.",
	.groups = server_groups,
	.min_operands = 0,
	.max_operands = 1,
	.exits = server_exits,
	.see_also = "stampkit-controller(1), stampkit-controlclient(1), stampkit-decode(1)",
	.main = server_main,
};
