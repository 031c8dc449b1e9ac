#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"
#include "platform.h"
#include "model_prepare.h"

llmbm_kv_type cli_kv_type = LLMBM_KV_AUTO;

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("llmbm: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

bool cli_parse_float(const char *opt, const char *text, float *out)
{
    char *end;
    errno = 0;
    float v = strtof(text, &end);
    if (end == text || *end || errno) {
        cli_error("%s expects a number, got '%s'", opt, text);
        return false;
    }
    *out = v;
    return true;
}

bool cli_parse_long(const char *opt, const char *text, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (end == text || *end || errno) {
        cli_error("%s expects an integer, got '%s'", opt, text);
        return false;
    }
    *out = v;
    return true;
}

/* Reading a big model takes seconds: on a terminal, stderr shows how far
 * it is (a redrawn line, as the REPL's bar); piped, nothing. */
static void show_progress(void *ctx, const llmbm_load_progress *p)
{
    const char *path = ctx;
    if (p->phase == LLMBM_LOAD_READING) return;
    if (p->phase == LLMBM_LOAD_WEIGHTS) {
        fprintf(stderr, "\rreading %s: %3u%% of %.1f MiB", path, (unsigned)(p->done * 100 / p->total),
                (double)p->total / 1048576.0);
        return;
    }
    fputc('\n', stderr);
}

bool cli_load(const char *path, llmbm_load_tokenizer tokenizer, unsigned flags, llmbm_bundle *b)
{
    llmbm_load_opts opts = {tokenizer,   (flags & CLI_VOCABULARY_ONLY) != 0, (flags & CLI_ALLOW_NO_TENSORS) != 0, 0, 0,
                            (void *)path};
    if (isatty(STDERR_FILENO)) opts.progress = show_progress;
    llmbm_err err;
    if (llmbm_bundle_load(b, path, &opts, &err)) {
        cli_error("%s", err.msg);
        return false;
    }
    if (b->has_model) {
        /* the kernel level (measured under --isa auto) and the layouts for it */
        llmbm_prepared prep;
        llmbm_model_prepare(&b->model, &prep);
        fprintf(stderr, "%s\n", prep.kernels);
    }
    return true;
}

bool cli_load_model(const char *path, llmbm_model *model)
{
    llmbm_bundle b;
    if (!cli_load(path, LLMBM_TOKENIZER_NONE, 0, &b)) return false;
    *model = b.model;
    return true;
}

bool cli_load_tokenizer(const char *path, const llmbm_model *model, llmbm_tokenizer *tok)
{
    llmbm_err err;
    /* A GGUF model carries its tokenizer; a llama2.c one needs tokenizer.bin. */
    if (!path) path = model->format == LLMBM_FORMAT_GGUF ? model->path : "tokenizer.bin";
    if (llmbm_tokenizer_load_file(tok, path, model->config.vocab_size, &err)) {
        cli_error("%s", err.msg);
        return false;
    }
    return true;
}

bool cli_load_with_tokenizer(const char *path, const char *tok_path, llmbm_model *model, llmbm_tokenizer *tok)
{
    llmbm_bundle b;
    /* -z names the tokenizer; without it a GGUF's own comes with the model. */
    if (!cli_load(path, tok_path ? LLMBM_TOKENIZER_NONE : LLMBM_TOKENIZER_REQUIRED, 0, &b)) return false;
    *model = b.model;
    if (b.has_tokenizer) {
        *tok = b.tok;
        return true;
    }
    if (cli_load_tokenizer(tok_path, model, tok)) return true;
    llmbm_model_free(model);
    return false;
}
