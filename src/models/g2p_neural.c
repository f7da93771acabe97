/* src/models/g2p_neural.c: the neural G2P's C API (valle/g2p.h) over a
 * trained seq2seq model file. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "valle/g2p.h"
#include "valle/seq2seq.h"

struct vl_neural_g2p {
    vl_s2s_run run;
    int beam;
};

/* $VALLE_G2P_MODEL, else models/g2p/g2p.safetensors under the current
 * directory, else the one in the source tree this library was built from. */
const char *vl_neural_g2p_default_path(void) {
    const char *e = getenv("VALLE_G2P_MODEL");
    if (e && *e) return e;
    const char *rel = "models/g2p/g2p.safetensors";
#ifdef VALLE_G2P_MODEL_PATH
    if (access(rel, R_OK) != 0) return VALLE_G2P_MODEL_PATH;
#endif
    return rel;
}

int vl_neural_g2p_load(const char *path, vl_neural_g2p **out) {
    if (!path) path = vl_neural_g2p_default_path();
    vl_neural_g2p *g = vl_xcalloc(1, sizeof *g);
    int rc = vl_s2s_run_load(&g->run, path, false);
    if (rc < 0) {
        free(g);
        return rc;
    }
    if (g->run.cfg.format != VL_S2S_G2P) {
        vl_s2s_run_free(&g->run);
        free(g);
        return vl_error(VL_ERR_FORMAT, "%s is a seq2seq model, not a g2p model", path);
    }
    g->beam = 1;
    *out = g;
    return VL_OK;
}

void vl_neural_g2p_free(void *p) {
    vl_neural_g2p *g = p;
    if (!g) return;
    vl_s2s_run_free(&g->run);
    free(g);
}

void vl_neural_g2p_set_beam(vl_neural_g2p *g, int beam) { g->beam = beam < 1 ? 1 : beam; }

int vl_neural_g2p_word(void *p, const char *word, char *out, size_t cap) {
    vl_neural_g2p *g = p;
    char w[128];
    size_t n = strlen(word);
    if (!n || n >= sizeof w) return vl_error(VL_ERR_ARG, "g2p: word length must be 1..127");
    for (size_t i = 0; i <= n; i++)
        w[i] = (char)(word[i] >= 'A' && word[i] <= 'Z' ? word[i] - 'A' + 'a' : word[i]);
    int ids[128], ph[128];
    int ns = vl_s2s_encode_src(&g->run.cfg, w, ids, 128);
    if (ns < 0) return ns;
    vl_ctx_reset(g->run.ctx);
    int np = vl_s2s_decode(&g->run.model, g->run.ctx, ids, ns, g->beam, ph, 127, NULL);
    vl_ctx_reset(g->run.ctx);
    vl_s2s_tgt_text(&g->run.cfg, ph, np, out, cap);
    return (int)strlen(out);
}
