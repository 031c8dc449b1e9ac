/* AVX-512 row dots for Q2_K, Q3_K and Q5_K against Q8_K. Included by
 * vec_dot_avx512.c and vec_dot_avx512vnni.c after vec_dot_avx512_body.h,
 * whose helpers (madd16_acc, load_2x256, fp16_f32, ROWS_MAX) it uses;
 * compiled once per AVX-512 level like that body.
 *
 * As there, a register holds 64 elements of a super-block. Q3_K and Q5_K:
 * maddubs of unsigned quants with the activation, then the int16 group
 * scales applied by madd16_acc into int32 lanes (vpdpwssd with VNNI); Q2_K
 * folds its 4-bit scales into the quants instead (see rows_q2_K). The
 * integer sums are exact and each super-block adds cvt(sumi) * d once, the
 * mins (or Q3_K's -4 offset) going through the activation's bsums as in the
 * scalar code.
 *
 * These kernels are limited by the two 512-bit vector ports, not by memory
 * (a Q2_K super-block is 84 bytes for 256 elements), so work moves to the
 * integer ports where it can, and Q2_K/Q5_K run rows in pairs that share
 * the registers of their per-block scalars. The unrolled loops over c and h
 * rely on -O3 to make their shift counts and permute indices constants. */
#pragma once

#include "vec_dot_avx512_body.h"

/* Q3_K: element 128h + 32p + k is bits 2p..2p+1 of qs[32h + k]. Register
 * c takes elements 64c..64c+63, so the activation is one plain 64-byte load:
 * the 32 quant bytes of half h = c / 2 go to both 256-bit halves (a
 * broadcast load) and are shifted by 2p for p = 2 (c % 2) in the low half
 * and 2p + 2 in the high one. The shift runs on 64-bit lanes: bits move
 * across bytes, but the & 3 that follows keeps only each byte's own. */
static inline __m512i k_qs_bits(const uint8_t *qs, int c)
{
    const long long s = 4 * (c % 2);
    const __m512i bits = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(qs + 32 * (c / 2))));
    return _mm512_and_si512(_mm512_srlv_epi64(bits, _mm512_setr_epi64(s, s, s, s, s + 2, s + 2, s + 2, s + 2)),
                            _mm512_set1_epi8(3));
}

/* Register c's 128-bit lane j is 16-element group 4c + j, whose maddubs
 * results are that lane's 8 int16: the scale word index, per int16 lane. */
static inline __m512i k_group_idx(int c)
{
    const int g = 4 * c;
    return _mm512_inserti64x4(
        _mm512_castsi256_si512(_mm256_set_m128i(_mm_set1_epi16((short)(g + 1)), _mm_set1_epi16((short)g))),
        _mm256_set_m128i(_mm_set1_epi16((short)(g + 3)), _mm_set1_epi16((short)(g + 2))), 1);
}

/* acc + a0 . y0 + a1 . y1 in 4-byte lanes, unsigned a <= 45 (Q2_K's
 * scale * quant), signed y. Without VNNI the two maddubs results add as int16
 * before one madd: each is at most 2 * 45 * 128 = 11520, their sum 23040. */
static inline __m512i k_dot2(__m512i acc, __m512i a0, __m512i y0, __m512i a1, __m512i y1)
{
#ifdef LLMBM_AVX512_VNNI
    return _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(acc, a0, y0), a1, y1);
#else
    const __m512i p16 = _mm512_add_epi16(_mm512_maddubs_epi16(a0, y0), _mm512_maddubs_epi16(a1, y1));
    return _mm512_add_epi32(acc, _mm512_madd_epi16(p16, _mm512_set1_epi16(1)));
#endif
}

static inline int k_bytes4(int a, int b, int c, int d)
{
    return (int)((unsigned)a | (unsigned)b << 8 | (unsigned)c << 16 | (unsigned)d << 24);
}

