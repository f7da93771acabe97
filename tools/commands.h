/* tools/commands.h: entry points of the valle subcommands. Each takes the
 * arguments after `valle` (argv[0] is the subcommand name) and returns the
 * process exit code: 0 ok, 1 runtime failure, 2 usage error. */
#ifndef VALLE_COMMANDS_H
#define VALLE_COMMANDS_H

int cmd_mlp(int argc, char **argv);
int cmd_demo(int argc, char **argv);

#endif
