/* Q4_Kx16 and Q4_0x16 mat-vecs at the avx2 level: the AVX-512 kernels'
 * scheme (vec_dot_avx512_x16.h) on 256-bit registers, so each 16-row group
 * is two halves of 8 rows, lane r of a half being row 8h + r; both halves of
 * a block are done before the next block, so the group streams in one pass
 * of whole lines. The firmware runs these under QEMU (no AVX-512 there).
 * Integer sums are exact and each row's float steps are the scalar base
 * type's: bit-identical results. */
#include <immintrin.h>

#include "kernels_avx2.h"
#include "quant_formats.h"
#include "row_entry_points.h"
#include "simd_avx2.h"

/* Eight six-bit values (one sub-block, rows 8h..8h+7) as int32 lanes. */
static inline __m256i six_bits(__m256i lo32, int nibble, __m256i hi32, int s)
{
    const __m256i low = nibble ? _mm256_srli_epi32(lo32, 4) : _mm256_and_si256(lo32, _mm256_set1_epi32(0xF));
    const __m256i top = _mm256_and_si256(_mm256_srli_epi32(hi32, 2 * s), _mm256_set1_epi32(3));
    return _mm256_or_si256(low, _mm256_slli_epi32(top, 4));
}

static inline __m256i bytes8(const uint8_t *p) { return _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)p)); }

/* Group g's results into out, only the rows asked for (a range need not be
 * group-aligned). */
static inline void store_group_rows(float *out, const float v[16], size_t g, size_t row_begin, size_t row_end)
{
    for (size_t r = 0; r < 16; ++r)
        if (g * 16 + r >= row_begin && g * 16 + r < row_end) out[g * 16 + r] = v[r];
}

/* One block's term for rows 8h..8h+7 (lanes 0..7): y is its activation. */
static inline __m256 k_block_term(const block_q4_Kx16 *b, const block_q8_K *y, int h)
{
    const __m256i m4 = _mm256_set1_epi8(0xF);
    __m256i isum = _mm256_setzero_si256();
    for (int c = 0; c < 4; ++c) {
        __m256i sa = _mm256_setzero_si256(), sb = sa;
        for (int k = 0; k < 8; ++k) {
            const __m256i raw = _mm256_loadu_si256((const __m256i *)b->qs[c][k][8 * h]);
            int32_t ya, yb;
            __builtin_memcpy(&ya, y->qs + 64 * c + 4 * k, 4);
            __builtin_memcpy(&yb, y->qs + 64 * c + 32 + 4 * k, 4);
            sa = _mm256_add_epi32(sa, simd_dot_u8i8(_mm256_and_si256(raw, m4), _mm256_set1_epi32(ya)));
            sb = _mm256_add_epi32(
                sb, simd_dot_u8i8(_mm256_and_si256(_mm256_srli_epi16(raw, 4), m4), _mm256_set1_epi32(yb)));
        }
        const __m256i lo32 = bytes8(&b->sc_lo[c][8 * h]), hi32 = bytes8(&b->sc_hi[c / 2][8 * h]);
        isum = _mm256_add_epi32(isum, _mm256_mullo_epi32(sa, six_bits(lo32, 0, hi32, (2 * c) % 4)));
        isum = _mm256_add_epi32(isum, _mm256_mullo_epi32(sb, six_bits(lo32, 1, hi32, (2 * c + 1) % 4)));
    }
    __m256i msum = _mm256_setzero_si256();
    for (int p = 0; p < 4; ++p) {
        const __m256i lo32 = bytes8(&b->mn_lo[p][8 * h]), hi32 = bytes8(&b->mn_hi[p / 2][8 * h]);
        const int32_t bs_a = y->bsums[4 * p] + y->bsums[4 * p + 1];
        const int32_t bs_b = y->bsums[4 * p + 2] + y->bsums[4 * p + 3];
        const __m256i m_a = six_bits(lo32, 0, hi32, (2 * p) % 4), m_b = six_bits(lo32, 1, hi32, (2 * p + 1) % 4);
        msum = _mm256_add_epi32(msum, _mm256_mullo_epi32(m_a, _mm256_set1_epi32(bs_a)));
        msum = _mm256_add_epi32(msum, _mm256_mullo_epi32(m_b, _mm256_set1_epi32(bs_b)));
    }
    const __m256 dy = _mm256_set1_ps(y->d);
    const __m256 dall = _mm256_mul_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)&b->d[8 * h])), dy);
    const __m256 dmin = _mm256_mul_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)&b->dmin[8 * h])), dy);
    return _mm256_sub_ps(_mm256_mul_ps(dall, _mm256_cvtepi32_ps(isum)), _mm256_mul_ps(dmin, _mm256_cvtepi32_ps(msum)));
}

