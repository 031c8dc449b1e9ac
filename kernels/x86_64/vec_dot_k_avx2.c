/* AVX2 dot products of K-quant rows with Q8_K activations, after ggml's AVX2
 * kernels: per 32 elements one maddubs (unsigned quants x signed
 * activations), the int16 group scale applied by madd, int32 sums per
 * super-block; the mins go through the activation's bsums. Floats enter once
 * per super-block, so results differ from the scalar level only by the order
 * of those few float additions. */
#include "kernels_avx2.h"
#include "simd_avx2.h"
#include "row_entry_points.h"

/* int16 lane pattern: the low 128 bits get scale `lo`, the high ones `hi`,
 * out of 8 int16 scales replicated in both halves of the source. */
static inline __m256i scale_shuffle(int lo, int hi)
{
    return _mm256_set_m128i(_mm_set1_epi16((short)(((2 * hi + 1) << 8) | (2 * hi))),
                            _mm_set1_epi16((short)(((2 * lo + 1) << 8) | (2 * lo))));
}

static inline __m256i scaled(__m256i scales16x2, int lo, int hi, __m256i p16)
{
    return _mm256_madd_epi16(_mm256_shuffle_epi8(scales16x2, scale_shuffle(lo, hi)), p16);
}

static inline float dot_q2_K(const void *w_row, const void *x_act, size_t n)
{
    const block_q2_K *w = w_row;
    const block_q8_K *y = x_act;
    const __m256i m3 = _mm256_set1_epi8(3);
    __m256 acc = _mm256_setzero_ps();
    for (size_t i = 0; i < n / LLMBM_QK_K; ++i) {
        prefetch_ahead(&w[i], sizeof w[i]);
        const float d = y[i].d * simd_fp16(w[i].d);
        const float dmin = -y[i].d * simd_fp16(w[i].dmin);
        const __m128i packed = _mm_loadu_si128((const __m128i *)w[i].scales);
        const __m128i sc8 = _mm_and_si128(packed, _mm_set1_epi8(0xF));
        const __m128i mn8 = _mm_and_si128(_mm_srli_epi16(packed, 4), _mm_set1_epi8(0xF));
        const __m256i mins = _mm256_cvtepi8_epi16(mn8);
        const __m256i prod = _mm256_madd_epi16(mins, _mm256_loadu_si256((const __m256i *)y[i].bsums));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(dmin), _mm256_cvtepi32_ps(prod), acc);

        const __m256i sc16 = _mm256_cvtepi8_epi16(sc8);
        const __m256i half_sc[2] = {
            _mm256_permute2x128_si256(sc16, sc16, 0x00),
            _mm256_permute2x128_si256(sc16, sc16, 0x11),
        };
        const uint8_t *q2 = w[i].qs;
        const int8_t *q8 = y[i].qs;
        __m256i sumi = _mm256_setzero_si256();
        for (int h = 0; h < 2; ++h, q2 += 32) {
            const __m256i bits = _mm256_loadu_si256((const __m256i *)q2);
            for (int p = 0; p < 4; ++p, q8 += 32) {
                const __m256i q = _mm256_and_si256(_mm256_srli_epi16(bits, 2 * p), m3);
                const __m256i p16 = _mm256_maddubs_epi16(q, _mm256_loadu_si256((const __m256i *)q8));
                sumi = _mm256_add_epi32(sumi, scaled(half_sc[h], 2 * p, 2 * p + 1, p16));
            }
        }
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
    }
    return simd_hsum_ps(acc);
}

