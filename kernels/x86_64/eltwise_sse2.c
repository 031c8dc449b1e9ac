/* The element-wise loops at the SSE2 level, bit-identical to
 * eltwise_scalar.c. Each lane does the scalar code's IEEE operations in its
 * order, so it rounds the same:
 *
 * exp: eng_exp in double lanes (exp_pd below): the same reduction
 * (x*INV_LN2 + ROUNDER) - ROUNDER, the same Horner order over the same
 * coefficients, the same 2^k multiply (2^k built from k's bits). Lanes off
 * the plain path (NaN, +-inf, |k| > 1000: overflow, underflow and subnormal
 * results) are redone by the scalar function. float -> double is exact and
 * cvtpd2ps rounds like the scalar (float) cast.
 *
 * silu_mul, rms_scale: independent per element; separate multiplies, adds
 * and divides (divps is correctly rounded like divss), never an FMA.
 *
 * softmax: the max is an exact selection (maxps(x, m) is `x > m ? x : m`,
 * the scalar loop's update, NaNs included), the exps and the final division
 * are per element, and the sum stays one sequential float sum over the
 * stored exps, in run.c's order. The max can differ from the scalar loop's
 * only in the sign of a zero, and that changes no exp: x - (+0) and x - (-0)
 * differ only when x is a zero, and exp(+0) = exp(-0) = 1. */
#include <emmintrin.h>

#include "eng_exp.h"
#include "kernels_eltwise.h"

/* The lanes of y whose bit is clear in `ok` redone by the scalar exp. */
static __attribute__((noinline)) __m128d exp_fixup(__m128d x, __m128d y, int ok)
{
    double xs[2], ys[2];
    _mm_storeu_pd(xs, x);
    _mm_storeu_pd(ys, y);
    for (int l = 0; l < 2; ++l)
        if (!(ok >> l & 1)) ys[l] = eng_exp_inline(xs[l]);
    return _mm_loadu_pd(ys);
}

/* eng_exp on nv (<= EXP_BATCH) vectors of two doubles, in place. The
 * Horner steps of the nv vectors are interleaved: each chain is 32 dependent
 * operations, and only several chains side by side keep the FP ports busy. */
#define EXP_BATCH 4
static inline __attribute__((always_inline)) void exp_pd(__m128d *v, const int nv)
{
    const __m128d rounder = _mm_set1_pd(ENG_EXP_ROUNDER);
    __m128d kd[EXP_BATCH], r[EXP_BATCH], sum[EXP_BATCH];
    for (int j = 0; j < nv; ++j) {
        kd[j] = _mm_sub_pd(_mm_add_pd(_mm_mul_pd(v[j], _mm_set1_pd(ENG_EXP_INV_LN2)), rounder), rounder);
        r[j] = _mm_sub_pd(_mm_sub_pd(v[j], _mm_mul_pd(kd[j], _mm_set1_pd(ENG_EXP_LN2_HI))),
                          _mm_mul_pd(kd[j], _mm_set1_pd(ENG_EXP_LN2_LO)));
        sum[j] = _mm_set1_pd(ENG_EXP_COEFF[16]);
    }
#pragma GCC unroll 16
    for (int i = 15; i >= 0; --i)
        for (int j = 0; j < nv; ++j) sum[j] = _mm_add_pd(_mm_mul_pd(sum[j], r[j]), _mm_set1_pd(ENG_EXP_COEFF[i]));
    for (int j = 0; j < nv; ++j) {
        const __m128i e = _mm_slli_epi64(_mm_castpd_si128(_mm_add_pd(kd[j], _mm_set1_pd(ENG_EXP_POW2_BIAS))), 52);
        const __m128d y = _mm_mul_pd(sum[j], _mm_castsi128_pd(e));
        /* ordered compares: false for NaN (and +-inf fails the range) */
        const int ok = _mm_movemask_pd(_mm_and_pd(_mm_cmpge_pd(kd[j], _mm_set1_pd(-ENG_EXP_K_SPLIT)),
                                                  _mm_cmple_pd(kd[j], _mm_set1_pd(ENG_EXP_K_SPLIT))));
        v[j] = __builtin_expect(ok == 3, 1) ? y : exp_fixup(v[j], y, ok);
    }
}

/* eng_expf on nf (<= EXP_BATCH / 2) vectors of four floats, in place. */
static inline __attribute__((always_inline)) void expf_ps(__m128 *f, const int nf)
{
    __m128d d[EXP_BATCH];
    for (int j = 0; j < nf; ++j) {
        d[2 * j] = _mm_cvtps_pd(f[j]);
        d[2 * j + 1] = _mm_cvtps_pd(_mm_movehl_ps(f[j], f[j]));
    }
    exp_pd(d, 2 * nf);
    for (int j = 0; j < nf; ++j) f[j] = _mm_movelh_ps(_mm_cvtpd_ps(d[2 * j]), _mm_cvtpd_ps(d[2 * j + 1]));
}

