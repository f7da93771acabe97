/* src/train/seq2seq_train.c: data files, vocabularies, the training loop,
 * evaluation (exact match, symbol error rate) and checkpoints of the
 * seq2seq models (config JSON in the checkpoint's metadata). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "valle/seq2seq.h"

#define MAXLEN 128

void vl_s2s_config_default(vl_s2s_config *cfg) {
    memset(cfg, 0, sizeof *cfg);
    cfg->format = VL_S2S_CHARS;
    cfg->cell = VL_RNN_LSTM;
    cfg->emb = 32;
    cfg->hidden = 128;
    cfg->attention = VL_S2S_ATTN_DOT;
    cfg->optim = VL_OPT_ADAM;
    cfg->lr = 0.005f;
    cfg->clip = 5.0f;
    cfg->decay = 1.0f;
    cfg->batch_size = 128;
    cfg->epochs = 10;
    cfg->seed = 1;
}

void vl_s2s_config_free(vl_s2s_config *cfg) {
    for (int i = 0; i < cfg->n_src; i++) free(cfg->src_sym[i]);
    for (int i = 0; i < cfg->n_tgt; i++) free(cfg->tgt_sym[i]);
    cfg->n_src = cfg->n_tgt = 0;
}

/* ---- data ---- */

int vl_s2s_data_load(const char *path, vl_s2s_format fmt, vl_s2s_data *d) {
    memset(d, 0, sizeof *d);
    FILE *f = fopen(path, "rb");
    if (!f) return vl_error(VL_ERR_IO, "cannot open %s", path);
    char line[4096];
    int cap = 0, lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        size_t L = strlen(line);
        while (L && (line[L - 1] == '\n' || line[L - 1] == '\r')) line[--L] = 0;
        if (!L) continue;
        if (fmt == VL_S2S_G2P && !strncmp(line, ";;;", 3)) continue;
        char *sep = strchr(line, fmt == VL_S2S_CHARS ? '_' : ' ');
        if (!sep || sep == line || !sep[1]) {
            fclose(f);
            vl_s2s_data_free(d);
            return vl_error(VL_ERR_FORMAT, "%s:%d: no '%s' separating source and target",
                            path, lineno, fmt == VL_S2S_CHARS ? "_" : " ");
        }
        *sep = 0;
        char *tgt = sep + 1;
        if (fmt == VL_S2S_G2P) {
            char *par = strchr(line, '(');
            if (par && par != line) *par = 0; /* word(2) -> word */
            for (char *p = line; *p; p++)
                if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
            while (*tgt == ' ') tgt++;
            size_t n = strlen(tgt);
            while (n && tgt[n - 1] == ' ') tgt[--n] = 0;
        } else {
            size_t n = strlen(tgt);
            while (n && tgt[n - 1] == ' ') tgt[--n] = 0; /* answers: no padding */
        }
        if (strlen(line) >= MAXLEN || strlen(tgt) >= MAXLEN * 4) {
            fclose(f);
            vl_s2s_data_free(d);
            return vl_error(VL_ERR_FORMAT, "%s:%d: sequence too long", path, lineno);
        }
        if (d->n == cap) {
            cap = cap ? 2 * cap : 1024;
            d->src = vl_xrealloc(d->src, sizeof(char *) * cap);
            d->tgt = vl_xrealloc(d->tgt, sizeof(char *) * cap);
        }
        d->src[d->n] = vl_xstrdup(line);
        d->tgt[d->n] = vl_xstrdup(tgt);
        d->n++;
    }
    fclose(f);
    if (!d->n) return vl_error(VL_ERR_FORMAT, "%s: no examples (empty file?)", path);
    return VL_OK;
}

void vl_s2s_data_free(vl_s2s_data *d) {
    for (int i = 0; i < d->n; i++) {
        free(d->src[i]);
        free(d->tgt[i]);
    }
    free(d->src);
    free(d->tgt);
    memset(d, 0, sizeof *d);
}

