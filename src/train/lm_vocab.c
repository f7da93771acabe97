/* src/train/lm_vocab.c: the language-model tokenisers (character = byte,
 * word = whitespace-separated with "<eos>" per line break), their
 * vocabularies and JSON form, and loading a text file into token ids with
 * the 90% / 10% train / validation split. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "valle/lm_train.h"

static const char *const tok_names[] = {"char", "word"};

int vl_lm_tokenizer_parse(const char *s, vl_lm_tokenizer *out) {
    int i = vl_parse_name(s, tok_names, 2, "tokenizer");
    if (i < 0) return i;
    *out = (vl_lm_tokenizer)i;
    return VL_OK;
}

const char *vl_lm_tokenizer_name(vl_lm_tokenizer t) {
    return (unsigned)t < 2 ? tok_names[t] : "?";
}

void vl_lm_vocab_free(vl_lm_vocab *v) {
    if (v->words)
        for (int i = 0; i < v->n; i++) free(v->words[i]);
    free(v->words);
    free(v->bytes);
    memset(v, 0, sizeof *v);
}

static bool is_space(unsigned char ch) {
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
}

/* Calls emit(word, len) for every word token of text ("<eos>" per '\n'). */
typedef void (*word_fn)(void *u, const char *w, size_t len);
static void for_each_word(const char *text, size_t len, word_fn emit, void *u) {
    size_t i = 0;
    while (i < len) {
        unsigned char ch = (unsigned char)text[i];
        if (ch == '\n') {
            emit(u, "<eos>", 5);
            i++;
        } else if (is_space(ch)) {
            i++;
        } else {
            size_t s = i;
            while (i < len && !is_space((unsigned char)text[i])) i++;
            emit(u, text + s, i - s);
        }
    }
}

typedef struct word_list {
    char **w;
    int64_t n, cap;
} word_list;

static void collect(void *u, const char *w, size_t len) {
    word_list *l = u;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 1024;
        l->w = vl_xrealloc(l->w, (size_t)l->cap * sizeof *l->w);
    }
    char *s = vl_xmalloc(len + 1);
    memcpy(s, w, len);
    s[len] = 0;
    l->w[l->n++] = s;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void char_index(vl_lm_vocab *v) {
    for (int b = 0; b < 256; b++) v->id_of_byte[b] = -1;
    for (int i = 0; i < v->n; i++) v->id_of_byte[v->bytes[i]] = i;
}

static int vocab_build(const char *text, size_t len, vl_lm_tokenizer kind, vl_lm_vocab *v) {
    memset(v, 0, sizeof *v);
    v->kind = kind;
    if (kind == VL_LM_CHAR) {
        bool seen[256] = {0};
        for (size_t i = 0; i < len; i++) seen[(unsigned char)text[i]] = true;
        v->bytes = vl_xmalloc(256);
        for (int b = 0; b < 256; b++)
            if (seen[b]) v->bytes[v->n++] = (unsigned char)b;
        char_index(v);
        return VL_OK;
    }
    word_list l = {0};
    for_each_word(text, len, collect, &l);
    if (l.n > 1) qsort(l.w, (size_t)l.n, sizeof *l.w, cmp_str);
    int64_t u = 0;
    for (int64_t i = 0; i < l.n; i++) {
        if (u > 0 && strcmp(l.w[u - 1], l.w[i]) == 0) {
            free(l.w[i]);
            continue;
        }
        l.w[u++] = l.w[i];
    }
    if (u > (1 << 24)) {
        for (int64_t i = 0; i < u; i++) free(l.w[i]);
        free(l.w);
        return vl_error(VL_ERR_ARG, "vocabulary of %lld words is too large", (long long)u);
    }
    v->n = (int)u;
    v->words = l.w;
    return VL_OK;
}

/* Index of `w` in a word vocabulary (sorted), or -1; an empty one has no
 * array to search. */
