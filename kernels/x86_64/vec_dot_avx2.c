/* AVX2+FMA+F16C dot products and row-range mat-vecs for the float types and
 * the 32-element block types. Block dots follow ggml: integer products with
 * maddubs/madd, one float multiply-add per block. matvec_rows calls the very
 * same inline row dot as vec_dot, so the two agree bit for bit. */
#include "kernels_avx2.h"
#include "simd_avx2.h"
/* the one-row loop streams ahead: see prefetch_row in simd_avx2.h */
#define LLMBM_PREFETCH_ROW(next_row, stride) prefetch_row(next_row, stride)
#include "row_entry_points.h"

/* ---- float weights against an f32 activation ---------------------------- */

/* Four independent accumulators hide the FMA latency; n need not be a
 * multiple of anything (llama2.c dims are, but tests use odd lengths). */
#define FLOAT_DOT(load8)                                                                                               \
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();                                                     \
    __m256 acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps();                                                     \
    size_t i = 0;                                                                                                      \
    for (; i + 32 <= n; i += 32) {                                                                                     \
        acc0 = _mm256_fmadd_ps(load8(i), _mm256_loadu_ps(x + i), acc0);                                                \
        acc1 = _mm256_fmadd_ps(load8(i + 8), _mm256_loadu_ps(x + i + 8), acc1);                                        \
        acc2 = _mm256_fmadd_ps(load8(i + 16), _mm256_loadu_ps(x + i + 16), acc2);                                      \
        acc3 = _mm256_fmadd_ps(load8(i + 24), _mm256_loadu_ps(x + i + 24), acc3);                                      \
    }                                                                                                                  \
    for (; i + 8 <= n; i += 8) acc0 = _mm256_fmadd_ps(load8(i), _mm256_loadu_ps(x + i), acc0);                         \
    float sum = simd_hsum_ps(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)))

static inline float dot_f16(const void *w_row, const void *x_act, size_t n)
{
    const llmbm_fp16 *w = w_row;
    const float *x = x_act;
#define LOAD_F16(i) _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(w + (i))))
    FLOAT_DOT(LOAD_F16);
    for (; i < n; ++i) sum += simd_fp16(w[i]) * x[i];
    return sum;
}

static inline float dot_bf16(const void *w_row, const void *x_act, size_t n)
{
    const llmbm_bf16 *w = w_row;
    const float *x = x_act;
    /* bf16 is the top half of an f32: widen and shift */
#define LOAD_BF16(i)                                                                                                   \
    _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(w + (i)))), 16))
    FLOAT_DOT(LOAD_BF16);
    for (; i < n; ++i) sum += llmbm_bf16_to_f32(w[i]) * x[i];
    return sum;
}

/* ---- 32-element blocks against Q8_0 / Q8_1 ------------------------------- */

/* The 32-element block types run ROWS_MAX rows per pass: the activation
 * block is loaded (and k * its pair sums computed) once for all of them.
 * Each row keeps its own accumulators, fed in block order exactly as when
 * it runs alone (vec_dot), so matvec_rows and vec_dot agree bit for bit. */
#define ROWS_MAX 4

/* Unsigned weight quants q with value q - k: q . y - k * sum(y), where yk
 * holds k * (y pair sums) as int16. |q y + q' y'| <= 2 * 31 * 128 and
 * |yk| <= 16 * 256 keep the int16 arithmetic exact. */
static inline __m256i offset_dot(__m256i q, __m256i qy, __m256i yk)
{
    return _mm256_madd_epi16(_mm256_sub_epi16(_mm256_maddubs_epi16(q, qy), yk), _mm256_set1_epi16(1));
}

/* Per type: the int32 lanes of one block's dot, and the zero point k. */
static inline __m256i int_dot_q8_0(const block_q8_0 *w, __m256i qy, __m256i yk)
{
    (void)yk; /* signed x signed: the sign trick instead */
    return simd_dot_i8(_mm256_loadu_si256((const __m256i *)w->qs), qy);
}

static inline __m256i int_dot_q4_0(const block_q4_0 *w, __m256i qy, __m256i yk)
{
    return offset_dot(simd_nibbles_32(w->qs), qy, yk);
}

static inline __m256i int_dot_q4_1(const block_q4_1 *w, __m256i qy, __m256i yk)
{
    (void)yk; /* k = 0: the min term is m * s */
    return simd_dot_u8i8(simd_nibbles_32(w->qs), qy);
}

/* 5th bit set -> +16: OR 0x10 into the nibble where the bit is set */
static inline __m256i q5_quants(const uint8_t *qs, const uint8_t *qh)
{
    return _mm256_or_si256(simd_nibbles_32(qs), _mm256_and_si256(simd_bits_to_bytes_32(qh), _mm256_set1_epi8(0x10)));
}

static inline __m256i int_dot_q5_0(const block_q5_0 *w, __m256i qy, __m256i yk)
{
    return offset_dot(q5_quants(w->qs, w->qh), qy, yk);
}

