/* SPDX-License-Identifier: BSD-3-Clause */
/* commands.c - the list of stampkit's commands (main.c, `stampkit help`, the man pages and
 * the tests walk it), and the lookup by name or alias. */
#include <stddef.h>
#include <string.h>

#include "commands.h"

const struct sk_cmddef *const sk_commands[] = {
	&sk_cmd_sender, &sk_cmd_responder, &sk_cmd_controller, &sk_cmd_controlclient,
	&sk_cmd_server, &sk_cmd_monitor, &sk_cmd_analyze, &sk_cmd_replay, &sk_cmd_decode, &sk_cmd_dscptable, NULL,
};

const struct sk_cmddef *sk_command_find(const char *name)
{
	for (size_t i = 0; sk_commands[i]; i++)
		if (!strcmp(name, sk_commands[i]->name) ||
		    (sk_commands[i]->alias && !strcmp(name, sk_commands[i]->alias)))
			return sk_commands[i];
	return NULL;
}
