/* The avx2 level's multi-token mat-muls of the interleaved layouts (Q4_0x16,
 * Q4_Kx16): vec_dot_x16_avx2.c's kernels with each weight register loaded
 * and its nibbles split once for T tokens; and of the 32-element block types
 * (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1): vec_dot_avx2.c's rows_<t> (ROWS_32) with
 * each row's block unpacked once for T tokens. Per (row, token) the integer sums
 * are exact and the float steps those of the one-token kernel in its order
 * (per block: the half's term, then acc += term), so the results are that
 * level's matvec_rows bit for bit. AVX2 has 16 vector registers, hence
 * fewer tokens per pass than the AVX-512 kernels (more spilled here). */
#include <immintrin.h>

#include "matmul_kernels.h"
#include "quant_formats.h"
#include "row_entry_points.h"
#include "simd_avx2.h"

#define MM_TOKENS_MAX     3 /* tokens per pass: measured best 2 (Q4_0x16) and 3 (Q4_Kx16) */
#define MM_TOKENS_q4_0x16 2
#define MM_TOKENS_q4_Kx16 3
#define MM_SUM_CAP        256 /* blocks whose -8 * sum(y) a pass keeps (rows up to 8192 elements) */

typedef int32_t mm_sums[MM_TOKENS_MAX][MM_SUM_CAP];

#define MM_ACT(type, act, stride, t, i) ((const type *)((const uint8_t *)(act) + (t) * (stride)) + (i))

static inline int32_t mm_word(const int8_t *p)
{
    int32_t v;
    __builtin_memcpy(&v, p, 4);
    return v;
}

static inline int32_t mm_sum_q8_0(const block_q8_0 *y)
{
    const __m256i y32 = _mm256_loadu_si256((const __m256i *)y->qs);
    return simd_hsum_epi32(_mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_set1_epi8(1), y32), _mm256_set1_epi16(1)));
}

static inline __m256i six_bits(__m256i lo32, int nibble, __m256i hi32, int s)
{
    const __m256i low = nibble ? _mm256_srli_epi32(lo32, 4) : _mm256_and_si256(lo32, _mm256_set1_epi32(0xF));
    const __m256i top = _mm256_and_si256(_mm256_srli_epi32(hi32, 2 * s), _mm256_set1_epi32(3));
    return _mm256_or_si256(low, _mm256_slli_epi32(top, 4));
}

static inline __m256i bytes8(const uint8_t *p) { return _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)p)); }

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

/* Group g of Q4_0x16 for T tokens: acc[t][h] holds rows 8h..8h+7 of token t. */
static inline __attribute__((always_inline)) void mm_group_q4_0x16(const block_q4_0x16 *g, const void *act,
                                                                   size_t stride, size_t nb, mm_sums sums,
                                                                   __m256 (*acc)[2], const int T)
{
    const __m256i m4 = _mm256_set1_epi8(0xF);
    for (int t = 0; t < T; ++t) acc[t][0] = acc[t][1] = _mm256_setzero_ps();
    for (size_t i = 0; i < nb; ++i) {
        const block_q4_0x16 *b = &g[i];
        prefetch_ahead(b, sizeof *b);
        for (int h = 0; h < 2; ++h) {
            __m256i sumi[MM_TOKENS_MAX];
            for (int t = 0; t < T; ++t)
                sumi[t] = _mm256_set1_epi32(i < MM_SUM_CAP ? sums[t][i]
                                                           : -8 * mm_sum_q8_0(MM_ACT(block_q8_0, act, stride, t, i)));
            for (int k = 0; k < 4; ++k) {
                const __m256i raw = _mm256_loadu_si256((const __m256i *)b->qs[k][8 * h]);
                const __m256i lo = _mm256_and_si256(raw, m4), hi = _mm256_and_si256(_mm256_srli_epi16(raw, 4), m4);
                for (int t = 0; t < T; ++t) {
                    const block_q8_0 *y = MM_ACT(block_q8_0, act, stride, t, i);
                    sumi[t] = _mm256_add_epi32(sumi[t], simd_dot_u8i8(lo, _mm256_set1_epi32(mm_word(y->qs + 4 * k))));
                    sumi[t] =
                        _mm256_add_epi32(sumi[t], simd_dot_u8i8(hi, _mm256_set1_epi32(mm_word(y->qs + 16 + 4 * k))));
                }
            }
            const __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)&b->d[8 * h]));
            for (int t = 0; t < T; ++t) {
                const block_q8_0 *y = MM_ACT(block_q8_0, act, stride, t, i);
                const __m256 d = _mm256_mul_ps(dw, _mm256_set1_ps(simd_fp16(y->d)));
                acc[t][h] = _mm256_add_ps(acc[t][h], _mm256_mul_ps(d, _mm256_cvtepi32_ps(sumi[t])));
            }
        }
    }
}

