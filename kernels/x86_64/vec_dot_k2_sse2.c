/* SSE2 dots and row-range mat-vecs of Q2_K, Q3_K and Q5_K rows with Q8_K
 * activations.
 *
 * No pmaddubsw (SSSE3): the activation's 256 quants are sign-extended to
 * int16 once per super-block (kept in a 512-byte stack buffer shared by the
 * ROWS_MAX rows of a pass), the weight quants are made unsigned (Q3_K's
 * -4 offset is folded in through the activation's group sums, bsums) and
 * zero-extended, and pmaddwd gives exact int32 partial sums. Group scales
 * are applied by a second pmaddwd: two groups' partial sums, packed to
 * int16 (the bounds below keep packs from saturating), times a vector that
 * holds the first group's scale in four lanes and the second's in the other
 * four. That avoids one pmullw per 8 quants and any per-group broadcast.
 *
 * Each row's super-block sums are reduced to exact int32 (sumi, and summ for
 * the mins) and the ROWS_MAX rows sit in the lanes of one vector, so lane r
 * does what the scalar reference does per super-block, in the same order:
 * sumf += (d * dy) * (float)sumi - (dmin * dy) * (float)summ. A lone row
 * (vec_dot, matvec_rows' tail) runs the same code in lane 0, hence vec_dot
 * and matvec_rows agree bit for bit. */
#include <emmintrin.h>

#include "kernels_sse2.h"
#include "quant_formats.h"
#include "row_entry_points.h"
#include "simd_sse2.h"

#define ROWS_MAX 4

/* One Q8_K super-block, prepared once per pass for all its rows. */
typedef struct {
    __m128i y[32];   /* qs sign-extended: group g (16 quants) is y[2g], y[2g + 1] */
    __m128i bs[2];   /* bsums of groups 0-7 and 8-15 (int16) */
    __m128i pair_bs; /* bsums[2j] + bsums[2j + 1], j = 0..7 (int16: |.| <= 4096) */
    __m128 d;        /* the f32 scale in every lane */
} act_k;

static inline void prepare_act_k(const block_q8_K *y, act_k *a)
{
    for (int j = 0; j < 16; ++j) {
        const __m128i v = _mm_loadu_si128((const __m128i *)(y->qs + 16 * j));
        a->y[2 * j] = _mm_srai_epi16(_mm_unpacklo_epi8(v, v), 8);
        a->y[2 * j + 1] = _mm_srai_epi16(_mm_unpackhi_epi8(v, v), 8);
    }
    a->bs[0] = _mm_loadu_si128((const __m128i *)y->bsums);
    a->bs[1] = _mm_loadu_si128((const __m128i *)(y->bsums + 8));
    const __m128i one = _mm_set1_epi16(1);
    a->pair_bs = _mm_packs_epi32(_mm_madd_epi16(a->bs[0], one), _mm_madd_epi16(a->bs[1], one));
    a->d = _mm_set1_ps(y->d);
}

/* 16 unsigned byte quants of group g . the activation's group g, as int32
 * lanes of four products each. */
static inline __m128i group_dot(__m128i q, const act_k *a, int g)
{
    const __m128i zero = _mm_setzero_si128();
    return _mm_add_epi32(_mm_madd_epi16(_mm_unpacklo_epi8(q, zero), a->y[2 * g]),
                         _mm_madd_epi16(_mm_unpackhi_epi8(q, zero), a->y[2 * g + 1]));
}

/* pat[j] = [s_2j x4, s_2j+1 x4] (int16) from the 8 int16 scales s_0..s_7 */
static inline void pair_patterns(__m128i s16, __m128i pat[4])
{
    const __m128i lo = _mm_unpacklo_epi16(s16, s16), hi = _mm_unpackhi_epi16(s16, s16);
    pat[0] = _mm_unpacklo_epi32(lo, lo);
    pat[1] = _mm_unpackhi_epi32(lo, lo);
    pat[2] = _mm_unpacklo_epi32(hi, hi);
    pat[3] = _mm_unpackhi_epi32(hi, hi);
}

/* s_a * sum(ga) + s_b * sum(gb) as int32 lanes, pat = [s_a x4, s_b x4];
 * every lane of ga and gb must fit int16 (packs saturates). */
