/* The element-wise loops at the AVX-512 level, bit-identical to
 * eltwise_scalar.c: eltwise_sse2.c's method (its comment says why each step
 * rounds like the scalar code) on eight doubles / sixteen floats, every
 * multiply and add its own intrinsic (no FMA). Tails use masked loads and
 * stores; lanes outside the mask hold harmless values (0, or max for the
 * softmax exps) and are never stored. AVX-512F only. */
#include <immintrin.h>

#include "eng_exp.h"
#include "kernels_eltwise.h"

/* The lanes of y whose bit is clear in `ok` redone by the scalar exp. */
static __attribute__((noinline)) __m512d exp_fixup(__m512d x, __m512d y, __mmask8 ok)
{
    double xs[8], ys[8];
    _mm512_storeu_pd(xs, x);
    _mm512_storeu_pd(ys, y);
    for (int l = 0; l < 8; ++l)
        if (!(ok >> l & 1)) ys[l] = eng_exp_inline(xs[l]);
    return _mm512_loadu_pd(ys);
}

/* eng_exp on nv (<= EXP_BATCH) vectors of eight doubles, in place, the nv
 * Horner chains interleaved (see eltwise_sse2.c). */
#define EXP_BATCH 4
static inline __attribute__((always_inline)) void exp_pd(__m512d *v, const int nv)
{
    const __m512d rounder = _mm512_set1_pd(ENG_EXP_ROUNDER);
    __m512d kd[EXP_BATCH], r[EXP_BATCH], sum[EXP_BATCH];
    for (int j = 0; j < nv; ++j) {
        kd[j] = _mm512_sub_pd(_mm512_add_pd(_mm512_mul_pd(v[j], _mm512_set1_pd(ENG_EXP_INV_LN2)), rounder), rounder);
        r[j] = _mm512_sub_pd(_mm512_sub_pd(v[j], _mm512_mul_pd(kd[j], _mm512_set1_pd(ENG_EXP_LN2_HI))),
                             _mm512_mul_pd(kd[j], _mm512_set1_pd(ENG_EXP_LN2_LO)));
        sum[j] = _mm512_set1_pd(ENG_EXP_COEFF[16]);
    }
#pragma GCC unroll 16
    for (int i = 15; i >= 0; --i)
        for (int j = 0; j < nv; ++j)
            sum[j] = _mm512_add_pd(_mm512_mul_pd(sum[j], r[j]), _mm512_set1_pd(ENG_EXP_COEFF[i]));
    for (int j = 0; j < nv; ++j) {
        const __m512d two_k = _mm512_castsi512_pd(
            _mm512_slli_epi64(_mm512_castpd_si512(_mm512_add_pd(kd[j], _mm512_set1_pd(ENG_EXP_POW2_BIAS))), 52));
        const __m512d y = _mm512_mul_pd(sum[j], two_k);
        const __mmask8 ok = _mm512_cmp_pd_mask(kd[j], _mm512_set1_pd(-ENG_EXP_K_SPLIT), _CMP_GE_OQ) &
                            _mm512_cmp_pd_mask(kd[j], _mm512_set1_pd(ENG_EXP_K_SPLIT), _CMP_LE_OQ);
        v[j] = __builtin_expect(ok == 0xff, 1) ? y : exp_fixup(v[j], y, ok);
    }
}

/* eng_expf on nf (<= EXP_BATCH / 2) vectors of sixteen floats, in place. */
static inline __attribute__((always_inline)) void expf_ps(__m512 *f, const int nf)
{
    __m512d d[EXP_BATCH];
    for (int j = 0; j < nf; ++j) {
        d[2 * j] = _mm512_cvtps_pd(_mm512_castps512_ps256(f[j]));
        d[2 * j + 1] = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(f[j]), 1)));
    }
    exp_pd(d, 2 * nf);
    for (int j = 0; j < nf; ++j) {
        const __m512d lo = _mm512_castps_pd(_mm512_castps256_ps512(_mm512_cvtpd_ps(d[2 * j])));
        f[j] = _mm512_castpd_ps(_mm512_insertf64x4(lo, _mm256_castps_pd(_mm512_cvtpd_ps(d[2 * j + 1])), 1));
    }
}

static inline __mmask16 tail_mask(size_t left) { return (__mmask16)((1u << left) - 1u); }

static inline __m512 negate(__m512 v)
{
    return _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(v), _mm512_set1_epi32(INT32_MIN)));
}

static inline __attribute__((always_inline)) __m512 silu_mul16(__m512 v, __m512 e, __m512 v2)
{
    const __m512 one = _mm512_set1_ps(1.0f);
    return _mm512_mul_ps(_mm512_mul_ps(v, _mm512_div_ps(one, _mm512_add_ps(one, e))), v2);
}

