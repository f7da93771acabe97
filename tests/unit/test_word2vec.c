/* tests/unit/test_word2vec.c: Word2Vec pieces on small inputs: vocabulary
 * counts and order on tests/data/w2v_small.txt, corpus errors, Huffman codes
 * (prefix-free, optimal, word2vec.c's layout), subsampling probabilities,
 * the negative-sampling distribution, text/binary round trips and truncated
 * files, the analogy protocol and Spearman on hand-made vectors, and
 * training on a synthetic corpus with planted word groups (both engines,
 * CBOW and skip-gram, NS and HS) whose nearest neighbours must recover the
 * groups. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "valle/word2vec.h"

static const char *tmp_file(const char *name) {
    static char buf[8][512];
    static int k;
    char *p = buf[k++ % 8];
    snprintf(p, 512, "%s/%s", test_tmpdir(), name);
    return p;
}

static void write_file(const char *path, const char *data, size_t n) {
    FILE *f = fopen(path, "wb");
    fwrite(data, 1, n, f);
    fclose(f);
}

static void test_vocab(void) {
    vl_w2v_vocab v;
    vl_w2v_corpus c;
    int rc = vl_w2v_corpus_load(&c, &v, "tests/data/w2v_small.txt", 2, true);
    CHECK_INT(rc, 0);
    if (rc) return;
    /* 81 words and 7 newlines; 14 words occur at least twice (58 tokens) */
    CHECK_INT(v.size, 15);
    CHECK_INT(v.train_words, 65);
    CHECK_INT(c.n, 65);
    CHECK(!strcmp(v.words[0], "</s>"));
    CHECK_INT(v.counts[0], 7);
    CHECK(!strcmp(v.words[1], "the"));
    CHECK_INT(v.counts[1], 22);
    /* ties (5 each) keep first-occurrence order: cat, and, dog */
    CHECK(!strcmp(v.words[2], "cat") && !strcmp(v.words[3], "and") && !strcmp(v.words[4], "dog"));
    CHECK_INT(vl_w2v_vocab_find(&v, "on"), 5);
    CHECK_INT(v.counts[5], 3);
    CHECK_INT(vl_w2v_vocab_find(&v, "rug"), -1);  /* count 1 < min-count */
    for (int i = 2; i < v.size; i++) CHECK(v.counts[i] <= v.counts[i - 1]);
    /* the corpus: "the cat sat on the mat and the dog sat on the rug\n" */
    int first[] = {1, 2, 6, 5, 1, 7, 3, 1, 4, 6, 5, 1, 0};
    for (int i = 0; i < 13; i++) CHECK_INT(c.ids[i], first[i]);
    long long counted[64] = {0};
    for (long long i = 0; i < c.n; i++) counted[c.ids[i]]++;
    for (int i = 0; i < v.size; i++) CHECK_INT(counted[i], v.counts[i]);

    /* save-vocab / read-vocab round trip */
    const char *vp = tmp_file("vocab.txt");
    CHECK_INT(vl_w2v_vocab_save(&v, vp), 0);
    vl_w2v_vocab r;
    CHECK_INT(vl_w2v_vocab_read(&r, vp, 3), 0);
    CHECK_INT(r.size, 6);  /* </s> (7), the, cat, and, dog, on */
    CHECK_INT(r.counts[1], 22);
    vl_w2v_corpus c2;
    CHECK_INT(vl_w2v_corpus_load(&c2, &r, "tests/data/w2v_small.txt", 3, false), 0);
    CHECK_INT(c2.n, 7 + 22 + 5 + 5 + 5 + 3);
    vl_w2v_corpus_free(&c2);
    vl_w2v_vocab_free(&r);
    vl_w2v_corpus_free(&c);
    vl_w2v_vocab_free(&v);
}

