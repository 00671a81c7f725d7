/* SPDX-License-Identifier: BSD-3-Clause */
/* cmd_sender.c - `stampkit sender`: its options (the option table) -> struct sender_opts ->
 * sender_run() (RFC 8762 §4.2 Session-Sender, RFC 5357 §4.1 TWAMP-light). */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "optgroups.h"
#include "parse.h"
#include "sender.h"
#include "udpio.h"
#include "stampkit/metrics.h"
#include "stampkit/reflect.h"
#include "stampkit/testpkt.h"
#include "stampkit/timestamp.h"

#define MAX_PKT 65535

enum { O_SSID = SK_O_LOCAL + 1, O_TLV, O_FLOW, O_SSID_STRICT };

static const struct sk_optdef o_ssid = {
	O_SSID, "ssid", 0, SK_OK_INT, "N", 0, 65535, NULL, false, "0",
	"STAMP Session-Sender Identifier (RFC 8972 §3)", NULL
};
static const struct sk_optdef o_ssid_strict = {
	O_SSID_STRICT, "ssid-strict", 0, SK_OK_FLAG, NULL, 0, 0, NULL, false, NULL,
	"count replies with SSID 0 to a non-zero --ssid as foreign (by default they are "
	"accepted, paired by address, port and sequence number, and counted: an RFC 8762-only "
	"reflector sends 0 there, RFC 8972 §3)", NULL
};
static const struct sk_optdef o_tlv = {
	O_TLV, "tlv", 0, SK_OK_STRING, "NAME[:K=V,...]", 0, 0, NULL, true, NULL,
	"add a STAMP TLV to every request (STAMP only): padding:len=N, location, "
	"timestamp-info, class-of-service:dscp1=D, direct-measurement, "
	"access-report:id=N,code=N, follow-up-telemetry, hmac (needs --hmac-key or --auth; "
	"always last; with either key sent by default when a TLV other than padding is), "
	"destination-address:addr=IP, return-path:code=N, return-path:addr=IP, "
	"micro-session:sender=N, raw:type=N,len=N (RFC 8972 §4, RFC 9503, RFC 9534)", NULL
};
static const struct sk_optdef o_flow = {
	O_FLOW, "flow-label", 0, SK_OK_INT, "N", 0, 0xfffff, NULL, false, "0",
	"IPv6 Flow Label of --raw packets", NULL
};

static const struct sk_optdef *const sender_own[] = {
	&sk_opt_count, &sk_opt_interval, &sk_opt_rate, &sk_opt_duration, &sk_opt_timeout,
	&o_ssid, &o_ssid_strict, &sk_opt_reflector, &o_tlv, NULL
};
static const struct sk_optdef *const sender_proto[] = {
	&sk_opt_mode, &sk_opt_auth, &sk_opt_hmac_key, &sk_opt_timestamp, NULL
};
static const struct sk_optdef *const sender_io[] = {
	&sk_opt_json, &sk_opt_report_interval, &sk_opt_metrics, &sk_opt_pcap_out, &sk_opt_hwts, &sk_opt_raw, &sk_opt_raw_mac, &o_flow, NULL
};
static const struct sk_optgroup g_own = { "Sender options", sender_own };
static const struct sk_optgroup g_proto = { "Protocol options", sender_proto };
static const struct sk_optgroup g_io = { "Output and I/O options", sender_io };
static const struct sk_optgroup *const sender_groups[] = {
	&g_own, &g_proto, &sk_group_ip, &g_io, &sk_group_log, NULL
};

static const struct sk_exitdef sender_exits[] = {
	{ SK_EXIT_OK, "the run ended and the results were printed, whatever the loss, as long "
		      "as at least one reply came (also after SIGINT/SIGTERM)" },
	{ SK_EXIT_FAIL, "no reply at all (the results are printed and the reason is said on "
			"standard error, as ping does), or the socket, the --pcap-out file or a "
			"wait failed" },
	{ SK_EXIT_USAGE, "usage or configuration error (bad option or value, bad address, a "
			 "REMOTE nothing can be sent to: port 0 or the unspecified address, "
			 "unreadable key file, -l or --pcap-out naming the key file or each other)" },
	{ -1, NULL },
};

struct parse {
	struct sk_common common;
	struct sender_opts *o;
	double rate, duration;
};

