/* src/models/word2vec/vocab.c: the Word2Vec vocabulary and corpus: one pass
 * over the text tokenises it, counts words in a hash table and keeps the
 * corpus as word indices; then words are sorted by count (ties by first
 * occurrence, "</s>" stays at 0), those below min-count dropped and the
 * corpus remapped. Also word2vec.c's -save-vocab / -read-vocab files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "valle/io.h"
#include "valle/word2vec.h"

static uint32_t hash_word(const char *s) {
    uint32_t h = 2166136261u;
    for (; *s; s++) h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

static void rehash(vl_w2v_vocab *v, uint32_t cap) {
    free(v->hash);
    v->hash_cap = cap;
    v->hash = vl_xmalloc(cap * sizeof(int));
    memset(v->hash, 0xff, cap * sizeof(int));
    for (int i = 0; i < v->size; i++) {
        uint32_t h = hash_word(v->words[i]) & (cap - 1);
        while (v->hash[h] >= 0) h = (h + 1) & (cap - 1);
        v->hash[h] = i;
    }
}

int vl_w2v_vocab_find(const vl_w2v_vocab *v, const char *word) {
    if (!v->hash) return -1;
    uint32_t h = hash_word(word) & (v->hash_cap - 1);
    for (;;) {
        int i = v->hash[h];
        if (i < 0) return -1;
        if (!strcmp(v->words[i], word)) return i;
        h = (h + 1) & (v->hash_cap - 1);
    }
}

/* Appends a word (count 0) and returns its index; grows the arrays. */
static int vocab_add(vl_w2v_vocab *v, const char *word, int *cap) {
    if (v->size == *cap) {
        *cap = *cap ? *cap * 2 : 1024;
        v->words = vl_xrealloc(v->words, (size_t)*cap * sizeof(char *));
        v->counts = vl_xrealloc(v->counts, (size_t)*cap * sizeof(long long));
    }
    int i = v->size++;
    v->words[i] = vl_xstrdup(word);
    v->counts[i] = 0;
    if ((uint64_t)v->size * 2 > v->hash_cap) {
        rehash(v, v->hash_cap ? v->hash_cap * 2 : 4096);
    } else {
        uint32_t h = hash_word(word) & (v->hash_cap - 1);
        while (v->hash[h] >= 0) h = (h + 1) & (v->hash_cap - 1);
        v->hash[h] = i;
    }
    return i;
}

void vl_w2v_vocab_free(vl_w2v_vocab *v) {
    if (v->words)
        for (int i = 0; i < v->size; i++) free(v->words[i]);
    free(v->words);
    free(v->counts);
    free(v->hash);
    free(v->codelen);
    free(v->codes);
    free(v->points);
    memset(v, 0, sizeof *v);
}

void vl_w2v_corpus_free(vl_w2v_corpus *c) {
    free(c->ids);
    memset(c, 0, sizeof *c);
}

static const long long *sort_counts;
static int by_count(const void *a, const void *b) {
    int i = *(const int *)a, j = *(const int *)b;
    if (sort_counts[i] != sort_counts[j]) return sort_counts[i] > sort_counts[j] ? -1 : 1;
    return (i > j) - (i < j);
}

/* Sorts v by count (index 0 fixed), drops words below min_count and
 * returns old index -> new index (-1 when dropped). */
static int *sort_and_prune(vl_w2v_vocab *v, int min_count) {
    int n = v->size;
    int *order = vl_xmalloc((size_t)n * sizeof(int));
    for (int i = 0; i < n; i++) order[i] = i;
    sort_counts = v->counts;
    qsort(order + 1, (size_t)(n - 1), sizeof(int), by_count);
    int *remap = vl_xmalloc((size_t)n * sizeof(int));
    char **words = vl_xmalloc((size_t)n * sizeof(char *));
    long long *counts = vl_xmalloc((size_t)n * sizeof(long long));
    int m = 0;
    v->train_words = 0;
    for (int r = 0; r < n; r++) {
        int i = order[r];
        if (r > 0 && v->counts[i] < min_count) {
            remap[i] = -1;
            free(v->words[i]);
            continue;
        }
        remap[i] = m;
        words[m] = v->words[i];
        counts[m] = v->counts[i];
        v->train_words += counts[m];
        m++;
    }
    free(order);
    free(v->words);
    free(v->counts);
    v->words = words;
    v->counts = counts;
    v->size = m;
    uint32_t cap = 1024;
    while (cap < (uint32_t)m * 2) cap *= 2;
    rehash(v, cap);
    return remap;
}

