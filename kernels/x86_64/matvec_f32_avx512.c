/* F32 mat-vec at the AVX-512 levels (F only), bit-identical to the scalar
 * loop (see matvec_f32_sse2.c for why rows go in lanes). Lane k of the
 * accumulator is row r+k of 16; a 16x16 transpose in four shuffle stages
 * (unpack, shuffle_ps, two 128-bit-lane shuffles) turns sixteen rows' next
 * sixteen elements into sixteen column vectors. One group's chain of sixteen
 * dependent adds per 1 KiB is shorter than its 64 shuffles, so one group at
 * a time keeps the shuffle ports, not the add latency, the bound. Separate
 * multiplies and adds, never FMA; leftover rows go to the AVX2 code. */
#include <immintrin.h>

#include "kernels_f32.h"

static inline __attribute__((always_inline)) __m512 step16(const float *r0, size_t n, const float *x, size_t j,
                                                           __m512 acc)
{
    __m512 t[16], s[16];
    for (int k = 0; k < 16; k += 2) {
        const __m512 a = _mm512_loadu_ps(r0 + (size_t)k * n + j), b = _mm512_loadu_ps(r0 + (size_t)(k + 1) * n + j);
        t[k] = _mm512_unpacklo_ps(a, b);     /* per 128-bit lane L: a[4L], b[4L], a[4L+1], b[4L+1] */
        t[k + 1] = _mm512_unpackhi_ps(a, b); /* a[4L+2], b[4L+2], a[4L+3], b[4L+3] */
    }
    /* s[4g+m], lane L: column 4L+m of rows 4g..4g+3 */
    for (int g = 0; g < 4; ++g) {
        s[4 * g + 0] = _mm512_shuffle_ps(t[4 * g + 0], t[4 * g + 2], 0x44);
        s[4 * g + 1] = _mm512_shuffle_ps(t[4 * g + 0], t[4 * g + 2], 0xee);
        s[4 * g + 2] = _mm512_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0x44);
        s[4 * g + 3] = _mm512_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0xee);
    }
    __m512 col[16];
    for (int m = 0; m < 4; ++m) {
        /* u: lanes 0,1 (then 2,3) of rows 0-3 and 4-7; v: of rows 8-11 and 12-15 */
        const __m512 u0 = _mm512_shuffle_f32x4(s[m], s[4 + m], 0x44), u1 = _mm512_shuffle_f32x4(s[m], s[4 + m], 0xee);
        const __m512 v0 = _mm512_shuffle_f32x4(s[8 + m], s[12 + m], 0x44);
        const __m512 v1 = _mm512_shuffle_f32x4(s[8 + m], s[12 + m], 0xee);
        col[m] = _mm512_shuffle_f32x4(u0, v0, 0x88);      /* column m: lanes 0 of the four row quads */
        col[4 + m] = _mm512_shuffle_f32x4(u0, v0, 0xdd);  /* column 4+m */
        col[8 + m] = _mm512_shuffle_f32x4(u1, v1, 0x88);  /* column 8+m */
        col[12 + m] = _mm512_shuffle_f32x4(u1, v1, 0xdd); /* column 12+m */
    }
    for (int m = 0; m < 16; ++m) acc = _mm512_add_ps(acc, _mm512_mul_ps(col[m], _mm512_set1_ps(x[j + (size_t)m])));
    return acc;
}

void llmbm_matvec_rows_f32_avx512(const llmbm_weight *w, const void *x_act, float *out, size_t row_begin,
                                  size_t row_end)
{
    const size_t n = w->cols, n16 = n & ~(size_t)15;
    const float *x = x_act, *data = w->data;
    /* the column tail's gather offsets are int32 */
    if ((uint64_t)n * 15 > INT32_MAX) {
        llmbm_matvec_rows_f32_avx2(w, x_act, out, row_begin, row_end);
        return;
    }
    const __m512i offsets = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                               _mm512_set1_epi32((int32_t)n));
    size_t r = row_begin;
    for (; r + 16 <= row_end; r += 16) {
        const float *row = data + r * n;
        __m512 a = _mm512_setzero_ps();
        for (size_t j = 0; j < n16; j += 16) a = step16(row, n, x, j, a);
        for (size_t j = n16; j < n; ++j)
            a = _mm512_add_ps(a, _mm512_mul_ps(_mm512_i32gather_ps(offsets, row + j, 4), _mm512_set1_ps(x[j])));
        _mm512_storeu_ps(out + r, a);
    }
    if (r < row_end) llmbm_matvec_rows_f32_avx2(w, x_act, out, r, row_end);
}

/* F32x16 (quant_formats.h): one 64-byte load is element j of a group's 16
 * rows, so a lane is a row and nothing is shuffled. */
#define VEC             __m512
#define VEC_LANES       16
#define VEC_ZERO()      _mm512_setzero_ps()
#define VEC_LOAD(p)     _mm512_loadu_ps(p)
#define VEC_SET1(f)     _mm512_set1_ps(f)
#define VEC_ADD(a, b)   _mm512_add_ps(a, b)
#define VEC_MUL(a, b)   _mm512_mul_ps(a, b)
#define VEC_STORE(p, v) _mm512_storeu_ps(p, v)
#include "matvec_f32x16.h"

void llmbm_matvec_rows_f32x16_avx512(const llmbm_weight *w, const void *x_act, float *out, size_t row_begin,
                                     size_t row_end)
{
    f32x16_rows(w, x_act, out, row_begin, row_end);
}