static int handle(void *ctx, const struct sk_optdef *def, const struct sk_optval *v, char *err,
		  size_t errlen)
{
	struct parse *ps = ctx;
	struct sender_opts *o = ps->o;
	int r = sk_common_handle(&ps->common, def, v, err, errlen);
	if (r)
		return r < 0 ? -1 : 0;
	switch (def->id) {
	case SK_O_COUNT: o->count = (uint64_t)v->i; return 0;
	case SK_O_INTERVAL: o->interval_ms = v->d; return 0;
	case SK_O_RATE: ps->rate = v->d; return 0;
	case SK_O_DURATION: ps->duration = v->d; return 0;
	case SK_O_TIMEOUT: o->timeout_s = v->d; return 0;
	case SK_O_REFLECTOR:
		o->reflector_mode = v->i == 0 ? SK_REFLECTOR_AUTO
				    : v->i == 1 ? SK_REFLECTOR_STATEFUL : SK_REFLECTOR_STATELESS;
		return 0;
	case O_SSID: o->ssid = (uint16_t)v->i; return 0;
	case O_SSID_STRICT: o->ssid_strict = true; return 0;
	case O_TLV: {
		struct sk_tlvopt t;
		if (o->ntlv == SK_TLVOPT_MAX) {
			snprintf(err, errlen, "at most %d", SK_TLVOPT_MAX);
			return -1;
		}
		if (sk_tlvopt_parse(v->s, &t, err, errlen))
			return -1;
		if (t.type == SK_TLV_HMAC)
			o->hmac_tlv = true; /* always the last TLV (RFC 8972 §4.8) */
		else
			o->tlvs[o->ntlv++] = t;
		return 0;
	}
	case SK_O_RAW: o->raw_iface = v->s; return 0;
	case SK_O_RAW_MAC:
		if (sk_parse_mac(v->s, o->raw_mac)) {
			snprintf(err, errlen, "expected aa:bb:cc:dd:ee:ff, got '%s'", v->s);
			return -1;
		}
		return 0;
	case O_FLOW: o->flow_label = (uint32_t)v->i; return 0;
	default: return 0;
	}
}

/* Combinations the table cannot express; the shared options into sender_opts. */
static int finish_opts(struct parse *ps)
{
	struct sender_opts *o = ps->o;
	const struct sk_common *c = &ps->common;
	const struct sk_cmddef *cmd = &sk_cmd_sender;
	o->proto = c->proto;
	o->ts_fmt = c->ts_fmt;
	memcpy(o->key, c->key, c->key_len);
	o->key_len = c->key_len;
	memcpy(o->tlv_key, c->hmac_key, c->hmac_key_len);
	o->tlv_key_len = c->hmac_key_len;
	o->tos = c->tos;
	o->ttl = c->ttl;
	o->padding = c->padding;
	o->dont_fragment = c->dont_fragment;
	o->hw_iface = c->hw_iface;
	o->pcap_out = c->pcap_out;
	o->json = c->json;
	o->report_interval = c->report_interval;
	o->metrics = c->metrics;
	if (ps->rate > 0)
		o->interval_ms = 1000.0 / ps->rate;
	if (ps->duration > 0) {
		double n = ps->duration * 1000.0 / o->interval_ms;
		if (n < 1 || n > 100000000)
			return sk_opt_usage_error(cmd, "--duration gives %.0f packets (1..100000000)", n);
		o->count = (uint64_t)n;
	}
	if ((o->ntlv || o->hmac_tlv) && o->proto != SK_PROTO_STAMP)
		return sk_opt_usage_error(cmd, "--tlv needs --mode stamp");
	if (o->hmac_tlv && !c->key_len && !c->hmac_key_len)
		return sk_opt_usage_error(cmd, "--tlv hmac needs --hmac-key FILE (or --auth KEYFILE)");
	/* RFC 8972 §4.8: in the authenticated mode the HMAC TLV MUST be included unless the
	 * only TLV is Extra Padding; --hmac-key asks for the same protection. */
	if ((c->key_len || c->hmac_key_len) && o->ntlv) {
		for (unsigned i = 0; i < o->ntlv; i++)
			if (o->tlvs[i].type != SK_TLV_EXTRA_PADDING)
				o->hmac_tlv = true;
	}
	if (o->ts_fmt == SK_TS_PTP && o->proto != SK_PROTO_STAMP)
		return sk_opt_usage_error(cmd, "--timestamp ptp needs --mode stamp");
	if (o->padding >= 0) {
		size_t l;
		uint8_t sec = c->key_len ? SK_SEC_AUTH : SK_SEC_UNAUTH;
		if (sk_reflect_request_len((uint8_t)o->proto, sec, (size_t)o->padding, &l) != SK_OK)
			return sk_opt_usage_error(cmd, "--padding %ld: STAMP padding is an Extra "
						  "Padding TLV, 0 or at least 4 octets", o->padding);
		if (l > MAX_PKT - 28)
			return sk_opt_usage_error(cmd, "--padding %ld is too large", o->padding);
	}
	return SK_EXIT_OK;
}

