/* Attention at the AVX2 level, bit-identical to attention_scalar.c (see
 * attention_sse2.c for why timesteps, not i, go in the score lanes). Here
 * eight timesteps share a vector and each i's eight keys arrive by one gather
 * (offsets 0, stride, ..., 7*stride). Multiplies and adds stay separate
 * intrinsics: an FMA would round once where run.c rounds twice. */
#include <immintrin.h>
#include <stdint.h>

#include "kernels_attention.h"

void llmbm_attn_scores_f32_avx2(float *att, const float *q, const void *k_cache, size_t stride, size_t head_size,
                                size_t n_t, float scale)
{
    const float *k = k_cache;
    /* the gather's offsets are int32 */
    if (stride > (size_t)INT32_MAX / 8) {
        llmbm_attn_scores_f32_scalar(att, q, k, stride, head_size, n_t, scale);
        return;
    }
    const __m256i offsets =
        _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32((int32_t)stride));
    const __m256 vscale = _mm256_set1_ps(scale);
    size_t t = 0;
    for (; t + 8 <= n_t; t += 8) {
        const float *kt = k + t * stride;
        __m256 acc = _mm256_setzero_ps();
        for (size_t i = 0; i < head_size; ++i) {
            const __m256 col = _mm256_i32gather_ps(kt + i, offsets, 4);
            acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_set1_ps(q[i]), col));
        }
        _mm256_storeu_ps(att + t, _mm256_div_ps(acc, vscale));
    }
    if (t < n_t) llmbm_attn_scores_f32_sse2(att + t, q, k + t * stride, stride, head_size, n_t - t, scale);
}

void llmbm_attn_accum_f32_avx2(float *out, const float *att, const void *v_cache, size_t stride, size_t head_size,
                               size_t n_t)
{
    const float *v = v_cache;
    size_t i = 0;
    /* 32 outputs stay in registers over all timesteps */
    for (; i + 32 <= head_size; i += 32) {
        __m256 o0 = _mm256_setzero_ps(), o1 = _mm256_setzero_ps();
        __m256 o2 = _mm256_setzero_ps(), o3 = _mm256_setzero_ps();
        for (size_t t = 0; t < n_t; ++t) {
            const float *vt = v + t * stride + i;
            const __m256 a = _mm256_set1_ps(att[t]);
            o0 = _mm256_add_ps(o0, _mm256_mul_ps(a, _mm256_loadu_ps(vt + 0)));
            o1 = _mm256_add_ps(o1, _mm256_mul_ps(a, _mm256_loadu_ps(vt + 8)));
            o2 = _mm256_add_ps(o2, _mm256_mul_ps(a, _mm256_loadu_ps(vt + 16)));
            o3 = _mm256_add_ps(o3, _mm256_mul_ps(a, _mm256_loadu_ps(vt + 24)));
        }
        _mm256_storeu_ps(out + i + 0, o0);
        _mm256_storeu_ps(out + i + 8, o1);
        _mm256_storeu_ps(out + i + 16, o2);
        _mm256_storeu_ps(out + i + 24, o3);
    }
    for (; i + 8 <= head_size; i += 8) {
        __m256 o = _mm256_setzero_ps();
        for (size_t t = 0; t < n_t; ++t)
            o = _mm256_add_ps(o, _mm256_mul_ps(_mm256_set1_ps(att[t]), _mm256_loadu_ps(v + t * stride + i)));
        _mm256_storeu_ps(out + i, o);
    }
    if (i < head_size) llmbm_attn_accum_f32_sse2(out + i, att, v + i, stride, head_size - i, n_t);
}
