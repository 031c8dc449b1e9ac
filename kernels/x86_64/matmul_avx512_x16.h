/* Multi-token mat-muls of the interleaved layouts (Q4_0x16, Q4_Kx16) for the
 * AVX-512 levels: included by matmul_avx512.c and matmul_avx512vnni.c after
 * vec_dot_avx512_body.h (dot_u8i8, fp16_f32) and vec_dot_avx512_x16.h (the
 * one-token kernels, x16_bytes, x16_six_bits).
 *
 * Each weight register (64 bytes: 8 elements of 16 rows) is loaded and its
 * nibbles split once, then dotted with T tokens' broadcast activations. Per
 * token the work is x16_group_<t>'s, operation for operation: the same exact
 * integer sums, then the same float multiplies and adds in the same order,
 * so lane r of token t is bit for bit that level's matvec_rows on row r. */
#pragma once

#include <immintrin.h>

#include "matmul_kernels.h"
#include "quant_formats.h"

#define MM_X16_TOKENS     4 /* tokens per pass (at most; 5..8 measured no faster for Q4_0x16) */
#define MM_TOKENS_q4_0x16 4
#define MM_TOKENS_q4_Kx16 2

/* The activation block i of token t. */
#define MM_ACT(type, act, stride, t, i) ((const type *)((const uint8_t *)(act) + (t) * (stride)) + (i))

/* 8 * sum(y) of a Q8_0 block, exact (as x16_group_q4_0x16). */
static inline int32_t mm_sum_q8_0(const block_q8_0 *y)
{
    const __m256i y32 = _mm256_loadu_si256((const __m256i *)y->qs);
    const __m256i pairs = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_set1_epi8(1), y32), _mm256_set1_epi16(1));
    const __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(pairs), _mm256_extracti128_si256(pairs, 1));
    const __m128i s2 = _mm_add_epi32(s4, _mm_unpackhi_epi64(s4, s4));
    return _mm_cvtsi128_si32(_mm_add_epi32(s2, _mm_shuffle_epi32(s2, 1)));
}

static inline int32_t mm_word(const int8_t *p)
{
    int32_t v;
    __builtin_memcpy(&v, p, 4);
    return v;
}

/* -8 * sum(y) of a Q8_0 block depends on the token alone, so a pass computes
 * it once for every group of its range: sums[t][i] for blocks i < MM_SUM_CAP
 * (4 KiB of stack: the firmware runs this on APs whose stacks are typically
 * 32 KiB); blocks beyond (rows past 8192 elements) compute it where they use
 * it. */
#define MM_SUM_CAP 256
typedef int32_t mm_sums[MM_X16_TOKENS][MM_SUM_CAP];

static inline __attribute__((always_inline)) void mm_prep_q4_0x16(const void *act, size_t stride, size_t nb,
                                                                  mm_sums sums, const int T)
{
    for (int t = 0; t < T; ++t)
        for (size_t i = 0; i < nb && i < MM_SUM_CAP; ++i)
            sums[t][i] = -8 * mm_sum_q8_0(MM_ACT(block_q8_0, act, stride, t, i));
}

static inline __attribute__((always_inline)) void mm_prep_q4_Kx16(const void *act, size_t stride, size_t nb,
                                                                  mm_sums sums, const int T)
{
    (void)act, (void)stride, (void)nb, (void)sums, (void)T;
}

static inline __attribute__((always_inline)) void mm_group_q4_0x16(const block_q4_0x16 *g, const void *act,
                                                                   size_t stride, size_t nb, mm_sums sums, __m512 *acc,
                                                                   const int T)
{
    const __m512i m4 = _mm512_set1_epi8(0xF);
    for (int t = 0; t < T; ++t) acc[t] = _mm512_setzero_ps();
    for (size_t i = 0; i < nb; ++i) {
        const block_q4_0x16 *b = &g[i];
        for (int line = 0; line < 5; ++line) _mm_prefetch((const char *)b + X16_PF_BYTES + 64 * line, _MM_HINT_T1);
        __m512i lo[4], hi[4];
        for (int k = 0; k < 4; ++k) {
            const __m512i raw = _mm512_loadu_si512(b->qs[k]);
            lo[k] = _mm512_and_si512(raw, m4);
            hi[k] = _mm512_and_si512(_mm512_srli_epi16(raw, 4), m4);
        }
        const __m512 dw = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)b->d));
        for (int t = 0; t < T; ++t) {
            const block_q8_0 *y = MM_ACT(block_q8_0, act, stride, t, i);
            const int32_t nsum = i < MM_SUM_CAP ? sums[t][i] : -8 * mm_sum_q8_0(y);
            __m512i lo_sum = _mm512_set1_epi32(nsum), hi_sum = _mm512_setzero_si512();
            for (int k = 0; k < 4; ++k) {
                lo_sum = dot_u8i8(lo_sum, lo[k], _mm512_set1_epi32(mm_word(y->qs + 4 * k)));
                hi_sum = dot_u8i8(hi_sum, hi[k], _mm512_set1_epi32(mm_word(y->qs + 16 + 4 * k)));
            }
            const __m512i sumi = _mm512_add_epi32(lo_sum, hi_sum);
            const __m512 d = _mm512_mul_ps(dw, _mm512_set1_ps(fp16_f32(y->d)));
            acc[t] = _mm512_add_ps(acc[t], _mm512_mul_ps(d, _mm512_cvtepi32_ps(sumi)));
        }
    }
}