/* Q2_K, ROWS_MAX rows per pass, with the group scales folded into the
 * quants: scale * q <= 15 * 3 = 45 is an unsigned byte, so a block is four
 * plain byte dots (vpdpbusd) and no int16 scale step.
 *
 * The 64 quant bytes load as one register; byte m = 32h + k holds the 2-bit
 * quants p = 0..3 of elements 128h + 32p + k. Its low nibble L holds p = 0, 1
 * and its high nibble H p = 2, 3, so V_p = pshufb(T_p, L or H) looks up
 * scale * quant with no shift per quant: table T_p maps a nibble n to
 * s * (n & 3) (p even) or s * (n >> 2) (p odd), where s is the scale of the
 * group in that 128-bit lane, group g(p, j) = 8 (j / 2) + 2p + j % 2 in lane
 * j. The activation is loaded to match, once for all rows: lane j of Y_p is
 * elements 128 (j / 2) + 32p + 16 (j % 2) + 0..15.
 *
 * The tables come from one register M of products: lane j, byte 4p + a is
 * s_g(p, j) * a (a = 0..3), from a byte shuffle of the scales (s in each
 * word) and one 16-bit multiply by 0x0100 (bytes 0, s) or 0x0302 (2s, 3s);
 * T_p is a byte shuffle of M.
 *
 * The mins and the float scales of two rows share registers: [row a | row
 * b] halves, so a row alone (R = 1) runs as the pair (a, a) and its lanes
 * see the same operations. */
static inline __m512i q2k_ctrl_products(void)
{
    int v[16];
    for (int j = 0; j < 4; ++j)
        for (int p = 0; p < 4; ++p) {
            const int g = 8 * (j / 2) + 2 * p + j % 2;
            v[4 * j + p] = k_bytes4(g, 0x80, g, 0x80);
        }
    return _mm512_loadu_si512(v);
}

static inline __m512i q2k_ctrl_table(int p)
{
    const int b = 4 * p;
    return p % 2 ? _mm512_setr_epi32(
                       k_bytes4(b, b, b, b), k_bytes4(b + 1, b + 1, b + 1, b + 1), k_bytes4(b + 2, b + 2, b + 2, b + 2),
                       k_bytes4(b + 3, b + 3, b + 3, b + 3), k_bytes4(b, b, b, b), k_bytes4(b + 1, b + 1, b + 1, b + 1),
                       k_bytes4(b + 2, b + 2, b + 2, b + 2), k_bytes4(b + 3, b + 3, b + 3, b + 3), k_bytes4(b, b, b, b),
                       k_bytes4(b + 1, b + 1, b + 1, b + 1), k_bytes4(b + 2, b + 2, b + 2, b + 2),
                       k_bytes4(b + 3, b + 3, b + 3, b + 3), k_bytes4(b, b, b, b), k_bytes4(b + 1, b + 1, b + 1, b + 1),
                       k_bytes4(b + 2, b + 2, b + 2, b + 2), k_bytes4(b + 3, b + 3, b + 3, b + 3))
                 : _mm512_set1_epi32(k_bytes4(b, b + 1, b + 2, b + 3));
}

/* One row's block: the exact integer sum of scale * quant * y, 16 lanes. */
static inline __m512i q2k_sumi(const block_q2_K *w, const __m512i yp[4], __m512i ctrl_m, const __m512i ctrl_t[4])
{
    const __m512i m4 = _mm512_set1_epi8(0x0F);
    const __m512i q = _mm512_loadu_si512(w->qs);
    const __m512i lo = _mm512_and_si512(q, m4), hi = _mm512_and_si512(_mm512_srli_epi16(q, 4), m4);
    const __m512i sc = _mm512_and_si512(_mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)w->scales)), m4);
    const __m512i prods = _mm512_mullo_epi16(_mm512_shuffle_epi8(sc, ctrl_m), _mm512_set1_epi32(0x03020100));
    const __m512i v0 = _mm512_shuffle_epi8(_mm512_shuffle_epi8(prods, ctrl_t[0]), lo);
    const __m512i v1 = _mm512_shuffle_epi8(_mm512_shuffle_epi8(prods, ctrl_t[1]), lo);
    const __m512i v2 = _mm512_shuffle_epi8(_mm512_shuffle_epi8(prods, ctrl_t[2]), hi);
    const __m512i v3 = _mm512_shuffle_epi8(_mm512_shuffle_epi8(prods, ctrl_t[3]), hi);
    return k_dot2(k_dot2(_mm512_setzero_si512(), v0, yp[0], v1, yp[1]), v2, yp[2], v3, yp[3]);
}

