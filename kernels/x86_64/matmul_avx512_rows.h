/* Multi-token mat-muls of the AVX-512 levels for types whose one-token
 * kernel is a row dot (dot_<t> of vec_dot_avx512_body.h, one row at a
 * time): F16 and Q6_K. Included by matmul_avx512.c and matmul_avx512vnni.c
 * after that body.
 *
 * Each row's weights are loaded and unpacked (fp16 to f32; Q6_K's 6-bit
 * quants and scales) once per step and dotted with T tokens' activations
 * (F16: R rows at a time, so that an activation load serves R rows too).
 * Per (row, token) the float operations and their order are dot_<t>'s (the
 * same accumulators, steps, tail and final reduction), so each result is
 * that level's matvec_rows bit for bit. */
#pragma once

#include <immintrin.h>

#include "matmul_kernels.h"
#include "quant_formats.h"

#define MM_ROW_TOKENS 4 /* tokens per pass */

/* dot_f16 (FLOAT_DOT_512 with LOAD_F16) of R rows (w, w + stride, ...)
 * against T activations: each x load serves R rows, each converted weight
 * vector T tokens (f32 activations are 4 bytes an element, and from L2 they
 * would bound the loop). */
#define MM_F16_ROWS   2 /* 2 x 3, 3 x 2, 4 x 1 measured alike (53-55 GFLOP/s, at the FMA */
#define MM_F16_TOKENS 3 /* port's limit here); 1 x 4 (no row sharing) 44 */
static inline __attribute__((always_inline)) void mm_rows_f16(const llmbm_fp16 *w, size_t stride, const float *const *x,
                                                              size_t n, float *out, size_t out_stride, const int R,
                                                              const int T)
{
    __m512 a0[MM_F16_ROWS][MM_F16_TOKENS], a1[MM_F16_ROWS][MM_F16_TOKENS], a2[MM_F16_ROWS][MM_F16_TOKENS],
        a3[MM_F16_ROWS][MM_F16_TOKENS];
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) a0[r][t] = a1[r][t] = a2[r][t] = a3[r][t] = _mm512_setzero_ps();
#define MM_F16_W(r, i) _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(w + (size_t)(r) * stride + (i))))
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        for (int r = 0; r < R; ++r) {
            prefetch_ahead(w + r * stride + i, 64 * sizeof *w);
            const __m512 w0 = MM_F16_W(r, i), w1 = MM_F16_W(r, i + 16), w2 = MM_F16_W(r, i + 32),
                         w3 = MM_F16_W(r, i + 48);
            for (int t = 0; t < T; ++t) {
                a0[r][t] = _mm512_fmadd_ps(w0, _mm512_loadu_ps(x[t] + i), a0[r][t]);
                a1[r][t] = _mm512_fmadd_ps(w1, _mm512_loadu_ps(x[t] + i + 16), a1[r][t]);
                a2[r][t] = _mm512_fmadd_ps(w2, _mm512_loadu_ps(x[t] + i + 32), a2[r][t]);
                a3[r][t] = _mm512_fmadd_ps(w3, _mm512_loadu_ps(x[t] + i + 48), a3[r][t]);
            }
        }
    }
    for (; i + 16 <= n; i += 16)
        for (int r = 0; r < R; ++r) {
            const __m512 w0 = MM_F16_W(r, i);
            for (int t = 0; t < T; ++t) a0[r][t] = _mm512_fmadd_ps(w0, _mm512_loadu_ps(x[t] + i), a0[r][t]);
        }
#undef MM_F16_W
    if (i < n) {
        const __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
        for (int r = 0; r < R; ++r) {
            const __m512 w0 = _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, w + (size_t)r * stride + i));
            for (int t = 0; t < T; ++t) a1[r][t] = _mm512_fmadd_ps(w0, _mm512_maskz_loadu_ps(m, x[t] + i), a1[r][t]);
        }
    }
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t)
            out[(size_t)t * out_stride + r] = _mm512_reduce_add_ps(
                _mm512_add_ps(_mm512_add_ps(a0[r][t], a1[r][t]), _mm512_add_ps(a2[r][t], a3[r][t])));
}

/* The level's F16 matmul_rows: MM_F16_TOKENS tokens at a time over the rows
 * of the range, MM_F16_ROWS rows at a time, then row by row. */
static inline void mm_f16_range(const llmbm_weight *w, const void *x_act, size_t act_stride, size_t n_tok, float *out,
                                size_t out_stride, size_t row_begin, size_t row_end)
{
    const size_t stride = w->cols; /* elements */
    const llmbm_fp16 *data = w->data;
    for (size_t tok = 0; tok < n_tok; tok += MM_F16_TOKENS) {
        const size_t T = n_tok - tok < MM_F16_TOKENS ? n_tok - tok : MM_F16_TOKENS;
        const float *x[MM_F16_TOKENS];
        for (size_t j = 0; j < T; ++j)
            x[j] = (const float *)(const void *)((const uint8_t *)x_act + (tok + j) * act_stride);
        float *o = out + tok * out_stride;
        size_t r = row_begin;
        if (T == MM_F16_TOKENS)
            for (; r + MM_F16_ROWS <= row_end; r += MM_F16_ROWS)
                mm_rows_f16(data + r * stride, stride, x, w->cols, o + r, out_stride, MM_F16_ROWS, MM_F16_TOKENS);
        for (; r < row_end; ++r) /* the last rows, or every row of the last tokens */
            for (size_t j = 0; j < T; ++j)
                mm_rows_f16(data + r * stride, stride, &x[j], w->cols, o + j * out_stride + r, out_stride, 1, 1);
    }
}

