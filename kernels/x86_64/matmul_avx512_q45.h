/* Multi-token mat-muls of Q4_1, Q5_0 and Q5_1 for the AVX-512 levels:
 * included by matmul_avx512.c and matmul_avx512vnni.c after
 * vec_dot_avx512_q45_body.h, whose rows_<t> (ROWS_Q45) they reproduce.
 *
 * rows_<t> shares a group of four blocks' activation work between R rows;
 * here each row's four blocks are also loaded, split into nibbles (and given
 * their 5th bits) and their scales unpacked once for T tokens. Per (row,
 * token) the operations and their order are rows_<t>'s: the same integer
 * dot, acc = fma(cvt(sumi), d_w * d_y, acc), accm = fma(m, s, accm) for the
 * _1 types, full 16-block groups then the short tail, the same final sum;
 * so each result is that level's matvec_rows bit for bit. */
#pragma once

#include <immintrin.h>

#include "matmul_kernels.h"
#include "quant_formats.h"

#define MM_Q45_ROWS   4
#define MM_Q45_TOKENS 3 /* 4 x 3 measured best of 2..4 x 2..4 */

/* A row's four blocks as unsigned quants, the layout quad_<t> dots. */
struct mm_q45_w {
    __m512i lo, hi;
};

static inline struct mm_q45_w mm_q45_split(__m512i raw)
{
    const __m512i m4 = _mm512_set1_epi8(0x0F);
    struct mm_q45_w q = {_mm512_and_si512(raw, m4), _mm512_and_si512(_mm512_srli_epi16(raw, 4), m4)};
    return q;
}

static inline struct mm_q45_w mm_unpack_q4_1(const block_q4_1 *w, int cnt)
{
    return mm_q45_split(load_quad(w->qs, sizeof *w, cnt));
}

#define MM_UNPACK_Q5(t)                                                                                                \
    static inline struct mm_q45_w mm_unpack_##t(const block_##t *w, int cnt)                                           \
    {                                                                                                                  \
        const __m512i k16 = _mm512_set1_epi8(16);                                                                      \
        struct mm_q45_w q = mm_q45_split(load_quad(w->qs, sizeof *w, cnt));                                            \
        q.lo = _mm512_mask_add_epi8(q.lo, qh_quad_mask(w->qh, sizeof *w, cnt, 0), q.lo, k16);                          \
        q.hi = _mm512_mask_add_epi8(q.hi, qh_quad_mask(w->qh, sizeof *w, cnt, 1), q.hi, k16);                          \
        return q;                                                                                                      \
    }
MM_UNPACK_Q5(q5_0)
MM_UNPACK_Q5(q5_1)

/* One (row, token) step of a group: rows_<t>'s float operations. */
#define MM_Q45_STEP(q, s, a, acc, accm, has_min)                                                                       \
    do {                                                                                                               \
        const __m512i sumi = dot2_u8i8((a).nksum, (q).lo, (a).ylo, (q).hi, (a).yhi);                                   \
        (acc) = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sumi), _mm512_mul_ps((s).d, (a).dy), (acc));                        \
        if (has_min) (accm) = _mm_fmadd_ps((s).m, (a).sy, (accm));                                                     \
    } while (0)