/* Group g of Q4_Kx16 for T tokens (k_block_term of vec_dot_x16_avx2.c per token). */
static inline __attribute__((always_inline)) void mm_group_q4_Kx16(const block_q4_Kx16 *g, const void *act,
                                                                   size_t stride, size_t nb, mm_sums sums,
                                                                   __m256 (*acc)[2], const int T)
{
    (void)sums;
    const __m256i m4 = _mm256_set1_epi8(0xF);
    for (int t = 0; t < T; ++t) acc[t][0] = acc[t][1] = _mm256_setzero_ps();
    for (size_t i = 0; i < nb; ++i) {
        const block_q4_Kx16 *b = &g[i];
        prefetch_ahead(b, sizeof *b);
        for (int h = 0; h < 2; ++h) {
            __m256i isum[MM_TOKENS_MAX];
            for (int t = 0; t < T; ++t) isum[t] = _mm256_setzero_si256();
            for (int c = 0; c < 4; ++c) {
                __m256i sa[MM_TOKENS_MAX], sb[MM_TOKENS_MAX];
                for (int t = 0; t < T; ++t) sa[t] = sb[t] = _mm256_setzero_si256();
                for (int k = 0; k < 8; ++k) {
                    const __m256i raw = _mm256_loadu_si256((const __m256i *)b->qs[c][k][8 * h]);
                    const __m256i lo = _mm256_and_si256(raw, m4);
                    const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(raw, 4), m4);
                    for (int t = 0; t < T; ++t) {
                        const block_q8_K *y = MM_ACT(block_q8_K, act, stride, t, i);
                        sa[t] = _mm256_add_epi32(sa[t],
                                                 simd_dot_u8i8(lo, _mm256_set1_epi32(mm_word(y->qs + 64 * c + 4 * k))));
                        sb[t] = _mm256_add_epi32(
                            sb[t], simd_dot_u8i8(hi, _mm256_set1_epi32(mm_word(y->qs + 64 * c + 32 + 4 * k))));
                    }
                }
                const __m256i lo32 = bytes8(&b->sc_lo[c][8 * h]), hi32 = bytes8(&b->sc_hi[c / 2][8 * h]);
                const __m256i sc_a = six_bits(lo32, 0, hi32, (2 * c) % 4),
                              sc_b = six_bits(lo32, 1, hi32, (2 * c + 1) % 4);
                for (int t = 0; t < T; ++t) {
                    isum[t] = _mm256_add_epi32(isum[t], _mm256_mullo_epi32(sa[t], sc_a));
                    isum[t] = _mm256_add_epi32(isum[t], _mm256_mullo_epi32(sb[t], sc_b));
                }
            }
            const __m256 d8 = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)&b->d[8 * h]));
            const __m256 dmin8 = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)&b->dmin[8 * h]));
            for (int t = 0; t < T; ++t) {
                const block_q8_K *y = MM_ACT(block_q8_K, act, stride, t, i);
                __m256i msum = _mm256_setzero_si256();
                for (int p = 0; p < 4; ++p) {
                    const __m256i lo32 = bytes8(&b->mn_lo[p][8 * h]), hi32 = bytes8(&b->mn_hi[p / 2][8 * h]);
                    const int32_t bs_a = y->bsums[4 * p] + y->bsums[4 * p + 1];
                    const int32_t bs_b = y->bsums[4 * p + 2] + y->bsums[4 * p + 3];
                    msum = _mm256_add_epi32(
                        msum, _mm256_mullo_epi32(six_bits(lo32, 0, hi32, (2 * p) % 4), _mm256_set1_epi32(bs_a)));
                    msum = _mm256_add_epi32(
                        msum, _mm256_mullo_epi32(six_bits(lo32, 1, hi32, (2 * p + 1) % 4), _mm256_set1_epi32(bs_b)));
                }
                const __m256 dy = _mm256_set1_ps(y->d);
                const __m256 dall = _mm256_mul_ps(d8, dy), dmin = _mm256_mul_ps(dmin8, dy);
                acc[t][h] = _mm256_add_ps(acc[t][h], _mm256_sub_ps(_mm256_mul_ps(dall, _mm256_cvtepi32_ps(isum[t])),
                                                                   _mm256_mul_ps(dmin, _mm256_cvtepi32_ps(msum))));
            }
        }
    }
}

