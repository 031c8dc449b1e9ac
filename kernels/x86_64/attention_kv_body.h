/* What the SIMD levels' F16/Q8_0 score kernels share (attention_kv_<level>.c
 * include it after defining their row conversions). A score's sum over i
 * must stay sequential (kernel_types.h), and the level's f32 kernel already
 * puts timesteps in lanes and gives the scalar bits; so groups of timesteps
 * are converted exactly (dequantize_row's values) into a stack buffer and
 * that kernel runs over them. The conversion is a small fraction of the work
 * and the buffer (8 KiB) stays in L1. */
#pragma once

#include <stdint.h>

#include "kernels_attention_kv.h"

/* n elements of one cache row -> f32, exactly the scalar dequantization */
typedef void kv_row_to_f32(const void *row, float *dst, size_t n);

static inline void kv_scores_via_f32(float *att, const float *q, const void *k, size_t stride, size_t row_step,
                                     size_t head_size, size_t n_t, float scale, kv_row_to_f32 *convert,
                                     llmbm_attn_scores_kernel *f32_scores, llmbm_attn_scores_kernel *reference)
{
    const size_t group = head_size ? LLMBM_KV_SCORE_BUF_FLOATS / head_size : 0;
    if (group == 0) { /* heads wider than the buffer (none known) */
        reference(att, q, k, stride, head_size, n_t, scale);
        return;
    }
    float buf[LLMBM_KV_SCORE_BUF_FLOATS] __attribute__((aligned(64)));
    const uint8_t *row = k;
    for (size_t t = 0; t < n_t; t += group) {
        const size_t g = n_t - t < group ? n_t - t : group;
        for (size_t j = 0; j < g; ++j)
            convert(row + (t + j) * row_step, buf + j * head_size, head_size);
        f32_scores(att + t, q, buf, head_size, head_size, g, scale);
    }
}
