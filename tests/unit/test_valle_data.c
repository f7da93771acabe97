/* tests/unit/test_valle_data.c: the VALL-E data set over a small tree made
 * here: counts and the phone filters, single-utterance speakers dropped,
 * speakers from path components -2 and -3, the per-speaker split (round
 * half to even of 0.95 n), the phone and speaker maps, the speaker-balanced
 * sampler, prompts (other utterances of the same speaker, 1..max_prompts
 * of them), the interleaved evaluation orders, and the errors: unknown
 * phone, mismatched levels, codes outside the vocabulary, missing phone
 * file, bad .npy, no usable utterance. Also the phone file parser and the
 * symbol map's JSON form, and the shared valle-test utterance when
 * ../shared is there. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "valle/codec.h"
#include "valle/valle_data.h"

#define LEVELS 2

static int next_file_id = 1;

static void mkdirs(const char *path) {
    char buf[512];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            mkdir(buf, 0755);
            *p = '/';
        }
    mkdir(buf, 0755);
}

static void write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

/* dir/name.qnt.npy with `frames` frames of `levels` levels whose codes
 * encode a unique file id (id * 1000 + t * 4 + l), and dir/name.phn.txt
 * with n_phones symbols drawn from a small set (or `phones` if given). */
static void make_utt(const char *dir, const char *name, int frames, int levels, int n_phones,
                     const char *phones) {
    char path[512];
    mkdirs(dir);
    vl_codes q;
    vl_codes_init(&q, levels, frames);
    int id = next_file_id++;
    for (int l = 0; l < levels; l++)
        for (int t = 0; t < frames; t++) q.data[l * frames + t] = id * 1000 + t * 4 + l;
    snprintf(path, sizeof path, "%s/%s.qnt.npy", dir, name);
    CHECK(vl_codes_save_npy(&q, path) == VL_OK);
    vl_codes_free(&q);
    snprintf(path, sizeof path, "%s/%.*s.phn.txt", dir, (int)strcspn(name, "."), name);
    if (phones) {
        write_text(path, phones);
        return;
    }
    static const char *set[] = {"AH0", "B", "K", "_", "IY1", "S"};
    char text[2048] = "";
    for (int k = 0; k < n_phones; k++) {
        strcat(text, set[(k + id) % 6]);
        strcat(text, k % 5 == 4 ? "\n" : " ");
    }
    write_text(path, text);
}

static const char *root(const char *sub) {
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", test_tmpdir(), sub);
    return buf[k];
}

/* T/d1/A: 20 utterances + one too short + one of only "_",
 * T/d1/B: 10 + one too long, T/d1/C: 1, T/d2/D: 30. */
static void make_tree(void) {
    char name[32];
    for (int i = 0; i < 20; i++) {
        snprintf(name, sizeof name, "a%02d", i);
        make_utt(root("T/d1/A"), name, 5 + i % 4, LEVELS, 8 + i % 20, NULL);
    }
    make_utt(root("T/d1/A"), "short", 6, LEVELS, 7, NULL);
    make_utt(root("T/d1/A"), "under", 6, LEVELS, 0, "_ _ _ _ _ _ _ _ _ _ _");
    for (int i = 0; i < 10; i++) {
        snprintf(name, sizeof name, "b%02d", i);
        make_utt(root("T/d1/B"), name, 3 + i % 3, LEVELS, 30, NULL);
    }
    make_utt(root("T/d1/B"), "long", 6, LEVELS, 49, NULL);
    make_utt(root("T/d1/C"), "c00", 6, LEVELS, 20, NULL);
    for (int i = 0; i < 30; i++) {
        snprintf(name, sizeof name, "d%02d.extra", i);   /* stem stops at the first '.' */
        make_utt(root("T/d2/D"), name, 4 + i % 5, LEVELS, 12, NULL);
    }
}

static vl_valle_data_opts tree_opts(const char *const *dirs, int n_dirs) {
    vl_valle_data_opts o = vl_valle_data_opts_default();
    o.dirs = dirs;
    o.n_dirs = n_dirs;
    o.quiet = true;
    return o;
}

