/* src/train/valle_config.c: the VALL-E training configuration
 * (valle/valle_config.h): reference defaults, loading from YAML with
 * line-numbered errors, range checks, and the JSON dump for logs. One table
 * lists every key with its type, place in the struct and allowed range, so
 * loading, checking and dumping cannot disagree. */
#include "valle/valle_config.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "valle/core.h"
#include "valle/io.h"
#include "valle/yaml.h"

typedef enum key_type {
    K_STR,      /* char *, must be given */
    K_OPTSTR,   /* char *, null allowed */
    K_INT, K_I64, K_U64, K_F32, K_F64, K_BOOL,
    K_DIRS,     /* data_dirs: a list of strings or one string */
    K_GETTER,   /* spkr_name_getter: "lambda p: p.parts[N]" */
    K_MODEL     /* model: (ar|nar)[-half|-quarter|-tiny] */
} key_type;

typedef struct key_def {
    const char *name;
    key_type type;
    size_t off;
    double lo, hi;   /* allowed range of numbers (inclusive) */
} key_def;

#define NUM(name, type, lo, hi) {#name, type, offsetof(vl_valle_config, name), lo, hi}
#define OTHER(name, type) {#name, type, offsetof(vl_valle_config, name), 0, 0}
#define BIG 9.2e18

static const key_def keys[] = {
    OTHER(data_root, K_STR),
    OTHER(data_dirs, K_DIRS),
    NUM(p_additional_prompt, K_F32, 0, 1),
    NUM(max_prompts, K_INT, 1, INT_MAX),
    NUM(max_num_val, K_INT, 0, INT_MAX),
    NUM(max_val_ar_steps, K_INT, 1, INT_MAX),
    NUM(token_dim, K_INT, 1, INT_MAX),
    NUM(num_tokens, K_INT, 0, INT_MAX),
    NUM(nj, K_INT, 0, INT_MAX),
    NUM(batch_size, K_INT, 1, INT_MAX),
    NUM(eval_batch_size, K_INT, 1, INT_MAX),
    NUM(warmup_min_lr, K_F64, 0, 1e3),
    NUM(warmup_max_lr, K_F64, 0, 1e3),
    NUM(dis_warmup_max_lr, K_F64, 0, 1e3),
    NUM(warmup_num_steps, K_INT, 0, INT_MAX),
    NUM(max_iter, K_I64, 1, BIG),
    NUM(gradient_clipping, K_F64, 0, 1e30),
    NUM(eval_every, K_I64, 0, BIG),
    NUM(save_ckpt_every, K_I64, 0, BIG),
    OTHER(model, K_MODEL),
    OTHER(spkr_name_getter, K_GETTER),
    NUM(min_phones, K_INT, 0, INT_MAX),
    NUM(max_phones, K_INT, 1, INT_MAX),
    OTHER(use_fp16, K_BOOL),
    NUM(gradient_accumulation_steps, K_INT, 1, INT_MAX),
    NUM(sampling_temperature, K_F64, 0, 1e6),
    OTHER(cache_dataloader, K_BOOL),
    NUM(spkr_path_component, K_INT, -1000, 1000),
    OTHER(codec, K_STR),
    OTHER(codec_weights, K_OPTSTR),
    OTHER(ckpt_dir, K_OPTSTR),
    OTHER(log_dir, K_OPTSTR),
    NUM(seed, K_U64, 0, BIG),
    NUM(p_dropout, K_F32, 0, 0.999),
    NUM(threads, K_INT, 0, 4096),
    OTHER(ar_first_token_loss, K_BOOL),
    NUM(d_model, K_INT, 0, 65536),
    NUM(n_heads, K_INT, 0, 1024),
    NUM(n_layers, K_INT, 0, 1024),
    NUM(log_every, K_INT, 1, INT_MAX),
    NUM(bucket_batches, K_INT, 1, 4096),
};
#define N_KEYS ((int)(sizeof keys / sizeof *keys))

#define FIELD(cfg, k, T) ((T *)((char *)(cfg) + (k)->off))
#define CFIELD(cfg, k, T) ((const T *)((const char *)(cfg) + (k)->off))