/* REMOTE (default 127.0.0.1, port 862) and LOCAL (any address of REMOTE's family, a free
 * port). */
static int resolve_addrs(struct sender_opts *o, const char *rem, const char *loc)
{
	const struct sk_cmddef *cmd = &sk_cmd_sender;
	char err[300];
	/* twampy's default remote is the local host. */
	if (sk_addr_parse(rem ? rem : "127.0.0.1", SK_SENDER_DEFAULT_PORT, 0, false, &o->remote,
			  &o->remote_len, err, sizeof err))
		return sk_opt_usage_error(cmd, "remote %s", err);
	int fam = o->remote.ss_family == AF_INET6 ? 6 : 4;
	if (sk_addr_parse(loc ? loc : "", 0, fam, true, &o->local, &o->local_len, err, sizeof err))
		return sk_opt_usage_error(cmd, "local %s", err);
	if (o->local.ss_family != o->remote.ss_family)
		return sk_opt_usage_error(cmd, "REMOTE and LOCAL must be of the same IP version");
	return SK_EXIT_OK;
}

static int sender_main(int argc, char **argv)
{
	static struct sender_opts o;
	memset(&o, 0, sizeof o);
	o.count = 100;
	o.interval_ms = 100;
	o.timeout_s = 5;
	o.reflector_mode = -1;
	struct parse ps = { .o = &o };
	sk_common_init(&ps.common);
	char **ops;
	int nops;
	int st = sk_opt_parse(&sk_cmd_sender, argc, argv, handle, &ps, &ops, &nops);
	if (st != SK_OPT_CONTINUE)
		return st;
	/* The key file is read here, so --tlv hmac is checked after. */
	st = sk_common_finish(&ps.common, sk_cmd_sender.name);
	if (st == SK_EXIT_OK)
		st = finish_opts(&ps);
	if (st == SK_EXIT_OK)
		st = resolve_addrs(&o, nops >= 1 ? ops[0] : NULL, nops == 2 ? ops[1] : NULL);
	if (st != SK_EXIT_OK)
		return st;
	return sender_run(&o);
}

const struct sk_cmddef sk_cmd_sender = {
	.name = "sender",
	.summary = "send STAMP or TWAMP-light test packets and report delay, jitter, loss",
	.synopsis = "[options] [REMOTE [LOCAL]]",
	.description =
		"Sends STAMP (RFC 8762/8972, the default) or TWAMP-light (RFC 5357) test packets "
		"to REMOTE on an absolute schedule and prints delay, jitter and loss per "
		"direction: twampy's table, or one JSON document with --json. Per-packet log "
		"lines (-v, -d) go to standard error or the -l FILE, never to standard output.\n\n"
		"Addresses: ip, ip:port, :port, [v6]:port, [v6], bare IPv6, host names. REMOTE "
		"defaults to 127.0.0.1 and its port to 862 (twampy's was 20001); LOCAL's default "
		"is any address of REMOTE's family and a free port (twampy's was :20000).\n\n"
		"--timeout defaults to 5 seconds. --reflector defaults to auto for STAMP and "
		"stateful for TWAMP-light. --padding defaults to 0 for STAMP (a STAMP padding is "
		"an Extra Padding TLV of 0 or at least 4 octets) and 27 for TWAMP-light (41-octet "
		"requests, as long as the reply). --duration S sends duration x rate packets.",
	.groups = sender_groups,
	.min_operands = 0,
	.max_operands = 2,
	.exits = sender_exits,
	.see_also = "stampkit-responder(1), stampkit-analyze(1), stampkit-dscptable(1)",
	.main = sender_main,
};
