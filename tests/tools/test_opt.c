/* SPDX-License-Identifier: BSD-3-Clause */
/* test_opt.c - the option table: parsing, range/choice/repeat/conflict/operand checks, the
 * one-line errors with a suggestion, generated help and man pages, and, over every real
 * command, that each option is defined once (same name or letter = same definition). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "commands.h"
#include "opt.h"
#include "optgroups.h"

/* ---- a command of our own with one option of every kind ---- */

enum { T_FLAG = SK_O_LOCAL, T_INT, T_NEG, T_DBL, T_STR, T_CHOICE, T_LIST, T_A, T_B };
static const int a_conflicts[] = { T_B, 0 };
static const struct sk_optdef t_flag = { T_FLAG, "flag", 'f', SK_OK_FLAG, NULL, 0, 0, NULL,
					 false, NULL, "a flag", NULL };
static const struct sk_optdef t_int = { T_INT, "number", 'n', SK_OK_INT, "N", 1, 100, NULL,
					false, "10", "a number", NULL };
static const struct sk_optdef t_neg = { T_NEG, "offset", 0, SK_OK_INT, "N", -1, 5, NULL, false,
					NULL, "may be -1", NULL };
static const struct sk_optdef t_dbl = { T_DBL, "seconds", 0, SK_OK_DOUBLE, "S", 0, 60, NULL,
					false, NULL, "above zero", NULL, true };
static const struct sk_optdef t_str = { T_STR, "name", 0, SK_OK_STRING, "TEXT", 0, 0, NULL,
					false, NULL, "checked by the handler: 'bad' is refused",
					NULL };
static const struct sk_optdef t_choice = { T_CHOICE, "kind", 0, SK_OK_CHOICE, NULL, 0, 0,
					   "alpha|beta|gamma", false, "alpha", "a choice", NULL };
static const struct sk_optdef t_list = { T_LIST, "item", 'I', SK_OK_STRING, "X", 0, 0, NULL,
					 true, NULL, "repeatable", NULL };
static const struct sk_optdef t_a = { T_A, "aaa", 0, SK_OK_FLAG, NULL, 0, 0, NULL, false, NULL,
				      "conflicts with --bbb", a_conflicts };
static const struct sk_optdef t_b = { T_B, "bbb", 0, SK_OK_FLAG, NULL, 0, 0, NULL, false, NULL,
				      "see --aaa", NULL };
static const struct sk_optdef *const t_own[] = { &t_flag, &t_int, &t_neg, &t_dbl, &t_str,
						 &t_choice, &t_list, &t_a, &t_b, NULL };
static const struct sk_optgroup t_group = { "Test options", t_own };
static const struct sk_optgroup *const t_groups[] = { &t_group, &sk_group_log, NULL };
static const struct sk_exitdef t_exits[] = { { 0, "fine" }, { 2, "usage" }, { -1, NULL } };
static const struct sk_cmddef t_cmd = {
	"testcmd", NULL, "a command for the tests", "[options] FILE [FILE]",
	"A paragraph long enough to be wrapped at seventy-nine columns by the help generator, "
	"which must not cut words.\n\nA second paragraph.",
	t_groups, 1, 2, t_exits, NULL, NULL
};

struct seen {
	int flag, verbose;
	long long number, offset, kind;
	double seconds;
	const char *name;
	int items;
	int calls;
};

static int t_handle(void *ctx, const struct sk_optdef *def, const struct sk_optval *v, char *err,
		    size_t errlen)
{
	struct seen *s = ctx;
	s->calls++;
	switch (def->id) {
	case T_FLAG: s->flag++; break;
	case T_INT: s->number = v->i; break;
	case T_NEG: s->offset = v->i; break;
	case T_DBL: s->seconds = v->d; break;
	case T_CHOICE: s->kind = v->i; break;
	case T_LIST: s->items++; break;
	case SK_O_VERBOSE: s->verbose++; break;
	case T_STR:
		if (!strcmp(v->s, "bad")) {
			snprintf(err, errlen, "'bad' is not allowed");
			return -1;
		}
		s->name = v->s;
		break;
	default: break;
	}
	return 0;
}

/* Runs the parser on a NULL-terminated list of words; returns its status and what it wrote
 * to standard error (static buffer) and standard output. */