static inline __attribute__((always_inline)) __m128 silu_mul4(__m128 v, __m128 e, __m128 v2)
{
    const __m128 one = _mm_set1_ps(1.0f);
    return _mm_mul_ps(_mm_mul_ps(v, _mm_div_ps(one, _mm_add_ps(one, e))), v2);
}

void llmbm_silu_mul_f32_sse2(float *hb, const float *hb2, size_t n)
{
    const __m128 sign = _mm_set1_ps(-0.0f);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m128 v0 = _mm_loadu_ps(hb + i), v1 = _mm_loadu_ps(hb + i + 4);
        __m128 e[2] = {_mm_xor_ps(v0, sign), _mm_xor_ps(v1, sign)};
        expf_ps(e, 2);
        _mm_storeu_ps(hb + i, silu_mul4(v0, e[0], _mm_loadu_ps(hb2 + i)));
        _mm_storeu_ps(hb + i + 4, silu_mul4(v1, e[1], _mm_loadu_ps(hb2 + i + 4)));
    }
    for (; i + 4 <= n; i += 4) {
        const __m128 v = _mm_loadu_ps(hb + i);
        __m128 e = _mm_xor_ps(v, sign);
        expf_ps(&e, 1);
        _mm_storeu_ps(hb + i, silu_mul4(v, e, _mm_loadu_ps(hb2 + i)));
    }
    llmbm_silu_mul_f32_scalar(hb + i, hb2 + i, n - i);
}

void llmbm_softmax_f32_sse2(float *x, size_t n)
{
    if (n == 0) return;
    float max_val = x[0];
    size_t i = 0;
    if (n >= 4) {
        __m128 m = _mm_set1_ps(max_val);
        for (; i + 4 <= n; i += 4) m = _mm_max_ps(_mm_loadu_ps(x + i), m);
        float lanes[4];
        _mm_storeu_ps(lanes, m);
        for (int l = 0; l < 4; ++l)
            if (lanes[l] > max_val) max_val = lanes[l];
    }
    for (; i < n; ++i)
        if (x[i] > max_val) max_val = x[i];
    /* The sum is a chain of dependent adds (the bound of this function);
     * adding each block right after its exps lets the next block's exps run
     * under that chain. */
    const __m128 vmax = _mm_set1_ps(max_val);
    float sum = 0.0f;
    for (i = 0; i + 8 <= n; i += 8) {
        __m128 e[2] = {_mm_sub_ps(_mm_loadu_ps(x + i), vmax), _mm_sub_ps(_mm_loadu_ps(x + i + 4), vmax)};
        expf_ps(e, 2);
        _mm_storeu_ps(x + i, e[0]);
        _mm_storeu_ps(x + i + 4, e[1]);
        for (size_t j = i; j < i + 8; ++j) sum += x[j];
    }
    for (; i + 4 <= n; i += 4) {
        __m128 e = _mm_sub_ps(_mm_loadu_ps(x + i), vmax);
        expf_ps(&e, 1);
        _mm_storeu_ps(x + i, e);
        for (size_t j = i; j < i + 4; ++j) sum += x[j];
    }
    for (; i < n; ++i) {
        x[i] = eng_expf_inline(x[i] - max_val);
        sum += x[i];
    }
    const __m128 vsum = _mm_set1_ps(sum);
    for (i = 0; i + 4 <= n; i += 4) _mm_storeu_ps(x + i, _mm_div_ps(_mm_loadu_ps(x + i), vsum));
    for (; i < n; ++i) x[i] /= sum;
}

void llmbm_rms_scale_f32_sse2(float *o, const float *x, const float *weight, float scale, size_t n)
{
    const __m128 s = _mm_set1_ps(scale);
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        _mm_storeu_ps(o + i, _mm_mul_ps(_mm_loadu_ps(weight + i), _mm_mul_ps(s, _mm_loadu_ps(x + i))));
    llmbm_rms_scale_f32_scalar(o + i, x + i, weight + i, scale, n - i);
}

void llmbm_exp_f64_sse2(double *y, const double *x, size_t n)
{
    size_t i = 0;
    for (; i + 2 * EXP_BATCH <= n; i += 2 * EXP_BATCH) {
        __m128d v[EXP_BATCH];
        for (int j = 0; j < EXP_BATCH; ++j) v[j] = _mm_loadu_pd(x + i + 2 * j);
        exp_pd(v, EXP_BATCH);
        for (int j = 0; j < EXP_BATCH; ++j) _mm_storeu_pd(y + i + 2 * j, v[j]);
    }
    for (; i + 2 <= n; i += 2) {
        __m128d v = _mm_loadu_pd(x + i);
        exp_pd(&v, 1);
        _mm_storeu_pd(y + i, v);
    }
    llmbm_exp_f64_scalar(y + i, x + i, n - i);
}
