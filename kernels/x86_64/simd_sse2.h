/* Helpers the sse2 kernel files share (compiled with -msse2 only: no
 * SSSE3/SSE4.1 instructions here). */
#pragma once

#include <emmintrin.h>

static inline float hsum_ps(__m128 s)
{
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

/* [sum(a), sum(b), sum(c), sum(d)] of four int32 vectors: exact. */
static inline __m128i hsum4_epi32(__m128i a, __m128i b, __m128i c, __m128i d)
{
    const __m128i ab = _mm_add_epi32(_mm_unpacklo_epi32(a, b), _mm_unpackhi_epi32(a, b));
    const __m128i cd = _mm_add_epi32(_mm_unpacklo_epi32(c, d), _mm_unpackhi_epi32(c, d));
    return _mm_add_epi32(_mm_unpacklo_epi64(ab, cd), _mm_unpackhi_epi64(ab, cd));
}

/* Four halves (the low 16 bits of each int32 lane; the rest is ignored) ->
 * floats, exactly, without F16C: shift the exponent and mantissa into place
 * and multiply by 2^112 to rebias, which also turns half subnormals into the
 * right normal floats; inf/NaN get the top exponent back (F. Giesen's
 * half_to_float). */
static inline __m128 fp16x4_to_f32(__m128i h32)
{
    const __m128i mag = _mm_slli_epi32(_mm_and_si128(h32, _mm_set1_epi32(0x7fff)), 13);
    __m128 f = _mm_mul_ps(_mm_castsi128_ps(mag), _mm_castsi128_ps(_mm_set1_epi32(0x77800000)));
    const __m128i infnan = _mm_cmpgt_epi32(mag, _mm_set1_epi32(0x0f7fffff)); /* exponent 31 */
    f = _mm_or_ps(f, _mm_castsi128_ps(_mm_and_si128(infnan, _mm_set1_epi32(0x7f800000))));
    const __m128i sign = _mm_slli_epi32(_mm_and_si128(h32, _mm_set1_epi32(0x8000)), 16);
    return _mm_or_ps(f, _mm_castsi128_ps(sign));
}

/* out[0..R) = lanes 0..R-1 of acc, R <= 4 rows of a multi-row pass. */
static inline void store_rows(float *out, __m128 acc, int R)
{
    if (R == 4) {
        _mm_storeu_ps(out, acc);
        return;
    }
    float lanes[4];
    _mm_storeu_ps(lanes, acc);
    for (int r = 0; r < R; ++r) out[r] = lanes[r];
}
