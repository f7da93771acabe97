/* bench/bench_g2p.c: quality and speed of the OOV G2P model on CMUdict words
 * it has not seen: the words of FULL (the built-in dictionary,
 * data/cmudict/cmudict.dict.gz) missing from TRAIN (the training subset,
 * ../shared/data/g2p/cmudict-train.dict), i.e. the held-out part the neural
 * G2P is evaluated on too. The hypothesis is compared with the word's first
 * pronunciation: WER (word wrong), PER (phone edit distance / reference
 * phones), with and without stress digits, and "any" (WER against the
 * closest variant). With --train it also reports the training words the
 * espeak mapping was fitted on. --oov neural scores the neural G2P
 * ($VALLE_G2P_MODEL or the shipped models/g2p/g2p.safetensors).
 *
 * Usage: bench_g2p FULL.dict[.gz] TRAIN.dict [--oov espeak|spell|neural] [--train]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "valle/core.h"
#include "valle/g2p.h"
#include "valle/text.h"

typedef struct entry {
    char *word;
    char *prons[4];
    int n;
} entry;

typedef struct dict {
    entry *e;
    int n, cap;
} dict;

static entry *last_word(dict *d, const char *w) {
    return d->n && !strcmp(d->e[d->n - 1].word, w) ? &d->e[d->n - 1] : NULL;
}

/* Words in file order; variants "w(2)" follow their word in CMUdict. */
static int load(const char *path, dict *d) {
    gzFile f = gzopen(path, "rb");
    if (!f) {
        fprintf(stderr, "bench_g2p: cannot open %s\n", path);
        return -1;
    }
    char line[1024];
    while (gzgets(f, line, sizeof line)) {
        char *hash = strchr(line, '#');
        if (hash) *hash = 0;
        char *w = strtok(line, " \t\r\n");
        if (!w) continue;
        char *par = strchr(w, '(');
        if (par) *par = 0;
        char pron[1024] = "";
        for (char *p; (p = strtok(NULL, " \t\r\n"));) {
            if (*pron) strcat(pron, " ");
            strncat(pron, p, sizeof pron - strlen(pron) - 2);
        }
        entry *e = last_word(d, w);
        if (!e) {
            if (d->n == d->cap) {
                d->cap = d->cap ? 2 * d->cap : 1024;
                d->e = realloc(d->e, (size_t)d->cap * sizeof *d->e);
            }
            e = &d->e[d->n++];
            memset(e, 0, sizeof *e);
            e->word = strdup(w);
        }
        if (e->n < 4) e->prons[e->n++] = strdup(pron);
    }
    gzclose(f);
    return 0;
}

static int cmp_word(const void *a, const void *b) {
    return strcmp(((const entry *)a)->word, ((const entry *)b)->word);
}

static int split(const char *s, char tok[][4], int max, int strip) {
    int n = 0;
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", s);
    for (char *p = strtok(buf, " "); p && n < max; p = strtok(NULL, " ")) {
        snprintf(tok[n], 4, "%s", p);
        size_t len = strlen(tok[n]);
        if (strip && len && tok[n][len - 1] >= '0' && tok[n][len - 1] <= '2') tok[n][len - 1] = 0;
        n++;
    }
    return n;
}

static int edit(const char *hyp, const char *ref, int strip, int *ref_len) {
    char a[64][4], b[64][4];
    int n = split(hyp, a, 64, strip), m = split(ref, b, 64, strip);
    int d[65][65];
    for (int i = 0; i <= n; i++) d[i][0] = i;
    for (int j = 0; j <= m; j++) d[0][j] = j;
    for (int i = 1; i <= n; i++)
        for (int j = 1; j <= m; j++) {
            int c = d[i - 1][j - 1] + (strcmp(a[i - 1], b[j - 1]) != 0);
            if (d[i - 1][j] + 1 < c) c = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < c) c = d[i][j - 1] + 1;
            d[i][j] = c;
        }
    *ref_len = m;
    return d[n][m];
}

