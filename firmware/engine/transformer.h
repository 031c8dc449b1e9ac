/* The llama forward pass over an llmbm_model: RMSNorm, RoPE, grouped-query
 * attention with a KV cache, SwiGLU FFN, classifier. Every matrix product and
 * hot loop goes through ops.h / matmul.h.
 *
 * A forward pass takes a batch of consecutive tokens: the weights stream from
 * memory once per batch instead of once per token, and every token's result
 * is bit-identical to running the tokens one at a time (same kernels per
 * (row, token), same per-token element-wise loops, causal attention reading
 * exactly the keys a one-token pass would). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "eng_util.h"
#include "model.h"

/* The KV cache's element type. auto: f32 for llama2.c checkpoints (their
 * outputs stay run.c's, token for token), f16 for GGUF models (half the
 * memory, as llama.cpp's default). q8_0 needs a head size that is a
 * multiple of 32; other models get f16 instead. */
typedef enum llmbm_kv_type { LLMBM_KV_AUTO, LLMBM_KV_F32, LLMBM_KV_F16, LLMBM_KV_Q8_0 } llmbm_kv_type;

/* "auto", "f32", "f16", "q8_0". */
const char *llmbm_kv_type_name(llmbm_kv_type t);
/* The inverse; -1 for an unknown name. */
int llmbm_kv_type_parse(const char *name, llmbm_kv_type *out);
/* What `want` becomes for this model (never auto). */
llmbm_kv_type llmbm_kv_type_for(const llmbm_model *model, llmbm_kv_type want);

/* How a run state is sized. */
typedef struct llmbm_run_params {
    uint32_t ctx_len; /* positions the KV cache holds; 0 or above seq_len: seq_len */
    uint32_t batch;   /* most tokens per forward pass; 0: LLMBM_DEFAULT_BATCH */
    bool all_logits;  /* keep every batch position's logits (perplexity), not just the last's */
    llmbm_kv_type kv_type;
} llmbm_run_params;

#define LLMBM_DEFAULT_BATCH 32u

typedef struct llmbm_transformer {
    const llmbm_model *model;
    uint32_t ctx_len; /* positions the KV cache holds (<= seq_len) */
    uint32_t batch;   /* most tokens per llmbm_forward_batch */
    bool all_logits;
    const float *rope_freqs; /* the model's frequency factors for this ctx_len (LongRoPE picks by it) */
    /* Batch rows: token t's row of each starts at t * (its width). */
    float *x, *xb, *xb2;              /* dim (xb: max(dim, q_dim)) */
    float *q;                         /* n_heads*head_size */
    float *hb, *hb2;                  /* hidden_dim */
    float *att;                       /* n_heads*ctx_len: one head's scores, reused across the batch */
    float *logits;                    /* vocab_size (batch * vocab_size with all_logits) */
    llmbm_kv_type kv_type;            /* resolved: never auto */
    llmbm_type kv_elem;               /* the cache's element type as a kernel slot */
    size_t kv_row_bytes;              /* one position's keys (kv_dim elements) */
    uint8_t *key_cache, *value_cache; /* n_layers*ctx_len rows of kv_row_bytes */
    float *k_new, *v_new;             /* batch * kv_dim: this batch's keys and values before they are stored */
    float *rope;                      /* batch * 2*head_size: RoPE's (cos, sin) at each token's position; GGUF modes use
                  * head_size for the global angles and the rest for sliding-window layers' */
    void *scratch;                    /* llmbm_matvec / llmbm_matmul scratch */
    float *keys_t;                    /* keys_t_shares * keys_t_floats: a batch's attention keys, transposed */
    unsigned keys_t_shares;
    size_t keys_t_floats;
    void *block; /* one allocation for all of the above */
} llmbm_transformer;

int llmbm_transformer_open(llmbm_transformer *tf, const llmbm_model *model, const llmbm_run_params *params,
                           llmbm_err *err);
/* llmbm_transformer_open with ctx_len and the default batch. */
int llmbm_transformer_init(llmbm_transformer *tf, const llmbm_model *model, uint32_t ctx_len, llmbm_err *err);
void llmbm_transformer_free(llmbm_transformer *tf);

/* Bytes llmbm_transformer_open allocates for these parameters. */
uint64_t llmbm_transformer_state_bytes(const llmbm_model *model, const llmbm_run_params *params);

/* Runs tokens[0..n) at positions pos..pos+n-1 (n <= batch, pos + n <=
 * ctx_len), filling the KV cache, and returns the logits of the last one
 * (vocab_size floats, owned by tf; with all_logits, token t's logits are at
 * t * vocab_size), or NULL with err set. */
float *llmbm_forward_batch(llmbm_transformer *tf, const int32_t *tokens, uint32_t n, uint32_t pos, llmbm_err *err);

/* One token: llmbm_forward_batch with n = 1. */
float *llmbm_forward(llmbm_transformer *tf, int32_t token, uint32_t pos, llmbm_err *err);

/* Context shift: the cache entries of positions [from + count, end) move to
 * [from, end - count), their keys re-rotated by -count positions (RoPE is a
 * rotation linear in the position, so a kept key turns to where a fresh pass
 * would have put it, up to rounding). Positions before `from` are untouched.
 * Returns 0, or -1 with err set. */
int llmbm_kv_shift(llmbm_transformer *tf, uint32_t from, uint32_t count, uint32_t end, llmbm_err *err);
