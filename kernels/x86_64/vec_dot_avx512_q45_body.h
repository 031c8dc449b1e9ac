/* AVX-512 row dots for BF16 and the 32-element block types with a min or a
 * fifth bit: Q4_1, Q5_0, Q5_1. Included by vec_dot_avx512.c and
 * vec_dot_avx512vnni.c after vec_dot_avx512_body.h, whose helpers
 * (FLOAT_DOT_512, load_4x128, gather_d16, ROWS_MAX) it uses; compiled once
 * per AVX-512 level like that body. */
#pragma once

#include "vec_dot_avx512_body.h"

/* ---- BF16 against f32 ------------------------------------------------------- */

/* bf16 is the top half of an f32: zero-extend to 32 bits and shift left by
 * 16 (plain AVX-512F); the masked load lets FLOAT_DOT_512 take any n. */
static inline float dot_bf16(const void *w_row, const void *x_act, size_t n)
{
    const llmbm_bf16 *w = w_row;
    const float *x = x_act;
#define BF16_TO_F32(h16) _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h16), 16))
#define LOAD_BF16(i)     BF16_TO_F32(_mm256_loadu_si256((const __m256i *)(w + (i))))
#define TAIL_BF16(m, i)  BF16_TO_F32(_mm256_maskz_loadu_epi16(m, w + (i)))
    FLOAT_DOT_512(LOAD_BF16, TAIL_BF16);
}

/* ---- Q4_1, Q5_0, Q5_1: four blocks per register ----------------------------- */

/* The layout of rows_q4_0 in vec_dot_avx512_body.h: one 128-bit lane per
 * block, low nibbles (elements 0..15) in one register and high nibbles
 * (16..31) in another, the activation loaded to match once for all rows.
 * The int32 sums have 4 lanes per block, so one convert and one FMA serve
 * four blocks. Every row sees the same operations in the same order whether
 * it runs alone (vec_dot) or with others (matvec_rows): the two agree bit
 * for bit. A row's leftover blocks (nb % 16) go through the same group code
 * with the missing blocks zero (quants and scales), which adds exact zeros. */

/* acc + a . ya + b . yb in 4-byte lanes, for unsigned a, b < 32 and signed
 * y. Without VNNI the two maddubs results add as int16 before one madd:
 * each is at most 2 * 31 * 128 = 7936 in magnitude, their sum 15872, so
 * neither saturates; this saves a madd and an add per register pair. */
static inline __m512i dot2_u8i8(__m512i acc, __m512i a, __m512i ya, __m512i b, __m512i yb)
{
#ifdef LLMBM_AVX512_VNNI
    return _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(acc, a, ya), b, yb);
#else
    const __m512i p16 = _mm512_add_epi16(_mm512_maddubs_epi16(a, ya), _mm512_maddubs_epi16(b, yb));
    return _mm512_add_epi32(acc, _mm512_madd_epi16(p16, _mm512_set1_epi16(1)));
#endif
}

/* 16 bytes from each of four places 'stride' apart into the four 128-bit
 * lanes; lanes j >= cnt are zero (a row's last group may be short, and
 * nothing past its last block may be read). */
static inline __m512i load_quad(const void *p, size_t stride, int cnt)
{
    const uint8_t *b = p;
    if (cnt == 4) return load_4x128(b, b + stride, b + 2 * stride, b + 3 * stride);
    __m512i v = _mm512_setzero_si512();
    v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)b), 0);
    if (cnt > 1) v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(b + stride)), 1);
    if (cnt > 2) v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(b + 2 * stride)), 2);
    return v;
}

/* The 16-bit word at byte `off` of a block (any alignment). */
static inline uint16_t u16_at(const void *block, size_t off)
{
    uint16_t h;
    __builtin_memcpy(&h, (const uint8_t *)block + off, 2);
    return h;
}

/* For a short last group's scales: the fp16 at byte `off` of cnt blocks
 * `stride` apart as floats, [h0 x4 | h1 x4 | h2 x4 | h3 x4] (x4) or
 * [h0 h1 h2 h3] (x1), zero for missing blocks. */
static inline __m512 quad_fp16_x4(const void *p, size_t stride, size_t off, int cnt)
{
    short h[4] = {0, 0, 0, 0};
    for (int j = 0; j < cnt; ++j) h[j] = (short)u16_at((const uint8_t *)p + (size_t)j * stride, off);
    return _mm512_cvtph_ps(_mm256_setr_epi16(h[0], h[0], h[0], h[0], h[1], h[1], h[1], h[1], h[2], h[2], h[2], h[2],
                                             h[3], h[3], h[3], h[3]));
}

