/* src/models/valle_bundle.c: a trained VALL-E (AR, NAR or both) with its
 * phone map and codec description in one safetensors file: writing,
 * reading and the "valle" metadata JSON. See valle/valle_bundle.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "valle/valle_bundle.h"

char *vl_valle_model_config_json(const vl_valle_model_config *mc) {
    vl_strbuf b = {0};
    vl_strbuf_printf(&b,
              "{\"kind\": \"%s\", \"n_tokens\": %d, \"n_text_tokens\": %d, "
              "\"d_model\": %d, \"n_heads\": %d, \"n_layers\": %d, \"p_dropout\": %.9g, "
              "\"n_prom_levels\": %d, \"n_resp_levels\": %d, \"first_token_loss\": %s}",
              vl_valle_kind_name(mc->kind), mc->n_tokens, mc->n_text_tokens, mc->d_model,
              mc->n_heads, mc->n_layers, mc->p_dropout, mc->n_prom_levels,
              mc->n_resp_levels, mc->first_token_loss ? "true" : "false");
    return b.s;
}

static int int_field(const vl_json *j, const char *key, int lo, int hi, int *out) {
    const vl_json *v = vl_json_get(j, key);
    if (!v || v->type != VL_JSON_NUMBER || v->number != floor(v->number) ||
        v->number < lo || v->number > hi)
        return vl_error(VL_ERR_FORMAT, "valle model config: '%s' missing or outside "
                        "[%d, %d]", key, lo, hi);
    *out = (int)v->number;
    return VL_OK;
}

static int config_from_obj(vl_valle_model_config *mc, const vl_json *j) {
    memset(mc, 0, sizeof *mc);
    if (!j || j->type != VL_JSON_OBJECT)
        return vl_error(VL_ERR_FORMAT, "valle model config: not a JSON object");
    const char *kind = vl_json_string(j, "kind", "");
    if (!strcmp(kind, "ar")) mc->kind = VL_VALLE_AR;
    else if (!strcmp(kind, "nar")) mc->kind = VL_VALLE_NAR;
    else return vl_error(VL_ERR_FORMAT, "valle model config: kind '%s' (ar or nar)", kind);
    int st;
    if ((st = int_field(j, "n_tokens", 2, 1 << 20, &mc->n_tokens)) < 0 ||
        (st = int_field(j, "n_text_tokens", 2, 1 << 20, &mc->n_text_tokens)) < 0 ||
        (st = int_field(j, "d_model", 2, 65536, &mc->d_model)) < 0 ||
        (st = int_field(j, "n_heads", 1, 4096, &mc->n_heads)) < 0 ||
        (st = int_field(j, "n_layers", 1, 1024, &mc->n_layers)) < 0 ||
        (st = int_field(j, "n_prom_levels", 1, 64, &mc->n_prom_levels)) < 0 ||
        (st = int_field(j, "n_resp_levels", 1, 64, &mc->n_resp_levels)) < 0)
        return st;
    mc->p_dropout = (float)vl_json_number(j, "p_dropout", 0.1);
    const vl_json *f = vl_json_get(j, "first_token_loss");
    mc->first_token_loss = f && f->type == VL_JSON_BOOL ? f->number != 0 : true;
    st = vl_valle_model_config_check(mc);
    return st < 0 ? vl_error(VL_ERR_FORMAT, "%s", vl_last_error()) : VL_OK;
}

int vl_valle_model_config_from_json(vl_valle_model_config *mc, const char *json) {
    vl_json *j = vl_json_parse(json, strlen(json));
    if (!j) return vl_error(VL_ERR_FORMAT, "valle model config: %s", vl_last_error());
    int st = config_from_obj(mc, j);
    vl_json_free(j);
    return st;
}

char *vl_valle_bundle_meta(const vl_valle_bundle *b) {
    vl_strbuf s = {0};
    vl_strbuf_printf(&s, "{\"format\": \"valle-bundle\", \"version\": 1, \"codec\": ");
    vl_strbuf_json_string(&s, b->codec);
    vl_strbuf_printf(&s, ", \"levels\": %d, \"vocab\": [", b->levels);
    for (int l = 0; l < b->levels; l++) vl_strbuf_printf(&s, "%s%d", l ? ", " : "", b->vocab[l]);
    char *ph = vl_symmap_to_json(&b->phones);
    vl_strbuf_printf(&s, "], \"phones\": %s", ph ? ph : "[]");
    free(ph);
    if (b->has_ar) {
        char *c = vl_valle_model_config_json(&b->ar.cfg);
        vl_strbuf_printf(&s, ", \"ar\": %s", c);
        free(c);
    }
    if (b->has_nar) {
        char *c = vl_valle_model_config_json(&b->nar.cfg);
        vl_strbuf_printf(&s, ", \"nar\": %s", c);
        free(c);
    }
    vl_strbuf_printf(&s, "}");
    return s.s;
}

static void build_model(vl_valle_model *m, vl_params *P, const vl_valle_model_config *mc) {
    vl_params_init(P);
    vl_valle_model_init(m, P, "", mc);
    vl_params_finalize(P, 1);
}

int vl_valle_bundle_from_meta(vl_valle_bundle *b, const char *json) {
    memset(b, 0, sizeof *b);
    vl_json *j = vl_json_parse(json, strlen(json));
    if (!j) return vl_error(VL_ERR_FORMAT, "valle metadata: %s", vl_last_error());
    int st = VL_OK;
    const vl_json *lv = vl_json_get(j, "vocab"), *ph = vl_json_get(j, "phones");
    const char *codec = vl_json_string(j, "codec", "");
    if (j->type != VL_JSON_OBJECT || strcmp(vl_json_string(j, "format", ""), "valle-bundle")) {
        st = vl_error(VL_ERR_FORMAT, "not a VALL-E model (no valle-bundle metadata)");
        goto done;
    }
    if (!*codec || strlen(codec) >= sizeof b->codec) {
        st = vl_error(VL_ERR_FORMAT, "valle metadata: bad codec name");
        goto done;
    }
    snprintf(b->codec, sizeof b->codec, "%s", codec);
    if ((st = int_field(j, "levels", 1, VL_CODEC_MAX_LEVELS, &b->levels)) < 0) goto done;
    if (!lv || lv->type != VL_JSON_ARRAY || lv->count != b->levels) {
        st = vl_error(VL_ERR_FORMAT, "valle metadata: vocab must list %d sizes", b->levels);
        goto done;
    }
    int l = 0;
    for (const vl_json *e = lv->child; e; e = e->next, l++) {
        if (e->type != VL_JSON_NUMBER || e->number < 1 || e->number > (1 << 20)) {
            st = vl_error(VL_ERR_FORMAT, "valle metadata: bad vocab size");
            goto done;
        }
        b->vocab[l] = (int)e->number;
    }
    if (!ph || ph->type != VL_JSON_ARRAY) {
        st = vl_error(VL_ERR_FORMAT, "valle metadata: no phone list");
        goto done;
    }
    if ((st = vl_symmap_from_json_value(&b->phones, ph, 1)) < 0) {
        st = vl_error(st, "valle metadata: phones: %s", vl_last_error());
        goto done;
    }
    const vl_json *ja = vl_json_get(j, "ar"), *jn = vl_json_get(j, "nar");
    if (!ja && !jn) {
        st = vl_error(VL_ERR_FORMAT, "valle metadata: neither an AR nor a NAR model");
        goto done;
    }
    vl_valle_model_config mc;
    if (ja) {
        if ((st = config_from_obj(&mc, ja)) < 0) goto done;
        if (mc.kind != VL_VALLE_AR) {
            st = vl_error(VL_ERR_FORMAT, "valle metadata: 'ar' holds a %s config",
                          vl_valle_kind_name(mc.kind));
            goto done;
        }
        if (mc.n_prom_levels != b->levels || mc.n_text_tokens < b->phones.n + 1) {
            st = vl_error(VL_ERR_FORMAT, "valle metadata: the AR does not fit the codec "
                          "levels or the phone map");
            goto done;
        }
        build_model(&b->ar, &b->ar_params, &mc);
        b->has_ar = true;
    }
    if (jn) {
        if ((st = config_from_obj(&mc, jn)) < 0) goto done;
        if (mc.kind != VL_VALLE_NAR) {
            st = vl_error(VL_ERR_FORMAT, "valle metadata: 'nar' holds a %s config",
                          vl_valle_kind_name(mc.kind));
            goto done;
        }
        if (mc.n_prom_levels != b->levels || mc.n_resp_levels + 1 > b->levels ||
            mc.n_text_tokens < b->phones.n + 1) {
            st = vl_error(VL_ERR_FORMAT, "valle metadata: the NAR does not fit the codec "
                          "levels or the phone map");
            goto done;
        }
        build_model(&b->nar, &b->nar_params, &mc);
        b->has_nar = true;
    }
done:
    vl_json_free(j);
    if (st < 0) vl_valle_bundle_free(b);
    return st;
}

static int add_params(vl_st_writer *w, const vl_params *P, const char *prefix,
                      vl_dtype dtype) {
    char name[300];
    for (int i = 0; i < P->count; i++) {
        const vl_param_entry *e = &P->entries[i];
        int64_t sh[VL_MAX_DIMS];
        for (int d = 0; d < e->t->ndim; d++) sh[d] = e->t->shape[d];
        snprintf(name, sizeof name, "%s%s", prefix, e->name);
        int st = vl_st_writer_add_f32(w, name, dtype, e->t->ndim, sh, e->t->data);
        if (st < 0) return st;
    }
    return VL_OK;
}

int vl_valle_bundle_save(const vl_valle_bundle *b, const char *path, vl_dtype dtype) {
    if (!b->has_ar && !b->has_nar) return vl_error(VL_ERR_ARG, "export: no model to write");
    vl_st_writer w;
    vl_st_writer_init(&w);
    int st = VL_OK;
    if (b->has_ar) st = add_params(&w, &b->ar_params, "ar.", dtype);
    if (st == VL_OK && b->has_nar) st = add_params(&w, &b->nar_params, "nar.", dtype);
    char *meta = vl_valle_bundle_meta(b);
    if (st == VL_OK) st = vl_st_writer_meta(&w, "valle", meta);
    if (st == VL_OK) st = vl_st_writer_save(&w, path);
    free(meta);
    vl_st_writer_free(&w);
    return st;
}

static int load_params(const vl_safetensors *st, vl_params *P, const char *prefix,
                       const char *path) {
    char name[300];
    for (int i = 0; i < P->count; i++) {
        vl_param_entry *e = &P->entries[i];
        int64_t sh[VL_MAX_DIMS];
        for (int d = 0; d < e->t->ndim; d++) sh[d] = e->t->shape[d];
        snprintf(name, sizeof name, "%s%s", prefix, e->name);
        int rc = vl_st_read_f32(st, name, e->t->data, e->t->ndim, sh);
        if (rc < 0) return vl_error(rc, "%s: %s", path, vl_last_error());
    }
    return VL_OK;
}

int vl_valle_bundle_load(vl_valle_bundle *b, const char *path) {
    memset(b, 0, sizeof *b);
    vl_safetensors st;
    int rc = vl_st_open(&st, path);
    if (rc < 0) return rc;
    const char *meta = vl_st_meta(&st, "valle");
    if (!meta) {
        vl_st_close(&st);
        return vl_error(VL_ERR_FORMAT, "%s: not a VALL-E model or checkpoint (no 'valle' "
                        "metadata)", path);
    }
    /* A training checkpoint holds one model under plain names. */
    bool ckpt = vl_st_meta(&st, "valle.checkpoint") != NULL;
    rc = vl_valle_bundle_from_meta(b, meta);
    if (rc < 0) {
        vl_st_close(&st);
        return vl_error(rc, "%s: %s", path, vl_last_error());
    }
    if (ckpt && b->has_ar && b->has_nar) {
        vl_valle_bundle_free(b);
        vl_st_close(&st);
        return vl_error(VL_ERR_FORMAT, "%s: a checkpoint with two models", path);
    }
    if (b->has_ar) rc = load_params(&st, &b->ar_params, ckpt ? "" : "ar.", path);
    if (rc == VL_OK && b->has_nar)
        rc = load_params(&st, &b->nar_params, ckpt ? "" : "nar.", path);
    vl_st_close(&st);
    if (rc < 0) vl_valle_bundle_free(b);
    return rc;
}

void vl_valle_bundle_free(vl_valle_bundle *b) {
    if (b->has_ar) {
        vl_valle_model_free(&b->ar);
        vl_params_free(&b->ar_params);
    }
    if (b->has_nar) {
        vl_valle_model_free(&b->nar);
        vl_params_free(&b->nar_params);
    }
    vl_symmap_free(&b->phones);
    memset(b, 0, sizeof *b);
}
