/* Reading and writing the log-probability file (format in logprob_file.h). */
#include "logprob_file.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"

uint32_t logprob_rows_per_chunk(const logprob_header *h)
{
    return h->n_ctx >= h->first + 2 ? h->n_ctx - 1 - h->first : 0;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

FILE *logprob_create(const char *path, const logprob_header *h, const int32_t *tokens)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        cli_error("%s: cannot create the log-probability file", path);
        return NULL;
    }
    uint8_t head[LOGPROB_HEADER_BYTES] = {0};
    memcpy(head, LOGPROB_MAGIC, 8);
    put_u32(head + 8, LOGPROB_VERSION);
    put_u32(head + 12, h->n_vocab);
    put_u32(head + 16, h->n_ctx);
    put_u32(head + 20, h->n_chunks);
    put_u32(head + 24, h->first);
    bool ok = fwrite(head, 1, sizeof head, f) == sizeof head;
    size_t n = (size_t)h->n_chunks * h->n_ctx;
    for (size_t i = 0; ok && i < n; i++) {
        uint8_t b[4];
        put_u32(b, (uint32_t)tokens[i]);
        ok = fwrite(b, 1, 4, f) == 4;
    }
    if (!ok) {
        cli_error("%s: write failed", path);
        fclose(f);
        return NULL;
    }
    return f;
}

bool logprob_write_row(FILE *f, const char *path, const double *logprobs, uint32_t n_vocab)
{
    for (uint32_t v = 0; v < n_vocab; v++) {
        float x = (float)logprobs[v];
        uint32_t bits;
        memcpy(&bits, &x, 4);
        uint8_t b[4];
        put_u32(b, bits);
        if (fwrite(b, 1, 4, f) != 4) {
            cli_error("%s: write failed", path);
            return false;
        }
    }
    return true;
}

FILE *logprob_open(const char *path, logprob_header *h, int32_t **tokens)
{
    *tokens = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        cli_error("%s: cannot open the log-probability file", path);
        return NULL;
    }
    uint8_t head[LOGPROB_HEADER_BYTES];
    const char *problem = NULL;
    if (fread(head, 1, sizeof head, f) != sizeof head)
        problem = "shorter than its 32-byte header";
    else if (memcmp(head, LOGPROB_MAGIC, 8))
        problem = "not a log-probability file (no LLMBMLP1 magic)";
    else if (get_u32(head + 8) != LOGPROB_VERSION)
        problem = "unsupported version (this llmbm reads 1)";
    if (problem) goto fail;
    h->n_vocab = get_u32(head + 12);
    h->n_ctx = get_u32(head + 16);
    h->n_chunks = get_u32(head + 20);
    h->first = get_u32(head + 24);
    if (!h->n_vocab || !h->n_chunks || h->n_ctx < 2 || h->first > h->n_ctx - 2) {
        problem = "header counts are inconsistent (n_vocab, n_chunks > 0; first <= n_ctx - 2)";
        goto fail;
    }
    /* Expected size, computed without overflow: all counts are u32, so the products fit in
     * u64 only if checked. */
    uint64_t n_tok = (uint64_t)h->n_chunks * h->n_ctx, rows = (uint64_t)h->n_chunks * logprob_rows_per_chunk(h);
    uint64_t row_bytes = 4ull * h->n_vocab, want;
    if (__builtin_mul_overflow(rows, row_bytes, &want) || __builtin_add_overflow(want, 4 * n_tok, &want) ||
        __builtin_add_overflow(want, (uint64_t)LOGPROB_HEADER_BYTES, &want)) {
        problem = "header counts overflow the file size";
        goto fail;
    }
    if (fseek(f, 0, SEEK_END) || (uint64_t)ftell(f) != want) {
        cli_error("%s: size %ld bytes, but its header (%u chunks of %u, %u vocab, scored from %u) needs %llu", path,
                  ftell(f), h->n_chunks, h->n_ctx, h->n_vocab, h->first, (unsigned long long)want);
        fclose(f);
        return NULL;
    }
    fseek(f, LOGPROB_HEADER_BYTES, SEEK_SET);
    *tokens = malloc(n_tok * sizeof **tokens);
    if (!*tokens) {
        problem = "out of memory for its tokens";
        goto fail;
    }
    for (uint64_t i = 0; i < n_tok; i++) {
        uint8_t b[4];
        if (fread(b, 1, 4, f) != 4) {
            problem = "read failed in its tokens";
            goto fail;
        }
        uint32_t t = get_u32(b);
        if (t >= h->n_vocab) {
            cli_error("%s: token %llu is %u, outside its vocabulary of %u", path, (unsigned long long)i, t, h->n_vocab);
            free(*tokens);
            *tokens = NULL;
            fclose(f);
            return NULL;
        }
        (*tokens)[i] = (int32_t)t;
    }
    return f;
fail:
    cli_error("%s: %s", path, problem);
    free(*tokens);
    *tokens = NULL;
    fclose(f);
    return NULL;
}

bool logprob_read_row(FILE *f, const char *path, double *out, uint32_t n_vocab, float *buf)
{
    if (fread(buf, 4, n_vocab, f) != n_vocab) {
        cli_error("%s: read failed in its log-probabilities", path);
        return false;
    }
    for (uint32_t v = 0; v < n_vocab; v++) {
        uint8_t *p = (uint8_t *)&buf[v];
        uint32_t bits = get_u32(p);
        float x;
        memcpy(&x, &bits, 4);
        out[v] = x;
    }
    return true;
}
