/* src/text/espeak_internal.h: libespeak-ng inside libvalle. espeak keeps its
 * state in globals: in this process every use holds espeak_lock; arbitrary
 * text (IPA for any language) goes to a forked worker process instead
 * (espeak_worker.c), because espeak-ng 1.51 has memory-safety bugs that
 * some inputs trigger (a crash there is an error here, not a crash). */
#ifndef VALLE_ESPEAK_INTERNAL_H
#define VALLE_ESPEAK_INTERNAL_H

#include <pthread.h>

#include "text_internal.h"

extern pthread_mutex_t espeak_lock;

/* With espeak_lock held (or in the single-threaded worker): */
int espeak_init_locked(void);
int espeak_voice_locked(const char *lang);
/* The phonemes of text (IPA or espeak's ASCII names), one clause after the
 * other; words joined by " _ ". */
void espeak_phonemes_locked(const char *text, bool ipa, tbuf *o);

/* Validates a language name's characters (not whether espeak has it). */
int espeak_check_lang(const char *lang);

/* Runs espeak_voice_locked(lang) and, for a non-empty text,
 * espeak_phonemes_locked in the worker process; *out is malloc'd. A worker
 * that dies or hangs gives VL_ERR_FORMAT and is restarted on the next call. */
int espeak_worker_call(const char *lang, const char *text, bool ipa, char **out);

#endif
