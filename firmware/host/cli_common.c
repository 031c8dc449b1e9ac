#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "gguf.h"
#include "platform.h"
#include "model_prepare.h"

llmbm_kv_type cli_kv_type = LLMBM_KV_AUTO;

void cli_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("llmbm: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

bool cli_parse_float(const char *opt, const char *text, float *out) {
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

bool cli_parse_long(const char *opt, const char *text, long long *out) {
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

bool cli_load_model(const char *path, llmbm_model *model) {
    llmbm_err err;
    if (llmbm_model_read(model, path, &err)) {
        cli_error("%s", err.msg);
        return false;
    }
    /* the kernel level (measured under --isa auto) and the layouts for it */
    llmbm_prepared prep;
    llmbm_model_prepare(model, &prep);
    fprintf(stderr, "%s\n", prep.kernels);
    return true;
}

bool cli_load_tokenizer(const char *path, const llmbm_model *model, llmbm_tokenizer *tok) {
    llmbm_err err;
    /* A GGUF model carries its tokenizer; a llama2.c one needs tokenizer.bin. */
    if (!path) path = model->format == LLMBM_FORMAT_GGUF ? model->path : "tokenizer.bin";
    if (llmbm_tokenizer_load_file(tok, path, model->config.vocab_size, &err)) {
        cli_error("%s", err.msg);
        return false;
    }
    return true;
}

int64_t cli_gguf_tensor_count(const char *path) {
    uint64_t size = 0;
    uint8_t magic[4] = {0, 0, 0, 0};
    plat_file *f = plat_open(path, &size);
    bool gguf = f && size >= 4 && plat_read(f, 0, magic, 4) && magic[0] == 'G' && magic[1] == 'G' &&
                magic[2] == 'U' && magic[3] == 'F';
    plat_close(f);
    if (!gguf) return -1;
    gguf_file g;
    llmbm_err err;
    /* A broken header: let the real load report it. */
    if (gguf_open(&g, path, &err)) return -1;
    int64_t n = (int64_t)g.n_tensors;
    gguf_close(&g);
    return n;
}
