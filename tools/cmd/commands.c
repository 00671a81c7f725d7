/* SPDX-License-Identifier: BSD-3-Clause */
/* commands.c - the list of stampkit's commands (main.c, `stampkit help`, the man pages and
 * the tests walk it), and the lookup by name or alias. */
#include <stddef.h>
#include <string.h>

#include "commands.h"

/* ---- commands still parsing their own options (each moves to its cmd_X.c) ---- */
static const struct sk_exitdef legacy_exits[] = { { -1, NULL } };
#define LEGACY(var, nm, al, sum, fn) \
	const struct sk_cmddef var = { nm, al, sum, "[options]", NULL, NULL, 0, -1, legacy_exits, \
				       NULL, fn }
LEGACY(sk_cmd_sender, "sender", NULL,
       "send STAMP or TWAMP-light test packets and report delay, jitter, loss", cmd_sender);
LEGACY(sk_cmd_responder, "responder", "reflector",
       "reflect STAMP or TWAMP-light test packets", cmd_responder);
LEGACY(sk_cmd_server, "server", NULL,
       "TWAMP server: TWAMP-Control on TCP 862 and a reflector per session", cmd_server);
LEGACY(sk_cmd_controller, "controller", NULL,
       "TWAMP control client and sender: set up sessions, send, print results", cmd_controller);
LEGACY(sk_cmd_controlclient, "controlclient", NULL,
       "TWAMP control client only: sessions for an external sender", cmd_controlclient);
/* ---- end of the commands still parsing their own options ---- */

const struct sk_cmddef *const sk_commands[] = {
	&sk_cmd_sender, &sk_cmd_responder, &sk_cmd_controller, &sk_cmd_controlclient,
	&sk_cmd_server, &sk_cmd_analyze, &sk_cmd_replay, &sk_cmd_decode, &sk_cmd_dscptable, NULL,
};

const struct sk_cmddef *sk_command_find(const char *name)
{
	for (size_t i = 0; sk_commands[i]; i++)
		if (!strcmp(name, sk_commands[i]->name) ||
		    (sk_commands[i]->alias && !strcmp(name, sk_commands[i]->alias)))
			return sk_commands[i];
	return NULL;
}