void llmbm_silu_mul_f32_avx512(float *hb, const float *hb2, size_t n)
{
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        const __m512 v0 = _mm512_loadu_ps(hb + i), v1 = _mm512_loadu_ps(hb + i + 16);
        __m512 e[2] = {negate(v0), negate(v1)};
        expf_ps(e, 2);
        _mm512_storeu_ps(hb + i, silu_mul16(v0, e[0], _mm512_loadu_ps(hb2 + i)));
        _mm512_storeu_ps(hb + i + 16, silu_mul16(v1, e[1], _mm512_loadu_ps(hb2 + i + 16)));
    }
    for (; i < n; i += 16) {
        const __mmask16 k = n - i >= 16 ? (__mmask16)0xffff : tail_mask(n - i);
        const __m512 v = _mm512_maskz_loadu_ps(k, hb + i);
        __m512 e = negate(v);
        expf_ps(&e, 1);
        _mm512_mask_storeu_ps(hb + i, k, silu_mul16(v, e, _mm512_maskz_loadu_ps(k, hb2 + i)));
    }
}

void llmbm_softmax_f32_avx512(float *x, size_t n)
{
    if (n == 0) return;
    float max_val = x[0];
    __m512 m = _mm512_set1_ps(max_val);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) m = _mm512_max_ps(_mm512_loadu_ps(x + i), m); /* x > m ? x : m, per lane */
    if (i < n) m = _mm512_mask_max_ps(m, tail_mask(n - i), _mm512_maskz_loadu_ps(tail_mask(n - i), x + i), m);
    float lanes[16];
    _mm512_storeu_ps(lanes, m);
    for (int l = 0; l < 16; ++l)
        if (lanes[l] > max_val) max_val = lanes[l];
    const __m512 vmax = _mm512_set1_ps(max_val);
    float sum = 0.0f; /* run.c's sequential sum, each block added after its exps */
    for (i = 0; i + 32 <= n; i += 32) {
        __m512 e[2] = {_mm512_sub_ps(_mm512_loadu_ps(x + i), vmax), _mm512_sub_ps(_mm512_loadu_ps(x + i + 16), vmax)};
        expf_ps(e, 2);
        _mm512_storeu_ps(x + i, e[0]);
        _mm512_storeu_ps(x + i + 16, e[1]);
        for (size_t j = i; j < i + 32; ++j) sum += x[j];
    }
    for (; i < n; i += 16) {
        const size_t len = n - i >= 16 ? 16 : n - i;
        const __mmask16 k = tail_mask(len);
        /* lanes past the end get max - max: no scalar redo for them */
        __m512 e = _mm512_sub_ps(_mm512_mask_loadu_ps(vmax, k, x + i), vmax);
        expf_ps(&e, 1);
        _mm512_mask_storeu_ps(x + i, k, e);
        for (size_t j = i; j < i + len; ++j) sum += x[j];
    }
    const __m512 vsum = _mm512_set1_ps(sum);
    for (i = 0; i + 16 <= n; i += 16) _mm512_storeu_ps(x + i, _mm512_div_ps(_mm512_loadu_ps(x + i), vsum));
    if (i < n) {
        const __mmask16 k = tail_mask(n - i);
        _mm512_mask_storeu_ps(x + i, k, _mm512_maskz_div_ps(k, _mm512_maskz_loadu_ps(k, x + i), vsum));
    }
}

void llmbm_rms_scale_f32_avx512(float *o, const float *x, const float *weight, float scale, size_t n)
{
    const __m512 s = _mm512_set1_ps(scale);
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(o + i, _mm512_mul_ps(_mm512_loadu_ps(weight + i), _mm512_mul_ps(s, _mm512_loadu_ps(x + i))));
    if (i < n) {
        const __mmask16 k = tail_mask(n - i);
        const __m512 sx = _mm512_mul_ps(s, _mm512_maskz_loadu_ps(k, x + i));
        const __m512 p = _mm512_mul_ps(_mm512_maskz_loadu_ps(k, weight + i), sx);
        _mm512_mask_storeu_ps(o + i, k, p);
    }
}

void llmbm_exp_f64_avx512(double *y, const double *x, size_t n)
{
    size_t i = 0;
    for (; i + 8 * EXP_BATCH <= n; i += 8 * EXP_BATCH) {
        __m512d v[EXP_BATCH];
        for (int j = 0; j < EXP_BATCH; ++j) v[j] = _mm512_loadu_pd(x + i + 8 * j);
        exp_pd(v, EXP_BATCH);
        for (int j = 0; j < EXP_BATCH; ++j) _mm512_storeu_pd(y + i + 8 * j, v[j]);
    }
    for (; i < n; i += 8) {
        const __mmask8 k = n - i >= 8 ? (__mmask8)0xff : (__mmask8)((1u << (n - i)) - 1u);
        __m512d v = _mm512_maskz_loadu_pd(k, x + i);
        exp_pd(&v, 1);
        _mm512_mask_storeu_pd(y + i, k, v);
    }
}
