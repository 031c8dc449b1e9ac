/* eng_exp's algorithm in one place, for eng_math.c and for the SIMD kernels
 * (kernels/x86_64/eltwise_<level>.c), whose vector versions must return the
 * same bits for every input: they use these constants, this reduction, this
 * Horner order and this 2^k scaling, and call eng_exp_inline for the lanes
 * off the plain path. Header-only (static) so that the freestanding kernel
 * libraries, which may only reference llmbm_* symbols, need nothing from the
 * engine. */
#pragma once

#include <stdint.h>

/* x = k ln2 + r, |r| <= ln2/2; ln2 split so k*LN2_HI is exact. */
#define ENG_EXP_LN2_HI    6.93147180369123816490e-01
#define ENG_EXP_LN2_LO    1.90821492927058770002e-10
#define ENG_EXP_INV_LN2   1.44269504088896338700e+00
/* 1.5 * 2^52: adding and removing it rounds to the nearest integer (ties to
 * even); IEEE semantics (no -ffast-math) keep the compiler from folding it. */
#define ENG_EXP_ROUNDER   6755399441055744.0
/* Beyond |k| = 1000 a result near the float range's ends is scaled in two
 * steps (subnormal results keep their bits); within it one 2^k is exact. */
#define ENG_EXP_K_SPLIT   1000
/* 2^52 + 1023: kd + this (exact for |kd| <= 1000) holds k + 1023 in its low
 * mantissa bits, i.e. 2^k's exponent field once shifted left by 52. */
#define ENG_EXP_POW2_BIAS 4503599627371519.0

/* 1/i! for i = 0..16, the Taylor coefficients of exp around 0. */
static const double ENG_EXP_COEFF[17] = {
    1.0,
    1.0,
    0.5,
    1.66666666666666666667e-01,
    4.16666666666666666667e-02,
    8.33333333333333333333e-03,
    1.38888888888888888889e-03,
    1.98412698412698412698e-04,
    2.48015873015873015873e-05,
    2.75573192239858906526e-06,
    2.75573192239858906526e-07,
    2.50521083854417187751e-08,
    2.08767569878680989792e-09,
    1.60590438368216145994e-10,
    1.14707455977297247139e-11,
    7.64716373181981647590e-13,
    4.77947733238738529744e-14,
};

/* 2^k for k in [-1022, 1023]. */
static inline double eng_exp_pow2i(int k)
{
    uint64_t u = (uint64_t)(k + 1023) << 52;
    double x;
    __builtin_memcpy(&x, &u, sizeof x);
    return x;
}

/* exp runs hidden_dim times per layer per token (SiLU) and once per cached
 * position per head (softmax), so it is on the hot path: Horner's rule over
 * precomputed coefficients and no divisions. */
static inline double eng_exp_inline(double x)
{
    if (x != x) return x;
    if (x > 709.78) return __builtin_inf();
    if (x < -745.2) return 0.0;
    double kd = (x * ENG_EXP_INV_LN2 + ENG_EXP_ROUNDER) - ENG_EXP_ROUNDER;
    int k = (int)kd;
    double r = (x - kd * ENG_EXP_LN2_HI) - kd * ENG_EXP_LN2_LO;
    /* |r| < 0.35: 16 terms leave a truncation error < 1e-20, below double rounding. */
    double sum = ENG_EXP_COEFF[16];
    for (int i = 15; i >= 0; i--) sum = sum * r + ENG_EXP_COEFF[i];
    if (k < -ENG_EXP_K_SPLIT) return sum * eng_exp_pow2i(k + 200) * eng_exp_pow2i(-200);
    if (k > ENG_EXP_K_SPLIT) return sum * eng_exp_pow2i(k - 100) * eng_exp_pow2i(100);
    return sum * eng_exp_pow2i(k);
}

static inline float eng_expf_inline(float x) { return (float)eng_exp_inline((double)x); }
