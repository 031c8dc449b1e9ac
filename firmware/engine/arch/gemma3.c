/* gemma3 (Gemma 3 text: 270M, 1B, 4B, ...). What differs from llama, as
 * llama.cpp runs the files its converter writes:
 * - the token embedding is scaled by sqrt(dim);
 * - RMSNorm weights are stored with gemma's +1 already added by the converter,
 *   so the norms are plain RMSNorms here;
 * - Q and K are RMS-normalised per head (attn_q_norm/attn_k_norm), NEOX RoPE;
 * - each block's output is RMS-normalised again before the residual add
 *   (post_attention_norm, post_ffw_norm);
 * - FFN gate is GELU (tanh approximation);
 * - 5 of every 6 layers (l % 6 < 5) are local: attention.sliding_window
 *   positions, RoPE base 10000 unscaled; the 6th is global with
 *   rope.freq_base and the file's linear rope scaling (4B and up: factor 8);
 * - q.k is scaled by 1/sqrt(head_size) (query_pre_attn_scalar = 256 = head
 *   size), except that llama.cpp takes dim/n_heads for the 62-layer 27B;
 * - final_logit_softcapping when the file has it (Gemma 3 files do not).
 * The pattern 6 and base 10000 are not in the file: llama.cpp hard-codes them. */
#include "arch.h"

#include "eng_math.h"

static int read_gemma3(const llmbm_arch_keys *k, llmbm_config *c)
{
    if (llmbm_arch_u32(k, "attention.sliding_window", false, 0, &c->sliding_window) ||
        llmbm_arch_f32(k, "final_logit_softcapping", false, c->final_softcap, &c->final_softcap, NULL))
        return -1;
    if (c->sliding_window > 0) {
        c->swa_pattern = 6;
        c->rope_theta_swa = 10000.0f;
        c->rope_freq_scale_swa = 1.0f;
    }
    c->embedding_scale = eng_sqrtf((float)c->dim);
    uint32_t scale_dim = c->n_layers == 62 ? c->dim / c->n_heads : c->head_size;
    c->attention_scale = 1.0f / eng_sqrtf((float)scale_dim);
    return 0;
}

const llmbm_arch llmbm_arch_gemma3 = {
    .name = "gemma3",
    .rope_mode = LLMBM_ROPE_NEOX,
    .qk_norm = true,
    .post_norms = true,
    .ffn_act = LLMBM_FFN_GELU_TANH,
    .features = "embedding x sqrt(dim), per-head Q/K RMSNorm, post-attention/FFN norms, GELU",
    .read_metadata = read_gemma3,
};
