/* The multi-token Q8_0 mat-mul of the AVX-512 levels: included by
 * matmul_avx512.c and matmul_avx512vnni.c after vec_dot_avx512_body.h,
 * whose rows_q8_0 (ROWS_32) is the one-token kernel this one reproduces.
 *
 * rows_q8_0 runs R rows over one activation: per block pair it prepares the
 * activation once (quants, -128 * sum, scales) for all rows. Here R rows run
 * over T activations, so in addition each row's weight pair is loaded, its
 * sign handled and its two fp16 scales unpacked once for the T tokens. Per
 * (row, token) the operations and their order are rows_q8_0's: the same
 * integer dot, d = cvt(d_w) * d_y, acc = fma(cvt(sumi), d, acc) over the
 * pairs in block order (the 16-block steps, then the odd tail), then
 * _mm512_reduce_add_ps; so each result is that level's matvec_rows bit for
 * bit. */
#pragma once

#include <immintrin.h>

#include "matmul_kernels.h"
#include "quant_formats.h"

#define MM_Q8_ROWS   4 /* rows per pass (rows_q8_0's ROWS_MAX) */
#define MM_Q8_TOKENS 4 /* tokens per pass (4 x 4 measured best of 2..8 x 2..5 here; some spill) */

/* The weight side of a block pair of one row, shared by the tokens. */
struct mm_q8_w {
    __m512i q;     /* VNNI: w ^ 0x80; else |w| */
    __mmask64 neg; /* else: the lanes whose w < 0 */
};

static inline struct mm_q8_w mm_q8_weights(const block_q8_0 *w, size_t i, size_t j)
{
    const __m512i qw = load_2x256(w[i].qs, w[j].qs);
    struct mm_q8_w out;
#ifdef LLMBM_AVX512_VNNI
    out.q = _mm512_xor_si512(qw, _mm512_set1_epi8((char)0x80));
    out.neg = 0;
#else
    out.q = _mm512_abs_epi8(qw);
    out.neg = _mm512_movepi8_mask(qw);
#endif
    return out;
}

/* pair_q8_0's integer dot from the shared weight side. */
static inline __m512i mm_q8_dot(const struct mm_q8_w *w, const struct act_pair *a)
{
#ifdef LLMBM_AVX512_VNNI
    return dot_u8i8(a->nksum, w->q, a->qy);
#else
    const __m512i sy = _mm512_mask_sub_epi8(a->qy, w->neg, _mm512_setzero_si512(), a->qy);
    return dot_u8i8(_mm512_setzero_si512(), w->q, sy);
#endif
}

static inline __attribute__((always_inline)) void mm_q8_pair_step(const uint8_t *w0, size_t stride,
                                                                  const block_q8_0 *const *y, size_t i, int p,
                                                                  const int R, const int T, __m512i k,
                                                                  const __m512 *dy16, __m512 (*acc)[MM_Q8_TOKENS])
{
    const __m512i d_words = _mm512_castsi256_si512(
        _mm256_inserti128_si256(_mm256_setzero_si256(), _mm_set1_epi16((short)(sizeof(block_q8_0) / 2)), 1));
    const size_t b = i + 2 * (size_t)p;
    struct act_pair a[MM_Q8_TOKENS];
    __m512 dy[MM_Q8_TOKENS];
    for (int t = 0; t < T; ++t) {
        a[t] = act_pair_q8_0(y[t], b, b + 1, k);
        dy[t] = _mm512_permutexvar_ps(_mm512_inserti64x4(_mm512_set1_epi32(2 * p), _mm256_set1_epi32(2 * p + 1), 1),
                                      dy16[t]);
    }
    for (int r = 0; r < R; ++r) {
        const block_q8_0 *w = (const block_q8_0 *)(const void *)(w0 + (size_t)r * stride);
        if (R > 1) {
            _mm_prefetch((const char *)&w[b] + 2 * MM_Q8_ROWS * stride, _MM_HINT_T1);
            _mm_prefetch((const char *)&w[b] + 2 * MM_Q8_ROWS * stride + 64, _MM_HINT_T1);
        }
        const struct mm_q8_w wq = mm_q8_weights(w, b, b + 1);
        const __m512i win = _mm512_loadu_si512(&w[b]);
        const __m512 dw = _mm512_cvtph_ps(_mm512_castsi512_si256(_mm512_permutexvar_epi16(d_words, win)));
        for (int t = 0; t < T; ++t) {
            const __m512i sumi = mm_q8_dot(&wq, &a[t]);
            const __m512 d = _mm512_mul_ps(dw, dy[t]);
            acc[r][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sumi), d, acc[r][t]);
        }
    }
}

