/* A loaded model, independent of its file format: hyperparameters plus every
 * weight as an llmbm_weight view into one buffer the model owns. Each format
 * (llama2.c checkpoints in llama2c.c, GGUF in gguf_model.c) has a parser that
 * fills this struct; everything after loading (transformer, CLI, REPL) sees
 * only this. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eng_util.h"
#include "kernels.h"

typedef enum llmbm_format {
    LLMBM_FORMAT_UNKNOWN = 0,
    LLMBM_FORMAT_LLAMA2C_LEGACY, /* run.c's 7-int32 header, fp32 */
    LLMBM_FORMAT_LLAMA2C_V1,     /* export.py version 1: "ak42", fp32 */
    LLMBM_FORMAT_LLAMA2C_V2,     /* export.py version 2: "ak42", Q8_0 groups */
    LLMBM_FORMAT_GGUF,
} llmbm_format;

/* The FFN's gate activation: silu(gate) * up, or gelu(gate) * up with ggml's
 * tanh approximation (gemma). */
typedef enum llmbm_ffn_act {
    LLMBM_FFN_SILU = 0,
    LLMBM_FFN_GELU_TANH,
} llmbm_ffn_act;

/* How RoPE pairs up the elements of a head. */
typedef enum llmbm_rope_mode {
    LLMBM_ROPE_LLAMA2C = 0, /* run.c's loop exactly (adjacent pairs, powf per pair) */
    LLMBM_ROPE_NORM,        /* ggml's: adjacent pairs (llama GGUF, whose Q/K convert_hf permuted) */
    LLMBM_ROPE_NEOX,        /* ggml's NEOX: pairs (i, i + rope_dim/2) (qwen2) */
} llmbm_rope_mode;

typedef struct llmbm_config {
    uint32_t dim;        /* residual stream width */
    uint32_t hidden_dim; /* FFN inner width */
    uint32_t n_layers;
    uint32_t n_heads;
    uint32_t n_kv_heads;
    uint32_t vocab_size;
    uint32_t seq_len; /* maximum context */
    uint32_t head_size;
    float rope_theta; /* RoPE base, 10000 for llama2.c */
    float norm_eps;   /* RMSNorm epsilon, 1e-5 for llama2.c */
    bool shared_classifier;
    uint32_t group_size; /* LLMBM_FORMAT_LLAMA2C_V2 only */
    llmbm_rope_mode rope_mode;
    uint32_t rope_dim;     /* rotated elements per head (<= head_size); GGUF modes */
    float rope_freq_scale; /* linear rope scaling: positions times this (1 = none) */
    /* granite's multipliers, 0 = none (as llama.cpp reads them): the token
     * embedding times embedding_scale; each block's output times
     * residual_scale before it joins the residual stream; q.k times
     * attention_scale instead of 1/sqrt(head_size); logits divided by
     * logit_scale. */
    float embedding_scale, residual_scale, attention_scale, logit_scale;
    uint32_t no_rope_every; /* layers l with (l + 1) % this == 0 skip RoPE; 0: none */
    llmbm_ffn_act ffn_act;
    /* Sliding-window attention (gemma): layers l with l % swa_pattern <
     * swa_pattern - 1 attend to the last sliding_window positions only and
     * rotate with rope_theta_swa / rope_freq_scale_swa; the others are global.
     * swa_pattern 0: every layer global. */
    uint32_t sliding_window, swa_pattern;
    float rope_theta_swa, rope_freq_scale_swa;
    /* gemma2's soft-capping, 0 = none: x -> cap * tanh(x / cap) on attention
     * scores (after scaling) and on the final logits. */
    float attn_softcap, final_softcap;
    /* LongRoPE (phi3): above rope_orig_ctx positions of context the long
     * factors apply; cos and sin are multiplied by rope_attn_factor (0 = 1). */
    uint32_t rope_orig_ctx;
    float rope_attn_factor;
} llmbm_config;

