/* Shared by vocab_gguf.c and the two tokenizer sessions. */
#pragma once

#include "vocab_gguf.h"

/* Where token ids go; overflow is reported once at the end. */
typedef struct tok_out {
    int32_t *ids;
    size_t n, cap;
    bool overflow;
} tok_out;

static inline void tok_push(tok_out *o, int32_t id)
{
    if (o->n < o->cap)
        o->ids[o->n++] = id;
    else
        o->overflow = true;
}

/* Token id of text, or -1 (vocab_gguf.c). */
int32_t vocab_lookup(const gguf_vocab *v, const uint8_t *text, size_t len);

/* One raw-text fragment through each tokenizer. 0, or -1 when memory ran
 * out. SPM expects the text already escaped (spaces as U+2581). */
int spm_tokenize(const gguf_vocab *v, const uint8_t *text, size_t len, tok_out *out);
int bpe_tokenize(const gguf_vocab *v, const uint8_t *text, size_t len, tok_out *out);

/* GPT-2's byte <-> unicode map (tokenizer_bpe.c). */
uint32_t bpe_byte_to_cp(uint8_t b);
int bpe_cp_to_byte(uint32_t cp); /* -1 if cp is not in the map */

/* Rank of merging left+right (lower merges first), or -1 (vocab_gguf.c). */
int32_t vocab_merge_rank(const gguf_vocab *v, const uint8_t *l, size_t ll, const uint8_t *r, size_t rl);