static inline __m128 quad_fp16_x1(const void *p, size_t stride, size_t off, int cnt)
{
    short h[4] = {0, 0, 0, 0};
    for (int j = 0; j < cnt; ++j) h[j] = (short)u16_at((const uint8_t *)p + (size_t)j * stride, off);
    return _mm_cvtph_ps(_mm_setr_epi16(h[0], h[1], h[2], h[3], 0, 0, 0, 0));
}

/* The activation's side of a group of four blocks, shared by all rows. */
struct act_quad {
    __m512i ylo, yhi; /* elements 0..15 / 16..31 of each block, a lane per block */
    __m512i nksum;    /* Q5_0: -16 * sum(y) per 4-byte lane; else 0 */
    __m512 dy;        /* block j's d in lanes 4j..4j+3 */
    __m128 sy;        /* Q8_1: block j's s in lane j */
};

/* Block j's 5th bits as a 64-bit byte mask for the quad layout: bits 0..15
 * of each qh (half 0, the low nibbles' elements) or bits 16..31 (half 1),
 * 16 per lane. From scalar 16-bit loads: cheaper than moving the bits out of
 * a vector, and the integer ports are idle here. */
static inline __mmask64 qh_quad_mask(const uint8_t *qh0, size_t stride, int cnt, int half)
{
    uint64_t m = 0;
    for (int j = 0; j < cnt; ++j) m |= (uint64_t)u16_at(qh0 + (size_t)j * stride, 2 * (size_t)half) << (16 * j);
    return _cvtu64_mask64(m);
}

/* One row's int32 sums for the group, 4 lanes per block; raw is the
 * four blocks' qs, a lane each. */
static inline __m512i quad_q4_1(__m512i raw, const block_q4_1 *w, int cnt, const struct act_quad *a)
{
    (void)w, (void)cnt;
    const __m512i m4 = _mm512_set1_epi8(0x0F);
    const __m512i lo = _mm512_and_si512(raw, m4), hi = _mm512_and_si512(_mm512_srli_epi16(raw, 4), m4);
    return dot2_u8i8(_mm512_setzero_si512(), lo, a->ylo, hi, a->yhi); /* min term: m * s, apart */
}

/* Q5_x: nibble + 16 where the block's qh bit is set (bit 4 of the nibble is
 * clear, so an add is an or). */
#define QUAD_Q5(t)                                                                                                     \
    static inline __m512i quad_##t(__m512i raw, const block_##t *w, int cnt, const struct act_quad *a)                 \
    {                                                                                                                  \
        const __m512i m4 = _mm512_set1_epi8(0x0F), k16 = _mm512_set1_epi8(16);                                         \
        __m512i lo = _mm512_and_si512(raw, m4), hi = _mm512_and_si512(_mm512_srli_epi16(raw, 4), m4);                  \
        lo = _mm512_mask_add_epi8(lo, qh_quad_mask(w->qh, sizeof *w, cnt, 0), lo, k16);                                \
        hi = _mm512_mask_add_epi8(hi, qh_quad_mask(w->qh, sizeof *w, cnt, 1), hi, k16);                                \
        return dot2_u8i8(a->nksum, lo, a->ylo, hi, a->yhi);                                                            \
    }
QUAD_Q5(q5_0)
QUAD_Q5(q5_1)

/* A full group's scales straight from the row: the four blocks' d (and m)
 * are at fixed word offsets of their bytes, so one or two 64-byte loads and
 * one word permute give [d_j x4] (words 0..15) and m_j (words 16..19), with
 * no per-block broadcasts. Q5_0/Q5_1 groups are 88/96 bytes: the second
 * load ends at the group's end (bytes 24.. / 32..). (Permuting the qs out
 * of the same loads, instead of load_quad, measured slower.) */
struct w_scales {
    __m512 d; /* block j's d in lanes 4j..4j+3 */
    __m128 m; /* block j's m in lane j (the _1 types) */
};

/* Word indices: d of block j at word dw(j), m at mw(j), >= 32 for the
 * second load. Unused words pick word 0. */
#define QUAD_IDX(d0, d1, d2, d3, m0, m1, m2, m3)                                                                       \
    _mm512_setr_epi32((d0) | (d0) << 16, (d0) | (d0) << 16, (d1) | (d1) << 16, (d1) | (d1) << 16, (d2) | (d2) << 16,   \
                      (d2) | (d2) << 16, (d3) | (d3) << 16, (d3) | (d3) << 16, (m0) | (m1) << 16, (m2) | (m3) << 16,   \
                      0, 0, 0, 0, 0, 0)

