/* tools/cmd_text.c: `valle normalize`, `valle tag` and `valle phonemize`,
 * the text front-end (include/valle/text.h, docs/text.md). Text comes from
 * the arguments, else from stdin line by line; `phonemize` also reads a
 * column of a '|'-separated file (--from-csv) or every <name>.normalized.txt
 * under a directory. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "valle/core.h"
#include "valle/io.h"
#include "valle/text.h"

static int warned_utf8;
static void check_utf8(const char *s, size_t n, const char *where) {
    if (warned_utf8 || !vl_utf8_invalid_count(s, n)) return;
    warned_utf8 = 1;
    fprintf(stderr, "valle: warning: %s is not valid UTF-8; bad bytes are read as spaces\n", where);
}

/* The positional arguments joined by spaces, or NULL when there are none
 * (or just "-": read stdin). */
static char *join_args(int n, char **v) {
    if (n == 0 || (n == 1 && !strcmp(v[0], "-"))) return NULL;
    size_t len = 1;
    for (int i = 0; i < n; i++) len += strlen(v[i]) + 1;
    char *s = vl_xmalloc(len);
    s[0] = 0;
    for (int i = 0; i < n; i++) {
        if (i) strcat(s, " ");
        strcat(s, v[i]);
    }
    return s;
}