static void expect_corpus_error(const char *name, const char *data, size_t n, int min_count,
                                const char *msg) {
    const char *p = tmp_file(name);
    write_file(p, data, n);
    vl_w2v_vocab v;
    vl_w2v_corpus c;
    int rc = vl_w2v_corpus_load(&c, &v, p, min_count, true);
    CHECK_MSG(rc < 0 && strstr(vl_last_error(), msg), "%s: rc %d, '%s'", name, rc,
              vl_last_error());
    if (rc == 0) vl_w2v_corpus_free(&c), vl_w2v_vocab_free(&v);
}

static void test_corpus_errors(void) {
    expect_corpus_error("empty.txt", "", 0, 1, "no word occurs");
    expect_corpus_error("blank.txt", " \n\n \t\n", 6, 1, "no word occurs");
    expect_corpus_error("rare.txt", "a b c d\n", 8, 2, "no word occurs at least 2 times");
    expect_corpus_error("nul.txt", "abc\0def ghi", 11, 1, "NUL byte at offset 3");
    char *big = malloc(5000);
    memset(big, 'x', 5000);
    expect_corpus_error("nospace.txt", big, 5000, 1, "longer than 255 bytes at offset 0");
    memcpy(big, "ok fine ", 8);
    expect_corpus_error("long.txt", big, 5000, 1, "longer than 255 bytes at offset 8");
    free(big);
    vl_w2v_vocab v;
    vl_w2v_corpus c;
    CHECK(vl_w2v_corpus_load(&c, &v, "/nonexistent/corpus.txt", 1, true) == VL_ERR_IO);
    /* exactly the limit is fine; \r is ignored */
    char ok[300];
    memset(ok, 'y', 255);
    memcpy(ok + 255, " y\r\n", 4);
    const char *p = tmp_file("limit.txt");
    write_file(p, ok, 259);
    CHECK_INT(vl_w2v_corpus_load(&c, &v, p, 1, true), 0);
    CHECK_INT(v.size, 3);
    CHECK_INT(c.n, 3);
    vl_w2v_corpus_free(&c);
    vl_w2v_vocab_free(&v);
}

/* vocabulary with given counts (index 0 = </s>) */
static void make_vocab(vl_w2v_vocab *v, const long long *counts, int n) {
    memset(v, 0, sizeof *v);
    v->size = n;
    v->words = malloc((size_t)n * sizeof(char *));
    v->counts = malloc((size_t)n * sizeof(long long));
    for (int i = 0; i < n; i++) {
        char w[16];
        snprintf(w, sizeof w, "w%d", i);
        v->words[i] = strdup(w);
        v->counts[i] = counts[i];
        v->train_words += counts[i];
    }
}

/* optimal Huffman cost by repeated extraction of the two smallest weights */
static long long huffman_cost(const long long *c, int n) {
    long long *w = malloc((size_t)n * sizeof(long long)), cost = 0;
    memcpy(w, c, (size_t)n * sizeof(long long));
    for (int m = n; m > 1; m--) {
        for (int k = 0; k < 2; k++) {  /* move the two smallest to the end */
            int best = 0;
            for (int i = 1; i < m - k; i++)
                if (w[i] < w[best]) best = i;
            long long t = w[best];
            w[best] = w[m - 1 - k];
            w[m - 1 - k] = t;
        }
        w[m - 2] += w[m - 1];
        cost += w[m - 2];
    }
    free(w);
    return cost;
}

