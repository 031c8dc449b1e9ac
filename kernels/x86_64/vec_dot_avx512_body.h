/* The AVX-512 row dots, shared by two levels: vec_dot_avx512.c (F/BW/DQ/VL,
 * integer dots by maddubs+madd) and vec_dot_avx512vnni.c (the same code with
 * vpdpbusd). Each includes this after defining LLMBM_AVX512_SUFFIX, and
 * LLMBM_AVX512_VNNI for the latter; both are compiled with their level's
 * flags only. 512-bit registers hold two 32-element blocks, or 64 elements
 * of a K-quant super-block, so the op count per weight byte halves. */
#pragma once

#include <immintrin.h>

#include "quant_formats.h"
#include "simd_avx2.h"
#include "row_entry_points.h"

#ifndef LLMBM_AVX512_SUFFIX
#error "define LLMBM_AVX512_SUFFIX before including vec_dot_avx512_body.h"
#endif

static inline float fp16_f32(llmbm_fp16 h) { return _cvtsh_ss(h); }

/* acc + the 4-byte dot products of unsigned u (< 128) and signed s. Without
 * VNNI the int16 pair sums stay below saturation for |u| <= 128, |s| <= 127. */
static inline __m512i dot_u8i8(__m512i acc, __m512i u, __m512i s)
{
#ifdef LLMBM_AVX512_VNNI
    return _mm512_dpbusd_epi32(acc, u, s);
#else
    return _mm512_add_epi32(acc, _mm512_madd_epi16(_mm512_maddubs_epi16(u, s), _mm512_set1_epi16(1)));
#endif
}

/* acc + the int16 pair products of a and b, in int32 lanes (VNNI: one
 * vpdpwssd instead of vpmaddwd + vpaddd). */
static inline __m512i madd16_acc(__m512i acc, __m512i a, __m512i b)
{
#ifdef LLMBM_AVX512_VNNI
    return _mm512_dpwssd_epi32(acc, a, b);
#else
    return _mm512_add_epi32(acc, _mm512_madd_epi16(a, b));
#endif
}

/* [a x 8 | b x 8]: the scales of two blocks sharing a register. */
static inline __m512 two_scales(float a, float b)
{
    return _mm512_insertf32x8(_mm512_set1_ps(a), _mm256_set1_ps(b), 1);
}

static inline __m512i load_2x256(const void *a, const void *b)
{
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)a)),
                              _mm256_loadu_si256((const __m256i *)b), 1);
}

/* ---- float weights ---------------------------------------------------------- */

/* 64 elements per step in four accumulators, then 16 at a time, then a
 * masked load for the rest: no scalar tail, so any n works. */
#define FLOAT_DOT_512(load16, load_tail)                                                                               \
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;                                                        \
    size_t i = 0;                                                                                                      \
    for (; i + 64 <= n; i += 64) {                                                                                     \
        prefetch_ahead(w + i, 64 * sizeof *w);                                                                         \
        a0 = _mm512_fmadd_ps(load16(i), _mm512_loadu_ps(x + i), a0);                                                   \
        a1 = _mm512_fmadd_ps(load16(i + 16), _mm512_loadu_ps(x + i + 16), a1);                                         \
        a2 = _mm512_fmadd_ps(load16(i + 32), _mm512_loadu_ps(x + i + 32), a2);                                         \
        a3 = _mm512_fmadd_ps(load16(i + 48), _mm512_loadu_ps(x + i + 48), a3);                                         \
    }                                                                                                                  \
    for (; i + 16 <= n; i += 16) a0 = _mm512_fmadd_ps(load16(i), _mm512_loadu_ps(x + i), a0);                          \
    if (i < n) {                                                                                                       \
        const __mmask16 m = (__mmask16)((1u << (n - i)) - 1);                                                          \
        a1 = _mm512_fmadd_ps(load_tail(m, i), _mm512_maskz_loadu_ps(m, x + i), a1);                                    \
    }                                                                                                                  \
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)))

static inline float dot_f16(const void *w_row, const void *x_act, size_t n)
{
    const llmbm_fp16 *w = w_row;
    const float *x = x_act;
#define LOAD_F16(i)    _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(w + (i))))
#define TAIL_F16(m, i) _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, w + (i)))
    FLOAT_DOT_512(LOAD_F16, TAIL_F16);
}