/* Calls fn on the joined arguments, or on every stdin line. */
typedef int (*line_fn)(void *ctx, const char *line);
static int for_each_input(int n, char **v, line_fn fn, void *ctx) {
    char *text = join_args(n, v);
    if (text) {
        check_utf8(text, strlen(text), "the text");
        int rc = fn(ctx, text);
        free(text);
        return rc;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int rc = 0;
    while (!rc && (len = getline(&line, &cap, stdin)) >= 0) {
        if (len && line[len - 1] == '\n') line[--len] = 0;
        check_utf8(line, (size_t)len, "stdin");
        rc = fn(ctx, line);
    }
    free(line);
    return rc;
}

/* ------------------------------------------------------------- normalize */

typedef struct norm_opts {
    bool split;
    int max_chars;
} norm_opts;

static int normalize_line(void *ctx, const char *line) {
    const norm_opts *o = ctx;
    char *out;
    int rc = vl_text_normalize(line, &out);
    if (rc < 0) return cli_fail_status(rc);
    if (!o->split) {
        puts(out);
    } else {
        char **s;
        int n;
        rc = vl_text_split_sentences(out, (size_t)o->max_chars, &s, &n);
        if (rc < 0) {
            free(out);
            return cli_fail_status(rc);
        }
        for (int i = 0; i < n; i++) {
            puts(s[i]);
            free(s[i]);
        }
        free(s);
    }
    free(out);
    return 0;
}

int cmd_normalize(int argc, char **argv) {
    norm_opts o = {false, 0};
    cli_opt opts[] = {
        {"split", CLI_FLAG, &o.split, NULL, "print one sentence per line"},
        {"max-chars", CLI_INT, &o.max_chars, "N", "with --split: cut longer sentences at pauses (0: no limit)"},
        {0}};
    int n;
    char **pos;
    int rc = cli_parse(argc, argv, opts, "valle normalize [--split] [TEXT... | -]",
                       "Normalise English text: numbers, ordinals, years, currency, dates, times, "
                       "abbreviations, acronyms, units, Roman numerals, URLs, e-mail addresses, "
                       "Unicode punctuation and accents become plain words. Without TEXT (or with "
                       "'-') each stdin line is normalised.", &n, &pos);
    if (rc) return rc == CLI_HELP ? 0 : 2;
    if (o.max_chars < 0) return cli_fail(2, "normalize: --max-chars must be >= 0");
    return for_each_input(n, pos, normalize_line, &o);
}

/* ------------------------------------------------------------------- tag */

static int tag_line(void *ctx, const char *line) {
    bool raw = *(bool *)ctx;
    char *norm = NULL;
    if (!raw) vl_text_normalize(line, &norm);
    vl_tokens t;
    int rc = vl_text_tag(norm ? norm : line, &t);
    if (rc < 0) {
        free(norm);
        return cli_fail_status(rc);
    }
    char *s = vl_tokens_format(&t);
    puts(s);
    free(s);
    vl_tokens_free(&t);
    free(norm);
    return 0;
}

int cmd_tag(int argc, char **argv) {
    bool raw = false;
    cli_opt opts[] = {{"no-normalize", CLI_FLAG, &raw, NULL, "tag the text as it is"}, {0}};
    int n;
    char **pos;
    int rc = cli_parse(argc, argv, opts, "valle tag [--no-normalize] [TEXT... | -]",
                       "Print the token stream of (normalised) text: words and named punctuation, "
                       "'Hello, how are you?' -> 'Hello | comma | how | are | you | question_mark'.",
                       &n, &pos);
    if (rc) return rc == CLI_HELP ? 0 : 2;
    return for_each_input(n, pos, tag_line, &raw);
}

/* ------------------------------------------------------------- phonemize */

typedef struct ph {
    vl_g2p *g;          /* ARPAbet G2P, or NULL for espeak IPA */
    const char *lang;
    long lines, failed;
} ph;

static int phonemize(ph *p, const char *text, char **out) {
    p->lines++;
    return p->g ? vl_g2p_phonemize(p->g, text, out) : vl_espeak_ipa(p->lang, text, out);
}

/* A text that fails (espeak-ng dying on it) is reported and gives an empty
 * line, so the output stays line for line; the exit code is then 1. */
static void report(ph *p, const char *where, long lineno, int rc) {
    fprintf(stderr, "valle: %s:%ld: %s: %s\n", where, lineno, vl_strerror(rc), vl_last_error());
    p->failed++;
}

static int phonemize_line(void *ctx, const char *line) {
    ph *p = ctx;
    char *out;
    int rc = phonemize(p, line, &out);
    if (rc < 0) {
        report(p, "input", p->lines, rc);
        out = NULL;
    }
    puts(out ? out : "");
    free(out);
    return 0;
}

/* --from-csv: column `col` (1-based) of every '|'-separated line; prints
 * "<first column>|<phones>". */
static int phonemize_csv(ph *p, const char *path, int col) {
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f) return cli_fail(1, "%s: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long lineno = 0;
    int rc;
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
        if (!len) continue;
        char *field = line, *id_end = strchr(line, '|');
        for (int c = 1; c < col && field; c++) {
            field = strchr(field, '|');
            if (field) field++;
        }
        if (!field) {
            fprintf(stderr, "valle: %s:%ld: no column %d\n", path, lineno, col);
            p->failed++;
            continue;
        }
        char *fe = strchr(field, '|');
        if (fe) *fe = 0;
        check_utf8(field, strlen(field), path);
        char *out;
        rc = phonemize(p, field, &out);
        if (rc < 0) {
            report(p, path, lineno, rc);
            out = NULL;
        }
        printf("%.*s|%s\n", (int)(id_end ? id_end - line : len), line, out ? out : "");
        free(out);
    }
    free(line);
    if (f != stdin) fclose(f);
    return 0;
}

typedef struct paths {
    char **v;
    size_t n, cap;
} paths;

static bool ends_with(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a > b && !strcmp(s + a - b, suffix);
}

/* Every file under dir whose name ends with suffix (symlinks not followed). */
static void walk(const char *dir, const char *suffix, paths *out, int depth) {
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "valle: %s: %s\n", dir, strerror(errno));
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        char *path = vl_xmalloc(len);
        snprintf(path, len, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode) && depth < 64) {
            walk(path, suffix, out, depth + 1);
            free(path);
        } else if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) && ends_with(e->d_name, suffix)) {
            if (out->n == out->cap) {
                out->cap = out->cap ? 2 * out->cap : 64;
                out->v = vl_xrealloc(out->v, out->cap * sizeof *out->v);
            }
            out->v[out->n++] = path;
        } else {
            free(path);
        }
    }
    closedir(d);
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* DIR mode: <name>.phn.txt beside every <name><suffix>, written atomically,
 * existing ones skipped unless overwrite. */
