/* src/train/valle_data.c: opens the VALL-E data set as the reference does
 * (enhuiz/vall-e data.py): finds the codes files, reads their phone files,
 * applies the phone-count filters, drops speakers with one utterance,
 * splits each speaker's utterances into training and validation, builds
 * the phone and speaker maps, loads and checks every file's codes, and
 * lays out the sampler's per-speaker lists and the evaluation orders. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "valle/codec.h"
#include "valle/valle_data.h"
#include "valle_data_internal.h"

#define WORD_SEPARATOR "_"
#define BOS "<s>"
#define EOS "</s>"

/* One codes file found by the scan, before it becomes an utterance. */
typedef struct found_file {
    char *path;
    char *stem;
    char *spkr;
    char **syms;      /* phone file symbols (without <s>, </s>) */
    int n_syms;
    bool kept;
    bool train;
} found_file;

vl_valle_data_opts vl_valle_data_opts_default(void) {
    vl_valle_data_opts o;
    memset(&o, 0, sizeof o);
    o.spkr_path_component = -2;
    o.min_phones = 10;
    o.max_phones = 50;
    o.p_additional_prompt = 0.8f;
    o.max_prompts = 3;
    o.max_num_val = 20;
    o.train_fraction = 0.95f;
    o.split_seed = 0;
    return o;
}

static int check_opts(const vl_valle_data_opts *o) {
    if (!o->dirs || o->n_dirs < 1) return vl_error(VL_ERR_ARG, "valle data: no data folder given");
    if (o->spkr_path_component >= 0 || o->spkr_path_component < -64)
        return vl_error(VL_ERR_ARG,
                        "valle data: spkr_path_component %d must be in -64..-1 (-1: the file "
                        "name, -2: its folder, ...)", o->spkr_path_component);
    if (o->min_phones < 0 || o->max_phones < o->min_phones)
        return vl_error(VL_ERR_ARG, "valle data: need 0 <= min_phones (%d) <= max_phones (%d)",
                        o->min_phones, o->max_phones);
    if (!(o->p_additional_prompt >= 0 && o->p_additional_prompt <= 1))
        return vl_error(VL_ERR_ARG, "valle data: p_additional_prompt must be in [0, 1]");
    if (o->max_prompts < 1 || o->max_prompts > 1000)
        return vl_error(VL_ERR_ARG, "valle data: max_prompts %d must be in 1..1000",
                        o->max_prompts);
    if (o->max_num_val < 0) return vl_error(VL_ERR_ARG, "valle data: max_num_val is negative");
    if (!(o->train_fraction > 0 && o->train_fraction <= 1))
        return vl_error(VL_ERR_ARG, "valle data: train_fraction must be in (0, 1]");
    if (o->levels < 0 || o->levels > VL_CODEC_MAX_LEVELS)
        return vl_error(VL_ERR_ARG, "valle data: levels %d must be in 0..%d", o->levels,
                        VL_CODEC_MAX_LEVELS);
    return VL_OK;
}

/* The path without everything from the first '.' of its file name. */
static char *stem_of(const char *path) {
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strchr(base, '.');
    size_t n = dot ? (size_t)(dot - path) : strlen(path);
    char *s = vl_xmalloc(n + 1);
    memcpy(s, path, n);
    s[n] = 0;
    return s;
}

/* Path component `which` counted from the end (-1: file name), or NULL
 * with an error when the path has too few components. */
static char *path_component(const char *path, int which) {
    int want = -which;   /* 1-based from the end */
    const char *end = path + strlen(path);
    while (end > path && end[-1] == '/') end--;
    for (int k = 1;; k++) {
        const char *start = end;
        while (start > path && start[-1] != '/') start--;
        if (start == end) break;   /* no component left */
        if (k == want) {
            char *s = vl_xmalloc((size_t)(end - start) + 1);
            memcpy(s, start, (size_t)(end - start));
            s[end - start] = 0;
            return s;
        }
        end = start;
        while (end > path && end[-1] == '/') end--;
    }
    vl_error(VL_ERR_FORMAT, "%s: has fewer than %d path components (spkr_path_component %d)",
             path, want, which);
    return NULL;
}

