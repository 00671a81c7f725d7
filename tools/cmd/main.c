/* SPDX-License-Identifier: BSD-3-Clause */
/* main.c - the stampkit command: dispatch to subcommands, git-style; `stampkit help CMD`
 * and `stampkit man CMD` from the same option tables as each command's --help. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "log.h"
#include "opt.h"
#include "stampkit/stampkit.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: stampkit [--version] [--help] <command> [options]\n\ncommands:\n");
	for (size_t i = 0; sk_commands[i]; i++)
		fprintf(out, "  %-14s %s\n", sk_commands[i]->name, sk_commands[i]->summary);
	fprintf(out, "\nother:\n"
		     "  %-14s the same as 'stampkit CMD --help'\n"
		     "  %-14s the manual page of CMD (troff; 'stampkit man CMD | man -l -')\n"
		     "\nExit status: 0 success; 1 run-time failure; 2 usage or configuration error;\n"
		     "3 damaged input (each command's --help says which it uses).\n",
		"help CMD", "man [CMD]");
}

static int unknown_command(const char *name)
{
	const char *names[32];
	size_t n = 0;
	for (size_t i = 0; sk_commands[i] && n + 2 < 32; i++) {
		names[n++] = sk_commands[i]->name;
		if (sk_commands[i]->alias)
			names[n++] = sk_commands[i]->alias;
	}
	const char *s = sk_suggest(name, names, n);
	if (s)
		fprintf(stderr, "stampkit: '%s' is not a stampkit command; did you mean '%s'?\n", name,
			s);
	else
		fprintf(stderr, "stampkit: '%s' is not a stampkit command\n", name);
	fprintf(stderr, "Try 'stampkit --help' for more information.\n");
	return SK_EXIT_USAGE;
}

/* The top-level page, stampkit(1). */
static void man_top(FILE *out)
{
	fprintf(out, ".TH STAMPKIT 1 \"\" \"stampkit %s\" \"stampkit manual\"\n.SH NAME\n"
		     "stampkit \\- TWAMP and STAMP measurement toolkit\n.SH SYNOPSIS\n"
		     ".B stampkit\n\\fICOMMAND\\fR [\\fIoptions\\fR]\n.SH COMMANDS\n",
		STAMPKIT_VERSION);
	for (size_t i = 0; sk_commands[i]; i++)
		fprintf(out, ".TP\n\\fBstampkit\\-%s\\fR(1)\n%s\n", sk_commands[i]->name,
			sk_commands[i]->summary);
	fputs(".SH EXIT STATUS\n0 success; 1 run-time failure; 2 usage or configuration error; "
	      "3 damaged input.\n", out);
}

static int write_page(const char *dir, const struct sk_cmddef *c)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/stampkit%s%s.1", dir, c ? "-" : "", c ? c->name : "");
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "stampkit man: cannot write %s: %s\n", path, strerror(errno));
		return SK_EXIT_FAIL;
	}
	if (c)
		sk_opt_man(c, f, STAMPKIT_VERSION);
	else
		man_top(f);
	return fclose(f) ? SK_EXIT_FAIL : SK_EXIT_OK;
}

/* stampkit man [CMD | --all DIR] */
static int cmd_man(int argc, char **argv)
{
	if (argc == 1) {
		man_top(stdout);
		return SK_EXIT_OK;
	}
	if (argc == 3 && !strcmp(argv[1], "--all")) {
		int st = write_page(argv[2], NULL);
		for (size_t i = 0; sk_commands[i] && !st; i++)
			st = write_page(argv[2], sk_commands[i]);
		return st;
	}
	const struct sk_cmddef *c = argc == 2 ? sk_command_find(argv[1]) : NULL;
	if (!c) {
		if (argc == 2)
			return unknown_command(argv[1]);
		fprintf(stderr, "stampkit man: usage: stampkit man [CMD | --all DIR]\n");
		return SK_EXIT_USAGE;
	}
	sk_opt_man(c, stdout, STAMPKIT_VERSION);
	return SK_EXIT_OK;
}

static int run(const struct sk_cmddef *c, int argc, char **argv)
{
	sk_log_command(c->name);
	return c->main(argc, argv);
}

int main(int argc, char **argv)
{
	/* Diagnostics appear as they happen even when standard error is a file. */
	setvbuf(stderr, NULL, _IOLBF, 0);
	if (argc < 2) {
		usage(stderr);
		return SK_EXIT_USAGE;
	}
	const char *a = argv[1];
	if (!strcmp(a, "--help") || !strcmp(a, "-h") || (!strcmp(a, "help") && argc == 2)) {
		usage(stdout);
		return SK_EXIT_OK;
	}
	if (!strcmp(a, "--version") || !strcmp(a, "-V")) {
		printf("stampkit %s\n", STAMPKIT_VERSION);
		return SK_EXIT_OK;
	}
	if (!strcmp(a, "help")) {
		const struct sk_cmddef *c = sk_command_find(argv[2]);
		if (!c)
			return unknown_command(argv[2]);
		char *hv[] = { argv[2], (char *)"--help", NULL };
		return run(c, 2, hv);
	}
	if (!strcmp(a, "man"))
		return cmd_man(argc - 1, argv + 1);
	if (a[0] == '-') {
		fprintf(stderr, "stampkit: unknown option '%s'\nTry 'stampkit --help' for more "
				"information.\n", a);
		return SK_EXIT_USAGE;
	}
	const struct sk_cmddef *c = sk_command_find(a);
	if (!c)
		return unknown_command(a);
	return run(c, argc - 1, argv + 1);
}
