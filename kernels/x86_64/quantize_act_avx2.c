/* AVX2 activation quantizers, byte-exact to quantize_act_scalar.c (and so to
 * ggml's *_ref): the same float operations in the same order per element,
 * only eight at a time. Not ggml's AVX2 quantize_row_q8_0, which rounds ties
 * to even where roundf rounds them away from zero. */
#include "kernels_avx2.h"
#include "simd_avx2.h"

/* llmbm_round_away on 8 lanes: trunc(|v|) + (frac >= 0.5), sign restored.
 * |v| - trunc(|v|) is exact, so the comparison decides like the scalar. */
static inline __m256 round_away(__m256 v)
{
    const __m256 sign = _mm256_set1_ps(-0.0f);
    const __m256 a = _mm256_andnot_ps(sign, v);
    __m256 t = _mm256_round_ps(a, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    const __m256 up = _mm256_cmp_ps(_mm256_sub_ps(a, t), _mm256_set1_ps(0.5f), _CMP_GE_OQ);
    t = _mm256_add_ps(t, _mm256_and_ps(up, _mm256_set1_ps(1.0f)));
    return _mm256_or_ps(t, _mm256_and_ps(v, sign));
}

/* 32 int32 lanes (in element order) -> 32 int8, saturating (values fit). */
static inline void store_i8x32(int8_t *dst, __m256i i0, __m256i i1, __m256i i2, __m256i i3)
{
    const __m256i p01 = _mm256_packs_epi32(i0, i1), p23 = _mm256_packs_epi32(i2, i3);
    /* packs interleave the 128-bit lanes; put the dwords back in order */
    const __m256i b =
        _mm256_permutevar8x32_epi32(_mm256_packs_epi16(p01, p23), _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    _mm256_storeu_si256((__m256i *)dst, b);
}

static inline float abs_max_32(const float *x, __m256 v[4])
{
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 m = _mm256_setzero_ps();
    for (int k = 0; k < 4; ++k) {
        v[k] = _mm256_loadu_ps(x + 8 * k);
        m = _mm256_max_ps(m, _mm256_andnot_ps(sign, v[k]));
    }
    return simd_hmax_ps(m);
}

/* One 32-element block: stores qs, returns the int32 lanes' total. */
static inline __m256i quantize_32(const __m256 v[4], float id, int8_t *qs)
{
    const __m256 vid = _mm256_set1_ps(id);
    __m256i q[4];
    for (int k = 0; k < 4; ++k) q[k] = _mm256_cvttps_epi32(round_away(_mm256_mul_ps(v[k], vid)));
    store_i8x32(qs, q[0], q[1], q[2], q[3]);
    return _mm256_add_epi32(_mm256_add_epi32(q[0], q[1]), _mm256_add_epi32(q[2], q[3]));
}

void llmbm_quantize_row_q8_0_avx2(const float *x, void *dst, size_t n)
{
    block_q8_0 *y = dst;
    for (size_t i = 0; i < n / LLMBM_QK8_0; ++i, x += LLMBM_QK8_0) {
        __m256 v[4];
        const float d = abs_max_32(x, v) / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        y[i].d = llmbm_f32_to_fp16(d);
        quantize_32(v, id, y[i].qs);
    }
}

void llmbm_quantize_row_q8_1_avx2(const float *x, void *dst, size_t n)
{
    block_q8_1 *y = dst;
    for (size_t i = 0; i < n / LLMBM_QK8_1; ++i, x += LLMBM_QK8_1) {
        __m256 v[4];
        const float d = abs_max_32(x, v) / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        const int sum = simd_hsum_epi32(quantize_32(v, id, y[i].qs));
        y[i].d = llmbm_f32_to_fp16(d);
        y[i].s = llmbm_f32_to_fp16((float)sum * d);
    }
}

void llmbm_quantize_row_q8_K_avx2(const float *x, void *dst, size_t n)
{
    const __m256 sign = _mm256_set1_ps(-0.0f);
    block_q8_K *y = dst;
    for (size_t i = 0; i < n / LLMBM_QK_K; ++i, x += LLMBM_QK_K) {
        __m256 m = _mm256_setzero_ps();
        for (int k = 0; k < LLMBM_QK_K; k += 8) m = _mm256_max_ps(m, _mm256_andnot_ps(sign, _mm256_loadu_ps(x + k)));
        const float amax = simd_hmax_ps(m);
        if (amax == 0.0f) {
            y[i].d = 0.0f;
            __builtin_memset(y[i].qs, 0, sizeof y[i].qs);
            __builtin_memset(y[i].bsums, 0, sizeof y[i].bsums);
            continue;
        }
        /* the scalar keeps the first element of largest magnitude: its sign
         * decides the sign of the scale */
        float max = amax;
        const __m256 vamax = _mm256_set1_ps(amax);
        for (int k = 0; k < LLMBM_QK_K; k += 8) {
            const __m256 a = _mm256_andnot_ps(sign, _mm256_loadu_ps(x + k));
            const int hit = _mm256_movemask_ps(_mm256_cmp_ps(a, vamax, _CMP_EQ_OQ));
            if (hit) {
                max = x[k + __builtin_ctz((unsigned)hit)];
                break;
            }
        }
        const float iscale = -127.0f / max;
        const __m256 vs = _mm256_set1_ps(iscale);
        for (int g = 0; g < LLMBM_QK_K; g += 32) {
            __m256i q[4];
            for (int k = 0; k < 4; ++k) {
                /* llmbm_nearest_int: round half to even, as vroundps does */
                const __m256 p = _mm256_mul_ps(vs, _mm256_loadu_ps(x + g + 8 * k));
                const __m256i v =
                    _mm256_cvttps_epi32(_mm256_round_ps(p, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
                q[k] = _mm256_min_epi32(v, _mm256_set1_epi32(127)); /* the scalar's min(v, 127) */
            }
            store_i8x32(y[i].qs + g, q[0], q[1], q[2], q[3]);
            y[i].bsums[g / 16] = (int16_t)simd_hsum_epi32(_mm256_add_epi32(q[0], q[1]));
            y[i].bsums[g / 16 + 1] = (int16_t)simd_hsum_epi32(_mm256_add_epi32(q[2], q[3]));
        }
        y[i].d = 1.0f / iscale;
    }
}