static int phonemize_dir(ph *p, const char *dir, const char *suffix, bool overwrite,
                         bool quiet, long *written, long *skipped) {
    paths ps = {0};
    walk(dir, suffix, &ps, 0);
    qsort(ps.v, ps.n, sizeof *ps.v, cmp_str);
    int rc = 0;
    for (size_t i = 0; i < ps.n; i++) {
        const char *in = ps.v[i];
        size_t base = strlen(in) - strlen(suffix);
        char *out_path = vl_xmalloc(base + 9);
        memcpy(out_path, in, base);
        strcpy(out_path + base, ".phn.txt");
        if (!overwrite && access(out_path, F_OK) == 0) {
            (*skipped)++;
            free(out_path);
            continue;
        }
        size_t len;
        char *text = NULL, *phones = NULL;
        int r = vl_read_file(in, &text, &len);
        if (r == VL_OK) {
            if (memchr(text, 0, len)) r = vl_error(VL_ERR_FORMAT, "%s: binary data (a NUL byte)", in);
            else check_utf8(text, len, in);
        }
        if (r == VL_OK) r = phonemize(p, text, &phones);
        vl_atomic_file af;
        if (r == VL_OK) r = vl_atomic_open(&af, out_path);
        if (r == VL_OK) {
            fputs(phones, af.f);
            fputc('\n', af.f);
            r = vl_atomic_commit(&af);
        }
        if (r < 0) {
            fprintf(stderr, "valle: %s: %s\n", vl_strerror(r), vl_last_error());
            p->failed++;
            rc = 1;
        } else {
            (*written)++;
            if (!quiet && (*written) % 1000 == 0) fprintf(stderr, "phonemize: %ld files\n", *written);
        }
        free(text);
        free(phones);
        free(out_path);
    }
    for (size_t i = 0; i < ps.n; i++) free(ps.v[i]);
    free(ps.v);
    return rc;
}

static void print_stats(const ph *p, double secs) {
    if (!p->g) {
        fprintf(stderr, "phonemize: %ld texts (espeak IPA, %s) in %.2f s\n", p->lines, p->lang, secs);
        return;
    }
    const vl_g2p_stats *s = vl_g2p_get_stats(p->g);
    double w = s->words ? 100.0 / (double)s->words : 0;
    fprintf(stderr,
            "phonemize: %ld texts, %ld words in %.2f s: %ld dictionary (%.2f%%), %ld homograph "
            "(%.2f%%), %ld derived (%.2f%%), %ld OOV model (%.2f%%, %ld distinct words), "
            "%ld spelled (%.2f%%)\n",
            p->lines, s->words, secs, s->dict, s->dict * w, s->homographs, s->homographs * w,
            s->derived, s->derived * w, s->oov, s->oov * w, s->oov_distinct, s->spelled,
            s->spelled * w);
}