static int cmp_found_path(const void *a, const void *b) {
    return vl_path_cmp(((const found_file *)a)->path, ((const found_file *)b)->path);
}

static const found_file *sort_files;   /* for cmp_by_spkr (qsort has no context) */
static int cmp_by_spkr(const void *a, const void *b) {
    const found_file *x = &sort_files[*(const int *)a], *y = &sort_files[*(const int *)b];
    int c = strcmp(x->spkr, y->spkr);
    return c ? c : vl_path_cmp(x->path, y->path);
}

static void free_found(found_file *f, int n) {
    for (int i = 0; i < n; i++) {
        free(f[i].path);
        free(f[i].stem);
        free(f[i].spkr);
        for (int k = 0; k < f[i].n_syms; k++) free(f[i].syms[k]);
        free(f[i].syms);
    }
    free(f);
}

static bool only_separators(const found_file *f) {
    if (!f->n_syms) return false;
    for (int k = 0; k < f->n_syms; k++)
        if (strcmp(f->syms[k], WORD_SEPARATOR)) return false;
    return true;
}

/* round(fraction * n) with Python's round half to even. The float option
 * is taken at its shortest decimal value (0.95f -> 0.95) first, so that
 * 10 x 0.95 = 9.5 rounds to 10 as the reference's does. */
static int train_count(float fraction, int n) {
    double f = nearbyint((double)fraction * 1e7) / 1e7;
    return (int)nearbyint(f * n);
}

/* Phone ids of an utterance: <s>, the symbols, </s>. */
static int map_phones(const vl_symmap *map, const found_file *f, bool map_given, int **out) {
    int n = f->n_syms + 2;
    int *ids = vl_xmalloc((size_t)n * sizeof *ids);
    for (int k = 0; k < n; k++) {
        const char *s = k == 0 ? BOS : k == n - 1 ? EOS : f->syms[k - 1];
        ids[k] = vl_symmap_find(map, s);
        if (ids[k] < 0) {
            free(ids);
            return vl_error(VL_ERR_FORMAT, "%s.phn.txt: phone \"%s\" is not in the phone map%s",
                            f->stem, s,
                            map_given ? "" : " (built from the training utterances)");
        }
    }
    *out = ids;
    return VL_OK;
}

/* Loads the codes of f into u (frame-major), checking levels and vocab. */
static int load_codes(vl_valle_utt *u, const found_file *f, int *levels, const int *vocab) {
    vl_codes q;
    int rc = vl_codes_load_npy(&q, f->path);
    if (rc < 0) return rc;
    if (*levels && q.levels != *levels) {
        int got = q.levels;
        vl_codes_free(&q);
        return vl_error(VL_ERR_FORMAT, "%s: %d code levels, expected %d like the other files",
                        f->path, got, *levels);
    }
    if (q.frames > INT32_MAX / q.levels) {
        long long frames = q.frames;
        vl_codes_free(&q);
        return vl_error(VL_ERR_FORMAT, "%s: %lld frames is too long", f->path, frames);
    }
    *levels = q.levels;
    int T = (int)q.frames, L = q.levels;
    u->frames = T;
    u->levels = L;
    u->codes = vl_xmalloc((size_t)T * L * sizeof *u->codes);
    for (int l = 0; l < L; l++)
        for (int t = 0; t < T; t++) {
            int32_t v = q.data[(size_t)l * T + t];
            if (v < 0 || (vocab && v >= vocab[l])) {
                vl_codes_free(&q);
                if (v < 0)
                    return vl_error(VL_ERR_FORMAT, "%s: level %d frame %d: negative code %d",
                                    f->path, l, t, v);
                return vl_error(VL_ERR_FORMAT,
                                "%s: level %d frame %d: code %d outside the codec's "
                                "vocabulary of %d", f->path, l, t, v, vocab[l]);
            }
            u->codes[(size_t)t * L + l] = v;
        }
    vl_codes_free(&q);
    return VL_OK;
}

