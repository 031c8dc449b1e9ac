/* The reference attention loops: llama2.c run.c's, float for float. Every
 * SIMD level must produce these exact bits (tests/unit/kernels checks), which
 * is what keeps the engine's tokens identical to run.c and across levels. */
#include "kernels_attention.h"

void llmbm_attn_scores_f32_scalar(float *att, const float *q, const void *k_cache, size_t stride, size_t head_size,
                                  size_t n_t, float scale)
{
    const float *k = k_cache;
    for (size_t t = 0; t < n_t; ++t) {
        const float *kt = k + t * stride;
        float score = 0.0f;
        for (size_t i = 0; i < head_size; ++i) score += q[i] * kt[i];
        att[t] = score / scale;
    }
}

void llmbm_attn_accum_f32_scalar(float *out, const float *att, const void *v_cache, size_t stride, size_t head_size,
                                 size_t n_t)
{
    const float *v = v_cache;
    for (size_t i = 0; i < head_size; ++i) out[i] = 0.0f;
    for (size_t t = 0; t < n_t; ++t) {
        const float *vt = v + t * stride;
        const float a = att[t];
        for (size_t i = 0; i < head_size; ++i) out[i] += a * vt[i];
    }
}
