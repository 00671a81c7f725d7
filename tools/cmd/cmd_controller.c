/* SPDX-License-Identifier: BSD-3-Clause */
/* cmd_controller.c - `stampkit controller` and `stampkit controlclient`: options ->
 * struct client_opts -> controller_run() / controlclient_run() (TWAMP Control-Client,
 * RFC 5357 §3; RFC 5938; RFC 6038; RFC 7750). */
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "commands.h"
#include "optgroups.h"
#include "parse.h"
#include "stampkit/twamp_control.h"
#include "stampkit/twamp_sm.h"
#include "twlive.h"
#include "udpio.h"

enum { O_MODE_AUTH = SK_O_LOCAL + 1, O_KEY_ID, O_SESSIONS, O_TEST_PORT, O_SESSION_DSCP,
       O_INDIVIDUAL, O_FEATURES, O_SESSION_TIMEOUT };

static const struct sk_optdef o_mode_auth = {
	O_MODE_AUTH, "mode-auth", 0, SK_OK_CHOICE, NULL, 0, 0, "unauth|auth|encrypted|mixed", false,
	"unauth", "security mode asked for in the Set-Up-Response (RFC 4656 §3.1, RFC 5618 mixed); "
	"an error when the server does not offer it", NULL
};
static const struct sk_optdef o_key_id = {
	O_KEY_ID, "key-id", 0, SK_OK_STRING, "ID", 0, 0, NULL, false, "the first line",
	"KeyID to use from --key-file", NULL
};
static const struct sk_optdef o_sessions = {
	O_SESSIONS, "sessions", 0, SK_OK_INT, "N", 1, SK_TWSM_MAX_SESSIONS, NULL, false, "1",
	"test sessions on the control connection; session i (from 0) asks for reflector port "
	"--test-port + i and is sent from the local test port + i", NULL
};
static const struct sk_optdef o_test_port = {
	O_TEST_PORT, "test-port", 0, SK_OK_INT, "N", 1, 65535, NULL, false, "20001",
	"reflector (Receiver) port asked for in Request-TW-Session", NULL
};
static const struct sk_optdef o_session_dscp = {
	O_SESSION_DSCP, "session-dscp", 0, SK_OK_STRING, "NAME|N", 0, 0, NULL, false, NULL,
	"DSCP of the test packets, signalled in Type-P so the reflector answers with it (RFC 5357 "
	"§3.5); without it a DSCP from --tos/--dscp is signalled", NULL
};
static const struct sk_optdef o_individual = {
	O_INDIVIDUAL, "individual", 0, SK_OK_FLAG, NULL, 0, 0, NULL, false, NULL,
	"start and stop the sessions with Start-N-Sessions / Stop-N-Sessions (RFC 5938)", NULL
};
static const struct sk_optdef o_features = {
	O_FEATURES, "features", 0, SK_OK_STRING, "LIST", 0, 0, NULL, false, NULL,
	"ask for reflect-octets, symmetrical (RFC 6038), dscp-ecn (RFC 7750), comma-separated; "
	"an error when the server does not offer them all", NULL
};
static const struct sk_optdef o_session_timeout = {
	O_SESSION_TIMEOUT, "session-timeout", 0, SK_OK_DOUBLE, "S", 0, 3600, NULL, false, "2",
	"Timeout of the sessions in Request-TW-Session: how long the reflector keeps answering "
	"after Stop-Sessions (RFC 5357 §3.5, §3.8)", NULL
};

static const struct sk_optdef *const twamp_own[] = {
	&o_mode_auth, &sk_opt_key_file, &o_key_id, &o_sessions, &o_test_port, &o_session_dscp,
	&o_session_timeout, &o_individual, &o_features, NULL
};
static const struct sk_optgroup twamp_group = { "TWAMP-Control options", twamp_own };

static const struct sk_optdef *const controller_run_opts[] = {
	&sk_opt_count, &sk_opt_interval, &sk_opt_duration, &sk_opt_timeout, &sk_opt_json,
	&sk_opt_report_interval, &sk_opt_metrics, NULL
};
static const struct sk_optgroup controller_run_group = { "Test options", controller_run_opts };
static const struct sk_optgroup *const controller_groups[] = {
	&twamp_group, &controller_run_group, &sk_group_ip, &sk_group_log, NULL
};