static char err_text[4096], out_text[16384];
static int nops;
static char **ops;

static void slurp(FILE *f, char *buf, size_t cap)
{
	fflush(f);
	rewind(f);
	size_t n = fread(buf, 1, cap - 1, f);
	buf[n] = 0;
}

static int parse(struct seen *s, ...)
{
	static char *argv[32]; /* the operands point into it after the call */
	int argc = 0;
	va_list ap;
	va_start(ap, s);
	argv[argc++] = (char *)"testcmd";
	for (char *w; (w = va_arg(ap, char *)) != NULL && argc < 31;)
		argv[argc++] = w;
	va_end(ap);
	argv[argc] = NULL;
	memset(s, 0, sizeof *s);
	FILE *ef = tmpfile(), *of = tmpfile();
	int saved_err = dup(2), saved_out = dup(1);
	fflush(stdout);
	fflush(stderr);
	dup2(fileno(ef), 2);
	dup2(fileno(of), 1);
	int r = sk_opt_parse(&t_cmd, argc, argv, t_handle, s, &ops, &nops);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_err, 2);
	dup2(saved_out, 1);
	close(saved_err);
	close(saved_out);
	slurp(ef, err_text, sizeof err_text);
	slurp(of, out_text, sizeof out_text);
	fclose(ef);
	fclose(of);
	return r;
}

static int lines(const char *t)
{
	int n = 0;
	for (; *t; t++)
		n += *t == '\n';
	return n;
}

/* A usage error is exactly two lines: "stampkit testcmd: ..." and the "Try" line. */
static void assert_usage_error(int r, const char *must_contain)
{
	assert_int_equal(r, SK_EXIT_USAGE);
	assert_int_equal(lines(err_text), 2);
	assert_true(!strncmp(err_text, "stampkit testcmd: ", 18));
	assert_non_null(strstr(err_text, "Try 'stampkit testcmd --help' for more information.\n"));
	if (must_contain && !strstr(err_text, must_contain))
		fail_msg("'%s' not in: %s", must_contain, err_text);
	assert_string_equal(out_text, "");
}

static void test_values(void **state)
{
	(void)state;
	struct seen s;
	int r = parse(&s, "-f", "--number", "42", "--offset", "-1", "--seconds", "0.25", "--name",
		      "x", "--kind", "gamma", "-I", "a", "--item", "b", "-v", "in.pcap", NULL);
	assert_int_equal(r, SK_OPT_CONTINUE);
	assert_int_equal(s.flag, 1);
	assert_int_equal(s.number, 42);
	assert_int_equal(s.offset, -1);
	assert_true(s.seconds == 0.25);
	assert_string_equal(s.name, "x");
	assert_int_equal(s.kind, 2);
	assert_int_equal(s.items, 2);
	assert_int_equal(s.verbose, 1);
	assert_int_equal(nops, 1);
	assert_string_equal(ops[0], "in.pcap");
	assert_true(sk_opt_given(T_INT));
	assert_false(sk_opt_given(T_A));
	/* operands before options work too (GNU argument permutation) */
	r = parse(&s, "a.pcap", "b.pcap", "-n", "5", NULL);
	assert_int_equal(r, SK_OPT_CONTINUE);
	assert_int_equal(nops, 2);
	assert_int_equal(s.number, 5);
}