int cmd_phonemize(int argc, char **argv) {
    const char *g2p = "cmudict", *lang = "en-us", *oov = NULL, *dict = NULL, *csv = NULL;
    const char *suffix = ".normalized.txt";
    int column = 3;
    bool raw = false, overwrite = false, quiet = false, stats = false, list = false;
    cli_opt opts[] = {
        {"g2p", CLI_STR, &g2p, "NAME", "cmudict (ARPAbet: dictionary, homographs, OOV model) | espeak (IPA)"},
        {"lang", CLI_STR, &lang, "CODE", "espeak-ng language for --g2p espeak (see --list-langs)"},
        {"oov", CLI_STR, &oov, "NAME", "words not in the dictionary: neural | espeak | spell (default: neural, else espeak, else spell)"},
        {"dict", CLI_STR, &dict, "FILE", "pronunciation dictionary (CMUdict format, may be gzipped) "
                                        "instead of the built-in CMUdict"},
        {"no-normalize", CLI_FLAG, &raw, NULL, "the text is already normalised"},
        {"from-csv", CLI_STR, &csv, "FILE", "phonemize one column of a '|'-separated file; prints 'id|phones'"},
        {"column", CLI_INT, &column, "N", "with --from-csv: the column (1-based; LJSpeech: 3 = normalised)"},
        {"suffix", CLI_STR, &suffix, "S", "DIR mode: the input files' suffix"},
        {"overwrite", CLI_FLAG, &overwrite, NULL, "DIR mode: rewrite existing .phn.txt files"},
        {"stats", CLI_FLAG, &stats, NULL, "print word counts per source and the time to stderr"},
        {"quiet", CLI_FLAG, &quiet, NULL, "no statistics (DIR and --from-csv modes print them)"},
        {"list-langs", CLI_FLAG, &list, NULL, "list espeak-ng's languages and exit"},
        {0}};
    int n;
    char **pos;
    int rc = cli_parse(argc, argv, opts,
                       "valle phonemize [options] [TEXT... | DIR... | -]",
                       "Text to phones. --g2p cmudict (default): ARPAbet with stress as the reference "
                       "VALL-E repo's .phn.txt files ('hello, world.' -> 'HH AH0 L OW1 _ _ _ W ER1 L D "
                       "_ _'). --g2p espeak: espeak-ng's IPA for --lang. TEXT is phonemized and "
                       "printed; a DIR gets <name>.phn.txt beside every <name>.normalized.txt; "
                       "without arguments (or '-') every stdin line is phonemized.",
                       &n, &pos);
    if (rc) return rc == CLI_HELP ? 0 : 2;
    if (list) {
        char *s;
        rc = vl_espeak_list_languages(&s);
        if (rc < 0) return cli_fail_status(rc);
        fputs(s, stdout);
        free(s);
        return 0;
    }
    bool espeak = !strcmp(g2p, "espeak");
    if (!espeak && strcmp(g2p, "cmudict"))
        return cli_fail(2, "phonemize: unknown --g2p '%s' (expected cmudict or espeak)", g2p);
    if (column < 1) return cli_fail(2, "phonemize: --column must be >= 1");
    if (!*suffix) return cli_fail(2, "phonemize: --suffix must not be empty");
    if (espeak && (dict || oov))
        return cli_fail(2, "phonemize: --dict and --oov are for --g2p cmudict");
    ph p = {NULL, lang, 0, 0};
    if (!espeak) {
        vl_g2p_options go = {dict, oov, raw};
        rc = vl_g2p_open(&p.g, &go);
        if (rc < 0) return rc == VL_ERR_ARG ? cli_fail(2, "phonemize: %s", vl_last_error())
                                            : cli_fail_status(rc);
    } else {
        char *probe;  /* check the language once, before any output */
        rc = vl_espeak_ipa(lang, "", &probe);
        if (rc < 0) return rc == VL_ERR_ARG ? cli_fail(2, "phonemize: %s", vl_last_error())
                                            : cli_fail_status(rc);
        free(probe);
    }
    double t0 = vl_seconds();
    bool show = stats;
    if (csv) {
        if (n) rc = cli_fail(2, "phonemize: --from-csv takes no TEXT or DIR");
        else rc = phonemize_csv(&p, csv, column);
        show |= !quiet && rc == 0;
    } else {
        struct stat st;
        bool dirs = n > 0 && stat(pos[0], &st) == 0 && S_ISDIR(st.st_mode);
        if (dirs) {
            long written = 0, skipped = 0;
            for (int i = 0; i < n; i++) {
                if (stat(pos[i], &st) != 0 || !S_ISDIR(st.st_mode)) {
                    rc = cli_fail(2, "phonemize: '%s' is not a directory (give only directories, or only text)", pos[i]);
                    break;
                }
                rc |= phonemize_dir(&p, pos[i], suffix, overwrite, quiet, &written, &skipped);
            }
            if (!quiet)
                fprintf(stderr, "phonemize: %ld written, %ld skipped (exist), %ld failed\n",
                        written, skipped, p.failed);
            show |= !quiet;
        } else {
            rc = for_each_input(n, pos, phonemize_line, &p);
        }
    }
    if (show) print_stats(&p, vl_seconds() - t0);
    vl_g2p_close(p.g);
    if (!rc && p.failed) rc = 1;
    return rc;
}