/* ---- vocabulary ---- */

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int find_sym(char *const *sym, int n, const char *s, size_t len) {
    for (int i = VL_S2S_FIRST; i < n; i++)
        if (strlen(sym[i]) == len && !strncmp(sym[i], s, len)) return i;
    return -1;
}

static int add_sym(char **sym, int *n, const char *s, size_t len) {
    if (find_sym(sym, *n, s, len) >= 0) return VL_OK;
    if (*n >= VL_S2S_MAX_VOCAB) return vl_error(VL_ERR_FORMAT, "more than %d symbols", VL_S2S_MAX_VOCAB);
    sym[*n] = vl_xmalloc(len + 1);
    memcpy(sym[*n], s, len);
    sym[*n][len] = 0;
    (*n)++;
    return VL_OK;
}

static void set_specials(char **sym) {
    sym[0] = vl_xstrdup("<pad>");
    sym[1] = vl_xstrdup("<s>");
    sym[2] = vl_xstrdup("</s>");
}

int vl_s2s_vocab_build(vl_s2s_config *cfg, const vl_s2s_data *d) {
    vl_s2s_config_free(cfg);
    set_specials(cfg->src_sym);
    set_specials(cfg->tgt_sym);
    cfg->n_src = cfg->n_tgt = VL_S2S_FIRST;
    for (int i = 0; i < d->n; i++) {
        for (const char *p = d->src[i]; *p; p++)
            if (add_sym(cfg->src_sym, &cfg->n_src, p, 1) < 0) return VL_ERR_FORMAT;
        const char *p = d->tgt[i];
        while (*p) {
            size_t len = cfg->format == VL_S2S_G2P ? strcspn(p, " ") : 1;
            if (len && add_sym(cfg->tgt_sym, &cfg->n_tgt, p, len) < 0) return VL_ERR_FORMAT;
            p += len;
            if (cfg->format == VL_S2S_G2P) while (*p == ' ') p++;
        }
    }
    cfg->pad_to = 0;
    if (cfg->format == VL_S2S_CHARS) {
        size_t w = strlen(d->src[0]);
        bool same = true;
        for (int i = 1; i < d->n && same; i++) same = strlen(d->src[i]) == w;
        if (same && find_sym(cfg->src_sym, cfg->n_src, " ", 1) >= 0) cfg->pad_to = (int)w;
    }
    qsort(cfg->src_sym + VL_S2S_FIRST, cfg->n_src - VL_S2S_FIRST, sizeof(char *), cmp_str);
    qsort(cfg->tgt_sym + VL_S2S_FIRST, cfg->n_tgt - VL_S2S_FIRST, sizeof(char *), cmp_str);
    return VL_OK;
}

int vl_s2s_encode_src(const vl_s2s_config *cfg, const char *s, int *ids, int cap) {
    int n = 0;
    for (const char *p = s; *p; p++) {
        int id = find_sym(cfg->src_sym, cfg->n_src, p, 1);
        if (id < 0)
            return vl_error(VL_ERR_ARG, "character '%c' (byte 0x%02x) of \"%s\" is not in the "
                            "model's input vocabulary", *p, (unsigned char)*p, s);
        if (n >= cap) return vl_error(VL_ERR_ARG, "input \"%s\" longer than %d", s, cap);
        ids[n++] = id;
    }
    if (!n) return vl_error(VL_ERR_ARG, "empty input");
    if (cfg->pad_to > n && cfg->pad_to <= cap) {
        int sp = find_sym(cfg->src_sym, cfg->n_src, " ", 1);
        while (sp >= 0 && n < cfg->pad_to) ids[n++] = sp;
    }
    return n;
}

