/* granite (IBM Granite 3.x dense): llama with four multipliers from metadata
 * (muP-style): logit_scale (required; logits are divided by it),
 * embedding_scale, residual_scale and attention.scale (optional; 0 or absent
 * means none, as in llama.cpp). rope.scaling.finetuned = false turns RoPE off
 * altogether (llama.cpp's reading of that key for granite; default true). */
#include "arch.h"

static int f32_key(const gguf_file *g, const char *key, bool required, float *out, const char *name,
                   llmbm_err *err) {
    gguf_status st = gguf_get_f32(g, key, out);
    if (st == GGUF_OK) return 0;
    if (st == GGUF_MISSING && !required) return 0;
    if (st == GGUF_MISSING) return llmbm_fail(err, "%s: missing metadata key %s", name, key);
    return llmbm_fail(err, "%s: metadata key %s is not a float", name, key);
}

static int read_granite(const gguf_file *g, llmbm_config *c, const char *name, llmbm_err *err) {
    if (f32_key(g, "granite.logit_scale", true, &c->logit_scale, name, err) ||
        f32_key(g, "granite.embedding_scale", false, &c->embedding_scale, name, err) ||
        f32_key(g, "granite.residual_scale", false, &c->residual_scale, name, err) ||
        f32_key(g, "granite.attention.scale", false, &c->attention_scale, name, err))
        return -1;
    if (c->logit_scale == 0.0f) return llmbm_fail(err, "%s: granite.logit_scale is zero", name);
    bool rope = true;
    gguf_status st = gguf_get_bool(g, "granite.rope.scaling.finetuned", &rope);
    if (st == GGUF_WRONG_TYPE) return llmbm_fail(err, "%s: granite.rope.scaling.finetuned is not a bool", name);
    if (!rope) c->no_rope_every = 1;
    return 0;
}

const llmbm_arch llmbm_arch_granite = {
    .name = "granite",
    .rope_mode = LLMBM_ROPE_NORM,
    .features = "embedding/residual/attention/logit multipliers",
    .read_metadata = read_granite,
};
