#include "eng_math.h"

#include <stdbool.h>
#include <stdint.h>

#include "eng_exp.h"

static inline uint64_t bits_of(double x)
{
    uint64_t u;
    __builtin_memcpy(&u, &x, sizeof u);
    return u;
}

static inline double double_of(uint64_t u)
{
    double x;
    __builtin_memcpy(&x, &u, sizeof x);
    return x;
}

/* Inline asm rather than __builtin_sqrt: without -fno-math-errno the
 * builtin may emit a call to libm's sqrt, which does not exist in EFI. */
float eng_sqrtf(float x)
{
#if defined(__x86_64__)
    float r;
    __asm__("sqrtss %1, %0" : "=x"(r) : "x"(x));
    return r;
#else
    return __builtin_sqrtf(x);
#endif
}

double eng_sqrt(double x)
{
#if defined(__x86_64__)
    double r;
    __asm__("sqrtsd %1, %0" : "=x"(r) : "x"(x));
    return r;
#else
    return __builtin_sqrt(x);
#endif
}

float eng_fabsf(float x) { return x < 0 ? -x : (x == 0 ? 0.0f : x); }

double eng_round(double x)
{
    if (!(x > -4503599627370496.0 && x < 4503599627370496.0)) return x; /* big, inf, nan */
    double a = x < 0 ? -x : x;
    double t = (double)(int64_t)a; /* truncation */
    if (a - t >= 0.5) t += 1.0;
    return x < 0 ? -t : t;
}

/* The algorithm lives in eng_exp.h, shared with the SIMD kernels' vector
 * versions (which must return these exact bits). */
double eng_exp(double x) { return eng_exp_inline(x); }

double eng_log(double x)
{
    if (x != x || x < 0) return __builtin_nan("");
    if (x == 0) return -__builtin_inf();
    if (x > 1.7976931348623157e308) return x;
    int e = 0;
    if (x < 2.2250738585072014e-308) { /* subnormal: normalize first */
        x *= 18014398509481984.0;      /* 2^54 */
        e = -54;
    }
    uint64_t u = bits_of(x);
    e += (int)((u >> 52) & 0x7ff) - 1023;
    double m = double_of((u & 0x000fffffffffffffull) | 0x3ff0000000000000ull); /* [1,2) */
    if (m > 1.4142135623730951) {
        m *= 0.5;
        e++;
    }
    /* log(m) = 2 atanh(s), s = (m-1)/(m+1), |s| <= 0.1716 */
    double s = (m - 1.0) / (m + 1.0), s2 = s * s;
    double term = s, sum = 0.0;
    for (int i = 1; i <= 41; i += 2) {
        sum += term / i;
        term *= s2;
    }
    const double LN2_HI = 6.93147180369123816490e-01, LN2_LO = 1.90821492927058770002e-10;
    return e * LN2_HI + (2.0 * sum + e * LN2_LO);
}

float eng_expf(float x) { return eng_expf_inline(x); }

float eng_logf(float x) { return (float)eng_log((double)x); }

float eng_powf(float x, float y)
{
    if (y == 0.0f) return 1.0f;
    if (x == 1.0f) return 1.0f;
    if (x != x || y != y) return x + y;
    if (x > 0.0f) return (float)eng_exp((double)y * eng_log((double)x));
    if (x == 0.0f) return y > 0 ? 0.0f : __builtin_inff();
    /* Negative base: defined for integer exponents only. */
    double yi = eng_round((double)y);
    if (yi != (double)y) return __builtin_nanf("");
    double r = eng_exp((double)y * eng_log(-(double)x));
    /* Beyond 2^53 every double is an even integer. */
    bool odd = (yi < 9007199254740992.0 && yi > -9007199254740992.0) && ((int64_t)yi & 1);
    return (float)(odd ? -r : r);
}

/* sin/cos on |r| <= pi/4 (Taylor, 1e-19 relative). */
static double kernel_sin(double r)
{
    double r2 = r * r, term = r, sum = r;
    for (int i = 2; i <= 24; i += 2) {
        term *= -r2 / (double)(i * (i + 1));
        sum += term;
    }
    return sum;
}

static double kernel_cos(double r)
{
    double r2 = r * r, term = 1.0, sum = 1.0;
    for (int i = 1; i <= 23; i += 2) {
        term *= -r2 / (double)(i * (i + 1));
        sum += term;
    }
    return sum;
}

/* x = k*pi/2 + r with pi/2 split in three 33-bit parts (fdlibm's constants):
 * for |k| < 2^20 each k*PIO2_n is exact, so r keeps ~100 bits of pi/2 --
 * plenty for RoPE angles (position * frequency, up to ~1e6). Larger inputs
 * fall back to fmod-free best effort. */
static double reduce(double x, int *quadrant)
{
    const double PIO2_1 = 1.57079632673412561417e+00;
    const double PIO2_2 = 6.07710050630396597660e-11;
    const double PIO2_3 = 2.02226624871116645580e-21;
    const double PIO2_3T = 8.47842766036889956997e-32;
    const double INV_PIO2 = 6.36619772367581382433e-01;
    double kd = eng_round(x * INV_PIO2);
    double r = x - kd * PIO2_1;
    r -= kd * PIO2_2;
    r -= kd * PIO2_3;
    r -= kd * PIO2_3T;
    *quadrant = (int)((int64_t)kd & 3);
    return r;
}

static double sin_cos(double x, int want_cos)
{
    if (x != x || x > 1.7976931348623157e308 || x < -1.7976931348623157e308) return __builtin_nan("");
    if (x > 1e15 || x < -1e15) return 0.0; /* no meaningful phase left in a float */
    int q;
    double r = reduce(x, &q);
    q = (q + want_cos) & 3;
    switch (q) {
        case 0: return kernel_sin(r);
        case 1: return kernel_cos(r);
        case 2: return -kernel_sin(r);
        default: return -kernel_cos(r);
    }
}

float eng_sinf(float x) { return (float)sin_cos((double)x, 0); }

float eng_cosf(float x) { return (float)sin_cos((double)x, 1); }

float eng_tanhf(float x)
{
    if (x != x) return x;
    if (x > 20.0f) return 1.0f; /* tanh rounds to +-1 in float well before this */
    if (x < -20.0f) return -1.0f;
    double t = eng_exp(2.0 * (double)x);
    return (float)((t - 1.0) / (t + 1.0));
}
