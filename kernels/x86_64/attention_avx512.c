/* Attention at the AVX-512 levels (F only), bit-identical to
 * attention_scalar.c: sixteen timesteps per score vector, one gather per i
 * (attention_sse2.c explains the layout), and sixteen outputs per
 * accumulator. Separate multiplies and adds, as run.c rounds. Tails go to the
 * AVX2 code, which this level's CPU also runs. */
#include <immintrin.h>
#include <stdint.h>

#include "kernels_attention.h"

void llmbm_attn_scores_f32_avx512(float *att, const float *q, const void *k_cache, size_t stride, size_t head_size,
                                  size_t n_t, float scale)
{
    const float *k = k_cache;
    /* the gather's offsets are int32 */
    if (stride > (size_t)INT32_MAX / 16) {
        llmbm_attn_scores_f32_scalar(att, q, k, stride, head_size, n_t, scale);
        return;
    }
    const __m512i offsets = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                               _mm512_set1_epi32((int32_t)stride));
    const __m512 vscale = _mm512_set1_ps(scale);
    size_t t = 0;
    for (; t + 16 <= n_t; t += 16) {
        const float *kt = k + t * stride;
        __m512 acc = _mm512_setzero_ps();
        for (size_t i = 0; i < head_size; ++i) {
            const __m512 col = _mm512_i32gather_ps(offsets, kt + i, 4);
            acc = _mm512_add_ps(acc, _mm512_mul_ps(_mm512_set1_ps(q[i]), col));
        }
        _mm512_storeu_ps(att + t, _mm512_div_ps(acc, vscale));
    }
    if (t < n_t) llmbm_attn_scores_f32_avx2(att + t, q, k + t * stride, stride, head_size, n_t - t, scale);
}

void llmbm_attn_accum_f32_avx512(float *out, const float *att, const void *v_cache, size_t stride, size_t head_size,
                                 size_t n_t)
{
    const float *v = v_cache;
    size_t i = 0;
    /* 64 outputs (a whole 64-wide head) stay in registers over all timesteps */
    for (; i + 64 <= head_size; i += 64) {
        __m512 o0 = _mm512_setzero_ps(), o1 = _mm512_setzero_ps();
        __m512 o2 = _mm512_setzero_ps(), o3 = _mm512_setzero_ps();
        for (size_t t = 0; t < n_t; ++t) {
            const float *vt = v + t * stride + i;
            const __m512 a = _mm512_set1_ps(att[t]);
            o0 = _mm512_add_ps(o0, _mm512_mul_ps(a, _mm512_loadu_ps(vt + 0)));
            o1 = _mm512_add_ps(o1, _mm512_mul_ps(a, _mm512_loadu_ps(vt + 16)));
            o2 = _mm512_add_ps(o2, _mm512_mul_ps(a, _mm512_loadu_ps(vt + 32)));
            o3 = _mm512_add_ps(o3, _mm512_mul_ps(a, _mm512_loadu_ps(vt + 48)));
        }
        _mm512_storeu_ps(out + i + 0, o0);
        _mm512_storeu_ps(out + i + 16, o1);
        _mm512_storeu_ps(out + i + 32, o2);
        _mm512_storeu_ps(out + i + 48, o3);
    }
    for (; i + 16 <= head_size; i += 16) {
        __m512 o = _mm512_setzero_ps();
        for (size_t t = 0; t < n_t; ++t)
            o = _mm512_add_ps(o, _mm512_mul_ps(_mm512_set1_ps(att[t]), _mm512_loadu_ps(v + t * stride + i)));
        _mm512_storeu_ps(out + i, o);
    }
    if (i < head_size) llmbm_attn_accum_f32_avx2(out + i, att, v + i, stride, head_size - i, n_t);
}
