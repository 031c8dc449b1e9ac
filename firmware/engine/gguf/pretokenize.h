/* The BPE pre-tokenizers: llama.cpp's per-family lists of split regexes,
 * generated into pretok_tables.c from python/llmbm_build/pretokenizers.py. */
#pragma once

#include "vocab_gguf.h"

/* Settings llama.cpp ties to a pre-tokenizer. */
#define GGUF_PRETOK_IGNORE_MERGES 1u /* a word that is a whole token is not merged */
#define GGUF_PRETOK_ADD_BOS       2u /* bos by default */
#define GGUF_PRETOK_NO_BOS        4u /* no bos unless the file names one */

/* One pre-tokenizer: the regexes gguf_rx_starts[first, first + count),
 * applied in order. */
typedef struct gguf_pretok_def {
    uint16_t first, count;
    uint8_t flags;
} gguf_pretok_def;

typedef struct gguf_pretok_name {
    const char *name; /* a tokenizer.ggml.pre value */
    gguf_pretok pre;  /* index into gguf_pretok_defs */
} gguf_pretok_name;

extern const gguf_pretok_def gguf_pretok_defs[];
extern const gguf_pretok_name gguf_pretok_names[];
extern const uint32_t gguf_pretok_name_count;
extern const uint16_t gguf_rx_starts[];

/* The pre-tokenizer a tokenizer.ggml.pre value names, and that name as a C
 * string from the table; NULL if the engine has none of that name. */
const char *gguf_pretok_find(const char *name, size_t len, gguf_pretok *pre);

/* Splits cps[0, n) into words; writes each word's end index to ends (room
 * for n) and their number to *n_words. 0, or -1 if memory ran out. */
int gguf_pretokenize(gguf_pretok pre, const uint32_t *cps, size_t n, uint32_t *ends, size_t *n_words);