static int count_spkr(const vl_valle_data *d, const int *idx, int n, const char *spkr) {
    int c = 0;
    for (int i = 0; i < n; i++) c += !strcmp(d->utts[idx[i]].spkr_name, spkr);
    return c;
}

/* The prompt is parts of other utterances of u's speaker, concatenated;
 * returns the part count or -1. */
static int prompt_parts(const vl_valle_data *d, const vl_valle_sample *s) {
    const vl_valle_utt *u = &d->utts[s->utt];
    int at = 0, parts = 0;
    while (at < s->prom_frames) {
        int found = -1;
        for (int v = 0; v < d->n_utts; v++)
            if (d->utts[v].codes[0] == s->prom[(size_t)at * LEVELS]) found = v;
        if (found < 0 || found == s->utt || d->utts[found].spkr != u->spkr) return -1;
        const vl_valle_utt *p = &d->utts[found];
        if (at + p->frames > s->prom_frames ||
            memcmp(p->codes, s->prom + (size_t)at * LEVELS,
                   (size_t)p->frames * LEVELS * sizeof(int32_t)))
            return -1;
        at += p->frames;
        parts++;
    }
    return parts;
}

static void test_tree(void) {
    const char *dirs[2] = {root("T/d1"), root("T/d2/")};
    vl_valle_data_opts o = tree_opts(dirs, 2);
    vl_valle_data d;
    int rc = vl_valle_data_open(&d, &o);
    CHECK_MSG(rc == VL_OK, "open: %s", vl_last_error());
    if (rc < 0) return;
    /* 64 files - short - long - only "_" - C (single) */
    CHECK_INT(d.n_utts, 60);
    CHECK_INT(d.levels, LEVELS);
    CHECK_INT(d.spkrs.n, 3);
    CHECK(!strcmp(d.spkrs.names[0], "A") && !strcmp(d.spkrs.names[1], "B") &&
          !strcmp(d.spkrs.names[2], "D"));
    CHECK_INT(vl_symmap_find(&d.spkrs, "A"), 0);
    CHECK_INT(vl_symmap_find(&d.spkrs, "D"), 2);
    CHECK_INT(vl_symmap_find(&d.spkrs, "C"), -1);
    for (int i = 0; i < d.n_utts; i++) {
        CHECK(!strstr(d.utts[i].stem, "short") && !strstr(d.utts[i].stem, "long") &&
              !strstr(d.utts[i].stem, "under") && strcmp(d.utts[i].spkr_name, "C"));
        CHECK(d.utts[i].n_phones >= 10 && d.utts[i].n_phones <= 50);
        if (i) CHECK(strcmp(d.utts[i - 1].stem, d.utts[i].stem) < 0);
    }
    CHECK(strstr(d.utts[d.n_utts - 1].stem, "D/d29") &&
          !strstr(d.utts[d.n_utts - 1].stem, "."));
    /* split: round(0.95 n), half to even: 20 -> 19, 10 -> 9.5 -> 10, 30 -> 28.5 -> 28 */
    CHECK_INT(d.n_train, 57);
    CHECK_INT(d.n_val, 3);
    CHECK_INT(count_spkr(&d, d.train, d.n_train, "A"), 19);
    CHECK_INT(count_spkr(&d, d.train, d.n_train, "B"), 10);
    CHECK_INT(count_spkr(&d, d.train, d.n_train, "D"), 28);
    CHECK_INT(d.n_all_by_spkr[0] + d.n_all_by_spkr[1] + d.n_all_by_spkr[2], 60);
    /* phone map: sorted, ids from 1, contains <s> and </s>; every id valid */
    CHECK_INT(d.phones.base, 1);
    CHECK_INT(d.phones.n, 8);
    for (int i = 1; i < d.phones.n; i++)
        CHECK(strcmp(d.phones.names[i - 1], d.phones.names[i]) < 0);
    CHECK_INT(vl_symmap_find(&d.phones, d.phones.names[0]), 1);
    int bos = vl_symmap_find(&d.phones, "<s>"), eos = vl_symmap_find(&d.phones, "</s>");
    CHECK(bos >= 1 && eos >= 1);
    for (int i = 0; i < d.n_utts; i++) {
        CHECK_INT(d.utts[i].phones[0], bos);
        CHECK_INT(d.utts[i].phones[d.utts[i].n_phones - 1], eos);
        for (int k = 0; k < d.utts[i].n_phones; k++)
            CHECK(d.utts[i].phones[k] >= 1 && d.utts[i].phones[k] <= d.phones.n);
    }
    /* codes frame-major: codes[t * L + l] = id * 1000 + t * 4 + l */
    const vl_valle_utt *u0 = &d.utts[0];
    CHECK_INT(u0->codes[3 * LEVELS + 1] - u0->codes[0], 3 * 4 + 1);
    /* evaluation orders interleave speakers A, B, D in path order */
    CHECK_INT(d.n_subtrain, 20);
    for (int i = 0; i < d.n_subtrain; i++) {
        CHECK_INT(d.utts[d.subtrain[i]].spkr, i % 3);
        if (i >= 3) CHECK(d.subtrain[i] > d.subtrain[i - 3]);
    }
    CHECK_INT(d.n_val_eval, 3);
    CHECK(!strcmp(d.utts[d.val_eval[0]].spkr_name, "A"));
    CHECK(!strcmp(d.utts[d.val_eval[1]].spkr_name, "D"));
    CHECK(!strcmp(d.utts[d.val_eval[2]].spkr_name, "D"));
    CHECK(d.val_eval[1] < d.val_eval[2]);
    /* sampler: each speaker ~1/3 despite 19/10/28 training utterances;
     * prompts are other utterances of the same speaker, 1..3 of them */
    vl_rng rng;
    vl_rng_seed(&rng, 7);
    int by_spkr[3] = {0, 0, 0}, by_parts[4] = {0, 0, 0, 0}, bad = 0;
    for (int i = 0; i < 3000; i++) {
        vl_valle_sample s;
        CHECK(vl_valle_data_sample_train(&d, &rng, &s) == VL_OK);
        by_spkr[d.utts[s.utt].spkr]++;
        int parts = prompt_parts(&d, &s);
        if (parts < 1 || parts > 3) bad++;
        else by_parts[parts]++;
        if (s.resp_frames != d.utts[s.utt].frames || s.n_text != d.utts[s.utt].n_phones ||
            s.levels != LEVELS || s.text[0] != bos)
            bad++;
        vl_valle_sample_free(&s);
    }
    CHECK_INT(bad, 0);
    for (int s = 0; s < 3; s++) CHECK_NEAR(by_spkr[s] / 3000.0, 1 / 3.0, 0.04);
    /* P(1 part) = 0.2, P(2) = 0.16, P(3) = 0.64 */
    CHECK_NEAR(by_parts[1] / 3000.0, 0.2, 0.04);
    CHECK_NEAR(by_parts[3] / 3000.0, 0.64, 0.04);
    /* get(): a validation utterance, prompted from train + val */
    vl_valle_sample s;
    CHECK(vl_valle_data_get(&d, d.val[0], &rng, &s) == VL_OK);
    CHECK(prompt_parts(&d, &s) >= 1);
    vl_valle_sample_free(&s);
    CHECK(vl_valle_data_get(&d, d.n_utts, &rng, &s) == VL_ERR_ARG);
    /* the phone map's JSON round trip */
    char *json = vl_symmap_to_json(&d.phones);
    vl_symmap back;
    CHECK(vl_symmap_from_json(&back, json, 1) == VL_OK);
    CHECK_INT(back.n, d.phones.n);
    for (int i = 0; i < back.n && i < d.phones.n; i++)
        CHECK(!strcmp(back.names[i], d.phones.names[i]));
    /* reopening with the map given gives the same ids */
    o.phones = &back;
    vl_valle_data d2;
    CHECK(vl_valle_data_open(&d2, &o) == VL_OK);
    CHECK_INT(d2.n_utts, 60);
    if (d2.n_utts == 60)
        CHECK(!memcmp(d2.utts[5].phones, d.utts[5].phones, d.utts[5].n_phones * sizeof(int)));
    vl_valle_data_close(&d2);
    vl_symmap_free(&back);
    free(json);
    vl_valle_data_close(&d);

    /* speaker = grand-parent folder: d1 (A + B + C together) and d2 */
    o = tree_opts(dirs, 2);
    o.spkr_path_component = -3;
    CHECK(vl_valle_data_open(&d, &o) == VL_OK);
    CHECK_INT(d.spkrs.n, 2);
    CHECK(d.spkrs.n == 2 && !strcmp(d.spkrs.names[0], "d1") && !strcmp(d.spkrs.names[1], "d2"));
    CHECK_INT(d.n_utts, 61);   /* C's utterance is no longer alone */
    CHECK_INT(d.n_train, 29 + 28);   /* round(0.95 * 31) = 29 */
    vl_valle_data_close(&d);
    /* too few path components */
    o.spkr_path_component = -65;
    CHECK(vl_valle_data_open(&d, &o) == VL_ERR_ARG);
    o.spkr_path_component = -20;
    CHECK(vl_valle_data_open(&d, &o) == VL_ERR_FORMAT);
    CHECK(strstr(vl_last_error(), "path components") != NULL);
    /* required levels, vocabularies */
    o = tree_opts(dirs, 2);
    o.levels = 3;
    CHECK(vl_valle_data_open(&d, &o) == VL_ERR_FORMAT);
    CHECK(strstr(vl_last_error(), "expected 3") != NULL);
    o.levels = 2;
    o.vocab = (const int[]){100000, 100000};
    CHECK(vl_valle_data_open(&d, &o) == VL_OK);
    vl_valle_data_close(&d);
    o.vocab = (const int[]){100000, 1024};
    CHECK(vl_valle_data_open(&d, &o) == VL_ERR_FORMAT);
    CHECK(strstr(vl_last_error(), "level 1 frame 0") && strstr(vl_last_error(), "1024"));
    /* a given map without one phone */
    o = tree_opts(dirs, 2);
    vl_symmap small;
    CHECK(vl_symmap_from_json(&small, "[\"</s>\", \"<s>\", \"AH0\", \"B\", \"IY1\", \"K\", \"_\"]",
                              1) == VL_OK);
    o.phones = &small;
    CHECK(vl_valle_data_open(&d, &o) == VL_ERR_FORMAT);
    CHECK(strstr(vl_last_error(), "\"S\"") && strstr(vl_last_error(), ".phn.txt"));
    vl_symmap_free(&small);
    /* no usable utterance: the message says which filter removed what */
    o = tree_opts(dirs, 2);
    o.min_phones = 100;
    o.max_phones = 200;
    CHECK(vl_valle_data_open(&d, &o) == VL_ERR_FORMAT);
    CHECK(strstr(vl_last_error(), "no usable utterance") &&
          strstr(vl_last_error(), "64 have fewer than 100"));
}