static inline void mm_store_group(float *out, const __m256 acc[2], size_t g, size_t row_begin, size_t row_end)
{
    float v[16];
    _mm256_storeu_ps(v, acc[0]);
    _mm256_storeu_ps(v + 8, acc[1]);
    for (size_t r = 0; r < 16; ++r)
        if (g * 16 + r >= row_begin && g * 16 + r < row_end) out[g * 16 + r] = v[r];
}

#define MM_X16_PASS(t, T)                                                                                              \
    mm_prep_##t(act, act_stride, nb, sums, T);                                                                         \
    for (size_t g = row_begin / 16; g * 16 < row_end; ++g) {                                                           \
        __m256 acc[MM_TOKENS_MAX][2];                                                                                  \
        mm_group_##t(groups + g * nb, act, act_stride, nb, sums, acc, T);                                              \
        for (int j = 0; j < T; ++j) mm_store_group(o + j * out_stride, acc[j], g, row_begin, row_end);                 \
    }

/* Tokens MM_TOKENS_t at a time over every group of the range (the caller's
 * row block, in L2), the last pass shorter. */
#define MM_BLOCK_q4_0x16 LLMBM_QK4_0 /* elements per block of each row */
#define MM_BLOCK_q4_Kx16 LLMBM_QK_K
#define LLMBM_X16_MATMUL_ENTRY_POINTS(t, level)                                                                        \
    void LLMBM_KSYM(matmul_rows, t, level)(const llmbm_weight *w, const void *x_act, size_t act_stride, size_t n_tok,  \
                                           float *out, size_t out_stride, size_t row_begin, size_t row_end)            \
    {                                                                                                                  \
        const size_t nb = w->cols / MM_BLOCK_##t;                                                                      \
        const block_##t *groups = w->data;                                                                             \
        mm_sums sums;                                                                                                  \
        for (size_t tok = 0; tok < n_tok; tok += MM_TOKENS_##t) {                                                      \
            const uint8_t *act = (const uint8_t *)x_act + tok * act_stride;                                            \
            float *o = out + tok * out_stride;                                                                         \
            switch (n_tok - tok < MM_TOKENS_##t ? n_tok - tok : MM_TOKENS_##t) {                                       \
                case 1: MM_X16_PASS(t, 1) break;                                                                       \
                case 2: MM_X16_PASS(t, 2) break;                                                                       \
                case 3: MM_X16_PASS(t, 3) break;                                                                       \
                default: break;                                                                                        \
            }                                                                                                          \
        }                                                                                                              \
    }

LLMBM_X16_MATMUL_ENTRY_POINTS(q4_0x16, avx2)
LLMBM_X16_MATMUL_ENTRY_POINTS(q4_Kx16, avx2)

/* ---- 32-element blocks: rows_<t> of vec_dot_avx2.c for T tokens ---------- */

