/* SSE2 dot products of Q4_K/Q6_K rows with Q8_K activations. Without
 * pmaddubsw the quants are widened to int16 and multiplied by their group's
 * scale there (|q * scale| <= 945 for Q4_K, 4096 for Q6_K: no overflow),
 * then pmaddwd with the widened activation gives exact int32 sums. Floats
 * enter once per super-block, as in the scalar reference. */
#include <emmintrin.h>

#include "kernels_sse2.h"
#include "quant_formats.h"
#include "row_entry_points.h"
#include "simd_sse2.h"

/* 16 int8 quants q (already signed or < 128) times scale, dot 16 int8 y. */
static inline __m128i scaled_dot16(__m128i q, int scale, const int8_t *y)
{
    const __m128i s = _mm_set1_epi16((short)scale);
    const __m128i yv = _mm_loadu_si128((const __m128i *)y);
    const __m128i q0 = _mm_mullo_epi16(_mm_srai_epi16(_mm_unpacklo_epi8(q, q), 8), s);
    const __m128i q1 = _mm_mullo_epi16(_mm_srai_epi16(_mm_unpackhi_epi8(q, q), 8), s);
    const __m128i y0 = _mm_srai_epi16(_mm_unpacklo_epi8(yv, yv), 8);
    const __m128i y1 = _mm_srai_epi16(_mm_unpackhi_epi8(yv, yv), 8);
    return _mm_add_epi32(_mm_madd_epi16(q0, y0), _mm_madd_epi16(q1, y1));
}

static inline float dot_q4_K(const void *w_row, const void *x_act, size_t n)
{
    const block_q4_K *w = w_row;
    const block_q8_K *y = x_act;
    const __m128i m4 = _mm_set1_epi8(0x0F);
    __m128 acc = _mm_setzero_ps();
    float summ_f = 0.0f;
    for (size_t i = 0; i < n / LLMBM_QK_K; ++i) {
        int sc[8];
        int32_t summ = 0;
        for (int j = 0; j < 8; ++j) {
            uint8_t s, m;
            llmbm_k4_scale_min(j, w[i].scales, &s, &m);
            sc[j] = s;
            summ += m * (y[i].bsums[2 * j] + y[i].bsums[2 * j + 1]);
        }
        __m128i sumi = _mm_setzero_si128();
        for (int c = 0; c < 4; ++c)
            for (int half = 0; half < 2; ++half) {
                /* elements 64c + 16 half + 0..15 (low nibbles) and + 32 (high) */
                const __m128i bits = _mm_loadu_si128((const __m128i *)(w[i].qs + 32 * c + 16 * half));
                const int8_t *q8 = y[i].qs + 64 * c + 16 * half;
                sumi = _mm_add_epi32(sumi, scaled_dot16(_mm_and_si128(bits, m4), sc[2 * c], q8));
                sumi = _mm_add_epi32(sumi,
                                     scaled_dot16(_mm_and_si128(_mm_srli_epi16(bits, 4), m4), sc[2 * c + 1], q8 + 32));
            }
        const float dall = llmbm_fp16_to_f32(w[i].d) * y[i].d;
        const float dmin = llmbm_fp16_to_f32(w[i].dmin) * y[i].d;
        acc = _mm_add_ps(acc, _mm_mul_ps(_mm_set1_ps(dall), _mm_cvtepi32_ps(sumi)));
        summ_f += dmin * (float)summ;
    }
    return hsum_ps(acc) - summ_f;
}

static inline float dot_q6_K(const void *w_row, const void *x_act, size_t n)
{
    const block_q6_K *w = w_row;
    const block_q8_K *y = x_act;
    const __m128i m4 = _mm_set1_epi8(0x0F), m2 = _mm_set1_epi8(3), k32 = _mm_set1_epi8(32);
    __m128 acc = _mm_setzero_ps();
    for (size_t i = 0; i < n / LLMBM_QK_K; ++i) {
        __m128i sumi = _mm_setzero_si128();
        for (int h = 0; h < 2; ++h)
            for (int p = 0; p < 4; ++p)
                for (int k0 = 0; k0 < 32; k0 += 16) {
                    /* element 128h + 32p + k: a nibble of ql[64h + 32(p & 1) + k],
                     * bits 2p..2p+1 of qh[32h + k] on top, minus 32 */
                    __m128i l = _mm_loadu_si128((const __m128i *)(w[i].ql + 64 * h + 32 * (p & 1) + k0));
                    if (p >= 2) l = _mm_srli_epi16(l, 4);
                    const __m128i hb = _mm_loadu_si128((const __m128i *)(w[i].qh + 32 * h + k0));
                    const __m128i top = _mm_slli_epi16(_mm_and_si128(_mm_srli_epi16(hb, 2 * p), m2), 4);
                    const __m128i q = _mm_sub_epi8(_mm_or_si128(_mm_and_si128(l, m4), top), k32);
                    const int g = 8 * h + 2 * p + k0 / 16;
                    sumi = _mm_add_epi32(sumi, scaled_dot16(q, w[i].scales[g], y[i].qs + 16 * g));
                }
        const float d = llmbm_fp16_to_f32(w[i].d) * y[i].d;
        acc = _mm_add_ps(acc, _mm_mul_ps(_mm_set1_ps(d), _mm_cvtepi32_ps(sumi)));
    }
    return hsum_ps(acc);
}

LLMBM_DOT_ENTRY_POINTS(q4_K, sse2)
LLMBM_DOT_ENTRY_POINTS(q6_K, sse2)