static void test_bad_trees(void) {
    vl_valle_data d;
    const char *dir;
    vl_valle_data_opts o;
    /* mismatched level counts */
    make_utt(root("L/s"), "x1", 5, 2, 20, NULL);
    make_utt(root("L/s"), "x2", 5, 3, 20, NULL);
    dir = root("L");
    o = tree_opts(&dir, 1);
    CHECK(vl_valle_data_open(&d, &o) == VL_ERR_FORMAT);
    CHECK_MSG(strstr(vl_last_error(), "x2.qnt.npy") && strstr(vl_last_error(), "3 code levels"),
              "%s", vl_last_error());
    /* missing phone file */
    make_utt(root("M/s"), "y1", 5, 2, 20, NULL);
    make_utt(root("M/s"), "y2", 5, 2, 20, NULL);
    CHECK(remove(root("M/s/y2.phn.txt")) == 0);
    dir = root("M");
    o = tree_opts(&dir, 1);
    CHECK(vl_valle_data_open(&d, &o) == VL_ERR_IO);
    CHECK(strstr(vl_last_error(), "y2.phn.txt") != NULL);
    /* a bad .npy */
    make_utt(root("N/s"), "z1", 5, 2, 20, NULL);
    make_utt(root("N/s"), "z2", 5, 2, 20, NULL);
    write_text(root("N/s/z2.qnt.npy"), "\x93NUMPY garbage");
    dir = root("N");
    o = tree_opts(&dir, 1);
    CHECK(vl_valle_data_open(&d, &o) == VL_ERR_FORMAT);
    CHECK(strstr(vl_last_error(), "z2.qnt.npy") != NULL);
    /* a bad phone file (control character) */
    make_utt(root("N/s"), "z2", 5, 2, 20, "AH0 B\x01 K");
    CHECK(vl_valle_data_open(&d, &o) == VL_ERR_FORMAT);
    CHECK(strstr(vl_last_error(), "z2.phn.txt") && strstr(vl_last_error(), "control"));
    /* no codes at all, not a folder */
    mkdirs(root("E/empty"));
    dir = root("E");
    o = tree_opts(&dir, 1);
    CHECK(vl_valle_data_open(&d, &o) == VL_ERR_FORMAT);
    CHECK(strstr(vl_last_error(), "no *.qnt.npy") != NULL);
    dir = root("nonexistent");
    CHECK(vl_valle_data_open(&d, &o) == VL_ERR_IO);
    /* a symlink loop is walked once */
    make_utt(root("S/s"), "w1", 5, 2, 20, NULL);
    make_utt(root("S/s"), "w2", 5, 2, 20, NULL);
    CHECK(symlink("..", root("S/s/loop")) == 0);
    dir = root("S");
    o = tree_opts(&dir, 1);
    CHECK(vl_valle_data_open(&d, &o) == VL_OK);
    CHECK_INT(d.n_utts, 2);
    vl_valle_data_close(&d);
}

