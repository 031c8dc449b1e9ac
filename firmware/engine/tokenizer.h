/* llama2.c's tokenizer.bin: a max token length, then per token an f32
 * score, an i32 byte length and the bytes. Encoding is llama2.c's greedy
 * score-ordered BPE; decoding applies its leading-space and <0xNN> rules. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eng_util.h"
#include "platform.h"

#define LLMBM_TOKEN_BOS 1
#define LLMBM_TOKEN_EOS 2

typedef enum llmbm_tokenizer_kind {
    LLMBM_TOK_LLAMA2C = 0, /* tokenizer.bin */
    LLMBM_TOK_GGUF_SPM,    /* GGUF tokenizer.ggml.model = llama (SentencePiece) */
    LLMBM_TOK_GGUF_BPE,    /* GGUF tokenizer.ggml.model = gpt2 (byte-level BPE) */
} llmbm_tokenizer_kind;

struct llmbm_gguf_tok; /* tokenizer_gguf.c */

typedef struct llmbm_tokenizer {
    llmbm_tokenizer_kind kind;
    int32_t bos_id, eos_id;      /* -1: none (GGUF); 1 and 2 for tokenizer.bin */
    struct llmbm_gguf_tok *gguf; /* GGUF kinds: metadata, vocab, decode buffer */
    uint32_t vocab_size;
    uint32_t max_token_length; /* as stored in the file */
    uint32_t longest_piece;    /* measured, bounds the merge buffer */
    char **pieces;             /* NUL-terminated */
    float *scores;
    uint32_t *sorted;         /* ids sorted by piece (strcmp), ties by id */
    char *merge_buf;          /* 2*longest_piece+8 bytes */
    unsigned char bytes[512]; /* single-byte strings for <0xNN> pieces */
    void *arena;              /* one plat_alloc block holding all of the above */
} llmbm_tokenizer;

/* Parses a tokenizer.bin image. expected_vocab is the model's vocab size: the
 * file must hold exactly that many tokens (0: take as many as the file has). The
 * buffer may be freed afterwards. `name` is used in messages. */
int llmbm_tokenizer_load_buffer(llmbm_tokenizer *t, const void *data, size_t size, uint32_t expected_vocab,
                                const char *name, llmbm_err *err);
/* A tokenizer.bin or, by its magic, a GGUF file's tokenizer. */
int llmbm_tokenizer_load_file(llmbm_tokenizer *t, const char *path, uint32_t expected_vocab, llmbm_err *err);
/* The same over a file the caller opened (`size` bytes) and closes. */
int llmbm_tokenizer_load_open(llmbm_tokenizer *t, plat_file *f, uint64_t size, const char *path,
                              uint32_t expected_vocab, llmbm_err *err);
/* The tokenizer in a GGUF file's metadata (tokenizer.ggml.*); only the
 * metadata is read. */
int llmbm_tokenizer_from_gguf(llmbm_tokenizer *t, const char *path, uint32_t expected_vocab, llmbm_err *err);

/* End of generation: EOS/EOT/<|im_end|>-style tokens for GGUF; BOS for
 * tokenizer.bin (llama2.c's run.c stops there). */
bool llmbm_token_is_eog(const llmbm_tokenizer *t, int32_t token);
/* tokenizer.chat_template (NUL-terminated), or NULL when absent / not GGUF. */
const char *llmbm_tokenizer_chat_template(const llmbm_tokenizer *t);
/* "llama2.c", "gguf llama (SentencePiece)", "gguf gpt2 (byte-level BPE, pre ...)" */
const char *llmbm_tokenizer_kind_name(const llmbm_tokenizer *t);
void llmbm_tokenizer_free(llmbm_tokenizer *t);

/* Upper bound on the tokens llmbm_encode writes for `text_len` bytes. */
size_t llmbm_encode_capacity(size_t text_len);

/* Encodes `text` (NUL-terminated) into tokens, BOS/EOS optional, exactly as
 * llama2.c run.c's encode(). Returns the token count; tokens must hold
 * llmbm_encode_capacity(strlen(text)) entries. GGUF: llama.cpp's tokenizer
 * with special-token text parsed; `bos` prepends BOS only if the model's
 * add_bos_token says so (an empty result still gets BOS so that generation
 * has a first token); `eos` appends EOS. */
size_t llmbm_encode(const llmbm_tokenizer *t, const char *text, bool bos, bool eos, int32_t *tokens);
/* Whether llmbm_encode(..., bos=true) starts a text with BOS: always for
 * tokenizer.bin, as add_bos_token says for GGUF. */
bool llmbm_tokenizer_adds_bos(const llmbm_tokenizer *t);

/* The text of `token` following `prev_token` (run.c decode()): a leading
 * space is dropped after BOS, and "<0xNN>" pieces become that raw byte.
 * GGUF: the token's bytes (SentencePiece U+2581 -> space, BPE byte map
 * undone; control tokens give ""), the leading space dropped after BOS for
 * SentencePiece as llama.cpp does.
 * Returns a NUL-terminated string owned by the tokenizer ("" if out of range). */
const char *llmbm_decode(const llmbm_tokenizer *t, int32_t prev_token, int32_t token);

/* run.c's safe_printf filter: false for empty pieces and for single bytes that
 * are neither printable nor whitespace (stray halves of UTF-8, control bytes). */
bool llmbm_piece_is_printable(const char *piece);

/* Id of an exact piece, or -1. */
int32_t llmbm_token_lookup(const llmbm_tokenizer *t, const char *piece, size_t len);
