/* Tokenizers built from GGUF metadata (tokenizer.ggml.*), behaving like
 * llama.cpp's: `llama` = SentencePiece (scores, byte fallback, U+2581 as
 * space) and `gpt2` = byte-level BPE (merge ranks, with the pre-tokenizer
 * that tokenizer.ggml.pre names; a name llama.cpp knows but the engine does
 * not is refused, never replaced by another split). Control, user-defined and unknown-type tokens are matched as
 * whole special tokens inside the input: user-defined ones always, control
 * and unknown ones only when the caller asks to parse special text.
 *
 * Token texts, scores and merges stay in the gguf_file's metadata buffer:
 * the gguf_file must stay open while the vocab is used. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gguf.h"

typedef enum gguf_vocab_kind {
    GGUF_VOCAB_SPM = 1, /* tokenizer.ggml.model = llama */
    GGUF_VOCAB_BPE = 2, /* tokenizer.ggml.model = gpt2 */
} gguf_vocab_kind;

/* A BPE pre-tokenizer: a row of the table generated from
 * python/llmbm_build/pretokenizers.py (see pretokenize.h). */
typedef uint16_t gguf_pretok;

/* tokenizer.ggml.token_type values. */
enum {
    GGUF_TOKEN_UNDEFINED = 0,
    GGUF_TOKEN_NORMAL = 1,
    GGUF_TOKEN_UNKNOWN = 2,
    GGUF_TOKEN_CONTROL = 3,
    GGUF_TOKEN_USER_DEFINED = 4,
    GGUF_TOKEN_UNUSED = 5,
    GGUF_TOKEN_BYTE = 6,
};

/* Whitespace a special token swallows when matched in the input (llama.cpp
 * sets these per model name, e.g. RSTRIP for Phi-3's special tokens). */
#define GGUF_STRIP_LEFT  1u
#define GGUF_STRIP_RIGHT 2u

typedef struct gguf_vocab {
    gguf_vocab_kind kind;
    gguf_pretok pre;
    const char *pre_name; /* BPE: the tokenizer.ggml.pre value ("default" if none) */
    uint32_t n_tokens;
    gguf_array tokens;
    gguf_array scores;   /* count 0 when the file has none */
    gguf_array merges;   /* BPE only */
    uint8_t *token_type; /* per token, after llama.cpp's EOT fix-ups */
    uint8_t *strip;      /* per token: GGUF_STRIP_* around special matches */
    /* token text -> id + 1, open addressing */
    uint32_t *tok_slots;
    uint32_t tok_mask;
    /* BPE: merge text "a b" -> rank + 1 */
    uint32_t *merge_slots;
    uint32_t merge_mask;
    /* special-token candidates, longest text first */
    uint32_t *special;
    uint32_t n_special;
    /* the token each byte falls back to (SPM <0xNN>, BPE its mapped char); -1 */
    int32_t byte_token[256];
    int32_t bos, eos, eot, eom, unk, pad; /* -1: none */
    bool add_bos, add_eos, add_space_prefix, ignore_merges;
} gguf_vocab;

/* Builds the vocab from g's tokenizer.ggml.* keys. */
int gguf_vocab_load(gguf_vocab *v, const gguf_file *g, llmbm_err *err);
void gguf_vocab_free(gguf_vocab *v);

/* Id of a token text, or -1. */
int32_t gguf_vocab_find(const gguf_vocab *v, const char *text, size_t len);
/* The stored text of a token (empty for out-of-range ids). */
gguf_str gguf_vocab_text(const gguf_vocab *v, int32_t id);
/* End of generation: eos, eot, eom, or a token whose text llama.cpp treats
 * as end-of-generation (<|eot_id|>, <|im_end|>, <|end|>, <end_of_turn>,
 * <|endoftext|>, <|eom_id|>, <EOT>). */
bool gguf_vocab_is_eog(const gguf_vocab *v, int32_t id);

/* Encodes text[0, len) into out (capacity cap); *n_out gets the count.
 * add_special: prepend bos / append eos as add_bos_token/add_eos_token say.
 * parse_special: control tokens' text in the input becomes those tokens.
 * gguf_vocab_max_tokens(len) ids always suffice (byte fallback can emit up
 * to 3 tokens per input byte, more for odd vocabularies); ordinary text
 * needs far fewer. -1 with a message if cap is too small or memory runs out. */
static inline size_t gguf_vocab_max_tokens(size_t len) { return len > (SIZE_MAX - 5) / 6 ? SIZE_MAX : 6 * len + 5; }
int gguf_vocab_encode(const gguf_vocab *v, const char *text, size_t len, bool add_special, bool parse_special,
                      int32_t *out, size_t cap, size_t *n_out, llmbm_err *err);

/* The bytes a token stands for (SPM: U+2581 -> space, <0xNN> -> byte;
 * BPE: the byte-level map undone). Control tokens give their text only if
 * `special`. Writes at most cap bytes and returns the full length. */
size_t gguf_vocab_decode(const gguf_vocab *v, int32_t id, bool special, char *buf, size_t cap);