static void test_phone_parse(void) {
    char **syms;
    int n;
    const char *ok = "  HH AH0\tL\r\nOW1 _ \xc9\x99 \xe2\x80\x94\n";
    CHECK(vl_phone_parse(ok, strlen(ok), &syms, &n) == VL_OK);
    CHECK_INT(n, 7);
    if (n == 7) CHECK(!strcmp(syms[0], "HH") && !strcmp(syms[4], "_") &&
                      !strcmp(syms[5], "\xc9\x99"));
    for (int i = 0; i < n; i++) free(syms[i]);
    free(syms);
    CHECK(vl_phone_parse("", 0, &syms, &n) == VL_OK && n == 0);
    free(syms);
    CHECK(vl_phone_parse("A\0B", 3, &syms, &n) == VL_ERR_FORMAT);
    CHECK(syms == NULL && n == 0);
    CHECK(vl_phone_parse("A \xc0\xaf", 4, &syms, &n) == VL_ERR_FORMAT);   /* overlong */
    CHECK(vl_phone_parse("A \xe2\x80", 4, &syms, &n) == VL_ERR_FORMAT);   /* truncated */
    CHECK(vl_phone_parse("A \xed\xa0\x80", 5, &syms, &n) == VL_ERR_FORMAT); /* surrogate */
    char big[100];
    memset(big, 'x', sizeof big);
    CHECK(vl_phone_parse(big, 65, &syms, &n) == VL_ERR_FORMAT);
    CHECK(strstr(vl_last_error(), "65 bytes") != NULL);
    CHECK(vl_phone_parse(big, 64, &syms, &n) == VL_OK && n == 1);
    free(syms[0]);
    free(syms);
    /* 100001 symbols */
    size_t len = 200002;
    char *many = malloc(len);
    for (size_t i = 0; i < len; i += 2) many[i] = 'a', many[i + 1] = ' ';
    CHECK(vl_phone_parse(many, len, &syms, &n) == VL_ERR_FORMAT);
    CHECK(vl_phone_parse(many, len - 2, &syms, &n) == VL_OK && n == 100000);
    for (int i = 0; i < n; i++) free(syms[i]);
    free(syms);
    free(many);
    CHECK(vl_phone_file_read(root("no-such.phn.txt"), &syms, &n) == VL_ERR_IO);
    /* symbol maps: unsorted, duplicate or non-string JSON is refused */
    vl_symmap m;
    CHECK(vl_symmap_from_json(&m, "[\"b\", \"a\"]", 1) == VL_ERR_FORMAT);
    CHECK(vl_symmap_from_json(&m, "[\"a\", \"a\"]", 1) == VL_ERR_FORMAT);
    CHECK(vl_symmap_from_json(&m, "[\"a\", 3]", 1) == VL_ERR_FORMAT);
    CHECK(vl_symmap_from_json(&m, "{\"a\": 1}", 1) == VL_ERR_FORMAT);
    CHECK(vl_symmap_from_json(&m, "[\"a\", ", 1) == VL_ERR_FORMAT);
    CHECK(vl_symmap_from_json(&m, "[\"a\\\"q\", \"b\"]", 0) == VL_OK);
    char *json = vl_symmap_to_json(&m);
    CHECK(!strcmp(json, "[\"a\\\"q\", \"b\"]"));
    CHECK_INT(vl_symmap_find(&m, "b"), 1);
    free(json);
    vl_symmap_free(&m);
    const char *names[] = {"x", "b", "x", "a"};
    CHECK(vl_symmap_build(&m, names, 4, 0) == VL_OK);
    CHECK(m.n == 3 && !strcmp(m.names[0], "a") && !strcmp(m.names[2], "x"));
    vl_symmap_free(&m);
}