static inline __m128i scale_pair(__m128i ga, __m128i gb, __m128i pat)
{
    return _mm_madd_epi16(_mm_packs_epi32(ga, gb), pat);
}

/* Bit b of each byte of v moved to bit `to` (other bits: garbage to mask).
 * 16-bit shifts are fine: bit `to` of each byte comes from its own byte. */
static inline __m128i bit_to(__m128i v, int b, int to)
{
    return b > to ? _mm_srli_epi16(v, b - to) : _mm_slli_epi16(v, to - b);
}

/* ---- per type: one row's super-block --------------------------------- */

/* Q2_K: quants 0..3, so a group's lane sums (4 products) are <= 1536.
 * Element 128h + 32p + k is bits 2p..2p+1 of qs[32h + k]: group 8h + 2p
 * for k < 16, 8h + 2p + 1 above. summ = sum_g min_g * bsums[g]. */
static inline void int_dot_q2_K(const block_q2_K *w, const act_k *a, __m128i *sumi, __m128i *summ, float *d,
                                float *dmin)
{
    const __m128i zero = _mm_setzero_si128(), m3 = _mm_set1_epi8(3), m4 = _mm_set1_epi8(0x0F);
    const __m128i packed = _mm_loadu_si128((const __m128i *)w->scales);
    const __m128i sc8 = _mm_and_si128(packed, m4), mn8 = _mm_and_si128(_mm_srli_epi16(packed, 4), m4);
    *summ = _mm_add_epi32(_mm_madd_epi16(_mm_unpacklo_epi8(mn8, zero), a->bs[0]),
                          _mm_madd_epi16(_mm_unpackhi_epi8(mn8, zero), a->bs[1]));
    __m128i pat[8];
    pair_patterns(_mm_unpacklo_epi8(sc8, zero), pat);
    pair_patterns(_mm_unpackhi_epi8(sc8, zero), pat + 4);
    __m128i acc = _mm_setzero_si128();
    for (int h = 0; h < 2; ++h) {
        const __m128i b0 = _mm_loadu_si128((const __m128i *)(w->qs + 32 * h));
        const __m128i b1 = _mm_loadu_si128((const __m128i *)(w->qs + 32 * h + 16));
        for (int p = 0; p < 4; ++p) {
            const int g = 8 * h + 2 * p;
            const __m128i q0 = _mm_and_si128(_mm_srli_epi16(b0, 2 * p), m3);
            const __m128i q1 = _mm_and_si128(_mm_srli_epi16(b1, 2 * p), m3);
            acc = _mm_add_epi32(acc, scale_pair(group_dot(q0, a, g), group_dot(q1, a, g + 1), pat[g / 2]));
        }
    }
    *sumi = acc;
    *d = llmbm_fp16_to_f32(w->d);
    *dmin = llmbm_fp16_to_f32(w->dmin);
}

/* Q3_K: as Q2_K plus bit (4h + p) of hmask[k]; a clear bit means -4. The
 * quants are taken as u = low + 4 * bit in 0..7 (lane sums <= 3584), and
 * sum_g s_g * 4 * bsums[g] is subtracted once: (u - 4) . y = u . y - 4 sum(y).
 * Scales are signed 6-bit (-32..31). No mins. */