static inline float dot_q3_K(const void *w_row, const void *x_act, size_t n)
{
    const block_q3_K *w = w_row;
    const block_q8_K *y = x_act;
    const uint32_t kmask1 = 0x03030303, kmask2 = 0x0f0f0f0f;
    const __m256i m3 = _mm256_set1_epi8(3), one = _mm256_set1_epi8(1);
    __m256 acc = _mm256_setzero_ps();
    for (size_t i = 0; i < n / LLMBM_QK_K; ++i) {
        prefetch_ahead(&w[i], sizeof w[i]);
        const float d = y[i].d * simd_fp16(w[i].d);
        /* the 16 six-bit scales of llmbm_q3k_scales, four at a time */
        const uint32_t a0 = llmbm_load_u32le(w[i].scales), a1 = llmbm_load_u32le(w[i].scales + 4),
                       a2 = llmbm_load_u32le(w[i].scales + 8);
        const __m128i sc8 = _mm_sub_epi8(_mm_set_epi32((int)(((a1 >> 4) & kmask2) | (((a2 >> 6) & kmask1) << 4)),
                                                       (int)(((a0 >> 4) & kmask2) | (((a2 >> 4) & kmask1) << 4)),
                                                       (int)((a1 & kmask2) | (((a2 >> 2) & kmask1) << 4)),
                                                       (int)((a0 & kmask2) | ((a2 & kmask1) << 4))),
                                         _mm_set1_epi8(32));
        const __m256i sc16 = _mm256_cvtepi8_epi16(sc8);
        const __m256i half_sc[2] = {
            _mm256_permute2x128_si256(sc16, sc16, 0x00),
            _mm256_permute2x128_si256(sc16, sc16, 0x11),
        };
        const __m256i hbits = _mm256_loadu_si256((const __m256i *)w[i].hmask);
        const uint8_t *q3 = w[i].qs;
        const int8_t *q8 = y[i].qs;
        __m256i sumi = _mm256_setzero_si256();
        for (int h = 0; h < 2; ++h, q3 += 32) {
            const __m256i bits = _mm256_loadu_si256((const __m256i *)q3);
            for (int p = 0; p < 4; ++p, q8 += 32) {
                const __m256i lo = _mm256_and_si256(_mm256_srli_epi16(bits, 2 * p), m3);
                /* 4 where the high bit is clear: value = lo - 4 */
                const __m256i hb = _mm256_and_si256(_mm256_srli_epi16(hbits, 4 * h + p), one);
                const __m256i minus4 = _mm256_slli_epi16(_mm256_xor_si256(hb, one), 2);
                const __m256i qy = _mm256_loadu_si256((const __m256i *)q8);
                const __m256i p16 = _mm256_sub_epi16(_mm256_maddubs_epi16(lo, qy), _mm256_maddubs_epi16(minus4, qy));
                sumi = _mm256_add_epi32(sumi, scaled(half_sc[h], 2 * p, 2 * p + 1, p16));
            }
        }
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
    }
    return simd_hsum_ps(acc);
}

/* dmin * sum_j m_j * (bsums[2j] + bsums[2j+1]), into a 4-lane accumulator */
static inline __m128 k4_mins(__m256i sc_mn, const block_q8_K *y, float dmin, __m128 accm)
{
    const __m256i bsums = _mm256_loadu_si256((const __m256i *)y->bsums);
    const __m128i pair_sums = _mm_hadd_epi16(_mm256_castsi256_si128(bsums), _mm256_extracti128_si256(bsums, 1));
    const __m128i prod = _mm_madd_epi16(_mm256_extracti128_si256(sc_mn, 1), pair_sums);
    return _mm_fmadd_ps(_mm_set1_ps(dmin), _mm_cvtepi32_ps(prod), accm);
}

static inline float dot_q4_K(const void *w_row, const void *x_act, size_t n)
{
    const block_q4_K *w = w_row;
    const block_q8_K *y = x_act;
    const __m256i m4 = _mm256_set1_epi8(0xF);
    __m256 acc = _mm256_setzero_ps();
    __m128 accm = _mm_setzero_ps();
    for (size_t i = 0; i < n / LLMBM_QK_K; ++i) {
        prefetch_ahead(&w[i], sizeof w[i]);
        const float d = y[i].d * simd_fp16(w[i].d);
        const float dmin = -y[i].d * simd_fp16(w[i].dmin);
        const __m256i sc_mn = simd_k4_scales_mins(w[i].scales);
        accm = k4_mins(sc_mn, &y[i], dmin, accm);
        const __m256i sc = _mm256_permute2x128_si256(sc_mn, sc_mn, 0x00);
        const uint8_t *q4 = w[i].qs;
        const int8_t *q8 = y[i].qs;
        __m256i sumi = _mm256_setzero_si256();
        for (int c = 0; c < 4; ++c, q4 += 32, q8 += 64) {
            const __m256i bits = _mm256_loadu_si256((const __m256i *)q4);
            const __m256i lo = _mm256_and_si256(bits, m4);
            const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(bits, 4), m4);
            const __m256i pl = _mm256_maddubs_epi16(lo, _mm256_loadu_si256((const __m256i *)q8));
            const __m256i ph = _mm256_maddubs_epi16(hi, _mm256_loadu_si256((const __m256i *)(q8 + 32)));
            sumi = _mm256_add_epi32(sumi, scaled(sc, 2 * c, 2 * c, pl));
            sumi = _mm256_add_epi32(sumi, scaled(sc, 2 * c + 1, 2 * c + 1, ph));
        }
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
    }
    return simd_hsum_ps(acc) + simd_hsum_ps128(accm);
}

