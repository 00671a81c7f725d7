/* SPDX-License-Identifier: BSD-3-Clause */
/* cmd_replay.c - `stampkit replay`: a capture's Session-Sender packets sent again, re-stamped
 * (RFC 8762 §4.2, RFC 5357 §4.1.2), and the replies measured.
 * Options -> struct replay_opts -> replay_run() (live/replay.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "optgroups.h"
#include "parse.h"
#include "replay.h"

enum { O_TO = SK_O_LOCAL + 1, O_SESSION, O_ALL, O_MULT, O_PPS, O_TOP, O_LOOP, O_LIMIT,
       O_RENUMBER, O_NORESTAMP, O_SRC };

static const int mult_conflicts[] = { O_PPS, O_TOP, 0 };
static const int pps_conflicts[] = { O_TOP, 0 };

static const struct sk_optdef o_to = {
	O_TO, "to", 0, SK_OK_STRING, "HOST[:PORT]", 0, 0, NULL, false, NULL,
	"the device to test (required); port 862 unless given", NULL
};
static const struct sk_optdef o_session = {
	O_SESSION, "session", 0, SK_OK_INT, "N", 1, 1000000000, NULL, true, NULL,
	"replay only session N (numbered in the order of their first Session-Sender packet)", NULL
};
static const struct sk_optdef o_all = {
	O_ALL, "all", 0, SK_OK_FLAG, NULL, 0, 0, NULL, false, NULL,
	"every UDP datagram of FILE, as recorded (the Session-Sender's test packets are still "
	"re-stamped)", NULL
};
static const struct sk_optdef o_mult = {
	O_MULT, "multiplier", 0, SK_OK_DOUBLE, "F", 0, 1e6, NULL, false, "1",
	"recorded gaps divided by F (2: twice as fast)", mult_conflicts, true
};
static const struct sk_optdef o_pps = {
	O_PPS, "pps", 0, SK_OK_DOUBLE, "N", 0, 1e8, NULL, false, NULL,
	"N packets per second, evenly, instead of the recorded gaps", pps_conflicts, true
};
static const struct sk_optdef o_top = {
	O_TOP, "topspeed", 0, SK_OK_FLAG, NULL, 0, 0, NULL, false, NULL,
	"as fast as the socket takes them", NULL
};
static const struct sk_optdef o_loop = {
	O_LOOP, "loop", 0, SK_OK_INT, "N", 0, 100000000, NULL, false, "1",
	"send the selection N times; 0: until ^C or the end of --duration or --limit, then "
	"the results", NULL
};
static const struct sk_optdef o_limit = {
	O_LIMIT, "limit", 0, SK_OK_INT, "N", 1, 1000000000, NULL, false, NULL,
	"send at most N packets in all", NULL
};
static const struct sk_optdef o_renumber = {
	O_RENUMBER, "renumber", 0, SK_OK_FLAG, NULL, 0, 0, NULL, false, NULL,
	"sequence numbers afresh from 0 per session, continuing across loops (default: as "
	"recorded)", NULL
};
static const struct sk_optdef o_norestamp = {
	O_NORESTAMP, "no-restamp", 0, SK_OK_FLAG, NULL, 0, 0, NULL, false, NULL,
	"send the recorded octets, timestamps included", NULL
};
static const struct sk_optdef o_src = {
	O_SRC, "src", 0, SK_OK_STRING, "ADDR", 0, 0, NULL, false, "the route's",
	"source address written by --raw", NULL
};

static const struct sk_optdef *const replay_what[] = {
	&o_to, &sk_opt_port, &o_session, &o_all, NULL,
};
static const struct sk_optdef *const replay_sched[] = {
	&o_mult, &o_pps, &o_top, &o_loop, &sk_opt_duration, &o_limit, &sk_opt_timeout, NULL,
};
static const struct sk_optdef *const replay_content[] = {
	&o_renumber, &o_norestamp, &sk_opt_auth, NULL,
};
/* The IP options replay honours: not --padding (the packets are the capture's). */
static const struct sk_optdef *const replay_ip[] = {
	&sk_opt_tos, &sk_opt_dscp, &sk_opt_ttl, &sk_opt_df, NULL,
};
static const struct sk_optdef *const replay_out[] = {
	&sk_opt_json, &sk_opt_pcap_out, &sk_opt_raw, &o_src, &sk_opt_raw_mac, NULL,
};
static const struct sk_optgroup what_group = { "What is replayed, and to whom", replay_what };
static const struct sk_optgroup sched_group = { "Schedule", replay_sched };
static const struct sk_optgroup content_group = { "Content", replay_content };
static const struct sk_optgroup ip_group = { "IP socket options", replay_ip };
static const struct sk_optgroup out_group = { "Output and sending backend", replay_out };
static const struct sk_optgroup *const replay_groups[] = {
	&what_group, &sched_group, &content_group, &ip_group, &out_group, &sk_group_log, NULL,
};

static const struct sk_exitdef replay_exits[] = {
	{ SK_EXIT_OK, "done, also after ^C (replies missing are a result, not an error: they "
		      "show as loss, as long as at least one reply came)" },
	{ SK_EXIT_FAIL, "FILE cannot be read, no test packets to replay, a socket or the "
			"interface cannot be opened (also: more sessions than open files allowed, "
			"said before anything is sent), every send failed, no reply came at all (the "
			"results are printed first), or --pcap-out could not be completed; the "
			"message says which" },
	{ SK_EXIT_USAGE, "usage error: unknown option, no --to, --to with port 0 or the "
			 "unspecified address, bad number, two of --multiplier/--pps/--topspeed, "
			 "--session N beyond the capture's sessions, --src/--raw-mac without --raw, "
			 "unreadable --auth key file, --pcap-out or -l naming FILE, the key file or "
			 "each other" },
	{ SK_EXIT_DAMAGED, "FILE is damaged (the frames before the damage are replayed), or "
			   "packets were left out or could not be sent (named on standard error)" },
	{ -1, NULL },
};