#define LLMBM_F16_MATMUL_ENTRY_POINTS(t, level)                                                                        \
    void LLMBM_KSYM(matmul_rows, t, level)(const llmbm_weight *w, const void *x_act, size_t act_stride, size_t n_tok,  \
                                           float *out, size_t out_stride, size_t row_begin, size_t row_end)            \
    {                                                                                                                  \
        mm_f16_range(w, x_act, act_stride, n_tok, out, out_stride, row_begin, row_end);                                \
    }

/* dot_q6_K of one row against T activations. */
static inline __attribute__((always_inline)) void mm_row_q6_K(const block_q6_K *w, const block_q8_K *const *y, size_t n,
                                                              float *out, size_t out_stride, const int T)
{
    const __m512i m4 = _mm512_set1_epi8(0xF), m2 = _mm512_set1_epi8(3), k32 = _mm512_set1_epi8(32);
    __m512 acc[MM_ROW_TOKENS];
    for (int t = 0; t < T; ++t) acc[t] = _mm512_setzero_ps();
    for (size_t i = 0; i < n / LLMBM_QK_K; ++i) {
        prefetch_ahead(&w[i], sizeof w[i]);
        const float dw = fp16_f32(w[i].d);
        const __m512i sc16 =
            _mm512_castsi256_si512(_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)w[i].scales)));
        __m512i sumi[MM_ROW_TOKENS];
        for (int t = 0; t < T; ++t) sumi[t] = _mm512_setzero_si512();
        for (int h = 0; h < 2; ++h) {
            const __m256i hb = _mm256_loadu_si256((const __m256i *)(w[i].qh + 32 * h));
            const __m512i l01 = load_2x256(w[i].ql + 64 * h, w[i].ql + 64 * h + 32);
            const __m512i hb2 = _mm512_inserti64x4(_mm512_castsi256_si512(hb), _mm256_srli_epi16(hb, 2), 1);
            const __m512i q[2] = {
                _mm512_or_si512(_mm512_and_si512(l01, m4), _mm512_slli_epi16(_mm512_and_si512(hb2, m2), 4)),
                _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(l01, 4), m4),
                                _mm512_slli_epi16(_mm512_and_si512(_mm512_srli_epi16(hb2, 4), m2), 4)),
            };
            for (int k = 0; k < 2; ++k) {
                const short g = (short)(8 * h + 4 * k);
                const __m512i idx = _mm512_inserti64x4(
                    _mm512_castsi256_si512(_mm256_set_m128i(_mm_set1_epi16((short)(g + 1)), _mm_set1_epi16(g))),
                    _mm256_set_m128i(_mm_set1_epi16((short)(g + 3)), _mm_set1_epi16((short)(g + 2))), 1);
                const __m512i sc = _mm512_permutexvar_epi16(idx, sc16);
                for (int t = 0; t < T; ++t) {
                    const __m512i qy = _mm512_loadu_si512(y[t][i].qs + 128 * h + 64 * k);
                    const __m512i p16 = _mm512_sub_epi16(_mm512_maddubs_epi16(q[k], qy), _mm512_maddubs_epi16(k32, qy));
                    sumi[t] = madd16_acc(sumi[t], sc, p16);
                }
            }
        }
        for (int t = 0; t < T; ++t) {
            const float d = y[t][i].d * dw;
            acc[t] = _mm512_fmadd_ps(_mm512_set1_ps(d), _mm512_cvtepi32_ps(sumi[t]), acc[t]);
        }
    }
    for (int t = 0; t < T; ++t) out[(size_t)t * out_stride] = _mm512_reduce_add_ps(acc[t]);
}

/* The level's matmul_rows for a row-dot type t (MM_WBLOCK_t its weight
 * block, MM_ABLOCK_t its activation's): MM_ROW_TOKENS tokens at a time over
 * the rows of the range (the caller's row block, in L2), then one at a time. */
#define MM_WBLOCK_q6_K block_q6_K
#define MM_ABLOCK_q6_K block_q8_K
#define LLMBM_ROW_MATMUL_ENTRY_POINTS(t, level)                                                                        \
    void LLMBM_KSYM(matmul_rows, t, level)(const llmbm_weight *w, const void *x_act, size_t act_stride, size_t n_tok,  \
                                           float *out, size_t out_stride, size_t row_begin, size_t row_end)            \
    {                                                                                                                  \
        const size_t stride = llmbm_row_bytes(w->type, w->cols);                                                       \
        for (size_t tok = 0; tok < n_tok; tok += MM_ROW_TOKENS) {                                                      \
            const size_t T = n_tok - tok < MM_ROW_TOKENS ? n_tok - tok : MM_ROW_TOKENS;                                \
            const MM_ABLOCK_##t *y[MM_ROW_TOKENS];                                                                     \
            for (size_t j = 0; j < T; ++j)                                                                             \
                y[j] = (const MM_ABLOCK_##t *)(const void *)((const uint8_t *)x_act + (tok + j) * act_stride);         \
            for (size_t r = row_begin; r < row_end; ++r) {                                                             \
                const MM_WBLOCK_##t *row =                                                                             \
                    (const MM_WBLOCK_##t *)(const void *)((const uint8_t *)w->data + r * stride);                      \
                float *o = out + tok * out_stride + r;                                                                 \
                if (T == MM_ROW_TOKENS)                                                                                \
                    mm_row_##t(row, y, w->cols, o, out_stride, MM_ROW_TOKENS);                                         \
                else                                                                                                   \
                    for (size_t j = 0; j < T; ++j) mm_row_##t(row, &y[j], w->cols, o + j * out_stride, out_stride, 1); \
            }                                                                                                          \
        }                                                                                                              \
    }
