/* SPDX-License-Identifier: BSD-3-Clause */
/* cmd_monitor.c - `stampkit monitor CONFIG`: its options (the option table) -> struct
 * monitor_opts -> monitor_run() (many STAMP / TWAMP-light targets in one process). */
#include <stdio.h>

#include "commands.h"
#include "monitor.h"
#include "optgroups.h"

static const struct sk_optdef *const monitor_out[] = {
	&sk_opt_metrics, &sk_opt_report_interval, &sk_opt_json, NULL
};
static const struct sk_optgroup g_out = { "Output options", monitor_out };
static const struct sk_optgroup *const monitor_groups[] = { &g_out, &sk_group_log, NULL };

static const struct sk_exitdef monitor_exits[] = {
	{ SK_EXIT_OK, "stopped by SIGINT or SIGTERM after the summary was printed (targets that "
		      "do not answer never end the process)" },
	{ SK_EXIT_FAIL, "the --metrics endpoint could not be opened (address in use), no target "
			"could be started, or the event loop failed" },
	{ SK_EXIT_USAGE, "usage error, or CONFIG refused: its file:line and the reason on "
			 "standard error (unknown section or setting, bad value, a target without "
			 "address, an unreadable key file)" },
	{ -1, NULL },
};

struct parse {
	struct sk_common common;
};

static int handle(void *ctx, const struct sk_optdef *def, const struct sk_optval *v, char *err,
		  size_t errlen)
{
	struct parse *ps = ctx;
	return sk_common_handle(&ps->common, def, v, err, errlen) < 0 ? -1 : 0;
}

static int monitor_main(int argc, char **argv)
{
	struct parse ps;
	sk_common_init(&ps.common);
	char **ops;
	int nops;
	int st = sk_opt_parse(&sk_cmd_monitor, argc, argv, handle, &ps, &ops, &nops);
	if (st != SK_OPT_CONTINUE)
		return st;
	sk_common_file(&ps.common, "CONFIG", ops[0], false);
	st = sk_common_finish(&ps.common, sk_cmd_monitor.name);
	if (st != SK_EXIT_OK)
		return st;
	struct monitor_opts o = {
		.config = ops[0],
		.metrics = ps.common.metrics,
		.report_interval = ps.common.report_interval,
		.json = ps.common.json,
	};
	return monitor_run(&o);
}

const struct sk_cmddef sk_cmd_monitor = {
	.name = "monitor",
	.summary = "measure many STAMP / TWAMP targets continuously, for Prometheus",
	.synopsis = "[options] CONFIG",
	.description =
		"Runs the test sessions of every [target NAME] of CONFIG (an INI file: "
		"docs/monitoring.md) in one process and one event loop, without end: each target "
		"with its own mode (stamp, twamp-light, twamp: with the TWAMP-Control connection, "
		"retried every 10 s when it fails, unauthenticated, authenticated, encrypted or "
		"mixed with its KeyID and key file), address, rate, padding, DSCP, SSID, TLVs "
		"and key. The results are served on --metrics (Prometheus counters and delay "
		"histograms per target), reported every report-interval (a table block, with "
		"--json a JSON Lines object, or a file per interval in the report-dir of CONFIG), "
		"and summed up at SIGINT/SIGTERM through the report model (the table, or with "
		"--json one document as the last line).\n\n"
		"A packet not answered within timeout seconds (CONFIG, default 5) of the end of "
		"its interval is lost; a target that stops answering is said on standard error "
		"and kept being tried, as is said when it answers again. SIGHUP reads CONFIG "
		"again: unchanged targets keep their sessions and counts, changed ones start "
		"anew, removed ones stop; a CONFIG with a mistake is refused and the running one "
		"stays. --metrics and --report-interval win over CONFIG's metrics and "
		"report-interval; these two and timeout are not changed by a reload.",
	.groups = monitor_groups,
	.min_operands = 1,
	.max_operands = 1,
	.exits = monitor_exits,
	.see_also = "stampkit-sender(1), stampkit-responder(1)",
	.main = monitor_main,
};