typedef struct llmbm_layer {
    const float *rms_att;         /* dim */
    llmbm_weight wq;              /* n_heads*head_size x dim */
    llmbm_weight wk;              /* n_kv_heads*head_size x dim */
    llmbm_weight wv;              /* n_kv_heads*head_size x dim */
    llmbm_weight wo;              /* dim x n_heads*head_size */
    const float *rms_ffn;         /* dim */
    llmbm_weight w1;              /* hidden x dim (gate) */
    llmbm_weight w2;              /* dim x hidden (down) */
    llmbm_weight w3;              /* hidden x dim (up) */
    const float *bq, *bk, *bv;    /* qwen2's attention biases; NULL when absent */
    const float *q_norm, *k_norm; /* head_size each: per-head RMSNorm of Q and K (qwen3); NULL when absent */
    bool no_rope;                 /* this layer's Q and K are not rotated (smollm3) */
    bool local;                   /* sliding-window layer: config.sliding_window, the swa rope */
    const float *post_attn_norm,
        *post_ffn_norm; /* dim each: RMSNorm of each block's output (gemma); NULL when absent */
} llmbm_layer;

/* Tensors per ggml type in a GGUF file (`llmbm info`'s quant mix): a slot
 * per type id of the type table, and a last one for any other id. */
#define LLMBM_TYPE_SLOTS (LLMBM_TYPE_COUNT + 1)
typedef struct llmbm_quant_mix {
    uint32_t count[LLMBM_TYPE_SLOTS];
    uint64_t bytes[LLMBM_TYPE_SLOTS];
    uint64_t n_params; /* elements of every tensor */
} llmbm_quant_mix;

typedef struct llmbm_model {
    llmbm_format format;
    llmbm_config config;
    llmbm_weight token_embedding; /* vocab x dim */
    llmbm_layer *layers;          /* n_layers */
    const float *rms_final;       /* dim */
    llmbm_weight classifier;      /* vocab x dim; a copy of token_embedding when shared */
    void *file_data;              /* the whole file (GGUF: its tensor data section), owned */
    uint64_t file_size;
    char path[200];
    /* GGUF only */
    char arch[32];                      /* general.architecture */
    const struct llmbm_arch *arch_info; /* its row in arch.c's table */
    const float *rope_freqs;            /* rope_dim/2 frequency divisors (llama3 rope; phi3's short), or NULL */
    const float *rope_freqs_long;       /* phi3's long factors, or NULL */
    float *aux;                         /* owned: norms and biases converted to f32 */
    llmbm_quant_mix mix;
} llmbm_model;

/* Reads the file at `path` and parses it by its magic (model_bundle.c: the
 * bundle loader without a tokenizer). The matrices stay in
 * their file types (a Q4_0 token embedding is Q4_0P already) until
 * llmbm_model_prepare (model_prepare.h) chooses the kernel level and lays
 * them out for it: every caller runs it before the first forward. */
int llmbm_model_read(llmbm_model *model, const char *path, llmbm_err *err);

/* Parses a model already in memory, as llmbm_model_read. On success the model owns `data` (a
 * plat_alloc block) and frees it in llmbm_model_free; on failure the caller
 * still owns it. `name` is used in messages. */
int llmbm_model_parse(llmbm_model *model, void *data, uint64_t size, const char *name, llmbm_err *err);

void llmbm_model_free(llmbm_model *model);

const char *llmbm_format_name(llmbm_format format);

/* Bytes of the weights and of the run state (KV cache, activations) for a
 * context of seq_len tokens. */
uint64_t llmbm_model_weight_bytes(const llmbm_model *model);
/* Of those, the bytes one decoded token streams: every tensor once, but of an
 * embedding that is not also the classifier only one row. */
uint64_t llmbm_model_decode_bytes(const llmbm_model *model);
uint64_t llmbm_model_state_bytes(const llmbm_config *config, uint32_t seq_len);

/* Multi-line human-readable description (what `llmbm info` and the REPL's
 * /model_info print), written through `write`. */
typedef void (*llmbm_write_fn)(void *ctx, const char *text, size_t len);
void llmbm_model_describe(const llmbm_model *model, llmbm_write_fn write, void *ctx);

/* Checks a filled config for sizes the engine cannot handle (zero, non-
 * divisible heads, products that overflow). Used by every format parser. */
int llmbm_config_validate(const llmbm_config *c, const char *name, llmbm_err *err);
