/* src/train/valle_data_sample.c: drawing VALL-E training samples: the
 * speaker-balanced sampler (a uniform speaker, then a uniform training
 * utterance of it) and the prompt (other utterances of the same speaker,
 * uniform with replacement, concatenated along time; after each one
 * another follows with probability p_additional_prompt, up to
 * max_prompts). */
#include <stdlib.h>
#include <string.h>

#include "valle/valle_data.h"

void vl_valle_sample_free(vl_valle_sample *s) {
    if (!s) return;
    free(s->text);
    free(s->prom);
    free(s->resp);
    memset(s, 0, sizeof *s);
}

/* A uniform member of the speaker's pool other than utterance u. */
static int other_utterance(const vl_valle_data *d, int spkr, int u, vl_rng *rng) {
    const int *pool = d->all_by_spkr[spkr];
    int n = d->n_all_by_spkr[spkr], n_others = 0;
    for (int i = 0; i < n; i++) n_others += pool[i] != u;
    if (!n_others) return -1;
    int pick = (int)vl_rng_below(rng, (uint64_t)n_others);
    for (int i = 0; i < n; i++)
        if (pool[i] != u && pick-- == 0) return pool[i];
    return -1;
}

int vl_valle_data_get(vl_valle_data *d, int u, vl_rng *rng, vl_valle_sample *out) {
    memset(out, 0, sizeof *out);
    if (u < 0 || u >= d->n_utts)
        return vl_error(VL_ERR_ARG, "valle data: utterance %d of %d", u, d->n_utts);
    const vl_valle_utt *utt = &d->utts[u];
    int parts[1000], n_parts = 0;
    long long prom_frames = 0;
    while (n_parts < d->max_prompts && n_parts < (int)(sizeof parts / sizeof *parts)) {
        int p = other_utterance(d, utt->spkr, u, rng);
        if (p < 0)
            return vl_error(VL_ERR_ARG, "valle data: speaker %s has no other utterance than %s "
                            "for a prompt", utt->spkr_name, utt->stem);
        parts[n_parts++] = p;
        prom_frames += d->utts[p].frames;
        if (vl_rng_uniform(rng) > d->p_additional_prompt) break;
    }
    if (prom_frames > INT32_MAX / d->levels)
        return vl_error(VL_ERR_ARG, "valle data: prompt of %lld frames is too long", prom_frames);
    int L = d->levels;
    out->utt = u;
    out->levels = L;
    out->n_text = utt->n_phones;
    out->text = vl_xmalloc((size_t)utt->n_phones * sizeof *out->text);
    memcpy(out->text, utt->phones, (size_t)utt->n_phones * sizeof *out->text);
    out->prom_frames = (int)prom_frames;
    out->prom = vl_xmalloc((size_t)prom_frames * L * sizeof *out->prom);
    size_t at = 0;
    for (int i = 0; i < n_parts; i++) {
        const vl_valle_utt *p = &d->utts[parts[i]];
        memcpy(out->prom + at, p->codes, (size_t)p->frames * L * sizeof *out->prom);
        at += (size_t)p->frames * L;
    }
    out->resp_frames = utt->frames;
    out->resp = vl_xmalloc((size_t)utt->frames * L * sizeof *out->resp);
    memcpy(out->resp, utt->codes, (size_t)utt->frames * L * sizeof *out->resp);
    return VL_OK;
}

int vl_valle_data_sample_train(vl_valle_data *d, vl_rng *rng, vl_valle_sample *out) {
    memset(out, 0, sizeof *out);
    int S = d->spkrs.n;
    if (S < 1 || d->n_train < 1)
        return vl_error(VL_ERR_ARG, "valle data: no training utterance to sample");
    int s = (int)vl_rng_below(rng, (uint64_t)S);
    if (d->n_train_by_spkr[s] < 1)
        return vl_error(VL_ERR_ARG, "valle data: speaker %s has no training utterance",
                        d->spkrs.names[s]);
    int u = d->train_by_spkr[s][vl_rng_below(rng, (uint64_t)d->n_train_by_spkr[s])];
    return vl_valle_data_get(d, u, rng, out);
}
