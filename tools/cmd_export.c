/* tools/cmd_export.c: `valle export --ar AR_CKPT --nar NAR_CKPT -o
 * model.safetensors [--dtype f32|f16|bf16]`: joins the AR and the NAR
 * training checkpoints into the one bundle file `valle tts` reads
 * (include/valle/valle_bundle.h), after checking they agree on the codec,
 * its levels and vocabularies, and the phone map. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "valle/valle_bundle.h"

/* NULL when a and b were trained for the same codec and phones, else what
 * differs. */
static const char *disagreement(const vl_valle_bundle *a, const vl_valle_bundle *b) {
    if (strcmp(a->codec, b->codec)) return "codec";
    if (a->levels != b->levels) return "codec level count";
    for (int l = 0; l < a->levels; l++)
        if (a->vocab[l] != b->vocab[l]) return "codec vocabularies";
    if (a->phones.n != b->phones.n || a->phones.base != b->phones.base) return "phone map";
    for (int i = 0; i < a->phones.n; i++)
        if (strcmp(a->phones.names[i], b->phones.names[i])) return "phone map";
    if (a->ar.cfg.n_tokens != b->nar.cfg.n_tokens) return "codes vocabulary (n_tokens)";
    return NULL;
}

int cmd_export(int argc, char **argv) {
    const char *ar_path = NULL, *nar_path = NULL, *out = NULL, *dtype_name = "f32";
    cli_opt opts[] = {
        {"ar", CLI_STR, &ar_path, "AR_CKPT", "the AR's training checkpoint (or a bundle)"},
        {"nar", CLI_STR, &nar_path, "NAR_CKPT", "the NAR's training checkpoint (or a bundle)"},
        {"o", CLI_STR, &out, "FILE", "the bundle to write (.safetensors, atomically)"},
        {"dtype", CLI_STR, &dtype_name, "T", "weights as f32 (default), f16 or bf16"},
        {0}};
    int rc = cli_parse(argc, argv, opts,
                       "valle export --ar AR_CKPT --nar NAR_CKPT -o model.safetensors",
                       "Join a trained AR and NAR into one model file for `valle tts`. "
                       "Both must use the same codec, levels and phone map.",
                       NULL, NULL);
    if (rc) return rc == CLI_HELP ? 0 : 2;
    if (!ar_path || !nar_path || !out)
        return cli_fail(2, "export: --ar, --nar and -o are required (see --help)");
    static const char *const dtypes[] = {"f32", "f16", "bf16"};
    static const vl_dtype dt_vals[] = {VL_DT_F32, VL_DT_F16, VL_DT_BF16};
    int k = vl_parse_name(dtype_name, dtypes, 3, "--dtype");
    if (k < 0) return cli_fail(2, "%s", vl_last_error());

    vl_valle_bundle a, n, joined;
    if ((rc = vl_valle_bundle_load(&a, ar_path)) < 0) return cli_fail_status(rc);
    if ((rc = vl_valle_bundle_load(&n, nar_path)) < 0) {
        vl_valle_bundle_free(&a);
        return cli_fail_status(rc);
    }
    const char *diff = NULL;
    if (!a.has_ar) rc = cli_fail(1, "export: %s holds no AR model (a NAR?)", ar_path);
    else if (!n.has_nar) rc = cli_fail(1, "export: %s holds no NAR model (an AR?)", nar_path);
    else if ((diff = disagreement(&a, &n)))
        rc = cli_fail(1, "export: %s and %s disagree on the %s; were they trained on the "
                      "same data?", ar_path, nar_path, diff);
    if (rc) {
        vl_valle_bundle_free(&a);
        vl_valle_bundle_free(&n);
        return rc;
    }
    /* move the AR out of `a` and the NAR out of `n` into `joined` */
    memset(&joined, 0, sizeof joined);
    joined.has_ar = joined.has_nar = true;
    joined.ar = a.ar, joined.ar_params = a.ar_params;
    joined.nar = n.nar, joined.nar_params = n.nar_params;
    a.has_ar = false;
    n.has_nar = false;
    joined.phones = a.phones;
    memset(&a.phones, 0, sizeof a.phones);
    snprintf(joined.codec, sizeof joined.codec, "%s", a.codec);
    joined.levels = a.levels;
    memcpy(joined.vocab, a.vocab, sizeof joined.vocab);
    vl_valle_bundle_free(&a);
    vl_valle_bundle_free(&n);
    rc = vl_valle_bundle_save(&joined, out, dt_vals[k]);
    if (rc == 0)
        printf("wrote %s (codec %s, %d levels, %d phones, %s weights)\n", out,
               joined.codec, joined.levels, joined.phones.n, dtypes[k]);
    vl_valle_bundle_free(&joined);
    return rc < 0 ? cli_fail_status(rc) : 0;
}
