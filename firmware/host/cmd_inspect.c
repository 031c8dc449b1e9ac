/* `llmbm info`, `llmbm tokenize` and the debugging `llmbm logits`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "eng_session.h"
#include "gguf.h"
#include "templates.h"

static void write_stdout(void *ctx, const char *text, size_t len) {
    (void)ctx;
    fwrite(text, 1, len, stdout);
}

/* The template the REPL's template=auto picks, and where it comes from. */
static void print_template(const char *path, const llmbm_tokenizer *tok) {
    char line[320];
    template_describe_auto(path, tok, line, sizeof line);
    printf("chat template: %s\n", line);
}

/* A GGUF file without tensors (llama.cpp's ggml-vocab-*.gguf): no model to
 * describe, but its header and vocabulary are still worth showing. */
static int info_vocab_only(const char *path) {
    gguf_file g;
    llmbm_err err;
    if (gguf_open(&g, path, &err)) {
        cli_error("%s", err.msg);
        return CLI_ERROR;
    }
    gguf_describe(&g, write_stdout, NULL, 0);
    gguf_close(&g);
    llmbm_tokenizer tok;
    if (llmbm_tokenizer_from_gguf(&tok, path, 0, &err)) {
        printf("tokenizer: unavailable (%s)\n", err.msg);
        return CLI_OK;
    }
    printf("tokenizer: %s, %u tokens, bos %d, eos %d\n", llmbm_tokenizer_kind_name(&tok), tok.vocab_size,
           (int)tok.bos_id, (int)tok.eos_id);
    print_template(path, &tok);
    printf("no tensors: a vocabulary-only file (tokenize works, run does not)\n");
    llmbm_tokenizer_free(&tok);
    return CLI_OK;
}

int cmd_info(int argc, char **argv) {
    if (argc != 1) {
        cli_error("usage: llmbm info MODEL");
        return CLI_USAGE;
    }
    if (cli_gguf_tensor_count(argv[0]) == 0) return info_vocab_only(argv[0]);
    llmbm_model model;
    if (!cli_load_model(argv[0], &model)) return CLI_ERROR;
    llmbm_model_describe(&model, write_stdout, NULL);
    if (model.format == LLMBM_FORMAT_GGUF) {
        llmbm_tokenizer tok;
        llmbm_err err;
        /* A model without tokenizer metadata still runs (llmbm logits). */
        if (llmbm_tokenizer_from_gguf(&tok, model.path, model.config.vocab_size, &err)) {
            printf("tokenizer: unavailable (%s)\n", err.msg);
            llmbm_model_free(&model);
            return CLI_OK;
        }
        printf("tokenizer: %s, %u tokens, bos %d, eos %d\n", llmbm_tokenizer_kind_name(&tok), tok.vocab_size,
               (int)tok.bos_id, (int)tok.eos_id);
        print_template(model.path, &tok);
        llmbm_tokenizer_free(&tok);
    }
    llmbm_model_free(&model);
    return CLI_OK;
}

int cmd_tokenize(int argc, char **argv) {
    const char *model_path = NULL, *tok_path = NULL, *text = NULL;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-z") && i + 1 < argc) tok_path = argv[++i];
        else if (!model_path) model_path = argv[i];
        else if (!text) text = argv[i];
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
     * tokenize too. A llama2.c model is loaded for its vocab size, which
     * its tokenizer.bin must match. */
    llmbm_model model = {0};
    llmbm_tokenizer tok;
    llmbm_err err;
    if (!tok_path && cli_gguf_tensor_count(model_path) >= 0) {
        if (llmbm_tokenizer_from_gguf(&tok, model_path, 0, &err)) {
            cli_error("%s", err.msg);
            return CLI_ERROR;
        }
    } else {
        if (!cli_load_model(model_path, &model)) return CLI_ERROR;
        if (!cli_load_tokenizer(tok_path, &model, &tok)) {
            llmbm_model_free(&model);
            return CLI_ERROR;
        }
    }
    int32_t *ids = malloc(llmbm_encode_capacity(strlen(text)) * sizeof *ids);
    if (!ids) {
        cli_error("out of memory");
        llmbm_tokenizer_free(&tok);
        llmbm_model_free(&model);
        return CLI_ERROR;
    }
    size_t n = llmbm_encode(&tok, text, false, false, ids);
    for (size_t i = 0; i < n; i++) printf(i ? " %d" : "%d", (int)ids[i]);
    printf("\n");
    free(ids);
    llmbm_tokenizer_free(&tok);
    llmbm_model_free(&model);
    return CLI_OK;
}

/* One line per position: the logits after feeding ids[0..pos], printed with
 * 9 significant digits so float32 values round-trip exactly. The ids are
 * computed in batches of -b (default the engine's): the lines are the same
 * bits for every batch size. */
static void print_logits(void *ctx, uint32_t pos, const float *logits) {
    (void)pos;
    uint32_t vocab = *(const uint32_t *)ctx;
    for (uint32_t v = 0; v < vocab; v++) printf(v ? " %.9g" : "%.9g", (double)logits[v]);
    printf("\n");
}

int cmd_logits(int argc, char **argv) {
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
    if (llmbm_session_feed(&sess, ids, n, &err) < 0) cli_error("%s", err.msg);
    else rc = CLI_OK;
    llmbm_session_close(&sess);
out_model:
    free(ids);
    llmbm_model_free(&model);
    return rc;
}
