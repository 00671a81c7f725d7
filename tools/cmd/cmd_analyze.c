/* SPDX-License-Identifier: BSD-3-Clause */
/* cmd_analyze.c - `stampkit analyze`: per-session latency, jitter, loss, duplicates and
 * reordering (RFC 5357 §4, RFC 8762 §4, RFC 3550 §6.4.1, RFC 4737) from recorded captures.
 * Options -> struct sk_analyze_opts -> sk_analyze_run() (capture/analyze_file.c). */
#include <stdio.h>
#include <string.h>

#include "analyze_int.h"
#include "commands.h"
#include "optgroups.h"
#include "stampkit/metrics.h"

enum { O_CSV = SK_O_LOCAL + 1, O_PLOT, O_CAPTURE_POINT };

static const struct sk_optdef o_csv = {
	O_CSV, "csv", 0, SK_OK_STRING, "FILE", 0, 0, NULL, false, NULL,
	"per-packet records (T1..T4, capture times, delays, lost/duplicate/reordered) to FILE, "
	"one CSV row per sender packet", NULL
};
static const struct sk_optdef o_plot = {
	O_PLOT, "plot", 'P', SK_OK_STRING, "FILE.svg|FILE.png", 0, 0, NULL, false, NULL,
	"delay over time (lost packets marked) and delay histograms per session, drawn by "
	"gnuplot; FILE is replaced only when drawing succeeded", NULL
};
static const struct sk_optdef o_capture_point = {
	O_CAPTURE_POINT, "capture-point", 'C', SK_OK_CHOICE, NULL, 0, 0, "sender|reflector", true,
	NULL,
	"where the capture was taken (default: detected from the timestamps); given once it "
	"applies to every file, else once per file in order", NULL
};

static const struct sk_optdef *const analyze_own[] = {
	&sk_opt_json, &o_csv, &o_plot, &o_capture_point, &sk_opt_reflector, NULL,
};
static const struct sk_optdef *const analyze_find[] = {
	&sk_opt_port, &sk_opt_heuristic, &sk_opt_secret, &sk_opt_secret_file, NULL,
};
static const struct sk_optgroup analyze_group = { "Analysis options", analyze_own };
static const struct sk_optgroup find_group = { "Finding test packets", analyze_find };
static const struct sk_optgroup *const analyze_groups[] = {
	&analyze_group, &find_group, &sk_group_log, NULL,
};

static const struct sk_exitdef analyze_exits[] = {
	{ SK_EXIT_OK, "done" },
	{ SK_EXIT_FAIL, "an input cannot be read, or --csv/--plot could not be written" },
	{ SK_EXIT_USAGE, "usage error (bad option or value, no file, - given twice, unreadable "
			 "or malformed --secret-file or " SK_SECRET_ENV ", --csv, "
			 "--plot or -l naming an input or each other: the input would be "
			 "overwritten)" },
	{ SK_EXIT_DAMAGED, "an input is damaged (truncated capture, malformed test packets, or "
			   "UDP to or from a test port with a malformed IP or UDP header): the "
			   "results cover what could be read and a warning on standard error says "
			   "what was wrong and how often" },
	{ -1, NULL },
};

struct analyze_ctx {
	struct sk_common common;
	struct sk_analyze_opts o;
	enum sk_an_cp cps[SK_AN_MAX_FILES];
	int ncp;
};

static int handle(void *ctx, const struct sk_optdef *def, const struct sk_optval *v, char *err,
		  size_t errlen)
{
	struct analyze_ctx *c = ctx;
	struct sk_analyze_opts *o = &c->o;
	int r = sk_common_handle(&c->common, def, v, err, errlen);
	if (r)
		return r < 0 ? -1 : 0;
	const struct sk_disc_find find = { o->ports, &o->nports, SK_AN_MAX_PORTS, &o->heuristic,
					   o->secrets, &o->nsecrets, SK_AN_MAX_SECRETS };
	if (def->id == SK_O_SECRET_FILE) /* an input: checked against the outputs */
		sk_common_file(&c->common, "--secret-file", v->s, false);
	r = sk_disc_find_opt(&find, def, v, err, errlen);
	if (r)
		return r < 0 ? -1 : 0;
	switch (def->id) {
	case O_CSV:
		o->csv = v->s;
		return 0;
	case O_PLOT: {
		size_t n = strlen(v->s);
		if (n < 5 || (strcmp(v->s + n - 4, ".svg") && strcmp(v->s + n - 4, ".png"))) {
			snprintf(err, errlen, "'%s': a file name ending in .svg or .png", v->s);
			return -1;
		}
		o->plot = v->s;
		return 0;
	}
	case O_CAPTURE_POINT:
		if (c->ncp >= SK_AN_MAX_FILES) {
			snprintf(err, errlen, "at most %d times (once per file)", SK_AN_MAX_FILES);
			return -1;
		}
		c->cps[c->ncp++] = v->i == 0 ? SK_AN_CP_SENDER : SK_AN_CP_REFLECTOR;
		return 0;
	case SK_O_REFLECTOR:
		o->reflector = v->i == 1 ? SK_REFLECTOR_STATEFUL
			       : v->i == 2 ? SK_REFLECTOR_STATELESS : SK_REFLECTOR_AUTO;
		return 0;
	default:
		snprintf(err, errlen, "not an option of analyze");
		return -1;
	}
}

