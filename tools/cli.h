/* tools/cli.h: table-driven option parsing shared by every subcommand.
 * Accepts `--name value`, `--name=value`, and `-name value` (word2vec.c
 * style), `-h`/`--help`. Unknown options and bad values are errors (exit 2).
 *
 * Usage:
 *   int epochs = 100; const char *data = NULL;
 *   cli_opt opts[] = {
 *       {"data", CLI_STR, &data, "FILE", "training CSV (required)"},
 *       {"epochs", CLI_INT, &epochs, "N", "epochs"},
 *       {0}};
 *   int rc = cli_parse(argc, argv, opts, "valle mlp train", "Train ...");
 *   if (rc) return rc == CLI_HELP ? 0 : 2;
 */
#ifndef VALLE_CLI_H
#define VALLE_CLI_H

#include <stdbool.h>

typedef enum { CLI_INT, CLI_FLOAT, CLI_STR, CLI_FLAG, CLI_LONG } cli_type;

typedef struct cli_opt {
    const char *name;      /* long name without dashes */
    cli_type type;
    void *dst;             /* int*, float*, const char**, bool*, long long* */
    const char *metavar;   /* shown in help ("N", "FILE") */
    const char *help;
} cli_opt;

#define CLI_HELP 1
#define CLI_ERROR 2

/* Parses argv[1..]; positional arguments are stored in *pos (may be NULL if
 * none are accepted). Prints help to stdout or errors to stderr. */
int cli_parse(int argc, char **argv, cli_opt *opts, const char *usage,
              const char *description, int *n_pos, char ***pos);
void cli_print_help(const cli_opt *opts, const char *usage,
                    const char *description);
const cli_opt *cli_find(const cli_opt *opts, const char *name);
/* Parses "64,64,32" into at most `max` ints; returns the count or -1. */
int cli_parse_int_list(const char *s, int *out, int max);
/* Prints "valle: <msg>" to stderr; returns `code`. */
int cli_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints "valle: <status name>: <last error message>" for a failed library
 * call's status; returns 1 (the runtime-failure exit code). */
int cli_fail_status(int status);

#endif
