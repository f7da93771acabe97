/* src/train/rnnlm_vocab.c: word vocabulary (hash table) and reading
 * one-sentence-per-line text into token ids with <eos> per line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "valle/rnnlm.h"

static uint32_t hash_str(const char *s) {
    uint32_t h = 2166136261u;
    for (; *s; s++) h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

int vl_rnnlm_vocab_find(const vl_rnnlm_vocab *v, const char *w) {
    if (!v->table_cap) return -1;
    for (uint32_t i = hash_str(w) & (v->table_cap - 1);; i = (i + 1) & (v->table_cap - 1)) {
        int id = v->table[i];
        if (id < 0) return -1;
        if (!strcmp(v->words[id], w)) return id;
    }
}

static void rehash(vl_rnnlm_vocab *v, int cap) {
    free(v->table);
    v->table = vl_xmalloc(sizeof(int) * cap);
    for (int i = 0; i < cap; i++) v->table[i] = -1;
    v->table_cap = cap;
    for (int id = 0; id < v->n; id++) {
        uint32_t i = hash_str(v->words[id]) & (cap - 1);
        while (v->table[i] >= 0) i = (i + 1) & (cap - 1);
        v->table[i] = id;
    }
}

int vl_rnnlm_vocab_add(vl_rnnlm_vocab *v, const char *w) {
    int id = vl_rnnlm_vocab_find(v, w);
    if (id >= 0) return id;
    if (2 * (v->n + 1) > v->table_cap) rehash(v, v->table_cap ? 2 * v->table_cap : 1024);
    if ((v->n & (v->n - 1)) == 0 || v->n == 0)
        v->words = vl_xrealloc(v->words, sizeof(char *) * (size_t)(v->n ? 2 * v->n : 1));
    v->words[v->n] = vl_xstrdup(w);
    uint32_t i = hash_str(w) & (v->table_cap - 1);
    while (v->table[i] >= 0) i = (i + 1) & (v->table_cap - 1);
    v->table[i] = v->n;
    if (!strcmp(w, "<unk>")) v->unk = v->n;
    return v->n++;
}

void vl_rnnlm_vocab_free(vl_rnnlm_vocab *v) {
    for (int i = 0; i < v->n; i++) free(v->words[i]);
    free(v->words);
    free(v->table);
    memset(v, 0, sizeof *v);
    v->unk = -1;
}

int vl_rnnlm_read(const char *path, vl_rnnlm_vocab *v, bool build, int **ids, int64_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) return vl_error(VL_ERR_IO, "cannot open %s", path);
    if (build && !v->n) {
        v->unk = -1;
        vl_rnnlm_vocab_add(v, "<eos>");
    }
    int eos = vl_rnnlm_vocab_find(v, "<eos>");
    if (eos < 0) {
        fclose(f);
        return vl_error(VL_ERR_FORMAT, "vocabulary has no <eos>");
    }
    int64_t cap = 1 << 16, cnt = 0, lineno = 0, words = 0;
    int *out = vl_xmalloc(sizeof(int) * cap);
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    int rc = VL_OK;
    while ((len = getline(&line, &lcap, f)) >= 0) {
        lineno++;
        for (char *tok = strtok(line, " \t\r\n"); tok; tok = strtok(NULL, " \t\r\n")) {
            int id = build ? vl_rnnlm_vocab_add(v, tok) : vl_rnnlm_vocab_find(v, tok);
            if (id < 0) id = v->unk;
            if (id < 0) {
                rc = vl_error(VL_ERR_FORMAT, "%s:%lld: word '%s' is not in the vocabulary "
                              "(and it has no <unk>)", path, (long long)lineno, tok);
                goto done;
            }
            if (cnt + 2 > cap) out = vl_xrealloc(out, sizeof(int) * (cap *= 2));
            out[cnt++] = id;
            words++;
        }
        if (cnt + 2 > cap) out = vl_xrealloc(out, sizeof(int) * (cap *= 2));
        out[cnt++] = eos;
    }
    if (!words) rc = vl_error(VL_ERR_FORMAT, "%s: no words (empty file?)", path);
done:
    free(line);
    fclose(f);
    if (rc < 0) {
        free(out);
        return rc;
    }
    *ids = out;
    *n = cnt;
    return VL_OK;
}
