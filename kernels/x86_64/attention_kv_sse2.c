/* Attention over F16 and Q8_0 KV caches at the SSE2 level, bit-identical to
 * attention_kv_scalar.c. Scores: rows converted exactly to f32, then the
 * f32 score kernel (attention_kv_body.h). Weighted sums: i in lanes as in
 * attention_sse2.c, each value converted in registers (halves by
 * fp16x4_to_f32, int8 by sign-extending unpacks, times the block's scale)
 * and then a rounded multiply by att[t] and a rounded add, never fused. */
#include <emmintrin.h>

#include "attention_kv_body.h"
#include "kernels_attention.h"
#include "quant_formats.h"
#include "simd_sse2.h"

static inline void f16x8_to_f32(const llmbm_fp16 *h, __m128 *lo, __m128 *hi)
{
    const __m128i v = _mm_loadu_si128((const __m128i *)h), zero = _mm_setzero_si128();
    *lo = fp16x4_to_f32(_mm_unpacklo_epi16(v, zero));
    *hi = fp16x4_to_f32(_mm_unpackhi_epi16(v, zero));
}

/* 16 int8 -> 4 vectors of 4 floats, in order (exact: |q| <= 128) */
static inline void i8x16_to_f32(__m128i v, __m128 f[4])
{
    const __m128i lo16 = _mm_srai_epi16(_mm_unpacklo_epi8(v, v), 8), hi16 = _mm_srai_epi16(_mm_unpackhi_epi8(v, v), 8);
    f[0] = _mm_cvtepi32_ps(_mm_srai_epi32(_mm_unpacklo_epi16(lo16, lo16), 16));
    f[1] = _mm_cvtepi32_ps(_mm_srai_epi32(_mm_unpackhi_epi16(lo16, lo16), 16));
    f[2] = _mm_cvtepi32_ps(_mm_srai_epi32(_mm_unpacklo_epi16(hi16, hi16), 16));
    f[3] = _mm_cvtepi32_ps(_mm_srai_epi32(_mm_unpackhi_epi16(hi16, hi16), 16));
}

/* one Q8_0 block -> its 32 values (float)qs[j] * d, as 8 vectors */
static inline void q8_0_block_to_f32(const block_q8_0 *b, __m128 f[8])
{
    const __m128 d = _mm_set1_ps(llmbm_fp16_to_f32(b->d));
    i8x16_to_f32(_mm_loadu_si128((const __m128i *)b->qs), f);
    i8x16_to_f32(_mm_loadu_si128((const __m128i *)(b->qs + 16)), f + 4);
    for (int m = 0; m < 8; ++m) f[m] = _mm_mul_ps(f[m], d);
}

void llmbm_dequantize_row_f16_sse2(const void *row, float *dst, size_t n)
{
    const llmbm_fp16 *h = row;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m128 lo, hi;
        f16x8_to_f32(h + i, &lo, &hi);
        _mm_storeu_ps(dst + i, lo);
        _mm_storeu_ps(dst + i + 4, hi);
    }
    for (; i < n; ++i) dst[i] = llmbm_fp16_to_f32(h[i]);
}

void llmbm_dequantize_row_q8_0_sse2(const void *row, float *dst, size_t n)
{
    const block_q8_0 *b = row;
    for (size_t i = 0; i < n / LLMBM_QK8_0; ++i) {
        __m128 f[8];
        q8_0_block_to_f32(&b[i], f);
        for (int m = 0; m < 8; ++m) _mm_storeu_ps(dst + i * LLMBM_QK8_0 + 4 * m, f[m]);
    }
}

LLMBM_KV_SCORE_ENTRY_POINTS(sse2)

void llmbm_attn_accum_f16_sse2(float *out, const float *att, const void *v, size_t stride, size_t head_size, size_t n_t)
{
    const llmbm_fp16 *vh = v;
    size_t i = 0;
    for (; i + 16 <= head_size; i += 16) {
        __m128 o0 = _mm_setzero_ps(), o1 = o0, o2 = o0, o3 = o0;
        for (size_t t = 0; t < n_t; ++t) {
            const llmbm_fp16 *vt = vh + t * stride + i;
            const __m128 a = _mm_set1_ps(att[t]);
            __m128 x0, x1, x2, x3;
            f16x8_to_f32(vt, &x0, &x1);
            f16x8_to_f32(vt + 8, &x2, &x3);
            o0 = _mm_add_ps(o0, _mm_mul_ps(a, x0));
            o1 = _mm_add_ps(o1, _mm_mul_ps(a, x1));
            o2 = _mm_add_ps(o2, _mm_mul_ps(a, x2));
            o3 = _mm_add_ps(o3, _mm_mul_ps(a, x3));
        }
        _mm_storeu_ps(out + i, o0);
        _mm_storeu_ps(out + i + 4, o1);
        _mm_storeu_ps(out + i + 8, o2);
        _mm_storeu_ps(out + i + 12, o3);
    }
    if (i < head_size) llmbm_attn_accum_f16_scalar(out + i, att, vh + i, stride, head_size - i, n_t);
}

void llmbm_attn_accum_q8_0_sse2(float *out, const float *att, const void *v, size_t stride, size_t head_size,
                                size_t n_t)
{
    if (head_size % LLMBM_QK8_0) {
        llmbm_attn_accum_q8_0_scalar(out, att, v, stride, head_size, n_t);
        return;
    }
    const block_q8_0 *vb = v;
    const size_t row_blocks = stride / LLMBM_QK8_0;
    for (size_t b = 0; b < head_size / LLMBM_QK8_0; ++b) {
        __m128 o[8];
        for (int m = 0; m < 8; ++m) o[m] = _mm_setzero_ps();
        for (size_t t = 0; t < n_t; ++t) {
            const __m128 a = _mm_set1_ps(att[t]);
            __m128 f[8];
            q8_0_block_to_f32(&vb[t * row_blocks + b], f);
            for (int m = 0; m < 8; ++m) o[m] = _mm_add_ps(o[m], _mm_mul_ps(a, f[m]));
        }
        for (int m = 0; m < 8; ++m) _mm_storeu_ps(out + b * LLMBM_QK8_0 + 4 * m, o[m]);
    }
}
