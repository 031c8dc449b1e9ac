/* Context shift (llmbm_kv_shift, transformer.h): the cache entries after a
 * dropped span move down, and their keys turn back by the span's length.
 * RoPE rotates each pair by an angle linear in the position, so turning a key
 * by the rotation of position -count lands it where a fresh pass at its new
 * position would have put it, up to rounding. Values carry no position. */
#include "ops.h"
#include "transformer.h"

static void move_rows(float *cache, size_t kv_dim, uint32_t from, uint32_t count, uint32_t end) {
    for (uint32_t p = from + count; p < end; p++) {
        float *dst = cache + (size_t)(p - count) * kv_dim;
        const float *src = cache + (size_t)p * kv_dim;
        for (size_t i = 0; i < kv_dim; i++) dst[i] = src[i];
    }
}

int llmbm_kv_shift(llmbm_transformer *tf, uint32_t from, uint32_t count, uint32_t end, llmbm_err *err) {
    const llmbm_config *c = &tf->model->config;
    if (end > tf->ctx_len || from > end || count > end - from)
        return llmbm_fail(err, "context shift of %u positions at %u outside the %u computed", count, from, end);
    if (count == 0) return 0;
    size_t hs = c->head_size, kv_dim = (size_t)c->n_kv_heads * hs;
    /* The rotation of position -count: global angles, then the sliding-window
     * layers' (their own base and scale), as the forward pass lays them out.
     * The attention factor is left out: a kept key already carries it. */
    float *cs = tf->rope;
    int delta = -(int)count;
    if (c->rope_mode == LLMBM_ROPE_LLAMA2C) {
        llmbm_rope_table(cs, hs, delta, c->rope_theta);
    } else {
        llmbm_rope_ggml_table(cs, c->rope_dim, delta, c->rope_theta, c->rope_freq_scale, tf->rope_freqs);
        if (c->swa_pattern)
            llmbm_rope_ggml_table(cs + hs, c->rope_dim, delta, c->rope_theta_swa, c->rope_freq_scale_swa, 0);
    }
    int neox = c->rope_mode == LLMBM_ROPE_NEOX;
    for (uint32_t l = 0; l < c->n_layers; l++) {
        const llmbm_layer *L = &tf->model->layers[l];
        size_t loff = (size_t)l * tf->ctx_len * kv_dim;
        move_rows(tf->key_cache + loff, kv_dim, from, count, end);
        move_rows(tf->value_cache + loff, kv_dim, from, count, end);
        if (L->no_rope) continue;
        for (uint32_t p = from; p < end - count; p++) {
            float *k = tf->key_cache + loff + (size_t)p * kv_dim;
            if (c->rope_mode == LLMBM_ROPE_LLAMA2C)
                llmbm_rope(k, 0, k, kv_dim, hs, cs);
            else
                llmbm_rope_ggml(k, c->n_kv_heads, hs, c->rope_dim, L->local ? cs + hs : cs, neox);
        }
    }
    return 0;
}
