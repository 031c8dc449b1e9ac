/* Q4_Kx16 and Q4_0x16 mat-vecs for the AVX-512 levels (included by
 * vec_dot_avx512.c and vec_dot_avx512vnni.c after vec_dot_avx512_body.h,
 * for dot_u8i8).
 *
 * Lane r of every vector is row r of a 16-row group (quant_formats.h): a
 * 64-byte load is 8 elements of all 16 rows, the activation's matching 4
 * bytes are a broadcast, and one vpdpbusd advances 16 row dots. Sub-block
 * sums, scales and mins are then plain per-lane integer arithmetic, with no
 * shuffle at all, so the kernel spends its vector uops on the nibbles (a
 * row-major Q4_K kernel spends half of them on scales). The integer sums
 * are exact and the float steps per row are the scalar Q4_K's, so each
 * lane's result equals llmbm_vec_dot_q4_K_scalar on that row bit for bit. */
#pragma once

#include <immintrin.h>

#include "quant_formats.h"

/* 16 six-bit values of one sub-block for the 16 rows as int32 lanes: the
 * low 4 bits from a nibble of lo[r], the top 2 from bits 2s..2s+1 of hi[r]. */
static inline __m512i x16_six_bits(__m512i lo32, int nibble, __m512i hi32, int s)
{
    const __m512i low = nibble ? _mm512_srli_epi32(lo32, 4) : _mm512_and_si512(lo32, _mm512_set1_epi32(0xF));
    const __m512i top = _mm512_and_si512(_mm512_srli_epi32(hi32, 2 * s), _mm512_set1_epi32(3));
    return _mm512_or_si512(low, _mm512_slli_epi32(top, 4));
}

static inline __m512i x16_bytes(const uint8_t row_bytes[16])
{
    return _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)row_bytes));
}

/* Bytes ahead of the block being read that the loop prefetches (two
 * groups' super-blocks): the rows now form one sequential stream. */
#define X16_PF_BYTES (2 * sizeof(block_q4_Kx16))

/* Row r of the group's result in lane r. */
static inline __m512 x16_group_q4_Kx16(const block_q4_Kx16 *g, const block_q8_K *y, size_t nb)
{
    const __m512i m4 = _mm512_set1_epi8(0xF);
    __m512 acc = _mm512_setzero_ps();
    for (size_t i = 0; i < nb; ++i) {
        const block_q4_Kx16 *b = &g[i];
        for (int line = 0; line < 4; ++line) /* d ... mn_hi: the first 256 bytes */
            _mm_prefetch((const char *)b + X16_PF_BYTES + 64 * line, _MM_HINT_T1);
        __m512i isum = _mm512_setzero_si512();
        for (int c = 0; c < 4; ++c) {
            /* two accumulators per nibble half, to halve the vpdpbusd chains */
            __m512i sa[2] = {_mm512_setzero_si512(), _mm512_setzero_si512()}, sb[2] = {sa[0], sa[1]};
            for (int k = 0; k < 8; ++k) {
                _mm_prefetch((const char *)b->qs[c][k] + X16_PF_BYTES, _MM_HINT_T1);
                const __m512i raw = _mm512_loadu_si512(b->qs[c][k]);
                const __m512i lo = _mm512_and_si512(raw, m4);
                const __m512i hi = _mm512_and_si512(_mm512_srli_epi16(raw, 4), m4);
                int32_t ya, yb;
                __builtin_memcpy(&ya, y[i].qs + 64 * c + 4 * k, 4);
                __builtin_memcpy(&yb, y[i].qs + 64 * c + 32 + 4 * k, 4);
                sa[k & 1] = dot_u8i8(sa[k & 1], lo, _mm512_set1_epi32(ya));
                sb[k & 1] = dot_u8i8(sb[k & 1], hi, _mm512_set1_epi32(yb));
            }
            /* sub-blocks 2c (low nibbles) and 2c + 1 (high) */
            const __m512i lo32 = x16_bytes(b->sc_lo[c]), hi32 = x16_bytes(b->sc_hi[c / 2]);
            const __m512i sc_a = x16_six_bits(lo32, 0, hi32, (2 * c) % 4);
            const __m512i sc_b = x16_six_bits(lo32, 1, hi32, (2 * c + 1) % 4);
            isum = _mm512_add_epi32(isum, _mm512_mullo_epi32(_mm512_add_epi32(sa[0], sa[1]), sc_a));
            isum = _mm512_add_epi32(isum, _mm512_mullo_epi32(_mm512_add_epi32(sb[0], sb[1]), sc_b));
        }
        /* sum_j min_j * (the activation's sum over sub-block j) */
        __m512i msum = _mm512_setzero_si512();
        for (int p = 0; p < 4; ++p) {
            const __m512i lo32 = x16_bytes(b->mn_lo[p]), hi32 = x16_bytes(b->mn_hi[p / 2]);
            const int32_t bs_a = y[i].bsums[4 * p] + y[i].bsums[4 * p + 1];
            const int32_t bs_b = y[i].bsums[4 * p + 2] + y[i].bsums[4 * p + 3];
            msum = _mm512_add_epi32(
                msum, _mm512_mullo_epi32(x16_six_bits(lo32, 0, hi32, (2 * p) % 4), _mm512_set1_epi32(bs_a)));
            msum = _mm512_add_epi32(
                msum, _mm512_mullo_epi32(x16_six_bits(lo32, 1, hi32, (2 * p + 1) % 4), _mm512_set1_epi32(bs_b)));
        }
        /* scalar Q4_K: sumf += dall * sumi - dmin * summ, per lane */
        const __m512 dy = _mm512_set1_ps(y[i].d);
        const __m512 dall = _mm512_mul_ps(_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)b->d)), dy);
        const __m512 dmin = _mm512_mul_ps(_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)b->dmin)), dy);
        acc = _mm512_add_ps(acc, _mm512_sub_ps(_mm512_mul_ps(dall, _mm512_cvtepi32_ps(isum)),
                                               _mm512_mul_ps(dmin, _mm512_cvtepi32_ps(msum))));
    }
    return acc;
}

