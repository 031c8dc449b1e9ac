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

static int f32_opt(const gguf_file *g, const char *key, float *out, const char *name, llmbm_err *err) {
    gguf_status st = gguf_get_f32(g, key, out);
    if (st == GGUF_WRONG_TYPE) return llmbm_fail(err, "%s: metadata key %s is not a float", name, key);
    return 0;
}

static int read_gemma3(const gguf_file *g, llmbm_config *c, const char *name, llmbm_err *err) {
    gguf_status st = gguf_get_u32(g, "gemma3.attention.sliding_window", &c->sliding_window);
    if (st == GGUF_WRONG_TYPE)
        return llmbm_fail(err, "%s: gemma3.attention.sliding_window is not an unsigned integer", name);
    if (st == GGUF_OK && c->sliding_window > 0) {
        c->swa_pattern = 6;
        c->rope_theta_swa = 10000.0f;
        c->rope_freq_scale_swa = 1.0f;
    } else {
        c->sliding_window = 0;
    }
    if (f32_opt(g, "gemma3.final_logit_softcapping", &c->final_softcap, name, err)) return -1;
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
