/* tools/cmd_plot.c: `valle plot LOGDIR|LOGFILE KEY...`: training curves
 * from the trainer's JSON-lines log (LOGDIR/log.jsonl) as a PNG line chart
 * (src/io/plot.c). A KEY written `name.key` takes only the lines whose
 * "name" is `name` (e.g. val.nll); lines that are not JSON objects or lack
 * the x key or a numeric value are skipped and counted. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "cli.h"
#include "commands.h"
#include "valle/core.h"
#include "valle/io.h"
#include "valle/plot.h"

#define PLOT_MAX_LINE (1 << 20)   /* longer lines are skipped, not parsed */

typedef struct series_buf {
    const char *spec;       /* as given: "loss" or "val.nll" */
    char *name, *key;       /* name filter (NULL: any) and value key */
    double *x, *y;
    int n, cap;
} series_buf;

static void push(series_buf *s, double x, double y) {
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 256;
        s->x = vl_xrealloc(s->x, (size_t)s->cap * sizeof *s->x);
        s->y = vl_xrealloc(s->y, (size_t)s->cap * sizeof *s->y);
    }
    s->x[s->n] = x, s->y[s->n] = y;
    s->n++;
}

static const vl_json *number_member(const vl_json *obj, const char *key) {
    const vl_json *v = vl_json_get(obj, key);
    return v && v->type == VL_JSON_NUMBER ? v : NULL;
}

/* The value of series s in a log line, if it has one. */
static const vl_json *value_of(const series_buf *s, const vl_json *obj) {
    const vl_json *v = number_member(obj, s->spec);   /* a literal "a.b" key */
    if (v || !s->name) return v;
    const char *name = vl_json_string(obj, "name", NULL);
    return name && !strcmp(name, s->name) ? number_member(obj, s->key) : NULL;
}

/* Trailing moving average over `win` points, in place. */
static void smooth(double *y, int n, int win) {
    if (win <= 1 || n < 2) return;
    double *out = vl_xmalloc((size_t)n * sizeof *out), sum = 0;
    for (int i = 0; i < n; i++) {
        sum += y[i];
        if (i >= win) sum -= y[i - win];
        out[i] = sum / (i + 1 < win ? i + 1 : win);
    }
    memcpy(y, out, (size_t)n * sizeof *out);
    free(out);
}