int vl_s2s_encode_tgt(const vl_s2s_config *cfg, const char *s, int *ids, int cap) {
    int n = 0;
    const char *p = s;
    while (*p) {
        size_t len = cfg->format == VL_S2S_G2P ? strcspn(p, " ") : 1;
        if (len) {
            int id = find_sym(cfg->tgt_sym, cfg->n_tgt, p, len);
            if (id < 0)
                return vl_error(VL_ERR_ARG, "symbol '%.*s' of \"%s\" is not in the model's "
                                "output vocabulary", (int)len, p, s);
            if (n >= cap) return vl_error(VL_ERR_ARG, "target \"%s\" longer than %d", s, cap);
            ids[n++] = id;
        }
        p += len;
        if (cfg->format == VL_S2S_G2P) while (*p == ' ') p++;
    }
    return n;
}

void vl_s2s_tgt_text(const vl_s2s_config *cfg, const int *ids, int n, char *buf,
                     size_t cap) {
    size_t o = 0;
    if (cap) buf[0] = 0;
    for (int i = 0; i < n; i++) {
        const char *s = ids[i] >= 0 && ids[i] < cfg->n_tgt ? cfg->tgt_sym[ids[i]] : "?";
        int w = snprintf(buf + o, o < cap ? cap - o : 0, "%s%s",
                         i && cfg->format == VL_S2S_G2P ? " " : "", s);
        if (w < 0 || o + (size_t)w >= cap) break;
        o += (size_t)w;
    }
}

/* ---- run ---- */

void vl_s2s_run_init(vl_s2s_run *run, const vl_s2s_config *cfg) {
    memset(run, 0, sizeof *run);
    run->cfg = *cfg;
    /* own copies of the symbols */
    for (int i = 0; i < cfg->n_src; i++) run->cfg.src_sym[i] = vl_xstrdup(cfg->src_sym[i]);
    for (int i = 0; i < cfg->n_tgt; i++) run->cfg.tgt_sym[i] = vl_xstrdup(cfg->tgt_sym[i]);
    vl_params_init(&run->params);
    vl_s2s_model_init(&run->model, &run->params, &run->cfg);
    vl_params_finalize(&run->params, cfg->seed);
    vl_optim_init(&run->optim, cfg->optim, run->params.n_train);
    run->optim.lr = cfg->lr;
    run->ctx = vl_ctx_new(cfg->seed ^ 0x5eed);
    vl_rng_seed(&run->data_rng, cfg->seed * 7919 + 1);
}

void vl_s2s_run_free(vl_s2s_run *run) {
    vl_params_free(&run->params);
    vl_optim_free(&run->optim);
    if (run->ctx) vl_ctx_free(run->ctx);
    vl_s2s_config_free(&run->cfg);
    memset(run, 0, sizeof *run);
}

typedef struct enc_pair {
    int src[MAXLEN], tgt[MAXLEN];
    int ns, nt;
} enc_pair;

static int encode_pairs(const vl_s2s_config *cfg, const vl_s2s_data *d, int lo, int hi,
                        enc_pair **out) {
    enc_pair *e = vl_xmalloc(sizeof(enc_pair) * (size_t)(hi - lo > 0 ? hi - lo : 1));
    for (int i = lo; i < hi; i++) {
        enc_pair *p = &e[i - lo];
        p->ns = vl_s2s_encode_src(cfg, d->src[i], p->src, MAXLEN);
        p->nt = p->ns < 0 ? p->ns : vl_s2s_encode_tgt(cfg, d->tgt[i], p->tgt, MAXLEN - 1);
        if (p->ns < 0 || p->nt < 0) {
            int st = p->ns < 0 ? p->ns : p->nt;   /* p points into e */
            free(e);
            return st;
        }
    }
    *out = e;
    return VL_OK;
}

/* Sorts indices by source length (random order among equals), so batches
 * need little padding. */
static const enc_pair *g_pairs;
static const uint32_t *g_key;
static int cmp_len(const void *a, const void *b) {
    int i = *(const int *)a, j = *(const int *)b;
    if (g_pairs[i].ns != g_pairs[j].ns) return g_pairs[i].ns - g_pairs[j].ns;
    return g_key[i] < g_key[j] ? -1 : g_key[i] > g_key[j];
}

