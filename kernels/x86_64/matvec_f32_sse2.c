/* F32 mat-vec at the SSE2 level, bit-identical to the scalar loop
 * (llmbm_vec_dot_f32_scalar: sum = 0.0f, then sum += w[j] * x[j] for j from 0,
 * a rounded multiply and a rounded add; llama2.c run.c's matmul).
 *
 * One row's sum cannot be split over lanes (partial sums round differently),
 * so the lanes hold rows: lane k accumulates row r+k in exactly the scalar
 * order. A 4x4 transpose turns four rows' next four elements into four
 * column vectors; the activation element is a broadcast. Four such groups
 * (16 rows) advance side by side because each group's sum is one chain of
 * dependent adds: one chain alone would wait on the add latency, not on
 * memory. Multiplies and adds are separate intrinsics (-ffp-contract=off for
 * the level's files), never fused. */
#include <emmintrin.h>

#include "kernels_f32.h"

/* Columns j..j+3 of rows r0, r0+n, r0+2n, r0+3n: lane k of acc += row k's four terms, in order. */
static inline __attribute__((always_inline)) __m128 step4(const float *r0, size_t n, const float *x, size_t j,
                                                          __m128 acc)
{
    __m128 c0 = _mm_loadu_ps(r0 + j), c1 = _mm_loadu_ps(r0 + n + j);
    __m128 c2 = _mm_loadu_ps(r0 + 2 * n + j), c3 = _mm_loadu_ps(r0 + 3 * n + j);
    _MM_TRANSPOSE4_PS(c0, c1, c2, c3); /* c_m = (row0[j+m], row1[j+m], row2[j+m], row3[j+m]) */
    acc = _mm_add_ps(acc, _mm_mul_ps(c0, _mm_set1_ps(x[j + 0])));
    acc = _mm_add_ps(acc, _mm_mul_ps(c1, _mm_set1_ps(x[j + 1])));
    acc = _mm_add_ps(acc, _mm_mul_ps(c2, _mm_set1_ps(x[j + 2])));
    acc = _mm_add_ps(acc, _mm_mul_ps(c3, _mm_set1_ps(x[j + 3])));
    return acc;
}

/* The last n % 4 columns, one at a time. */
static inline __m128 tail4(const float *r0, size_t n, const float *x, size_t j, __m128 acc)
{
    for (; j < n; ++j)
        acc =
            _mm_add_ps(acc, _mm_mul_ps(_mm_setr_ps(r0[j], r0[n + j], r0[2 * n + j], r0[3 * n + j]), _mm_set1_ps(x[j])));
    return acc;
}

void llmbm_matvec_rows_f32_sse2(const llmbm_weight *w, const void *x_act, float *out, size_t row_begin, size_t row_end)
{
    const size_t n = w->cols, n4 = n & ~(size_t)3;
    const float *x = x_act, *data = w->data;
    size_t r = row_begin;
    for (; r + 16 <= row_end; r += 16) {
        const float *row = data + r * n;
        __m128 a0 = _mm_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        for (size_t j = 0; j < n4; j += 4) {
            a0 = step4(row, n, x, j, a0);
            a1 = step4(row + 4 * n, n, x, j, a1);
            a2 = step4(row + 8 * n, n, x, j, a2);
            a3 = step4(row + 12 * n, n, x, j, a3);
        }
        _mm_storeu_ps(out + r, tail4(row, n, x, n4, a0));
        _mm_storeu_ps(out + r + 4, tail4(row + 4 * n, n, x, n4, a1));
        _mm_storeu_ps(out + r + 8, tail4(row + 8 * n, n, x, n4, a2));
        _mm_storeu_ps(out + r + 12, tail4(row + 12 * n, n, x, n4, a3));
    }
    for (; r + 4 <= row_end; r += 4) {
        const float *row = data + r * n;
        __m128 a = _mm_setzero_ps();
        for (size_t j = 0; j < n4; j += 4) a = step4(row, n, x, j, a);
        _mm_storeu_ps(out + r, tail4(row, n, x, n4, a));
    }
    if (r < row_end) llmbm_matvec_rows_f32_scalar(w, x_act, out, r, row_end);
}

/* F32x16 (quant_formats.h): the same sums from contiguous loads, no transpose. */
#define VEC             __m128
#define VEC_LANES       4
#define VEC_ZERO()      _mm_setzero_ps()
#define VEC_LOAD(p)     _mm_loadu_ps(p)
#define VEC_SET1(f)     _mm_set1_ps(f)
#define VEC_ADD(a, b)   _mm_add_ps(a, b)
#define VEC_MUL(a, b)   _mm_mul_ps(a, b)
#define VEC_STORE(p, v) _mm_storeu_ps(p, v)
#include "matvec_f32x16.h"

void llmbm_matvec_rows_f32x16_sse2(const llmbm_weight *w, const void *x_act, float *out, size_t row_begin,
                                   size_t row_end)
{
    f32x16_rows(w, x_act, out, row_begin, row_end);
}