static inline struct w_scales scales_from_words(__m512i words)
{
    struct w_scales s;
    s.d = _mm512_cvtph_ps(_mm512_castsi512_si256(words));
    s.m = _mm_cvtph_ps(_mm512_extracti32x4_epi32(words, 2));
    return s;
}

static inline struct w_scales scales_q4_1(const block_q4_1 *w)
{
    /* 20-byte blocks: d at words 0, 10, 20, 30, m one word after each */
    const __m512i idx = QUAD_IDX(0, 10, 20, 30, 1, 11, 21, 31);
    return scales_from_words(_mm512_permutexvar_epi16(idx, _mm512_loadu_si512(w)));
}

static inline struct w_scales scales_q5_0(const block_q5_0 *w)
{
    /* 22-byte blocks: d at bytes 0, 22, 44 of the first load and 66, which
     * is byte 42 (word 21) of the second (bytes 24..87) */
    const __m512i idx = QUAD_IDX(0, 11, 22, 32 + 21, 0, 0, 0, 0);
    const uint8_t *p = (const uint8_t *)w;
    return scales_from_words(_mm512_permutex2var_epi16(_mm512_loadu_si512(p), idx, _mm512_loadu_si512(p + 24)));
}

static inline struct w_scales scales_q5_1(const block_q5_1 *w)
{
    /* 24-byte blocks: d at bytes 0, 24, 48 and 72 = byte 40 (word 20) of the
     * second load (bytes 32..95); m two bytes after each */
    const __m512i idx = QUAD_IDX(0, 12, 24, 32 + 20, 1, 13, 25, 32 + 21);
    const uint8_t *p = (const uint8_t *)w;
    return scales_from_words(_mm512_permutex2var_epi16(_mm512_loadu_si512(p), idx, _mm512_loadu_si512(p + 32)));
}

/* The same for a short last group, word by word. */
#define SCALES_TAIL(t, has_min)                                                                                        \
    static inline struct w_scales scales_tail_##t(const block_##t *w, int cnt)                                         \
    {                                                                                                                  \
        struct w_scales s;                                                                                             \
        s.d = quad_fp16_x4(w, sizeof *w, 0, cnt);                                                                      \
        s.m = (has_min) ? quad_fp16_x1(w, sizeof *w, 2, cnt) : _mm_setzero_ps();                                       \
        return s;                                                                                                      \
    }
SCALES_TAIL(q4_1, 1)
SCALES_TAIL(q5_0, 0)
SCALES_TAIL(q5_1, 1)

/* Block b..b+cnt-1 of the activation (Q8_0 or Q8_1: qs at qs_off). */
static inline void act_quad_quants(struct act_quad *a, const void *y0, size_t ystride, size_t qs_off, int cnt, int k)
{
    const uint8_t *q = (const uint8_t *)y0 + qs_off;
    a->ylo = load_quad(q, ystride, cnt);
    a->yhi = load_quad(q + 16, ystride, cnt);
    a->nksum = _mm512_setzero_si512();
    if (k) { /* -k * sum(y): dot2's limit holds for k = 16 */
        const __m512i kk = _mm512_set1_epi8((char)k);
        a->nksum = _mm512_sub_epi32(_mm512_setzero_si512(), dot2_u8i8(_mm512_setzero_si512(), kk, a->ylo, kk, a->yhi));
    }
}

/* rows_<t>(w0, stride, y, n, out, R) as rows_q4_0: out[r] = dot of row r
 * (at w0 + r * stride) for r < R, R constant after inlining. Per row and
 * group: acc += cvt(sumi) * (d_w * d_y) in 16 lanes, and for the _1 types
 * accm += m * s in 4 lanes; out = reduce(acc) + hsum(accm). */
