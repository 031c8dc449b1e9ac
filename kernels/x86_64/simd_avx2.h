/* Inline helpers shared by the AVX2 (and AVX-512) kernel files. Include only
 * from files compiled with -mavx2 -mfma -mf16c: nothing here checks the CPU. */
#pragma once

#include <immintrin.h>

#include "quant_formats.h"

/* F16C's conversion is exact, like llmbm_fp16_to_f32, but one instruction. */
static inline float simd_fp16(llmbm_fp16 h)
{
    return _cvtsh_ss(h);
}

static inline float simd_hsum_ps(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

static inline float simd_hsum_ps128(__m128 s)
{
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

static inline int simd_hsum_epi32(__m256i v)
{
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_unpackhi_epi64(s, s));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 1));
    return _mm_cvtsi128_si32(s);
}

static inline float simd_hmax_ps(__m256 v)
{
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
}

/* 16 packed nibbles -> 32 bytes in element order: the low nibbles are
 * elements 0..15, the high nibbles 16..31 (the Q4_0/Q4_1/Q5_x layout). */
static inline __m256i simd_nibbles_32(const uint8_t *qs)
{
    const __m128i raw = _mm_loadu_si128((const __m128i *)qs);
    const __m256i both = _mm256_set_m128i(_mm_srli_epi16(raw, 4), raw);
    return _mm256_and_si256(both, _mm256_set1_epi8(0x0F));
}

/* Bit j of the little-endian 32 bits at p -> byte j: 0xFF when set, else 0. */
static inline __m256i simd_bits_to_bytes_32(const uint8_t *p)
{
    const __m256i spread = _mm256_shuffle_epi8(
        _mm256_set1_epi32((int)llmbm_load_u32le(p)),
        _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0));
    /* every bit set except bit j % 8 of byte j: all ones iff that bit is */
    const __m256i others = _mm256_or_si256(spread, _mm256_set1_epi64x(0x7fbfdfeff7fbfdfe));
    return _mm256_cmpeq_epi8(others, _mm256_set1_epi64x(-1));
}

/* Sum of signed byte products in 8 int32 lanes, each lane 4 adjacent bytes.
 * maddubs needs one unsigned operand, so move x's sign onto y (ggml's trick);
 * |x| <= 128 and |y| <= 127 keep the int16 pair sums below saturation. */
static inline __m256i simd_dot_i8(__m256i x, __m256i y)
{
    const __m256i ax = _mm256_sign_epi8(x, x);
    const __m256i sy = _mm256_sign_epi8(y, x);
    return _mm256_madd_epi16(_mm256_maddubs_epi16(ax, sy), _mm256_set1_epi16(1));
}

/* Unsigned x (< 128) times signed y, 4-byte sums in 8 int32 lanes. */
static inline __m256i simd_dot_u8i8(__m256i x, __m256i y)
{
    return _mm256_madd_epi16(_mm256_maddubs_epi16(x, y), _mm256_set1_epi16(1));
}