/* ---- 32-element blocks, two per register ------------------------------------ */

/* Up to ROWS_MAX rows at once share the activation's loads and the work that
 * depends on it alone; each row keeps its own accumulator and sees the same
 * operations in the same order as when it runs alone (vec_dot), so
 * matvec_rows and vec_dot agree bit for bit. */
#define ROWS_MAX 4

/* The fp16 scales of blocks i and j as [d_i x 8 | d_j x 8] floats. */
static inline __m512 pair_fp16(llmbm_fp16 a, llmbm_fp16 b)
{
    return _mm512_cvtph_ps(_mm256_mask_set1_epi16(_mm256_set1_epi16((short)a), 0xFF00, (short)b));
}

/* The activation's side of a block pair: its quants, its scales (0 for the
 * missing partner of an odd last block, so that one counts at scale 0) and
 * `k * sum(qy)` per 4-byte lane, for offsetting unsigned weight quants. */
struct act_pair {
    __m512i qy;
    __m512 dy;
    __m512i nksum; /* -k * sum(qy): the weight dots start from it */
};

static inline struct act_pair act_pair_q8_0(const block_q8_0 *y, size_t i, size_t j, __m512i k)
{
    struct act_pair a;
    a.qy = load_2x256(y[i].qs, y[j].qs);
    a.dy = pair_fp16(y[i].d, y[j].d);
    if (j == i) a.dy = _mm512_maskz_mov_ps(0x00FF, a.dy);
    a.nksum = _mm512_sub_epi32(_mm512_setzero_si512(), dot_u8i8(_mm512_setzero_si512(), k, a.qy));
    return a;
}

/* Two Q4_0 blocks as 64 unsigned nibbles in element order: each block's 16
 * bytes go to two 128-bit lanes, the second lane of each pair shifted. */
static inline __m512i nibbles_2x32(const uint8_t *a, const uint8_t *b)
{
    const __m512i raw =
        _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)a))),
                           _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)b)), 1);
    return _mm512_and_si512(_mm512_mask_srli_epi16(raw, 0xFF00FF00u, raw, 4), _mm512_set1_epi8(0x0F));
}

/* Q4_0: (q - 8) . y = q . y - 8 * sum(y) with q unsigned. */
static inline __m512i pair_q4_0(const block_q4_0 *w, size_t i, size_t j, const struct act_pair *a)
{
    const __m512i q = nibbles_2x32(w[i].qs, w[j].qs);
    return dot_u8i8(a->nksum, q, a->qy);
}

/* Q8_0, signed x signed. With VNNI: (w + 128) . y - 128 * sum(y), where
 * w + 128 is w ^ 0x80; vpdpbusd does not saturate. Without: |w| and y with
 * w's sign (ggml's trick), as maddubs would saturate on w + 128. */
static inline __m512i pair_q8_0(const block_q8_0 *w, size_t i, size_t j, const struct act_pair *a)
{
    const __m512i qw = load_2x256(w[i].qs, w[j].qs);
#ifdef LLMBM_AVX512_VNNI
    const __m512i u = _mm512_xor_si512(qw, _mm512_set1_epi8((char)0x80));
    return dot_u8i8(a->nksum, u, a->qy);
#else
    const __m512i sy = _mm512_mask_sub_epi8(a->qy, _mm512_movepi8_mask(qw), _mm512_setzero_si512(), a->qy);
    return dot_u8i8(_mm512_setzero_si512(), _mm512_abs_epi8(qw), sy);
#endif
}

#ifdef LLMBM_AVX512_VNNI
#define Q8_0_OFFSET 0x80
#else
#define Q8_0_OFFSET 0 /* nksum unused */
#endif

/* The fp16 `d` fields of 16 consecutive blocks (block_bytes apart, d first)
 * as floats: one gather instead of 16 broadcasts. Each lane reads 4 bytes,
 * d and the block's next 2, which are always inside the block. */
static inline __m512 gather_d16(const void *first, int block_bytes)
{
    const __m512i idx = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                           _mm512_set1_epi32(block_bytes));
    const __m512i raw = _mm512_i32gather_epi32(idx, first, 1);
    return _mm512_cvtph_ps(_mm512_cvtepi32_epi16(raw));
}

