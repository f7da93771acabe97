/* src/text/espeak_map.c: espeak-ng's English (en-us) phonemes, in its ASCII
 * names, mapped to ARPAbet with CMUdict's stress conventions.
 *
 * The table and the rules were fitted on the CMUdict training words
 * (../shared/data/g2p/cmudict-train.dict) by aligning espeak's output with
 * the dictionary; bench/RESULTS.md reports the result on the held-out words.
 * The rules: stress marks (' primary, , secondary) go to the first vowel of
 * the phoneme they precede; unmarked vowels are 0 except unmarked diphthongs
 * and AO (CMUdict gives them 2); secondary ER is ER0; unstressed [a] is AH0;
 * an r after an r-coloured vowel (3:, A@, o@, ...) is dropped, and so is the
 * British yod between t d n s z th l and a stressed u:. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text_internal.h"
#include "valle/core.h"

typedef struct pmap {
    const char *es, *arpa;
} pmap;

static const pmap ESPEAK_TO_ARPA[] = {
    /* consonants */
    {"p", "P"}, {"b", "B"}, {"t", "T"}, {"d", "D"}, {"k", "K"}, {"g", "G"},
    {"f", "F"}, {"v", "V"}, {"T", "TH"}, {"D", "DH"}, {"s", "S"}, {"z", "Z"},
    {"S", "SH"}, {"Z", "ZH"}, {"h", "HH"}, {"tS", "CH"}, {"dZ", "JH"},
    {"m", "M"}, {"n", "N"}, {"N", "NG"}, {"l", "L"}, {"r", "R"}, {"j", "Y"},
    {"w", "W"}, {"t#", "T"}, {"t2", "T"}, {"d#", "D"}, {"l#", "L"}, {"?", "T"},
    {"x", "K"}, {"n-", "AH N"}, {"m-", "AH M"}, {"l-", "AH L"}, {"@L", "AH L"},
    /* vowels */
    {"@", "AH"}, {"@2", "AH"}, {"@5", "AH"}, {"@-", "AH"}, {"3", "ER"},
    {"3:", "ER"}, {"a", "AE"}, {"a#", "AH"}, {"aa", "AE"}, {"A:", "AA"},
    {"A@", "AA R"}, {"A~", "AA N"}, {"A", "AA"}, {"0", "AA"}, {"O:", "AO"},
    {"O2", "AO"}, {"O", "AO"}, {"O@", "AO R"}, {"o@", "AO R"}, {"o", "OW"},
    {"OI", "OY"}, {"O~", "AO N"}, {"E", "EH"}, {"e", "EH"}, {"e@", "EH R"},
    {"eI", "EY"}, {"I", "IH"}, {"I2", "IH"}, {"I#", "IH"}, {"i", "IY"},
    {"i:", "IY"}, {"i@", "IY AH"}, {"i@3", "IH R"}, {"IR", "IH R"},
    {"aI", "AY"}, {"aI@", "AY AH"}, {"aI3", "AY ER"}, {"aI@3", "AY ER"},
    {"aU", "AW"}, {"aU@", "AW ER"}, {"oU", "OW"}, {"u:", "UW"}, {"u", "UW"},
    {"U", "UH"}, {"U@", "UH R"}, {"V", "AH"}, {"VR", "ER"},
};

static const char *const R_COLOURED[] = {"A@", "O@", "o@", "e@", "i@3", "U@", "3",
                                          "3:", "aI3", "aU@", "aI@3", "IR", "VR", NULL};

static const char *lookup(const char *tok) {
    for (size_t i = 0; i < sizeof ESPEAK_TO_ARPA / sizeof *ESPEAK_TO_ARPA; i++)
        if (!strcmp(ESPEAK_TO_ARPA[i].es, tok)) return ESPEAK_TO_ARPA[i].arpa;
    return NULL;
}

static bool in_set(const char *tok, const char *const *set) {
    for (int i = 0; set[i]; i++)
        if (!strcmp(tok, set[i])) return true;
    return false;
}