static int word_id(const vl_lm_vocab *v, const char *w) {
    if (v->n < 1) return -1;
    char **hit = bsearch(&w, v->words, (size_t)v->n, sizeof(char *), cmp_str);
    return hit ? (int)(hit - v->words) : -1;
}

typedef struct enc_state {
    const vl_lm_vocab *v;
    int *ids;
    int64_t n;
    int unk;
    int rc;
} enc_state;

static void encode_word(void *u, const char *w, size_t len) {
    enc_state *e = u;
    if (e->rc < 0) return;
    char buf[256];
    char *key = len < sizeof buf ? buf : vl_xmalloc(len + 1);
    memcpy(key, w, len);
    key[len] = 0;
    int id = word_id(e->v, key);
    if (id < 0) id = e->unk;
    if (id < 0)
        e->rc = vl_error(VL_ERR_ARG, "word '%.40s' is not in the vocabulary", key);
    else
        e->ids[e->n++] = id;
    if (key != buf) free(key);
}

int vl_lm_encode(const vl_lm_vocab *v, const char *text, size_t len, int **ids,
                 int64_t *n) {
    int *out = vl_xmalloc((len + 1) * sizeof(int));
    if (v->kind == VL_LM_CHAR) {
        for (size_t i = 0; i < len; i++) {
            int id = v->id_of_byte[(unsigned char)text[i]];
            if (id < 0) {
                free(out);
                return vl_error(VL_ERR_ARG, "character 0x%02x at byte %zu is not in the "
                                "vocabulary", (unsigned char)text[i], i);
            }
            out[i] = id;
        }
        *ids = out;
        *n = (int64_t)len;
        return VL_OK;
    }
    enc_state e = {.v = v, .ids = out, .unk = -1};
    e.unk = word_id(v, "<unk>");
    for_each_word(text, len, encode_word, &e);
    if (e.rc < 0) {
        free(out);
        return e.rc;
    }
    *ids = out;
    *n = e.n;
    return VL_OK;
}

char *vl_lm_decode(const vl_lm_vocab *v, const int *ids, int64_t n) {
    size_t cap = 64, len = 0;
    char *s = vl_xmalloc(cap);
    for (int64_t i = 0; i < n; i++) {
        VL_ASSERT(ids[i] >= 0 && ids[i] < v->n, "decode: id %d", ids[i]);
        const char *piece;
        char one[2] = {0, 0};
        size_t pl;
        if (v->kind == VL_LM_CHAR) {
            one[0] = (char)v->bytes[ids[i]];
            piece = one;
            pl = 1;
        } else {
            piece = strcmp(v->words[ids[i]], "<eos>") == 0 ? "\n" : v->words[ids[i]];
            pl = strlen(piece);
        }
        bool space = v->kind == VL_LM_WORD && len > 0 && s[len - 1] != '\n' && piece[0] != '\n';
        while (len + pl + 2 > cap) s = vl_xrealloc(s, cap *= 2);
        if (space) s[len++] = ' ';
        memcpy(s + len, piece, pl);
        len += pl;
    }
    s[len] = 0;
    return s;
}

char *vl_lm_vocab_to_json(const vl_lm_vocab *v) {
    size_t cap = 64, len = 0;
    char *s = vl_xmalloc(cap);
    s[len++] = '[';
    for (int i = 0; i < v->n; i++) {
        size_t need = v->kind == VL_LM_CHAR ? 8 : vl_json_escape(NULL, 0, v->words[i]) + 4;
        while (len + need + 2 > cap) s = vl_xrealloc(s, cap *= 2);
        if (i) s[len++] = ',';
        if (v->kind == VL_LM_CHAR)
            len += (size_t)snprintf(s + len, cap - len, "%d", v->bytes[i]);
        else
            len += vl_json_escape(s + len, cap - len, v->words[i]);
    }
    s[len++] = ']';
    s[len] = 0;
    return s;
}