/* d and dmin (adjacent fp16, d first) of the blocks of rows a and b times
 * the activation's d: [D_a, M_a, D_b, M_b]. */
static inline __m128 k_dd_pair(const llmbm_fp16 *a, const llmbm_fp16 *b, float dy)
{
    const __m128i h = _mm_insert_epi32(_mm_cvtsi32_si128((int)llmbm_load_u32le((const uint8_t *)a)),
                                       (int)llmbm_load_u32le((const uint8_t *)b), 1);
    return _mm_mul_ps(_mm_cvtph_ps(h), _mm_set1_ps(dy));
}

/* The row pairs below take R = 1 or an even R. */
_Static_assert(ROWS_MAX % 2 == 0, "row pairs need an even ROWS_MAX");

/* The results of a pass over row pairs: out[2p] and out[2p + 1] (when R > 1)
 * are their main accumulators' sums plus their min terms, which share one
 * register per pair (row 2p in the low half, 2p + 1 in the high one). */
static inline void pair_rows_out(float *out, const __m512 *acc, const __m512 *accm, int P, int R)
{
    for (int pr = 0; pr < P; ++pr) {
        out[2 * pr] = _mm512_reduce_add_ps(acc[2 * pr]) + simd_hsum_ps(_mm512_castps512_ps256(accm[pr]));
        if (R > 1)
            out[2 * pr + 1] = _mm512_reduce_add_ps(acc[2 * pr + 1]) + simd_hsum_ps(_mm512_extractf32x8_ps(accm[pr], 1));
    }
}

static inline void rows_q2_K(const uint8_t *w0, size_t stride, const void *x_act, size_t n, float *out, const int R)
{
    const block_q8_K *y = x_act;
    const __m512i ctrl_m = q2k_ctrl_products();
    const __m512i ctrl_t[4] = {q2k_ctrl_table(0), q2k_ctrl_table(1), q2k_ctrl_table(2), q2k_ctrl_table(3)};
    const __m512i pick_m = _mm512_inserti64x4(_mm512_set1_epi32(1), _mm256_set1_epi32(3), 1);
    const int P = (R + 1) / 2; /* row pairs (a, b) = (2 pr, 2 pr + 1), or (0, 0) alone */
    __m512 acc[ROWS_MAX], accm[ROWS_MAX / 2];
    for (int r = 0; r < R; ++r) acc[r] = _mm512_setzero_ps();
    for (int pr = 0; pr < P; ++pr) accm[pr] = _mm512_setzero_ps();
    for (size_t i = 0; i < n / LLMBM_QK_K; ++i) {
        __m512i yp[4];
        for (int p = 0; p < 4; ++p) yp[p] = load_2x256(y[i].qs + 32 * p, y[i].qs + 128 + 32 * p);
        const __m512i bsums = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)y[i].bsums));
        for (int pr = 0; pr < P; ++pr) {
            const int ra = 2 * pr, rb = R > 1 ? 2 * pr + 1 : 2 * pr;
            const block_q2_K *wa = (const block_q2_K *)(const void *)(w0 + (size_t)ra * stride) + i;
            const block_q2_K *wb = (const block_q2_K *)(const void *)(w0 + (size_t)rb * stride) + i;
            prefetch_ahead(wa, sizeof *wa);
            if (R > 1) prefetch_ahead(wb, sizeof *wb);
            const __m128 dd = k_dd_pair(&wa->d, &wb->d, y[i].d);
            /* the mins: high nibbles of the scale bytes, times the group sums */
            const __m256i packed =
                _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)wa->scales)),
                                        _mm_loadu_si128((const __m128i *)wb->scales), 1);
            const __m512i mins =
                _mm512_cvtepu8_epi16(_mm256_and_si256(_mm256_srli_epi16(packed, 4), _mm256_set1_epi8(0x0F)));
            const __m512 mprod = _mm512_cvtepi32_ps(_mm512_madd_epi16(mins, bsums));
            accm[pr] = _mm512_fnmadd_ps(mprod, _mm512_permutexvar_ps(pick_m, _mm512_castps128_ps512(dd)), accm[pr]);
            const __m512i sa = q2k_sumi(wa, yp, ctrl_m, ctrl_t);
            acc[ra] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sa), _mm512_broadcastss_ps(dd), acc[ra]);
            if (R > 1) {
                const __m512i sb = q2k_sumi(wb, yp, ctrl_m, ctrl_t);
                const __m512 db = _mm512_permutexvar_ps(_mm512_set1_epi32(2), _mm512_castps128_ps512(dd));
                acc[rb] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sb), db, acc[rb]);
            }
        }
    }
    pair_rows_out(out, acc, accm, P, R);
}

