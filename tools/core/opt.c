/* SPDX-License-Identifier: BSD-3-Clause */
/* opt.c - the option-table parser over getopt_long, and the --help and man page generators
 * (the same tables feed all three, so what is accepted is what is documented). */
#include "opt.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define WRAP 79
#define HELP_COL 24

static bool given_ids[1024];

bool sk_opt_given(int id)
{
	return id >= 0 && id < (int)(sizeof given_ids / sizeof given_ids[0]) && given_ids[id];
}

size_t sk_opt_list(const struct sk_cmddef *cmd, const struct sk_optdef **out, size_t cap)
{
	size_t n = 0;
	for (size_t g = 0; cmd->groups && cmd->groups[g]; g++)
		for (size_t i = 0; cmd->groups[g]->opts[i]; i++) {
			const struct sk_optdef *d = cmd->groups[g]->opts[i];
			bool dup = false;
			for (size_t k = 0; k < n; k++)
				dup |= out[k] == d;
			if (!dup && n + 1 < cap)
				out[n++] = d;
		}
	if (cap)
		out[n] = NULL;
	return n;
}

/* ---- did you mean ---- */

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 63 || lb > 63)
		return SIZE_MAX;
	size_t d[64][64];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < c)
				c = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < c)
				c = d[i][j - 1] + 1;
			/* a transposition ("snedre") counts as one edit */
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < c)
				c = d[i - 2][j - 2] + 1;
			d[i][j] = c;
		}
	return d[la][lb];
}

const char *sk_suggest(const char *name, const char *const *candidates, size_t n)
{
	const char *best = NULL;
	size_t bestd = SIZE_MAX, len = strlen(name);
	/* at most a third of the word may be wrong, and at least one edit is allowed */
	size_t limit = len / 3 > 1 ? len / 3 : 1;
	for (size_t i = 0; i < n; i++) {
		if (!candidates[i])
			continue;
		size_t dd = edit_distance(name, candidates[i]);
		if (dd < bestd) {
			bestd = dd;
			best = candidates[i];
		}
	}
	return bestd <= limit ? best : NULL;
}

/* ---- errors ---- */

static void try_line(const struct sk_cmddef *cmd)
{
	fprintf(stderr, "Try 'stampkit %s --help' for more information.\n", cmd->name);
}

int sk_opt_usage_error(const struct sk_cmddef *cmd, const char *fmt, ...)
{
	fprintf(stderr, "stampkit %s: ", cmd->name);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	try_line(cmd);
	return SK_EXIT_USAGE;
}

/* The commands that do accept an option this one does not ("sender, responder"). */
static void owners_of(const char *name, char *buf, size_t len)
{
	buf[0] = 0;
	size_t used = 0;
	for (size_t c = 0; sk_commands[c]; c++) {
		const struct sk_optdef *all[SK_OPT_MAX];
		size_t n = sk_opt_list(sk_commands[c], all, SK_OPT_MAX);
		for (size_t i = 0; i < n; i++)
			if (!strcmp(all[i]->name, name)) {
				int w = snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
						 sk_commands[c]->name);
				if (w > 0 && (size_t)w < len - used)
					used += (size_t)w;
				break;
			}
	}
}

static int unknown_option(const struct sk_cmddef *cmd, const struct sk_optdef *const *all,
			  size_t n, const char *text)
{
	if (text[0] == '-' && text[1] == '-') {
		char name[64];
		size_t k = strcspn(text + 2, "=");
		if (k >= sizeof name)
			k = sizeof name - 1;
		memcpy(name, text + 2, k);
		name[k] = 0;
		for (size_t i = 0; i < n; i++)
			if (!strcmp(all[i]->name, name) && text[2 + k] == '=' && !all[i]->arg)
				return sk_opt_usage_error(cmd, "option '--%s' takes no argument", name);
		const char *names[SK_OPT_MAX + 1];
		for (size_t i = 0; i < n; i++)
			names[i] = all[i]->name;
		names[n] = "help";
		const char *s = sk_suggest(name, names, n + 1);
		char owners[200];
		owners_of(name, owners, sizeof owners);
		if (owners[0])
			return sk_opt_usage_error(cmd, "'--%s' is not an option of this command (it is one "
						  "of: %s)", name, owners);
		if (s)
			return sk_opt_usage_error(cmd, "unknown option '--%s'; did you mean '--%s'?", name,
						  s);
		return sk_opt_usage_error(cmd, "unknown option '--%s'", name);
	}
	return sk_opt_usage_error(cmd, "unknown option '%s'", text);
}

