/* SSE2 (x86-64 baseline) dots and row-range mat-vecs for BF16 weights and
 * the 32-element block types with a min or a 5th bit: Q4_1, Q5_0, Q5_1.
 *
 * No pmaddubsw (SSSE3): weight quants are unsigned (0..15 or 0..31), so they
 * are zero-extended to int16 by unpacking with zero, the activation is
 * sign-extended once per block, and pmaddwd sums the pairs into int32. The
 * Q5_0 zero point is folded in as 16 * sum(y) per activation block.
 *
 * The block types run ROWS_MAX rows per pass, sharing the activation's
 * widening and scale conversion. Each row's four int32 partial sums are
 * reduced to one exact int32 per block, and the four rows' block sums sit in
 * the four lanes of one vector: lane r then does exactly what the scalar
 * reference does per block, sumf += (d * dy) * (float)sumi (+ m * s), in
 * block order. A lone row (vec_dot, and matvec_rows' tail) runs the same code
 * in lane 0, so matvec_rows and vec_dot agree bit for bit. */
#include <emmintrin.h>

#include "kernels_sse2.h"
#include "quant_formats.h"
#include "row_entry_points.h"
#include "simd_sse2.h"

static inline int32_t load_i32(const void *p)
{
    int32_t v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

/* ---- BF16 weights against an f32 activation --------------------------- */

/* bf16 is the top half of an f32: unpacking zero below each half widens it
 * exactly. Lanes accumulate multiply-then-add (no FMA), as the F16 dot. */
static inline float dot_bf16(const void *w_row, const void *x_act, size_t n)
{
    const llmbm_bf16 *w = w_row;
    const float *x = x_act;
    const __m128i zero = _mm_setzero_si128();
    __m128 a0 = _mm_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m128i h0 = _mm_loadu_si128((const __m128i *)(w + i));
        const __m128i h1 = _mm_loadu_si128((const __m128i *)(w + i + 8));
        a0 = _mm_add_ps(a0, _mm_mul_ps(_mm_castsi128_ps(_mm_unpacklo_epi16(zero, h0)), _mm_loadu_ps(x + i)));
        a1 = _mm_add_ps(a1, _mm_mul_ps(_mm_castsi128_ps(_mm_unpackhi_epi16(zero, h0)), _mm_loadu_ps(x + i + 4)));
        a2 = _mm_add_ps(a2, _mm_mul_ps(_mm_castsi128_ps(_mm_unpacklo_epi16(zero, h1)), _mm_loadu_ps(x + i + 8)));
        a3 = _mm_add_ps(a3, _mm_mul_ps(_mm_castsi128_ps(_mm_unpackhi_epi16(zero, h1)), _mm_loadu_ps(x + i + 12)));
    }
    for (; i + 8 <= n; i += 8) {
        const __m128i h = _mm_loadu_si128((const __m128i *)(w + i));
        a0 = _mm_add_ps(a0, _mm_mul_ps(_mm_castsi128_ps(_mm_unpacklo_epi16(zero, h)), _mm_loadu_ps(x + i)));
        a1 = _mm_add_ps(a1, _mm_mul_ps(_mm_castsi128_ps(_mm_unpackhi_epi16(zero, h)), _mm_loadu_ps(x + i + 4)));
    }
    float sum = hsum_ps(_mm_add_ps(_mm_add_ps(a0, a1), _mm_add_ps(a2, a3)));
    for (; i < n; ++i) sum += llmbm_bf16_to_f32(w[i]) * x[i];
    return sum;
}

/* ---- 32-element blocks against Q8_0 / Q8_1 ----------------------------- */

#define ROWS_MAX 4

/* One activation block's 32 quants sign-extended to int16 (elements 0-7,
 * 8-15, 16-23, 24-31), shared by the rows of a pass. */
static inline void widen_act(const int8_t *qs, __m128i y[4])
{
    const __m128i a = _mm_loadu_si128((const __m128i *)qs);
    const __m128i b = _mm_loadu_si128((const __m128i *)(qs + 16));
    y[0] = _mm_srai_epi16(_mm_unpacklo_epi8(a, a), 8);
    y[1] = _mm_srai_epi16(_mm_unpackhi_epi8(a, a), 8);
    y[2] = _mm_srai_epi16(_mm_unpacklo_epi8(b, b), 8);
    y[3] = _mm_srai_epi16(_mm_unpackhi_epi8(b, b), 8);
}