/* Round-robin over speakers of the per-speaker lists, the first max. */
static void interleave(int **by_spkr, const int *n_by_spkr, int n_spkrs, int max, int **out,
                       int *n_out) {
    int total = 0, longest = 0;
    for (int s = 0; s < n_spkrs; s++) {
        total += n_by_spkr[s];
        if (n_by_spkr[s] > longest) longest = n_by_spkr[s];
    }
    if (total > max) total = max;
    *out = vl_xmalloc((size_t)(total ? total : 1) * sizeof **out);
    *n_out = 0;
    for (int k = 0; k < longest && *n_out < total; k++)
        for (int s = 0; s < n_spkrs && *n_out < total; s++)
            if (k < n_by_spkr[s]) (*out)[(*n_out)++] = by_spkr[s][k];
}

/* Scans, reads the phone files and applies the filters; the kept files
 * (sorted by path) get kept = true. Counts removed files per filter. */
static int find_files(const vl_valle_data_opts *o, found_file **out, int *n_out,
                      int removed[4]) {
    char **paths = NULL;
    int n = 0, cap = 0, rc = VL_OK;
    for (int i = 0; i < o->n_dirs && rc == VL_OK; i++) {
        if (!o->quiet) fprintf(stderr, "valle data: scanning %s\n", o->dirs[i]);
        rc = vl_valle_scan_codes(o->dirs[i], &paths, &n, &cap);
    }
    found_file *f = vl_xcalloc((size_t)(n ? n : 1), sizeof *f);
    for (int i = 0; i < n; i++) f[i].path = paths[i];
    free(paths);
    *out = f;
    *n_out = n;
    if (rc < 0) return rc;
    if (!n) {
        return vl_error(VL_ERR_FORMAT, "valle data: no *.qnt.npy file found in %s%s",
                        o->dirs[0], o->n_dirs > 1 ? " and the other folders" : "");
    }
    qsort(f, (size_t)n, sizeof *f, cmp_found_path);
    for (int i = 0; i < n; i++) {
        f[i].stem = stem_of(f[i].path);
        if (i && !strcmp(f[i].stem, f[i - 1].stem))
            return vl_error(VL_ERR_FORMAT, "valle data: %s and %s have the same stem %s",
                            f[i - 1].path, f[i].path, f[i].stem);
        if (!(f[i].spkr = path_component(f[i].path, o->spkr_path_component)))
            return VL_ERR_FORMAT;
        size_t len = strlen(f[i].stem) + sizeof ".phn.txt";
        char *phn = vl_xmalloc(len);
        snprintf(phn, len, "%s.phn.txt", f[i].stem);
        rc = vl_phone_file_read(phn, &f[i].syms, &f[i].n_syms);
        free(phn);
        if (rc < 0) return rc;
        int n_phones = f[i].n_syms + 2;
        if (n_phones < o->min_phones) removed[0]++;
        else if (n_phones > o->max_phones) removed[1]++;
        else if (only_separators(&f[i])) removed[2]++;
        else f[i].kept = true;
    }
    /* speakers with a single usable utterance */
    int *order = vl_xmalloc((size_t)n * sizeof *order);
    int m = 0;
    for (int i = 0; i < n; i++)
        if (f[i].kept) order[m++] = i;
    sort_files = f;
    qsort(order, (size_t)m, sizeof *order, cmp_by_spkr);
    for (int a = 0, b; a < m; a = b) {
        for (b = a + 1; b < m && !strcmp(f[order[a]].spkr, f[order[b]].spkr); b++) {}
        if (b - a == 1) {
            f[order[a]].kept = false;
            removed[3]++;
        } else {
            /* the split: sorted, shuffled with the fixed seed, first part train */
            vl_rng rng;
            vl_rng_seed(&rng, o->split_seed);
            vl_rng_shuffle_int(&rng, order + a, b - a);
            int n_train = train_count(o->train_fraction, b - a);
            if (n_train < 1) n_train = 1;   /* every speaker must be in the map */
            for (int k = a; k < a + n_train; k++) f[order[k]].train = true;
        }
    }
    free(order);
    return VL_OK;
}