int vl_s2s_run_epoch(vl_s2s_run *run, const vl_s2s_data *d, int lo, int hi, double *loss) {
    enc_pair *E;
    int rc = encode_pairs(&run->cfg, d, lo, hi, &E);
    if (rc < 0) return rc;
    int n = hi - lo, Bmax = run->cfg.batch_size;
    int *order = vl_xmalloc(sizeof(int) * n);
    uint32_t *key = vl_xmalloc(sizeof(uint32_t) * n);
    for (int i = 0; i < n; i++) {
        order[i] = i;
        key[i] = (uint32_t)vl_rng_u64(&run->data_rng);
    }
    g_pairs = E;
    g_key = key;
    qsort(order, n, sizeof(int), cmp_len);
    int nb = (n + Bmax - 1) / Bmax;
    int *border = vl_xmalloc(sizeof(int) * nb);
    for (int b = 0; b < nb; b++) border[b] = b;
    vl_rng_shuffle_int(&run->data_rng, border, nb);
    vl_ctx *c = run->ctx;
    vl_set_training(c, true);
    int k = run->epoch + 1 - run->cfg.decay_start;
    run->optim.lr = run->cfg.lr * (k > 0 ? powf(run->cfg.decay, (float)k) : 1.0f);
    double tot = 0;
    int64_t cnt = 0;
    int *src = vl_xmalloc(sizeof(int) * Bmax * MAXLEN);
    int *din = vl_xmalloc(sizeof(int) * Bmax * MAXLEN);
    int *tgt = vl_xmalloc(sizeof(int) * Bmax * MAXLEN);
    rc = VL_OK;
    for (int bi = 0; bi < nb; bi++) {
        int s0 = border[bi] * Bmax, B = s0 + Bmax <= n ? Bmax : n - s0;
        int Ts = 1, Td = 1;
        for (int k = 0; k < B; k++) {
            const enc_pair *p = &E[order[s0 + k]];
            Ts = p->ns > Ts ? p->ns : Ts;
            Td = p->nt + 1 > Td ? p->nt + 1 : Td;
        }
        for (int k = 0; k < B; k++) {
            const enc_pair *p = &E[order[s0 + k]];
            int off = Ts - p->ns;
            for (int j = 0; j < Ts; j++)
                src[k * Ts + j] = j < off ? VL_S2S_PAD
                                          : run->cfg.reverse ? p->src[p->ns - 1 - (j - off)]
                                                             : p->src[j - off];
            for (int j = 0; j < Td; j++) {
                din[k * Td + j] = j == 0 ? VL_S2S_BOS : j <= p->nt ? p->tgt[j - 1] : VL_S2S_PAD;
                tgt[k * Td + j] = j < p->nt ? p->tgt[j] : j == p->nt ? VL_S2S_EOS : -100;
            }
        }
        vl_ctx_reset(c);
        vl_params_zero_grad(&run->params);
        vl_tensor *l = vl_s2s_loss(c, &run->model, src, B, Ts, din, tgt, Td);
        float lv = l->data[0];
        if (!isfinite(lv)) { rc = vl_error(VL_ERR_NUMERIC, "non-finite loss"); break; }
        vl_backward(c, l);
        if (!vl_all_finite(run->params.grad, run->params.n_train)) {
            rc = vl_error(VL_ERR_NUMERIC, "non-finite gradient");
            break;
        }
        vl_clip_grad_norm(run->params.grad, run->params.n_train, run->cfg.clip);
        vl_optim_step(&run->optim, run->params.data, run->params.grad);
        tot += lv * B;
        cnt += B;
    }
    vl_ctx_reset(c);
    free(src); free(din); free(tgt); free(border); free(order); free(key); free(E);
    if (rc < 0) return rc;
    run->epoch++;
    *loss = cnt ? tot / cnt : 0;
    return VL_OK;
}