static void set_str(char **dst, const char *s) {
    free(*dst);
    *dst = s ? vl_xstrdup(s) : NULL;
}

void vl_valle_config_default(vl_valle_config *cfg) {
    memset(cfg, 0, sizeof *cfg);
    cfg->data_root = vl_xstrdup("data");
    cfg->p_additional_prompt = 0.8f;
    cfg->max_prompts = 3;
    cfg->max_num_val = 20;
    cfg->max_val_ar_steps = 300;
    cfg->token_dim = 256;
    cfg->num_tokens = 1024;
    cfg->nj = 8;
    cfg->batch_size = 32;
    cfg->eval_batch_size = 32;
    cfg->warmup_min_lr = 1e-6;
    cfg->warmup_max_lr = 2e-4;
    cfg->dis_warmup_max_lr = 4e-4;
    cfg->warmup_num_steps = 1000;
    cfg->max_iter = 1000000;
    cfg->gradient_clipping = 100;
    cfg->eval_every = 2000;
    cfg->save_ckpt_every = 2000;
    cfg->model = vl_xstrdup("ar-quarter");
    cfg->spkr_name_getter = vl_xstrdup("lambda p: p.parts[-2]");
    cfg->min_phones = 10;
    cfg->max_phones = 50;
    cfg->use_fp16 = true;
    cfg->gradient_accumulation_steps = 1;
    cfg->sampling_temperature = 1.0;
    cfg->cache_dataloader = false;
    cfg->spkr_path_component = -2;
    cfg->codec = vl_xstrdup("lpcnet");
    cfg->seed = 0;
    cfg->p_dropout = 0.1f;
    cfg->threads = 0;
    cfg->ar_first_token_loss = true;
    cfg->log_every = 1;
    cfg->bucket_batches = 1;
}

void vl_valle_config_free(vl_valle_config *cfg) {
    free(cfg->data_root);
    for (int i = 0; i < cfg->n_data_dirs; i++) free(cfg->data_dirs[i]);
    free(cfg->model);
    free(cfg->spkr_name_getter);
    free(cfg->codec);
    free(cfg->codec_weights);
    free(cfg->ckpt_dir);
    free(cfg->log_dir);
    free(cfg->path);
    memset(cfg, 0, sizeof *cfg);
}

/* ---- spkr_name_getter ---- */

static void skip_spaces(const char **s) {
    while (isspace((unsigned char)**s)) (*s)++;
}

/* Consumes `word` (after optional spaces); false if it is not there. */
static bool eat(const char **s, const char *word) {
    skip_spaces(s);
    size_t n = strlen(word);
    if (strncmp(*s, word, n)) return false;
    *s += n;
    return true;
}

/* "lambda p: p.parts[-2]" (any spacing, any parameter name) -> -2. */
static bool parse_getter(const char *s, int *component) {
    if (!eat(&s, "lambda") || !isspace((unsigned char)*s)) return false;
    skip_spaces(&s);
    const char *name = s;
    while (isalnum((unsigned char)*s) || *s == '_') s++;
    size_t name_len = (size_t)(s - name);
    if (!name_len || isdigit((unsigned char)*name) || !eat(&s, ":")) return false;
    skip_spaces(&s);
    if (strncmp(s, name, name_len)) return false;
    s += name_len;
    if (!eat(&s, ".") || !eat(&s, "parts") || !eat(&s, "[")) return false;
    skip_spaces(&s);
    bool neg = *s == '-';
    if (neg) s++;
    if (!isdigit((unsigned char)*s)) return false;
    long v = 0;
    while (isdigit((unsigned char)*s) && v < 100000) v = v * 10 + (*s++ - '0');
    if (!eat(&s, "]")) return false;
    skip_spaces(&s);
    if (*s || v > 1000) return false;
    *component = (int)(neg ? -v : v);
    return true;
}

static int bad_getter(const vl_yaml *n, const char *text) {
    return vl_yaml_error(n, VL_ERR_UNSUPPORTED, "only the form 'lambda p: p.parts[N]' "
                         "(speaker = the N-th component of the file's path) is "
                         "supported, got '%.80s'", text);
}

