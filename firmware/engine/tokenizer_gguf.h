/* The GGUF side of llmbm_tokenizer (tokenizer.h dispatches here on kind):
 * llama.cpp-compatible SentencePiece and byte-level BPE from gguf/vocab_gguf.h. */
#pragma once

#include "tokenizer.h"

struct llmbm_gguf_tok;
void llmbm_gguf_tok_free(struct llmbm_gguf_tok *g);
bool llmbm_gguf_adds_bos(const llmbm_tokenizer *t);
size_t llmbm_gguf_encode(const llmbm_tokenizer *t, const char *text, bool bos, bool eos, int32_t *tokens);
const char *llmbm_gguf_decode(const llmbm_tokenizer *t, int32_t prev_token, int32_t token);
int32_t llmbm_gguf_token_lookup(const llmbm_tokenizer *t, const char *text, size_t len);