static void test_huffman(void) {
    long long counts[] = {0, 45, 16, 13, 12, 9, 5};  /* the CLRS example plus </s> */
    int n = 7;
    vl_w2v_vocab v;
    make_vocab(&v, counts, n);
    CHECK_INT(vl_w2v_huffman_build(&v), 0);
    long long cost = 0;
    double kraft = 0;
    for (int i = 0; i < n; i++) {
        int L = v.codelen[i];
        CHECK(L >= 1 && L < VL_W2V_MAX_CODE);
        cost += counts[i] * L;
        kraft += ldexp(1.0, -L);
        CHECK_INT(v.points[i * VL_W2V_MAX_CODE], n - 2);  /* root first */
        for (int d = 0; d < L; d++)
            CHECK(v.points[i * VL_W2V_MAX_CODE + d] >= 0 && v.points[i * VL_W2V_MAX_CODE + d] <= n - 2);
        /* prefix-free */
        for (int j = 0; j < n; j++) {
            if (j == i || v.codelen[j] < L) continue;
            CHECK(memcmp(v.codes + i * VL_W2V_MAX_CODE, v.codes + j * VL_W2V_MAX_CODE, (size_t)L) != 0);
        }
    }
    CHECK_NEAR(kraft, 1.0, 1e-12);
    CHECK_INT(cost, huffman_cost(counts, n));
    /* CLRS: a=45 gets a 1-bit code, f=5 and </s>=0 the longest */
    CHECK_INT(v.codelen[1], 1);
    CHECK(v.codelen[6] >= v.codelen[2]);
    /* consecutive path nodes: the parent of node point[d+1] is point[d]
     * (checked through a shared prefix: words with the same first d bits
     * share point[d]) */
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            int L = v.codelen[i] < v.codelen[j] ? v.codelen[i] : v.codelen[j];
            for (int d = 0; d < L; d++) {
                CHECK(v.points[i * VL_W2V_MAX_CODE + d] == v.points[j * VL_W2V_MAX_CODE + d]);
                if (v.codes[i * VL_W2V_MAX_CODE + d] != v.codes[j * VL_W2V_MAX_CODE + d]) break;
            }
        }
    vl_w2v_vocab_free(&v);

    /* a bigger Zipf vocabulary: optimal cost, and counts sorted -> lengths sorted */
    int m = 500;
    long long *zc = malloc((size_t)m * sizeof(long long));
    zc[0] = 3;
    for (int i = 1; i < m; i++) zc[i] = 100000 / i + 1;
    make_vocab(&v, zc, m);
    CHECK_INT(vl_w2v_huffman_build(&v), 0);
    cost = 0;
    for (int i = 0; i < m; i++) cost += zc[i] * v.codelen[i];
    CHECK_INT(cost, huffman_cost(zc, m));
    for (int i = 2; i < m; i++) CHECK(v.codelen[i] >= v.codelen[i - 1]);
    free(zc);
    vl_w2v_vocab_free(&v);
}

static void test_subsampling(void) {
    /* word2vec.c: (sqrt(c/(s*T)) + 1) * (s*T)/c */
    CHECK_NEAR(vl_w2v_keep_prob(100000, 1000000, 1e-3), 0.11, 1e-12);
    CHECK_NEAR(vl_w2v_keep_prob(40000, 1000000, 1e-4), (sqrt(400.0) + 1) / 400, 1e-12);
    CHECK_NEAR(vl_w2v_keep_prob(1000, 1000000, 1e-3), 1.0, 0);   /* rare: always kept */
    CHECK_NEAR(vl_w2v_keep_prob(5000, 1000000, 0), 1.0, 0);      /* off */
    double prev = 1;
    for (long long cnt = 100; cnt <= 10000000; cnt *= 10) {
        double p = vl_w2v_keep_prob(cnt, 100000000, 1e-4);
        CHECK(p <= prev && p > 0);
        prev = p;
    }
}

static void test_negative_table(void) {
    long long counts[] = {50, 1000, 300, 300, 20, 7, 1};
    int n = 7;
    vl_w2v_vocab v;
    make_vocab(&v, counts, n);
    vl_w2v_alias a;
    CHECK_INT(vl_w2v_alias_build(&a, &v, 0.75), 0);
    double z = 0, p[7];
    for (int i = 1; i < n; i++) z += pow((double)counts[i], 0.75);
    for (int i = 0; i < n; i++) p[i] = i ? pow((double)counts[i], 0.75) / z : 0;
    long long hist[7] = {0};
    uint64_t s = 88172645463325252ULL;
    int draws = 2000000;
    for (int k = 0; k < draws; k++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        hist[vl_w2v_alias_draw(&a, s)]++;
    }
    CHECK_INT(hist[0], 0);  /* </s> is never a negative */
    for (int i = 1; i < n; i++) {
        double sd = sqrt(draws * p[i] * (1 - p[i]));
        CHECK_MSG(fabs(hist[i] - draws * p[i]) < 5 * sd + 1, "word %d: %lld draws, expected %.0f",
                  i, hist[i], draws * p[i]);
    }
    vl_w2v_alias_free(&a);
    vl_w2v_vocab_free(&v);
}