static inline void int_dot_q3_K(const block_q3_K *w, const act_k *a, __m128i *sumi, __m128i *summ, float *d,
                                float *dmin)
{
    const uint32_t kmask1 = 0x03030303, kmask2 = 0x0f0f0f0f;
    const __m128i m3 = _mm_set1_epi8(3), k4 = _mm_set1_epi8(4);
    /* the 16 scales of llmbm_q3k_scales, four bytes at a time */
    const uint32_t a0 = llmbm_load_u32le(w->scales), a1 = llmbm_load_u32le(w->scales + 4),
                   a2 = llmbm_load_u32le(w->scales + 8);
    const __m128i sc8 = _mm_sub_epi8(_mm_setr_epi32((int)((a0 & kmask2) | ((a2 & kmask1) << 4)),
                                                    (int)((a1 & kmask2) | (((a2 >> 2) & kmask1) << 4)),
                                                    (int)(((a0 >> 4) & kmask2) | (((a2 >> 4) & kmask1) << 4)),
                                                    (int)(((a1 >> 4) & kmask2) | (((a2 >> 6) & kmask1) << 4))),
                                     _mm_set1_epi8(32));
    const __m128i sc16_lo = _mm_srai_epi16(_mm_unpacklo_epi8(sc8, sc8), 8);
    const __m128i sc16_hi = _mm_srai_epi16(_mm_unpackhi_epi8(sc8, sc8), 8);
    __m128i pat[8];
    pair_patterns(sc16_lo, pat);
    pair_patterns(sc16_hi, pat + 4);
    const __m128i hm0 = _mm_loadu_si128((const __m128i *)w->hmask);
    const __m128i hm1 = _mm_loadu_si128((const __m128i *)(w->hmask + 16));
    __m128i acc = _mm_setzero_si128();
    for (int h = 0; h < 2; ++h) {
        const __m128i b0 = _mm_loadu_si128((const __m128i *)(w->qs + 32 * h));
        const __m128i b1 = _mm_loadu_si128((const __m128i *)(w->qs + 32 * h + 16));
        for (int p = 0; p < 4; ++p) {
            const int g = 8 * h + 2 * p;
            const __m128i q0 = _mm_or_si128(_mm_and_si128(_mm_srli_epi16(b0, 2 * p), m3),
                                            _mm_and_si128(bit_to(hm0, 4 * h + p, 2), k4));
            const __m128i q1 = _mm_or_si128(_mm_and_si128(_mm_srli_epi16(b1, 2 * p), m3),
                                            _mm_and_si128(bit_to(hm1, 4 * h + p, 2), k4));
            acc = _mm_add_epi32(acc, scale_pair(group_dot(q0, a, g), group_dot(q1, a, g + 1), pat[g / 2]));
        }
    }
    /* |s_g * bsums[g]| <= 32 * 2048: the int32 sums stay exact */
    const __m128i offset = _mm_add_epi32(_mm_madd_epi16(sc16_lo, a->bs[0]), _mm_madd_epi16(sc16_hi, a->bs[1]));
    *sumi = _mm_sub_epi32(acc, _mm_slli_epi32(offset, 2));
    *summ = _mm_setzero_si128(); /* no mins (ROWS_K's has_min = 0) */
    *d = llmbm_fp16_to_f32(w->d);
    *dmin = 0.0f;
}

/* Q5_K: 8 sub-blocks of 32 with 6-bit scales and mins. Chunk c holds
 * sub-block 2c in the low nibbles of qs[32c..], 2c + 1 in the high ones,
 * with bits 2c / 2c + 1 of qh[k] as 16. A sub-block's lane sums (8 products
 * of quants <= 31 and |y| <= 128) are <= 31744 and fit int16. */
static inline void int_dot_q5_K(const block_q5_K *w, const act_k *a, __m128i *sumi, __m128i *summ, float *d,
                                float *dmin)
{
    const uint32_t kmask1 = 0x3f3f3f3f, kmask2 = 0x0f0f0f0f, kmask3 = 0x03030303;
    const __m128i zero = _mm_setzero_si128(), m4 = _mm_set1_epi8(0x0F), k16 = _mm_set1_epi8(0x10);
    /* the scales and mins of llmbm_k4_scale_min, four bytes at a time */
    const uint32_t a0 = llmbm_load_u32le(w->scales), a1 = llmbm_load_u32le(w->scales + 4),
                   a2 = llmbm_load_u32le(w->scales + 8);
    const __m128i sm8 = _mm_setr_epi32((int)(a0 & kmask1), (int)((a2 & kmask2) | (((a0 >> 6) & kmask3) << 4)),
                                       (int)(a1 & kmask1), (int)(((a2 >> 4) & kmask2) | (((a1 >> 6) & kmask3) << 4)));
    /* summ = sum_j m_j * (bsums[2j] + bsums[2j + 1]) */
    *summ = _mm_madd_epi16(_mm_unpackhi_epi8(sm8, zero), a->pair_bs);
    __m128i pat[4];
    pair_patterns(_mm_unpacklo_epi8(sm8, zero), pat);
    const __m128i hm[2] = {_mm_loadu_si128((const __m128i *)w->qh), _mm_loadu_si128((const __m128i *)(w->qh + 16))};
    __m128i acc = _mm_setzero_si128();
    for (int c = 0; c < 4; ++c) {
        __m128i lo_sum = _mm_setzero_si128(), hi_sum = _mm_setzero_si128();
        for (int half = 0; half < 2; ++half) {
            /* elements 64c + 16 half + 0..15 (low nibbles) and + 32 (high) */
            const __m128i bits = _mm_loadu_si128((const __m128i *)(w->qs + 32 * c + 16 * half));
            const __m128i lo = _mm_or_si128(_mm_and_si128(bits, m4), _mm_and_si128(bit_to(hm[half], 2 * c, 4), k16));
            const __m128i hi = _mm_or_si128(_mm_and_si128(_mm_srli_epi16(bits, 4), m4),
                                            _mm_and_si128(bit_to(hm[half], 2 * c + 1, 4), k16));
            lo_sum = _mm_add_epi32(lo_sum, group_dot(lo, a, 4 * c + half));
            hi_sum = _mm_add_epi32(hi_sum, group_dot(hi, a, 4 * c + 2 + half));
        }
        acc = _mm_add_epi32(acc, scale_pair(lo_sum, hi_sum, pat[c]));
    }
    *sumi = acc;
    *d = llmbm_fp16_to_f32(w->d);
    *dmin = llmbm_fp16_to_f32(w->dmin);
}