/* Q4_0x16: per block, four 64-byte loads hold its 32 quants of all 16 rows;
 * sumi = q . y - 8 * sum(y) exactly, then lane r adds scalar Q4_0's
 * (d_w * d_y) * sumi, so each row's result is bit-identical to it. */
static inline __m512 x16_group_q4_0x16(const block_q4_0x16 *g, const block_q8_0 *y, size_t nb)
{
    const __m512i m4 = _mm512_set1_epi8(0xF);
    const __m256i ones8 = _mm256_set1_epi8(1);
    __m512 acc = _mm512_setzero_ps();
    for (size_t i = 0; i < nb; ++i) {
        const block_q4_0x16 *b = &g[i];
        for (int line = 0; line < 5; ++line) /* 288 bytes: 5 lines */
            _mm_prefetch((const char *)b + X16_PF_BYTES + 64 * line, _MM_HINT_T1);
        /* 8 * sum(y) of the block, exact: bytes times 1 in int16 pairs, then int32 */
        const __m256i y32 = _mm256_loadu_si256((const __m256i *)y[i].qs);
        const __m256i pairs = _mm256_madd_epi16(_mm256_maddubs_epi16(ones8, y32), _mm256_set1_epi16(1));
        const __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(pairs), _mm256_extracti128_si256(pairs, 1));
        const __m128i s2 = _mm_add_epi32(s4, _mm_unpackhi_epi64(s4, s4));
        const int32_t sum_y = _mm_cvtsi128_si32(_mm_add_epi32(s2, _mm_shuffle_epi32(s2, 1)));
        /* two chains (low and high nibbles), started at -8 * sum(y) and 0 */
        __m512i lo_sum = _mm512_set1_epi32(-8 * sum_y), hi_sum = _mm512_setzero_si512();
        for (int k = 0; k < 4; ++k) {
            const __m512i raw = _mm512_loadu_si512(b->qs[k]);
            int32_t ylo, yhi;
            __builtin_memcpy(&ylo, y[i].qs + 4 * k, 4);
            __builtin_memcpy(&yhi, y[i].qs + 16 + 4 * k, 4);
            lo_sum = dot_u8i8(lo_sum, _mm512_and_si512(raw, m4), _mm512_set1_epi32(ylo));
            hi_sum = dot_u8i8(hi_sum, _mm512_and_si512(_mm512_srli_epi16(raw, 4), m4), _mm512_set1_epi32(yhi));
        }
        const __m512i sumi = _mm512_add_epi32(lo_sum, hi_sum);
        const __m512 d =
            _mm512_mul_ps(_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)b->d)), _mm512_set1_ps(fp16_f32(y[i].d)));
        acc = _mm512_add_ps(acc, _mm512_mul_ps(d, _mm512_cvtepi32_ps(sumi)));
    }
    return acc;
}

/* The level's matvec_rows for an interleaved type t (q4_Kx16, q4_0x16):
 * whole groups, writing only the rows asked for. */
#define LLMBM_X16_ENTRY_POINTS(t, level)                                                                               \
    void LLMBM_KSYM(matvec_rows, t, level)(const llmbm_weight *w, const void *x_act, float *out, size_t row_begin,     \
                                           size_t row_end)                                                             \
    {                                                                                                                  \
        const size_t nb = w->cols / LLMBM_X16_BLOCK_##t;                                                               \
        const block_##t *groups = w->data;                                                                             \
        for (size_t g = row_begin / 16; g * 16 < row_end; ++g) {                                                       \
            const __m512 v = x16_group_##t(groups + g * nb, x_act, nb);                                                \
            /* only the rows asked for (a range need not be group-aligned) */                                          \
            const size_t first = g * 16 < row_begin ? row_begin - g * 16 : 0;                                          \
            const size_t last = g * 16 + 16 > row_end ? row_end - g * 16 : 16;                                         \
            const __mmask16 keep = (__mmask16)(((1u << last) - 1) & ~((1u << first) - 1));                             \
            _mm512_mask_storeu_ps(out + g * 16, keep, v);                                                              \
        }                                                                                                              \
    }
#define LLMBM_X16_BLOCK_q4_Kx16 LLMBM_QK_K /* elements per block of each row */
#define LLMBM_X16_BLOCK_q4_0x16 LLMBM_QK4_0
