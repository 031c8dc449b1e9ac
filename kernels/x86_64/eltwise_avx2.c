/* The element-wise loops at the AVX2 level, bit-identical to
 * eltwise_scalar.c: eltwise_sse2.c's method (its comment says why each step
 * rounds like the scalar code) on four doubles / eight floats. The level is
 * compiled with -mfma but -ffp-contract=off, and every multiply and add here
 * is its own intrinsic, so nothing is fused. Tails run the scalar code. */
#include <immintrin.h>

#include "eng_exp.h"
#include "kernels_eltwise.h"

/* The lanes of y whose bit is clear in `ok` redone by the scalar exp. */
static __attribute__((noinline)) __m256d exp_fixup(__m256d x, __m256d y, int ok)
{
    double xs[4], ys[4];
    _mm256_storeu_pd(xs, x);
    _mm256_storeu_pd(ys, y);
    for (int l = 0; l < 4; ++l)
        if (!(ok >> l & 1)) ys[l] = eng_exp_inline(xs[l]);
    return _mm256_loadu_pd(ys);
}

/* eng_exp on nv (<= EXP_BATCH) vectors of four doubles, in place, the nv
 * Horner chains interleaved (see eltwise_sse2.c). */
#define EXP_BATCH 4
static inline __attribute__((always_inline)) void exp_pd(__m256d *v, const int nv)
{
    const __m256d rounder = _mm256_set1_pd(ENG_EXP_ROUNDER);
    __m256d kd[EXP_BATCH], r[EXP_BATCH], sum[EXP_BATCH];
    for (int j = 0; j < nv; ++j) {
        kd[j] = _mm256_sub_pd(_mm256_add_pd(_mm256_mul_pd(v[j], _mm256_set1_pd(ENG_EXP_INV_LN2)), rounder), rounder);
        r[j] = _mm256_sub_pd(_mm256_sub_pd(v[j], _mm256_mul_pd(kd[j], _mm256_set1_pd(ENG_EXP_LN2_HI))),
                             _mm256_mul_pd(kd[j], _mm256_set1_pd(ENG_EXP_LN2_LO)));
        sum[j] = _mm256_set1_pd(ENG_EXP_COEFF[16]);
    }
#pragma GCC unroll 16
    for (int i = 15; i >= 0; --i)
        for (int j = 0; j < nv; ++j)
            sum[j] = _mm256_add_pd(_mm256_mul_pd(sum[j], r[j]), _mm256_set1_pd(ENG_EXP_COEFF[i]));
    for (int j = 0; j < nv; ++j) {
        const __m256d two_k = _mm256_castsi256_pd(
            _mm256_slli_epi64(_mm256_castpd_si256(_mm256_add_pd(kd[j], _mm256_set1_pd(ENG_EXP_POW2_BIAS))), 52));
        const __m256d y = _mm256_mul_pd(sum[j], two_k);
        const __m256d lo = _mm256_cmp_pd(kd[j], _mm256_set1_pd(-ENG_EXP_K_SPLIT), _CMP_GE_OQ);
        const __m256d hi = _mm256_cmp_pd(kd[j], _mm256_set1_pd(ENG_EXP_K_SPLIT), _CMP_LE_OQ);
        const int ok = _mm256_movemask_pd(_mm256_and_pd(lo, hi));
        v[j] = __builtin_expect(ok == 15, 1) ? y : exp_fixup(v[j], y, ok);
    }
}

/* eng_expf on nf (<= EXP_BATCH / 2) vectors of eight floats, in place. */
static inline __attribute__((always_inline)) void expf_ps(__m256 *f, const int nf)
{
    __m256d d[EXP_BATCH];
    for (int j = 0; j < nf; ++j) {
        d[2 * j] = _mm256_cvtps_pd(_mm256_castps256_ps128(f[j]));
        d[2 * j + 1] = _mm256_cvtps_pd(_mm256_extractf128_ps(f[j], 1));
    }
    exp_pd(d, 2 * nf);
    for (int j = 0; j < nf; ++j)
        f[j] =
            _mm256_insertf128_ps(_mm256_castps128_ps256(_mm256_cvtpd_ps(d[2 * j])), _mm256_cvtpd_ps(d[2 * j + 1]), 1);
}

static inline __attribute__((always_inline)) __m256 silu_mul8(__m256 v, __m256 e, __m256 v2)
{
    const __m256 one = _mm256_set1_ps(1.0f);
    return _mm256_mul_ps(_mm256_mul_ps(v, _mm256_div_ps(one, _mm256_add_ps(one, e))), v2);
}

