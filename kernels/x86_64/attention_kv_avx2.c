/* Attention over F16 and Q8_0 KV caches at the AVX2 level, bit-identical to
 * attention_kv_scalar.c (see attention_kv_sse2.c for the plan). F16C's
 * vcvtph2ps is exact; int8 widen by vpmovsxbd. Separate multiplies and adds.
 * kv_store's f16 conversion is vcvtps2ph with round-to-nearest-even, which
 * is llmbm_f32_to_fp16 for every input (NaNs: quiet, payload's top bits). */
#include <immintrin.h>

#include "attention_kv_body.h"
#include "kernels_attention.h"
#include "quant_formats.h"
#include "simd_avx2.h"

static inline __m256 f16x8(const llmbm_fp16 *h) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)h)); }

/* one Q8_0 block -> its 32 values (float)qs[j] * d, as 4 vectors */
static inline void q8_0_block_to_f32(const block_q8_0 *b, __m256 f[4])
{
    const __m256 d = _mm256_set1_ps(simd_fp16(b->d));
    const __m128i lo = _mm_loadu_si128((const __m128i *)b->qs), hi = _mm_loadu_si128((const __m128i *)(b->qs + 16));
    f[0] = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(lo)), d);
    f[1] = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(lo, 8))), d);
    f[2] = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(hi)), d);
    f[3] = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(hi, 8))), d);
}

void llmbm_dequantize_row_f16_avx2(const void *row, float *dst, size_t n)
{
    const llmbm_fp16 *h = row;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        if (simd_f16_any_snan8(h + i))
            for (size_t k = i; k < i + 8; ++k) dst[k] = llmbm_fp16_to_f32(h[k]);
        else
            _mm256_storeu_ps(dst + i, f16x8(h + i));
    }
    for (; i < n; ++i) dst[i] = llmbm_fp16_to_f32(h[i]);
}

void llmbm_dequantize_row_q8_0_avx2(const void *row, float *dst, size_t n)
{
    const block_q8_0 *b = row;
    for (size_t i = 0; i < n / LLMBM_QK8_0; ++i) {
        __m256 f[4];
        q8_0_block_to_f32(&b[i], f);
        for (int m = 0; m < 4; ++m) _mm256_storeu_ps(dst + i * LLMBM_QK8_0 + 8 * m, f[m]);
    }
}

LLMBM_KV_SCORE_ENTRY_POINTS(avx2)

void llmbm_attn_accum_f16_avx2(float *out, const float *att, const void *v, size_t stride, size_t head_size, size_t n_t)
{
    const llmbm_fp16 *vh = v;
    size_t i = 0;
    for (; i + 32 <= head_size; i += 32) {
        __m256 o0 = _mm256_setzero_ps(), o1 = o0, o2 = o0, o3 = o0;
        for (size_t t = 0; t < n_t; ++t) {
            const llmbm_fp16 *vt = vh + t * stride + i;
            const __m256 a = _mm256_set1_ps(att[t]);
            o0 = _mm256_add_ps(o0, _mm256_mul_ps(a, f16x8(vt)));
            o1 = _mm256_add_ps(o1, _mm256_mul_ps(a, f16x8(vt + 8)));
            o2 = _mm256_add_ps(o2, _mm256_mul_ps(a, f16x8(vt + 16)));
            o3 = _mm256_add_ps(o3, _mm256_mul_ps(a, f16x8(vt + 24)));
        }
        _mm256_storeu_ps(out + i, o0);
        _mm256_storeu_ps(out + i + 8, o1);
        _mm256_storeu_ps(out + i + 16, o2);
        _mm256_storeu_ps(out + i + 24, o3);
    }
    for (; i + 8 <= head_size; i += 8) {
        __m256 o = _mm256_setzero_ps();
        for (size_t t = 0; t < n_t; ++t)
            o = _mm256_add_ps(o, _mm256_mul_ps(_mm256_set1_ps(att[t]), f16x8(vh + t * stride + i)));
        _mm256_storeu_ps(out + i, o);
    }
    if (i < head_size) llmbm_attn_accum_f16_sse2(out + i, att, vh + i, stride, head_size - i, n_t);
}

void llmbm_attn_accum_q8_0_avx2(float *out, const float *att, const void *v, size_t stride, size_t head_size,
                                size_t n_t)
{
    if (head_size % LLMBM_QK8_0) {
        llmbm_attn_accum_q8_0_scalar(out, att, v, stride, head_size, n_t);
        return;
    }
    const block_q8_0 *vb = v;
    const size_t row_blocks = stride / LLMBM_QK8_0;
    for (size_t b = 0; b < head_size / LLMBM_QK8_0; ++b) {
        __m256 o[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
        for (size_t t = 0; t < n_t; ++t) {
            const __m256 a = _mm256_set1_ps(att[t]);
            __m256 f[4];
            q8_0_block_to_f32(&vb[t * row_blocks + b], f);
            for (int m = 0; m < 4; ++m) o[m] = _mm256_add_ps(o[m], _mm256_mul_ps(a, f[m]));
        }
        for (int m = 0; m < 4; ++m) _mm256_storeu_ps(out + b * LLMBM_QK8_0 + 8 * m, o[m]);
    }
}

void llmbm_kv_store_f16_avx2(const float *x, void *dst, size_t n)
{
    llmbm_fp16 *d = dst;
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i *)(d + i),
                         _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    for (; i < n; ++i) d[i] = llmbm_f32_to_fp16(x[i]);
}