static inline __attribute__((always_inline)) void mm_group_q4_Kx16(const block_q4_Kx16 *g, const void *act,
                                                                   size_t stride, size_t nb, mm_sums sums, __m512 *acc,
                                                                   const int T)
{
    (void)sums;
    const __m512i m4 = _mm512_set1_epi8(0xF);
    for (int t = 0; t < T; ++t) acc[t] = _mm512_setzero_ps();
    for (size_t i = 0; i < nb; ++i) {
        const block_q4_Kx16 *b = &g[i];
        for (int line = 0; line < 4; ++line) _mm_prefetch((const char *)b + X16_PF_BYTES + 64 * line, _MM_HINT_T1);
        __m512i isum[MM_X16_TOKENS];
        for (int t = 0; t < T; ++t) isum[t] = _mm512_setzero_si512();
        for (int c = 0; c < 4; ++c) {
            __m512i sa[MM_X16_TOKENS][2], sb[MM_X16_TOKENS][2];
            for (int t = 0; t < T; ++t) sa[t][0] = sa[t][1] = sb[t][0] = sb[t][1] = _mm512_setzero_si512();
            for (int k = 0; k < 8; ++k) {
                _mm_prefetch((const char *)b->qs[c][k] + X16_PF_BYTES, _MM_HINT_T1);
                const __m512i raw = _mm512_loadu_si512(b->qs[c][k]);
                const __m512i lo = _mm512_and_si512(raw, m4);
                const __m512i hi = _mm512_and_si512(_mm512_srli_epi16(raw, 4), m4);
                for (int t = 0; t < T; ++t) {
                    const block_q8_K *y = MM_ACT(block_q8_K, act, stride, t, i);
                    sa[t][k & 1] = dot_u8i8(sa[t][k & 1], lo, _mm512_set1_epi32(mm_word(y->qs + 64 * c + 4 * k)));
                    sb[t][k & 1] = dot_u8i8(sb[t][k & 1], hi, _mm512_set1_epi32(mm_word(y->qs + 64 * c + 32 + 4 * k)));
                }
            }
            const __m512i lo32 = x16_bytes(b->sc_lo[c]), hi32 = x16_bytes(b->sc_hi[c / 2]);
            const __m512i sc_a = x16_six_bits(lo32, 0, hi32, (2 * c) % 4);
            const __m512i sc_b = x16_six_bits(lo32, 1, hi32, (2 * c + 1) % 4);
            for (int t = 0; t < T; ++t) {
                isum[t] = _mm512_add_epi32(isum[t], _mm512_mullo_epi32(_mm512_add_epi32(sa[t][0], sa[t][1]), sc_a));
                isum[t] = _mm512_add_epi32(isum[t], _mm512_mullo_epi32(_mm512_add_epi32(sb[t][0], sb[t][1]), sc_b));
            }
        }
        /* the mins, unpacked once for all the tokens, sub-blocks 2p and 2p + 1 as the int16 halves of lane r,
         * so that one vpmaddwd per pair adds min_2p * bsum_2p + min_2p+1 * bsum_2p+1 (mins < 64, bsum pairs
         * within +-4096: exact, and integer sums do not depend on their order) */
        __m512i mins[4];
        for (int p = 0; p < 4; ++p) {
            const __m512i lo32 = x16_bytes(b->mn_lo[p]), hi32 = x16_bytes(b->mn_hi[p / 2]);
            mins[p] = _mm512_or_si512(x16_six_bits(lo32, 0, hi32, (2 * p) % 4),
                                      _mm512_slli_epi32(x16_six_bits(lo32, 1, hi32, (2 * p + 1) % 4), 16));
        }
        const __m512 d16 = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)b->d));
        const __m512 dmin16 = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)b->dmin));
        for (int t = 0; t < T; ++t) {
            const block_q8_K *y = MM_ACT(block_q8_K, act, stride, t, i);
            /* the 16 bsums summed in pairs: word p = bsum of sub-block p (two groups of 16) */
            const __m256i bs = _mm256_loadu_si256((const __m256i *)y->bsums);
            const __m256i pairs = _mm256_madd_epi16(bs, _mm256_set1_epi16(1)); /* int32 x 8 */
            const __m256i words = _mm256_packs_epi32(pairs, pairs);            /* int16, exact: |sum| <= 4096 */
            int32_t pair[8]; /* pair[p] = [bsum 2p | bsum 2p+1] as int16 halves, p < 4 */
            _mm256_storeu_si256((__m256i *)pair, _mm256_permute4x64_epi64(words, 0x88));
            __m512i msum = _mm512_setzero_si512();
            for (int p = 0; p < 4; ++p) msum = madd16_acc(msum, mins[p], _mm512_set1_epi32(pair[p]));
            const __m512 dy = _mm512_set1_ps(y->d);
            const __m512 dall = _mm512_mul_ps(d16, dy), dmin = _mm512_mul_ps(dmin16, dy);
            acc[t] = _mm512_add_ps(acc[t], _mm512_sub_ps(_mm512_mul_ps(dall, _mm512_cvtepi32_ps(isum[t])),
                                                         _mm512_mul_ps(dmin, _mm512_cvtepi32_ps(msum))));
        }
    }
}