#define MM_R32_ROWS   4
#define MM_R32_TOKENS 3 /* tokens per pass: 4 x 3 and 2 x 4 measured best of 2..4 x 2..4 */

/* A row's block as the quants its int_dot_<t> multiplies (Q8_0: as stored, the sign trick per token). */
static inline __m256i mm_w_q8_0(const block_q8_0 *w) { return _mm256_loadu_si256((const __m256i *)w->qs); }

static inline __m256i mm_w_q4_0(const block_q4_0 *w) { return simd_nibbles_32(w->qs); }

static inline __m256i mm_w_q4_1(const block_q4_1 *w) { return simd_nibbles_32(w->qs); }

static inline __m256i mm_q5_quants(const uint8_t *qs, const uint8_t *qh)
{
    return _mm256_or_si256(simd_nibbles_32(qs), _mm256_and_si256(simd_bits_to_bytes_32(qh), _mm256_set1_epi8(0x10)));
}

static inline __m256i mm_w_q5_0(const block_q5_0 *w) { return mm_q5_quants(w->qs, w->qh); }

static inline __m256i mm_w_q5_1(const block_q5_1 *w) { return mm_q5_quants(w->qs, w->qh); }

/* int_dot_<t> from the unpacked quants: offset_dot for a zero point k, else the plain dots. */
static inline __m256i mm_offset_dot(__m256i q, __m256i qy, __m256i yk)
{
    return _mm256_madd_epi16(_mm256_sub_epi16(_mm256_maddubs_epi16(q, qy), yk), _mm256_set1_epi16(1));
}
#define MM_DOT_q8_0(q, qy, yk) ((void)(yk), simd_dot_i8(q, qy))
#define MM_DOT_q4_0(q, qy, yk) mm_offset_dot(q, qy, yk)
#define MM_DOT_q4_1(q, qy, yk) ((void)(yk), simd_dot_u8i8(q, qy))
#define MM_DOT_q5_0(q, qy, yk) mm_offset_dot(q, qy, yk)
#define MM_DOT_q5_1(q, qy, yk) ((void)(yk), simd_dot_u8i8(q, qy))

static inline float mm_min_term(const void *w, const void *y)
{
    llmbm_fp16 m, sy;
    __builtin_memcpy(&m, (const uint8_t *)w + 2, 2);
    __builtin_memcpy(&sy, (const uint8_t *)y + 2, 2);
    return simd_fp16(m) * simd_fp16(sy);
}

