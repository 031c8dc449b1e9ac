/* granite (IBM Granite 3.x dense): llama with four multipliers from metadata
 * (muP-style): logit_scale (required; logits are divided by it),
 * embedding_scale, residual_scale and attention.scale (optional; 0 or absent
 * means none, as in llama.cpp). rope.scaling.finetuned = false turns RoPE off
 * altogether (llama.cpp's reading of that key for granite; default true). */
#include "arch.h"

static int read_granite(const llmbm_arch_keys *k, llmbm_config *c)
{
    bool rope = true;
    if (llmbm_arch_f32(k, "logit_scale", true, 0.0f, &c->logit_scale, NULL) ||
        llmbm_arch_f32(k, "embedding_scale", false, c->embedding_scale, &c->embedding_scale, NULL) ||
        llmbm_arch_f32(k, "residual_scale", false, c->residual_scale, &c->residual_scale, NULL) ||
        llmbm_arch_f32(k, "attention.scale", false, c->attention_scale, &c->attention_scale, NULL) ||
        llmbm_arch_bool(k, "rope.scaling.finetuned", true, &rope))
        return -1;
    if (c->logit_scale == 0.0f) return llmbm_fail(k->err, "%s: granite.logit_scale is zero", k->name);
    if (!rope) c->no_rope_every = 1;
    return 0;
}

const llmbm_arch llmbm_arch_granite = {
    .name = "granite",
    .rope_mode = LLMBM_ROPE_NORM,
    .features = "embedding/residual/attention/logit multipliers",
    .read_metadata = read_granite,
};
