/* tools/cmd_word2vec.c: `valle word2vec train|similar|analogy|eval-analogy|
 * eval-similarity`. `train` accepts word2vec.c's single-dash flags as they
 * are (-train -output -cbow -size -window -negative -hs -sample -min-count
 * -iter -alpha -threads -binary -save-vocab -read-vocab -debug) and the same
 * names as GNU long options (--train FILE, --size=200). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "valle/word2vec.h"

static int fail_status(int rc) {
    fprintf(stderr, "valle: %s: %s\n", vl_strerror(rc), vl_last_error());
    return 1;
}

static int w2v_train(int argc, char **argv) {
    const char *train = NULL, *output = NULL, *save_vocab = NULL, *read_vocab = NULL;
    const char *engine = "batched";
    int cbow = 1, size = 100, window = 5, negative = 5, hs = 0, min_count = 5, iter = 5;
    int threads = 0, binary = 0, debug = 2, batch = 1, cbow_mean = 1;
    float sample = 1e-3f, alpha = 0;
    long long seed = 1;
    bool quiet = false, progress = false;
    cli_opt opts[] = {
        {"train", CLI_STR, &train, "FILE", "training text: whitespace-separated words (required)"},
        {"output", CLI_STR, &output, "FILE", "word vectors written here (atomically; required)"},
        {"cbow", CLI_INT, &cbow, "0|1", "1: continuous bag of words, 0: skip-gram"},
        {"size", CLI_INT, &size, "N", "vector dimension"},
        {"window", CLI_INT, &window, "N", "maximum context window (a random smaller one per word)"},
        {"negative", CLI_INT, &negative, "N", "negative samples per update (0: off)"},
        {"hs", CLI_INT, &hs, "0|1", "hierarchical softmax"},
        {"sample", CLI_FLOAT, &sample, "X", "subsampling threshold of frequent words (0: off)"},
        {"min-count", CLI_INT, &min_count, "N", "drop words seen fewer times"},
        {"iter", CLI_INT, &iter, "N", "passes over the corpus"},
        {"alpha", CLI_FLOAT, &alpha, "X", "start learning rate (default 0.05 CBOW, 0.025 skip-gram)"},
        {"threads", CLI_INT, &threads, "N", "training threads (0: all cores)"},
        {"binary", CLI_INT, &binary, "0|1", "1: binary vectors file, 0: text"},
        {"save-vocab", CLI_STR, &save_vocab, "FILE", "write the vocabulary ('word count' lines)"},
        {"read-vocab", CLI_STR, &read_vocab, "FILE", "use this vocabulary instead of counting"},
        {"debug", CLI_INT, &debug, "N", "word2vec.c compatibility: 0 quiet, >= 2 progress"},
        {"engine", CLI_STR, &engine, "NAME", "batched (shared-negative minibatches) | classic (word2vec.c's loops)"},
        {"batch", CLI_INT, &batch, "N", "batched CBOW: consecutive targets sharing negatives (16: 2.6x faster, ~3 analogy points worse)"},
        {"cbow-mean", CLI_INT, &cbow_mean, "0|1", "CBOW hidden layer: 1 mean, 0 sum of the context"},
        {"seed", CLI_LONG, &seed, "N", "random seed"},
        {"progress", CLI_FLAG, &progress, NULL, "progress line even when stderr is not a terminal"},
        {"quiet", CLI_FLAG, &quiet, NULL, "print nothing but errors"},
        {0}};
    int rc = cli_parse(argc, argv, opts,
                       "valle word2vec train -train FILE -output FILE [options]",
                       "Train word vectors (CBOW or skip-gram; negative sampling and/or "
                       "hierarchical softmax) and write them in word2vec.c's format.",
                       NULL, NULL);
    if (rc) return rc == CLI_HELP ? 0 : 2;
    if (!train || !output) return cli_fail(2, "word2vec train: -train FILE and -output FILE are required");
    if ((cbow != 0 && cbow != 1) || (hs != 0 && hs != 1) || (binary != 0 && binary != 1) ||
        (cbow_mean != 0 && cbow_mean != 1))
        return cli_fail(2, "word2vec train: -cbow, -hs, -binary and --cbow-mean take 0 or 1");
    if (size < 1 || size > 100000 || window < 1 || window > 1000 || negative < 0 ||
        negative > 1000 || min_count < 0 || iter < 0 || threads < 0 || threads > 1024 ||
        sample < 0 || alpha < 0 || batch < 1 || batch > 4096 || seed < 0)
        return cli_fail(2, "word2vec train: need 1 <= -size <= 100000, 1 <= -window <= 1000, "
                           "0 <= -negative <= 1000, -min-count, -iter, -threads, -sample, "
                           "-alpha, --seed >= 0, 1 <= --batch <= 4096");
    if (!hs && negative == 0)
        return cli_fail(2, "word2vec train: enable -hs 1 or -negative N (N > 0)");
    static const char *const engines[] = {"batched", "classic"};
    int eng = vl_parse_name(engine, engines, 2, "engine");
    if (eng < 0) return cli_fail(2, "word2vec train: %s", vl_last_error());
    if (quiet) debug = 0;

    vl_w2v_vocab v;
    vl_w2v_corpus c;
    if (read_vocab) {
        rc = vl_w2v_vocab_read(&v, read_vocab, min_count);
        if (rc < 0) return fail_status(rc);
    }
    rc = vl_w2v_corpus_load(&c, &v, train, min_count, !read_vocab);
    if (rc < 0) {
        if (read_vocab) vl_w2v_vocab_free(&v);
        return fail_status(rc);
    }
    if (debug > 0) {
        printf("Vocab size: %d\nWords in train file: %lld\n", v.size, v.train_words);
        fflush(stdout);
    }
    if (save_vocab && (rc = vl_w2v_vocab_save(&v, save_vocab)) < 0) {
        vl_w2v_corpus_free(&c);
        vl_w2v_vocab_free(&v);
        return fail_status(rc);
    }
    vl_w2v_config cfg;
    vl_w2v_config_default(&cfg);
    cfg.dim = size;
    cfg.window = window;
    cfg.negative = negative;
    cfg.hs = hs;
    cfg.cbow = cbow;
    cfg.cbow_mean = cbow_mean;
    cfg.iter = iter;
    cfg.threads = threads;
    cfg.alpha = alpha;
    cfg.sample = sample;
    cfg.engine = eng == 1 ? VL_W2V_CLASSIC : VL_W2V_BATCHED;
    cfg.batch = batch;
    cfg.seed = (uint64_t)seed;
    cfg.progress = !quiet && debug >= 2 && (progress || isatty(STDERR_FILENO));
    vl_w2v_model m;
    vl_w2v_stats st;
    rc = vl_w2v_train(&m, &cfg, &v, &c, &st);
    vl_w2v_corpus_free(&c);
    if (rc == VL_OK) {
        if (debug > 0)
            printf("trained %lld words in %.2f s: %.0f words/s, %.0f words/thread/s (%s engine)\n",
                   st.words, st.seconds, st.words_per_sec, st.words_per_thread_sec, engines[eng]);
        rc = vl_w2v_save(&m, &v, output, binary);
        if (rc == VL_OK && debug > 0) printf("saved %s\n", output);
    }
    vl_w2v_model_free(&m);
    vl_w2v_vocab_free(&v);
    return rc < 0 ? fail_status(rc) : 0;
}

static int load_vectors(const char *path, vl_w2v_vectors *vv) {
    int rc = vl_w2v_vectors_load(vv, path);
    return rc < 0 ? fail_status(rc) : 0;
}

static void print_hits(const vl_w2v_vectors *vv, const vl_w2v_hit *h, int n) {
    for (int i = 0; i < n; i++) printf("%-24s %.4f\n", vv->words[h[i].index], h[i].cosine);
}

static int w2v_query(int argc, char **argv, int kind) {
    static const char *const usages[] = {
        "valle word2vec similar --vectors FILE [-n N] WORD...",
        "valle word2vec analogy --vectors FILE [-n N] A B C",
        "valle word2vec eval-analogy --vectors FILE [--threshold N] QUESTIONS",
        "valle word2vec eval-similarity --vectors FILE PAIRS"};
    static const char *const descs[] = {
        "Nearest words by cosine similarity.",
        "Words closest to B - A + C (A is to B as C is to ?).",
        "Analogy accuracy with word2vec.c's compute-accuracy protocol (questions-words.txt "
        "format; the most frequent --threshold words; sections 1-5 semantic, the rest syntactic).",
        "Spearman rank correlation between cosine similarity and human scores of "
        "'word1 word2 score' lines (WordSim-353, SimLex-999, MEN ...)."};
    const char *vectors = NULL;
    int n = 10, threshold = 30000;
    cli_opt opts[] = {
        {"vectors", CLI_STR, &vectors, "FILE", "word2vec text or binary vectors (required)"},
        {"n", CLI_INT, &n, "N", "results to show"},
        {"threshold", CLI_INT, &threshold, "N", "eval-analogy: vocabulary limit (0: all)"},
        {0}};
    int npos;
    char **pos;
    int rc = cli_parse(argc, argv, opts, usages[kind], descs[kind], &npos, &pos);
    if (rc) return rc == CLI_HELP ? 0 : 2;
    if (!vectors) return cli_fail(2, "word2vec %s: --vectors FILE is required", argv[0]);
    int want = kind == 0 ? -1 : kind == 1 ? 3 : 1;
    if ((want < 0 && npos < 1) || (want > 0 && npos != want))
        return cli_fail(2, "usage: %s", usages[kind]);
    if (n < 1 || n > 100000 || threshold < 0)
        return cli_fail(2, "word2vec %s: need 1 <= -n <= 100000, --threshold >= 0", argv[0]);
    vl_w2v_vectors vv;
    if ((rc = load_vectors(vectors, &vv))) return rc;
    int exit_code = 0;
    vl_w2v_hit *hits = vl_xmalloc((size_t)n * sizeof *hits);
    if (kind == 0) {
        for (int i = 0; i < npos; i++) {
            int got = vl_w2v_similar(&vv, pos[i], hits, n);
            if (got < 0) {
                exit_code = fail_status(got);
                continue;
            }
            if (npos > 1) printf("%s:\n", pos[i]);
            print_hits(&vv, hits, got);
        }
    } else if (kind == 1) {
        int got = vl_w2v_analogy(&vv, pos[0], pos[1], pos[2], hits, n);
        if (got < 0) exit_code = fail_status(got);
        else print_hits(&vv, hits, got);
    } else if (kind == 2) {
        vl_w2v_analogy_result r;
        rc = vl_w2v_eval_analogy(&vv, pos[0], threshold, &r);
        if (rc < 0) exit_code = fail_status(rc);
        else
            printf("questions seen / total: %d / %d (%.2f%%)\n"
                   "semantic accuracy:  %.2f%% (%d / %d)\n"
                   "syntactic accuracy: %.2f%% (%d / %d)\n"
                   "total accuracy:     %.2f%% (%d / %d)\n",
                   r.seen, r.total, r.total ? 100.0 * r.seen / r.total : 0.0, r.sem_acc,
                   r.sem_correct, r.sem_seen, r.syn_acc, r.syn_correct, r.syn_seen, r.total_acc,
                   r.correct, r.seen);
    } else {
        vl_w2v_similarity_result r;
        rc = vl_w2v_eval_similarity(&vv, pos[0], &r);
        if (rc < 0) exit_code = fail_status(rc);
        else
            printf("pairs found / total: %d / %d\nspearman: %.4f\n", r.found, r.pairs,
                   r.spearman);
    }
    free(hits);
    vl_w2v_vectors_free(&vv);
    return exit_code;
}

int cmd_word2vec(int argc, char **argv) {
    const char *usage =
        "usage: valle word2vec <sub> [options]\n\n"
        "  train            train word vectors (word2vec.c flags accepted)\n"
        "  similar          nearest words\n"
        "  analogy          A is to B as C is to ?\n"
        "  eval-analogy     accuracy on questions-words.txt (compute-accuracy protocol)\n"
        "  eval-similarity  Spearman correlation with human similarity scores\n\n"
        "'valle word2vec <sub> --help' lists the options.\n";
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "train")) return w2v_train(argc - 1, argv + 1);
    if (!strcmp(sub, "similar")) return w2v_query(argc - 1, argv + 1, 0);
    if (!strcmp(sub, "analogy")) return w2v_query(argc - 1, argv + 1, 1);
    if (!strcmp(sub, "eval-analogy")) return w2v_query(argc - 1, argv + 1, 2);
    if (!strcmp(sub, "eval-similarity")) return w2v_query(argc - 1, argv + 1, 3);
    return cli_fail(2, "word2vec: unknown subcommand '%s' (see 'valle word2vec --help')", sub);
}