static void print_summary(const vl_valle_data *d, int n_found, const int removed[4]) {
    long long frames = 0;
    for (int i = 0; i < d->n_utts; i++) frames += d->utts[i].frames;
    fprintf(stderr,
            "valle data: %d codes files; removed %d with too few phones, %d with too many, "
            "%d with only \"%s\", %d of speakers with one utterance\n",
            n_found, removed[0], removed[1], removed[2], WORD_SEPARATOR, removed[3]);
    fprintf(stderr,
            "valle data: %d utterances (%d train, %d val), %d speakers, %d phones, "
            "%lld frames of %d code levels\n",
            d->n_utts, d->n_train, d->n_val, d->spkrs.n, d->phones.n, frames, d->levels);
}

static int build(vl_valle_data *d, const vl_valle_data_opts *o, found_file *f, int n_found,
                 const int removed[4]) {
    int n = 0, n_train = 0;
    for (int i = 0; i < n_found; i++) {
        n += f[i].kept;
        n_train += f[i].kept && f[i].train;
    }
    if (!n)
        return vl_error(VL_ERR_FORMAT,
                        "valle data: no usable utterance among %d codes files: %d have fewer "
                        "than %d phones, %d more than %d, %d only \"%s\", %d are their "
                        "speaker's only utterance", n_found, removed[0], o->min_phones,
                        removed[1], o->max_phones, removed[2], WORD_SEPARATOR, removed[3]);
    /* maps from the training utterances */
    const char **names = vl_xmalloc((size_t)n_train * sizeof *names);
    int k = 0, n_syms = 2;
    for (int i = 0; i < n_found; i++)
        if (f[i].kept && f[i].train) {
            names[k++] = f[i].spkr;
            n_syms += f[i].n_syms;
        }
    vl_symmap_build(&d->spkrs, names, k, 0);
    free(names);
    if (o->phones) {
        d->phones.base = o->phones->base;
        d->phones.n = o->phones->n;
        d->phones.names = vl_xmalloc((size_t)(o->phones->n ? o->phones->n : 1) * sizeof(char *));
        for (int i = 0; i < o->phones->n; i++)
            d->phones.names[i] = vl_xstrdup(o->phones->names[i]);
    } else {
        const char **syms = vl_xmalloc((size_t)n_syms * sizeof *syms);
        int m = 0;
        syms[m++] = BOS;
        syms[m++] = EOS;
        for (int i = 0; i < n_found; i++)
            if (f[i].kept && f[i].train)
                for (int j = 0; j < f[i].n_syms; j++) syms[m++] = f[i].syms[j];
        vl_symmap_build(&d->phones, syms, m, 1);
        free(syms);
    }
    /* utterances, in path order */
    d->utts = vl_xcalloc((size_t)n, sizeof *d->utts);
    d->train = vl_xmalloc((size_t)n * sizeof *d->train);
    d->val = vl_xmalloc((size_t)n * sizeof *d->val);
    d->levels = o->levels;
    for (int i = 0; i < n_found; i++) {
        if (!f[i].kept) continue;
        vl_valle_utt *u = &d->utts[d->n_utts];
        u->stem = f[i].stem;
        f[i].stem = NULL;
        u->spkr_name = f[i].spkr;
        f[i].spkr = NULL;
        u->spkr = vl_symmap_find(&d->spkrs, u->spkr_name);
        VL_ASSERT(u->spkr >= 0, "every speaker has a training utterance");
        d->n_utts++;
        int rc = map_phones(&d->phones, &f[i], o->phones != NULL, &u->phones);
        if (rc < 0) return rc;
        u->n_phones = f[i].n_syms + 2;
        if ((rc = load_codes(u, &f[i], &d->levels, o->vocab)) < 0) return rc;
        if (f[i].train) d->train[d->n_train++] = d->n_utts - 1;
        else d->val[d->n_val++] = d->n_utts - 1;
    }
    /* per-speaker lists, evaluation orders */
    int S = d->spkrs.n;
    d->train_by_spkr = vl_xcalloc((size_t)S, sizeof *d->train_by_spkr);
    d->n_train_by_spkr = vl_xcalloc((size_t)S, sizeof *d->n_train_by_spkr);
    d->all_by_spkr = vl_xcalloc((size_t)S, sizeof *d->all_by_spkr);
    d->n_all_by_spkr = vl_xcalloc((size_t)S, sizeof *d->n_all_by_spkr);
    int **val_by_spkr = vl_xcalloc((size_t)S, sizeof *val_by_spkr);
    int *n_val_by_spkr = vl_xcalloc((size_t)S, sizeof *n_val_by_spkr);
    for (int s = 0; s < S; s++) {
        d->train_by_spkr[s] = vl_xmalloc((size_t)n * sizeof(int));
        d->all_by_spkr[s] = vl_xmalloc((size_t)n * sizeof(int));
        val_by_spkr[s] = vl_xmalloc((size_t)n * sizeof(int));
    }
    for (int i = 0; i < d->n_utts; i++) {
        int s = d->utts[i].spkr;
        d->all_by_spkr[s][d->n_all_by_spkr[s]++] = i;
    }
    for (int i = 0; i < d->n_train; i++) {
        int s = d->utts[d->train[i]].spkr;
        d->train_by_spkr[s][d->n_train_by_spkr[s]++] = d->train[i];
    }
    for (int i = 0; i < d->n_val; i++) {
        int s = d->utts[d->val[i]].spkr;
        val_by_spkr[s][n_val_by_spkr[s]++] = d->val[i];
    }
    interleave(d->train_by_spkr, d->n_train_by_spkr, S, o->max_num_val, &d->subtrain,
               &d->n_subtrain);
    interleave(val_by_spkr, n_val_by_spkr, S, o->max_num_val, &d->val_eval, &d->n_val_eval);
    for (int s = 0; s < S; s++) free(val_by_spkr[s]);
    free(val_by_spkr);
    free(n_val_by_spkr);
    d->p_additional_prompt = o->p_additional_prompt;
    d->max_prompts = o->max_prompts;
    if (!o->quiet) print_summary(d, n_found, removed);
    return VL_OK;
}

