/* tests/unit/test_valle_config.c: the VALL-E training config: defaults
 * equal the reference (enhuiz/vall-e config.py) values, the shipped
 * config/ files load, spkr_name_getter lambdas parse (and other forms are
 * refused), data_dirs as a list or one string, model names, default
 * ckpt/log dirs, unknown keys / wrong types / bad ranges give "FILE:LINE"
 * errors, and the JSON dump holds every key and parses back. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "valle/io.h"
#include "valle/valle_config.h"

static void test_defaults(void) {
    vl_valle_config c;
    vl_valle_config_default(&c);
    CHECK(!strcmp(c.data_root, "data"));
    CHECK_INT(c.n_data_dirs, 0);
    CHECK_NEAR(c.p_additional_prompt, 0.8, 1e-7);
    CHECK_INT(c.max_prompts, 3);
    CHECK_INT(c.max_num_val, 20);
    CHECK_INT(c.max_val_ar_steps, 300);
    CHECK_INT(c.token_dim, 256);
    CHECK_INT(c.num_tokens, 1024);
    CHECK_INT(c.nj, 8);
    CHECK_INT(c.batch_size, 32);
    CHECK_INT(c.eval_batch_size, 32);
    CHECK(c.warmup_min_lr == 1e-6);
    CHECK(c.warmup_max_lr == 2e-4);
    CHECK(c.dis_warmup_max_lr == 4e-4);
    CHECK_INT(c.warmup_num_steps, 1000);
    CHECK_INT(c.max_iter, 1000000);
    CHECK(c.gradient_clipping == 100);
    CHECK_INT(c.eval_every, 2000);
    CHECK_INT(c.save_ckpt_every, 2000);
    CHECK(!strcmp(c.model, "ar-quarter"));
    CHECK(!strcmp(c.spkr_name_getter, "lambda p: p.parts[-2]"));
    CHECK_INT(c.min_phones, 10);
    CHECK_INT(c.max_phones, 50);
    CHECK(c.use_fp16);
    CHECK_INT(c.gradient_accumulation_steps, 1);
    CHECK(c.sampling_temperature == 1.0);
    CHECK(!c.cache_dataloader);
    CHECK_INT(c.spkr_path_component, -2);
    CHECK(!strcmp(c.codec, "lpcnet"));
    CHECK(c.codec_weights == NULL && c.ckpt_dir == NULL && c.log_dir == NULL);
    CHECK(c.seed == 0);
    CHECK_NEAR(c.p_dropout, 0.1, 1e-7);
    CHECK_INT(c.threads, 0);
    CHECK(c.ar_first_token_loss);
    CHECK_INT(c.log_every, 1);
    CHECK(vl_valle_config_check(&c) == 0);
    vl_valle_config_free(&c);
}

/* Writes text to a temp file named `name`; returns its path (static). */
static const char *write_yaml(const char *name, const char *text) {
    static char path[4096];
    snprintf(path, sizeof path, "%s/%s", test_tmpdir(), name);
    FILE *f = fopen(path, "wb");
    fputs(text, f);
    fclose(f);
    return path;
}

/* Loading `text` must fail with a message containing every `want`. */
static void load_fails(const char *text, const char *want1, const char *want2, int line) {
    vl_valle_config c;
    vl_valle_config_default(&c);
    const char *path = write_yaml("bad.yml", text);
    int rc = vl_valle_config_load(&c, path);
    const char *msg = vl_last_error();
    if (rc == 0) test_fail_at(__FILE__, line, "accepted: %s", text);
    else if (!strstr(msg, want1) || (want2 && !strstr(msg, want2)))
        test_fail_at(__FILE__, line, "message '%s' lacks '%s' / '%s'", msg, want1,
                     want2 ? want2 : "");
    else test_passed++;
    vl_valle_config_free(&c);
}
#define LOAD_FAILS(text, w1, w2) load_fails(text, w1, w2, __LINE__)

