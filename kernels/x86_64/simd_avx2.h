/* Inline helpers shared by the AVX2 (and AVX-512) kernel files. Include only
 * from files compiled with -mavx2 -mfma -mf16c: nothing here checks the CPU. */
#pragma once

#include <immintrin.h>

#include "quant_formats.h"

/* F16C's conversion is exact, like llmbm_fp16_to_f32, but one instruction. */
static inline float simd_fp16(llmbm_fp16 h) { return _cvtsh_ss(h); }

/* Whether any of 8 halves is a signalling NaN (exponent all ones, quiet bit
 * clear, payload not 0): F16C sets its quiet bit, llmbm_fp16_to_f32 keeps
 * the payload as it is, so such a group converts in software. */
static inline int simd_f16_any_snan8(const llmbm_fp16 *h)
{
    const __m128i v = _mm_loadu_si128((const __m128i *)h);
    const __m128i nan_exp = _mm_cmpeq_epi16(_mm_and_si128(v, _mm_set1_epi16(0x7e00)), _mm_set1_epi16(0x7c00));
    const __m128i no_payload = _mm_cmpeq_epi16(_mm_and_si128(v, _mm_set1_epi16(0x01ff)), _mm_setzero_si128());
    return _mm_movemask_epi8(_mm_andnot_si128(no_payload, nan_exp)) != 0;
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
    const __m256i spread =
        _mm256_shuffle_epi8(_mm256_set1_epi32((int)llmbm_load_u32le(p)),
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

/* Ask for a whole row ahead of use. The hardware prefetchers stop at 4 KiB
 * pages and ramp up slowly when compute is dense; a row or two ahead keeps
 * enough lines in flight to stream at DRAM speed. Prefetches never fault,
 * so running past the matrix end is harmless. */
static inline void prefetch_row(const uint8_t *row, size_t bytes)
{
    for (size_t off = 0; off < bytes; off += 64) _mm_prefetch((const char *)row + off, _MM_HINT_T1);
}

/* The 8 six-bit scales and 8 mins of a Q4_K/Q5_K block (12 packed bytes,
 * see llmbm_k4_scale_min) as 16 int16: scales in lanes 0..7, mins in 8..15.
 * In vector registers rather than ggml's scalar utmp shuffle, which costs
 * more than the dot products themselves at AVX-512 width. Reads 16 bytes
 * from `packed`: the 4 after the scales belong to the same block. With
 * u0, u1, u2 the three packed dwords, per byte:
 *   scales 0-3 = u0 & 63            scales 4-7 = (u2 & 15) | (u0 >> 6) << 4
 *   mins 0-3   = u1 & 63            mins 4-7   = (u2 >> 4) | (u1 >> 6) << 4 */
static inline __m256i simd_k4_scales_mins(const uint8_t *packed)
{
    const __m128i v = _mm_loadu_si128((const __m128i *)packed);
    const __m128i a = _mm_shuffle_epi32(v, _MM_SHUFFLE(2, 1, 2, 0)); /* u0 u2 u1 u2 */
    const __m128i b = _mm_shuffle_epi32(v, _MM_SHUFFLE(1, 1, 0, 0)); /* u0 u0 u1 u1 */
    const __m128i low = _mm_and_si128(_mm_srlv_epi32(a, _mm_setr_epi32(0, 0, 0, 4)),
                                      _mm_setr_epi32(0x3f3f3f3f, 0x0f0f0f0f, 0x3f3f3f3f, 0x0f0f0f0f));
    /* (x >> 6) << 4 per byte = bits 6-7 moved to 4-5: (dword >> 2) & 0x30 */
    const __m128i high = _mm_and_si128(_mm_srli_epi32(b, 2), _mm_setr_epi32(0, 0x30303030, 0, 0x30303030));
    return _mm256_cvtepu8_epi16(_mm_or_si128(low, high));
}

/* How far ahead of the block being read the K-quant dots prefetch. Rows are
 * contiguous, so "ahead" runs on into the next rows, which is where a
 * mat-vec goes next; for a lone vec_dot the extra lines are harmless. */
#define SIMD_PF_BYTES 6144

/* One K-quant super-block's lines, SIMD_PF_BYTES ahead (into L2: the L1
 * fill buffers are too few to cover DRAM latency at full bandwidth). */
static inline void prefetch_ahead(const void *block, size_t bytes)
{
    for (size_t off = 0; off < bytes; off += 64) _mm_prefetch((const char *)block + SIMD_PF_BYTES + off, _MM_HINT_T1);
}
