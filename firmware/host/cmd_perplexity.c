/* `llmbm perplexity`: perplexity over a text file, llama.cpp's way (chunks of CTX tokens, the
 * first half of each chunk only context, the second half scored), and with --kl-base the KL
 * divergence and token statistics against a base run's saved log-probabilities. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "host_platform.h"
#include "logprob_file.h"
#include "ppl_stats.h"
#include "eng_session.h"

typedef struct ppl_options {
    const char *model, *text, *tokenizer, *save, *base;
    long long ctx, batch, threads, chunks;
    bool ctx_given;
} ppl_options;

static const char usage_line[] =
    "usage: llmbm perplexity MODEL -f TEXT [-c CTX] [-b BATCH] [-T THREADS] [--chunks N] [-z TOKENIZER]\n"
    "                        [--save-logits FILE] [--kl-base FILE]";

static int parse_options(int argc, char **argv, ppl_options *o)
{
    memset(o, 0, sizeof *o);
    o->ctx = 512;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        bool has_value = i + 1 < argc;
        bool ok = true;
        if (a[0] != '-' && !o->model) {
            o->model = a;
            continue;
        }
        if (!has_value) {
            cli_error("perplexity: option '%s' needs a value (or is unknown)\n%s", a, usage_line);
            return CLI_USAGE;
        }
        const char *v = argv[++i];
        if (!strcmp(a, "-f"))
            o->text = v;
        else if (!strcmp(a, "-z"))
            o->tokenizer = v;
        else if (!strcmp(a, "--save-logits"))
            o->save = v;
        else if (!strcmp(a, "--kl-base"))
            o->base = v;
        else if (!strcmp(a, "-c"))
            ok = cli_parse_long(a, v, &o->ctx), o->ctx_given = true;
        else if (!strcmp(a, "-b"))
            ok = cli_parse_long(a, v, &o->batch);
        else if (!strcmp(a, "-T"))
            ok = cli_parse_long(a, v, &o->threads);
        else if (!strcmp(a, "--chunks"))
            ok = cli_parse_long(a, v, &o->chunks);
        else {
            cli_error("perplexity: unknown option '%s'\n%s", a, usage_line);
            return CLI_USAGE;
        }
        if (!ok) return CLI_USAGE;
    }
    if (!o->model || (!o->text && !o->base)) {
        cli_error("perplexity: a MODEL and -f TEXT (or --kl-base FILE) are needed\n%s", usage_line);
        return CLI_USAGE;
    }
    if (o->text && o->base) {
        /* the tokens come from the base file, so both runs score the same ones */
        cli_error("perplexity: --kl-base scores the tokens saved in %s; leave out -f", o->base);
        return CLI_USAGE;
    }
    if (o->ctx < 4 || o->ctx > 1 << 20) {
        cli_error("perplexity: -c %lld is out of range (4 .. 1048576)", o->ctx);
        return CLI_USAGE;
    }
    if (o->batch < 0 || o->batch > 4096) {
        cli_error("perplexity: -b must be between 1 and 4096");
        return CLI_USAGE;
    }
    if (o->chunks < 0) o->chunks = 0; /* 0: every whole chunk of the text */
    if (o->threads < 0) o->threads = 0;
    if (o->threads > 1024) o->threads = 1024;
    return CLI_OK;
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        cli_error("%s: cannot open the text file", path);
        return NULL;
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        len += fread(buf + len, 1, cap - len - 1, f);
        if (len < cap - 1) break;
        char *bigger = realloc(buf, cap *= 2);
        if (!bigger) free(buf);
        buf = bigger;
    }
    bool failed = ferror(f);
    fclose(f);
    if (!buf || failed) {
        cli_error("%s: %s", path, buf ? "read failed" : "out of memory");
        free(buf);
        return NULL;
    }
    buf[len] = 0;
    if (strlen(buf) != len) {
        cli_error("%s: the text contains a NUL byte at offset %zu", path, strlen(buf));
        free(buf);
        return NULL;
    }
    return buf;
}

/* The text's tokens, cut into n_chunks chunks of n_ctx, each starting with BOS when the model
 * adds one (llama.cpp replaces a chunk's first token by BOS the same way). */
