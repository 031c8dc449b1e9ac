/* The GGUF architectures the engine runs: each one's file in arch/ says what
 * it does differently from llama, as one row of this struct. The forward pass (transformer.c) is shared: it reads
 * the per-model consequences of these flags from llmbm_config/llmbm_layer,
 * which gguf_model.c fills from the table and the file's metadata. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eng_util.h"
#include "gguf.h"
#include "model.h"

/* Where an architecture reads its `{arch}.*` metadata keys, and where a bad
 * key is reported (`name` is the file). */
typedef struct llmbm_arch_keys {
    const gguf_file *g;
    const char *arch;
    const char *name;
    llmbm_err *err;
} llmbm_arch_keys;

/* `{arch}.suffix` into *out: def when absent, an error naming the key when it
 * has another type or (required) is absent. `present` (may be NULL) says
 * whether the file had it. */
int llmbm_arch_u32(const llmbm_arch_keys *k, const char *suffix, bool required, uint32_t def, uint32_t *out);
int llmbm_arch_f32(const llmbm_arch_keys *k, const char *suffix, bool required, float def, float *out, bool *present);
int llmbm_arch_bool(const llmbm_arch_keys *k, const char *suffix, bool def, bool *out);

typedef struct llmbm_arch {
    const char *name;          /* general.architecture */
    llmbm_rope_mode rope_mode; /* llama.cpp's rope type for the architecture */
    bool qkv_bias;             /* Q/K/V biases are required (qwen2); otherwise optional */
    bool qk_norm;              /* per-head RMSNorm of Q and K before RoPE (attn_q_norm/attn_k_norm) */
    /* Every n-th layer (counting from 1) skips RoPE; 0: none. llama.cpp does not read
     * this from the file: it hard-codes 4 for smollm3, and so do we. */
    uint32_t no_rope_every;
    bool post_norms;       /* post_attention_norm and post_ffw_norm on each block's output (gemma) */
    llmbm_ffn_act ffn_act; /* SiLU unless said */
    bool fused_gate_up;    /* ffn_up holds gate and up (2 x hidden rows), no ffn_gate (phi3) */
    bool longrope;         /* rope_factors_short/long (phi3) */
    const char *features;  /* what `llmbm info` says is special, "" for plain llama */
    /* Reads the architecture's own metadata keys into c (after the common
     * ones); NULL when it has none. */
    int (*read_metadata)(const llmbm_arch_keys *k, llmbm_config *c);
} llmbm_arch;

/* One per file in arch/: each architecture's row. */
extern const llmbm_arch llmbm_arch_llama, llmbm_arch_qwen2, llmbm_arch_qwen3, llmbm_arch_smollm3, llmbm_arch_granite,
    llmbm_arch_gemma2, llmbm_arch_gemma3, llmbm_arch_phi3;

/* The entry for an architecture name of `len` bytes (not NUL-terminated), or NULL. */
const llmbm_arch *llmbm_arch_find(const char *name, size_t len);

/* "llama, qwen2, ..." into buf (for messages that refuse an architecture). */
void llmbm_arch_list(char *buf, size_t cap);