struct replay_ctx {
	struct sk_common common;
	struct replay_opts o;
};

static int handle(void *ctx, const struct sk_optdef *def, const struct sk_optval *v, char *err,
		  size_t errlen)
{
	struct replay_ctx *c = ctx;
	struct replay_opts *o = &c->o;
	int r = sk_common_handle(&c->common, def, v, err, errlen);
	if (r)
		return r < 0 ? -1 : 0;
	switch (def->id) {
	case O_TO: o->to = v->s; return 0;
	case SK_O_PORT:
		if (o->nports >= SK_REPLAY_MAX_PORTS) {
			snprintf(err, errlen, "at most %d ports", SK_REPLAY_MAX_PORTS);
			return -1;
		}
		o->ports[o->nports++] = (uint16_t)v->i;
		return 0;
	case O_SESSION:
		if (o->nwant == o->capwant) {
			size_t n = o->capwant ? o->capwant * 2 : 16;
			uint32_t *w = realloc(o->want, n * sizeof *w);
			if (!w) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			o->want = w;
			o->capwant = n;
		}
		o->want[o->nwant++] = (uint32_t)v->i;
		return 0;
	case O_ALL: o->all = true; return 0;
	case O_MULT: o->multiplier = v->d; return 0;
	case O_PPS: o->pps = v->d; return 0;
	case O_TOP: o->topspeed = true; return 0;
	case O_LOOP: o->loops = (long)v->i; return 0;
	case SK_O_DURATION: o->duration = v->d; return 0;
	case O_LIMIT: o->limit = (long)v->i; return 0;
	case SK_O_TIMEOUT: o->timeout = v->d; return 0;
	case O_RENUMBER: o->renumber = true; return 0;
	case O_NORESTAMP: o->no_restamp = true; return 0;
	case SK_O_RAW: o->iface = v->s; return 0;
	case O_SRC: o->src = v->s; return 0;
	case SK_O_RAW_MAC:
		if (sk_parse_mac(v->s, o->dst_mac)) {
			snprintf(err, errlen, "expected aa:bb:cc:dd:ee:ff, got '%s'", v->s);
			return -1;
		}
		return 0;
	default:
		snprintf(err, errlen, "not an option of replay");
		return -1;
	}
}

static int replay_main(int argc, char **argv)
{
	static struct replay_ctx c; /* large (the key); once per process */
	memset(&c, 0, sizeof c);
	sk_common_init(&c.common);
	c.o.multiplier = 1;
	c.o.loops = 1;
	c.o.timeout = 2;
	char **files;
	int nfiles;
	int st = sk_opt_parse(&sk_cmd_replay, argc, argv, handle, &c, &files, &nfiles);
	if (st != SK_OPT_CONTINUE)
		return st;
	if (!c.o.to)
		return sk_opt_usage_error(&sk_cmd_replay, "--to HOST[:PORT] is needed: the device "
					  "to send to");
	if ((sk_opt_given(O_SRC) || sk_opt_given(SK_O_RAW_MAC)) && !c.o.iface)
		return sk_opt_usage_error(&sk_cmd_replay, "--src and --raw-mac go with --raw");
	sk_common_file(&c.common, NULL, files[0], false);
	st = sk_common_finish(&c.common, sk_cmd_replay.name);
	if (st != SK_EXIT_OK)
		return st;
	c.o.file = files[0];
	c.o.tos = c.common.tos;
	c.o.ttl = c.common.ttl;
	c.o.dont_fragment = c.common.dont_fragment;
	c.o.key = c.common.key_len ? c.common.key : NULL;
	c.o.key_len = c.common.key_len;
	c.o.json = c.common.json;
	c.o.pcap_out = c.common.pcap_out;
	st = replay_run(&c.o);
	free(c.o.want);
	return st;
}

const struct sk_cmddef sk_cmd_replay = {
	.name = "replay",
	.summary = "send a capture's test packets to a reflector again, re-stamped, and measure "
		   "its answers",
	.synopsis = "[options] --to HOST[:PORT] FILE",
	.description =
		"Sends the Session-Sender packets of every test session in FILE (pcap or pcapng, "
		"found as stampkit analyze finds them) to HOST, each re-stamped at the moment it "
		"leaves (fresh T1 and Error Estimate; TLVs kept, HMACs computed again with "
		"--auth), on an absolute schedule: the recorded gaps, --multiplier, --pps or "
		"--topspeed. Each recorded session leaves from a socket of its own (as many sessions "
		"as the capture has; the open-files limit is raised to the hard limit when they "
		"need it). The replies "
		"are measured as analyze measures a capture taken at the sender, and the results "
		"are analyze's table, or with --json one document {\"command\":\"replay\",...} "
		"(docs/json-schema.md).\n\n"
		"Each packet keeps its recorded TOS / Traffic Class unless --tos or --dscp sets "
		"one for all. After the last packet the replies are waited for until all are in "
		"or --timeout (default 2 s) has passed. ^C (SIGINT, SIGTERM) ends the sending "
		"and the results follow; a second ^C ends the waiting too.\n\n"
		"A summary line, the packets left out (each reason named), a progress line while "
		"it runs (standard error a terminal), warnings, and with -v a log line per "
		"packet sent and reply received go to standard error (or -l FILE).",
	.groups = replay_groups,
	.min_operands = 1,
	.max_operands = 1,
	.exits = replay_exits,
	.see_also = "stampkit-analyze(1), stampkit-decode(1), stampkit-responder(1)",
	.main = replay_main,
};
