/* SPDX-License-Identifier: BSD-3-Clause */
/* opt.h - one declarative option table for every stampkit command (tcpreplay's option
 * definitions, done in C): each option is defined once with its name, short letter,
 * argument, range, conflicts, help line and group. The parser, the range checks, `--help`
 * and the man pages are all generated from these tables, so an option can never be
 * accepted without being documented, documented twice, or silently ignored.
 *
 * An option used by several commands (--count, --json, --tos, -v, ...) is ONE object in
 * core/optgroups.c; whole groups that several commands share (IP, logging) are there too.
 * A command's own options are defined in its cmd/cmd_X.c. A group is a list of pointers
 * to definitions, so a command's group may list shared options next to its own. A command
 * lists the groups it accepts. The same long name or short letter always means the same
 * option: the test tools.test_opt walks every command and fails when two different
 * definitions share a name or a letter. */
#ifndef STAMPKIT_TOOLS_OPT_H
#define STAMPKIT_TOOLS_OPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Exit statuses, the same for every command (each command's help says which it uses). */
enum {
	SK_EXIT_OK = 0,      /* success */
	SK_EXIT_FAIL = 1,    /* run-time failure: unreadable input, network error, no reply */
	SK_EXIT_USAGE = 2,   /* usage or configuration error (bad option, bad value, key file) */
	SK_EXIT_DAMAGED = 3  /* input damaged: truncated capture, malformed test packets */
};

enum sk_opt_kind {
	SK_OK_FLAG,   /* no argument; given twice is an error */
	SK_OK_COUNT,  /* no argument; may be repeated (-v -v); the value is the count so far */
	SK_OK_INT,    /* decimal integer in [min, max] (checked: no sign unless min < 0, no junk) */
	SK_OK_DOUBLE, /* decimal with an optional fraction in [min, max], finite */
	SK_OK_STRING, /* any text; the command's handler checks it */
	SK_OK_CHOICE  /* one of `choices` ("a|b|c"); value.i is its index */
};

struct sk_optdef {
	int id;              /* the handler's identifier: SK_O_* for shared options (optgroups.h),
			      * SK_O_LOCAL and up for a command's own */
	const char *name;    /* long name without "--" */
	char short_opt;      /* 0 for none */
	enum sk_opt_kind kind;
	const char *arg;     /* argument name in help ("N", "FILE"); NULL for flags */
	double min, max;     /* SK_OK_INT / SK_OK_DOUBLE range (inclusive) */
	const char *choices; /* SK_OK_CHOICE: "stamp|twamp-light" */
	bool repeat;         /* may be given more than once (lists, -v); else twice is an error */
	const char *def;     /* default shown in help ("100"), or NULL */
	const char *help;    /* one sentence or more; wrapped by the help generator */
	const int *conflicts; /* ids that cannot be given together with this one; 0-terminated */
	bool above_min;      /* SK_OK_DOUBLE: the value must be > min (not >=) */
};

struct sk_optgroup {
	const char *title;   /* "IP options" */
	const struct sk_optdef *const *opts; /* NULL-terminated */
};

/* One line of the EXIT STATUS section. */
struct sk_exitdef {
	int status;
	const char *meaning;
};

struct sk_cmdopts; /* forward */

struct sk_cmddef {
	const char *name;         /* "sender" */
	const char *alias;        /* "reflector" for responder, or NULL */
	const char *summary;      /* one line, for `stampkit --help` and NAME in the man page */
	const char *synopsis;     /* "[options] [REMOTE [LOCAL]]" */
	const char *description;  /* paragraphs separated by "\n\n" */
	const struct sk_optgroup *const *groups; /* NULL-terminated */
	int min_operands, max_operands;          /* max -1: unbounded */
	const struct sk_exitdef *exits;          /* terminated by { -1, NULL } */
	const char *see_also;     /* "stampkit-responder(1), stampkit-analyze(1)" or NULL */
	int (*main)(int argc, char **argv);      /* the command: parse, then X_run() */
};

/* The value handed to a command's handler. */
struct sk_optval {
	const char *s; /* the argument as given (NULL for flags) */
	long long i;   /* SK_OK_INT value, SK_OK_CHOICE index, SK_OK_COUNT count so far */
	double d;      /* SK_OK_DOUBLE value */
};

/* A command's handler for one option it accepted. Returns 0, or -1 after writing a short
 * reason into err ("expected a DSCP name or 0..63"): the parser then prints
 * "stampkit CMD: --NAME: REASON" and the "Try" line, and returns SK_EXIT_USAGE. */
typedef int (*sk_opt_handler)(void *ctx, const struct sk_optdef *def, const struct sk_optval *v,
			      char *err, size_t errlen);

enum { SK_OPT_CONTINUE = -1 };

/* Parses argv (argv[0] is the command name) against the command's groups.
 * Returns SK_OPT_CONTINUE with *operands / *noperands set to the operands (in order) when
 * the command should run; otherwise the exit status to return right away: SK_EXIT_OK after
 * --help was printed to standard output, SK_EXIT_USAGE after an error was printed to
 * standard error as one line "stampkit CMD: ..." (with a did-you-mean suggestion for a
 * mistyped option) plus "Try 'stampkit CMD --help' for more information.".
 * Checks: unknown options, missing or unexpected arguments, ranges, choices, repeats,
 * conflicts, and the operand count. -h/--help is accepted by every command. */
int sk_opt_parse(const struct sk_cmddef *cmd, int argc, char **argv, sk_opt_handler h,
		 void *ctx, char ***operands, int *noperands);

/* A usage error found after parsing (a combination the table cannot express): prints
 * "stampkit CMD: MESSAGE" and the "Try" line to standard error; returns SK_EXIT_USAGE. */
int sk_opt_usage_error(const struct sk_cmddef *cmd, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

/* Was option `id` given in the last sk_opt_parse of this process? */
bool sk_opt_given(int id);

/* Generated documentation: `--help` text and a man page (troff, man(7) macros). */
void sk_opt_help(const struct sk_cmddef *cmd, FILE *out);
void sk_opt_man(const struct sk_cmddef *cmd, FILE *out, const char *version);
/* Every option a command accepts, in help order (NULL-terminated; at most SK_OPT_MAX). */
#define SK_OPT_MAX 96
size_t sk_opt_list(const struct sk_cmddef *cmd, const struct sk_optdef **out, size_t cap);

/* Every command, for main.c, `stampkit help CMD`, `stampkit man CMD` and the tests.
 * NULL-terminated; defined in cmd/commands.c. */
extern const struct sk_cmddef *const sk_commands[];
const struct sk_cmddef *sk_command_find(const char *name);
/* The closest known name within a small edit distance of `name`, or NULL. */
const char *sk_suggest(const char *name, const char *const *candidates, size_t n);

#endif