static inline float dot_q5_K(const void *w_row, const void *x_act, size_t n)
{
    const block_q5_K *w = w_row;
    const block_q8_K *y = x_act;
    const __m256i m4 = _mm256_set1_epi8(0xF), one = _mm256_set1_epi8(1);
    __m256 acc = _mm256_setzero_ps();
    __m128 accm = _mm_setzero_ps();
    for (size_t i = 0; i < n / LLMBM_QK_K; ++i) {
        prefetch_ahead(&w[i], sizeof w[i]);
        const float d = y[i].d * simd_fp16(w[i].d);
        const float dmin = -y[i].d * simd_fp16(w[i].dmin);
        const __m256i sc_mn = simd_k4_scales_mins(w[i].scales);
        accm = k4_mins(sc_mn, &y[i], dmin, accm);
        const __m256i sc = _mm256_permute2x128_si256(sc_mn, sc_mn, 0x00);
        const __m256i hbits = _mm256_loadu_si256((const __m256i *)w[i].qh);
        const uint8_t *q5 = w[i].qs;
        const int8_t *q8 = y[i].qs;
        __m256i sumi = _mm256_setzero_si256();
        for (int c = 0; c < 4; ++c, q5 += 32, q8 += 64) {
            const __m256i bits = _mm256_loadu_si256((const __m256i *)q5);
            /* bit 2c / 2c+1 of qh[k] is the 16s bit of the low / high nibble */
            const __m256i hl = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hbits, 2 * c), one), 4);
            const __m256i hh = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hbits, 2 * c + 1), one), 4);
            const __m256i lo = _mm256_or_si256(_mm256_and_si256(bits, m4), hl);
            const __m256i hi = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(bits, 4), m4), hh);
            const __m256i pl = _mm256_maddubs_epi16(lo, _mm256_loadu_si256((const __m256i *)q8));
            const __m256i ph = _mm256_maddubs_epi16(hi, _mm256_loadu_si256((const __m256i *)(q8 + 32)));
            sumi = _mm256_add_epi32(sumi, scaled(sc, 2 * c, 2 * c, pl));
            sumi = _mm256_add_epi32(sumi, scaled(sc, 2 * c + 1, 2 * c + 1, ph));
        }
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
    }
    return simd_hsum_ps(acc) + simd_hsum_ps128(accm);
}

static inline float dot_q6_K(const void *w_row, const void *x_act, size_t n)
{
    const block_q6_K *w = w_row;
    const block_q8_K *y = x_act;
    const __m256i m4 = _mm256_set1_epi8(0xF), m2 = _mm256_set1_epi8(3), k32 = _mm256_set1_epi8(32);
    __m256 acc = _mm256_setzero_ps();
    for (size_t i = 0; i < n / LLMBM_QK_K; ++i) {
        prefetch_ahead(&w[i], sizeof w[i]);
        const float d = y[i].d * simd_fp16(w[i].d);
        const __m128i sc8 = _mm_loadu_si128((const __m128i *)w[i].scales);
        const uint8_t *ql = w[i].ql, *qh = w[i].qh;
        const int8_t *q8 = y[i].qs;
        __m256i sumi = _mm256_setzero_si256();
        for (int h = 0; h < 2; ++h, ql += 64, qh += 32) {
            const __m256i l0 = _mm256_loadu_si256((const __m256i *)ql);
            const __m256i l1 = _mm256_loadu_si256((const __m256i *)(ql + 32));
            const __m256i hb = _mm256_loadu_si256((const __m256i *)qh);
            /* element 32p + k: a nibble of ql and bits 2p..2p+1 of qh[k] */
            __m256i q[4];
            q[0] = _mm256_or_si256(_mm256_and_si256(l0, m4), _mm256_slli_epi16(_mm256_and_si256(hb, m2), 4));
            q[1] = _mm256_or_si256(_mm256_and_si256(l1, m4),
                                   _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 2), m2), 4));
            q[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4),
                                   _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 4), m2), 4));
            q[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4),
                                   _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 6), m2), 4));
            for (int p = 0; p < 4; ++p, q8 += 32) {
                const __m256i qy = _mm256_loadu_si256((const __m256i *)q8);
                /* (q - 32) . y = q . y - 32 * sum(y), both within int16 */
                const __m256i p16 = _mm256_sub_epi16(_mm256_maddubs_epi16(q[p], qy), _mm256_maddubs_epi16(k32, qy));
                const int g = 8 * h + 2 * p;
                const __m128i pick = _mm_set_epi64x((int64_t)(0x0101010101010101ull * (uint64_t)(g + 1)),
                                                    (int64_t)(0x0101010101010101ull * (uint64_t)g));
                const __m256i s16 = _mm256_cvtepi8_epi16(_mm_shuffle_epi8(sc8, pick));
                sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(s16, p16));
            }
        }
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
    }
    return simd_hsum_ps(acc);
}

LLMBM_DOT_ENTRY_POINTS(q2_K, avx2)
LLMBM_DOT_ENTRY_POINTS(q3_K, avx2)
LLMBM_DOT_ENTRY_POINTS(q4_K, avx2)
LLMBM_DOT_ENTRY_POINTS(q5_K, avx2)
LLMBM_DOT_ENTRY_POINTS(q6_K, avx2)