static void test_shipped_configs(void) {
    vl_valle_config c;
    vl_valle_config_default(&c);
    if (vl_valle_config_load(&c, "config/test/ar.yml") < 0) {
        test_fail_at(__FILE__, __LINE__, "%s", vl_last_error());
        vl_valle_config_free(&c);
        return;
    }
    CHECK_INT(c.n_data_dirs, 1);
    CHECK(!strcmp(c.data_dirs[0], "data/test"));
    CHECK(!strcmp(c.model, "ar-quarter"));
    CHECK_INT(c.batch_size, 1);
    CHECK_INT(c.max_prompts, 3);                    /* untouched default */
    CHECK(!strcmp(c.ckpt_dir, "ckpts/config/test/ar"));
    CHECK(!strcmp(c.log_dir, "logs/config/test/ar"));
    CHECK(!strcmp(c.path, "config/test/ar.yml"));
    vl_valle_config_free(&c);

    static const char *const others[] = {
        "config/test/nar.yml", "config/ar.yml", "config/nar.yml", "config/LibriTTS/ar.yml",
        "config/LibriTTS/nar.yml", "config/LibriTTS/ar-quarter.yml",
        "config/LibriTTS/nar-quarter.yml", "config/default-voice/ar.yml",
        "config/default-voice/nar.yml"};
    for (size_t i = 0; i < sizeof others / sizeof *others; i++) {
        vl_valle_config_default(&c);
        int rc = vl_valle_config_load(&c, others[i]);
        CHECK_MSG(rc == 0, "%s: %s", others[i], vl_last_error());
        CHECK(strncmp(c.model, strstr(others[i], "/nar") ? "nar" : "ar", 2) == 0);
        if (strstr(others[i], "LibriTTS")) {
            CHECK_INT(c.spkr_path_component, -3);
            CHECK_INT(c.eval_every, 10000);
            CHECK(!strcmp(c.data_dirs[0], "data/LibriTTS/"));
        }
        if (strstr(others[i], "default-voice")) {   /* the quarter preset, 6 layers */
            CHECK(!strcmp(c.model + (c.model[0] == 'n'), "ar-quarter"));
            CHECK_INT(c.n_layers, 6);
            CHECK_INT(c.d_model, 0);
            CHECK_INT(c.num_tokens, 0);
        }
        vl_valle_config_free(&c);
    }
}

static void test_keys(void) {
    vl_valle_config c;
    vl_valle_config_default(&c);
    const char *path = write_yaml("ok.yml",
        "data_dirs: data/one\n"
        "spkr_name_getter: 'lambda  x :x . parts [ -1 ] '\n"
        "model: nar-tiny\n"
        "warmup_max_lr: 1e-3\n"
        "max_iter: 1_000\n"
        "use_fp16: off\n"
        "codec: encodec\n"
        "codec_weights: ~\n"
        "seed: 42\n"
        "ckpt_dir: /tmp/ck\n");
    CHECK_MSG(vl_valle_config_load(&c, path) == 0, "%s", vl_last_error());
    CHECK_INT(c.n_data_dirs, 1);
    CHECK(!strcmp(c.data_dirs[0], "data/one"));
    CHECK_INT(c.spkr_path_component, -1);
    CHECK(!strcmp(c.model, "nar-tiny"));
    CHECK(c.warmup_max_lr == 1e-3);
    CHECK_INT(c.max_iter, 1000);
    CHECK(!c.use_fp16);
    CHECK(!strcmp(c.codec, "encodec"));
    CHECK(c.codec_weights == NULL);
    CHECK(c.seed == 42);
    CHECK(!strcmp(c.ckpt_dir, "/tmp/ck"));
    /* absolute config path: the base name without .yml */
    CHECK(!strcmp(c.log_dir, "logs/ok"));

    char *json = vl_valle_config_to_json(&c);
    vl_json *j = vl_json_parse(json, strlen(json));
    CHECK(j != NULL);
    CHECK_INT(j ? j->count : 0, 41);   /* every key of the header */
    CHECK(vl_json_number(j, "bucket_batches", 0) == 1); /* off by default */
    CHECK(vl_json_get(j, "n_layers") && vl_json_get(j, "n_layers")->number == 0);
    CHECK(!strcmp(vl_json_string(j, "model", ""), "nar-tiny"));
    CHECK(vl_json_number(j, "warmup_max_lr", 0) == 1e-3);
    CHECK(vl_json_number(j, "warmup_min_lr", 0) == 1e-6);
    CHECK(vl_json_number(j, "max_iter", 0) == 1000);
    CHECK(vl_json_get(j, "codec_weights") && vl_json_get(j, "codec_weights")->type == VL_JSON_NULL);
    CHECK(vl_json_get(j, "data_dirs") && vl_json_get(j, "data_dirs")->count == 1);
    CHECK(vl_json_get(j, "use_fp16") && vl_json_get(j, "use_fp16")->number == 0);
    CHECK(strstr(json, "\"p_additional_prompt\": 0.8,") != NULL);
    vl_json_free(j);
    free(json);
    vl_valle_config_free(&c);

    /* spkr_path_component wins over the lambda, in either order */
    vl_valle_config_default(&c);
    path = write_yaml("both.yml", "spkr_path_component: -4\n"
                                  "spkr_name_getter: \"lambda p: p.parts[-3]\"\n");
    CHECK(vl_valle_config_load(&c, path) == 0);
    CHECK_INT(c.spkr_path_component, -4);
    CHECK(!strcmp(c.spkr_name_getter, "lambda p: p.parts[-4]"));
    vl_valle_config_free(&c);
}

