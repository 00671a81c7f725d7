/* SPDX-License-Identifier: BSD-3-Clause */
/* main.c - the stampkit command: dispatch to subcommands, git-style. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "stampkit/stampkit.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "decode", cmd_decode, "print every TWAMP/STAMP packet of a capture as a tree or JSON" },
	{ "analyze", cmd_analyze, "per-session latency, jitter, loss, duplicates and reordering from captures" },
	{ "sender", cmd_sender, "send STAMP or TWAMP-light test packets and report delay, jitter, loss" },
	{ "responder", cmd_responder, "reflect STAMP or TWAMP-light test packets (alias: reflector)" },
	{ "reflector", cmd_responder, NULL },
	{ "replay", cmd_replay, "replay the test packets of a capture against a reflector, re-stamped, and measure its answers" },
	{ "server", cmd_server, "TWAMP server: TWAMP-Control on TCP 862 and a reflector per session" },
	{ "controller", cmd_controller, "TWAMP control client and sender: set up sessions, send, print results" },
	{ "controlclient", cmd_controlclient, "TWAMP control client only: sessions for an external sender" },
	{ "dscptable", cmd_dscptable, "print the DSCP names, values and TOS octets" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: stampkit [--version] [--help] <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (commands[i].summary)
			fprintf(out, "  %-14s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'stampkit <command> --help' describes a command.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("stampkit %s\n", STAMPKIT_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "stampkit: '%s' is not a stampkit command\n\n", argv[1]);
	usage(stderr);
	return 2;
}