/* Symbols of ids with digits removed (stress marks) as new ids via text. */
static int strip_ids(const vl_s2s_config *cfg, const int *ids, int n, char (*buf)[8], int *out) {
    for (int i = 0; i < n; i++) {
        const char *s = cfg->tgt_sym[ids[i]];
        int k = 0;
        for (; *s && k < 7; s++) if (*s < '0' || *s > '9') buf[i][k++] = *s;
        buf[i][k] = 0;
        /* hash the symbol to an int so edit distance can compare */
        uint32_t h = 2166136261u;
        for (int j = 0; j < k; j++) h = (h ^ (uint8_t)buf[i][j]) * 16777619u;
        out[i] = (int)(h & 0x7fffffff);
    }
    return n;
}

int vl_s2s_evaluate(vl_s2s_run *run, const vl_s2s_data *d, int lo, int hi, int beam,
                    bool strip_digits, double *acc, double *per) {
    enc_pair *E;
    int rc = encode_pairs(&run->cfg, d, lo, hi, &E);
    if (rc < 0) return rc;
    int n = hi - lo;
    int *pred = vl_xmalloc(sizeof(int) * (size_t)n * MAXLEN);
    int *plen = vl_xmalloc(sizeof(int) * n);
    /* groups of equal source length decode together */
    int *order = vl_xmalloc(sizeof(int) * n);
    uint32_t *key = vl_xcalloc(n, sizeof(uint32_t));
    for (int i = 0; i < n; i++) order[i] = i;
    g_pairs = E;
    g_key = key;
    qsort(order, n, sizeof(int), cmp_len);
    vl_ctx *c = run->ctx;
    const int G = 256;
    const int *srcs[256];
    int ns[256], tmp_len[256];
    int *tmp = vl_xmalloc(sizeof(int) * G * MAXLEN);
    for (int s = 0; s < n; s += G) {
        int m = s + G <= n ? G : n - s;
        if (beam > 1) {
            for (int k = 0; k < m; k++) {
                int i = order[s + k];
                vl_ctx_reset(c);
                plen[i] = vl_s2s_decode(&run->model, c, E[i].src, E[i].ns, beam,
                                        pred + (size_t)i * MAXLEN, MAXLEN - 1, NULL);
            }
            continue;
        }
        for (int k = 0; k < m; k++) {
            srcs[k] = E[order[s + k]].src;
            ns[k] = E[order[s + k]].ns;
        }
        vl_ctx_reset(c);
        vl_s2s_decode_batch(&run->model, c, m, srcs, ns, MAXLEN - 1, tmp, tmp_len);
        for (int k = 0; k < m; k++) {
            int i = order[s + k];
            plen[i] = tmp_len[k];
            memcpy(pred + (size_t)i * MAXLEN, tmp + (size_t)k * (MAXLEN - 1), sizeof(int) * tmp_len[k]);
        }
    }
    vl_ctx_reset(c);
    /* score per group of identical sources (alternative pronunciations) */
    int words = 0, right = 0;
    int64_t errs = 0, reflen = 0;
    char sb[MAXLEN][8];
    int a[MAXLEN], b[MAXLEN];
    for (int i = 0; i < n;) {
        int j = i + 1;
        while (j < n && !strcmp(d->src[lo + j], d->src[lo + i])) j++;
        const int *p = pred + (size_t)i * MAXLEN;
        int np = plen[i];
        bool ok = false;
        int best = 1 << 30, bestlen = 1;
        for (int k = i; k < j; k++) {
            int na, nb;
            if (strip_digits) {
                na = strip_ids(&run->cfg, p, np, sb, a);
                nb = strip_ids(&run->cfg, E[k].tgt, E[k].nt, sb, b);
            } else {
                na = np;
                nb = E[k].nt;
                memcpy(a, p, sizeof(int) * na);
                memcpy(b, E[k].tgt, sizeof(int) * nb);
            }
            int ed = vl_s2s_edit_distance(a, na, b, nb);
            if (!ed) ok = true;
            if (ed < best) { best = ed; bestlen = nb; }
        }
        words++;
        right += ok;
        errs += best;
        reflen += bestlen;
        i = j;
    }
    *acc = words ? (double)right / words : 0;
    if (per) *per = reflen ? (double)errs / reflen : 0;
    free(tmp); free(order); free(key); free(pred); free(plen); free(E);
    return VL_OK;
}