/* ---- model names ---- */

static bool valid_model(const char *m) {
    const char *rest;
    if (!strncmp(m, "nar", 3)) rest = m + 3;
    else if (!strncmp(m, "ar", 2)) rest = m + 2;
    else return false;
    return !*rest || !strcmp(rest, "-half") || !strcmp(rest, "-quarter") ||
           !strcmp(rest, "-tiny");
}

/* ---- loading ---- */

static int range_error(const vl_yaml *n, const key_def *k, double v) {
    return vl_yaml_error(n, VL_ERR_ARG, "%.17g is out of range [%.17g, %.17g]", v, k->lo, k->hi);
}

static int load_dirs(vl_valle_config *cfg, const vl_yaml *n) {
    const char *one[VL_VALLE_MAX_DATA_DIRS];
    int count = 0;
    if (n->kind == VL_YAML_SCALAR) {
        one[count++] = n->text;
    } else if (n->kind == VL_YAML_SEQ) {
        if (n->count > VL_VALLE_MAX_DATA_DIRS)
            return vl_yaml_error(n, VL_ERR_ARG, "%d directories; at most %d are supported",
                                 n->count, VL_VALLE_MAX_DATA_DIRS);
        for (const vl_yaml *c = n->child; c; c = c->next) {
            if (c->kind != VL_YAML_SCALAR)
                return vl_yaml_error(c, VL_ERR_FORMAT, "data_dirs item %d: expected a "
                                     "directory name, got a %s", count + 1,
                                     vl_yaml_kind_name(c->kind));
            one[count++] = c->text;
        }
    } else if (n->kind != VL_YAML_NULL) {
        return vl_yaml_error(n, VL_ERR_FORMAT, "expected a list of directories, got a %s",
                             vl_yaml_kind_name(n->kind));
    }
    for (int i = 0; i < cfg->n_data_dirs; i++) free(cfg->data_dirs[i]);
    for (int i = 0; i < count; i++) cfg->data_dirs[i] = vl_xstrdup(one[i]);
    cfg->n_data_dirs = count;
    return VL_OK;
}

static int load_key(vl_valle_config *cfg, const key_def *k, const vl_yaml *n) {
    int64_t i64;
    double d;
    const char *s;
    int rc;
    switch (k->type) {
    case K_STR: case K_OPTSTR: case K_MODEL: case K_GETTER:
        if ((rc = vl_yaml_to_string(n, &s)) < 0) return rc;
        if (!s && k->type != K_OPTSTR)
            return vl_yaml_error(n, VL_ERR_FORMAT, "expected a string, got null");
        if (s && !*s && k->type != K_OPTSTR)
            return vl_yaml_error(n, VL_ERR_FORMAT, "must not be empty");
        if (k->type == K_MODEL && !valid_model(s))
            return vl_yaml_error(n, VL_ERR_ARG, "unknown model '%.60s' (expected ar or nar, "
                                 "optionally with -half, -quarter or -tiny)", s);
        if (k->type == K_GETTER && !parse_getter(s, &cfg->spkr_path_component))
            return bad_getter(n, s);
        if (!strcmp(k->name, "codec") && strcmp(s, "lpcnet") && strcmp(s, "encodec"))
            return vl_yaml_error(n, VL_ERR_ARG, "unknown codec '%.60s' (expected lpcnet "
                                 "or encodec)", s);
        set_str(FIELD(cfg, k, char *), s);
        return VL_OK;
    case K_DIRS:
        return load_dirs(cfg, n);
    case K_BOOL:
        return vl_yaml_to_bool(n, FIELD(cfg, k, bool));
    case K_INT: case K_I64: case K_U64:
        if ((rc = vl_yaml_to_int(n, &i64)) < 0) return rc;
        if ((double)i64 < k->lo || (double)i64 > k->hi) return range_error(n, k, (double)i64);
        if (k->type == K_INT) *FIELD(cfg, k, int) = (int)i64;
        else if (k->type == K_I64) *FIELD(cfg, k, int64_t) = i64;
        else *FIELD(cfg, k, uint64_t) = (uint64_t)i64;
        return VL_OK;
    case K_F32: case K_F64:
        if ((rc = vl_yaml_to_double(n, &d)) < 0) return rc;
        if (!(d >= k->lo && d <= k->hi)) return range_error(n, k, d);
        if (k->type == K_F32) *FIELD(cfg, k, float) = (float)d;
        else *FIELD(cfg, k, double) = d;
        return VL_OK;
    }
    return VL_OK;
}