/* ---- values ---- */

static void fmt_num(char *b, size_t n, double v)
{
	if (v == floor(v) && fabs(v) < 1e15)
		snprintf(b, n, "%.0f", v);
	else
		snprintf(b, n, "%g", v);
}

static int choice_index(const char *choices, const char *s)
{
	int i = 0;
	for (const char *p = choices; *p; i++) {
		size_t k = strcspn(p, "|");
		if (strlen(s) == k && !strncmp(p, s, k))
			return i;
		p += k;
		if (*p == '|')
			p++;
	}
	return -1;
}

static int parse_value(const struct sk_optdef *d, const char *s, struct sk_optval *v, char *err,
		       size_t errlen)
{
	char lo[32], hi[32];
	fmt_num(lo, sizeof lo, d->min);
	fmt_num(hi, sizeof hi, d->max);
	v->s = s;
	if (d->kind == SK_OK_INT) {
		const char *p = s;
		if (*p == '-' && d->min < 0)
			p++;
		char *end;
		errno = 0;
		long long x = (*p >= '0' && *p <= '9') ? strtoll(s, &end, 10) : 0;
		if (*p < '0' || *p > '9' || errno || *end || (double)x < d->min || (double)x > d->max) {
			snprintf(err, errlen, "expected a whole number from %s to %s, got '%s'", lo, hi, s);
			return -1;
		}
		v->i = x;
	} else if (d->kind == SK_OK_DOUBLE) {
		char *end;
		errno = 0;
		bool digit = (*s >= '0' && *s <= '9') || *s == '.' || (*s == '-' && d->min < 0);
		double x = digit ? strtod(s, &end) : 0;
		if (!digit || errno || *end || !isfinite(x) || x < d->min || x > d->max ||
		    (d->above_min && x <= d->min)) {
			snprintf(err, errlen, "expected a number %s %s and at most %s, got '%s'",
				 d->above_min ? "above" : "from", lo, hi, s);
			return -1;
		}
		v->d = x;
	} else if (d->kind == SK_OK_CHOICE) {
		int k = choice_index(d->choices, s);
		if (k < 0) {
			snprintf(err, errlen, "expected one of %s, got '%s'", d->choices, s);
			return -1;
		}
		v->i = k;
	}
	return 0;
}

/* ---- parsing ---- */

static const struct sk_optdef *by_id(const struct sk_optdef *const *all, size_t n, int id)
{
	for (size_t i = 0; i < n; i++)
		if (all[i]->id == id)
			return all[i];
	return NULL;
}

static int check_conflicts(const struct sk_cmddef *cmd, const struct sk_optdef *const *all, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!given_ids[all[i]->id] || !all[i]->conflicts)
			continue;
		for (const int *c = all[i]->conflicts; *c; c++) {
			const struct sk_optdef *o = by_id(all, n, *c);
			if (o && given_ids[o->id])
				return sk_opt_usage_error(cmd, "--%s and --%s cannot be used together",
							  all[i]->name, o->name);
		}
	}
	return SK_OPT_CONTINUE;
}

static int one_option(const struct sk_cmddef *cmd, const struct sk_optdef *d, unsigned *times,
		      const char *arg, sk_opt_handler h, void *ctx)
{
	char err[256] = "";
	struct sk_optval v = { 0 };
	(*times)++;
	if (*times > 1 && !d->repeat && d->kind != SK_OK_COUNT)
		return sk_opt_usage_error(cmd, "option '--%s' given more than once", d->name);
	if (d->kind == SK_OK_COUNT)
		v.i = *times;
	if (d->arg || d->kind == SK_OK_CHOICE) {
		if (parse_value(d, arg, &v, err, sizeof err))
			return sk_opt_usage_error(cmd, "--%s: %s", d->name, err);
	}
	given_ids[d->id] = true;
	if (h(ctx, d, &v, err, sizeof err) != 0)
		return sk_opt_usage_error(cmd, "--%s: %s", d->name, err[0] ? err : "bad value");
	return SK_OPT_CONTINUE;
}

static bool takes_arg(const struct sk_optdef *d)
{
	return d->arg || d->kind == SK_OK_CHOICE;
}

/* Long options must be written in full: getopt_long's abbreviations would take
 * `server --mode twamp-light` as --modes, an option of another meaning. Walks argv as getopt
 * will (skipping option values) and refuses a long name that is not exactly one of ours. */