/* gather_d16 for the first blocks of `have` only (the rest are 0): a
 * short last group, whose missing blocks must not be read. */
static inline __m512 gather_d16_masked(const void *first, int block_bytes, __mmask16 have)
{
    const __m512i idx = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                           _mm512_set1_epi32(block_bytes));
    const __m512i raw = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), have, idx, first, 1);
    return _mm512_cvtph_ps(_mm512_cvtepi32_epi16(raw));
}

/* rows_<t>(w0, stride, y, nb, out, R): out[r] = dot of row r (at w0 + r *
 * stride) for r < R; R is a constant after inlining. Per row, every block
 * pair adds cvt(sumi) * (d_w * d_y) to one accumulator, in block order;
 * however the scales are fetched (a gather of 16 activation scales, a word
 * permute of the weight row, or broadcasts for the tail), they are the same
 * float products. */
/* Pair p (blocks i + 2p, i + 2p + 1) of R rows, dy16 holding the
 * activation's d of blocks i..i+15. */
#define PAIR_STEP_32(t, wblock, yblock)                                                                                \
    static inline                                                                                                      \
        __attribute__((always_inline)) void pair_step_##t(const uint8_t *w0, size_t stride, const yblock *y, size_t i, \
                                                          int p, const int R, __m512i k, __m512 dy16, __m512 *acc)     \
    {                                                                                                                  \
        const __m512i d_words = _mm512_castsi256_si512(                                                                \
            _mm256_inserti128_si256(_mm256_setzero_si256(), _mm_set1_epi16((short)(sizeof(wblock) / 2)), 1));          \
        const size_t b = i + 2 * (size_t)p;                                                                            \
        const struct act_pair a = act_pair_q8_0(y, b, b + 1, k);                                                       \
        const __m512 dy = _mm512_permutexvar_ps(                                                                       \
            _mm512_inserti64x4(_mm512_set1_epi32(2 * p), _mm256_set1_epi32(2 * p + 1), 1), dy16);                      \
        for (int r = 0; r < R; ++r) {                                                                                  \
            const wblock *w = (const wblock *)(const void *)(w0 + (size_t)r * stride);                                 \
            if (R > 1) { /* the same place 2 * ROWS_MAX rows on; a pair spans 2 lines */                               \
                _mm_prefetch((const char *)&w[b] + 2 * ROWS_MAX * stride, _MM_HINT_T1);                                \
                _mm_prefetch((const char *)&w[b] + 2 * ROWS_MAX * stride + 64, _MM_HINT_T1);                           \
            }                                                                                                          \
            const __m512i sumi = pair_##t(w, b, b + 1, &a);                                                            \
            /* both blocks' d from one load: words 0 and sizeof(wblock) / 2 */                                         \
            const __m512i win = _mm512_loadu_si512(&w[b]);                                                             \
            const __m256i dh = _mm512_castsi512_si256(_mm512_permutexvar_epi16(d_words, win));                         \
            const __m512 d = _mm512_mul_ps(_mm512_cvtph_ps(dh), dy);                                                   \
            acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sumi), d, acc[r]);                                             \
        }                                                                                                              \
    }