/* The shared utterance, copied as two utterances of one speaker. */
static void test_shared(void) {
    const char *src = test_shared_path("speech/valle-test/test.qnt.npy");
    if (!src) return;
    vl_codes q;
    CHECK(vl_codes_load_npy(&q, src) == VL_OK);
    mkdirs(root("V/spk"));
    CHECK(vl_codes_save_npy(&q, root("V/spk/test.qnt.npy")) == VL_OK);
    CHECK(vl_codes_save_npy(&q, root("V/spk/test2.qnt.npy")) == VL_OK);
    vl_codes_free(&q);
    char **syms;
    int n;
    src = test_shared_path("speech/valle-test/test.phn.txt");
    CHECK(src && vl_phone_file_read(src, &syms, &n) == VL_OK);
    FILE *f1 = fopen(root("V/spk/test.phn.txt"), "w"), *f2 = fopen(root("V/spk/test2.phn.txt"), "w");
    for (int i = 0; i < n; i++) {
        fprintf(f1, "%s ", syms[i]);
        fprintf(f2, "%s ", syms[i]);
        free(syms[i]);
    }
    free(syms);
    fclose(f1);
    fclose(f2);
    const char *dir = root("V");
    vl_valle_data_opts o = tree_opts(&dir, 1);
    o.min_phones = 1;
    o.levels = 8;
    o.vocab = (const int[]){1024, 1024, 1024, 1024, 1024, 1024, 1024, 1024};
    vl_valle_data d;
    int rc = vl_valle_data_open(&d, &o);
    CHECK_MSG(rc == VL_OK, "open: %s", vl_last_error());
    if (rc < 0) return;
    CHECK_INT(d.n_utts, 2);
    CHECK_INT(d.levels, 8);
    CHECK_INT(d.utts[0].frames, 149);
    CHECK_INT(d.n_train, 2);
    const vl_valle_utt *u = &d.utts[0];
    CHECK_INT(u->n_phones, n + 2);
    CHECK(!strcmp(d.phones.names[u->phones[0] - 1], "<s>"));
    CHECK(!strcmp(d.phones.names[u->phones[1] - 1], "HH"));
    CHECK(!strcmp(d.phones.names[u->phones[u->n_phones - 1] - 1], "</s>"));
    vl_rng rng;
    vl_rng_seed(&rng, 1);
    vl_valle_sample s;
    CHECK(vl_valle_data_sample_train(&d, &rng, &s) == VL_OK);
    CHECK(s.prom_frames % 149 == 0 && s.prom_frames >= 149 && s.prom_frames <= 3 * 149);
    vl_valle_sample_free(&s);
    vl_valle_data_close(&d);
}

int main(void) {
    make_tree();
    test_tree();
    test_bad_trees();
    test_phone_parse();
    test_shared();
    return test_summary();
}