static int exact_long_names(const struct sk_cmddef *cmd, const struct sk_optdef *const *all,
			    size_t n, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--"))
			break;
		if (a[0] != '-' || !a[1])
			continue;
		if (a[1] != '-') { /* a cluster of short options: its value may be the next word */
			for (const char *p = a + 1; *p; p++) {
				const struct sk_optdef *d = NULL;
				for (size_t k = 0; k < n; k++)
					if (all[k]->short_opt == *p)
						d = all[k];
				if (d && takes_arg(d)) {
					i += !p[1];
					break;
				}
			}
			continue;
		}
		size_t k = strcspn(a + 2, "=");
		const struct sk_optdef *d = NULL;
		for (size_t j = 0; j < n; j++)
			if (strlen(all[j]->name) == k && !strncmp(all[j]->name, a + 2, k))
				d = all[j];
		if (!d && !(k == 4 && !strncmp(a + 2, "help", 4)))
			return unknown_option(cmd, all, n, a);
		if (d && takes_arg(d) && !a[2 + k])
			i++;
	}
	return SK_OPT_CONTINUE;
}

int sk_opt_parse(const struct sk_cmddef *cmd, int argc, char **argv, sk_opt_handler h,
		 void *ctx, char ***operands, int *noperands)
{
	const struct sk_optdef *all[SK_OPT_MAX];
	size_t n = sk_opt_list(cmd, all, SK_OPT_MAX);
	int early = exact_long_names(cmd, all, n, argc, argv);
	if (early != SK_OPT_CONTINUE)
		return early;
	struct option lo[SK_OPT_MAX + 2];
	char shorts[3 * SK_OPT_MAX + 8] = ":h";
	size_t ns = strlen(shorts);
	unsigned times[SK_OPT_MAX] = { 0 };
	memset(given_ids, 0, sizeof given_ids);
	for (size_t i = 0; i < n; i++) {
		lo[i] = (struct option){ all[i]->name, takes_arg(all[i]) ? required_argument : no_argument,
					 NULL, 256 + (int)i };
		if (all[i]->short_opt) {
			shorts[ns++] = all[i]->short_opt;
			if (takes_arg(all[i]))
				shorts[ns++] = ':';
		}
	}
	shorts[ns] = 0;
	lo[n] = (struct option){ "help", no_argument, NULL, 'h' };
	lo[n + 1] = (struct option){ NULL, 0, NULL, 0 };
	opterr = 0;
	optind = 0; /* a full re-initialisation of glibc's getopt (tests parse many times) */
	int c, li;
	while ((c = getopt_long(argc, argv, shorts, lo, &li)) != -1) {
		const char *text = argv[optind - 1] ? argv[optind - 1] : "";
		if (c == 'h') {
			sk_opt_help(cmd, stdout);
			return SK_EXIT_OK;
		}
		if (c == ':') {
			const struct sk_optdef *d = NULL;
			for (size_t i = 0; i < n; i++)
				if ((optopt && all[i]->short_opt == optopt) ||
				    (optopt >= 256 && (size_t)(optopt - 256) == i))
					d = all[i];
			if (d)
				return sk_opt_usage_error(cmd, "option '--%s' needs an argument (%s)", d->name,
							  d->arg ? d->arg : d->choices);
			return sk_opt_usage_error(cmd, "option '%s' needs an argument", text);
		}
		if (c == '?') {
			if (optopt && optopt < 256) {
				char t[3] = { '-', (char)optopt, 0 };
				return unknown_option(cmd, all, n, t);
			}
			return unknown_option(cmd, all, n, text);
		}
		size_t i = n;
		if (c >= 256)
			i = (size_t)(c - 256);
		else
			for (size_t k = 0; k < n; k++)
				if (all[k]->short_opt == c)
					i = k;
		if (i >= n)
			return unknown_option(cmd, all, n, text);
		int r = one_option(cmd, all[i], &times[i], optarg, h, ctx);
		if (r != SK_OPT_CONTINUE)
			return r;
	}
	int r = check_conflicts(cmd, all, n);
	if (r != SK_OPT_CONTINUE)
		return r;
	int nop = argc - optind;
	if (nop < cmd->min_operands)
		return sk_opt_usage_error(cmd, "missing operand (usage: stampkit %s %s)", cmd->name,
					  cmd->synopsis);
	if (cmd->max_operands >= 0 && nop > cmd->max_operands)
		return sk_opt_usage_error(cmd, "unexpected operand '%s' (usage: stampkit %s %s)",
					  argv[optind + cmd->max_operands], cmd->name, cmd->synopsis);
	if (operands)
		*operands = argv + optind;
	if (noperands)
		*noperands = nop;
	return SK_OPT_CONTINUE;
}