/* out[t * out_stride + r] for r < R rows at w0 and t < T activations at y[t]. */
static inline __attribute__((always_inline)) void mm_rows_q8_0(const uint8_t *w0, size_t stride,
                                                               const block_q8_0 *const *y, size_t nb, float *out,
                                                               size_t out_stride, const int R, const int T)
{
    const __m512i k = _mm512_set1_epi8((char)(Q8_0_OFFSET));
    __m512 acc[MM_Q8_ROWS][MM_Q8_TOKENS];
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) acc[r][t] = _mm512_setzero_ps();
    size_t i = 0;
    while (i + 2 <= nb) { /* up to 16 blocks, in pairs; a row's odd last one below */
        const size_t g = (nb - i < 16 ? nb - i : 16) & ~(size_t)1;
        __m512 dy16[MM_Q8_TOKENS];
        if (g == 16) {
            for (int t = 0; t < T; ++t) dy16[t] = gather_d16(&y[t][i], (int)sizeof(block_q8_0));
            for (int p = 0; p < 8; ++p) mm_q8_pair_step(w0, stride, y, i, p, R, T, k, dy16, acc);
        } else {
            const __mmask16 have = (__mmask16)((1u << g) - 1);
            for (int t = 0; t < T; ++t) dy16[t] = gather_d16_masked(&y[t][i], (int)sizeof(block_q8_0), have);
            for (int p = 0; p < (int)(g / 2); ++p) mm_q8_pair_step(w0, stride, y, i, p, R, T, k, dy16, acc);
        }
        i += g;
    }
    for (; i < nb; i += 2) {
        const size_t j = i + 1 < nb ? i + 1 : i;
        struct act_pair a[MM_Q8_TOKENS];
        for (int t = 0; t < T; ++t) a[t] = act_pair_q8_0(y[t], i, j, k);
        for (int r = 0; r < R; ++r) {
            const block_q8_0 *w = (const block_q8_0 *)(const void *)(w0 + (size_t)r * stride);
            const struct mm_q8_w wq = mm_q8_weights(w, i, j);
            const __m512 dw = pair_fp16(w[i].d, w[j].d);
            for (int t = 0; t < T; ++t) {
                const __m512i sumi = mm_q8_dot(&wq, &a[t]);
                const __m512 d = _mm512_mul_ps(dw, a[t].dy);
                acc[r][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sumi), d, acc[r][t]);
            }
        }
    }
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) out[(size_t)t * out_stride + r] = _mm512_reduce_add_ps(acc[r][t]);
}

/* Rows 4 at a time, then one by one (as matvec_rows), for T tokens. */
static inline __attribute__((always_inline)) void mm_q8_0_tokens(const llmbm_weight *w, const block_q8_0 *const *y,
                                                                 float *out, size_t out_stride, size_t row_begin,
                                                                 size_t row_end, const int T)
{
    const size_t stride = llmbm_row_bytes(LLMBM_Q8_0, w->cols), nb = w->cols / 32;
    const uint8_t *row = (const uint8_t *)w->data + row_begin * stride;
    size_t r = row_begin;
    for (; r + MM_Q8_ROWS <= row_end; r += MM_Q8_ROWS, row += MM_Q8_ROWS * stride)
        mm_rows_q8_0(row, stride, y, nb, out + r, out_stride, MM_Q8_ROWS, T);
    for (; r < row_end; ++r, row += stride) mm_rows_q8_0(row, 0, y, nb, out + r, out_stride, 1, T);
}

#define LLMBM_Q8_0_MATMUL_ENTRY_POINTS(t, level)                                                                       \
    void LLMBM_KSYM(matmul_rows, t, level)(const llmbm_weight *w, const void *x_act, size_t act_stride, size_t n_tok,  \
                                           float *out, size_t out_stride, size_t row_begin, size_t row_end)            \
    {                                                                                                                  \
        for (size_t tok = 0; tok < n_tok; tok += MM_Q8_TOKENS) {                                                       \
            const block_q8_0 *y[MM_Q8_TOKENS];                                                                         \
            const size_t T = n_tok - tok < MM_Q8_TOKENS ? n_tok - tok : MM_Q8_TOKENS;                                  \
            for (size_t t = 0; t < T; ++t)                                                                             \
                y[t] = (const block_q8_0 *)(const void *)((const uint8_t *)x_act + (tok + t) * act_stride);            \
            float *o = out + tok * out_stride;                                                                         \
            if (T == MM_Q8_TOKENS)                                                                                     \
                mm_q8_0_tokens(w, y, o, out_stride, row_begin, row_end, MM_Q8_TOKENS);                                 \
            else                                                                                                       \
                for (size_t t = 0; t < T; ++t)                                                                         \
                    mm_q8_0_tokens(w, &y[t], o + t * out_stride, out_stride, row_begin, row_end, 1);                   \
        }                                                                                                              \
    }