#define MM_ROWS_32(t, yblock, k, has_min)                                                                              \
    static inline __attribute__((always_inline)) void mm_rows_##t(const uint8_t *w0, size_t stride,                    \
                                                                  const yblock *const *y, size_t n, float *out,        \
                                                                  size_t out_stride, const int R, const int T)         \
    {                                                                                                                  \
        __m256 acc[MM_R32_ROWS][MM_R32_TOKENS];                                                                        \
        float summ[MM_R32_ROWS][MM_R32_TOKENS];                                                                        \
        for (int r = 0; r < R; ++r)                                                                                    \
            for (int j = 0; j < T; ++j) {                                                                              \
                acc[r][j] = _mm256_setzero_ps();                                                                       \
                summ[r][j] = 0.0f;                                                                                     \
            }                                                                                                          \
        for (size_t i = 0; i < n / 32; ++i) {                                                                          \
            __m256i qy[MM_R32_TOKENS], yk[MM_R32_TOKENS];                                                              \
            float dy[MM_R32_TOKENS];                                                                                   \
            for (int j = 0; j < T; ++j) {                                                                              \
                qy[j] = _mm256_loadu_si256((const __m256i *)y[j][i].qs);                                               \
                yk[j] = _mm256_maddubs_epi16(_mm256_set1_epi8(k), qy[j]);                                              \
                dy[j] = simd_fp16(y[j][i].d);                                                                          \
            }                                                                                                          \
            for (int r = 0; r < R; ++r) {                                                                              \
                const block_##t *w = (const block_##t *)(const void *)(w0 + (size_t)r * stride) + i;                   \
                if (R > 1) _mm_prefetch((const char *)w + 2 * MM_R32_ROWS * stride, _MM_HINT_T1);                      \
                const __m256i q = mm_w_##t(w);                                                                         \
                const float dw = simd_fp16(w->d);                                                                      \
                for (int j = 0; j < T; ++j) {                                                                          \
                    const __m256 d = _mm256_set1_ps(dw * dy[j]);                                                       \
                    acc[r][j] = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(MM_DOT_##t(q, qy[j], yk[j])), acc[r][j]);        \
                    if (has_min) summ[r][j] += mm_min_term(w, &y[j][i]);                                               \
                }                                                                                                      \
            }                                                                                                          \
        }                                                                                                              \
        for (int r = 0; r < R; ++r)                                                                                    \
            for (int j = 0; j < T; ++j) out[(size_t)j * out_stride + r] = simd_hsum_ps(acc[r][j]) + summ[r][j];        \
    }                                                                                                                  \
    static inline __attribute__((always_inline)) void mm_##t##_tokens(const llmbm_weight *w, const yblock *const *y,   \
                                                                      float *out, size_t out_stride, size_t row_begin, \
                                                                      size_t row_end, const int T)                     \
    {                                                                                                                  \
        const size_t stride = llmbm_row_bytes(w->type, w->cols);                                                       \
        const uint8_t *row = (const uint8_t *)w->data + row_begin * stride;                                            \
        size_t r = row_begin;                                                                                          \
        for (; r + MM_R32_ROWS <= row_end; r += MM_R32_ROWS, row += MM_R32_ROWS * stride)                              \
            mm_rows_##t(row, stride, y, w->cols, out + r, out_stride, MM_R32_ROWS, T);                                 \
        for (; r < row_end; ++r, row += stride) mm_rows_##t(row, 0, y, w->cols, out + r, out_stride, 1, T);            \
    }

MM_ROWS_32(q8_0, block_q8_0, 0, 0)
MM_ROWS_32(q4_0, block_q8_0, 8, 0)
MM_ROWS_32(q4_1, block_q8_1, 0, 1)
MM_ROWS_32(q5_0, block_q8_0, 16, 0)
MM_ROWS_32(q5_1, block_q8_1, 0, 1)

#define MM_ABLOCK_q8_0 block_q8_0
#define MM_ABLOCK_q4_0 block_q8_0
#define MM_ABLOCK_q4_1 block_q8_1
#define MM_ABLOCK_q5_0 block_q8_0
#define MM_ABLOCK_q5_1 block_q8_1

