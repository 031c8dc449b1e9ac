/* libFuzzer harness for the GGUF tokenizers: arbitrary bytes (invalid UTF-8
 * included) through SentencePiece (phi-3 vocab: byte fallback, control and
 * user-defined tokens) and byte-level BPE (gpt-2 vocab, with each
 * pre-tokenizer in turn). The first input byte picks vocab (bit 0), flags
 * (bits 3, 4) and pre-tokenizer (the other bits, an index into the table of
 * tokenizer.ggml.pre names). The vocabularies are read from $LLMBM_TESTDATA (else
 * $LLMBM_TESTDATA_DEFAULT, else ../shared/testdata). Every id must be in
 * range and decodable, and gguf_vocab_max_tokens(len) ids must be enough. */
#include <stdio.h>
#include <stdlib.h>

#include "gguf.h"
#include "pretokenize.h"
#include "vocab_gguf.h"

static gguf_file files[2];
static gguf_vocab vocabs[2];

static void load(int i, const char *dir, const char *name)
{
    char path[1024];
    llmbm_err err;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (gguf_open(&files[i], path, &err) != 0 || gguf_vocab_load(&vocabs[i], &files[i], &err) != 0) {
        fprintf(stderr, "fuzz_gguf_tokenizer: %s\n", err.msg);
        exit(1);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *dir = getenv("LLMBM_TESTDATA");
    if (!dir || !*dir) dir = getenv("LLMBM_TESTDATA_DEFAULT");
    if (!dir || !*dir) dir = "../shared/testdata";
    load(0, dir, "ggml-vocab-phi-3.gguf");
    load(1, dir, "ggml-vocab-gpt-2.gguf");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    uint8_t mode = data[0];
    gguf_vocab *v = &vocabs[mode & 1];
    unsigned pick = ((mode >> 1) & 3u) | (unsigned)(mode >> 5) << 2;
    if (mode & 1) v->pre = gguf_pretok_names[pick % gguf_pretok_name_count].pre;
    bool add_special = mode & 8, parse_special = mode & 16;
    const char *text = (const char *)data + 1;
    size_t len = size - 1, cap = gguf_vocab_max_tokens(len), n;
    int32_t *ids = malloc(cap * sizeof *ids);
    llmbm_err err;
    if (gguf_vocab_encode(v, text, len, add_special, parse_special, ids, cap, &n, &err) != 0) {
        fprintf(stderr, "encode failed: %s\n", err.msg);
        __builtin_trap();
    }
    for (size_t i = 0; i < n; i++) {
        if (ids[i] < 0 || (uint32_t)ids[i] >= v->n_tokens) __builtin_trap();
        char piece[64];
        (void)gguf_vocab_decode(v, ids[i], true, piece, sizeof piece);
    }
    free(ids);
    return 0;
}