/* Stores lane r of v to out[g * 16 + r] for the rows of [row_begin, row_end) only. */
static inline void mm_store_rows(float *out, size_t g, size_t row_begin, size_t row_end, __m512 v)
{
    const size_t first = g * 16 < row_begin ? row_begin - g * 16 : 0;
    const size_t last = g * 16 + 16 > row_end ? row_end - g * 16 : 16;
    _mm512_mask_storeu_ps(out + g * 16, (__mmask16)(((1u << last) - 1) & ~((1u << first) - 1)), v);
}

/* The level's matmul_rows for an interleaved type t: MM_X16_TOKENS tokens
 * at a time (their activations stay in L1) over every group of the range
 * (the caller's row block, in L2), then the rest in one shorter pass. */
#define MM_X16_PASS(t, T)                                                                                              \
    mm_prep_##t(act, act_stride, nb, sums, T);                                                                         \
    for (size_t g = row_begin / 16; g * 16 < row_end; ++g) {                                                           \
        __m512 acc[MM_X16_TOKENS];                                                                                     \
        mm_group_##t(groups + g * nb, act, act_stride, nb, sums, acc, T);                                              \
        for (int j = 0; j < T; ++j) mm_store_rows(o + j * out_stride, g, row_begin, row_end, acc[j]);                  \
    }
#define LLMBM_X16_MATMUL_ENTRY_POINTS(t, level)                                                                        \
    void LLMBM_KSYM(matmul_rows, t, level)(const llmbm_weight *w, const void *x_act, size_t act_stride, size_t n_tok,  \
                                           float *out, size_t out_stride, size_t row_begin, size_t row_end)            \
    {                                                                                                                  \
        const size_t nb = w->cols / LLMBM_X16_BLOCK_##t;                                                               \
        const block_##t *groups = w->data;                                                                             \
        mm_sums sums;                                                                                                  \
        size_t tok = 0;                                                                                                \
        for (; tok < n_tok; tok += MM_TOKENS_##t) {                                                                    \
            const uint8_t *act = (const uint8_t *)x_act + tok * act_stride;                                            \
            float *o = out + tok * out_stride;                                                                         \
            switch (n_tok - tok < MM_TOKENS_##t ? n_tok - tok : MM_TOKENS_##t) {                                       \
                case 1: MM_X16_PASS(t, 1) break;                                                                       \
                case 2: MM_X16_PASS(t, 2) break;                                                                       \
                case 3: MM_X16_PASS(t, 3) break;                                                                       \
                case 4: MM_X16_PASS(t, 4) break;                                                                       \
                default: break;                                                                                        \
            }                                                                                                          \
        }                                                                                                              \
    }
