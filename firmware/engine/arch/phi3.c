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

static int read_phi3(const gguf_file *g, llmbm_config *c, const char *name, llmbm_err *err) {
    c->rope_orig_ctx = c->seq_len;
    c->rope_attn_factor = 1.0f;
    if (gguf_get_u32(g, "phi3.rope.scaling.original_context_length", &c->rope_orig_ctx) == GGUF_WRONG_TYPE ||
        gguf_get_f32(g, "phi3.rope.scaling.attn_factor", &c->rope_attn_factor) == GGUF_WRONG_TYPE)
        return llmbm_fail(err, "%s: a phi3 rope scaling key has the wrong type", name);
    return 0;
}

const llmbm_arch llmbm_arch_phi3 = {
    .name = "phi3",
    .rope_mode = LLMBM_ROPE_NEOX,
    .fused_gate_up = true,
    .longrope = true,
    .features = "fused QKV and gate+up",
    .read_metadata = read_phi3,
};
