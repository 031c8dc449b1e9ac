/* F32 mat-vec at the AVX2 level, bit-identical to the scalar loop (see
 * matvec_f32_sse2.c for why rows, not a row's elements, go in lanes). Lane k
 * of an accumulator is row r+k; an 8x8 transpose (unpack, shuffle, 128-bit
 * permute) turns eight rows' next eight elements into eight column vectors.
 * Two groups (16 rows) advance side by side so the two add chains overlap
 * and the shuffles, not the add latency, bound the loop. A rounded multiply,
 * then a rounded add: never an FMA, which would round once. Leftover rows go
 * to the SSE2 code, which every AVX2 CPU runs. */
#include <immintrin.h>

#include "kernels_f32.h"

/* Columns j..j+7 of the eight rows at r0 (stride n): lane k of acc += row k's terms, in order. */
static inline __attribute__((always_inline)) __m256 step8(const float *r0, size_t n, const float *x, size_t j,
                                                          __m256 acc)
{
    const __m256 w0 = _mm256_loadu_ps(r0 + j), w1 = _mm256_loadu_ps(r0 + n + j);
    const __m256 w2 = _mm256_loadu_ps(r0 + 2 * n + j), w3 = _mm256_loadu_ps(r0 + 3 * n + j);
    const __m256 w4 = _mm256_loadu_ps(r0 + 4 * n + j), w5 = _mm256_loadu_ps(r0 + 5 * n + j);
    const __m256 w6 = _mm256_loadu_ps(r0 + 6 * n + j), w7 = _mm256_loadu_ps(r0 + 7 * n + j);
    /* t: pairs of rows interleaved; s: four rows' column m (low half) and m+4 (high half) */
    const __m256 t0 = _mm256_unpacklo_ps(w0, w1), t1 = _mm256_unpackhi_ps(w0, w1);
    const __m256 t2 = _mm256_unpacklo_ps(w2, w3), t3 = _mm256_unpackhi_ps(w2, w3);
    const __m256 t4 = _mm256_unpacklo_ps(w4, w5), t5 = _mm256_unpackhi_ps(w4, w5);
    const __m256 t6 = _mm256_unpacklo_ps(w6, w7), t7 = _mm256_unpackhi_ps(w6, w7);
    const __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xee);
    const __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xee);
    const __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xee);
    const __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xee);
    acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_permute2f128_ps(s0, s4, 0x20), _mm256_set1_ps(x[j + 0])));
    acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_permute2f128_ps(s1, s5, 0x20), _mm256_set1_ps(x[j + 1])));
    acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_permute2f128_ps(s2, s6, 0x20), _mm256_set1_ps(x[j + 2])));
    acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_permute2f128_ps(s3, s7, 0x20), _mm256_set1_ps(x[j + 3])));
    acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_permute2f128_ps(s0, s4, 0x31), _mm256_set1_ps(x[j + 4])));
    acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_permute2f128_ps(s1, s5, 0x31), _mm256_set1_ps(x[j + 5])));
    acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_permute2f128_ps(s2, s6, 0x31), _mm256_set1_ps(x[j + 6])));
    acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_permute2f128_ps(s3, s7, 0x31), _mm256_set1_ps(x[j + 7])));
    return acc;
}

/* The last n % 8 columns, one at a time (a gather of the eight rows' element). */
static inline __m256 tail8(const float *r0, size_t n, const float *x, size_t j, __m256 acc)
{
    for (; j < n; ++j) {
        const float *c = r0 + j;
        const __m256 col = _mm256_setr_ps(c[0], c[n], c[2 * n], c[3 * n], c[4 * n], c[5 * n], c[6 * n], c[7 * n]);
        acc = _mm256_add_ps(acc, _mm256_mul_ps(col, _mm256_set1_ps(x[j])));
    }
    return acc;
}

void llmbm_matvec_rows_f32_avx2(const llmbm_weight *w, const void *x_act, float *out, size_t row_begin, size_t row_end)
{
    const size_t n = w->cols, n8 = n & ~(size_t)7;
    const float *x = x_act, *data = w->data;
    size_t r = row_begin;
    for (; r + 16 <= row_end; r += 16) {
        const float *row = data + r * n;
        __m256 a0 = _mm256_setzero_ps(), a1 = a0;
        for (size_t j = 0; j < n8; j += 8) {
            a0 = step8(row, n, x, j, a0);
            a1 = step8(row + 8 * n, n, x, j, a1);
        }
        _mm256_storeu_ps(out + r, tail8(row, n, x, n8, a0));
        _mm256_storeu_ps(out + r + 8, tail8(row + 8 * n, n, x, n8, a1));
    }
    for (; r + 8 <= row_end; r += 8) {
        const float *row = data + r * n;
        __m256 a = _mm256_setzero_ps();
        for (size_t j = 0; j < n8; j += 8) a = step8(row, n, x, j, a);
        _mm256_storeu_ps(out + r, tail8(row, n, x, n8, a));
    }
    if (r < row_end) llmbm_matvec_rows_f32_sse2(w, x_act, out, r, row_end);
}

/* F32x16 (quant_formats.h): the same sums from contiguous loads, no transpose. */
#define VEC             __m256
#define VEC_LANES       8
#define VEC_ZERO()      _mm256_setzero_ps()
#define VEC_LOAD(p)     _mm256_loadu_ps(p)
#define VEC_SET1(f)     _mm256_set1_ps(f)
#define VEC_ADD(a, b)   _mm256_add_ps(a, b)
#define VEC_MUL(a, b)   _mm256_mul_ps(a, b)
#define VEC_STORE(p, v) _mm256_storeu_ps(p, v)
#include "matvec_f32x16.h"

void llmbm_matvec_rows_f32x16_avx2(const llmbm_weight *w, const void *x_act, float *out, size_t row_begin,
                                   size_t row_end)
{
    f32x16_rows(w, x_act, out, row_begin, row_end);
}