static void test_errors(void **state)
{
	(void)state;
	struct seen s;
	assert_usage_error(parse(&s, "--numbr", "3", "f", NULL), "did you mean '--number'?");
	assert_usage_error(parse(&s, "--zzzzzz", "f", NULL), "unknown option '--zzzzzz'");
	/* no abbreviations: --num is not --number (it would hide options of other meanings) */
	assert_usage_error(parse(&s, "--num", "3", "f", NULL), "unknown option '--num'");
	assert_usage_error(parse(&s, "--verbos", "f", NULL), "did you mean '--verbose'?");
	/* a value that looks like an option is still a value */
	assert_int_equal(parse(&s, "--name", "--x", "f", NULL), SK_OPT_CONTINUE);
	assert_string_equal(s.name, "--x");
	assert_int_equal(parse(&s, "-I--y", "--name=--z", "f", NULL), SK_OPT_CONTINUE);
	assert_string_equal(s.name, "--z");
	assert_usage_error(parse(&s, "-x", "f", NULL), "unknown option '-x'");
	assert_usage_error(parse(&s, "--number", "101", "f", NULL), "1 to 100");
	assert_usage_error(parse(&s, "--number", "0", "f", NULL), "1 to 100");
	assert_usage_error(parse(&s, "--number", "-5", "f", NULL), "got '-5'");
	assert_usage_error(parse(&s, "--number", "7x", "f", NULL), "got '7x'");
	assert_usage_error(parse(&s, "--number", "99999999999999999999", "f", NULL), NULL);
	assert_usage_error(parse(&s, "--offset", "-2", "f", NULL), "-1 to 5");
	assert_usage_error(parse(&s, "--seconds", "0", "f", NULL), "above 0");
	assert_usage_error(parse(&s, "--seconds", "nan", "f", NULL), NULL);
	assert_usage_error(parse(&s, "--seconds", "1e999", "f", NULL), NULL);
	assert_usage_error(parse(&s, "--kind", "delta", "f", NULL), "alpha|beta|gamma");
	assert_usage_error(parse(&s, "--name", "bad", "f", NULL), "--name: 'bad' is not allowed");
	assert_usage_error(parse(&s, "-n", "1", "-n", "2", "f", NULL), "more than once");
	assert_usage_error(parse(&s, "--aaa", "--bbb", "f", NULL),
			   "--aaa and --bbb cannot be used together");
	assert_usage_error(parse(&s, "-q", "-d", "f", NULL), "cannot be used together");
	assert_usage_error(parse(&s, "--flag=1", "f", NULL), "takes no argument");
	assert_usage_error(parse(&s, "f", "--number", NULL), "needs an argument");
	assert_usage_error(parse(&s, NULL), "missing operand");
	assert_usage_error(parse(&s, "a", "b", "c", NULL), "unexpected operand 'c'");
	/* an option of another command is named as such, with the commands that take it */
	const char *other = NULL;
	for (size_t c = 0; sk_commands[c] && !other; c++) {
		const struct sk_optdef *all[SK_OPT_MAX];
		size_t n = sk_commands[c]->groups ? sk_opt_list(sk_commands[c], all, SK_OPT_MAX) : 0;
		for (size_t i = 0; i < n && !other; i++)
			if (all[i]->kind == SK_OK_FLAG && strcmp(all[i]->name, "quiet") &&
			    strcmp(all[i]->name, "verbose") && strcmp(all[i]->name, "debug"))
				other = all[i]->name;
	}
	if (other) {
		char word[80], want[120];
		snprintf(word, sizeof word, "--%s", other);
		snprintf(want, sizeof want, "'--%s' is not an option of this command (it is one of: ",
			 other);
		assert_usage_error(parse(&s, word, "f", NULL), want);
	}
	/* the handler is not called after an error in the value */
	parse(&s, "--number", "0", "f", NULL);
	assert_int_equal(s.calls, 0);
}

static void test_help(void **state)
{
	(void)state;
	struct seen s;
	assert_int_equal(parse(&s, "--help", NULL), SK_EXIT_OK);
	assert_string_equal(err_text, "");
	for (size_t i = 0; t_own[i]; i++) {
		char want[64];
		snprintf(want, sizeof want, "--%s", t_own[i]->name);
		const char *p = strstr(out_text, want);
		assert_non_null(p);
		/* documented once (the conflict note of --aaa names --bbb in prose: skip those) */
		if (strcmp(t_own[i]->name, "bbb") && strcmp(t_own[i]->name, "aaa")) {
			char again[66];
			snprintf(again, sizeof again, " --%s ", t_own[i]->name);
			p = strstr(out_text, again);
			if (p)
				assert_null(strstr(p + 1, again));
		}
	}
	assert_non_null(strstr(out_text, "(1..100, default 10)"));
	assert_non_null(strstr(out_text, "--kind alpha|beta|gamma"));
	assert_non_null(strstr(out_text, "Exit status:\n  0  fine\n  2  usage\n"));
	assert_non_null(strstr(out_text, "Logging options:"));
	for (const char *l = out_text; *l;) {
		size_t k = strcspn(l, "\n");
		assert_true(k <= 79);
		l += k + (l[k] == '\n');
	}
	/* -h too */
	assert_int_equal(parse(&s, "-h", NULL), SK_EXIT_OK);
	assert_non_null(strstr(out_text, "usage: stampkit testcmd [options] FILE [FILE]"));
}

