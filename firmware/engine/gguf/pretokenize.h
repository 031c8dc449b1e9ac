/* The BPE pre-tokenizers: llama.cpp's hand-written forms of the split
 * regexes, over codepoints. */
#pragma once

#include "vocab_gguf.h"

/* Splits cps[0, n) into words; writes each word's end index to ends and
 * returns the number of words (at most n). */
size_t gguf_pretokenize(gguf_pretok pre, const uint32_t *cps, size_t n, uint32_t *ends);
