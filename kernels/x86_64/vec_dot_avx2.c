/* AVX2+FMA+F16C dot products and row-range mat-vecs for the float types and
 * the 32-element block types. Block dots follow ggml: integer products with
 * maddubs/madd, one float multiply-add per block. matvec_rows calls the very
 * same inline row dot as vec_dot, so the two agree bit for bit. */
#include "kernels_avx2.h"
#include "simd_avx2.h"

/* ---- float weights against an f32 activation ---------------------------- */

/* Four independent accumulators hide the FMA latency; n need not be a
 * multiple of anything (llama2.c dims are, but tests use odd lengths). */
#define FLOAT_DOT(load8)                                                                        \
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();                              \
    __m256 acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps();                              \
    size_t i = 0;                                                                               \
    for (; i + 32 <= n; i += 32) {                                                              \
        acc0 = _mm256_fmadd_ps(load8(i), _mm256_loadu_ps(x + i), acc0);                         \
        acc1 = _mm256_fmadd_ps(load8(i + 8), _mm256_loadu_ps(x + i + 8), acc1);                 \
        acc2 = _mm256_fmadd_ps(load8(i + 16), _mm256_loadu_ps(x + i + 16), acc2);               \
        acc3 = _mm256_fmadd_ps(load8(i + 24), _mm256_loadu_ps(x + i + 24), acc3);               \
    }                                                                                           \
    for (; i + 8 <= n; i += 8)                                                                  \
        acc0 = _mm256_fmadd_ps(load8(i), _mm256_loadu_ps(x + i), acc0);                         \
    float sum = simd_hsum_ps(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)))

static inline float dot_f32(const void *w_row, const void *x_act, size_t n)
{
    const float *w = w_row, *x = x_act;
#define LOAD_F32(i) _mm256_loadu_ps(w + (i))
    FLOAT_DOT(LOAD_F32);
    for (; i < n; ++i)
        sum += w[i] * x[i];
    return sum;
}

static inline float dot_f16(const void *w_row, const void *x_act, size_t n)
{
    const llmbm_fp16 *w = w_row;
    const float *x = x_act;
#define LOAD_F16(i) _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(w + (i))))
    FLOAT_DOT(LOAD_F16);
    for (; i < n; ++i)
        sum += simd_fp16(w[i]) * x[i];
    return sum;
}

static inline float dot_bf16(const void *w_row, const void *x_act, size_t n)
{
    const llmbm_bf16 *w = w_row;
    const float *x = x_act;
    /* bf16 is the top half of an f32: widen and shift */
#define LOAD_BF16(i) \
    _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(w + (i)))), 16))
    FLOAT_DOT(LOAD_BF16);
    for (; i < n; ++i)
        sum += llmbm_bf16_to_f32(w[i]) * x[i];
    return sum;
}

/* ---- 32-element blocks against Q8_0 / Q8_1 ------------------------------- */

/* Two accumulators, even and odd blocks, so consecutive FMAs do not wait on
 * each other; `BLOCK(i, acc)` adds block i's scaled integer dot to acc. */
#define BLOCK_LOOP(nb, BLOCK)                                  \
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps(); \
    size_t i = 0;                                              \
    for (; i + 2 <= (nb); i += 2) {                            \
        BLOCK(i, acc0);                                        \
        BLOCK(i + 1, acc1);                                    \
    }                                                          \
    if (i < (nb))                                              \
        BLOCK(i, acc0);                                        \
    const float sum = simd_hsum_ps(_mm256_add_ps(acc0, acc1))

static inline float dot_q8_0(const void *w_row, const void *x_act, size_t n)
{
    const block_q8_0 *w = w_row;
    const block_q8_0 *y = x_act;
#define BLOCK_Q8_0(i, acc)                                                                          \
    do {                                                                                            \
        const __m256i qw = _mm256_loadu_si256((const __m256i *)w[i].qs);                            \
        const __m256i qy = _mm256_loadu_si256((const __m256i *)y[i].qs);                            \
        const __m256 d = _mm256_set1_ps(simd_fp16(w[i].d) * simd_fp16(y[i].d));                     \
        acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(simd_dot_i8(qw, qy)), acc);                     \
    } while (0)
    BLOCK_LOOP(n / LLMBM_QK8_0, BLOCK_Q8_0);
    return sum;
}

static inline float dot_q4_0(const void *w_row, const void *x_act, size_t n)
{
    const block_q4_0 *w = w_row;
    const block_q8_0 *y = x_act;
#define BLOCK_Q4_0(i, acc)                                                                          \
    do {                                                                                            \
        const __m256i qw = _mm256_sub_epi8(simd_nibbles_32(w[i].qs), _mm256_set1_epi8(8));           \
        const __m256i qy = _mm256_loadu_si256((const __m256i *)y[i].qs);                            \
        const __m256 d = _mm256_set1_ps(simd_fp16(w[i].d) * simd_fp16(y[i].d));                     \
        acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(simd_dot_i8(qw, qy)), acc);                     \
    } while (0)
    BLOCK_LOOP(n / LLMBM_QK4_0, BLOCK_Q4_0);
    return sum;
}