/* ---- R rows per pass ---------------------------------------------------- */

/* rows_<t> for R <= ROWS_MAX rows, R a constant at each call site (1 or
 * ROWS_MAX). has_min: the type has dmin (the scalar's "- dmin * summ").
 * Lanes of absent rows hold zeros and are not stored. */
#define ROWS_K(t, wblock, has_min)                                                                                     \
    static inline void rows_##t(const uint8_t *w0, size_t stride, const void *x_act, size_t n, float *out,             \
                                const int R)                                                                           \
    {                                                                                                                  \
        const block_q8_K *y = x_act;                                                                                   \
        __m128 acc = _mm_setzero_ps();                                                                                 \
        for (size_t i = 0; i < n / LLMBM_QK_K; ++i) {                                                                  \
            act_k a;                                                                                                   \
            prepare_act_k(&y[i], &a);                                                                                  \
            __m128i si[ROWS_MAX], sm[ROWS_MAX];                                                                        \
            float d[ROWS_MAX], dmin[ROWS_MAX];                                                                         \
            for (int r = 0; r < ROWS_MAX; ++r) {                                                                       \
                si[r] = sm[r] = _mm_setzero_si128();                                                                   \
                d[r] = dmin[r] = 0.0f;                                                                                 \
            }                                                                                                          \
            for (int r = 0; r < R; ++r)                                                                                \
                int_dot_##t((const wblock *)(const void *)(w0 + (size_t)r * stride) + i, &a, &si[r], &sm[r], &d[r],    \
                            &dmin[r]);                                                                                 \
            const __m128 dall = _mm_mul_ps(_mm_setr_ps(d[0], d[1], d[2], d[3]), a.d);                                  \
            const __m128 dmn = _mm_mul_ps(_mm_setr_ps(dmin[0], dmin[1], dmin[2], dmin[3]), a.d);                       \
            const __m128 sumi = _mm_cvtepi32_ps(hsum4_epi32(si[0], si[1], si[2], si[3]));                              \
            const __m128 summ = _mm_cvtepi32_ps(hsum4_epi32(sm[0], sm[1], sm[2], sm[3]));                              \
            __m128 blk = _mm_mul_ps(dall, sumi);                                                                       \
            if (has_min) blk = _mm_sub_ps(blk, _mm_mul_ps(dmn, summ));                                                 \
            acc = _mm_add_ps(acc, blk);                                                                                \
        }                                                                                                              \
        store_rows(out, acc, R);                                                                                       \
    }

ROWS_K(q2_K, block_q2_K, 1)
ROWS_K(q3_K, block_q3_K, 0)
ROWS_K(q5_K, block_q5_K, 1)

/* ---- entry points ------------------------------------------------------ */

LLMBM_ROWS_ENTRY_POINTS(q2_K, sse2)
LLMBM_ROWS_ENTRY_POINTS(q3_K, sse2)
LLMBM_ROWS_ENTRY_POINTS(q5_K, sse2)