/* "ckpts/config/test/ar" for "config/test/ar.yml" (leading "./" dropped;
 * an absolute path or one with ".." gives just "ckpts/ar"). */
static char *default_dir(const char *top, const char *path) {
    const char *rel = path;
    while (!strncmp(rel, "./", 2)) rel += 2;
    if (rel[0] == '/' || strstr(rel, "..")) {
        const char *slash = strrchr(rel, '/');
        if (slash) rel = slash + 1;
    }
    size_t n = strlen(rel);
    if (n > 4 && !strcmp(rel + n - 4, ".yml")) n -= 4;
    else if (n > 5 && !strcmp(rel + n - 5, ".yaml")) n -= 5;
    char *out = vl_xmalloc(strlen(top) + 1 + n + 1);
    sprintf(out, "%s/%.*s", top, (int)n, rel);
    return out;
}

int vl_valle_config_load(vl_valle_config *cfg, const char *path) {
    vl_yaml_doc *doc = vl_yaml_load(path);
    if (!doc) return VL_ERR_FORMAT;
    const vl_yaml *root = doc->root;
    int rc = VL_OK;
    if (root->kind != VL_YAML_MAP && root->kind != VL_YAML_NULL)
        rc = vl_yaml_error(root, VL_ERR_FORMAT, "expected 'key: value' lines at the top "
                           "level, got a %s", vl_yaml_kind_name(root->kind));
    const vl_yaml *component = NULL;
    for (const vl_yaml *m = root->kind == VL_YAML_MAP ? root->child : NULL; m && !rc;
         m = m->next) {
        const key_def *k = NULL;
        for (int i = 0; i < N_KEYS && !k; i++)
            if (!strcmp(keys[i].name, m->key)) k = &keys[i];
        if (!k) {
            rc = vl_error(VL_ERR_ARG, "%s:%d: unknown key '%.80s' (see "
                          "include/valle/valle_config.h for the keys)", path, m->line, m->key);
            break;
        }
        if (!strcmp(k->name, "spkr_path_component")) component = m;   /* applied last */
        else rc = load_key(cfg, k, m);
    }
    for (int i = 0; i < N_KEYS && component && !rc; i++)
        if (!strcmp(keys[i].name, "spkr_path_component")) {
            rc = load_key(cfg, &keys[i], component);
            if (!rc) {   /* keep the two keys telling the same story */
                char getter[64];
                snprintf(getter, sizeof getter, "lambda p: p.parts[%d]", cfg->spkr_path_component);
                set_str(&cfg->spkr_name_getter, getter);
            }
        }
    vl_yaml_free(doc);
    if (rc) return rc;
    set_str(&cfg->path, path);
    if (!cfg->ckpt_dir) cfg->ckpt_dir = default_dir("ckpts", path);
    if (!cfg->log_dir) cfg->log_dir = default_dir("logs", path);
    rc = vl_valle_config_check(cfg);
    if (rc) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", vl_last_error());
        return vl_error(rc, "%s: %s", path, msg);
    }
    return VL_OK;
}

/* ---- checking ---- */

static double number_of(const vl_valle_config *cfg, const key_def *k) {
    switch (k->type) {
    case K_INT: return *CFIELD(cfg, k, int);
    case K_I64: return (double)*CFIELD(cfg, k, int64_t);
    case K_U64: return (double)*CFIELD(cfg, k, uint64_t);
    case K_F32: return *CFIELD(cfg, k, float);
    case K_F64: return *CFIELD(cfg, k, double);
    default: return 0;
    }
}