static void test_man(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	sk_opt_man(&t_cmd, f, "9.9");
	fclose(f);
	assert_non_null(strstr(buf, ".TH STAMPKIT\\-TESTCMD 1"));
	assert_non_null(strstr(buf, ".SH NAME\nstampkit\\-testcmd \\- a command for the tests"));
	assert_non_null(strstr(buf, "\\fB\\-n\\fR, \\fB\\-\\-number\\fR \\fIN\\fR"));
	assert_non_null(strstr(buf, ".SH EXIT STATUS\n.TP\n.B 0\nfine\n"));
	assert_non_null(strstr(buf, ".SS Logging options"));
	free(buf);
}

static void test_suggest(void **state)
{
	(void)state;
	const char *names[] = { "sender", "responder", "reflector", "analyze", "decode" };
	assert_string_equal(sk_suggest("sendr", names, 5), "sender");
	assert_string_equal(sk_suggest("snedre", names, 5), "sender");
	assert_string_equal(sk_suggest("analyse", names, 5), "analyze");
	assert_null(sk_suggest("xyzzy", names, 5));
	assert_null(sk_suggest("d", names, 5));
}

/* Over every command: no option listed twice in one command; the same long name or short
 * letter is the same definition everywhere; each definition is documented; every command
 * on the table documents exit statuses 0 and 2. */
static void test_registry(void **state)
{
	(void)state;
	const struct sk_optdef *seen[512];
	size_t nseen = 0;
	for (size_t c = 0; sk_commands[c]; c++) {
		const struct sk_cmddef *cmd = sk_commands[c];
		assert_non_null(cmd->summary);
		assert_non_null(sk_command_find(cmd->name));
		if (!cmd->groups)
			continue; /* not on the option table yet */
		assert_non_null(cmd->description);
		int has0 = 0, has2 = 0;
		for (const struct sk_exitdef *e = cmd->exits; e && e->meaning; e++)
			has0 |= e->status == 0, has2 |= e->status == 2;
		if (!has0 || !has2)
			fail_msg("%s: exit statuses 0 and 2 must be documented", cmd->name);
		size_t listed = 0;
		for (size_t g = 0; cmd->groups[g]; g++)
			for (size_t i = 0; cmd->groups[g]->opts[i]; i++, listed++) {
				const struct sk_optdef *d = cmd->groups[g]->opts[i];
				if (!d->help || !d->help[0])
					fail_msg("--%s has no help", d->name);
				if (d->id <= 0 || d->id >= 1024)
					fail_msg("--%s: id %d out of range", d->name, d->id);
				if (!strcmp(d->name, "help") || d->short_opt == 'h')
					fail_msg("%s: --help/-h is every command's own", cmd->name);
				if (nseen < 512)
					seen[nseen++] = d;
			}
		const struct sk_optdef *all[SK_OPT_MAX];
		if (sk_opt_list(cmd, all, SK_OPT_MAX) != listed)
			fail_msg("%s lists an option twice", cmd->name);
		for (size_t i = 0; i < listed; i++)
			for (size_t k = i + 1; k < listed; k++)
				if (all[i]->id == all[k]->id)
					fail_msg("%s: --%s and --%s share id %d", cmd->name, all[i]->name,
						 all[k]->name, all[i]->id);
	}
	for (size_t i = 0; i < nseen; i++)
		for (size_t k = 0; k < nseen; k++) {
			if (seen[i] == seen[k])
				continue;
			if (!strcmp(seen[i]->name, seen[k]->name))
				fail_msg("--%s is defined twice with different meanings", seen[i]->name);
			if (seen[i]->short_opt && seen[i]->short_opt == seen[k]->short_opt)
				fail_msg("-%c is both --%s and --%s", seen[i]->short_opt, seen[i]->name,
					 seen[k]->name);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),   cmocka_unit_test(test_errors),
		cmocka_unit_test(test_help),     cmocka_unit_test(test_man),
		cmocka_unit_test(test_suggest),  cmocka_unit_test(test_registry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
