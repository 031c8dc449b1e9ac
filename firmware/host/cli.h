/* Shared pieces of the llmbm subcommands. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "model.h"
#include "model_bundle.h"
#include "tokenizer.h"
#include "transformer.h"

/* --kv-type, for every command's run state (default auto). */
extern llmbm_kv_type cli_kv_type;

/* Exit codes: 0 success, 1 bad input or runtime error, 2 usage error. */
enum { CLI_OK = 0, CLI_ERROR = 1, CLI_USAGE = 2 };

int cmd_run(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_tokenize(int argc, char **argv);
int cmd_logits(int argc, char **argv);
int cmd_perplexity(int argc, char **argv);
/* full_argv: the whole command line, for /reboot's restart (NULL-terminated). */
int cmd_repl(int argc, char **argv, char **full_argv);

/* Prints "llmbm: MESSAGE" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Strict number parsing for option values; print a usage error on failure. */
bool cli_parse_float(const char *opt, const char *text, float *out);
bool cli_parse_long(const char *opt, const char *text, long long *out);

/* Loads a model file through the engine's bundle loader (model_bundle.h:
 * one open; a GGUF's tokenizer from the same header, as `tokenizer` asks),
 * then chooses the kernel level for the model and prints it on stderr. On
 * failure prints the reason and returns false. Flags: */
enum {
    CLI_VOCABULARY_ONLY = 1,  /* a GGUF: its tokenizer alone (llmbm_load_opts.vocabulary_only) */
    CLI_ALLOW_NO_TENSORS = 2, /* a GGUF without tensors loads as a tokenizer */
};
bool cli_load(const char *path, llmbm_load_tokenizer tokenizer, unsigned flags, llmbm_bundle *b);
/* The model alone. */
bool cli_load_model(const char *path, llmbm_model *model);
/* The model and its tokenizer: `tok_path` (-z) when given, else a GGUF's
 * own, else ./tokenizer.bin (checked against the model's vocabulary). */
bool cli_load_with_tokenizer(const char *path, const char *tok_path, llmbm_model *model, llmbm_tokenizer *tok);
/* A tokenizer file for a loaded model (path NULL: as cli_load_with_tokenizer
 * picks; a GGUF's own is then read from its header again). */
bool cli_load_tokenizer(const char *path, const llmbm_model *model, llmbm_tokenizer *tok);