#define ROWS_32(t, wblock, yblock, offset)                                                                             \
    PAIR_STEP_32(t, wblock, yblock)                                                                                    \
    static inline void rows_##t(const uint8_t *w0, size_t stride, const void *x_act, size_t n, float *out,             \
                                const int R)                                                                           \
    {                                                                                                                  \
        const yblock *y = x_act;                                                                                       \
        const size_t nb = n / 32;                                                                                      \
        const __m512i k = _mm512_set1_epi8((char)(offset));                                                            \
        __m512 acc[ROWS_MAX];                                                                                          \
        for (int r = 0; r < R; ++r) acc[r] = _mm512_setzero_ps();                                                      \
        size_t i = 0;                                                                                                  \
        while (i + 2 <= nb) { /* up to 16 blocks, in pairs; a row's odd last one below */                              \
            const size_t g = (nb - i < 16 ? nb - i : 16) & ~(size_t)1;                                                 \
            if (g == 16) { /* a constant trip count, so each pair's lane indices fold */                               \
                const __m512 dy16 = gather_d16(&y[i], (int)sizeof(yblock));                                            \
                for (int p = 0; p < 8; ++p) pair_step_##t(w0, stride, y, i, p, R, k, dy16, acc);                       \
            } else {                                                                                                   \
                const __mmask16 have = (__mmask16)((1u << g) - 1);                                                     \
                const __m512 dy16 = gather_d16_masked(&y[i], (int)sizeof(yblock), have);                               \
                for (int p = 0; p < (int)(g / 2); ++p) pair_step_##t(w0, stride, y, i, p, R, k, dy16, acc);            \
            }                                                                                                          \
            i += g;                                                                                                    \
        }                                                                                                              \
        for (; i < nb; i += 2) {                                                                                       \
            const size_t j = i + 1 < nb ? i + 1 : i;                                                                   \
            const struct act_pair a = act_pair_q8_0(y, i, j, k);                                                       \
            for (int r = 0; r < R; ++r) {                                                                              \
                const wblock *w = (const wblock *)(const void *)(w0 + (size_t)r * stride);                             \
                const __m512i sumi = pair_##t(w, i, j, &a);                                                            \
                const __m512 d = _mm512_mul_ps(pair_fp16(w[i].d, w[j].d), a.dy);                                       \
                acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sumi), d, acc[r]);                                         \
            }                                                                                                          \
        }                                                                                                              \
        for (int r = 0; r < R; ++r) out[r] = _mm512_reduce_add_ps(acc[r]);                                             \
    }

/* Q4_0 gets a layout of its own in the 16-block steps: four blocks' 16 quant
 * bytes fill one register, whose low nibbles are elements 0..15 of each
 * block and whose high nibbles are elements 16..31. The activation is
 * loaded in the same order (once for all rows), both nibble halves add into
 * one int32 vector with 4 lanes per block, and one convert + FMA serves four
 * blocks: about a fifth fewer vector uops per weight byte than the pairs. */
static inline __m512i load_4x128(const void *a, const void *b, const void *c, const void *d)
{
    const __m512i ab = _mm512_inserti32x4(_mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)a)),
                                          _mm_loadu_si128((const __m128i *)b), 1);
    const __m512i abc = _mm512_inserti32x4(ab, _mm_loadu_si128((const __m128i *)c), 2);
    return _mm512_inserti32x4(abc, _mm_loadu_si128((const __m128i *)d), 3);
}

static inline void rows_q4_0(const uint8_t *w0, size_t stride, const void *x_act, size_t n, float *out, const int R)
{
    const block_q8_0 *y = x_act;
    const size_t nb = n / 32;
    const __m512i eight = _mm512_set1_epi8(8), m4 = _mm512_set1_epi8(0x0F);
    const __m512i d_words =
        _mm512_castsi256_si512(_mm256_setr_epi16(0, 0, 0, 0, 9, 9, 9, 9, 18, 18, 18, 18, 27, 27, 27, 27));
    __m512 acc[ROWS_MAX];
    for (int r = 0; r < R; ++r) acc[r] = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= nb; i += 16) {
        const __m512 dy16 = gather_d16(&y[i], (int)sizeof(block_q8_0));
        for (int q = 0; q < 4; ++q) {
            const size_t b = i + 4 * (size_t)q;
            const __m512i ylo = load_4x128(y[b].qs, y[b + 1].qs, y[b + 2].qs, y[b + 3].qs);
            const __m512i yhi = load_4x128(y[b].qs + 16, y[b + 1].qs + 16, y[b + 2].qs + 16, y[b + 3].qs + 16);
            /* -8 * sum(y) per 4-byte lane, the dots' starting value */
            const __m512i nksum = _mm512_sub_epi32(_mm512_setzero_si512(),
                                                   dot_u8i8(dot_u8i8(_mm512_setzero_si512(), eight, ylo), eight, yhi));
            /* lanes 4k..4k+3 belong to block b + k */
            const __m512 dy = _mm512_permutexvar_ps(
                _mm512_add_epi32(_mm512_set1_epi32(4 * q),
                                 _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3)),
                dy16);
            for (int r = 0; r < R; ++r) {
                const block_q4_0 *w = (const block_q4_0 *)(const void *)(w0 + (size_t)r * stride);
                if (R > 1) { /* the same place of the row 2 * ROWS_MAX further on: 72 bytes, 2 lines */
                    _mm_prefetch((const char *)&w[b] + 2 * ROWS_MAX * stride, _MM_HINT_T1);
                    _mm_prefetch((const char *)&w[b] + 2 * ROWS_MAX * stride + 64, _MM_HINT_T1);
                }
                const __m512i raw = load_4x128(w[b].qs, w[b + 1].qs, w[b + 2].qs, w[b + 3].qs);
                const __m512i lo = _mm512_and_si512(raw, m4);
                const __m512i hi = _mm512_and_si512(_mm512_srli_epi16(raw, 4), m4);
                const __m512i sumi = dot_u8i8(dot_u8i8(nksum, lo, ylo), hi, yhi);
                /* the four blocks' d are words 0, 9, 18, 27 of their first 64
                 * bytes (18-byte blocks): one load and one word permute
                 * (a gather costs more than the dot itself here) */
                const __m512i win = _mm512_loadu_si512(&w[b]);
                const __m256i dh = _mm512_castsi512_si256(_mm512_permutexvar_epi16(d_words, win));
                const __m512 d = _mm512_mul_ps(_mm512_cvtph_ps(dh), dy);
                acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sumi), d, acc[r]);
            }
        }
    }
    const __m512i k = _mm512_set1_epi8(8);
    for (; i < nb; i += 2) {
        const size_t j = i + 1 < nb ? i + 1 : i;
        const struct act_pair a = act_pair_q8_0(y, i, j, k);
        for (int r = 0; r < R; ++r) {
            const block_q4_0 *w = (const block_q4_0 *)(const void *)(w0 + (size_t)r * stride);
            const __m512i sumi = pair_q4_0(w, i, j, &a);
            const __m512 d = _mm512_mul_ps(pair_fp16(w[i].d, w[j].d), a.dy);
            acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sumi), d, acc[r]);
        }
    }
    for (int r = 0; r < R; ++r) out[r] = _mm512_reduce_add_ps(acc[r]);
}
ROWS_32(q8_0, block_q8_0, block_q8_0, Q8_0_OFFSET)