static int letters_only(const char *w) {
    for (; *w; w++)
        if (!((*w >= 'a' && *w <= 'z') || *w == '\'')) return 0;
    return 1;
}

static void evaluate(const char *what, dict *words, vl_g2p_oov *oov) {
    long n = 0, wrong = 0, wrong_ns = 0, wrong_any = 0, errs = 0, errs_ns = 0, phones = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < words->n; i++) {
        entry *e = &words->e[i];
        char hyp[512];
        int rc = oov->word(oov->state, e->word, hyp, sizeof hyp);
        if (rc < 0) hyp[0] = 0;
        int len, d = edit(hyp, e->prons[0], 0, &len), dn = edit(hyp, e->prons[0], 1, &len);
        int any = 0;
        for (int k = 0; k < e->n; k++) any |= edit(hyp, e->prons[k], 0, &len) == 0;
        edit(hyp, e->prons[0], 0, &len);
        n++;
        phones += len;
        errs += d, errs_ns += dn;
        wrong += d > 0, wrong_ns += dn > 0, wrong_any += !any;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    printf("| %s | %s | %ld | %.1f%% | %.1f%% | %.1f%% | %.1f%% | %.1f%% | %.0f |\n", oov->name, what, n,
           100.0 * wrong / n, 100.0 * errs / phones, 100.0 * wrong_ns / n, 100.0 * errs_ns / phones,
           100.0 * wrong_any / n, 1e6 * s / n);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: bench_g2p FULL.dict[.gz] TRAIN.dict [--oov espeak|spell|neural] [--train]\n");
        return 2;
    }
    const char *oov_name = "espeak";
    int train = 0;
    for (int i = 3; i < argc; i++) {
        if (!strcmp(argv[i], "--oov") && i + 1 < argc) oov_name = argv[++i];
        else if (!strcmp(argv[i], "--train")) train = 1;
    }
    dict full = {0}, tr = {0}, held = {0}, seen = {0};
    if (load(argv[1], &full) || load(argv[2], &tr)) return 1;
    qsort(tr.e, (size_t)tr.n, sizeof *tr.e, cmp_word);
    long skipped = 0;
    for (int i = 0; i < full.n; i++) {
        entry *e = &full.e[i];
        if (!letters_only(e->word)) {
            skipped++;
            continue;
        }
        dict *to = bsearch(e, tr.e, (size_t)tr.n, sizeof *tr.e, cmp_word) ? &seen : &held;
        if (to->n == to->cap) {
            to->cap = to->cap ? 2 * to->cap : 1024;
            to->e = realloc(to->e, (size_t)to->cap * sizeof *to->e);
        }
        to->e[to->n++] = *e;
    }
    vl_g2p_oov oov;
    vl_g2p *g = NULL;
    if (!strcmp(oov_name, "spell")) {
        vl_g2p_options o = {argv[1], "spell", 1};
        if (vl_g2p_open(&g, &o) < 0) return 1;
        vl_g2p_oov_spell(g, &oov);
    } else if (!strcmp(oov_name, "neural")) {
        vl_neural_g2p *ng;
        if (vl_neural_g2p_load(NULL, &ng) < 0) {
            fprintf(stderr, "bench_g2p: %s\n", vl_last_error());
            return 1;
        }
        oov = (vl_g2p_oov){"neural", ng, vl_neural_g2p_word, vl_neural_g2p_free};
    } else if (vl_g2p_oov_espeak(&oov) < 0) {
        fprintf(stderr, "bench_g2p: %s\n", vl_last_error());
        return 1;
    }
    printf("%d words in %s, %d in %s; %d held out, %ld skipped (not [a-z'])\n\n", full.n, argv[1],
           tr.n, argv[2], held.n, skipped);
    printf("| model | words | n | WER | PER | WER no stress | PER no stress | WER any variant | us/word |\n");
    printf("|---|---|---|---|---|---|---|---|---|\n");
    evaluate("held-out", &held, &oov);
    if (train) evaluate("train", &seen, &oov);
    if (oov.free) oov.free(oov.state);
    vl_g2p_close(g);
    return 0;
}