/* 5th bit set -> +16: OR 0x10 into the nibble where the bit is set. For
 * Q5_0 the value is q - 16, i.e. OR 0xF0 (= -16 + nibble) where it is clear. */
static inline float dot_q5_0(const void *w_row, const void *x_act, size_t n)
{
    const block_q5_0 *w = w_row;
    const block_q8_0 *y = x_act;
#define BLOCK_Q5_0(i, acc)                                                                          \
    do {                                                                                            \
        const __m256i hi = _mm256_andnot_si256(simd_bits_to_bytes_32(w[i].qh), _mm256_set1_epi8((char)0xF0)); \
        const __m256i qw = _mm256_or_si256(simd_nibbles_32(w[i].qs), hi);                           \
        const __m256i qy = _mm256_loadu_si256((const __m256i *)y[i].qs);                            \
        const __m256 d = _mm256_set1_ps(simd_fp16(w[i].d) * simd_fp16(y[i].d));                     \
        acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(simd_dot_i8(qw, qy)), acc);                     \
    } while (0)
    BLOCK_LOOP(n / LLMBM_QK5_0, BLOCK_Q5_0);
    return sum;
}

/* Q4_1/Q5_1: unsigned quants and a min; the min term m * s uses the Q8_1
 * block's s = dy * sum(qy), accumulated apart from the integer dots. */
static inline float dot_q4_1(const void *w_row, const void *x_act, size_t n)
{
    const block_q4_1 *w = w_row;
    const block_q8_1 *y = x_act;
    __m256 accm = _mm256_setzero_ps();
#define BLOCK_Q4_1(i, acc)                                                                          \
    do {                                                                                            \
        const __m256i qy = _mm256_loadu_si256((const __m256i *)y[i].qs);                            \
        const __m256 d = _mm256_set1_ps(simd_fp16(w[i].d) * simd_fp16(y[i].d));                     \
        acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(simd_dot_u8i8(simd_nibbles_32(w[i].qs), qy)), acc); \
        accm = _mm256_fmadd_ps(_mm256_set1_ps(simd_fp16(w[i].m)), _mm256_set1_ps(simd_fp16(y[i].s)), accm); \
    } while (0)
    BLOCK_LOOP(n / LLMBM_QK4_1, BLOCK_Q4_1);
    return sum + _mm256_cvtss_f32(accm);
}

static inline float dot_q5_1(const void *w_row, const void *x_act, size_t n)
{
    const block_q5_1 *w = w_row;
    const block_q8_1 *y = x_act;
    __m256 accm = _mm256_setzero_ps();
#define BLOCK_Q5_1(i, acc)                                                                          \
    do {                                                                                            \
        const __m256i hi = _mm256_and_si256(simd_bits_to_bytes_32(w[i].qh), _mm256_set1_epi8(0x10));  \
        const __m256i qw = _mm256_or_si256(simd_nibbles_32(w[i].qs), hi);                           \
        const __m256i qy = _mm256_loadu_si256((const __m256i *)y[i].qs);                            \
        const __m256 d = _mm256_set1_ps(simd_fp16(w[i].d) * simd_fp16(y[i].d));                     \
        acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(simd_dot_u8i8(qw, qy)), acc);                   \
        accm = _mm256_fmadd_ps(_mm256_set1_ps(simd_fp16(w[i].m)), _mm256_set1_ps(simd_fp16(y[i].s)), accm); \
    } while (0)
    BLOCK_LOOP(n / LLMBM_QK5_1, BLOCK_Q5_1);
    return sum + _mm256_cvtss_f32(accm);
}

/* ---- entry points ---------------------------------------------------------- */

#define KERNELS(t)                                                                                       \
    float llmbm_vec_dot_##t##_avx2(const void *w_row, const void *x_act, size_t n)                      \
    {                                                                                                    \
        return dot_##t(w_row, x_act, n);                                                                 \
    }                                                                                                    \
    void llmbm_matvec_rows_##t##_avx2(const llmbm_weight *w, const void *x_act, float *out, size_t row_begin, \
                                      size_t row_end)                                                    \
    {                                                                                                    \
        const size_t stride = llmbm_row_bytes(w->type, w->cols);                                         \
        const uint8_t *row = (const uint8_t *)w->data + row_begin * stride;                              \
        for (size_t r = row_begin; r < row_end; ++r, row += stride)                                      \
            out[r] = dot_##t(row, x_act, w->cols);                                                       \
    }

KERNELS(f32)
KERNELS(f16)
KERNELS(bf16)
KERNELS(q8_0)
KERNELS(q4_0)
KERNELS(q4_1)
KERNELS(q5_0)
KERNELS(q5_1)