/* acc + the 4-byte dot products of unsigned u (< 128) and signed s, in 128
 * bits (the tail blocks of a Q4_0P row). */
static inline __m128i dot_u8i8_128(__m128i acc, __m128i u, __m128i s)
{
#ifdef LLMBM_AVX512_VNNI
    return _mm_dpbusd_epi32(acc, u, s);
#else
    return _mm_add_epi32(acc, _mm_madd_epi16(_mm_maddubs_epi16(u, s), _mm_set1_epi16(1)));
#endif
}

/* Q4_0P (the two-plane rows of quant_formats.h): rows_q4_0's arithmetic
 * without its shuffles. Four blocks' quants are one aligned-as-the-row
 * 64-byte load, sixteen blocks' scales one 32-byte load and convert, and
 * their products with the activation's scales one multiply per row; each
 * four-block step then needs one permute to spread its four scales over
 * the four lanes of each block. Per four blocks and row that is 10 vector
 * uops where rows_q4_0 needs about 15, which is what keeps rows_q4_0 from
 * streaming at the memory's speed on cores of ~2 GHz. */
/* One block of a Q4_0P row range at 128-bit width (the 1-3 blocks left
 * over after a short group's four-block steps), into acc_tail. */
static inline void q4_0p_block(const uint8_t *w0, size_t stride, const block_q8_0 *y, size_t nb, size_t i, const int R,
                               __m128 *acc_tail)
{
    const __m128i eight = _mm_set1_epi8(8), m4 = _mm_set1_epi8(0x0F);
    const __m128i ylo = _mm_loadu_si128((const __m128i *)y[i].qs);
    const __m128i yhi = _mm_loadu_si128((const __m128i *)(y[i].qs + 16));
    const __m128i nksum =
        _mm_sub_epi32(_mm_setzero_si128(), dot_u8i8_128(dot_u8i8_128(_mm_setzero_si128(), eight, ylo), eight, yhi));
    const float dy = fp16_f32(y[i].d);
    for (int r = 0; r < R; ++r) {
        const uint8_t *row = w0 + (size_t)r * stride;
        const __m128i raw = _mm_loadu_si128((const __m128i *)(llmbm_q4_0p_quants(row, nb) + 16 * i));
        const __m128i lo = _mm_and_si128(raw, m4);
        const __m128i hi = _mm_and_si128(_mm_srli_epi16(raw, 4), m4);
        const __m128i sumi = dot_u8i8_128(dot_u8i8_128(nksum, lo, ylo), hi, yhi);
        const __m128 d = _mm_set1_ps(fp16_f32(llmbm_q4_0p_scales(row)[i]) * dy);
        acc_tail[r] = _mm_fmadd_ps(_mm_cvtepi32_ps(sumi), d, acc_tail[r]);
    }
}

