/* phi3 (Phi-3/3.5-mini, Phi-4-mini). What differs from llama:
 * - Q, K and V come from one fused attn_qkv matrix, gate and up from one
 *   ffn_up of 2 x hidden rows (gate first); gguf_model.c splits both into
 *   row views, so the forward pass is llama's;
 * - NEOX RoPE, possibly over part of each head (rope.dimension_count <
 *   head size: Phi-4-mini rotates 96 of 128);
 * - LongRoPE: per-pair frequency divisors rope_factors_short/long, the long
 *   ones when the context is longer than rope.scaling.original_context_length,
 *   and cos/sin multiplied by rope.scaling.attn_factor (the converter's
 *   sqrt(1 + ln(scale) / ln(original context))), as llama.cpp does;
 * - the classifier is tied (Phi-4-mini) or not (Phi-3.5-mini).
 * llama.cpp ignores phi3's sliding_window key (its SWA is disabled), and so
 * do we. */
#include "arch.h"

static int read_phi3(const llmbm_arch_keys *k, llmbm_config *c)
{
    return llmbm_arch_u32(k, "rope.scaling.original_context_length", false, c->seq_len, &c->rope_orig_ctx) ||
           llmbm_arch_f32(k, "rope.scaling.attn_factor", false, 1.0f, &c->rope_attn_factor, NULL);
}

const llmbm_arch llmbm_arch_phi3 = {
    .name = "phi3",
    .rope_mode = LLMBM_ROPE_NEOX,
    .fused_gate_up = true,
    .longrope = true,
    .features = "fused QKV and gate+up",
    .read_metadata = read_phi3,
};
