/* tools/commands.h: entry points of the valle subcommands. Each takes the
 * arguments after `valle` (argv[0] is the subcommand name) and returns the
 * process exit code: 0 ok, 1 runtime failure, 2 usage error. */
#ifndef VALLE_COMMANDS_H
#define VALLE_COMMANDS_H

int cmd_mlp(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_audio(int argc, char **argv);     /* tools/cmd_audio.c */
int cmd_quantize(int argc, char **argv);  /* tools/cmd_codec.c */
int cmd_decode(int argc, char **argv);
int cmd_codec(int argc, char **argv);
int cmd_word2vec(int argc, char **argv);  /* tools/cmd_word2vec.c */
int cmd_seq2seq(int argc, char **argv);   /* tools/cmd_seq2seq.c */
int cmd_g2p(int argc, char **argv);       /* tools/cmd_seq2seq.c */
int cmd_lm_rnn(int argc, char **argv);    /* tools/cmd_lm_rnn.c */
int cmd_lm(int argc, char **argv);        /* tools/cmd_lm.c */
int cmd_normalize(int argc, char **argv);  /* tools/cmd_text.c */
int cmd_tag(int argc, char **argv);
int cmd_phonemize(int argc, char **argv);
int cmd_plot(int argc, char **argv);       /* tools/cmd_plot.c */
int cmd_train(int argc, char **argv);      /* tools/cmd_train.c */
int cmd_tts(int argc, char **argv);       /* tools/cmd_tts.c */
int cmd_export(int argc, char **argv);    /* tools/cmd_export.c */

#endif