static const struct sk_optdef *const cc_run_opts[] = { &sk_opt_duration, &sk_opt_json, NULL };
static const struct sk_optgroup cc_run_group = { "Run options", cc_run_opts };
/* What the external sender's packets are asked to look like (signalled, not sent here). */
static const struct sk_optdef *const cc_ip_opts[] = { &sk_opt_tos, &sk_opt_dscp, &sk_opt_padding,
						       NULL };
static const struct sk_optgroup cc_ip_group = { "IP socket options", cc_ip_opts };
static const struct sk_optgroup *const controlclient_groups[] = {
	&twamp_group, &cc_run_group, &cc_ip_group, &sk_group_log, NULL
};

static const struct sk_exitdef client_exits[] = {
	{ SK_EXIT_OK, "the sessions ran and were stopped; the results were printed" },
	{ SK_EXIT_FAIL, "network error, the server refused the connection, a mode, a feature or "
			"a session, or did not answer; controller: no test packet was answered at "
			"all (the results are printed, the reason on standard error, as ping does)" },
	{ SK_EXIT_USAGE, "usage or configuration error (unknown option, bad value, an address "
			 "that cannot be reached such as port 0, unreadable or malformed key file, "
			 "KeyID not in it, a secure mode without --key-file, -l naming the key file)" },
	{ -1, NULL },
};

struct client_ctx {
	struct sk_common common;
	struct client_opts o;
	bool timeout_given;
	double timeout_s;
};

static int handle(void *ctx, const struct sk_optdef *def, const struct sk_optval *v, char *err,
		  size_t errlen)
{
	struct client_ctx *x = ctx;
	int r = sk_common_handle(&x->common, def, v, err, errlen);
	if (r)
		return r < 0 ? -1 : 0;
	static const uint32_t modes[] = { SK_TWMODE_UNAUTH, SK_TWMODE_AUTH, SK_TWMODE_ENCRYPT,
					  SK_TWMODE_MIXED };
	switch (def->id) {
	case O_MODE_AUTH: x->o.mode = modes[v->i]; return 0;
	case SK_O_KEY_FILE: x->o.key_file = v->s; return 0;
	case O_KEY_ID: x->o.key_id = v->s; return 0;
	case O_SESSIONS: x->o.sessions = (long)v->i; return 0;
	case O_TEST_PORT: x->o.test_port = (uint16_t)v->i; return 0;
	case O_SESSION_DSCP:
		if (sk_dscp_parse(v->s, &x->o.session_dscp)) {
			snprintf(err, errlen, "'%s' is not a DSCP name or 0..63", v->s);
			return -1;
		}
		return 0;
	case O_SESSION_TIMEOUT: x->o.session_timeout_s = v->d; return 0;
	case O_INDIVIDUAL: x->o.individual = true; return 0;
	case O_FEATURES:
		if (sk_tw_parse_features(v->s, &x->o.features)) {
			snprintf(err, errlen, "expected reflect-octets, symmetrical, dscp-ecn, "
				 "comma-separated");
			return -1;
		}
		return 0;
	case SK_O_COUNT: x->o.count = (long)v->i; return 0;
	case SK_O_INTERVAL: x->o.interval_ms = v->d; return 0;
	case SK_O_TIMEOUT: x->timeout_given = true; x->timeout_s = v->d; return 0;
	case SK_O_DURATION: x->o.duration_s = v->d; return 0;
	default: return 0;
	}
}

