/* SSE2 (x86-64 baseline) dot products and row-range mat-vecs. SSE2 has no
 * pmaddubsw (SSSE3) or pmovsx (SSE4.1): quants are widened to int16 by
 * unpacking and arithmetic shifts, then pmaddwd sums pairs into int32. No
 * FMA either, so float accumulation is multiply then add. */
#include <emmintrin.h>

#include "kernels_sse2.h"
#include "quant_formats.h"
#include "row_entry_points.h"
#include "simd_sse2.h"

static inline __m128i hsum_epi32_vec(__m128i a, __m128i b, __m128i c, __m128i d)
{
    return _mm_add_epi32(_mm_add_epi32(a, b), _mm_add_epi32(c, d));
}

/* Signed bytes -> two int16 vectors (low and high 8). */
static inline __m128i widen_lo(__m128i v) { return _mm_srai_epi16(_mm_unpacklo_epi8(v, v), 8); }

static inline __m128i widen_hi(__m128i v) { return _mm_srai_epi16(_mm_unpackhi_epi8(v, v), 8); }

/* sum of 32 signed byte products as 4 int32 lanes */
static inline __m128i dot_i8_32(__m128i w0, __m128i w1, __m128i y0, __m128i y1)
{
    return hsum_epi32_vec(_mm_madd_epi16(widen_lo(w0), widen_lo(y0)), _mm_madd_epi16(widen_hi(w0), widen_hi(y0)),
                          _mm_madd_epi16(widen_lo(w1), widen_lo(y1)), _mm_madd_epi16(widen_hi(w1), widen_hi(y1)));
}

/* ---- half weights (F32 rows are matvec_f32_sse2.c: each row's sum stays sequential) ---- */

static inline float dot_f16(const void *w_row, const void *x_act, size_t n)
{
    const llmbm_fp16 *w = w_row;
    const float *x = x_act;
    const __m128i zero = _mm_setzero_si128();
    __m128 a0 = _mm_setzero_ps(), a1 = a0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m128i h = _mm_loadu_si128((const __m128i *)(w + i));
        a0 = _mm_add_ps(a0, _mm_mul_ps(fp16x4_to_f32(_mm_unpacklo_epi16(h, zero)), _mm_loadu_ps(x + i)));
        a1 = _mm_add_ps(a1, _mm_mul_ps(fp16x4_to_f32(_mm_unpackhi_epi16(h, zero)), _mm_loadu_ps(x + i + 4)));
    }
    float sum = hsum_ps(_mm_add_ps(a0, a1));
    for (; i < n; ++i) sum += llmbm_fp16_to_f32(w[i]) * x[i];
    return sum;
}

/* ---- 32-element blocks --------------------------------------------------------- */

static inline float dot_q8_0(const void *w_row, const void *x_act, size_t n)
{
    const block_q8_0 *w = w_row;
    const block_q8_0 *y = x_act;
    __m128 acc = _mm_setzero_ps();
    for (size_t i = 0; i < n / LLMBM_QK8_0; ++i) {
        const __m128i s =
            dot_i8_32(_mm_loadu_si128((const __m128i *)w[i].qs), _mm_loadu_si128((const __m128i *)(w[i].qs + 16)),
                      _mm_loadu_si128((const __m128i *)y[i].qs), _mm_loadu_si128((const __m128i *)(y[i].qs + 16)));
        const __m128 d = _mm_set1_ps(llmbm_fp16_to_f32(w[i].d) * llmbm_fp16_to_f32(y[i].d));
        acc = _mm_add_ps(acc, _mm_mul_ps(d, _mm_cvtepi32_ps(s)));
    }
    return hsum_ps(acc);
}

static inline float dot_q4_0(const void *w_row, const void *x_act, size_t n)
{
    const block_q4_0 *w = w_row;
    const block_q8_0 *y = x_act;
    const __m128i m4 = _mm_set1_epi8(0x0F), eight = _mm_set1_epi8(8);
    __m128 acc = _mm_setzero_ps();
    for (size_t i = 0; i < n / LLMBM_QK4_0; ++i) {
        const __m128i raw = _mm_loadu_si128((const __m128i *)w[i].qs);
        /* low nibbles are elements 0..15, high ones 16..31; minus 8 */
        const __m128i lo = _mm_sub_epi8(_mm_and_si128(raw, m4), eight);
        const __m128i hi = _mm_sub_epi8(_mm_and_si128(_mm_srli_epi16(raw, 4), m4), eight);
        const __m128i s = dot_i8_32(lo, hi, _mm_loadu_si128((const __m128i *)y[i].qs),
                                    _mm_loadu_si128((const __m128i *)(y[i].qs + 16)));
        const __m128 d = _mm_set1_ps(llmbm_fp16_to_f32(w[i].d) * llmbm_fp16_to_f32(y[i].d));
        acc = _mm_add_ps(acc, _mm_mul_ps(d, _mm_cvtepi32_ps(s)));
    }
    return hsum_ps(acc);
}

/* Q4_0P: dot_q4_0's arithmetic on the two-plane row */
static inline float dot_q4_0p(const void *w_row, const void *x_act, size_t n)
{
    const size_t nb = n / LLMBM_QK4_0;
    const llmbm_fp16 *scales = llmbm_q4_0p_scales(w_row);
    const uint8_t *qs = llmbm_q4_0p_quants(w_row, nb);
    const block_q8_0 *y = x_act;
    const __m128i m4 = _mm_set1_epi8(0x0F), eight = _mm_set1_epi8(8);
    __m128 acc = _mm_setzero_ps();
    for (size_t i = 0; i < nb; ++i) {
        const __m128i raw = _mm_loadu_si128((const __m128i *)(qs + 16 * i));
        const __m128i lo = _mm_sub_epi8(_mm_and_si128(raw, m4), eight);
        const __m128i hi = _mm_sub_epi8(_mm_and_si128(_mm_srli_epi16(raw, 4), m4), eight);
        const __m128i s = dot_i8_32(lo, hi, _mm_loadu_si128((const __m128i *)y[i].qs),
                                    _mm_loadu_si128((const __m128i *)(y[i].qs + 16)));
        const __m128 d = _mm_set1_ps(llmbm_fp16_to_f32(scales[i]) * llmbm_fp16_to_f32(y[i].d));
        acc = _mm_add_ps(acc, _mm_mul_ps(d, _mm_cvtepi32_ps(s)));
    }
    return hsum_ps(acc);
}

LLMBM_DOT_ENTRY_POINTS(f16, sse2)
LLMBM_DOT_ENTRY_POINTS(q8_0, sse2)
LLMBM_DOT_ENTRY_POINTS(q4_0, sse2)
LLMBM_DOT_ENTRY_POINTS(q4_0p, sse2)
