/* src/text/g2p.c: English G2P to ARPAbet with stress, in the reference
 * repo's phone-file format.
 *
 * Text is normalised (unless the caller says it already is) and tagged; each
 * word becomes phones by, in order: letter names for single letters (with
 * the article "a"/"A" told apart), the homograph table, the dictionary's
 * first pronunciation, the parts of a hyphenated compound, a possessive 's
 * added to a dictionary word, and finally the OOV model (espeak-ng's rules
 * until the neural G2P exists; a per-instance cache means each distinct
 * unknown word is predicted once). An OOV answer that is not valid ARPAbet,
 * a missing model or a word longer than MAX_WORD is spelled with letter
 * names. Items (words, pause marks) are joined by " _ ", a pause mark itself
 * is "_": the reference's g2p_en output with " " and punctuation mapped to
 * "_". */
#include <stdlib.h>
#include <string.h>

#include "text_internal.h"
#include "valle/g2p.h"
#include "valle/core.h"

#define MAX_WORD 64     /* longer words are spelled, never sent to a model */
#define MAX_PHONES 512  /* bytes of one word's phones from the OOV model */

typedef struct cache {
    char **key;  /* "word\0phones" */
    size_t cap, n;
} cache;

struct vl_g2p {
    vl_cmudict *dict;
    vl_g2p_oov oov;
    bool has_oov;
    bool normalize;
    vl_g2p_stats st;
    cache oovs;
};

/* ---------------------------------------------------------------- phones */

bool arpabet_valid(const char *p, size_t n) {
    static const char *const cons[] = {"B", "CH", "D", "DH", "F", "G", "HH", "JH", "K",
                                       "L", "M", "N", "NG", "P", "R", "S", "SH", "T",
                                       "TH", "V", "W", "Y", "Z", "ZH", NULL};
    static const char *const vow[] = {"AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER",
                                      "EY", "IH", "IY", "OW", "OY", "UH", "UW", NULL};
    for (int i = 0; cons[i]; i++)
        if (strlen(cons[i]) == n && !memcmp(cons[i], p, n)) return true;
    if (n == 3 && p[2] >= '0' && p[2] <= '2')
        for (int i = 0; vow[i]; i++)
            if (!memcmp(vow[i], p, 2)) return true;
    return false;
}

static bool phones_valid(const char *s) {
    size_t n = strlen(s);
    if (!n) return false;
    for (size_t a = 0; a < n;) {
        size_t b = a;
        while (b < n && s[b] != ' ') b++;
        if (!arpabet_valid(s + a, b - a)) return false;
        a = b + 1;
        if (b + 1 == n) return false;  /* trailing space */
    }
    return true;
}

/* ----------------------------------------------------------------- cache */

