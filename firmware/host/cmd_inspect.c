/* `llmbm info`, `llmbm tokenize` and the debugging `llmbm logits`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "eng_session.h"
#include "gguf.h"
#include "templates.h"

static void write_stdout(void *ctx, const char *text, size_t len)
{
    (void)ctx;
    fwrite(text, 1, len, stdout);
}

/* The template the REPL's template=auto picks, and where it comes from. */
static void print_template(const char *path, const llmbm_tokenizer *tok)
{
    char line[320];
    template_describe_auto(path, tok, line, sizeof line);
    printf("chat template: %s\n", line);
}

static void print_tokenizer(const char *path, const llmbm_tokenizer *tok)
{
    printf("tokenizer: %s, %u tokens, bos %d, eos %d\n", llmbm_tokenizer_kind_name(tok), tok->vocab_size,
           (int)tok->bos_id, (int)tok->eos_id);
    print_template(path, tok);
}

/* A GGUF file without tensors (llama.cpp's ggml-vocab-*.gguf): no model to
 * describe, but its header and vocabulary are still worth showing. */
static void info_vocab_only(const char *path, const llmbm_bundle *b)
{
    gguf_describe(llmbm_bundle_gguf_header(b), write_stdout, NULL, 0);
    if (!b->has_tokenizer) {
        printf("tokenizer: unavailable (%s)\n", b->tokenizer_error);
        return;
    }
    print_tokenizer(path, &b->tok);
    printf("no tensors: a vocabulary-only file (tokenize works, run does not)\n");
}

int cmd_info(int argc, char **argv)
{
    if (argc != 1) {
        cli_error("usage: llmbm info MODEL");
        return CLI_USAGE;
    }
    /* One load: the model, and a GGUF's tokenizer when it has a usable one
     * (a model without tokenizer metadata still runs: llmbm logits). */
    llmbm_bundle b;
    if (!cli_load(argv[0], LLMBM_TOKENIZER_OPTIONAL, CLI_ALLOW_NO_TENSORS, &b)) return CLI_ERROR;
    if (!b.has_model) {
        info_vocab_only(argv[0], &b);
    } else {
        llmbm_model_describe(&b.model, write_stdout, NULL);
        if (b.has_tokenizer)
            print_tokenizer(b.model.path, &b.tok);
        else if (b.model.format == LLMBM_FORMAT_GGUF)
            printf("tokenizer: unavailable (%s)\n", b.tokenizer_error);
    }
    llmbm_bundle_free(&b);
    return CLI_OK;
}

int cmd_tokenize(int argc, char **argv)
{
    const char *model_path = NULL, *tok_path = NULL, *text = NULL;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-z") && i + 1 < argc)
            tok_path = argv[++i];
        else if (!model_path)
            model_path = argv[i];
        else if (!text)
            text = argv[i];
        else {
            cli_error("tokenize: unexpected argument '%s'", argv[i]);
            return CLI_USAGE;
        }
    }
    if (!model_path || !text) {
        cli_error("usage: llmbm tokenize MODEL [-z TOKENIZER] TEXT");
        return CLI_USAGE;
    }
    /* A GGUF file's own vocabulary needs no tensors: vocab-only files
     * tokenize too, and a model's tensors are not read. A llama2.c model is
     * loaded for its vocab size, which its tokenizer.bin must match. */
    llmbm_bundle b;
    bool own = !tok_path;
    if (!cli_load(model_path, own ? LLMBM_TOKENIZER_REQUIRED : LLMBM_TOKENIZER_NONE, own ? CLI_VOCABULARY_ONLY : 0, &b))
        return CLI_ERROR;
    if (!b.has_tokenizer && !cli_load_tokenizer(tok_path, &b.model, &b.tok)) {
        llmbm_bundle_free(&b);
        return CLI_ERROR;
    }
    b.has_tokenizer = true;
    int32_t *ids = malloc(llmbm_encode_capacity(strlen(text)) * sizeof *ids);
    if (!ids) {
        cli_error("out of memory");
        llmbm_bundle_free(&b);
        return CLI_ERROR;
    }
    size_t n = llmbm_encode(&b.tok, text, false, false, ids);
    for (size_t i = 0; i < n; i++) printf(i ? " %d" : "%d", (int)ids[i]);
    printf("\n");
    free(ids);
    llmbm_bundle_free(&b);
    return CLI_OK;
}

/* One line per position: the logits after feeding ids[0..pos], printed with
 * 9 significant digits so float32 values round-trip exactly. The ids are
 * computed in batches of -b (default the engine's): the lines are the same
 * bits for every batch size. */
static void print_logits(void *ctx, uint32_t pos, const float *logits)
{
    (void)pos;
    uint32_t vocab = *(const uint32_t *)ctx;
    for (uint32_t v = 0; v < vocab; v++) printf(v ? " %.9g" : "%.9g", (double)logits[v]);
    printf("\n");
}

int cmd_logits(int argc, char **argv)
{
    long long batch = 0;
    if (argc >= 2 && !strcmp(argv[0], "-b")) {
        if (!cli_parse_long("-b", argv[1], &batch)) return CLI_USAGE;
        if (batch < 1 || batch > 4096) {
            cli_error("-b must be between 1 and 4096");
            return CLI_USAGE;
        }
        argc -= 2;
        argv += 2;
    }
    if (argc < 2) {
        cli_error("usage: llmbm logits [-b BATCH] MODEL TOKEN_ID...");
        return CLI_USAGE;
    }
    llmbm_model model;
    llmbm_session sess;
    llmbm_err err;
    if (!cli_load_model(argv[0], &model)) return CLI_ERROR;
    int rc = CLI_ERROR;
    uint32_t n = (uint32_t)(argc - 1);
    int32_t *ids = NULL;
    if (n > model.config.seq_len) {
        cli_error("%u tokens exceed the model's seq_len %u", n, model.config.seq_len);
        goto out_model;
    }
    ids = malloc((size_t)n * sizeof *ids);
    if (!ids) {
        cli_error("out of memory");
        goto out_model;
    }
    for (uint32_t pos = 0; pos < n; pos++) {
        long long id;
        if (!cli_parse_long("TOKEN_ID", argv[pos + 1], &id)) goto out_model;
        if (id < 0 || id >= model.config.vocab_size) {
            cli_error("token id %lld is outside the vocabulary (%u)", id, model.config.vocab_size);
            goto out_model;
        }
        ids[pos] = (int32_t)id;
    }
    llmbm_run_params params = {n, (uint32_t)batch, true, cli_kv_type};
    if (llmbm_session_open(&sess, &model, NULL, &params, &err)) {
        cli_error("%s", err.msg);
        goto out_model;
    }
    uint32_t vocab = model.config.vocab_size;
    sess.on_logits = print_logits;
    sess.hook_ctx = &vocab;
    if (llmbm_session_feed(&sess, ids, n, &err) < 0)
        cli_error("%s", err.msg);
    else
        rc = CLI_OK;
    llmbm_session_close(&sess);
out_model:
    free(ids);
    llmbm_model_free(&model);
    return rc;
}