static int analyze_main(int argc, char **argv)
{
	static struct analyze_ctx c; /* large (secrets); once per process */
	memset(&c, 0, sizeof c);
	sk_common_init(&c.common);
	c.o.reflector = SK_REFLECTOR_AUTO;
	char **files;
	int nfiles;
	int st = sk_opt_parse(&sk_cmd_analyze, argc, argv, handle, &c, &files, &nfiles);
	if (st != SK_OPT_CONTINUE)
		return st;
	if (c.ncp > 1 && c.ncp != nfiles)
		return sk_opt_usage_error(&sk_cmd_analyze, "--capture-point given %d times for %d "
					  "files: give it once (all files) or once per file",
					  c.ncp, nfiles);
	int nstdin = 0;
	for (int f = 0; f < nfiles; f++) {
		c.o.files[f] = files[f];
		if (!strcmp(files[f], "-") && nstdin++)
			return sk_opt_usage_error(&sk_cmd_analyze,
						  "standard input (-) can be read only once");
		c.o.cp[f] = c.ncp == 1 ? c.cps[0] : c.ncp ? c.cps[f] : SK_AN_CP_AUTO;
		sk_common_file(&c.common, NULL, files[f], false);
	}
	sk_common_file(&c.common, "--csv", c.o.csv, true);
	sk_common_file(&c.common, "--plot", c.o.plot, true);
	char err[300];
	if (sk_disc_secrets_env(c.o.secrets, &c.o.nsecrets, SK_AN_MAX_SECRETS, err, sizeof err))
		return sk_opt_usage_error(&sk_cmd_analyze, "%s", err);
	c.o.nfiles = nfiles;
	c.o.json = c.common.json;
	st = sk_common_finish(&c.common, sk_cmd_analyze.name);
	if (st != SK_EXIT_OK)
		return st;
	return sk_analyze_run(&c.o, stdout, stderr);
}

const struct sk_cmddef sk_cmd_analyze = {
	.name = "analyze",
	.summary = "per-session latency, jitter, loss, duplicates and reordering from captures",
	.synopsis = "[options] FILE... | -",
	.description =
		"Per test session (sender address/port, reflector address/port, SSID) of the "
		"pcap/pcapng captures given (merged by capture time; - reads standard input): "
		"sent, received, loss, duplicates and RFC 4737 reordering per direction, and "
		"outbound (T2-T1), inbound (T4-T3), round-trip and residence delays with "
		"min/avg/max, p50/p90/p99, RFC 3550 jitter and RFC 3393 IPDV. T4 is the capture "
		"time of the reply in a capture taken at the sender; with captures at both ends "
		"the loss is split by direction and wire delays come from the capture times.\n\n"
		"The table is twampy's, one per session, followed by a summary line. --json "
		"writes one document (docs/json-schema.md); warnings and notes go to standard "
		"error. --csv and --plot are written under a temporary name in the same folder "
		"and take their name only when complete.\n\n"
		"Secrets of TWAMP authenticated or encrypted mode: --secret KEYID=PASSPHRASE "
		"(visible to other users in ps), --secret-file FILE, or the environment "
		"variable " SK_SECRET_ENV "=KEYID=PASSPHRASE (several separated by newlines).",
	.groups = analyze_groups,
	.min_operands = 1,
	.max_operands = SK_AN_MAX_FILES,
	.exits = analyze_exits,
	.see_also = "stampkit-decode(1), stampkit-replay(1), stampkit-sender(1)",
	.main = analyze_main,
};