#define MM_ROWS_Q45(t, yblock, k, has_min)                                                                             \
    static inline __attribute__((always_inline)) void mm_rows_##t(const uint8_t *w0, size_t stride,                    \
                                                                  const yblock *const *y, size_t n, float *out,        \
                                                                  size_t out_stride, const int R, const int T)         \
    {                                                                                                                  \
        const size_t nb = n / 32;                                                                                      \
        const size_t qs_off = offsetof(yblock, qs);                                                                    \
        const __m512i lane_block = _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);                  \
        __m512 acc[MM_Q45_ROWS][MM_Q45_TOKENS];                                                                        \
        __m128 accm[MM_Q45_ROWS][MM_Q45_TOKENS];                                                                       \
        for (int r = 0; r < R; ++r)                                                                                    \
            for (int j = 0; j < T; ++j) {                                                                              \
                acc[r][j] = _mm512_setzero_ps();                                                                       \
                accm[r][j] = _mm_setzero_ps();                                                                         \
            }                                                                                                          \
        size_t i = 0;                                                                                                  \
        for (; i + 16 <= nb; i += 16) {                                                                                \
            __m512 dy16[MM_Q45_TOKENS], sy16[MM_Q45_TOKENS];                                                           \
            for (int j = 0; j < T; ++j) {                                                                              \
                dy16[j] = gather_d16(&y[j][i], (int)sizeof(yblock));                                                   \
                sy16[j] =                                                                                              \
                    has_min ? gather_d16((const uint8_t *)&y[j][i] + 2, (int)sizeof(yblock)) : _mm512_setzero_ps();    \
            }                                                                                                          \
            for (int q = 0; q < 4; ++q) {                                                                              \
                const size_t b = i + 4 * (size_t)q;                                                                    \
                const __m512i qi = _mm512_set1_epi32(4 * q);                                                           \
                struct act_quad a[MM_Q45_TOKENS];                                                                      \
                for (int j = 0; j < T; ++j) {                                                                          \
                    act_quad_quants(&a[j], &y[j][b], sizeof(yblock), qs_off, 4, k);                                    \
                    a[j].dy = _mm512_permutexvar_ps(_mm512_add_epi32(qi, lane_block), dy16[j]);                        \
                    a[j].sy = _mm512_castps512_ps128(_mm512_permutexvar_ps(                                            \
                        _mm512_add_epi32(qi, _mm512_castsi128_si512(_mm_setr_epi32(0, 1, 2, 3))), sy16[j]));           \
                }                                                                                                      \
                for (int r = 0; r < R; ++r) {                                                                          \
                    const block_##t *w = (const block_##t *)(const void *)(w0 + (size_t)r * stride) + b;               \
                    if (R > 1) {                                                                                       \
                        _mm_prefetch((const char *)w + 2 * MM_Q45_ROWS * stride, _MM_HINT_T1);                         \
                        _mm_prefetch((const char *)w + 2 * MM_Q45_ROWS * stride + 64, _MM_HINT_T1);                    \
                    }                                                                                                  \
                    const struct mm_q45_w qw = mm_unpack_##t(w, 4);                                                    \
                    const struct w_scales s = scales_##t(w);                                                           \
                    for (int j = 0; j < T; ++j) MM_Q45_STEP(qw, s, a[j], acc[r][j], accm[r][j], has_min);              \
                }                                                                                                      \
            }                                                                                                          \
        }                                                                                                              \
        for (; i < nb; i += 4) {                                                                                       \
            const int cnt = nb - i < 4 ? (int)(nb - i) : 4;                                                            \
            struct act_quad a[MM_Q45_TOKENS];                                                                          \
            for (int j = 0; j < T; ++j) {                                                                              \
                act_quad_quants(&a[j], &y[j][i], sizeof(yblock), qs_off, cnt, k);                                      \
                a[j].dy = quad_fp16_x4(&y[j][i], sizeof(yblock), 0, cnt);                                              \
                a[j].sy = has_min ? quad_fp16_x1(&y[j][i], sizeof(yblock), 2, cnt) : _mm_setzero_ps();                 \
            }                                                                                                          \
            for (int r = 0; r < R; ++r) {                                                                              \
                const block_##t *w = (const block_##t *)(const void *)(w0 + (size_t)r * stride) + i;                   \
                const struct mm_q45_w qw = mm_unpack_##t(w, cnt);                                                      \
                const struct w_scales s = cnt == 4 ? scales_##t(w) : scales_tail_##t(w, cnt);                          \
                for (int j = 0; j < T; ++j) MM_Q45_STEP(qw, s, a[j], acc[r][j], accm[r][j], has_min);                  \
            }                                                                                                          \
        }                                                                                                              \
        for (int r = 0; r < R; ++r)                                                                                    \
            for (int j = 0; j < T; ++j)                                                                                \
                out[(size_t)j * out_stride + r] = _mm512_reduce_add_ps(acc[r][j]) + simd_hsum_ps128(accm[r][j]);       \
    }                                                                                                                  \
    static inline __attribute__((always_inline)) void mm_##t##_tokens(const llmbm_weight *w, const yblock *const *y,   \
                                                                      float *out, size_t out_stride, size_t row_begin, \
                                                                      size_t row_end, const int T)                     \
    {                                                                                                                  \
        const size_t stride = llmbm_row_bytes(w->type, w->cols);                                                       \
        const uint8_t *row = (const uint8_t *)w->data + row_begin * stride;                                            \
        size_t r = row_begin;                                                                                          \
        for (; r + MM_Q45_ROWS <= row_end; r += MM_Q45_ROWS, row += MM_Q45_ROWS * stride)                              \
            mm_rows_##t(row, stride, y, w->cols, out + r, out_stride, MM_Q45_ROWS, T);                                 \
        for (; r < row_end; ++r, row += stride) mm_rows_##t(row, 0, y, w->cols, out + r, out_stride, 1, T);            \
    }

MM_ROWS_Q45(q4_1, block_q8_1, 0, 1)
MM_ROWS_Q45(q5_0, block_q8_0, 16, 0)
MM_ROWS_Q45(q5_1, block_q8_1, 0, 1)

#define MM_ABLOCK_q4_1 block_q8_1
#define MM_ABLOCK_q5_0 block_q8_0
#define MM_ABLOCK_q5_1 block_q8_1

/* Tokens MM_Q45_TOKENS at a time over the range's rows, the rest one by one. */
#define LLMBM_Q45_MATMUL_ENTRY_POINTS(t, level)                                                                        \
    void LLMBM_KSYM(matmul_rows, t, level)(const llmbm_weight *w, const void *x_act, size_t act_stride, size_t n_tok,  \
                                           float *out, size_t out_stride, size_t row_begin, size_t row_end)            \
    {                                                                                                                  \
        for (size_t tok = 0; tok < n_tok; tok += MM_Q45_TOKENS) {                                                      \
            const MM_ABLOCK_##t *y[MM_Q45_TOKENS];                                                                     \
            const size_t T = n_tok - tok < MM_Q45_TOKENS ? n_tok - tok : MM_Q45_TOKENS;                                \
            for (size_t j = 0; j < T; ++j)                                                                             \
                y[j] = (const MM_ABLOCK_##t *)(const void *)((const uint8_t *)x_act + (tok + j) * act_stride);         \
            float *o = out + tok * out_stride;                                                                         \
            if (T == MM_Q45_TOKENS)                                                                                    \
                mm_##t##_tokens(w, y, o, out_stride, row_begin, row_end, MM_Q45_TOKENS);                               \
            else                                                                                                       \
                for (size_t j = 0; j < T; ++j)                                                                         \
                    mm_##t##_tokens(w, &y[j], o + j * out_stride, out_stride, row_begin, row_end, 1);                  \
        }                                                                                                              \
    }
