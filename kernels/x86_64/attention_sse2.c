/* Attention at the SSE2 level, bit-identical to attention_scalar.c.
 *
 * Scores: a dot product's sum cannot be split across lanes without changing
 * its rounding, so the lanes hold four timesteps instead. Lane j accumulates
 * q[0]*k_{t+j}[0] + q[1]*k_{t+j}[1] + ... from 0.0f in the scalar loop's
 * order, then divides by the same scale; a 4x4 transpose turns four rows of
 * keys into the four columns those lanes need. Timesteps past the last full
 * group of four run the scalar loop.
 *
 * Accumulation: out[i] is independent per i, so i goes in lanes and the t
 * loop stays in order; a separate multiply and add (_mm_mul_ps, _mm_add_ps)
 * round exactly like the scalar `out[i] += a * v[i]`. */
#include <emmintrin.h>

#include "kernels_attention.h"

void llmbm_attn_scores_f32_sse2(float *att, const float *q, const void *k_cache, size_t stride, size_t head_size,
                                size_t n_t, float scale)
{
    const float *k = k_cache;
    const __m128 vscale = _mm_set1_ps(scale);
    size_t t = 0;
    for (; t + 4 <= n_t; t += 4) {
        const float *k0 = k + t * stride, *k1 = k0 + stride, *k2 = k1 + stride, *k3 = k2 + stride;
        __m128 acc = _mm_setzero_ps();
        size_t i = 0;
        for (; i + 4 <= head_size; i += 4) {
            __m128 c0 = _mm_loadu_ps(k0 + i), c1 = _mm_loadu_ps(k1 + i);
            __m128 c2 = _mm_loadu_ps(k2 + i), c3 = _mm_loadu_ps(k3 + i);
            _MM_TRANSPOSE4_PS(c0, c1, c2, c3); /* c_j = (k0[i+j], k1[i+j], k2[i+j], k3[i+j]) */
            acc = _mm_add_ps(acc, _mm_mul_ps(_mm_set1_ps(q[i + 0]), c0));
            acc = _mm_add_ps(acc, _mm_mul_ps(_mm_set1_ps(q[i + 1]), c1));
            acc = _mm_add_ps(acc, _mm_mul_ps(_mm_set1_ps(q[i + 2]), c2));
            acc = _mm_add_ps(acc, _mm_mul_ps(_mm_set1_ps(q[i + 3]), c3));
        }
        for (; i < head_size; ++i)
            acc = _mm_add_ps(acc, _mm_mul_ps(_mm_set1_ps(q[i]), _mm_set_ps(k3[i], k2[i], k1[i], k0[i])));
        _mm_storeu_ps(att + t, _mm_div_ps(acc, vscale));
    }
    if (t < n_t) llmbm_attn_scores_f32_scalar(att + t, q, k + t * stride, stride, head_size, n_t - t, scale);
}

void llmbm_attn_accum_f32_sse2(float *out, const float *att, const void *v_cache, size_t stride, size_t head_size,
                               size_t n_t)
{
    const float *v = v_cache;
    size_t i = 0;
    /* 16 outputs stay in registers over all timesteps */
    for (; i + 16 <= head_size; i += 16) {
        __m128 o0 = _mm_setzero_ps(), o1 = _mm_setzero_ps(), o2 = _mm_setzero_ps(), o3 = _mm_setzero_ps();
        for (size_t t = 0; t < n_t; ++t) {
            const float *vt = v + t * stride + i;
            const __m128 a = _mm_set1_ps(att[t]);
            o0 = _mm_add_ps(o0, _mm_mul_ps(a, _mm_loadu_ps(vt + 0)));
            o1 = _mm_add_ps(o1, _mm_mul_ps(a, _mm_loadu_ps(vt + 4)));
            o2 = _mm_add_ps(o2, _mm_mul_ps(a, _mm_loadu_ps(vt + 8)));
            o3 = _mm_add_ps(o3, _mm_mul_ps(a, _mm_loadu_ps(vt + 12)));
        }
        _mm_storeu_ps(out + i + 0, o0);
        _mm_storeu_ps(out + i + 4, o1);
        _mm_storeu_ps(out + i + 8, o2);
        _mm_storeu_ps(out + i + 12, o3);
    }
    for (; i + 4 <= head_size; i += 4) {
        __m128 o = _mm_setzero_ps();
        for (size_t t = 0; t < n_t; ++t)
            o = _mm_add_ps(o, _mm_mul_ps(_mm_set1_ps(att[t]), _mm_loadu_ps(v + t * stride + i)));
        _mm_storeu_ps(out + i, o);
    }
    if (i < head_size) llmbm_attn_accum_f32_scalar(out + i, att, v + i, stride, head_size - i, n_t);
}