/* Four int16 weight vectors (elements in the order of y) . y as int32
 * lanes. |q y + q' y'| <= 2 * 31 * 128: pmaddwd cannot overflow. */
static inline __m128i dot16x4(__m128i q0, __m128i q1, __m128i q2, __m128i q3, const __m128i y[4])
{
    return _mm_add_epi32(_mm_add_epi32(_mm_madd_epi16(q0, y[0]), _mm_madd_epi16(q1, y[1])),
                         _mm_add_epi32(_mm_madd_epi16(q2, y[2]), _mm_madd_epi16(q3, y[3])));
}

/* Q4_1: byte j of qs holds element j (low nibble) and j + 16 (high).
 * Zero-extending bytes 0-7 gives int16 lanes lo + 16 hi < 256, so a mask
 * yields elements 0-7 and a shift elements 16-23 (same for bytes 8-15). */
static inline __m128i int_dot_q4_1(const block_q4_1 *w, const __m128i y[4])
{
    const __m128i zero = _mm_setzero_si128(), m4 = _mm_set1_epi16(0x0F);
    const __m128i raw = _mm_loadu_si128((const __m128i *)w->qs);
    const __m128i b0 = _mm_unpacklo_epi8(raw, zero), b1 = _mm_unpackhi_epi8(raw, zero);
    return dot16x4(_mm_and_si128(b0, m4), _mm_and_si128(b1, m4), _mm_srli_epi16(b0, 4), _mm_srli_epi16(b1, 4), y);
}

/* Q5_0/Q5_1: the nibbles of Q4_1 plus bit j of the little-endian qh as 16.
 * SSE2 has no byte shuffle, so qh's bytes are broadcast by unpacking
 * (bytes 0,1 for elements 0-15; 2,3 for 16-31), each byte lane tests its
 * own bit, and the 0/-1 masks become 0/16. The 5-bit quants are then built
 * as bytes and zero-extended. */
static inline __m128i int_dot_q5(const uint8_t *qs, const uint8_t *qh, const __m128i y[4])
{
    const __m128i zero = _mm_setzero_si128(), m4 = _mm_set1_epi8(0x0F), k16 = _mm_set1_epi8(0x10);
    const __m128i sel = _mm_set1_epi64x((int64_t)0x8040201008040201ull);
    const __m128i h = _mm_cvtsi32_si128(load_i32(qh));
    const __m128i h2 = _mm_unpacklo_epi8(h, h);    /* b0 b0 b1 b1 b2 b2 b3 b3 */
    const __m128i h4 = _mm_unpacklo_epi16(h2, h2); /* each byte 4 times */
    const __m128i bits_lo = _mm_and_si128(_mm_cmpeq_epi8(_mm_and_si128(_mm_unpacklo_epi32(h4, h4), sel), sel), k16);
    const __m128i bits_hi = _mm_and_si128(_mm_cmpeq_epi8(_mm_and_si128(_mm_unpackhi_epi32(h4, h4), sel), sel), k16);
    const __m128i raw = _mm_loadu_si128((const __m128i *)qs);
    const __m128i lo = _mm_or_si128(_mm_and_si128(raw, m4), bits_lo);                    /* elements 0-15 */
    const __m128i hi = _mm_or_si128(_mm_and_si128(_mm_srli_epi16(raw, 4), m4), bits_hi); /* 16-31 */
    return dot16x4(_mm_unpacklo_epi8(lo, zero), _mm_unpackhi_epi8(lo, zero), _mm_unpacklo_epi8(hi, zero),
                   _mm_unpackhi_epi8(hi, zero), y);
}

static inline __m128i int_dot_q5_0(const block_q5_0 *w, const __m128i y[4]) { return int_dot_q5(w->qs, w->qh, y); }