/* the planted corpus: G groups of M words; each sentence draws its words
 * from one group, so group-mates share contexts */
static const char *planted_corpus(int G, int M, int sentences) {
    const char *p = tmp_file("planted.txt");
    FILE *f = fopen(p, "wb");
    vl_rng r;
    vl_rng_seed(&r, 7);
    for (int s = 0; s < sentences; s++) {
        int g = (int)vl_rng_below(&r, (uint64_t)G);
        for (int k = 0; k < 12; k++)
            fprintf(f, "g%dw%d ", g, (int)vl_rng_below(&r, (uint64_t)M));
        fputc('\n', f);
    }
    fclose(f);
    return p;
}

static int group_of(const char *w) { return atoi(w + 1); }

static void test_planted(void) {
    int G = 5, M = 6;
    const char *path = planted_corpus(G, M, 3000);
    vl_w2v_vocab v;
    vl_w2v_corpus c;
    CHECK_INT(vl_w2v_corpus_load(&c, &v, path, 1, true), 0);
    CHECK_INT(v.size, G * M + 1);
    struct { int engine, cbow, hs, neg; } runs[] = {
        {VL_W2V_BATCHED, 0, 0, 5}, {VL_W2V_BATCHED, 1, 0, 5}, {VL_W2V_BATCHED, 0, 1, 0},
        {VL_W2V_BATCHED, 1, 1, 0}, {VL_W2V_CLASSIC, 0, 0, 5}, {VL_W2V_CLASSIC, 1, 1, 0},
        {VL_W2V_BATCHED, 1, 1, 3}};
    for (size_t r = 0; r < sizeof runs / sizeof *runs; r++) {
        vl_w2v_config cfg;
        vl_w2v_config_default(&cfg);
        cfg.dim = 16;
        cfg.window = 4;
        cfg.iter = 3;
        cfg.threads = 2;
        cfg.sample = 0;
        cfg.engine = runs[r].engine;
        cfg.cbow = runs[r].cbow;
        cfg.hs = runs[r].hs;
        cfg.negative = runs[r].neg;
        vl_w2v_model m;
        vl_w2v_stats st;
        int rc = vl_w2v_train(&m, &cfg, &v, &c, &st);
        CHECK_INT(rc, 0);
        if (rc) continue;
        /* every iteration really happened */
        CHECK_INT(st.words, 3 * c.n);
        const char *vp = tmp_file("planted.bin");
        CHECK_INT(vl_w2v_save(&m, &v, vp, true), 0);
        vl_w2v_vectors vv;
        CHECK_INT(vl_w2v_vectors_load(&vv, vp), 0);
        int right = 0, total = 0;
        for (int i = 1; i < vv.n; i++) {
            vl_w2v_hit h[3];
            int got = vl_w2v_similar(&vv, vv.words[i], h, 3);
            for (int k = 0; k < got; k++) {
                /* </s> has no context of its own */
                if (h[k].index == 0) continue;
                total++;
                right += group_of(vv.words[h[k].index]) == group_of(vv.words[i]);
            }
        }
        CHECK_MSG(right >= 0.95 * total, "run %zu (engine %d cbow %d hs %d neg %d): %d of %d "
                  "nearest neighbours in the planted group", r, runs[r].engine, runs[r].cbow,
                  runs[r].hs, runs[r].neg, right, total);
        vl_w2v_vectors_free(&vv);
        vl_w2v_model_free(&m);
    }
    vl_w2v_corpus_free(&c);
    vl_w2v_vocab_free(&v);
}