int vl_valle_data_open(vl_valle_data *d, const vl_valle_data_opts *o) {
    memset(d, 0, sizeof *d);
    int rc = check_opts(o);
    if (rc < 0) return rc;
    if (o->phones && (o->phones->n < 1 || o->phones->n > 1000000))
        return vl_error(VL_ERR_ARG, "valle data: the given phone map has %d names",
                        o->phones->n);
    if (o->vocab && !o->levels)
        return vl_error(VL_ERR_ARG, "valle data: vocab given without levels");
    if (o->vocab)
        for (int l = 0; l < o->levels; l++)
            if (o->vocab[l] < 1)
                return vl_error(VL_ERR_ARG, "valle data: vocab[%d] = %d", l, o->vocab[l]);
    found_file *f = NULL;
    int n_found = 0, removed[4] = {0, 0, 0, 0};
    rc = find_files(o, &f, &n_found, removed);
    if (rc == VL_OK) rc = build(d, o, f, n_found, removed);
    free_found(f, n_found);
    if (rc < 0) vl_valle_data_close(d);
    return rc;
}

void vl_valle_data_close(vl_valle_data *d) {
    if (!d) return;
    for (int i = 0; i < d->n_utts; i++) {
        free(d->utts[i].stem);
        free(d->utts[i].spkr_name);
        free(d->utts[i].phones);
        free(d->utts[i].codes);
    }
    free(d->utts);
    free(d->train);
    free(d->val);
    free(d->subtrain);
    free(d->val_eval);
    for (int s = 0; s < d->spkrs.n; s++) {
        if (d->train_by_spkr) free(d->train_by_spkr[s]);
        if (d->all_by_spkr) free(d->all_by_spkr[s]);
    }
    free(d->train_by_spkr);
    free(d->n_train_by_spkr);
    free(d->all_by_spkr);
    free(d->n_all_by_spkr);
    vl_symmap_free(&d->phones);
    vl_symmap_free(&d->spkrs);
    memset(d, 0, sizeof *d);
}
