/* SSE2 activation quantizers, byte-exact to quantize_act_scalar.c: the same
 * float operations per element, four at a time. SSE2 has no roundps, so
 * roundf's half-away-from-zero is built from truncation, and the Q8_K
 * quantizer uses the scalar's own 1.5 * 2^23 round-to-even constant. */
#include <emmintrin.h>

#include "kernels_sse2.h"
#include "quant_formats.h"

static inline float hmax_ps(__m128 m)
{
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
}

static inline int hsum_epi32(__m128i s)
{
    s = _mm_add_epi32(s, _mm_unpackhi_epi64(s, s));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 1));
    return _mm_cvtsi128_si32(s);
}

static inline float abs_max(const float *x, int n)
{
    const __m128 sign = _mm_set1_ps(-0.0f);
    __m128 m = _mm_setzero_ps();
    for (int j = 0; j < n; j += 4) m = _mm_max_ps(m, _mm_andnot_ps(sign, _mm_loadu_ps(x + j)));
    return hmax_ps(m);
}

/* llmbm_round_away(v) as int32, for |v| < 2^31: |v| - trunc|v| is exact. */
static inline __m128i round_away_epi32(__m128 v)
{
    const __m128 sign = _mm_set1_ps(-0.0f);
    const __m128 a = _mm_andnot_ps(sign, v);
    const __m128i ti = _mm_cvttps_epi32(a);
    const __m128 up = _mm_cmpge_ps(_mm_sub_ps(a, _mm_cvtepi32_ps(ti)), _mm_set1_ps(0.5f));
    const __m128i r = _mm_sub_epi32(ti, _mm_castps_si128(up)); /* up is -1 where true */
    const __m128i neg = _mm_srai_epi32(_mm_castps_si128(v), 31);
    return _mm_sub_epi32(_mm_xor_si128(r, neg), neg);
}

/* 32 floats times id -> 32 int8 at qs; returns the sum of the quants. */
static inline int quantize_32(const float *x, float id, int8_t *qs)
{
    const __m128 vid = _mm_set1_ps(id);
    __m128i sum = _mm_setzero_si128();
    for (int j = 0; j < 32; j += 16) {
        __m128i q[4];
        for (int k = 0; k < 4; ++k) {
            q[k] = round_away_epi32(_mm_mul_ps(_mm_loadu_ps(x + j + 4 * k), vid));
            sum = _mm_add_epi32(sum, q[k]);
        }
        const __m128i b = _mm_packs_epi16(_mm_packs_epi32(q[0], q[1]), _mm_packs_epi32(q[2], q[3]));
        _mm_storeu_si128((__m128i *)(qs + j), b);
    }
    return hsum_epi32(sum);
}

void llmbm_quantize_row_q8_0_sse2(const float *x, void *dst, size_t n)
{
    block_q8_0 *y = dst;
    for (size_t i = 0; i < n / LLMBM_QK8_0; ++i, x += LLMBM_QK8_0) {
        const float d = abs_max(x, LLMBM_QK8_0) / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        y[i].d = llmbm_f32_to_fp16(d);
        quantize_32(x, id, y[i].qs);
    }
}

void llmbm_quantize_row_q8_1_sse2(const float *x, void *dst, size_t n)
{
    block_q8_1 *y = dst;
    for (size_t i = 0; i < n / LLMBM_QK8_1; ++i, x += LLMBM_QK8_1) {
        const float d = abs_max(x, LLMBM_QK8_1) / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        const int sum = quantize_32(x, id, y[i].qs);
        y[i].d = llmbm_f32_to_fp16(d);
        y[i].s = llmbm_f32_to_fp16((float)sum * d);
    }
}

void llmbm_quantize_row_q8_K_sse2(const float *x, void *dst, size_t n)
{
    const __m128 sign = _mm_set1_ps(-0.0f);
    block_q8_K *y = dst;
    for (size_t i = 0; i < n / LLMBM_QK_K; ++i, x += LLMBM_QK_K) {
        const float amax = abs_max(x, LLMBM_QK_K);
        if (amax == 0.0f) {
            y[i].d = 0.0f;
            __builtin_memset(y[i].qs, 0, sizeof y[i].qs);
            __builtin_memset(y[i].bsums, 0, sizeof y[i].bsums);
            continue;
        }
        /* the first element of largest magnitude gives the scale's sign */
        float max = amax;
        const __m128 vamax = _mm_set1_ps(amax);
        for (int k = 0; k < LLMBM_QK_K; k += 4) {
            const int hit = _mm_movemask_ps(_mm_cmpeq_ps(_mm_andnot_ps(sign, _mm_loadu_ps(x + k)), vamax));
            if (hit) {
                max = x[k + __builtin_ctz((unsigned)hit)];
                break;
            }
        }
        const float iscale = -127.0f / max;
        const __m128 vs = _mm_set1_ps(iscale), magic = _mm_set1_ps(12582912.0f);
        for (int g = 0; g < LLMBM_QK_K; g += 16) {
            __m128i q[4], sum = _mm_setzero_si128();
            for (int k = 0; k < 4; ++k) {
                /* llmbm_nearest_int, then the scalar's min(v, 127) */
                const __m128 v = _mm_add_ps(_mm_mul_ps(vs, _mm_loadu_ps(x + g + 4 * k)), magic);
                __m128i r = _mm_sub_epi32(_mm_and_si128(_mm_castps_si128(v), _mm_set1_epi32(0x007fffff)),
                                          _mm_set1_epi32(0x00400000));
                const __m128i over = _mm_cmpgt_epi32(r, _mm_set1_epi32(127));
                r = _mm_or_si128(_mm_andnot_si128(over, r), _mm_and_si128(over, _mm_set1_epi32(127)));
                q[k] = r;
                sum = _mm_add_epi32(sum, r);
            }
            const __m128i b = _mm_packs_epi16(_mm_packs_epi32(q[0], q[1]), _mm_packs_epi32(q[2], q[3]));
            _mm_storeu_si128((__m128i *)(y[i].qs + g), b);
            y[i].bsums[g / 16] = (int16_t)hsum_epi32(sum);
        }
        y[i].d = 1.0f / iscale;
    }
}
