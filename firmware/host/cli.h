/* Shared pieces of the llmbm subcommands. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "model.h"
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

/* Loads a model (and optionally its tokenizer, checked against its vocab;
 * path NULL: the GGUF model's own, else ./tokenizer.bin); on failure prints
 * the reason and returns false. */
bool cli_load_model(const char *path, llmbm_model *model);
bool cli_load_tokenizer(const char *path, const llmbm_model *model, llmbm_tokenizer *tok);

/* A GGUF file's tensor count (0: a vocabulary-only file); -1 when the file
 * is not a readable GGUF (the caller's normal load then says why). */
int64_t cli_gguf_tensor_count(const char *path);