int vl_w2v_corpus_load(vl_w2v_corpus *c, vl_w2v_vocab *v, const char *path,
                       int min_count, bool build) {
    memset(c, 0, sizeof *c);
    if (build) {
        memset(v, 0, sizeof *v);
    } else if (v->size < 1 || !v->hash) {
        return vl_error(VL_ERR_ARG, "word2vec: no vocabulary given");
    }
    FILE *f = fopen(path, "rb");
    if (!f) return vl_error(VL_ERR_IO, "%s: %s", path, strerror(errno));
    int cap = 0;
    if (build) vocab_add(v, VL_W2V_EOS, &cap);
    long long ids_cap = 1 << 20, n = 0, read_words = 0;
    int *ids = vl_xmalloc((size_t)ids_cap * sizeof(int));
    char word[VL_W2V_MAX_WORD + 1];
    int len = 0;
    long long offset = 0;
    int status = VL_OK;
    unsigned char *buf = vl_xmalloc(1 << 16);
    size_t got;
    bool done = false;
    while (!done) {
        got = fread(buf, 1, 1 << 16, f);
        if (got == 0) {
            if (ferror(f)) {
                status = vl_error(VL_ERR_IO, "%s: read error", path);
                break;
            }
            done = true;
        }
        /* one extra iteration at EOF flushes the last word */
        for (size_t k = 0; k < (done ? 1 : got); k++) {
            int ch = done ? ' ' : buf[k];
            if (!done && ch == 0) {
                status = vl_error(VL_ERR_FORMAT,
                                  "%s: NUL byte at offset %lld: binary data, not a text corpus",
                                  path, offset + (long long)k);
                goto out;
            }
            if (ch == '\r') continue;
            bool space = ch == ' ' || ch == '\t' || ch == '\n' || ch == '\v' || ch == '\f';
            if (!space) {
                if (len == VL_W2V_MAX_WORD) {
                    status = vl_error(VL_ERR_FORMAT,
                                      "%s: a word longer than %d bytes at offset %lld "
                                      "(not a whitespace-separated text corpus?)",
                                      path, VL_W2V_MAX_WORD, offset + (long long)k - len);
                    goto out;
                }
                word[len++] = (char)ch;
                continue;
            }
            for (int pass = 0; pass < 2; pass++) {
                const char *w;
                if (pass == 0) {
                    if (!len) continue;
                    word[len] = 0;
                    len = 0;
                    w = word;
                } else {
                    if (ch != '\n') continue;
                    w = VL_W2V_EOS;
                }
                read_words++;
                int id = vl_w2v_vocab_find(v, w);
                if (build) {
                    if (id < 0) id = vocab_add(v, w, &cap);
                    v->counts[id]++;
                }
                if (id < 0) continue;
                if (n == ids_cap) {
                    ids_cap *= 2;
                    ids = vl_xrealloc(ids, (size_t)ids_cap * sizeof(int));
                }
                ids[n++] = id;
            }
        }
        offset += (long long)got;
    }
    if (build) {
        int *remap = sort_and_prune(v, min_count);
        long long m = 0;
        for (long long i = 0; i < n; i++)
            if (remap[ids[i]] >= 0) ids[m++] = remap[ids[i]];
        n = m;
        free(remap);
    }
    if (v->size < 2 || n == 0 || v->train_words == v->counts[0]) {
        status = vl_error(VL_ERR_FORMAT,
                          "%s: no word occurs at least %d times (%lld words read): "
                          "nothing to train on",
                          path, min_count, read_words);
        goto out;
    }
out:
    fclose(f);
    free(buf);
    if (status < 0) {
        free(ids);
        if (build) vl_w2v_vocab_free(v);
        return status;
    }
    c->ids = n ? vl_xrealloc(ids, (size_t)n * sizeof(int)) : ids;
    c->n = n;
    return VL_OK;
}

int vl_w2v_vocab_save(const vl_w2v_vocab *v, const char *path) {
    vl_atomic_file a;
    int rc = vl_atomic_open(&a, path);
    if (rc < 0) return rc;
    for (int i = 0; i < v->size; i++) fprintf(a.f, "%s %lld\n", v->words[i], v->counts[i]);
    return vl_atomic_commit(&a);
}

/* A vocabulary file's counts may sum to at most this (10^15 words, far
 * beyond any corpus), so that sums of counts cannot overflow. */
#define MAX_TOTAL_COUNT 1000000000000000LL

int vl_w2v_vocab_read(vl_w2v_vocab *v, const char *path, int min_count) {
    memset(v, 0, sizeof *v);
    FILE *f = fopen(path, "rb");
    if (!f) return vl_error(VL_ERR_IO, "%s: %s", path, strerror(errno));
    int cap = 0, line = 0, status = VL_OK;
    long long total = 0;
    char buf[VL_W2V_MAX_WORD + 64];
    vocab_add(v, VL_W2V_EOS, &cap);
    while (fgets(buf, sizeof buf, f)) {
        line++;
        size_t L = strlen(buf);
        if (L == sizeof buf - 1 && buf[L - 1] != '\n') {
            status = vl_error(VL_ERR_FORMAT, "%s:%d: line too long", path, line);
            break;
        }
        char word[VL_W2V_MAX_WORD + 1];
        long long cnt;
        char extra;
        if (L <= 1) continue;
        if (sscanf(buf, "%255s %lld %c", word, &cnt, &extra) != 2 || cnt < 0) {
            status = vl_error(VL_ERR_FORMAT, "%s:%d: expected 'word count'", path, line);
            break;
        }
        if (cnt > MAX_TOTAL_COUNT || (total += cnt) > MAX_TOTAL_COUNT) {  /* no overflow */
            status = vl_error(VL_ERR_FORMAT, "%s:%d: counts add up to more than 10^15 words",
                              path, line);
            break;
        }
        int id = vl_w2v_vocab_find(v, word);
        if (id > 0) {
            status = vl_error(VL_ERR_FORMAT, "%s:%d: '%s' listed twice", path, line, word);
            break;
        }
        if (id < 0) id = vocab_add(v, word, &cap);
        v->counts[id] = cnt;
    }
    fclose(f);
    if (status < 0) {
        vl_w2v_vocab_free(v);
        return status;
    }
    int *remap = sort_and_prune(v, min_count);
    free(remap);
    if (v->size < 2) {
        vl_w2v_vocab_free(v);
        return vl_error(VL_ERR_FORMAT, "%s: no word with count >= %d", path, min_count);
    }
    return VL_OK;
}
