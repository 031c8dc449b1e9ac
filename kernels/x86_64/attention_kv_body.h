/* What the SIMD levels' F16/Q8_0 score kernels share (attention_kv_<level>.c
 * define their row conversions, then expand LLMBM_KV_SCORE_ENTRY_POINTS). A
 * score's sum over i
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
        for (size_t j = 0; j < g; ++j) convert(row + (t + j) * row_step, buf + j * head_size, head_size);
        f32_scores(att + t, q, buf, head_size, head_size, g, scale);
    }
}

/* A level's two score kernels, llmbm_attn_scores_{f16,q8_0}_<level>: its
 * exact row conversions llmbm_dequantize_row_{f16,q8_0}_<level> (defined
 * before this is expanded, and dequantize_row kernels themselves) feeding its f32 score kernel; Q8_0 heads that are not whole
 * blocks go to the scalar kernel. */
#define LLMBM_KV_SCORE_ENTRY_POINTS(level)                                                                             \
    void llmbm_attn_scores_f16_##level(float *att, const float *q, const void *k, size_t stride, size_t head_size,     \
                                       size_t n_t, float scale)                                                        \
    {                                                                                                                  \
        kv_scores_via_f32(att, q, k, stride, stride * sizeof(llmbm_fp16), head_size, n_t, scale,                       \
                          llmbm_dequantize_row_f16_##level, llmbm_attn_scores_f32_##level,                             \
                          llmbm_attn_scores_f16_scalar);                                                               \
    }                                                                                                                  \
    void llmbm_attn_scores_q8_0_##level(float *att, const float *q, const void *k, size_t stride, size_t head_size,    \
                                        size_t n_t, float scale)                                                       \
    {                                                                                                                  \
        if (head_size % LLMBM_QK8_0) {                                                                                 \
            llmbm_attn_scores_q8_0_scalar(att, q, k, stride, head_size, n_t, scale);                                   \
            return;                                                                                                    \
        }                                                                                                              \
        kv_scores_via_f32(att, q, k, stride, stride / LLMBM_QK8_0 * sizeof(block_q8_0), head_size, n_t, scale,         \
                          llmbm_dequantize_row_q8_0_##level, llmbm_attn_scores_f32_##level,                            \
                          llmbm_attn_scores_q8_0_scalar);                                                              \
    }