static void test_formats(void) {
    vl_w2v_vocab v;
    vl_w2v_corpus c;
    CHECK_INT(vl_w2v_corpus_load(&c, &v, "tests/data/w2v_small.txt", 1, true), 0);
    vl_w2v_config cfg;
    vl_w2v_config_default(&cfg);
    cfg.dim = 7;
    cfg.iter = 1;
    cfg.threads = 1;
    vl_w2v_model m;
    CHECK_INT(vl_w2v_train(&m, &cfg, &v, &c, NULL), 0);
    const char *tp = tmp_file("v.txt"), *bp = tmp_file("v.bin");
    CHECK_INT(vl_w2v_save(&m, &v, tp, false), 0);
    CHECK_INT(vl_w2v_save(&m, &v, bp, true), 0);
    vl_w2v_vectors t, b;
    CHECK_INT(vl_w2v_vectors_load(&t, tp), 0);
    CHECK_INT(vl_w2v_vectors_load(&b, bp), 0);
    CHECK_INT(t.n, v.size);
    CHECK_INT(b.n, v.size);
    CHECK_INT(t.dim, 7);
    CHECK_INT(b.dim, 7);
    bool same_words = true;
    for (int i = 0; i < v.size; i++)
        same_words &= !strcmp(t.words[i], v.words[i]) && !strcmp(b.words[i], v.words[i]);
    CHECK(same_words);
    CHECK(memcmp(b.vec, m.syn0, (size_t)v.size * 7 * sizeof(float)) == 0);
    double worst = 0;
    for (int i = 0; i < v.size * 7; i++) worst = fmax(worst, fabs(t.vec[i] - m.syn0[i]));
    CHECK(worst <= 5e-7);
    CHECK_INT(vl_w2v_vectors_find(&b, "king"), vl_w2v_vocab_find(&v, "king"));
    CHECK_INT(vl_w2v_vectors_find(&b, "emperor"), -1);
    vl_w2v_hit h[2];
    CHECK(vl_w2v_similar(&b, "emperor", h, 2) == VL_ERR_NOTFOUND);
    CHECK(strstr(vl_last_error(), "emperor") != NULL);

    /* truncation at every kind of place fails with a message, never crashes */
    FILE *f = fopen(bp, "rb");
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    rewind(f);
    char *data = malloc((size_t)size);
    CHECK((long)fread(data, 1, (size_t)size, f) == size);
    fclose(f);
    const char *cut = tmp_file("cut.bin");
    int failures = 0, tries = 0;
    for (long k = 0; k < size - 1; k += (k < 40 ? 1 : 13)) {
        write_file(cut, data, (size_t)k);
        vl_w2v_vectors x;
        int rc = vl_w2v_vectors_load(&x, cut);
        tries++;
        failures += rc < 0;
        if (rc == 0) vl_w2v_vectors_free(&x);
    }
    CHECK_INT(failures, tries);
    free(data);
    /* the same for the text file, and garbage */
    f = fopen(tp, "rb");
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    rewind(f);
    data = malloc((size_t)size);
    CHECK((long)fread(data, 1, (size_t)size, f) == size);
    fclose(f);
    failures = tries = 0;
    for (long k = 0; k < size - 2; k += 7) {
        write_file(cut, data, (size_t)k);
        vl_w2v_vectors x;
        int rc = vl_w2v_vectors_load(&x, cut);
        tries++;
        failures += rc < 0;
        if (rc == 0) vl_w2v_vectors_free(&x);
    }
    CHECK_INT(failures, tries);
    free(data);
    write_file(cut, "\x7f" "ELF\x02\x01\x01\0\0\0", 10);
    vl_w2v_vectors x;
    CHECK(vl_w2v_vectors_load(&x, cut) == VL_ERR_FORMAT);
    write_file(cut, "99999999 300\nthe 1 2 3\n", 23);
    CHECK(vl_w2v_vectors_load(&x, cut) == VL_ERR_FORMAT);
    CHECK(strstr(vl_last_error(), "truncated") != NULL);
    vl_w2v_vectors_free(&t);
    vl_w2v_vectors_free(&b);
    vl_w2v_model_free(&m);
    vl_w2v_corpus_free(&c);
    vl_w2v_vocab_free(&v);
}