int vl_valle_config_check(const vl_valle_config *cfg) {
    for (int i = 0; i < N_KEYS; i++) {
        const key_def *k = &keys[i];
        if (k->type == K_STR || k->type == K_MODEL || k->type == K_GETTER) {
            const char *s = *CFIELD(cfg, k, char *);
            if (!s || !*s) return vl_error(VL_ERR_ARG, "%s must be set", k->name);
        } else if (k->type != K_OPTSTR && k->type != K_DIRS && k->type != K_BOOL) {
            double v = number_of(cfg, k);
            if (!(v >= k->lo && v <= k->hi))
                return vl_error(VL_ERR_ARG, "%s = %.17g is out of range [%.17g, %.17g]",
                                k->name, v, k->lo, k->hi);
        }
    }
    if (!valid_model(cfg->model))
        return vl_error(VL_ERR_ARG, "unknown model '%s' (expected ar or nar, optionally "
                        "with -half, -quarter or -tiny)", cfg->model);
    if (cfg->n_data_dirs < 0 || cfg->n_data_dirs > VL_VALLE_MAX_DATA_DIRS)
        return vl_error(VL_ERR_ARG, "n_data_dirs = %d is out of range", cfg->n_data_dirs);
    if (cfg->warmup_min_lr > cfg->warmup_max_lr)
        return vl_error(VL_ERR_ARG, "warmup_min_lr (%g) is larger than warmup_max_lr (%g)",
                        cfg->warmup_min_lr, cfg->warmup_max_lr);
    if (cfg->min_phones > cfg->max_phones)
        return vl_error(VL_ERR_ARG, "min_phones (%d) is larger than max_phones (%d)",
                        cfg->min_phones, cfg->max_phones);
    return VL_OK;
}

/* ---- JSON ---- */

/* The shorter of two precisions that still reads back as the same float
 * (single) or double: 2e-4 prints as 0.0002, not 0.00020000000000000001. */
static void format_number(char *num, size_t cap, double v, bool single) {
    snprintf(num, cap, "%.*g", single ? 7 : 15, v);
    double back = strtod(num, NULL);
    if (single ? (float)back != (float)v : back != v)
        snprintf(num, cap, "%.*g", single ? 9 : 17, v);
}

char *vl_valle_config_to_json(const vl_valle_config *cfg) {
    vl_strbuf b = {0};
    vl_strbuf_printf(&b, "{");
    for (int i = 0; i < N_KEYS; i++) {
        const key_def *k = &keys[i];
        vl_strbuf_printf(&b, "%s\"%s\": ", i ? ", " : "", k->name);
        switch (k->type) {
        case K_STR: case K_OPTSTR: case K_MODEL: case K_GETTER:
            vl_strbuf_json_string(&b, *CFIELD(cfg, k, char *));
            break;
        case K_DIRS:
            vl_strbuf_printf(&b, "[");
            for (int d = 0; d < cfg->n_data_dirs && d < VL_VALLE_MAX_DATA_DIRS; d++) {
                if (d) vl_strbuf_printf(&b, ", ");
                vl_strbuf_json_string(&b, cfg->data_dirs[d]);
            }
            vl_strbuf_printf(&b, "]");
            break;
        case K_BOOL: vl_strbuf_printf(&b, "%s", *CFIELD(cfg, k, bool) ? "true" : "false"); break;
        case K_INT: vl_strbuf_printf(&b, "%d", *CFIELD(cfg, k, int)); break;
        case K_I64: vl_strbuf_printf(&b, "%lld", (long long)*CFIELD(cfg, k, int64_t)); break;
        case K_U64: vl_strbuf_printf(&b, "%llu", (unsigned long long)*CFIELD(cfg, k, uint64_t)); break;
        case K_F32: case K_F64: {
            double v = number_of(cfg, k);
            if (!isfinite(v)) { vl_strbuf_printf(&b, "null"); break; }
            char num[40];
            format_number(num, sizeof num, v, k->type == K_F32);
            vl_strbuf_printf(&b, "%s", num);
            break;
        }
        }
    }
    vl_strbuf_printf(&b, "}");
    return b.s;
}