static inline __m128i int_dot_q5_1(const block_q5_1 *w, const __m128i y[4]) { return int_dot_q5(w->qs, w->qh, y); }

/* ROWS_32(t, weight block, activation block, k, has_min): rows_<t> for
 * R <= ROWS_MAX rows, R a constant at each call site (1 or ROWS_MAX).
 * k is the zero point of unsigned quants (int32 lanes summing to k * sum(y)
 * are subtracted); has_min adds the Q8_1 min term m * s. Weight blocks
 * start with fp16 d, then fp16 m for the _1 types, so one 32-bit load per
 * row gets both (for Q5_0 the high half is qh, ignored). Lanes of absent
 * rows hold zeros and are not stored. */
#define ROWS_32(t, wblock, yblock, k, has_min)                                                                         \
    static inline void rows_##t(const uint8_t *w0, size_t stride, const void *x_act, size_t n, float *out,             \
                                const int R)                                                                           \
    {                                                                                                                  \
        const yblock *y = x_act;                                                                                       \
        __m128 acc = _mm_setzero_ps();                                                                                 \
        for (size_t i = 0; i < n / 32; ++i) {                                                                          \
            __m128i yq[4];                                                                                             \
            widen_act(y[i].qs, yq);                                                                                    \
            /* lanes sum to k * sum(y): |lane| <= 16 * 8 * 128 */                                                      \
            const __m128i yk = _mm_madd_epi16(_mm_add_epi16(_mm_add_epi16(yq[0], yq[1]), _mm_add_epi16(yq[2], yq[3])), \
                                              _mm_set1_epi16(k));                                                      \
            /* dy in lane 0, and (Q8_1) s in lane 1 */                                                                 \
            const __m128 ys =                                                                                          \
                fp16x4_to_f32(_mm_unpacklo_epi16(_mm_cvtsi32_si128(load_i32(&y[i])), _mm_setzero_si128()));            \
            __m128i s[ROWS_MAX];                                                                                       \
            int32_t head[ROWS_MAX];                                                                                    \
            for (int r = 0; r < ROWS_MAX; ++r) {                                                                       \
                s[r] = _mm_setzero_si128();                                                                            \
                head[r] = 0;                                                                                           \
            }                                                                                                          \
            for (int r = 0; r < R; ++r) {                                                                              \
                const wblock *w = (const wblock *)(const void *)(w0 + (size_t)r * stride) + i;                         \
                head[r] = load_i32(w);                                                                                 \
                s[r] = int_dot_##t(w, yq);                                                                             \
                if ((k) != 0) s[r] = _mm_sub_epi32(s[r], yk);                                                          \
            }                                                                                                          \
            const __m128i sumi = hsum4_epi32(s[0], s[1], s[2], s[3]);                                                  \
            const __m128i heads = _mm_setr_epi32(head[0], head[1], head[2], head[3]);                                  \
            const __m128 dd = _mm_mul_ps(fp16x4_to_f32(heads), _mm_shuffle_ps(ys, ys, 0x00));                          \
            __m128 blk = _mm_mul_ps(dd, _mm_cvtepi32_ps(sumi));                                                        \
            if (has_min)                                                                                               \
                blk = _mm_add_ps(blk,                                                                                  \
                                 _mm_mul_ps(fp16x4_to_f32(_mm_srli_epi32(heads, 16)), _mm_shuffle_ps(ys, ys, 0x55)));  \
            acc = _mm_add_ps(acc, blk);                                                                                \
        }                                                                                                              \
        store_rows(out, acc, R);                                                                                       \
    }

ROWS_32(q4_1, block_q4_1, block_q8_1, 0, 1)
ROWS_32(q5_0, block_q5_0, block_q8_0, 16, 0)
ROWS_32(q5_1, block_q5_1, block_q8_1, 0, 1)

/* ---- entry points ------------------------------------------------------ */

LLMBM_DOT_ENTRY_POINTS(bf16, sse2)
LLMBM_ROWS_ENTRY_POINTS(q4_1, sse2)
LLMBM_ROWS_ENTRY_POINTS(q5_0, sse2)
LLMBM_ROWS_ENTRY_POINTS(q5_1, sse2)