/* Blocks i + 4q .. i + 4q + 3 of R rows of a Q4_0P range: dd holds the
 * rows' d_w * d_y of blocks i..i+15. */
static inline __attribute__((always_inline)) void q4_0p_quad(const uint8_t *w0, size_t stride, const block_q8_0 *y,
                                                             size_t nb, size_t i, int q, const int R, const __m512 *dd,
                                                             __m512 *acc)
{
    const __m512i eight = _mm512_set1_epi8(8), m4 = _mm512_set1_epi8(0x0F);
    const size_t b = i + 4 * (size_t)q;
    const __m512i ylo = load_4x128(y[b].qs, y[b + 1].qs, y[b + 2].qs, y[b + 3].qs);
    const __m512i yhi = load_4x128(y[b].qs + 16, y[b + 1].qs + 16, y[b + 2].qs + 16, y[b + 3].qs + 16);
    /* -8 * sum(y) per 4-byte lane, the dots' starting value */
    const __m512i nksum =
        _mm512_sub_epi32(_mm512_setzero_si512(), dot_u8i8(dot_u8i8(_mm512_setzero_si512(), eight, ylo), eight, yhi));
    /* lanes 4k..4k+3 belong to block b + k, whose scale is lane 4q + k of dd */
    const __m512i idx =
        _mm512_add_epi32(_mm512_set1_epi32(4 * q), _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3));
    for (int r = 0; r < R; ++r) {
        const uint8_t *qs = llmbm_q4_0p_quants(w0 + (size_t)r * stride, nb) + 16 * b;
        if (R > 1) /* the same 64 bytes 2 * ROWS_MAX rows on */
            _mm_prefetch((const char *)qs + 2 * ROWS_MAX * stride, _MM_HINT_T1);
        const __m512i raw = _mm512_loadu_si512(qs);
        const __m512i lo = _mm512_and_si512(raw, m4);
        const __m512i hi = _mm512_and_si512(_mm512_srli_epi16(raw, 4), m4);
        const __m512i sumi = dot_u8i8(dot_u8i8(nksum, lo, ylo), hi, yhi);
        acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sumi), _mm512_permutexvar_ps(idx, dd[r]), acc[r]);
    }
}

static inline void rows_q4_0p(const uint8_t *w0, size_t stride, const void *x_act, size_t n, float *out, const int R)
{
    const block_q8_0 *y = x_act;
    const size_t nb = n / 32;
    __m512 acc[ROWS_MAX];
    __m128 acc_tail[ROWS_MAX];
    for (int r = 0; r < R; ++r) {
        acc[r] = _mm512_setzero_ps();
        acc_tail[r] = _mm_setzero_ps();
    }
    for (size_t i = 0; i < nb; i += 16) {
        /* up to 16 blocks (fewer at a row's end, e.g. 28 blocks = 16 + 12
         * for 896 columns): their scales in one masked load each */
        const size_t g = nb - i < 16 ? nb - i : 16;
        const __mmask16 have = (__mmask16)((1u << g) - 1);
        const __m512 dy16 = g == 16 ? gather_d16(&y[i], (int)sizeof(block_q8_0))
                                    : gather_d16_masked(&y[i], (int)sizeof(block_q8_0), have);
        __m512 dd[ROWS_MAX];
        for (int r = 0; r < R; ++r) {
            const llmbm_fp16 *scales = llmbm_q4_0p_scales(w0 + (size_t)r * stride) + i;
            if (R > 1) /* this row's scales 2 * ROWS_MAX rows on (32 bytes, at most 2 lines) */
                _mm_prefetch((const char *)scales + 2 * ROWS_MAX * stride, _MM_HINT_T1);
            const __m256i h =
                g == 16 ? _mm256_loadu_si256((const __m256i *)scales) : _mm256_maskz_loadu_epi16(have, scales);
            dd[r] = _mm512_mul_ps(_mm512_cvtph_ps(h), dy16);
        }
        if (g == 16) /* a constant trip count, so each step's lane indices fold */
            for (int q = 0; q < 4; ++q) q4_0p_quad(w0, stride, y, nb, i, q, R, dd, acc);
        else
            for (int q = 0; q < (int)(g / 4); ++q) q4_0p_quad(w0, stride, y, nb, i, q, R, dd, acc);
        for (size_t b = i + g / 4 * 4; b < i + g; ++b) q4_0p_block(w0, stride, y, nb, b, R, acc_tail);
    }
    for (int r = 0; r < R; ++r) {
        const __m128 t2 = _mm_add_ps(acc_tail[r], _mm_movehl_ps(acc_tail[r], acc_tail[r]));
        out[r] = _mm512_reduce_add_ps(acc[r]) + _mm_cvtss_f32(_mm_add_ss(t2, _mm_movehdup_ps(t2)));
    }
}

