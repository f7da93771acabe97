/* src/text/espeak_g2p.c: libespeak-ng as the OOV model of the English G2P
 * (its en-us letter-to-sound rules, mapped to ARPAbet by espeak_map.c) and
 * as the G2P of every other language it has (IPA).
 *
 * The OOV model runs espeak in this process: it only ever sees lower-case
 * ASCII letters and apostrophes, at most 64 of them. Text for IPA may be
 * anything, so it goes through the worker process (espeak_worker.c). espeak
 * is initialised on first use (synchronous mode, no audio) and terminated
 * at exit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text_internal.h"
#include "valle/core.h"

#ifdef VALLE_HAVE_ESPEAK

#include <espeak-ng/speak_lib.h>

#include "espeak_internal.h"

pthread_mutex_t espeak_lock = PTHREAD_MUTEX_INITIALIZER;
static int state;       /* 0: not tried, 1: ready, -1: failed */
static char voice[64];  /* the current voice */

static void terminate(void) {
    pthread_mutex_lock(&espeak_lock);
    if (state == 1) espeak_Terminate();
    state = 0;
    pthread_mutex_unlock(&espeak_lock);
}

int espeak_init_locked(void) {
    if (state == 0) {
        int rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, NULL, espeakINITIALIZE_DONT_EXIT);
        state = rate > 0 ? 1 : -1;
        if (state == 1) atexit(terminate);
        voice[0] = 0;
    }
    if (state < 0)
        return vl_error(VL_ERR_UNSUPPORTED, "espeak-ng failed to initialise (is espeak-ng-data installed?)");
    return VL_OK;
}

int espeak_check_lang(const char *lang) {
    if (!lang || !*lang || strlen(lang) >= sizeof voice)
        return vl_error(VL_ERR_ARG, "espeak: empty or too long language name");
    for (const char *p = lang; *p; p++)
        if (!is_alnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '+')
            return vl_error(VL_ERR_ARG, "espeak: bad language name '%s'", lang);
    return VL_OK;
}

int espeak_voice_locked(const char *lang) {
    int rc = espeak_check_lang(lang);
    if (rc < 0) return rc;
    if (!strcmp(voice, lang)) return VL_OK;
    if (espeak_SetVoiceByName(lang) != EE_OK) {
        voice[0] = 0;
        return vl_error(VL_ERR_ARG, "espeak-ng has no language '%s' (see --list-langs)", lang);
    }
    snprintf(voice, sizeof voice, "%s", lang);
    return VL_OK;
}

int vl_espeak_available(void) {
    pthread_mutex_lock(&espeak_lock);
    int rc = espeak_init_locked();
    pthread_mutex_unlock(&espeak_lock);
    return rc == VL_OK;
}

/* Joins to the phoneme before it: length and other spacing modifiers,
 * combining diacritics, tone digits and espeak's liaison/tone marks. */
static bool ipa_modifier(uint32_t cp) {
    return (cp >= 0x2b0 && cp <= 0x2ff && cp != 0x2c8 && cp != 0x2cc) ||
           (cp >= 0x300 && cp <= 0x36f) || (cp >= 0x1dc0 && cp <= 0x1dff) ||
           (cp >= '0' && cp <= '9') || cp == '-' || cp == '.' || cp == ':';
}

/* One word of espeak's tied IPA ("kəmpˈæɹətˌɪvli", "ˈo͡ʊ") as phonemes
 * separated by spaces, stress marks on the phoneme they precede, the tie
 * dropped. */
static void split_ipa_word(const char *w, size_t n, tbuf *o) {
    bool open = false, tie = false, stress = false;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int k = vl_utf8_decode((const unsigned char *)w + i, n - i, &cp);
        if (k == 0) k = 1, cp = 0xfffd;
        if (cp == 0x361 || cp == 0x35c) {  /* tie: the next letter joins */
            tie = true;
        } else if (cp == 0x2c8 || cp == 0x2cc) {  /* stress: starts a phoneme */
            if (!stress && o->len) tb_putc(o, ' ');
            tb_putn(o, w + i, (size_t)k);
            stress = true, open = false;
        } else if ((ipa_modifier(cp) && open) || tie || stress) {
            tb_putn(o, w + i, (size_t)k);
            open = true, tie = false, stress = false;
        } else {
            if (o->len) tb_putc(o, ' ');
            tb_putn(o, w + i, (size_t)k);
            open = true;
        }
        i += (size_t)k;
    }
}

void espeak_phonemes_locked(const char *text, bool ipa, tbuf *o) {
    const void *p = text;
    /* IPA: phonemes tied, words separated by one space (the separator mode
     * puts spaces inside some words, "b ˌiː  ɪ ŋ"); ASCII: separated */
    int mode = ipa ? espeakPHONEMES_IPA | espeakPHONEMES_TIE | (0x361 << 8) : ' ' << 8;
    tbuf clean = {0}, word = {0};
    while (p) {
        const char *raw = espeak_TextToPhonemes(&p, espeakCHARS_UTF8, mode);
        if (!raw) break;
        /* drop the language-switch marks "(en)", "(cmn)" espeak writes when
         * it reads a word with another language's rules (tied in IPA) */
        clean.len = 0;
        for (const char *q = raw; *q; q++) {
            if (*q == '(') {
                const char *e = q + 1;
                while (is_lower((unsigned char)*e) || *e == '-' || !strncmp(e, "\xcd\xa1", 2))
                    e += *e == '\xcd' ? 2 : 1;
                if (*e == ')' && e > q + 1) {
                    q = e;
                    continue;
                }
            }
            tb_putc(&clean, *q);
        }
        const char *sep = ipa ? " " : "  ";
        for (const char *q = clean.len ? clean.p : ""; *q;) {
            while (*q == ' ') q++;
            if (!*q) break;
            const char *e = strstr(q, sep);
            size_t len = e ? (size_t)(e - q) : strlen(q);
            while (len && q[len - 1] == ' ') len--;
            if (len) {
                if (o->len) tb_puts(o, " _ ");
                if (ipa) {
                    word.len = 0;
                    split_ipa_word(q, len, &word);
                    tb_putn(o, word.p, word.len);
                } else {
                    tb_putn(o, q, len);
                }
            }
            q += e ? (size_t)(e - q) : strlen(q);
        }
    }
    tb_free(&clean);
    tb_free(&word);
}