int vl_lm_vocab_from_json(const char *json, vl_lm_tokenizer kind, vl_lm_vocab *v) {
    memset(v, 0, sizeof *v);
    v->kind = kind;
    vl_json *j = vl_json_parse(json, strlen(json));
    if (!j) return VL_ERR_FORMAT;
    int rc = VL_OK;
    if (j->type != VL_JSON_ARRAY || j->count < 1 || j->count > (1 << 24)) {
        rc = vl_error(VL_ERR_FORMAT, "vocabulary is not a non-empty list");
        goto done;
    }
    if (kind == VL_LM_CHAR) {
        v->bytes = vl_xmalloc(256);
        bool seen[256] = {0};
        for (const vl_json *e = j->child; e; e = e->next) {
            if (e->type != VL_JSON_NUMBER || e->number < 0 || e->number > 255 ||
                seen[(int)e->number] || v->n >= 256) {
                rc = vl_error(VL_ERR_FORMAT, "character vocabulary: bad or repeated byte");
                goto done;
            }
            seen[(int)e->number] = true;
            v->bytes[v->n++] = (unsigned char)e->number;
        }
        char_index(v);
    } else {
        v->words = vl_xcalloc((size_t)j->count, sizeof(char *));
        for (const vl_json *e = j->child; e; e = e->next) {
            if (e->type != VL_JSON_STRING ||
                (v->n > 0 && strcmp(v->words[v->n - 1], e->string) >= 0)) {
                rc = vl_error(VL_ERR_FORMAT, "word vocabulary: not sorted unique strings");
                goto done;
            }
            v->words[v->n++] = vl_xstrdup(e->string);
        }
    }
done:
    vl_json_free(j);
    if (rc < 0) vl_lm_vocab_free(v);
    return rc;
}

int vl_lm_data_load(const char *path, vl_lm_tokenizer kind, const vl_lm_vocab *vocab,
                    vl_lm_data *d) {
    memset(d, 0, sizeof *d);
    FILE *f = fopen(path, "rb");
    if (!f) return vl_error(VL_ERR_IO, "cannot open %s", path);
    if (fseek(f, 0, SEEK_END) != 0) {
        fclose(f);
        return vl_error(VL_ERR_IO, "cannot seek in %s", path);
    }
    long size = ftell(f);
    if (size < 0 || size > (1L << 31)) {
        fclose(f);
        return vl_error(VL_ERR_IO, "%s: size unknown or over 2 GiB", path);
    }
    rewind(f);
    char *text = vl_xmalloc((size_t)size + 1);
    size_t got = fread(text, 1, (size_t)size, f);
    fclose(f);
    if (got != (size_t)size) {
        free(text);
        return vl_error(VL_ERR_IO, "%s: short read", path);
    }
    int rc;
    if (vocab) {
        d->vocab = *vocab;  /* deep copy */
        if (vocab->bytes) {
            d->vocab.bytes = vl_xmalloc(256);
            memcpy(d->vocab.bytes, vocab->bytes, 256);
        }
        if (vocab->words) {
            d->vocab.words = vl_xmalloc((size_t)vocab->n * sizeof(char *));
            for (int i = 0; i < vocab->n; i++) d->vocab.words[i] = vl_xstrdup(vocab->words[i]);
        }
    } else {
        rc = vocab_build(text, (size_t)size, kind, &d->vocab);
        if (rc < 0) {
            free(text);
            return rc;
        }
    }
    rc = vl_lm_encode(&d->vocab, text, (size_t)size, &d->ids, &d->n);
    free(text);
    if (rc == VL_OK && d->n == 0)
        rc = vl_error(VL_ERR_FORMAT, "%s: no tokens (empty file?)", path);
    if (rc < 0) {
        vl_lm_data_free(d);
        return rc;
    }
    d->n_train = (int64_t)((double)d->n * 0.9);
    return VL_OK;
}

void vl_lm_data_free(vl_lm_data *d) {
    free(d->ids);
    vl_lm_vocab_free(&d->vocab);
    memset(d, 0, sizeof *d);
}