#define ROWS_Q45(t, yblock, k, has_min)                                                                                \
    static inline void rows_##t(const uint8_t *w0, size_t stride, const void *x_act, size_t n, float *out,             \
                                const int R)                                                                           \
    {                                                                                                                  \
        const yblock *y = x_act;                                                                                       \
        const size_t nb = n / 32;                                                                                      \
        const size_t qs_off = offsetof(yblock, qs);                                                                    \
        const __m512i lane_block = _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);                  \
        __m512 acc[ROWS_MAX];                                                                                          \
        __m128 accm[ROWS_MAX];                                                                                         \
        for (int r = 0; r < R; ++r) {                                                                                  \
            acc[r] = _mm512_setzero_ps();                                                                              \
            accm[r] = _mm_setzero_ps();                                                                                \
        }                                                                                                              \
        size_t i = 0;                                                                                                  \
        for (; i + 16 <= nb; i += 16) {                                                                                \
            /* the activation's d (and s) of 16 blocks by two gathers */                                               \
            const __m512 dy16 = gather_d16(&y[i], (int)sizeof(yblock));                                                \
            const __m512 sy16 =                                                                                        \
                has_min ? gather_d16((const uint8_t *)&y[i] + 2, (int)sizeof(yblock)) : _mm512_setzero_ps();           \
            for (int q = 0; q < 4; ++q) {                                                                              \
                const size_t b = i + 4 * (size_t)q;                                                                    \
                struct act_quad a;                                                                                     \
                act_quad_quants(&a, &y[b], sizeof(yblock), qs_off, 4, k);                                              \
                const __m512i qi = _mm512_set1_epi32(4 * q);                                                           \
                a.dy = _mm512_permutexvar_ps(_mm512_add_epi32(qi, lane_block), dy16);                                  \
                a.sy = _mm512_castps512_ps128(_mm512_permutexvar_ps(                                                   \
                    _mm512_add_epi32(qi, _mm512_castsi128_si512(_mm_setr_epi32(0, 1, 2, 3))), sy16));                  \
                for (int r = 0; r < R; ++r) {                                                                          \
                    const block_##t *w = (const block_##t *)(const void *)(w0 + (size_t)r * stride) + b;               \
                    if (R > 1) { /* the same place 2 * ROWS_MAX rows on: <= 96 bytes, 2 lines */                       \
                        _mm_prefetch((const char *)w + 2 * ROWS_MAX * stride, _MM_HINT_T1);                            \
                        _mm_prefetch((const char *)w + 2 * ROWS_MAX * stride + 64, _MM_HINT_T1);                       \
                    }                                                                                                  \
                    const __m512i sumi = quad_##t(load_quad(w->qs, sizeof *w, 4), w, 4, &a);                           \
                    const struct w_scales s = scales_##t(w);                                                           \
                    acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sumi), _mm512_mul_ps(s.d, a.dy), acc[r]);              \
                    if (has_min) accm[r] = _mm_fmadd_ps(s.m, a.sy, accm[r]);                                           \
                }                                                                                                      \
            }                                                                                                          \
        }                                                                                                              \
        for (; i < nb; i += 4) {                                                                                       \
            const int cnt = nb - i < 4 ? (int)(nb - i) : 4;                                                            \
            struct act_quad a;                                                                                         \
            act_quad_quants(&a, &y[i], sizeof(yblock), qs_off, cnt, k);                                                \
            a.dy = quad_fp16_x4(&y[i], sizeof(yblock), 0, cnt);                                                        \
            a.sy = has_min ? quad_fp16_x1(&y[i], sizeof(yblock), 2, cnt) : _mm_setzero_ps();                           \
            for (int r = 0; r < R; ++r) {                                                                              \
                const block_##t *w = (const block_##t *)(const void *)(w0 + (size_t)r * stride) + i;                   \
                if (R > 1) { /* as in the full groups: short rows spend much of their time here */                     \
                    _mm_prefetch((const char *)w + 2 * ROWS_MAX * stride, _MM_HINT_T1);                                \
                    _mm_prefetch((const char *)w + 2 * ROWS_MAX * stride + 64, _MM_HINT_T1);                           \
                }                                                                                                      \
                const __m512i sumi = quad_##t(load_quad(w->qs, sizeof *w, cnt), w, cnt, &a);                           \
                /* a full quad of a short group still has its scales at fixed words */                                 \
                const struct w_scales s = cnt == 4 ? scales_##t(w) : scales_tail_##t(w, cnt);                          \
                acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sumi), _mm512_mul_ps(s.d, a.dy), acc[r]);                  \
                if (has_min) accm[r] = _mm_fmadd_ps(s.m, a.sy, accm[r]);                                               \
            }                                                                                                          \
        }                                                                                                              \
        for (int r = 0; r < R; ++r) out[r] = _mm512_reduce_add_ps(acc[r]) + simd_hsum_ps128(accm[r]);                  \
    }

ROWS_Q45(q4_1, block_q8_1, 0, 1)
ROWS_Q45(q5_0, block_q8_0, 16, 0)
ROWS_Q45(q5_1, block_q8_1, 0, 1)