/* Moves bit `from` of every byte to bit `to` (the byte's other bits are
 * garbage afterwards). A rotate of the 64-bit lanes by (from - to) mod 64
 * reads bit `to` of byte b from bit `from` of the same byte b, byte 0
 * included, since the rotation wraps around. */
static inline int k_rot(int from, int to) { return (from - to) & 63; }

/* a | (b & c): or a bit that is clean in c into the clean quants a */
#define K_OR_MASKED(a, b, c) _mm512_ternarylogic_epi32(a, b, c, 0xF8)

static inline float dot_q3_K(const void *w_row, const void *x_act, size_t n)
{
    const block_q3_K *w = w_row;
    const block_q8_K *y = x_act;
    const uint32_t kmask1 = 0x03030303, kmask2 = 0x0f0f0f0f;
    const __m512i four = _mm512_set1_epi8(4);
    __m512 acc = _mm512_setzero_ps();
    for (size_t i = 0; i < n / LLMBM_QK_K; ++i) {
        prefetch_ahead(&w[i], sizeof w[i]);
        const float d = y[i].d * fp16_f32(w[i].d);
        /* the 16 six-bit scales of llmbm_q3k_scales, four at a time */
        const uint32_t a0 = llmbm_load_u32le(w[i].scales), a1 = llmbm_load_u32le(w[i].scales + 4),
                       a2 = llmbm_load_u32le(w[i].scales + 8);
        /* as two 64-bit halves built in integer registers: the vector ports
         * are the bottleneck here, the integer ones idle (a stored array
         * reloaded as a vector measured 2x slower: store forwarding fails) */
        const uint64_t lo =
            ((a0 & kmask2) | ((a2 & kmask1) << 4)) | (uint64_t)((a1 & kmask2) | (((a2 >> 2) & kmask1) << 4)) << 32;
        const uint64_t hi = (((a0 >> 4) & kmask2) | (((a2 >> 4) & kmask1) << 4)) |
                            (uint64_t)(((a1 >> 4) & kmask2) | (((a2 >> 6) & kmask1) << 4)) << 32;
        const __m256i sc16 =
            _mm256_sub_epi16(_mm256_cvtepu8_epi16(_mm_set_epi64x((long long)hi, (long long)lo)), _mm256_set1_epi16(32));
        /* Quants go in as q + 4 in 0..7 (high bit set: +4), so every one
         * carries an extra 4: the sums start from -4 * sum_g sc_g * bsum_g
         * (|4 bsum| <= 8192 fits int16), exact, instead of a second maddubs
         * per register. */
        const __m256i bs_n4 =
            _mm256_mullo_epi16(_mm256_loadu_si256((const __m256i *)y[i].bsums), _mm256_set1_epi16(-4));
        __m512i sumi = madd16_acc(_mm512_setzero_si512(), _mm512_zextsi256_si512(sc16), _mm512_zextsi256_si512(bs_n4));
        const __m512i hm = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)w[i].hmask));
        const __m512i sc512 = _mm512_castsi256_si512(sc16);
        for (int c = 0; c < 4; ++c) {
            /* high bit of element 64c + k: bit 2c of hmask[k % 32] in the low
             * half, 2c + 1 in the high half; moved to bit 2 */
            const long long rl = k_rot(2 * c, 2), rh = k_rot(2 * c + 1, 2);
            const __m512i hb = _mm512_rorv_epi64(hm, _mm512_setr_epi64(rl, rl, rl, rl, rh, rh, rh, rh));
            const __m512i q = K_OR_MASKED(k_qs_bits(w[i].qs, c), hb, four);
            /* q <= 7: maddubs cannot saturate */
            const __m512i p16 = _mm512_maddubs_epi16(q, _mm512_loadu_si512(y[i].qs + 64 * c));
            sumi = madd16_acc(sumi, _mm512_permutexvar_epi16(k_group_idx(c), sc512), p16);
        }
        acc = _mm512_fmadd_ps(_mm512_set1_ps(d), _mm512_cvtepi32_ps(sumi), acc);
    }
    return _mm512_reduce_add_ps(acc);
}

