/* gemma2 (Gemma 2: 2B, 9B, 27B). As gemma3 (see gemma3.c) without Q/K norms,
 * and with:
 * - soft-capping of attention scores (attn_logit_softcapping, default 50)
 *   and of the final logits (final_logit_softcapping, default 30):
 *   x -> cap * tanh(x / cap);
 * - sliding-window attention (attention.sliding_window, default 4096) on
 *   alternate layers (even l), same RoPE base and scale on all layers;
 * - q.k scaled by 1/sqrt(head_size), or 1/sqrt(dim/n_heads) for the 46-layer
 *   27B, as llama.cpp does.
 * The defaults and the pattern are llama.cpp's (the file may omit the keys). */
#include "arch.h"

#include "eng_math.h"

static int read_gemma2(const llmbm_arch_keys *k, llmbm_config *c)
{
    if (llmbm_arch_u32(k, "attention.sliding_window", false, 4096, &c->sliding_window) ||
        llmbm_arch_f32(k, "attn_logit_softcapping", false, 50.0f, &c->attn_softcap, NULL) ||
        llmbm_arch_f32(k, "final_logit_softcapping", false, 30.0f, &c->final_softcap, NULL))
        return -1;
    c->swa_pattern = 2;
    c->rope_theta_swa = c->rope_theta;
    c->rope_freq_scale_swa = c->rope_freq_scale;
    c->embedding_scale = eng_sqrtf((float)c->dim);
    uint32_t scale_dim = c->n_layers == 46 ? c->dim / c->n_heads : c->head_size;
    c->attention_scale = 1.0f / eng_sqrtf((float)scale_dim);
    return 0;
}

const llmbm_arch llmbm_arch_gemma2 = {
    .name = "gemma2",
    .rope_mode = LLMBM_ROPE_NEOX,
    .post_norms = true,
    .ffn_act = LLMBM_FFN_GELU_TANH,
    .features = "embedding x sqrt(dim), post-attention/FFN norms, GELU, attention and logit soft-capping",
    .read_metadata = read_gemma2,
};