/* ---- K-quants: 64 elements per register ------------------------------------- */

/* A Q8_K super-block's quants in the order of a K-quant's nibble halves:
 * per h (128 elements), yl[h] = elements 128h + 0..31 and 128h + 64..95 (the
 * low nibbles of 64 quant bytes: sub-blocks 4h and 4h + 2), yh[h] the
 * elements 32 further on (the high nibbles: sub-blocks 4h + 1 and 4h + 3). */
static inline void q8_K_nibble_order(const block_q8_K *y, __m512i yl[2], __m512i yh[2])
{
    for (int h = 0; h < 2; ++h) {
        const int8_t *q8 = y->qs + 128 * h;
        yl[h] = load_2x256(q8, q8 + 64);
        yh[h] = load_2x256(q8 + 32, q8 + 96);
    }
}

/* Q4_K, ROWS_MAX rows per pass: the activation's quants (loaded in the
 * order the nibble halves need) and its pair sums are shared. */
static inline void rows_q4_K(const uint8_t *w0, size_t stride, const void *x_act, size_t n, float *out, const int R)
{
    const block_q8_K *y = x_act;
    const __m512i m4 = _mm512_set1_epi8(0xF);
    __m512 acc[ROWS_MAX];
    __m128 accm[ROWS_MAX];
    for (int r = 0; r < R; ++r) {
        acc[r] = _mm512_setzero_ps();
        accm[r] = _mm_setzero_ps();
    }
    for (size_t i = 0; i < n / LLMBM_QK_K; ++i) {
        /* 128 elements per h: the low nibbles of 64 quant bytes are
         * sub-blocks 4h and 4h + 2, the high ones 4h + 1 and 4h + 3 */
        __m512i yl[2], yh[2];
        q8_K_nibble_order(&y[i], yl, yh);
        const __m256i bsums = _mm256_loadu_si256((const __m256i *)y[i].bsums);
        const __m128i pair_sums = _mm_hadd_epi16(_mm256_castsi256_si128(bsums), _mm256_extracti128_si256(bsums, 1));
        for (int r = 0; r < R; ++r) {
            const block_q4_K *w = (const block_q4_K *)(const void *)(w0 + (size_t)r * stride) + i;
            prefetch_ahead(w, sizeof *w);
            const float d = y[i].d * fp16_f32(w->d);
            const float dmin = -y[i].d * fp16_f32(w->dmin);
            /* 8 scales then 8 mins as int16 */
            const __m256i sc_mn = simd_k4_scales_mins(w->scales);
            const __m128i prod = _mm_madd_epi16(_mm256_extracti128_si256(sc_mn, 1), pair_sums);
            accm[r] = _mm_fmadd_ps(_mm_set1_ps(dmin), _mm_cvtepi32_ps(prod), accm[r]);
            const __m512i sc512 = _mm512_castsi256_si512(sc_mn);
            __m512i sumi = _mm512_setzero_si512();
            for (int h = 0; h < 2; ++h) {
                const __m512i bits = _mm512_loadu_si512(w->qs + 64 * h);
                const __m512i lo = _mm512_and_si512(bits, m4);
                const __m512i hi = _mm512_and_si512(_mm512_srli_epi16(bits, 4), m4);
                /* int16 scale lanes to match: [s_a x 16 | s_b x 16] */
                const __m512i idx_l =
                    _mm512_inserti64x4(_mm512_set1_epi16((short)(4 * h)), _mm256_set1_epi16((short)(4 * h + 2)), 1);
                const __m512i idx_h =
                    _mm512_inserti64x4(_mm512_set1_epi16((short)(4 * h + 1)), _mm256_set1_epi16((short)(4 * h + 3)), 1);
                sumi = madd16_acc(sumi, _mm512_permutexvar_epi16(idx_l, sc512), _mm512_maddubs_epi16(lo, yl[h]));
                sumi = madd16_acc(sumi, _mm512_permutexvar_epi16(idx_h, sc512), _mm512_maddubs_epi16(hi, yh[h]));
            }
            acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(d), _mm512_cvtepi32_ps(sumi), acc[r]);
        }
    }
    for (int r = 0; r < R; ++r) {
        const __m128 m2 = _mm_add_ps(accm[r], _mm_movehl_ps(accm[r], accm[r]));
        out[r] = _mm512_reduce_add_ps(acc[r]) + _mm_cvtss_f32(_mm_add_ss(m2, _mm_movehdup_ps(m2)));
    }
}