static int client_main(const struct sk_cmddef *cmd, int argc, char **argv, bool controller)
{
	struct client_ctx x;
	memset(&x, 0, sizeof x);
	sk_common_init(&x.common);
	x.o.mode = SK_TWMODE_UNAUTH;
	x.o.sessions = 1;
	x.o.session_dscp = -1;
	x.o.session_timeout_s = 2;
	x.o.test_port = 20001;
	x.o.count = 100;
	x.o.interval_ms = 100;
	char **ops;
	int nops;
	int st = sk_opt_parse(cmd, argc, argv, handle, &x, &ops, &nops);
	if (st != SK_OPT_CONTINUE)
		return st;
	if (x.common.padding == -1)
		return sk_opt_usage_error(cmd, "--padding -1 (IMIX) is not available here: the "
					  "padding is signalled once per session (Padding Length)");
	if (x.o.mode != SK_TWMODE_UNAUTH && !x.o.key_file)
		return sk_opt_usage_error(cmd, "the %s mode needs --key-file",
					  sk_tw_mode_name(x.o.mode));
	if ((long)x.o.test_port + x.o.sessions - 1 > 65535)
		return sk_opt_usage_error(cmd, "--test-port + --sessions beyond 65535");
	/* An address nothing can be sent to (port 0) is a usage error, not a failed run. */
	struct sockaddr_storage probe;
	socklen_t plen;
	char aerr[300];
	if (sk_addr_parse(ops[0], SK_TW_CONTROL_PORT, 0, false, &probe, &plen, aerr, sizeof aerr))
		return sk_opt_usage_error(cmd, "SERVER %s", aerr);
	if (!controller && nops > 1 &&
	    sk_addr_parse(ops[1], 20000, 0, false, &probe, &plen, aerr, sizeof aerr))
		return sk_opt_usage_error(cmd, "SENDER %s", aerr);
	st = sk_common_finish(&x.common, cmd->name);
	if (st != SK_EXIT_OK)
		return st;
	x.o.server = ops[0];
	x.o.second = nops > 1 ? ops[1] : NULL;
	x.o.padding = x.common.padding > 0 ? x.common.padding : 0;
	if (x.o.session_dscp < 0 && x.common.tos >= 0)
		x.o.session_dscp = x.common.tos >> 2;
	x.o.tos = x.common.tos;
	x.o.ttl = x.common.ttl;
	x.o.dont_fragment = x.common.dont_fragment;
	x.o.json = x.common.json;
	x.o.report_interval = x.common.report_interval;
	x.o.metrics = x.common.metrics;
	if (controller && x.o.duration_s > 0) {
		/* As the sender: --duration S sends S / --interval packets per session. */
		double n = x.o.duration_s * 1000.0 / x.o.interval_ms;
		if (n < 1 || n > 100000000)
			return sk_opt_usage_error(cmd, "--duration gives %.0f packets (1..100000000)", n);
		x.o.count = (long)n;
	}
	/* Late replies: --timeout, else as long as the reflector answers after Stop. */
	x.o.reply_wait_s = x.timeout_given ? x.timeout_s : x.o.session_timeout_s;
	return controller ? controller_run(&x.o) : controlclient_run(&x.o);
}

static int controller_main(int argc, char **argv)
{
	return client_main(&sk_cmd_controller, argc, argv, true);
}

static int controlclient_main(int argc, char **argv)
{
	return client_main(&sk_cmd_controlclient, argc, argv, false);
}

const struct sk_cmddef sk_cmd_controller = {
	.name = "controller",
	.summary = "TWAMP control client and sender: set up sessions, send, print results",
	.synopsis = "[options] SERVER[:PORT] [LOCAL]",
	.description =
		"TWAMP Control-Client and Session-Sender (RFC 5357 §3-4): connects to the TWAMP "
		"server (TCP PORT, default 862), sets up --sessions test sessions, starts them, "
		"sends --count packets per session every --interval milliseconds from LOCAL "
		"(default the control connection's address, port 20000; session i from port + i; "
		"any free port when that one is taken and LOCAL was not given), waits for late "
		"replies, stops the sessions and prints twampy's table per session, or with --json "
		"one JSON document.\n\n"
		"Authenticated and encrypted test packets are protected with the session's keys; "
		"replies that do not verify are counted (bad_replies) and not used.",
	.groups = controller_groups,
	.min_operands = 1,
	.max_operands = 2,
	.exits = client_exits,
	.see_also = "stampkit-server(1), stampkit-controlclient(1), stampkit-sender(1)",
	.main = controller_main,
};

const struct sk_cmddef sk_cmd_controlclient = {
	.name = "controlclient",
	.summary = "TWAMP control client only: sessions for an external sender",
	.synopsis = "[options] SERVER[:PORT] [SENDER]",
	.description =
		"TWAMP Control-Client only (RFC 5357 §3): sets up and starts sessions for a "
		"Session-Sender elsewhere at SENDER (default this host's control address, port "
		"20000; session i from port + i), prints each session's reflector address and SID, "
		"keeps the control connection until --duration or SIGINT, then sends "
		"Stop-Sessions and exits 0.\n\n"
		"Nothing is measured here: with --json the sessions carry sent 0 and no "
		"statistics (docs/controller.md).",
	.groups = controlclient_groups,
	.min_operands = 1,
	.max_operands = 2,
	.exits = client_exits,
	.see_also = "stampkit-server(1), stampkit-controller(1), stampkit-sender(1)",
	.main = controlclient_main,
};
