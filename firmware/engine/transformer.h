/* The llama forward pass over an llmbm_model: RMSNorm, RoPE, grouped-query
 * attention with a KV cache, SwiGLU FFN, classifier. Every matrix-vector
 * product and hot loop goes through ops.h. */
#pragma once

#include <stdint.h>

#include "eng_util.h"
#include "model.h"

typedef struct llmbm_transformer {
    const llmbm_model *model;
    uint32_t ctx_len; /* positions the KV cache holds (<= seq_len) */
    const float *rope_freqs; /* the model's frequency factors for this ctx_len (LongRoPE picks by it) */
    float *x, *xb, *xb2; /* dim */
    float *q;            /* n_heads*head_size */
    float *hb, *hb2;     /* hidden_dim */
    float *att;          /* n_heads*ctx_len */
    float *logits;       /* vocab_size */
    float *key_cache, *value_cache; /* n_layers*ctx_len*kv_dim */
    float *rope; /* 2*head_size: RoPE's (cos, sin) at this token's position; GGUF modes use
                  * head_size for the global angles and the rest for sliding-window layers' */
    void *scratch;                  /* llmbm_matvec scratch */
    void *block;                    /* one allocation for all of the above */
} llmbm_transformer;

/* ctx_len 0 or above the model's seq_len means seq_len. */
int llmbm_transformer_init(llmbm_transformer *tf, const llmbm_model *model, uint32_t ctx_len, llmbm_err *err);
void llmbm_transformer_free(llmbm_transformer *tf);

/* Runs `token` at position `pos` (< ctx_len) and returns the logits
 * (vocab_size floats, owned by tf), or NULL with err set. */
float *llmbm_forward(llmbm_transformer *tf, int32_t token, uint32_t pos, llmbm_err *err);