static bool is_dir(const char *path) {
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* "DIR/name"; malloc'ed. */
static char *join(const char *dir, size_t dir_len, const char *name) {
    char *p = vl_xmalloc(dir_len + strlen(name) + 2);
    sprintf(p, "%.*s/%s", (int)dir_len, dir, name);
    return p;
}

int cmd_plot(int argc, char **argv) {
    const char *out = NULL, *xkey = "global_step";
    int win = 1, width = 960, height = 540;
    cli_opt opts[] = {
        {"o", CLI_STR, &out, "OUT.png", "output picture (default: LOGDIR/plot.png)"},
        {"x", CLI_STR, &xkey, "KEY", "the x axis"},
        {"smooth", CLI_INT, &win, "N", "moving average over N points (1: none)"},
        {"width", CLI_INT, &width, "PX", "picture width"},
        {"height", CLI_INT, &height, "PX", "picture height"},
        {0}};
    int n_pos;
    char **pos;
    int rc = cli_parse(argc, argv, opts,
                       "valle plot LOGDIR|LOGFILE KEY... [-o OUT.png] [--x global_step] [--smooth N]",
                       "Draw training curves from a JSON-lines log (LOGDIR/log.jsonl, one object "
                       "per line) as a PNG line chart: one line per KEY against --x. 'name.key' "
                       "(e.g. val.nll) takes only lines whose \"name\" is name. Lines that are "
                       "not JSON or lack the keys are skipped.", &n_pos, &pos);
    if (rc) return rc == CLI_HELP ? 0 : 2;
    if (n_pos < 2) return cli_fail(2, "plot: need a log (directory or file) and at least one KEY");
    if (n_pos - 1 > VL_PLOT_MAX_SERIES)
        return cli_fail(2, "plot: %d keys; at most %d can be drawn", n_pos - 1, VL_PLOT_MAX_SERIES);
    if (win < 1 || win > 1000000) return cli_fail(2, "plot: --smooth must be in 1..1000000");
    if (width < 200 || height < 120 || width > 8192 || height > 8192)
        return cli_fail(2, "plot: --width/--height must be within 200x120 .. 8192x8192");

    const char *log = pos[0];
    char *log_path, *out_path;
    if (is_dir(log)) {
        log_path = join(log, strlen(log), "log.jsonl");
        out_path = out ? vl_xstrdup(out) : join(log, strlen(log), "plot.png");
    } else {
        log_path = vl_xstrdup(log);
        const char *slash = strrchr(log, '/');
        out_path = out ? vl_xstrdup(out)
                       : slash ? join(log, (size_t)(slash - log), "plot.png")
                               : vl_xstrdup("plot.png");
    }

    int ns = n_pos - 1;
    series_buf *sb = calloc((size_t)ns, sizeof *sb);
    if (!sb) return cli_fail(1, "plot: out of memory");
    for (int i = 0; i < ns; i++) {
        sb[i].spec = pos[i + 1];
        const char *dot = strchr(pos[i + 1], '.');
        if (dot && dot != pos[i + 1] && dot[1]) {
            sb[i].name = vl_xstrdup(pos[i + 1]);
            sb[i].name[dot - pos[i + 1]] = 0;
            sb[i].key = vl_xstrdup(dot + 1);
        }
    }

    rc = 0;
    FILE *f = fopen(log_path, "rb");
    if (!f) {
        rc = cli_fail(1, "plot: %s: %s", log_path, strerror(errno));
        goto done;
    }
    long n_lines = 0, not_json = 0, no_x = 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) >= 0) {
        n_lines++;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
        if (!len) continue;
        vl_json *j = len <= PLOT_MAX_LINE ? vl_json_parse(line, (size_t)len) : NULL;
        if (!j || j->type != VL_JSON_OBJECT) {
            not_json++;
            vl_json_free(j);
            continue;
        }
        const vl_json *x = number_member(j, xkey);
        if (!x) no_x++;
        for (int i = 0; x && i < ns; i++) {
            const vl_json *v = value_of(&sb[i], j);
            if (v) push(&sb[i], x->number, v->number);
        }
        vl_json_free(j);
    }
    free(line);
    bool read_error = ferror(f);
    fclose(f);
    if (read_error) {
        rc = cli_fail(1, "plot: %s: read failed", log_path);
        goto done;
    }

    vl_plot_series series[VL_PLOT_MAX_SERIES];
    int drawn = 0;
    long points = 0;
    for (int i = 0; i < ns; i++) {
        if (!sb[i].n) {
            fprintf(stderr, "valle: plot: warning: no line of %s has a number '%s'\n",
                    log_path, sb[i].spec);
            continue;
        }
        smooth(sb[i].y, sb[i].n, win);
        series[drawn++] = (vl_plot_series){sb[i].spec, sb[i].x, sb[i].y, sb[i].n};
        points += sb[i].n;
    }
    if (!drawn) {
        rc = cli_fail(1, "plot: %s: nothing to plot (%ld lines, %ld not JSON objects, "
                      "%ld without a number '%s')", log_path, n_lines, not_json, no_x, xkey);
        goto done;
    }
    vl_plot_opts po = {width, height, xkey};
    int st = vl_plot_png(out_path, series, drawn, &po);
    if (st < 0) {
        rc = cli_fail_status(st);
        goto done;
    }
    printf("wrote %s: %ld points in %d series", out_path, points, drawn);
    if (not_json || no_x)
        printf(" (skipped %ld lines that are not JSON objects, %ld without '%s')",
               not_json, no_x, xkey);
    printf("\n");
done:
    for (int i = 0; i < ns; i++) {
        free(sb[i].name), free(sb[i].key), free(sb[i].x), free(sb[i].y);
    }
    free(sb);
    free(log_path);
    free(out_path);
    return rc;
}