static void test_errors(void) {
    LOAD_FAILS("batch_size: 4\nbatch_sise: 8\n", "bad.yml:2: unknown key 'batch_sise'", NULL);
    LOAD_FAILS("batch_size: many\n", "bad.yml:1: key 'batch_size': expected an integer, got 'many'", NULL);
    LOAD_FAILS("batch_size: 0\n", "bad.yml:1: key 'batch_size'", "out of range");
    LOAD_FAILS("batch_size: 99999999999\n", "bad.yml:1:", "out of range");
    LOAD_FAILS("use_fp16: maybe\n", "bad.yml:1: key 'use_fp16': expected true or false", NULL);
    LOAD_FAILS("warmup_max_lr: fast\n", "bad.yml:1:", "expected a number");
    LOAD_FAILS("p_additional_prompt: 1.5\n", "bad.yml:1:", "out of range");
    LOAD_FAILS("\n\nspkr_name_getter: \"lambda p: p.name.split('_')[0]\"\n",
               "bad.yml:3: key 'spkr_name_getter'", "only the form 'lambda p: p.parts[N]'");
    LOAD_FAILS("spkr_name_getter: \"lambda p: q.parts[-2]\"\n", "only the form", NULL);
    LOAD_FAILS("spkr_name_getter: \"lambda p: p.parts[-2] + 'x'\"\n", "only the form", NULL);
    LOAD_FAILS("model: transformer\n", "bad.yml:1: key 'model': unknown model 'transformer'", NULL);
    LOAD_FAILS("model: ar-double\n", "unknown model 'ar-double'", NULL);
    LOAD_FAILS("codec: mp3\n", "unknown codec 'mp3'", NULL);
    LOAD_FAILS("data_dirs: [a, [b]]\n", "bad.yml:1:", "data_dirs item 2");
    LOAD_FAILS("data_dirs: {a: 1}\n", "bad.yml:1:", "expected a list");
    LOAD_FAILS("model: null\n", "bad.yml:1:", "expected a string, got null");
    LOAD_FAILS("- a\n- b\n", "bad.yml:1:", "top level");
    LOAD_FAILS("warmup_min_lr: 1e-2\nwarmup_max_lr: 1e-3\n", "bad.yml:", "warmup_min_lr");
    LOAD_FAILS("min_phones: 60\n", "bad.yml:", "min_phones (60) is larger than max_phones (50)");
    LOAD_FAILS("batch_size: 1\nbatch_size: 2\n", "bad.yml:2: duplicate key 'batch_size'", NULL);
    LOAD_FAILS("model: ar\n\tbatch_size: 1\n", "bad.yml:2: tab in indentation", NULL);
    LOAD_FAILS("seed: -1\n", "bad.yml:1: key 'seed'", "out of range");
    LOAD_FAILS("n_layers: -2\n", "bad.yml:1: key 'n_layers'", "out of range");
    LOAD_FAILS("d_model: wide\n", "bad.yml:1: key 'd_model'", "expected an integer");

    vl_valle_config c;
    vl_valle_config_default(&c);
    CHECK(vl_valle_config_load(&c, "no/such/config.yml") < 0);
    CHECK(strstr(vl_last_error(), "no/such/config.yml") != NULL);
    c.batch_size = 0;
    CHECK(vl_valle_config_check(&c) < 0 && strstr(vl_last_error(), "batch_size"));
    vl_valle_config_free(&c);
}

int main(void) {
    test_defaults();
    test_shipped_configs();
    test_keys();
    test_errors();
    return test_summary();
}