#define LLMBM_ROWS32_MATMUL_ENTRY_POINTS(t, level)                                                                     \
    void LLMBM_KSYM(matmul_rows, t, level)(const llmbm_weight *w, const void *x_act, size_t act_stride, size_t n_tok,  \
                                           float *out, size_t out_stride, size_t row_begin, size_t row_end)            \
    {                                                                                                                  \
        for (size_t tok = 0; tok < n_tok; tok += MM_R32_TOKENS) {                                                      \
            const MM_ABLOCK_##t *y[MM_R32_TOKENS];                                                                     \
            const size_t T = n_tok - tok < MM_R32_TOKENS ? n_tok - tok : MM_R32_TOKENS;                                \
            for (size_t j = 0; j < T; ++j)                                                                             \
                y[j] = (const MM_ABLOCK_##t *)(const void *)((const uint8_t *)x_act + (tok + j) * act_stride);         \
            float *o = out + tok * out_stride;                                                                         \
            if (T == MM_R32_TOKENS)                                                                                    \
                mm_##t##_tokens(w, y, o, out_stride, row_begin, row_end, MM_R32_TOKENS);                               \
            else                                                                                                       \
                for (size_t j = 0; j < T; ++j)                                                                         \
                    mm_##t##_tokens(w, &y[j], o + j * out_stride, out_stride, row_begin, row_end, 1);                  \
        }                                                                                                              \
    }

LLMBM_ROWS32_MATMUL_ENTRY_POINTS(q8_0, avx2)
LLMBM_ROWS32_MATMUL_ENTRY_POINTS(q4_0, avx2)
LLMBM_ROWS32_MATMUL_ENTRY_POINTS(q4_1, avx2)
LLMBM_ROWS32_MATMUL_ENTRY_POINTS(q5_0, avx2)
LLMBM_ROWS32_MATMUL_ENTRY_POINTS(q5_1, avx2)

/* ---- Q6_K: dot_q6_K of vec_dot_k_avx2.c for T tokens ------------------------ */

#define MM_Q6_TOKENS 3 /* tokens per pass: 3 and 4 measured alike, 2 a tenth slower */

/* One row against T activations: the 6-bit quants and each group's scales
 * unpacked once per half super-block, then dot_q6_K's steps per token. */
static inline __attribute__((always_inline)) void mm_row_q6_K(const block_q6_K *w, const block_q8_K *const *y, size_t n,
                                                              float *out, size_t out_stride, const int T)
{
    const __m256i m4 = _mm256_set1_epi8(0xF), m2 = _mm256_set1_epi8(3), k32 = _mm256_set1_epi8(32);
    __m256 acc[MM_Q6_TOKENS];
    for (int t = 0; t < T; ++t) acc[t] = _mm256_setzero_ps();
    for (size_t i = 0; i < n / LLMBM_QK_K; ++i) {
        prefetch_ahead(&w[i], sizeof w[i]);
        const float dw = simd_fp16(w[i].d);
        const __m128i sc8 = _mm_loadu_si128((const __m128i *)w[i].scales);
        const uint8_t *ql = w[i].ql, *qh = w[i].qh;
        __m256i sumi[MM_Q6_TOKENS];
        for (int t = 0; t < T; ++t) sumi[t] = _mm256_setzero_si256();
        for (int h = 0; h < 2; ++h, ql += 64, qh += 32) {
            const __m256i l0 = _mm256_loadu_si256((const __m256i *)ql);
            const __m256i l1 = _mm256_loadu_si256((const __m256i *)(ql + 32));
            const __m256i hb = _mm256_loadu_si256((const __m256i *)qh);
            __m256i q[4];
            q[0] = _mm256_or_si256(_mm256_and_si256(l0, m4), _mm256_slli_epi16(_mm256_and_si256(hb, m2), 4));
            q[1] = _mm256_or_si256(_mm256_and_si256(l1, m4),
                                   _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 2), m2), 4));
            q[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4),
                                   _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 4), m2), 4));
            q[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4),
                                   _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 6), m2), 4));
            for (int p = 0; p < 4; ++p) {
                const int g = 8 * h + 2 * p;
                const __m128i pick = _mm_set_epi64x((int64_t)(0x0101010101010101ull * (uint64_t)(g + 1)),
                                                    (int64_t)(0x0101010101010101ull * (uint64_t)g));
                const __m256i s16 = _mm256_cvtepi8_epi16(_mm_shuffle_epi8(sc8, pick));
                for (int t = 0; t < T; ++t) {
                    const __m256i qy = _mm256_loadu_si256((const __m256i *)(y[t][i].qs + 128 * h + 32 * p));
                    const __m256i p16 = _mm256_sub_epi16(_mm256_maddubs_epi16(q[p], qy), _mm256_maddubs_epi16(k32, qy));
                    sumi[t] = _mm256_add_epi32(sumi[t], _mm256_madd_epi16(s16, p16));
                }
            }
        }
        for (int t = 0; t < T; ++t) {
            const float d = y[t][i].d * dw;
            acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi[t]), acc[t]);
        }
    }
    for (int t = 0; t < T; ++t) out[(size_t)t * out_stride] = simd_hsum_ps(acc[t]);
}