/* Both halves of every block in one pass, so each line of the group is read
 * once, whole (two passes of half-lines streamed worse from memory). */
static inline void group_q4_Kx16(const block_q4_Kx16 *g, const block_q8_K *y, size_t nb, float out[16])
{
    __m256 acc[2] = {_mm256_setzero_ps(), _mm256_setzero_ps()};
    for (size_t i = 0; i < nb; ++i) {
        prefetch_ahead(&g[i], sizeof g[i]);
        for (int h = 0; h < 2; ++h) acc[h] = _mm256_add_ps(acc[h], k_block_term(&g[i], &y[i], h));
    }
    _mm256_storeu_ps(out, acc[0]);
    _mm256_storeu_ps(out + 8, acc[1]);
}

void llmbm_matvec_rows_q4_Kx16_avx2(const llmbm_weight *w, const void *x_act, float *out, size_t row_begin,
                                    size_t row_end)
{
    const size_t nb = w->cols / LLMBM_QK_K;
    const block_q4_Kx16 *groups = w->data;
    for (size_t g = row_begin / 16; g * 16 < row_end; ++g) {
        float v[16];
        group_q4_Kx16(groups + g * nb, x_act, nb, v);
        store_group_rows(out, v, g, row_begin, row_end);
    }
}

/* Q4_0x16, rows 8h..8h+7 in lanes 0..7: as the AVX-512 kernel, each lane
 * computing scalar Q4_0's terms in its order (bit-identical results). */
static inline __m256 q4_0_block_term(const block_q4_0x16 *b, const block_q8_0 *y, int32_t sum_y, int h)
{
    const __m256i m4 = _mm256_set1_epi8(0xF);
    __m256i sumi = _mm256_set1_epi32(-8 * sum_y);
    for (int k = 0; k < 4; ++k) {
        const __m256i raw = _mm256_loadu_si256((const __m256i *)b->qs[k][8 * h]);
        int32_t ylo, yhi;
        __builtin_memcpy(&ylo, y->qs + 4 * k, 4);
        __builtin_memcpy(&yhi, y->qs + 16 + 4 * k, 4);
        sumi = _mm256_add_epi32(sumi, simd_dot_u8i8(_mm256_and_si256(raw, m4), _mm256_set1_epi32(ylo)));
        sumi = _mm256_add_epi32(sumi,
                                simd_dot_u8i8(_mm256_and_si256(_mm256_srli_epi16(raw, 4), m4), _mm256_set1_epi32(yhi)));
    }
    const __m256 d =
        _mm256_mul_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)&b->d[8 * h])), _mm256_set1_ps(simd_fp16(y->d)));
    return _mm256_mul_ps(d, _mm256_cvtepi32_ps(sumi));
}

static inline void group_q4_0x16(const block_q4_0x16 *g, const block_q8_0 *y, size_t nb, float out[16])
{
    const __m256i ones8 = _mm256_set1_epi8(1);
    __m256 acc[2] = {_mm256_setzero_ps(), _mm256_setzero_ps()};
    for (size_t i = 0; i < nb; ++i) {
        prefetch_ahead(&g[i], sizeof g[i]);
        const __m256i y32 = _mm256_loadu_si256((const __m256i *)y[i].qs);
        const __m256i pairs = _mm256_madd_epi16(_mm256_maddubs_epi16(ones8, y32), _mm256_set1_epi16(1));
        const int32_t sum_y = simd_hsum_epi32(pairs); /* exact: bytes times 1, summed */
        for (int h = 0; h < 2; ++h) acc[h] = _mm256_add_ps(acc[h], q4_0_block_term(&g[i], &y[i], sum_y, h));
    }
    _mm256_storeu_ps(out, acc[0]);
    _mm256_storeu_ps(out + 8, acc[1]);
}

void llmbm_matvec_rows_q4_0x16_avx2(const llmbm_weight *w, const void *x_act, float *out, size_t row_begin,
                                    size_t row_end)
{
    const size_t nb = w->cols / LLMBM_QK4_0;
    const block_q4_0x16 *groups = w->data;
    for (size_t g = row_begin / 16; g * 16 < row_end; ++g) {
        float v[16];
        group_q4_0x16(groups + g * nb, x_act, nb, v);
        store_group_rows(out, v, g, row_begin, row_end);
    }
}
