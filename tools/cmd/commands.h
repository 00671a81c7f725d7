/* SPDX-License-Identifier: BSD-3-Clause */
/* commands.h - the subcommands of the stampkit command. Each cmd_X.c defines its
 * struct sk_cmddef sk_cmd_X (options, help, exit statuses, main) and parses its options
 * into an X_opts that X_run() in live/ or capture/ carries out; commands.c lists them. */
#ifndef STAMPKIT_TOOLS_COMMANDS_H
#define STAMPKIT_TOOLS_COMMANDS_H

#include "opt.h"

extern const struct sk_cmddef sk_cmd_decode, sk_cmd_analyze, sk_cmd_sender, sk_cmd_responder,
	sk_cmd_replay, sk_cmd_server, sk_cmd_controller, sk_cmd_controlclient, sk_cmd_dscptable,
	sk_cmd_monitor;

#endif