/* ---- --help ---- */

/* Writes text wrapped at WRAP columns; the first line continues at column `col`, the
 * following lines are indented by `indent`. "\n" in text forces a break. */
static void wrap(FILE *out, const char *text, size_t col, size_t indent)
{
	const char *p = text;
	while (*p) {
		size_t word = strcspn(p, " \n");
		/* A continuation line never starts with an option name ("--flow-label ..."): it
		 * would read as that option's own line. Such a word takes its predecessor along. */
		const char *q = p + word;
		while (*q == ' ')
			q++;
		size_t next = *q == '-' && *p != '-' && p[word] == ' ' ? strcspn(q, " \n") : 0;
		bool pull = next && col + 1 + word + 1 + next > WRAP && word + 1 + next <= WRAP - indent;
		if (col > indent && (col + 1 + word > WRAP || pull)) {
			fprintf(out, "\n%*s", (int)indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', out);
			col++;
		}
		fwrite(p, 1, word, out);
		col += word;
		p += word;
		if (*p == '\n') {
			fprintf(out, "\n%*s", (int)indent, "");
			col = indent;
			p++;
		}
		while (*p == ' ')
			p++;
	}
	fputc('\n', out);
}

/* The help line's text: help, then range and default in parentheses. */
static void help_text(const struct sk_optdef *d, char *b, size_t n)
{
	char lo[32], hi[32], extra[128] = "";
	fmt_num(lo, sizeof lo, d->min);
	fmt_num(hi, sizeof hi, d->max);
	if (d->kind == SK_OK_INT)
		snprintf(extra, sizeof extra, "%s..%s", lo, hi);
	else if (d->kind == SK_OK_DOUBLE)
		snprintf(extra, sizeof extra, "%s%s..%s", d->above_min ? ">" : "", lo, hi);
	if (d->def) {
		size_t k = strlen(extra);
		snprintf(extra + k, sizeof extra - k, "%sdefault %s", k ? ", " : "", d->def);
	}
	size_t k = (size_t)snprintf(b, n, "%s", d->help ? d->help : "");
	if (k < n && extra[0])
		snprintf(b + k, n - k, " (%s)", extra);
	if (k < n && d->repeat && d->kind != SK_OK_COUNT)
		snprintf(b + strlen(b), n - strlen(b), "; repeatable");
}

static void left_column(const struct sk_optdef *d, char *b, size_t n)
{
	const char *arg = d->arg ? d->arg : d->kind == SK_OK_CHOICE ? d->choices : NULL;
	if (d->short_opt)
		snprintf(b, n, "  -%c, --%s%s%s", d->short_opt, d->name, arg ? " " : "", arg ? arg : "");
	else
		snprintf(b, n, "      --%s%s%s", d->name, arg ? " " : "", arg ? arg : "");
}

static void help_option(FILE *out, const struct sk_optdef *d)
{
	char left[160], text[1024];
	left_column(d, left, sizeof left);
	help_text(d, text, sizeof text);
	size_t col = strlen(left);
	fputs(left, out);
	if (col + 2 > HELP_COL) {
		fprintf(out, "\n%*s", HELP_COL, "");
		col = HELP_COL;
	} else {
		fprintf(out, "%*s", (int)(HELP_COL - col), "");
		col = HELP_COL;
	}
	wrap(out, text, col, HELP_COL);
}

void sk_opt_help(const struct sk_cmddef *cmd, FILE *out)
{
	fprintf(out, "usage: stampkit %s %s\n", cmd->name, cmd->synopsis);
	if (cmd->alias)
		fprintf(out, "       (alias: stampkit %s)\n", cmd->alias);
	fputc('\n', out);
	for (const char *p = cmd->description; p && *p;) {
		const char *e = strstr(p, "\n\n");
		size_t k = e ? (size_t)(e - p) : strlen(p);
		char para[2048];
		if (k >= sizeof para)
			k = sizeof para - 1;
		memcpy(para, p, k);
		para[k] = 0;
		wrap(out, para, 0, 0);
		fputc('\n', out);
		p += k;
		while (*p == '\n')
			p++;
	}
	for (size_t g = 0; cmd->groups && cmd->groups[g]; g++) {
		fprintf(out, "%s:\n", cmd->groups[g]->title);
		for (size_t i = 0; cmd->groups[g]->opts[i]; i++)
			help_option(out, cmd->groups[g]->opts[i]);
		fputc('\n', out);
	}
	fprintf(out, "  -h, --help%*sthis text, then exit 0\n\n", HELP_COL - 12, "");
	fputs("Exit status:\n", out);
	for (const struct sk_exitdef *e = cmd->exits; e && e->meaning; e++) {
		fprintf(out, "  %d  ", e->status);
		wrap(out, e->meaning, 5, 5);
	}
	if (cmd->see_also)
		fprintf(out, "\nSee also: %s\n", cmd->see_also);
}

/* ---- man page ---- */

/* Text for troff: backslashes doubled as \e, hyphens as \-, a leading dot or quote
 * protected. */
static void roff(FILE *out, const char *s, bool hyphens)
{
	bool bol = true;
	for (; *s; s++) {
		if (bol && (*s == '.' || *s == '\''))
			fputs("\\&", out);
		bol = *s == '\n';
		if (*s == '\\')
			fputs("\\e", out);
		else if (*s == '-' && hyphens)
			fputs("\\-", out);
		else
			fputc(*s, out);
	}
}

static void man_upper(FILE *out, const char *s)
{
	for (; *s; s++)
		fputc(*s >= 'a' && *s <= 'z' ? *s - 'a' + 'A' : *s, out);
}

void sk_opt_man(const struct sk_cmddef *cmd, FILE *out, const char *version)
{
	fputs(".TH STAMPKIT\\-", out);
	man_upper(out, cmd->name);
	fprintf(out, " 1 \"\" \"stampkit %s\" \"stampkit manual\"\n.SH NAME\nstampkit\\-%s \\- ",
		version, cmd->name);
	roff(out, cmd->summary, false);
	fprintf(out, "\n.SH SYNOPSIS\n.B stampkit %s\n", cmd->name);
	roff(out, cmd->synopsis, true);
	if (cmd->alias)
		fprintf(out, "\n.br\n(alias: \\fBstampkit %s\\fR)", cmd->alias);
	fputs("\n.SH DESCRIPTION\n", out);
	for (const char *p = cmd->description; p && *p;) {
		const char *e = strstr(p, "\n\n");
		size_t k = e ? (size_t)(e - p) : strlen(p);
		char para[2048];
		if (k >= sizeof para)
			k = sizeof para - 1;
		memcpy(para, p, k);
		para[k] = 0;
		roff(out, para, false);
		fputs("\n.PP\n", out);
		p += k;
		while (*p == '\n')
			p++;
	}
	fputs(".SH OPTIONS\n", out);
	for (size_t g = 0; cmd->groups && cmd->groups[g]; g++) {
		fputs(".SS ", out);
		roff(out, cmd->groups[g]->title, false);
		fputc('\n', out);
		for (size_t i = 0; cmd->groups[g]->opts[i]; i++) {
			const struct sk_optdef *d = cmd->groups[g]->opts[i];
			const char *arg = d->arg ? d->arg : d->kind == SK_OK_CHOICE ? d->choices : NULL;
			fputs(".TP\n", out);
			if (d->short_opt)
				fprintf(out, "\\fB\\-%c\\fR, ", d->short_opt);
			fputs("\\fB\\-\\-", out);
			roff(out, d->name, true);
			fputs("\\fR", out);
			if (arg) {
				fputs(" \\fI", out);
				roff(out, arg, false);
				fputs("\\fR", out);
			}
			char text[1024];
			help_text(d, text, sizeof text);
			fputc('\n', out);
			roff(out, text, false);
			fputc('\n', out);
		}
	}
	fputs(".TP\n\\fB\\-h\\fR, \\fB\\-\\-help\\fR\nthis text, then exit 0\n.SH EXIT STATUS\n", out);
	for (const struct sk_exitdef *e = cmd->exits; e && e->meaning; e++) {
		fprintf(out, ".TP\n.B %d\n", e->status);
		roff(out, e->meaning, false);
		fputc('\n', out);
	}
	fputs(".SH SEE ALSO\n", out);
	if (cmd->see_also) {
		roff(out, cmd->see_also, true);
		fputs(", ", out);
	}
	fputs("\\fBstampkit\\fR(1)\n", out);
}