/* simd_k4_scales_mins for two blocks at once: [8 scales, 8 mins] of a's
 * 12 packed bytes in words 0..15, of b's in 16..31 (same steps, 256 bits
 * wide, each 128-bit lane one block). */
static inline __m512i k4_scales_mins_pair(const uint8_t *a, const uint8_t *b)
{
    const __m256i v = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)a)),
                                              _mm_loadu_si128((const __m128i *)b), 1);
    const __m256i x = _mm256_shuffle_epi32(v, _MM_SHUFFLE(2, 1, 2, 0)); /* u0 u2 u1 u2 */
    const __m256i z = _mm256_shuffle_epi32(v, _MM_SHUFFLE(1, 1, 0, 0)); /* u0 u0 u1 u1 */
    const __m256i low = _mm256_and_si256(_mm256_srlv_epi32(x, _mm256_setr_epi32(0, 0, 0, 4, 0, 0, 0, 4)),
                                         _mm256_setr_epi32(0x3f3f3f3f, 0x0f0f0f0f, 0x3f3f3f3f, 0x0f0f0f0f, 0x3f3f3f3f,
                                                           0x0f0f0f0f, 0x3f3f3f3f, 0x0f0f0f0f));
    /* low | ((z >> 2) & 0x30 in dwords 1 and 3) */
    const __m256i both =
        _mm256_ternarylogic_epi32(low, _mm256_srli_epi32(z, 2),
                                  _mm256_setr_epi32(0, 0x30303030, 0, 0x30303030, 0, 0x30303030, 0, 0x30303030), 0xF8);
    return _mm512_cvtepu8_epi16(both);
}

/* Q5_K, ROWS_MAX rows per pass like rows_q4_K: the activation's quants
 * (loaded in the order the nibble halves need) and its pair sums are shared.
 * The quants are Q4_K's nibbles with bit 2c (low nibbles of 32-byte chunk
 * c) or 2c + 1 (high nibbles) of qh[k] as 16. As in rows_q2_K, two rows
 * share the registers of their per-block scalars: scales and mins decoded
 * together, d and dmin converted together, the mins accumulated in the two
 * halves of one register (a row alone runs as the pair (a, a)). */
static inline __m512i q5k_sumi(const block_q5_K *w, const __m512i yl[2], const __m512i yh[2], __m512i sc, int b)
{
    const __m512i m4 = _mm512_set1_epi8(0xF), k16 = _mm512_set1_epi8(16);
    const __m512i qh = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)w->qh));
    __m512i sumi = _mm512_setzero_si512();
    for (int h = 0; h < 2; ++h) {
        const __m512i bits = _mm512_loadu_si512(w->qs + 64 * h);
        /* chunks c = 2h (low 256 bits) and 2h + 1 (high): qh bits 2c for
         * the low nibbles, 2c + 1 for the high, to bit 4 */
        const long long r0 = k_rot(4 * h, 4), r1 = k_rot(4 * h + 2, 4);
        const long long r2 = k_rot(4 * h + 1, 4), r3 = k_rot(4 * h + 3, 4);
        const __m512i hl = _mm512_rorv_epi64(qh, _mm512_setr_epi64(r0, r0, r0, r0, r1, r1, r1, r1));
        const __m512i hh = _mm512_rorv_epi64(qh, _mm512_setr_epi64(r2, r2, r2, r2, r3, r3, r3, r3));
        const __m512i lo = K_OR_MASKED(_mm512_and_si512(bits, m4), hl, k16);
        const __m512i hi = K_OR_MASKED(_mm512_and_si512(_mm512_srli_epi16(bits, 4), m4), hh, k16);
        /* int16 scale lanes to match: [s_a x 16 | s_b x 16] of this row's
         * scales, words b.. of sc (b = 0 or 16) */
        const __m512i idx_l =
            _mm512_inserti64x4(_mm512_set1_epi16((short)(b + 4 * h)), _mm256_set1_epi16((short)(b + 4 * h + 2)), 1);
        const __m512i idx_h =
            _mm512_inserti64x4(_mm512_set1_epi16((short)(b + 4 * h + 1)), _mm256_set1_epi16((short)(b + 4 * h + 3)), 1);
        /* quants <= 31: maddubs cannot saturate */
        sumi = madd16_acc(sumi, _mm512_permutexvar_epi16(idx_l, sc), _mm512_maddubs_epi16(lo, yl[h]));
        sumi = madd16_acc(sumi, _mm512_permutexvar_epi16(idx_h, sc), _mm512_maddubs_epi16(hi, yh[h]));
    }
    return sumi;
}

