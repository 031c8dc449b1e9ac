/* llama2.c's tokenizer.bin: a max token length, then per token an f32
 * score, an i32 byte length and the bytes. Encoding is llama2.c's greedy
 * score-ordered BPE; decoding applies its leading-space and <0xNN> rules. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eng_util.h"

#define LLMBM_TOKEN_BOS 1
#define LLMBM_TOKEN_EOS 2

typedef struct llmbm_tokenizer {
    uint32_t vocab_size;
    uint32_t max_token_length; /* as stored in the file */
    uint32_t longest_piece;    /* measured, bounds the merge buffer */
    char **pieces;             /* NUL-terminated */
    float *scores;
    uint32_t *sorted;      /* ids sorted by piece (strcmp), ties by id */
    char *merge_buf;       /* 2*longest_piece+8 bytes */
    unsigned char bytes[512]; /* single-byte strings for <0xNN> pieces */
    void *arena;           /* one plat_alloc block holding all of the above */
} llmbm_tokenizer;

/* Parses a tokenizer.bin image. expected_vocab is the model's vocab size: the
 * file must hold exactly that many tokens (0: take as many as the file has). The
 * buffer may be freed afterwards. `name` is used in messages. */
int llmbm_tokenizer_load_buffer(llmbm_tokenizer *t, const void *data, size_t size, uint32_t expected_vocab,
                                const char *name, llmbm_err *err);
int llmbm_tokenizer_load_file(llmbm_tokenizer *t, const char *path, uint32_t expected_vocab, llmbm_err *err);
void llmbm_tokenizer_free(llmbm_tokenizer *t);

/* Upper bound on the tokens llmbm_encode writes for `text_len` bytes. */
size_t llmbm_encode_capacity(size_t text_len);

/* Encodes `text` (NUL-terminated) into tokens, BOS/EOS optional, exactly as
 * llama2.c run.c's encode(). Returns the token count; tokens must hold
 * llmbm_encode_capacity(strlen(text)) entries. */
size_t llmbm_encode(const llmbm_tokenizer *t, const char *text, bool bos, bool eos, int32_t *tokens);

/* The text of `token` following `prev_token` (run.c decode()): a leading
 * space is dropped after BOS, and "<0xNN>" pieces become that raw byte.
 * Returns a NUL-terminated string owned by the tokenizer ("" if out of range). */
const char *llmbm_decode(const llmbm_tokenizer *t, int32_t prev_token, int32_t token);

/* run.c's safe_printf filter: false for empty pieces and for single bytes that
 * are neither printable nor whitespace (stray halves of UTF-8, control bytes). */
bool llmbm_piece_is_printable(const char *piece);

/* Id of an exact piece, or -1. */
int32_t llmbm_token_lookup(const llmbm_tokenizer *t, const char *piece, size_t len);