static inline float dot_q6_K(const void *w_row, const void *x_act, size_t n)
{
    const block_q6_K *w = w_row;
    const block_q8_K *y = x_act;
    const __m512i m4 = _mm512_set1_epi8(0xF), m2 = _mm512_set1_epi8(3), k32 = _mm512_set1_epi8(32);
    __m512 acc = _mm512_setzero_ps();
    for (size_t i = 0; i < n / LLMBM_QK_K; ++i) {
        prefetch_ahead(&w[i], sizeof w[i]);
        const float d = y[i].d * fp16_f32(w[i].d);
        const __m512i sc16 =
            _mm512_castsi256_si512(_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)w[i].scales)));
        __m512i sumi = _mm512_setzero_si512();
        for (int h = 0; h < 2; ++h) {
            /* elements 128h + 0..63 are chunks p = 0, 1 (ql low nibbles,
             * qh bits 0-1 / 2-3); 64..127 are p = 2, 3 (high nibbles, bits
             * 4-5 / 6-7): one register each */
            const __m256i hb = _mm256_loadu_si256((const __m256i *)(w[i].qh + 32 * h));
            const __m512i l01 = load_2x256(w[i].ql + 64 * h, w[i].ql + 64 * h + 32);
            const __m512i hb2 = _mm512_inserti64x4(_mm512_castsi256_si512(hb), _mm256_srli_epi16(hb, 2), 1);
            const __m512i q[2] = {
                _mm512_or_si512(_mm512_and_si512(l01, m4), _mm512_slli_epi16(_mm512_and_si512(hb2, m2), 4)),
                _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(l01, 4), m4),
                                _mm512_slli_epi16(_mm512_and_si512(_mm512_srli_epi16(hb2, 4), m2), 4)),
            };
            for (int k = 0; k < 2; ++k) {
                const __m512i qy = _mm512_loadu_si512(y[i].qs + 128 * h + 64 * k);
                const __m512i p16 = _mm512_sub_epi16(_mm512_maddubs_epi16(q[k], qy), _mm512_maddubs_epi16(k32, qy));
                /* groups g..g+3 of 16 elements: 8 int16 lanes each */
                const short g = (short)(8 * h + 4 * k);
                const __m512i idx = _mm512_inserti64x4(
                    _mm512_castsi256_si512(_mm256_set_m128i(_mm_set1_epi16((short)(g + 1)), _mm_set1_epi16(g))),
                    _mm256_set_m128i(_mm_set1_epi16((short)(g + 3)), _mm_set1_epi16((short)(g + 2))), 1);
                sumi = madd16_acc(sumi, _mm512_permutexvar_epi16(idx, sc16), p16);
            }
        }
        acc = _mm512_fmadd_ps(_mm512_set1_ps(d), _mm512_cvtepi32_ps(sumi), acc);
    }
    return _mm512_reduce_add_ps(acc);
}

/* Entry points: the including file names them with LLMBM_DOT_ENTRY_POINTS /
 * LLMBM_ROWS_ENTRY_POINTS(t, LLMBM_AVX512_SUFFIX) from row_entry_points.h. */
