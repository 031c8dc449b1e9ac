/* The GGUF side of llmbm_tokenizer (tokenizer.h dispatches here on kind):
 * llama.cpp-compatible SentencePiece and byte-level BPE from gguf/vocab_gguf.h. */
#pragma once

#include "gguf.h"
#include "tokenizer.h"

/* The tokenizer in a parsed GGUF header, which it takes over on success
 * (*file is emptied); on failure *file is the caller's as it was. The
 * header's plat_file is not used. `path` is used in messages. */
int llmbm_tokenizer_from_gguf_file(llmbm_tokenizer *t, gguf_file *file, uint32_t expected_vocab, const char *path,
                                   llmbm_err *err);
/* The GGUF header the tokenizer holds (`llmbm info` describes it), or NULL. */
const gguf_file *llmbm_tokenizer_gguf_header(const llmbm_tokenizer *t);

struct llmbm_gguf_tok;
void llmbm_gguf_tok_free(struct llmbm_gguf_tok *g);
bool llmbm_gguf_adds_bos(const llmbm_tokenizer *t);
size_t llmbm_gguf_encode(const llmbm_tokenizer *t, const char *text, bool bos, bool eos, int32_t *tokens);
const char *llmbm_gguf_decode(const llmbm_tokenizer *t, int32_t prev_token, int32_t token);
int32_t llmbm_gguf_token_lookup(const llmbm_tokenizer *t, const char *text, size_t len);
