/* Attention over F16 and Q8_0 KV caches at the AVX-512 levels (F only),
 * bit-identical to attention_kv_scalar.c (see attention_kv_sse2.c for the
 * plan): sixteen values per vector, converted exactly (vcvtph2ps;
 * vpmovsxbd then times the block's scale), separate multiplies and adds.
 * Tails go to the AVX2 code, which this level's CPU also runs. */
#include <immintrin.h>

#include "attention_kv_body.h"
#include "kernels_attention.h"
#include "quant_formats.h"
#include "simd_avx2.h"

static inline __m512 f16x16(const llmbm_fp16 *h) { return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)h)); }

/* one Q8_0 block -> its 32 values (float)qs[j] * d, as 2 vectors */
static inline void q8_0_block_to_f32(const block_q8_0 *b, __m512 f[2])
{
    const __m512 d = _mm512_set1_ps(simd_fp16(b->d));
    f[0] = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)b->qs))), d);
    f[1] = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(b->qs + 16)))), d);
}

void llmbm_dequantize_row_f16_avx512(const void *row, float *dst, size_t n)
{
    const llmbm_fp16 *h = row;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        if (simd_f16_any_snan8(h + i) || simd_f16_any_snan8(h + i + 8))
            for (size_t k = i; k < i + 16; ++k) dst[k] = llmbm_fp16_to_f32(h[k]);
        else
            _mm512_storeu_ps(dst + i, f16x16(h + i));
    }
    for (; i < n; ++i) dst[i] = llmbm_fp16_to_f32(h[i]);
}

void llmbm_dequantize_row_q8_0_avx512(const void *row, float *dst, size_t n)
{
    const block_q8_0 *b = row;
    for (size_t i = 0; i < n / LLMBM_QK8_0; ++i) {
        __m512 f[2];
        q8_0_block_to_f32(&b[i], f);
        _mm512_storeu_ps(dst + i * LLMBM_QK8_0, f[0]);
        _mm512_storeu_ps(dst + i * LLMBM_QK8_0 + 16, f[1]);
    }
}

LLMBM_KV_SCORE_ENTRY_POINTS(avx512)

void llmbm_attn_accum_f16_avx512(float *out, const float *att, const void *v, size_t stride, size_t head_size,
                                 size_t n_t)
{
    const llmbm_fp16 *vh = v;
    size_t i = 0;
    for (; i + 64 <= head_size; i += 64) {
        __m512 o0 = _mm512_setzero_ps(), o1 = o0, o2 = o0, o3 = o0;
        for (size_t t = 0; t < n_t; ++t) {
            const llmbm_fp16 *vt = vh + t * stride + i;
            const __m512 a = _mm512_set1_ps(att[t]);
            o0 = _mm512_add_ps(o0, _mm512_mul_ps(a, f16x16(vt)));
            o1 = _mm512_add_ps(o1, _mm512_mul_ps(a, f16x16(vt + 16)));
            o2 = _mm512_add_ps(o2, _mm512_mul_ps(a, f16x16(vt + 32)));
            o3 = _mm512_add_ps(o3, _mm512_mul_ps(a, f16x16(vt + 48)));
        }
        _mm512_storeu_ps(out + i, o0);
        _mm512_storeu_ps(out + i + 16, o1);
        _mm512_storeu_ps(out + i + 32, o2);
        _mm512_storeu_ps(out + i + 48, o3);
    }
    for (; i + 16 <= head_size; i += 16) {
        __m512 o = _mm512_setzero_ps();
        for (size_t t = 0; t < n_t; ++t)
            o = _mm512_add_ps(o, _mm512_mul_ps(_mm512_set1_ps(att[t]), f16x16(vh + t * stride + i)));
        _mm512_storeu_ps(out + i, o);
    }
    if (i < head_size) llmbm_attn_accum_f16_avx2(out + i, att, vh + i, stride, head_size - i, n_t);
}

void llmbm_attn_accum_q8_0_avx512(float *out, const float *att, const void *v, size_t stride, size_t head_size,
                                  size_t n_t)
{
    if (head_size % LLMBM_QK8_0) {
        llmbm_attn_accum_q8_0_scalar(out, att, v, stride, head_size, n_t);
        return;
    }
    const block_q8_0 *vb = v;
    const size_t row_blocks = stride / LLMBM_QK8_0, nb = head_size / LLMBM_QK8_0;
    size_t b = 0;
    /* two blocks (64 outputs) per pass: four independent add chains */
    for (; b + 2 <= nb; b += 2) {
        __m512 o0 = _mm512_setzero_ps(), o1 = o0, o2 = o0, o3 = o0;
        for (size_t t = 0; t < n_t; ++t) {
            const __m512 a = _mm512_set1_ps(att[t]);
            __m512 f[2], g[2];
            q8_0_block_to_f32(&vb[t * row_blocks + b], f);
            q8_0_block_to_f32(&vb[t * row_blocks + b + 1], g);
            o0 = _mm512_add_ps(o0, _mm512_mul_ps(a, f[0]));
            o1 = _mm512_add_ps(o1, _mm512_mul_ps(a, f[1]));
            o2 = _mm512_add_ps(o2, _mm512_mul_ps(a, g[0]));
            o3 = _mm512_add_ps(o3, _mm512_mul_ps(a, g[1]));
        }
        _mm512_storeu_ps(out + b * LLMBM_QK8_0, o0);
        _mm512_storeu_ps(out + b * LLMBM_QK8_0 + 16, o1);
        _mm512_storeu_ps(out + b * LLMBM_QK8_0 + 32, o2);
        _mm512_storeu_ps(out + b * LLMBM_QK8_0 + 48, o3);
    }
    if (b < nb)
        llmbm_attn_accum_q8_0_avx2(out + b * LLMBM_QK8_0, att, vb + b, stride, head_size - b * LLMBM_QK8_0, n_t);
}

void llmbm_kv_store_f16_avx512(const float *x, void *dst, size_t n)
{
    llmbm_fp16 *d = dst;
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm256_storeu_si256((__m256i *)(d + i),
                            _mm512_cvtps_ph(_mm512_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    if (i < n) llmbm_kv_store_f16_avx2(x + i, d + i, n - i);
}