static int espeak_oov_word(void *unused, const char *word, char *out, size_t cap) {
    (void)unused;
    pthread_mutex_lock(&espeak_lock);
    int rc = espeak_init_locked();
    if (rc == VL_OK) rc = espeak_voice_locked("en-us");
    tbuf o = {0};
    if (rc == VL_OK) espeak_phonemes_locked(word, false, &o);
    pthread_mutex_unlock(&espeak_lock);
    if (rc == VL_OK) {
        /* a word espeak split ("wheel _ barrow") is still one word */
        char *s = o.p ? o.p : "";
        for (char *u; (u = strstr(s, " _ ")) != NULL;) memmove(u, u + 2, strlen(u + 2) + 1);
        rc = vl_espeak_to_arpabet(s, out, cap);
    }
    tb_free(&o);
    return rc;
}

int vl_g2p_oov_espeak(vl_g2p_oov *out) {
    pthread_mutex_lock(&espeak_lock);
    int rc = espeak_init_locked();
    if (rc == VL_OK) rc = espeak_voice_locked("en-us");
    pthread_mutex_unlock(&espeak_lock);
    if (rc < 0) return rc;
    *out = (vl_g2p_oov){"espeak", NULL, espeak_oov_word, NULL};
    return VL_OK;
}

int vl_espeak_phonemes(const char *lang, const char *word, char **out) {
    if (!word || !out) return vl_error(VL_ERR_ARG, "vl_espeak_phonemes: NULL argument");
    return espeak_worker_call(lang ? lang : "en-us", word, false, out);
}

int vl_espeak_ipa(const char *lang, const char *text, char **out) {
    if (!out) return vl_error(VL_ERR_ARG, "vl_espeak_ipa: NULL output");
    *out = NULL;
    char *clean;
    vl_text_clean(text, &clean);
    vl_tokens t;
    vl_text_tag(clean, &t);
    /* without words, still check the language (its first clause does) */
    char *ph = NULL;
    int rc = VL_OK, words = 0;
    for (int i = 0; i < t.n; i++) words += t.v[i].kind == VL_TOKEN_WORD;
    if (!words) {
        rc = espeak_worker_call(lang, "", true, &ph);
        free(ph);
    }
    tbuf o = {0}, run = {0};
    bool first = true;
    for (int i = 0; rc == VL_OK && i <= t.n; i++) {
        bool pause = i < t.n && t.v[i].kind == VL_TOKEN_PUNCT && t.v[i].pause;
        if (i < t.n && t.v[i].kind == VL_TOKEN_WORD) {
            if (run.len) tb_putc(&run, ' ');
            tb_putn(&run, clean + t.v[i].start, t.v[i].len);
        }
        if ((pause || i == t.n) && run.len) {  /* a clause of words */
            rc = espeak_worker_call(lang, run.p, true, &ph);
            if (rc == VL_OK && *ph) {
                if (!first) tb_puts(&o, " _ ");
                tb_puts(&o, ph);
                first = false;
            }
            free(ph);
            run.len = 0;
        }
        if (pause) {
            tb_puts(&o, first ? "_" : " _ _");
            first = false;
        }
    }
    tb_free(&run);
    vl_tokens_free(&t);
    free(clean);
    if (rc < 0) {
        tb_free(&o);
        return rc;
    }
    *out = tb_take(&o);
    return VL_OK;
}

int vl_espeak_list_languages(char **out) {
    if (!out) return vl_error(VL_ERR_ARG, "vl_espeak_list_languages: NULL output");
    pthread_mutex_lock(&espeak_lock);
    int rc = espeak_init_locked();
    tbuf o = {0};
    if (rc == VL_OK) {
        const espeak_VOICE **v = espeak_ListVoices(NULL);
        for (int i = 0; v && v[i]; i++) {
            const char *lang = v[i]->languages;  /* priority byte, name, NUL, ... */
            if (!lang || !lang[0]) continue;
            tb_puts(&o, lang + 1);
            tb_putc(&o, '\t');
            tb_puts(&o, v[i]->name ? v[i]->name : "");
            tb_putc(&o, '\n');
        }
        voice[0] = 0;  /* listing may change the current voice */
    }
    pthread_mutex_unlock(&espeak_lock);
    if (rc < 0) {
        tb_free(&o);
        return rc;
    }
    *out = tb_take(&o);
    return VL_OK;
}

#else /* built without libespeak-ng */

static int missing(void) {
    return vl_error(VL_ERR_UNSUPPORTED, "valle was built without libespeak-ng "
                                        "(apt-get install libespeak-ng-dev, then rebuild)");
}
int vl_espeak_available(void) {
    missing();  /* the reason, for vl_last_error */
    return 0;
}
int vl_g2p_oov_espeak(vl_g2p_oov *out) { (void)out; return missing(); }
int vl_espeak_ipa(const char *lang, const char *text, char **out) {
    (void)lang, (void)text, (void)out;
    return missing();
}
int vl_espeak_phonemes(const char *lang, const char *word, char **out) {
    (void)lang, (void)word, (void)out;
    return missing();
}
int vl_espeak_list_languages(char **out) { (void)out; return missing(); }

#endif
