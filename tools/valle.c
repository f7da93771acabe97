/* tools/valle.c: the `valle` command: git-style subcommand dispatch. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "valle/core.h"
#include "valle/dist.h"

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"mlp", cmd_mlp, "train, evaluate and run MLP classifiers on CSV data"},
    {"demo", cmd_demo, "the end-to-end demo (trains an MLP on the spiral data)"},
    {"audio", cmd_audio, "audio info, conversion and log-mel spectrogram pictures"},
    {"quantize", cmd_quantize, "encode audio files to <name>.qnt.npy codec tokens"},
    {"decode", cmd_decode, "decode a codes .npy file to audio"},
    {"codec", cmd_codec, "codec round trip and information"},
    {"word2vec", cmd_word2vec, "train word vectors (CBOW, skip-gram) and query them"},
    {"seq2seq", cmd_seq2seq, "recurrent encoder-decoder with attention on character pairs"},
    {"g2p", cmd_g2p, "neural grapheme-to-phoneme conversion (letters -> ARPAbet)"},
    {"lm", cmd_lm, "language models: transformer (GPT), RNN, LSTM, GRU: train, generate, eval"},
    {"normalize", cmd_normalize, "English text normalisation (numbers, dates, abbreviations...)"},
    {"tag", cmd_tag, "words and named punctuation of text (Hello | comma | ...)"},
    {"phonemize", cmd_phonemize, "text to ARPAbet phones (CMUdict + OOV model) or espeak IPA"},
    {"train", cmd_train, "train a VALL-E AR or NAR model from a YAML config"},
    {"plot", cmd_plot, "training curves from a JSON-lines log (log.jsonl) as a PNG chart"},
    {"tts", cmd_tts, "text-to-speech with a VALL-E model (text + voice prompt -> WAV)"},
    {"export", cmd_export, "join AR and NAR checkpoints into one model file for tts"},
};

static void usage(FILE *f) {
    fprintf(f, "usage: valle [--version] [--help] <command> [<args>]\n\n"
               "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'valle <command> --help' describes a command.\n");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("valle %s (%s)\n", VALLE_VERSION, vl_dist_compiled() ? "mpi" : "no mpi");
        return 0;
    }
    if (vl_dist_init(&argc, &argv) < 0) return cli_fail(1, "%s", vl_last_error());
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    return cli_fail(2, "unknown command '%s' (see 'valle --help')", argv[1]);
}
