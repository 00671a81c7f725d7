/* SPDX-License-Identifier: BSD-3-Clause */
/* commands.h - the subcommands of the stampkit command, one file each. */
#ifndef STAMPKIT_TOOLS_COMMANDS_H
#define STAMPKIT_TOOLS_COMMANDS_H

/* Each returns the process exit status. argv[0] is the subcommand name. */
int cmd_decode(int argc, char **argv);
int cmd_analyze(int argc, char **argv);
int cmd_sender(int argc, char **argv);
int cmd_responder(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_dscptable(int argc, char **argv);
int cmd_server(int argc, char **argv);
int cmd_controller(int argc, char **argv);
int cmd_controlclient(int argc, char **argv);

#endif