static void test_queries(void) {
    /* hand-made vectors: man/woman/king/queen with a gender and a royal axis,
     * plus distractors; paris/france/rome/italy with a capital axis */
    const char *vp = tmp_file("hand.txt");
    const char *text =
        "10 4\n"
        "man 1 0 0 0\nwoman 1 1 0 0\nking 1 0 1 0\nqueen 1 1 1 0\n"
        "france 0 0 0 1\nparis 0 0.2 1 1\nitaly 0 -0.1 0 1\nrome 0 0.1 1 1\n"
        "apple 0.3 -1 0 -1\nMan 5 0 0 0\n";
    write_file(vp, text, strlen(text));
    vl_w2v_vectors vv;
    CHECK_INT(vl_w2v_vectors_load(&vv, vp), 0);
    vl_w2v_hit h[3];
    CHECK_INT(vl_w2v_analogy(&vv, "man", "king", "woman", h, 3), 3);
    CHECK(!strcmp(vv.words[h[0].index], "queen"));
    CHECK_INT(vl_w2v_similar(&vv, "man", h, 3), 3);
    CHECK(!strcmp(vv.words[h[0].index], "Man"));  /* same direction */
    CHECK_NEAR(h[0].cosine, 1.0, 1e-6);
    const char *qp = tmp_file("q.txt");
    const char *q =
        ": capital-common-countries\n"
        "france paris italy rome\n"
        "italy rome france paris\n"
        "france paris italy london\n"   /* london unknown: not seen */
        ": family\n"
        "man woman king queen\n"
        "man king woman apple\n"        /* wrong */
        ": s3\n: s4\n: s5\n"              /* sections 1-5 are semantic */
        ": gram1\nman woman king queen\n";
    write_file(qp, q, strlen(q));
    vl_w2v_analogy_result r;
    CHECK_INT(vl_w2v_eval_analogy(&vv, qp, 30000, &r), 0);
    CHECK_INT(r.total, 6);
    CHECK_INT(r.seen, 5);
    CHECK_INT(r.correct, 4);
    CHECK_INT(r.sem_seen, 4);
    CHECK_INT(r.sem_correct, 3);
    CHECK_INT(r.syn_seen, 1);
    CHECK_NEAR(r.total_acc, 80.0, 1e-9);
    /* threshold 4: only man, woman, king, queen */
    CHECK_INT(vl_w2v_eval_analogy(&vv, qp, 4, &r), 0);
    CHECK_INT(r.seen, 2);
    /* Spearman: x = 1..4, y = 1 3 2 4 -> 1 - 6*2/(4*15) = 0.8; ties */
    double x[] = {1, 2, 3, 4}, y[] = {1, 3, 2, 4}, z[] = {1, 1, 2, 2};
    CHECK_NEAR(vl_w2v_spearman(x, y, 4), 0.8, 1e-12);
    CHECK_NEAR(vl_w2v_spearman(x, x, 4), 1.0, 1e-12);
    CHECK_NEAR(vl_w2v_spearman(x, z, 4), 0.894427191, 1e-8);
    const char *sp = tmp_file("sim.txt");
    const char *sims = "# word1 word2 score\nman woman 9\nking queen 8\nman apple 1\n"
                       "france italy 5\nman unknownword 3\n";
    write_file(sp, sims, strlen(sims));
    vl_w2v_similarity_result sr;
    CHECK_INT(vl_w2v_eval_similarity(&vv, sp, &sr), 0);
    CHECK_INT(sr.pairs, 5);
    CHECK_INT(sr.found, 4);
    CHECK(sr.spearman > -1 && sr.spearman <= 1);
    vl_w2v_vectors_free(&vv);
}

int main(void) {
    test_vocab();
    test_corpus_errors();
    test_huffman();
    test_subsampling();
    test_negative_table();
    test_formats();
    test_queries();
    test_planted();
    return test_summary();
}