void llmbm_silu_mul_f32_avx2(float *hb, const float *hb2, size_t n)
{
    const __m256 sign = _mm256_set1_ps(-0.0f);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m256 v0 = _mm256_loadu_ps(hb + i), v1 = _mm256_loadu_ps(hb + i + 8);
        __m256 e[2] = {_mm256_xor_ps(v0, sign), _mm256_xor_ps(v1, sign)};
        expf_ps(e, 2);
        _mm256_storeu_ps(hb + i, silu_mul8(v0, e[0], _mm256_loadu_ps(hb2 + i)));
        _mm256_storeu_ps(hb + i + 8, silu_mul8(v1, e[1], _mm256_loadu_ps(hb2 + i + 8)));
    }
    for (; i + 8 <= n; i += 8) {
        const __m256 v = _mm256_loadu_ps(hb + i);
        __m256 e = _mm256_xor_ps(v, sign);
        expf_ps(&e, 1);
        _mm256_storeu_ps(hb + i, silu_mul8(v, e, _mm256_loadu_ps(hb2 + i)));
    }
    llmbm_silu_mul_f32_scalar(hb + i, hb2 + i, n - i);
}

void llmbm_softmax_f32_avx2(float *x, size_t n)
{
    if (n == 0) return;
    float max_val = x[0];
    size_t i = 0;
    if (n >= 8) {
        __m256 m = _mm256_set1_ps(max_val);
        for (; i + 8 <= n; i += 8) m = _mm256_max_ps(_mm256_loadu_ps(x + i), m); /* x > m ? x : m, per lane */
        float lanes[8];
        _mm256_storeu_ps(lanes, m);
        for (int l = 0; l < 8; ++l)
            if (lanes[l] > max_val) max_val = lanes[l];
    }
    for (; i < n; ++i)
        if (x[i] > max_val) max_val = x[i];
    const __m256 vmax = _mm256_set1_ps(max_val);
    float sum = 0.0f; /* run.c's sequential sum, each block added after its exps */
    for (i = 0; i + 16 <= n; i += 16) {
        __m256 e[2] = {_mm256_sub_ps(_mm256_loadu_ps(x + i), vmax), _mm256_sub_ps(_mm256_loadu_ps(x + i + 8), vmax)};
        expf_ps(e, 2);
        _mm256_storeu_ps(x + i, e[0]);
        _mm256_storeu_ps(x + i + 8, e[1]);
        for (size_t j = i; j < i + 16; ++j) sum += x[j];
    }
    for (; i + 8 <= n; i += 8) {
        __m256 e = _mm256_sub_ps(_mm256_loadu_ps(x + i), vmax);
        expf_ps(&e, 1);
        _mm256_storeu_ps(x + i, e);
        for (size_t j = i; j < i + 8; ++j) sum += x[j];
    }
    for (; i < n; ++i) {
        x[i] = eng_expf_inline(x[i] - max_val);
        sum += x[i];
    }
    const __m256 vsum = _mm256_set1_ps(sum);
    for (i = 0; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_div_ps(_mm256_loadu_ps(x + i), vsum));
    for (; i < n; ++i) x[i] /= sum;
}

void llmbm_rms_scale_f32_avx2(float *o, const float *x, const float *weight, float scale, size_t n)
{
    const __m256 s = _mm256_set1_ps(scale);
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(o + i, _mm256_mul_ps(_mm256_loadu_ps(weight + i), _mm256_mul_ps(s, _mm256_loadu_ps(x + i))));
    llmbm_rms_scale_f32_scalar(o + i, x + i, weight + i, scale, n - i);
}

void llmbm_exp_f64_avx2(double *y, const double *x, size_t n)
{
    size_t i = 0;
    for (; i + 4 * EXP_BATCH <= n; i += 4 * EXP_BATCH) {
        __m256d v[EXP_BATCH];
        for (int j = 0; j < EXP_BATCH; ++j) v[j] = _mm256_loadu_pd(x + i + 4 * j);
        exp_pd(v, EXP_BATCH);
        for (int j = 0; j < EXP_BATCH; ++j) _mm256_storeu_pd(y + i + 4 * j, v[j]);
    }
    for (; i + 4 <= n; i += 4) {
        __m256d v = _mm256_loadu_pd(x + i);
        exp_pd(&v, 1);
        _mm256_storeu_pd(y + i, v);
    }
    llmbm_exp_f64_scalar(y + i, x + i, n - i);
}