void llmbm_matmul_rows_q6_K_avx2(const llmbm_weight *w, const void *x_act, size_t act_stride, size_t n_tok, float *out,
                                 size_t out_stride, size_t row_begin, size_t row_end)
{
    const size_t stride = llmbm_row_bytes(w->type, w->cols);
    for (size_t tok = 0; tok < n_tok; tok += MM_Q6_TOKENS) {
        const size_t T = n_tok - tok < MM_Q6_TOKENS ? n_tok - tok : MM_Q6_TOKENS;
        const block_q8_K *y[MM_Q6_TOKENS];
        for (size_t j = 0; j < T; ++j)
            y[j] = (const block_q8_K *)(const void *)((const uint8_t *)x_act + (tok + j) * act_stride);
        for (size_t r = row_begin; r < row_end; ++r) {
            const block_q6_K *row = (const block_q6_K *)(const void *)((const uint8_t *)w->data + r * stride);
            float *o = out + tok * out_stride + r;
            if (T == MM_Q6_TOKENS)
                mm_row_q6_K(row, y, w->cols, o, out_stride, MM_Q6_TOKENS);
            else
                for (size_t j = 0; j < T; ++j) mm_row_q6_K(row, &y[j], w->cols, o + j * out_stride, out_stride, 1);
        }
    }
}

/* ---- F16: dot_f16 of vec_dot_avx2.c for R rows x T tokens -------------------- */

#define MM_F16_ROWS   1 /* R x T rows x tokens per pass, 4 accumulators each: */
#define MM_F16_TOKENS 3 /* R * T <= 3 of the 16 registers; 1 x 3 measured best */

static inline __attribute__((always_inline)) void mm_rows_f16(const llmbm_fp16 *w, size_t stride, const float *const *x,
                                                              size_t n, float *out, size_t out_stride, const int R,
                                                              const int T)
{
    __m256 a0[MM_F16_ROWS][MM_F16_TOKENS], a1[MM_F16_ROWS][MM_F16_TOKENS], a2[MM_F16_ROWS][MM_F16_TOKENS],
        a3[MM_F16_ROWS][MM_F16_TOKENS];
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) a0[r][t] = a1[r][t] = a2[r][t] = a3[r][t] = _mm256_setzero_ps();
#define MM_F16_W(r, i) _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(w + (size_t)(r) * stride + (i))))
    size_t i = 0;
    for (; i + 32 <= n; i += 32)
        for (int r = 0; r < R; ++r) {
            const __m256 w0 = MM_F16_W(r, i), w1 = MM_F16_W(r, i + 8), w2 = MM_F16_W(r, i + 16),
                         w3 = MM_F16_W(r, i + 24);
            for (int t = 0; t < T; ++t) {
                a0[r][t] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x[t] + i), a0[r][t]);
                a1[r][t] = _mm256_fmadd_ps(w1, _mm256_loadu_ps(x[t] + i + 8), a1[r][t]);
                a2[r][t] = _mm256_fmadd_ps(w2, _mm256_loadu_ps(x[t] + i + 16), a2[r][t]);
                a3[r][t] = _mm256_fmadd_ps(w3, _mm256_loadu_ps(x[t] + i + 24), a3[r][t]);
            }
        }
    for (; i + 8 <= n; i += 8)
        for (int r = 0; r < R; ++r) {
            const __m256 w0 = MM_F16_W(r, i);
            for (int t = 0; t < T; ++t) a0[r][t] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x[t] + i), a0[r][t]);
        }
#undef MM_F16_W
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) {
            float sum =
                simd_hsum_ps(_mm256_add_ps(_mm256_add_ps(a0[r][t], a1[r][t]), _mm256_add_ps(a2[r][t], a3[r][t])));
            for (size_t j = i; j < n; ++j) sum += simd_fp16(w[(size_t)r * stride + j]) * x[t][j];
            out[(size_t)t * out_stride + r] = sum;
        }
}

void llmbm_matmul_rows_f16_avx2(const llmbm_weight *w, const void *x_act, size_t act_stride, size_t n_tok, float *out,
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
        for (; r < row_end; ++r)
            for (size_t j = 0; j < T; ++j)
                mm_rows_f16(data + r * stride, stride, &x[j], w->cols, o + j * out_stride + r, out_stride, 1, 1);
    }
}