static inline __m256i int_dot_q5_1(const block_q5_1 *w, __m256i qy, __m256i yk)
{
    (void)yk;
    return simd_dot_u8i8(q5_quants(w->qs, w->qh), qy);
}

/* The min term of the _1 types: m * s, with m the second fp16 of a
 * block_q4_1/q5_1 and s the second of a block_q8_1 (s = dy * sum(qy)). */
static inline float min_term(const void *w, const void *y)
{
    llmbm_fp16 m, sy;
    __builtin_memcpy(&m, (const uint8_t *)w + 2, 2);
    __builtin_memcpy(&sy, (const uint8_t *)y + 2, 2);
    return simd_fp16(m) * simd_fp16(sy);
}

#define ROWS_32(t, wblock, yblock, k, has_min)                                                                         \
    static inline void rows_##t(const uint8_t *w0, size_t stride, const void *x_act, size_t n, float *out,             \
                                const int R)                                                                           \
    {                                                                                                                  \
        const yblock *y = x_act;                                                                                       \
        __m256 acc[ROWS_MAX];                                                                                          \
        float summ[ROWS_MAX];                                                                                          \
        for (int r = 0; r < R; ++r) {                                                                                  \
            acc[r] = _mm256_setzero_ps();                                                                              \
            summ[r] = 0.0f;                                                                                            \
        }                                                                                                              \
        for (size_t i = 0; i < n / 32; ++i) {                                                                          \
            const __m256i qy = _mm256_loadu_si256((const __m256i *)y[i].qs);                                           \
            const __m256i yk = _mm256_maddubs_epi16(_mm256_set1_epi8(k), qy);                                          \
            const float dy = simd_fp16(y[i].d);                                                                        \
            for (int r = 0; r < R; ++r) {                                                                              \
                const wblock *w = (const wblock *)(const void *)(w0 + (size_t)r * stride) + i;                         \
                if (R > 1) /* the same place 2 * ROWS_MAX rows further on */                                           \
                    _mm_prefetch((const char *)w + 2 * ROWS_MAX * stride, _MM_HINT_T1);                                \
                const __m256 d = _mm256_set1_ps(simd_fp16(w->d) * dy);                                                 \
                acc[r] = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(int_dot_##t(w, qy, yk)), acc[r]);                       \
                if (has_min) summ[r] += min_term(w, &y[i]);                                                            \
            }                                                                                                          \
        }                                                                                                              \
        for (int r = 0; r < R; ++r) out[r] = simd_hsum_ps(acc[r]) + summ[r];                                           \
    }

ROWS_32(q8_0, block_q8_0, block_q8_0, 0, 0)
ROWS_32(q4_0, block_q4_0, block_q8_0, 8, 0)
ROWS_32(q4_1, block_q4_1, block_q8_1, 0, 1)
ROWS_32(q5_0, block_q5_0, block_q8_0, 16, 0)
ROWS_32(q5_1, block_q5_1, block_q8_1, 0, 1)

/* Q4_0P: ROWS_32's Q4_0 arithmetic, with the scale and the quants of block
 * i read from the row's two planes. */
static inline void rows_q4_0p(const uint8_t *w0, size_t stride, const void *x_act, size_t n, float *out, const int R)
{
    const block_q8_0 *y = x_act;
    const size_t nb = n / 32;
    __m256 acc[ROWS_MAX];
    for (int r = 0; r < R; ++r) acc[r] = _mm256_setzero_ps();
    for (size_t i = 0; i < nb; ++i) {
        const __m256i qy = _mm256_loadu_si256((const __m256i *)y[i].qs);
        const __m256i yk = _mm256_maddubs_epi16(_mm256_set1_epi8(8), qy);
        const float dy = simd_fp16(y[i].d);
        for (int r = 0; r < R; ++r) {
            const uint8_t *row = w0 + (size_t)r * stride;
            const uint8_t *qs = llmbm_q4_0p_quants(row, nb) + 16 * i;
            if (R > 1) /* the same place 2 * ROWS_MAX rows further on */
                _mm_prefetch((const char *)qs + 2 * ROWS_MAX * stride, _MM_HINT_T1);
            const __m256 d = _mm256_set1_ps(simd_fp16(llmbm_q4_0p_scales(row)[i]) * dy);
            acc[r] = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(offset_dot(simd_nibbles_32(qs), qy, yk)), acc[r]);
        }
    }
    for (int r = 0; r < R; ++r) out[r] = simd_hsum_ps(acc[r]);
}

/* ---- entry points ---------------------------------------------------------- */

LLMBM_DOT_ENTRY_POINTS(f16, avx2)
LLMBM_DOT_ENTRY_POINTS(bf16, avx2)
LLMBM_ROWS_ENTRY_POINTS(q8_0, avx2)
LLMBM_ROWS_ENTRY_POINTS(q4_0, avx2)
LLMBM_ROWS_ENTRY_POINTS(q4_0p, avx2)
LLMBM_ROWS_ENTRY_POINTS(q4_1, avx2)
LLMBM_ROWS_ENTRY_POINTS(q5_0, avx2)
LLMBM_ROWS_ENTRY_POINTS(q5_1, avx2)
