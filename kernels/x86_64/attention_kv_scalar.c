/* The reference attention over F16 and Q8_0 KV caches: each cached element
 * is first turned into the f32 that dequantize_row gives (llmbm_fp16_to_f32;
 * Q8_0: (float)qs[j] * fp16_to_f32(d), ggml's dequantize_row_q8_0), then
 * the f32 cache's loops run on those values in the same order (run.c's). So
 * a cache type changes only the stored values, never the order of the sums,
 * and every SIMD level must give these exact bits (tests/unit/kernels). */
#include "kernels_attention_kv.h"
#include "quant_formats.h"

static inline float q8_0_value(const block_q8_0 *row, size_t i)
{
    const block_q8_0 *b = &row[i / LLMBM_QK8_0];
    return (float)b->qs[i % LLMBM_QK8_0] * llmbm_fp16_to_f32(b->d);
}

void llmbm_attn_scores_f16_scalar(float *att, const float *q, const void *k, size_t stride, size_t head_size,
                                  size_t n_t, float scale)
{
    for (size_t t = 0; t < n_t; ++t) {
        const llmbm_fp16 *kt = (const llmbm_fp16 *)k + t * stride;
        float score = 0.0f;
        for (size_t i = 0; i < head_size; ++i) score += q[i] * llmbm_fp16_to_f32(kt[i]);
        att[t] = score / scale;
    }
}

void llmbm_attn_scores_q8_0_scalar(float *att, const float *q, const void *k, size_t stride, size_t head_size,
                                   size_t n_t, float scale)
{
    for (size_t t = 0; t < n_t; ++t) {
        const block_q8_0 *kt = (const block_q8_0 *)k + t * (stride / LLMBM_QK8_0);
        float score = 0.0f;
        for (size_t i = 0; i < head_size; ++i) score += q[i] * q8_0_value(kt, i);
        att[t] = score / scale;
    }
}

void llmbm_attn_accum_f16_scalar(float *out, const float *att, const void *v, size_t stride, size_t head_size,
                                 size_t n_t)
{
    for (size_t i = 0; i < head_size; ++i) out[i] = 0.0f;
    for (size_t t = 0; t < n_t; ++t) {
        const llmbm_fp16 *vt = (const llmbm_fp16 *)v + t * stride;
        const float a = att[t];
        for (size_t i = 0; i < head_size; ++i) out[i] += a * llmbm_fp16_to_f32(vt[i]);
    }
}

void llmbm_attn_accum_q8_0_scalar(float *out, const float *att, const void *v, size_t stride, size_t head_size,
                                  size_t n_t)
{
    for (size_t i = 0; i < head_size; ++i) out[i] = 0.0f;
    for (size_t t = 0; t < n_t; ++t) {
        const block_q8_0 *vt = (const block_q8_0 *)v + t * (stride / LLMBM_QK8_0);
        const float a = att[t];
        for (size_t i = 0; i < head_size; ++i) out[i] += a * q8_0_value(vt, i);
    }
}

void llmbm_kv_store_f32_scalar(const float *x, void *dst, size_t n)
{
    float *d = dst;
    for (size_t i = 0; i < n; ++i) d[i] = x[i];
}

void llmbm_kv_store_f16_scalar(const float *x, void *dst, size_t n)
{
    llmbm_fp16 *d = dst;
    for (size_t i = 0; i < n; ++i) d[i] = llmbm_f32_to_fp16(x[i]);
}