static uint64_t hash_str(const char *s) {
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static char **cache_slot(cache *c, const char *w) {
    size_t i = (size_t)hash_str(w) & (c->cap - 1);
    while (c->key[i] && strcmp(c->key[i], w)) i = (i + 1) & (c->cap - 1);
    return &c->key[i];
}

static const char *cache_get(cache *c, const char *w) {
    if (!c->cap) return NULL;
    char *k = *cache_slot(c, w);
    return k ? k + strlen(k) + 1 : NULL;
}

static void cache_put(cache *c, const char *w, const char *phones) {
    if (2 * (c->n + 1) > c->cap) {
        cache old = *c;
        c->cap = old.cap ? 2 * old.cap : 256;
        c->key = vl_xcalloc(c->cap, sizeof *c->key);
        for (size_t i = 0; i < old.cap; i++)
            if (old.key[i]) *cache_slot(c, old.key[i]) = old.key[i];
        free(old.key);
    }
    size_t a = strlen(w), b = strlen(phones);
    char *k = vl_xmalloc(a + b + 2);
    memcpy(k, w, a + 1);
    memcpy(k + a + 1, phones, b + 1);
    *cache_slot(c, w) = k;
    c->n++;
}

static void cache_free(cache *c) {
    for (size_t i = 0; i < c->cap; i++) free(c->key[i]);
    free(c->key);
    memset(c, 0, sizeof *c);
}

/* ------------------------------------------------------------------ words */

typedef struct wctx {
    const char *prev2, *prev, *next;  /* lower-case neighbours, NULL at a pause */
    bool article_a;                   /* an upper-case "A" here is the article */
} wctx;

static void put_phones(tbuf *o, const char *p) {
    tb_space(o);
    tb_puts(o, p);
}

/* Letter names from the dictionary ("a" is the article there: EY1). */
static void spell(vl_g2p *g, const char *w, size_t n, tbuf *o) {
    for (size_t i = 0; i < n; i++) {
        int c = to_lower((unsigned char)w[i]);
        if (!is_alpha(c)) continue;
        char l = (char)c;
        const char *p = c == 'a' ? "EY1" : cmudict_lookup(g->dict, &l, 1, 0);
        put_phones(o, p ? p : "EY1");  /* a dictionary without letters */
    }
}

static int spell_oov(void *state, const char *word, char *out, size_t cap) {
    tbuf o = {0};
    spell(state, word, strlen(word), &o);
    int len = (int)o.len;
    if (o.len + 1 > cap) len = VL_ERR_NOMEM;
    else memcpy(out, o.p ? o.p : "", o.len + 1);
    tb_free(&o);
    return len;
}

void vl_g2p_oov_spell(vl_g2p *g, vl_g2p_oov *out) {
    *out = (vl_g2p_oov){"spell", g, spell_oov, NULL};
}

typedef enum { SRC_DICT, SRC_HOMOGRAPH, SRC_DERIVED, SRC_OOV, SRC_SPELLED } source;

static source worst(source a, source b) { return a > b ? a : b; }

static source oov_word(vl_g2p *g, const char *low, size_t n, tbuf *o) {
    if (n > MAX_WORD || !g->has_oov) {
        spell(g, low, n, o);
        return SRC_SPELLED;
    }
    const char *hit = cache_get(&g->oovs, low);
    if (!hit) {
        char buf[MAX_PHONES];
        int rc = g->oov.word(g->oov.state, low, buf, sizeof buf);
        if (rc <= 0 || !phones_valid(buf)) {
            spell(g, low, n, o);
            return SRC_SPELLED;
        }
        cache_put(&g->oovs, low, buf);
        g->st.oov_distinct++;
        hit = cache_get(&g->oovs, low);
    }
    put_phones(o, hit);
    return SRC_OOV;
}

static source word_phones(vl_g2p *g, const char *w, size_t n, const wctx *cx, tbuf *o,
                          int depth);

/* Text that still needs normalising (digits, symbols, other scripts): read
 * its normalised words one by one. */
static source normalized_phones(vl_g2p *g, const char *w, size_t n, tbuf *o, int depth) {
    char *tmp = vl_xmalloc(n + 1), *norm;
    memcpy(tmp, w, n);
    tmp[n] = 0;
    vl_text_normalize(tmp, &norm);
    free(tmp);
    vl_tokens t;
    vl_text_tag(norm, &t);
    source s = SRC_DICT;
    for (int i = 0; i < t.n; i++)
        if (t.v[i].kind == VL_TOKEN_WORD) {
            wctx none = {0};
            s = worst(s, word_phones(g, norm + t.v[i].start, t.v[i].len, &none, o, depth + 1));
        }
    vl_tokens_free(&t);
    free(norm);
    return s;
}

static source word_phones(vl_g2p *g, const char *w, size_t n, const wctx *cx, tbuf *o,
                          int depth) {
    if (n > MAX_WORD) {
        spell(g, w, n, o);
        return SRC_SPELLED;
    }
    char low[MAX_WORD + 1];
    bool plain = true;
    for (size_t i = 0; i < n; i++) {
        int c = to_lower((unsigned char)w[i]);
        low[i] = (char)c;
        plain &= is_lower(c) || c == '\'' || c == '-';
    }
    low[n] = 0;
    if (!plain) {
        if (depth > 0) {  /* the normaliser left it: spell what letters it has */
            spell(g, w, n, o);
            return SRC_SPELLED;
        }
        return normalized_phones(g, w, n, o, depth);
    }
    if (n == 1 && low[0] == 'a') {
        put_phones(o, w[0] == 'A' && !cx->article_a ? "EY1" : "AH0");
        return SRC_DICT;
    }
    const char *p;
    if (n > 1 && (p = homograph_pron(low, cx->prev2, cx->prev, cx->next))) {
        put_phones(o, p);
        return SRC_HOMOGRAPH;
    }
    if ((p = cmudict_lookup(g->dict, low, n, 0))) {
        put_phones(o, p);
        return SRC_DICT;
    }
    /* well-known, twenty-one: the parts, as one word */
    if (memchr(low, '-', n) && depth < 2) {
        source s = SRC_DICT;
        bool any = false;
        for (size_t a = 0; a < n;) {
            size_t b = a;
            while (b < n && low[b] != '-') b++;
            if (b > a) {
                wctx none = {0};
                s = worst(s, word_phones(g, low + a, b - a, &none, o, depth + 1));
                any = true;
            }
            a = b + 1;
        }
        if (any) return s;
    }
    /* possessives and plain apostrophes: john's, students', goin' */
    if (n > 2 && low[n - 2] == '\'' && low[n - 1] == 's' &&
        (p = cmudict_lookup(g->dict, low, n - 2, 0))) {
        const char *last = strrchr(p, ' ');
        last = last ? last + 1 : p;
        bool sibilant = !strcmp(last, "S") || !strcmp(last, "Z") || !strcmp(last, "SH") ||
                        !strcmp(last, "ZH") || !strcmp(last, "CH") || !strcmp(last, "JH");
        bool voiceless = !strcmp(last, "P") || !strcmp(last, "T") || !strcmp(last, "K") ||
                         !strcmp(last, "F") || !strcmp(last, "TH");
        put_phones(o, p);
        put_phones(o, sibilant ? "IH0 Z" : voiceless ? "S" : "Z");
        return SRC_DERIVED;
    }
    if (n > 1 && (low[n - 1] == '\'' || low[0] == '\'')) {
        size_t a = low[0] == '\'', b = n - (low[n - 1] == '\'');
        if (b > a && (p = cmudict_lookup(g->dict, low + a, b - a, 0))) {
            put_phones(o, p);
            return SRC_DERIVED;
        }
    }
    /* the OOV model sees letters and inner apostrophes only */
    size_t a = 0, b = n;
    while (a < b && (low[a] == '\'' || low[a] == '-')) a++;
    while (b > a && (low[b - 1] == '\'' || low[b - 1] == '-')) b--;
    if (a == b) return SRC_DICT;  /* only apostrophes and hyphens: silent */
    low[b] = 0;
    return oov_word(g, low + a, b - a, o);
}

static void count(vl_g2p *g, source s) {
    g->st.words++;
    switch (s) {
    case SRC_DICT: g->st.dict++; break;
    case SRC_HOMOGRAPH: g->st.homographs++; break;
    case SRC_DERIVED: g->st.derived++; break;
    case SRC_OOV: g->st.oov++; break;
    case SRC_SPELLED: g->st.spelled++; break;
    }
}

/* ------------------------------------------------------------------- API */

int vl_g2p_open(vl_g2p **out, const vl_g2p_options *opt) {
    if (!out) return vl_error(VL_ERR_ARG, "vl_g2p_open: NULL output");
    *out = NULL;
    vl_g2p_options def = {0};
    if (!opt) opt = &def;
    const char *path = opt->dict_path;
    if (!path || !*path) path = getenv("VALLE_CMUDICT");
    vl_g2p *g = vl_xcalloc(1, sizeof *g);
    g->normalize = !opt->no_normalize;
    int rc = path && *path ? cmudict_load_file(&g->dict, path) : cmudict_load_builtin(&g->dict);
    if (rc < 0) {
        free(g);
        return rc;
    }
    const char *oov = opt->oov && *opt->oov ? opt->oov : NULL;
    if (oov && strcmp(oov, "neural") && strcmp(oov, "espeak") && strcmp(oov, "spell")) {
        vl_g2p_close(g);
        return vl_error(VL_ERR_ARG, "unknown OOV model '%s' (expected neural, espeak or spell)",
                        oov);
    }
    vl_g2p_oov o;
    /* Default: the neural G2P (issue 4's model) when its file loads, else
     * espeak-ng's rules, else spelling. An explicit choice must work. */
    if (!oov || !strcmp(oov, "neural")) {
        vl_neural_g2p *ng;
        rc = vl_neural_g2p_load(NULL, &ng);
        if (rc == VL_OK) {
            vl_g2p_set_oov(g, (vl_g2p_oov){"neural", ng, vl_neural_g2p_word, vl_neural_g2p_free});
            *out = g;
            return VL_OK;
        }
        if (oov) {
            vl_g2p_close(g);
            return rc;
        }
    }
    if (!oov || !strcmp(oov, "espeak")) {
        rc = vl_g2p_oov_espeak(&o);
        if (rc < 0 && oov) {  /* asked for explicitly: an error */
            vl_g2p_close(g);
            return rc;
        }
        if (rc < 0) vl_g2p_oov_spell(g, &o);
    } else {
        vl_g2p_oov_spell(g, &o);
    }
    vl_g2p_set_oov(g, o);
    *out = g;
    return VL_OK;
}

void vl_g2p_set_oov(vl_g2p *g, vl_g2p_oov oov) {
    if (g->has_oov && g->oov.free) g->oov.free(g->oov.state);
    g->oov = oov;
    g->has_oov = oov.word != NULL;
    cache_free(&g->oovs);
}

void vl_g2p_close(vl_g2p *g) {
    if (!g) return;
    if (g->has_oov && g->oov.free) g->oov.free(g->oov.state);
    cache_free(&g->oovs);
    cmudict_free(g->dict);
    free(g);
}

const vl_g2p_stats *vl_g2p_get_stats(const vl_g2p *g) { return &g->st; }
void vl_g2p_reset_stats(vl_g2p *g) { memset(&g->st, 0, sizeof g->st); }
long vl_g2p_dict_size(const vl_g2p *g) { return cmudict_size(g->dict); }

static const char *source_name(const vl_g2p *g, source s) {
    switch (s) {
    case SRC_DICT: return "dict";
    case SRC_HOMOGRAPH: return "homograph";
    case SRC_DERIVED: return "derived";
    case SRC_OOV: return g->oov.name;
    case SRC_SPELLED: return "spell";
    }
    return "?";
}

int vl_g2p_word(vl_g2p *g, const char *word, char **out, const char **src) {
    if (!g || !word || !out) return vl_error(VL_ERR_ARG, "vl_g2p_word: NULL argument");
    tbuf o = {0};
    wctx none = {0};
    source s = word_phones(g, word, strlen(word), &none, &o, 0);
    count(g, s);
    if (src) *src = source_name(g, s);
    *out = tb_take(&o);
    return VL_OK;
}

/* Lower-case copy of a word token (for homograph context), or NULL. */
static char *lower_word(const vl_tokens *t, int i, char *buf, size_t cap) {
    if (i < 0 || i >= t->n || t->v[i].kind != VL_TOKEN_WORD || t->v[i].len >= cap) return NULL;
    for (size_t k = 0; k < t->v[i].len; k++) buf[k] = (char)to_lower((unsigned char)t->text[t->v[i].start + k]);
    buf[t->v[i].len] = 0;
    return buf;
}

/* Index of the word before/after token i within its clause, or -1. */
static int neighbour(const vl_tokens *t, int i, int dir) {
    for (int j = i + dir; j >= 0 && j < t->n; j += dir) {
        if (t->v[j].kind == VL_TOKEN_WORD) return j;
        if (t->v[j].pause) return -1;
    }
    return -1;
}

int vl_g2p_phonemize(vl_g2p *g, const char *text, char **out) {
    if (!g || !out) return vl_error(VL_ERR_ARG, "vl_g2p_phonemize: NULL argument");
    char *norm = NULL;
    const char *src = text ? text : "";
    if (g->normalize) {
        vl_text_normalize(src, &norm);
        src = norm;
    }
    vl_tokens t;
    vl_text_tag(src, &t);
    tbuf o = {0};
    bool first = true;
    char b2[32], b1[32], b3[32];
    for (int i = 0; i < t.n; i++) {
        const vl_token *k = &t.v[i];
        if (k->kind == VL_TOKEN_PUNCT) {
            if (!k->pause) continue;
            tb_puts(&o, first ? "_" : " _ _");  /* separator, then the mark */
            first = false;
            continue;
        }
        int ip = neighbour(&t, i, -1), in = neighbour(&t, i, +1);
        int ip2 = ip >= 0 ? neighbour(&t, ip, -1) : -1;
        wctx cx = {lower_word(&t, ip2, b2, sizeof b2), lower_word(&t, ip, b1, sizeof b1),
                   lower_word(&t, in, b3, sizeof b3), false};
        /* "A" is the article before a lower-case word */
        if (in >= 0 && t.v[in].len > 1 && !is_upper((unsigned char)src[t.v[in].start]))
            cx.article_a = true;
        tbuf w = {0};
        count(g, word_phones(g, src + k->start, k->len, &cx, &w, 0));
        if (w.len) {
            size_t a = 0;
            while (a < w.len && w.p[a] == ' ') a++;
            if (!first) tb_puts(&o, " _ ");
            tb_putn(&o, w.p + a, w.len - a);
            first = false;
        }
        tb_free(&w);
    }
    vl_tokens_free(&t);
    free(norm);
    *out = tb_take(&o);
    return VL_OK;
}