static inline void rows_q5_K(const uint8_t *w0, size_t stride, const void *x_act, size_t n, float *out, const int R)
{
    const block_q8_K *y = x_act;
    const __m512i pick_m = _mm512_inserti64x4(_mm512_set1_epi32(1), _mm256_set1_epi32(3), 1);
    const int P = (R + 1) / 2; /* row pairs (a, b) = (2 pr, 2 pr + 1), or (0, 0) alone */
    __m512 acc[ROWS_MAX], accm[ROWS_MAX / 2];
    for (int r = 0; r < R; ++r) acc[r] = _mm512_setzero_ps();
    for (int pr = 0; pr < P; ++pr) accm[pr] = _mm512_setzero_ps();
    for (size_t i = 0; i < n / LLMBM_QK_K; ++i) {
        /* 128 elements per h: the low nibbles of 64 quant bytes are
         * sub-blocks 4h and 4h + 2, the high ones 4h + 1 and 4h + 3 */
        __m512i yl[2], yh[2];
        q8_K_nibble_order(&y[i], yl, yh);
        /* sub-block sums, in words 8..15 and 24..31 to meet the mins */
        const __m256i bsums = _mm256_loadu_si256((const __m256i *)y[i].bsums);
        const __m128i pair_sums = _mm_hadd_epi16(_mm256_castsi256_si128(bsums), _mm256_extracti128_si256(bsums, 1));
        const __m512i ps = _mm512_broadcast_i64x4(_mm256_inserti128_si256(_mm256_setzero_si256(), pair_sums, 1));
        for (int pr = 0; pr < P; ++pr) {
            const int ra = 2 * pr, rb = R > 1 ? 2 * pr + 1 : 2 * pr;
            const block_q5_K *wa = (const block_q5_K *)(const void *)(w0 + (size_t)ra * stride) + i;
            const block_q5_K *wb = (const block_q5_K *)(const void *)(w0 + (size_t)rb * stride) + i;
            prefetch_ahead(wa, sizeof *wa);
            if (R > 1) prefetch_ahead(wb, sizeof *wb);
            const __m128 dd = k_dd_pair(&wa->d, &wb->d, y[i].d);
            const __m512i sc_mn = k4_scales_mins_pair(wa->scales, wb->scales);
            /* lanes 4..7 / 12..15: m_j * (bsums[2j] + bsums[2j + 1]) pairs of
             * a / b; lanes 0..3 and 8..11 are 0 */
            const __m512 mprod = _mm512_cvtepi32_ps(_mm512_madd_epi16(sc_mn, ps));
            accm[pr] = _mm512_fnmadd_ps(mprod, _mm512_permutexvar_ps(pick_m, _mm512_castps128_ps512(dd)), accm[pr]);
            const __m512i sa = q5k_sumi(wa, yl, yh, sc_mn, 0);
            acc[ra] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sa), _mm512_broadcastss_ps(dd), acc[ra]);
            if (R > 1) {
                const __m512i sb = q5k_sumi(wb, yl, yh, sc_mn, 16);
                const __m512 db = _mm512_permutexvar_ps(_mm512_set1_epi32(2), _mm512_castps128_ps512(dd));
                acc[rb] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sb), db, acc[rb]);
            }
        }
    }
    pair_rows_out(out, acc, accm, P, R);
}
