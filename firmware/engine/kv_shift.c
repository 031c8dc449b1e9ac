/* Context shift (llmbm_kv_shift, transformer.h): the cache entries after a
 * dropped span move down, and their keys turn back by the span's length.
 * RoPE rotates each pair by an angle linear in the position, so turning a key
 * by the rotation of position -count lands it where a fresh pass at its new
 * position would have put it, up to rounding (and, for an f16 or q8_0 cache,
 * one more rounding to the cache's type). Values carry no position: they
 * move as they are. */
#include "isa.h"
#include "kernels_api.h"
#include "ops.h"
#include "transformer.h"

static void move_rows(uint8_t *cache, size_t row_bytes, uint32_t from, uint32_t count, uint32_t end)
{
    for (uint32_t p = from + count; p < end; p++) {
        uint8_t *dst = cache + (size_t)(p - count) * row_bytes;
        const uint8_t *src = cache + (size_t)p * row_bytes;
        for (size_t i = 0; i < row_bytes; i++) dst[i] = src[i];
    }
}

int llmbm_kv_shift(llmbm_transformer *tf, uint32_t from, uint32_t count, uint32_t end, llmbm_err *err)
{
    const llmbm_config *c = &tf->model->config;
    if (end > tf->ctx_len || from > end || count > end - from)
        return llmbm_fail(err, "context shift of %u positions at %u outside the %u computed", count, from, end);
    if (count == 0) return 0;
    size_t hs = c->head_size, kv_dim = (size_t)c->n_kv_heads * hs;
    const llmbm_kernel_table *kt = llmbm_isa_table();
    llmbm_dequantize_row_fn load = llmbm_kernel_dequantize_row(kt, tf->kv_elem);
    llmbm_kv_store_fn store = llmbm_kernel_kv_store(kt, tf->kv_elem);
    if (!load || !store)
        return llmbm_fail(err, "no kernel to re-rotate a %s KV cache", llmbm_kv_type_name(tf->kv_type));
    /* The rotation of position -count: global angles, then the sliding-window
     * layers' (their own base and scale), as the forward pass lays them out.
     * The attention factor is left out: a kept key already carries it. */
    float *cs = tf->rope, *key = tf->k_new;
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
        size_t loff = (size_t)l * tf->ctx_len * tf->kv_row_bytes;
        move_rows(tf->key_cache + loff, tf->kv_row_bytes, from, count, end);
        move_rows(tf->value_cache + loff, tf->kv_row_bytes, from, count, end);
        if (L->no_rope) continue;
        for (uint32_t p = from; p < end - count; p++) {
            uint8_t *row = tf->key_cache + loff + (size_t)p * tf->kv_row_bytes;
            load(row, key, kv_dim);
            if (c->rope_mode == LLMBM_ROPE_LLAMA2C)
                llmbm_rope(key, 0, key, kv_dim, hs, cs);
            else
                llmbm_rope_ggml(key, c->n_kv_heads, hs, c->rope_dim, L->local ? cs + hs : cs, neox);
            store(key, row, kv_dim);
        }
    }
    return 0;
}