/* ---- checkpoints ---- */

static size_t put_syms(char *buf, size_t cap, size_t o, char *const *sym, int n) {
    o += (size_t)snprintf(buf + o, o < cap ? cap - o : 0, "[");
    for (int i = 0; i < n; i++) {
        if (i) o += (size_t)snprintf(buf + o, o < cap ? cap - o : 0, ",");
        o += vl_json_escape(buf + o, o < cap ? cap - o : 0, sym[i]);
    }
    o += (size_t)snprintf(buf + o, o < cap ? cap - o : 0, "]");
    return o;
}

static const char *const attn_names[] = {"none", "dot", "additive"};

static char *config_json(const vl_s2s_run *run) {
    size_t cap = 65536;
    char *buf = vl_xmalloc(cap);
    const vl_s2s_config *c = &run->cfg;
    size_t o = (size_t)snprintf(
        buf, cap,
        "{\"arch\":\"seq2seq\",\"format\":\"%s\",\"cell\":\"%s\",\"emb\":%d,\"hidden\":%d,"
        "\"attention\":\"%s\",\"reverse\":%d,\"peeky\":%d,\"bidir\":%d,\"pad_to\":%d,\"optim\":\"%s\",\"lr\":%.9g,"
        "\"clip\":%.9g,\"decay\":%.9g,\"decay_start\":%d,\"batch_size\":%d,\"epochs\":%d,\"seed\":%llu,\"epoch\":%d,\"src\":",
        c->format == VL_S2S_G2P ? "g2p" : "chars", vl_rnn_kind_name(c->cell), c->emb,
        c->hidden, attn_names[c->attention], c->reverse, c->peeky, c->bidir, c->pad_to, vl_optim_name(c->optim),
        c->lr, c->clip, c->decay, c->decay_start, c->batch_size, c->epochs, (unsigned long long)c->seed, run->epoch);
    o = put_syms(buf, cap, o, c->src_sym, c->n_src);
    o += (size_t)snprintf(buf + o, o < cap ? cap - o : 0, ",\"tgt\":");
    o = put_syms(buf, cap, o, c->tgt_sym, c->n_tgt);
    snprintf(buf + o, o < cap ? cap - o : 0, "}");
    VL_ASSERT(o + 2 < cap, "config too long");
    return buf;
}

int vl_s2s_run_save(vl_s2s_run *run, const char *path, vl_dtype weight_dtype) {
    char *cfg = config_json(run);
    vl_checkpoint ck = {.params = &run->params,
                        .optim = weight_dtype == VL_DT_F32 ? &run->optim : NULL,
                        .config_json = cfg,
                        .weight_dtype = weight_dtype};
    if (ck.optim) {
        vl_checkpoint_add_rng(&ck, "data", &run->data_rng);
        vl_checkpoint_add_rng(&ck, "ctx", &run->ctx->rng);
    }
    int rc = vl_checkpoint_save(&ck, path);
    vl_checkpoint_clear_meta(&ck);
    free(cfg);
    return rc;
}

static int get_syms(const vl_json *j, const char *key, char **sym, int *n) {
    const vl_json *a = vl_json_get(j, key);
    if (!a || a->type != VL_JSON_ARRAY || a->count < VL_S2S_FIRST || a->count > VL_S2S_MAX_VOCAB)
        return vl_error(VL_ERR_FORMAT, "seq2seq config: bad '%s' vocabulary", key);
    *n = 0;
    for (const vl_json *e = a->child; e; e = e->next) {
        if (e->type != VL_JSON_STRING) return vl_error(VL_ERR_FORMAT, "seq2seq config: vocabulary");
        sym[(*n)++] = vl_xstrdup(e->string);
    }
    return VL_OK;
}