static int32_t *chunk_text(const ppl_options *o, const llmbm_tokenizer *tok, uint32_t n_ctx, uint32_t *n_chunks)
{
    char *text = read_text(o->text);
    if (!text) return NULL;
    size_t cap = llmbm_encode_capacity(strlen(text));
    int32_t *ids = malloc(cap * sizeof *ids);
    if (!ids) {
        cli_error("out of memory");
        free(text);
        return NULL;
    }
    size_t n_plain = llmbm_encode(tok, text, false, false, ids);
    size_t n = llmbm_encode(tok, text, true, false, ids);
    bool add_bos = n == n_plain + 1;
    free(text);
    size_t whole = n / n_ctx;
    if (o->chunks && (size_t)o->chunks < whole) whole = (size_t)o->chunks;
    if (whole == 0) {
        cli_error("%s: %zu tokens, fewer than one chunk of %u (-c)", o->text, n, n_ctx);
        free(ids);
        return NULL;
    }
    for (size_t c = 0; add_bos && c < whole; c++) ids[c * n_ctx] = tok->bos_id;
    fprintf(stderr, "perplexity: %zu tokens, %zu chunks of %u%s\n", n, whole, n_ctx,
            add_bos ? " (each starting with BOS)" : "");
    *n_chunks = (uint32_t)whole;
    return ids;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct ppl_run {
    const ppl_options *o;
    llmbm_session sess;
    const int32_t *chunk; /* the chunk being scored */
    bool failed;          /* a row could not be read or written (said already) */
    logprob_header h;
    const int32_t *tokens;
    FILE *save, *base;
    double *logprobs, *base_row;
    float *row_buf;
    ppl_stats stats;
} ppl_run;

/* Every computed position's logits, in order: the second half of the chunk is scored. */
static void score_position(void *ctx, uint32_t pos, const float *logits)
{
    ppl_run *r = ctx;
    uint32_t n_vocab = r->h.n_vocab;
    if (r->failed || pos < r->h.first) return;
    ppl_log_softmax(logits, n_vocab, r->logprobs);
    if ((r->base && !logprob_read_row(r->base, r->o->base, r->base_row, n_vocab, r->row_buf)) ||
        (r->save && !logprob_write_row(r->save, r->o->save, r->logprobs, n_vocab))) {
        r->failed = true;
        return;
    }
    ppl_stats_add(&r->stats, r->logprobs, r->base ? r->base_row : NULL, n_vocab, r->chunk[pos + 1]);
}

static bool stop_on_failure(void *ctx) { return ((const ppl_run *)ctx)->failed; }

/* A chunk from position 0, fed in batches (the session's -b): the logits of every position but
 * the last, whose successor is not in the chunk. */
static bool score_chunk(ppl_run *r, uint32_t chunk)
{
    r->chunk = r->tokens + (size_t)chunk * r->h.n_ctx;
    llmbm_session_reset(&r->sess);
    llmbm_err err;
    int fed = llmbm_session_feed(&r->sess, r->chunk, r->h.n_ctx - 1, &err);
    if (fed < 0) cli_error("%s", err.msg);
    return fed == 0 && !r->failed;
}

static int run_chunks(ppl_run *r)
{
    double start = now_seconds();
    for (uint32_t c = 0; c < r->h.n_chunks; c++) {
        if (!score_chunk(r, c)) return CLI_ERROR;
        double ppl, err, per_chunk = (now_seconds() - start) / (c + 1);
        ppl_stats_perplexity(&r->stats, &ppl, &err);
        fprintf(stderr, "[%u/%u] PPL %.4f +/- %.4f  (%.1f s per chunk, %.0f s left)\n", c + 1, r->h.n_chunks, ppl, err,
                per_chunk, per_chunk * (r->h.n_chunks - c - 1));
    }
    ppl_stats_print(&r->stats, stdout);
    return CLI_OK;
}

/* The tokens to score: from the base file (so both runs see the same ones), else from -f. */
static int32_t *choose_tokens(ppl_run *r, llmbm_bundle *b, int32_t **owned)
{
    const llmbm_model *model = &b->model;
    const ppl_options *o = r->o;
    *owned = NULL;
    if (o->base) {
        r->base = logprob_open(o->base, &r->h, owned);
        if (!r->base) return NULL;
        if (r->h.n_vocab != model->config.vocab_size) {
            cli_error("%s: vocabulary of %u, but %s has %u", o->base, r->h.n_vocab, o->model, model->config.vocab_size);
            return NULL;
        }
        if (o->ctx_given && (uint32_t)o->ctx != r->h.n_ctx) {
            cli_error("%s: made with -c %u, not -c %lld", o->base, r->h.n_ctx, o->ctx);
            return NULL;
        }
        if (o->chunks && (uint32_t)o->chunks < r->h.n_chunks) r->h.n_chunks = (uint32_t)o->chunks;
        return *owned;
    }
    /* A GGUF's own tokenizer came with the model (cmd_perplexity); -z or a
     * llama2.c model's tokenizer.bin is read now. */
    if (!b->has_tokenizer && !cli_load_tokenizer(o->tokenizer, model, &b->tok)) return NULL;
    b->has_tokenizer = true;
    r->h.n_vocab = model->config.vocab_size;
    r->h.n_ctx = (uint32_t)o->ctx;
    r->h.first = r->h.n_ctx / 2;
    *owned = chunk_text(o, &b->tok, r->h.n_ctx, &r->h.n_chunks);
    llmbm_tokenizer_free(&b->tok); /* not needed past the text */
    b->has_tokenizer = false;
    return *owned;
}

int cmd_perplexity(int argc, char **argv)
{
    ppl_options o;
    int rc = parse_options(argc, argv, &o);
    if (rc != CLI_OK) return rc;
    host_set_threads((unsigned)o.threads);
    /* The tokens come from the base file, or from -f through a tokenizer:
     * a GGUF's own loads with the model, from the same header. */
    llmbm_bundle b;
    bool own_tokenizer = !o.base && !o.tokenizer;
    if (!cli_load(o.model, own_tokenizer ? LLMBM_TOKENIZER_REQUIRED : LLMBM_TOKENIZER_NONE, 0, &b)) return CLI_ERROR;
    const llmbm_model *model = &b.model;
    ppl_run r = {.o = &o};
    int32_t *tokens = NULL;
    rc = CLI_ERROR;
    if (!(r.tokens = choose_tokens(&r, &b, &tokens))) goto out;
    if (r.h.n_ctx > model->config.seq_len) {
        cli_error("-c %u exceeds %s's context of %u tokens", r.h.n_ctx, o.model, model->config.seq_len);
        goto out;
    }
    llmbm_err err;
    llmbm_run_params params = {r.h.n_ctx, (uint32_t)o.batch, true, cli_kv_type};
    if (llmbm_session_open(&r.sess, model, NULL, &params, &err)) {
        cli_error("%s", err.msg);
        goto out;
    }
    r.sess.on_logits = score_position;
    r.sess.interrupt = stop_on_failure;
    r.sess.hook_ctx = &r;
    size_t rows = (size_t)r.h.n_chunks * logprob_rows_per_chunk(&r.h);
    r.logprobs = malloc(r.h.n_vocab * sizeof *r.logprobs);
    r.base_row = malloc(r.h.n_vocab * sizeof *r.base_row);
    r.row_buf = malloc(r.h.n_vocab * sizeof *r.row_buf);
    if (!r.logprobs || !r.base_row || !r.row_buf || !ppl_stats_init(&r.stats, rows, r.base != NULL)) {
        cli_error("out of memory");
        goto out_tf;
    }
    if (o.save && !(r.save = logprob_create(o.save, &r.h, r.tokens))) goto out_tf;
    rc = run_chunks(&r);
    if (r.save && fclose(r.save)) {
        cli_error("%s: write failed", o.save);
        rc = CLI_ERROR;
    }
    r.save = NULL;
out_tf:
    if (r.save) fclose(r.save);
    ppl_stats_free(&r.stats);
    free(r.logprobs);
    free(r.base_row);
    free(r.row_buf);
    llmbm_session_close(&r.sess);
out:
    if (r.base) fclose(r.base);
    free(tokens);
    llmbm_bundle_free(&b);
    return rc;
}