static bool arpa_vowel(const char *p) {
    return strlen(p) == 2 && strchr("AEIOU", p[0]) != NULL;
}

#define MAX_ES 128

typedef struct estok {
    char name[8];
    char stress;  /* '1', '2' or 0 */
} estok;

int vl_espeak_to_arpabet(const char *es, char *out, size_t cap) {
    if (!es || !out || !cap) return vl_error(VL_ERR_ARG, "vl_espeak_to_arpabet: NULL argument");
    estok t[MAX_ES];
    int n = 0;
    for (const char *p = es; *p && n < MAX_ES;) {
        while (*p == ' ') p++;
        if (!*p) break;
        const char *a = p;
        while (*p && *p != ' ') p++;
        char stress = 0;
        while (a < p && (*a == '\'' || *a == ',' || *a == '%' || *a == '=')) {
            if (*a == '\'') stress = '1';
            else if (*a == ',' && stress != '1') stress = '2';
            a++;
        }
        size_t len = (size_t)(p - a);
        if (!len || len >= sizeof t[n].name) continue;
        memcpy(t[n].name, a, len);
        t[n].name[len] = 0;
        /* i:: and other lengthened forms */
        while (len > 2 && t[n].name[len - 1] == ':' && t[n].name[len - 2] == ':') t[n].name[--len] = 0;
        if (!strcmp(t[n].name, "_") || !strcmp(t[n].name, ";") || !strcmp(t[n].name, "|") ||
            !strcmp(t[n].name, "_|") || !strcmp(t[n].name, "r-") || !strcmp(t[n].name, "||"))
            continue;
        t[n++].stress = stress;
    }
    tbuf o = {0};
    for (int i = 0; i < n; i++) {
        const char *name = t[i].name;
        const char *prev = i > 0 ? t[i - 1].name : "";
        if (!strcmp(name, "j") && i + 1 < n && t[i + 1].stress &&
            (!strcmp(t[i + 1].name, "u:") || !strcmp(t[i + 1].name, "U@") || !strcmp(t[i + 1].name, "U")) &&
            (!strcmp(prev, "t") || !strcmp(prev, "d") || !strcmp(prev, "n") || !strcmp(prev, "s") ||
             !strcmp(prev, "z") || !strcmp(prev, "T") || !strcmp(prev, "l")))
            continue;  /* new, tune: CMUdict's US forms have no yod */
        if (!strcmp(name, "r") && in_set(prev, R_COLOURED)) continue;
        const char *m = lookup(name);
        if (!m) continue;  /* a phoneme English does not use */
        if (!strcmp(name, "a") && !t[i].stress) m = "AH";
        bool first = true;
        for (const char *q = m; *q;) {
            const char *e = strchr(q, ' ');
            size_t len = e ? (size_t)(e - q) : strlen(q);
            char ph[4] = {0};
            memcpy(ph, q, len < 3 ? len : 3);
            tb_space(&o);
            tb_puts(&o, ph);
            if (arpa_vowel(ph)) {
                char s = first && t[i].stress ? t[i].stress : '0';
                if (first && !t[i].stress && strcmp(name, "O2") &&
                    (!strcmp(ph, "AY") || !strcmp(ph, "EY") || !strcmp(ph, "AW") ||
                     !strcmp(ph, "OY") || !strcmp(ph, "AO")))
                    s = '2';
                if (!strcmp(ph, "ER") && s == '2') s = '0';
                tb_putc(&o, s);
                first = false;
            }
            q += len;
            while (*q == ' ') q++;
        }
    }
    int len = (int)o.len;
    if (o.len + 1 > cap) {
        tb_free(&o);
        return vl_error(VL_ERR_NOMEM, "espeak phonemes too long for the buffer");
    }
    memcpy(out, o.p ? o.p : "", o.len + 1);
    tb_free(&o);
    return len;
}