int vl_s2s_run_load(vl_s2s_run *run, const char *path, bool with_optim) {
    vl_safetensors st;
    int rc = vl_st_open(&st, path);
    if (rc < 0) return rc;
    const char *js = vl_st_meta(&st, "config");
    vl_json *j = js ? vl_json_parse(js, strlen(js)) : NULL;
    if (!j || strcmp(vl_json_string(j, "arch", ""), "seq2seq")) {
        const char *arch = j ? vl_json_string(j, "arch", "unknown") : "unknown";
        rc = vl_error(VL_ERR_FORMAT, "%s is not a seq2seq model (architecture '%s')", path, arch);
        vl_json_free(j);
        vl_st_close(&st);
        return rc;
    }
    vl_s2s_config cfg;
    vl_s2s_config_default(&cfg);
    cfg.format = strcmp(vl_json_string(j, "format", "chars"), "g2p") ? VL_S2S_CHARS : VL_S2S_G2P;
    int a = vl_parse_name(vl_json_string(j, "attention", "dot"), attn_names, 3, "attention");
    if (a < 0 || vl_rnn_kind_parse(vl_json_string(j, "cell", "lstm"), &cfg.cell) < 0 ||
        vl_optim_parse(vl_json_string(j, "optim", "adam"), &cfg.optim) < 0) {
        vl_json_free(j);
        vl_st_close(&st);
        return vl_error(VL_ERR_FORMAT, "%s: bad seq2seq config", path);
    }
    cfg.attention = (vl_s2s_attn)a;
    cfg.emb = (int)vl_json_number(j, "emb", 0);
    cfg.hidden = (int)vl_json_number(j, "hidden", 0);
    cfg.reverse = vl_json_number(j, "reverse", 0) != 0;
    cfg.peeky = vl_json_number(j, "peeky", 0) != 0;
    cfg.bidir = vl_json_number(j, "bidir", 0) != 0;
    cfg.pad_to = (int)vl_json_number(j, "pad_to", 0);
    cfg.lr = (float)vl_json_number(j, "lr", cfg.lr);
    cfg.clip = (float)vl_json_number(j, "clip", cfg.clip);
    cfg.decay = (float)vl_json_number(j, "decay", 1.0);
    cfg.decay_start = (int)vl_json_number(j, "decay_start", 0);
    cfg.batch_size = (int)vl_json_number(j, "batch_size", cfg.batch_size);
    cfg.epochs = (int)vl_json_number(j, "epochs", cfg.epochs);
    cfg.seed = (uint64_t)vl_json_number(j, "seed", 1);
    int epoch = (int)vl_json_number(j, "epoch", 0);
    if (cfg.emb < 1 || cfg.emb > 4096 || cfg.hidden < 1 || cfg.hidden > 8192 ||
        get_syms(j, "src", cfg.src_sym, &cfg.n_src) < 0 ||
        get_syms(j, "tgt", cfg.tgt_sym, &cfg.n_tgt) < 0) {
        vl_s2s_config_free(&cfg);
        vl_json_free(j);
        vl_st_close(&st);
        return vl_error(VL_ERR_FORMAT, "%s: bad seq2seq config", path);
    }
    vl_json_free(j);
    vl_s2s_run_init(run, &cfg);
    vl_s2s_config_free(&cfg);
    run->epoch = epoch;
    vl_checkpoint ck = {.params = &run->params, .optim = with_optim ? &run->optim : NULL};
    if (with_optim) {
        vl_checkpoint_add_rng(&ck, "data", &run->data_rng);
        vl_checkpoint_add_rng(&ck, "ctx", &run->ctx->rng);
    }
    rc = vl_checkpoint_load(&st, &ck);
    vl_st_close(&st);
    if (rc < 0) vl_s2s_run_free(run);
    return rc;
}
