/* tools/cli.c: option parsing and help output for the valle subcommands. */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "valle/core.h"

int cli_fail(int code, const char *fmt, ...) {
    va_list ap;
    fputs("valle: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}

int cli_fail_status(int status) {
    fprintf(stderr, "valle: %s: %s\n", vl_strerror(status), vl_last_error());
    return 1;
}

const cli_opt *cli_find(const cli_opt *opts, const char *name) {
    for (const cli_opt *o = opts; o->name; o++)
        if (!strcmp(o->name, name)) return o;
    return NULL;
}

void cli_print_help(const cli_opt *opts, const char *usage,
                    const char *description) {
    printf("usage: %s\n\n%s\n\noptions:\n", usage, description);
    for (const cli_opt *o = opts; o->name; o++) {
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", o->name, o->metavar ? " " : "",
                 o->metavar ? o->metavar : "");
        printf("  %-26s %s", left, o->help);
        switch (o->type) {
        case CLI_INT: printf(" (default %d)", *(int *)o->dst); break;
        case CLI_LONG: printf(" (default %lld)", *(long long *)o->dst); break;
        case CLI_FLOAT: printf(" (default %g)", *(float *)o->dst); break;
        case CLI_STR:
            if (*(const char **)o->dst) printf(" (default %s)", *(const char **)o->dst);
            break;
        case CLI_FLAG: break;
        }
        putchar('\n');
    }
    printf("  %-26s %s\n", "-h, --help", "show this help");
}

static int set_value(const cli_opt *o, const char *v) {
    char *end;
    errno = 0;
    switch (o->type) {
    case CLI_INT: {
        long x = strtol(v, &end, 10);
        if (!*v || *end || errno || x < INT_MIN || x > INT_MAX)
            return cli_fail(CLI_ERROR, "--%s: '%s' is not an integer", o->name, v);
        *(int *)o->dst = (int)x;
        break;
    }
    case CLI_LONG: {
        long long x = strtoll(v, &end, 10);
        if (!*v || *end || errno)
            return cli_fail(CLI_ERROR, "--%s: '%s' is not an integer", o->name, v);
        *(long long *)o->dst = x;
        break;
    }
    case CLI_FLOAT: {
        float x = strtof(v, &end);
        if (!*v || *end || errno || !isfinite(x))
            return cli_fail(CLI_ERROR, "--%s: '%s' is not a finite number", o->name, v);
        *(float *)o->dst = x;
        break;
    }
    case CLI_STR: *(const char **)o->dst = v; break;
    case CLI_FLAG: break;
    }
    return 0;
}

int cli_parse(int argc, char **argv, cli_opt *opts, const char *usage,
              const char *description, int *n_pos, char ***pos) {
    int np = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            cli_print_help(opts, usage, description);
            return CLI_HELP;
        }
        if (a[0] != '-' || !a[1] || (a[1] >= '0' && a[1] <= '9')) {
            if (!pos) return cli_fail(CLI_ERROR, "unexpected argument '%s' (see --help)", a);
            argv[1 + np++] = argv[i];  /* compact positionals in place */
            continue;
        }
        const char *name = a + (a[1] == '-' ? 2 : 1);
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        cli_opt *o = NULL;
        for (cli_opt *q = opts; q->name; q++)
            if (strlen(q->name) == len && !strncmp(q->name, name, len)) o = q;
        if (!o) return cli_fail(CLI_ERROR, "unknown option '%s' (see --help)", a);
        if (o->type == CLI_FLAG) {
            if (eq) return cli_fail(CLI_ERROR, "--%s takes no value", o->name);
            *(bool *)o->dst = true;
            continue;
        }
        const char *v = eq ? eq + 1 : NULL;
        if (!v) {
            if (i + 1 >= argc) return cli_fail(CLI_ERROR, "--%s needs a value", o->name);
            v = argv[++i];
        }
        int rc = set_value(o, v);
        if (rc) return rc;
    }
    if (n_pos) *n_pos = np;
    if (pos) *pos = argv + 1;
    return 0;
}

int cli_parse_int_list(const char *s, int *out, int max) {
    int n = 0;
    const char *p = s;
    if (!*p) return 0;
    for (;;) {
        char *end;
        errno = 0;
        long x = strtol(p, &end, 10);
        if (end == p || errno || x <= 0 || x > INT_MAX || n >= max) return -1;
        out[n++] = (int)x;
        if (*end == '\0') return n;
        if (*end != ',') return -1;
        p = end + 1;
    }
}
