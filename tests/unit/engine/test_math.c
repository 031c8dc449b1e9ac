/* The engine's libm replacements must agree with glibc bit for bit on the
 * values the forward pass feeds them: that is what keeps our text identical
 * to llama2.c's. Also checks the formatter the engine's messages use. */
#include <math.h>
#include <stdint.h>
#include <limits.h>
#include <string.h>

#include "check.h"
#include "eng_math.h"
#include "eng_util.h"

static uint32_t bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

/* xorshift for reproducible inputs */
static uint64_t rng = 88172645463325252ull;
static float uniform(float lo, float hi)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return lo + (hi - lo) * (float)((rng >> 40) / 16777216.0);
}

static int32_t ulp_distance(float a, float b)
{
    int32_t ia = (int32_t)bits(a), ib = (int32_t)bits(b);
    if (ia < 0) ia = INT32_MIN - ia;
    if (ib < 0) ib = INT32_MIN - ib;
    return ia > ib ? ia - ib : ib - ia;
}

/* glibc's float functions are not correctly rounded (expf: 0.502 ulp, and
 * the FMA ifunc variant differs from the plain one), ours are (double inside,
 * one rounding). So: never more than 1 ulp from libm's float function, and
 * bit-identical to libm's double function rounded once, which is correctly
 * rounded but for astronomically rare cases. Returns the number of failures
 * and reports how often libm's float function differs by one ulp. */
static int mismatches(const char *what, float (*ours)(float), float (*ref)(float), double (*ref_d)(double), float lo,
                      float hi, int n)
{
    int bad = 0, off_by_one = 0;
    for (int i = 0; i < n; i++) {
        float x = uniform(lo, hi);
        float a = ours(x), b = ref(x), c = (float)ref_d((double)x);
        if (isnan(a) && isnan(b)) continue;
        int32_t d = ulp_distance(a, b);
        off_by_one += d == 1;
        if (d > 1 || bits(a) != bits(c)) {
            if (bad < 5)
                fprintf(stderr, "%s(%.9g): ours %.9g, libm %.9g, (float) double libm %.9g\n", what, (double)x,
                        (double)a, (double)b, (double)c);
            bad++;
        }
    }
    printf("%s on [%g, %g]: %d of %d differ by 1 ulp from libm's float version\n", what, (double)lo, (double)hi,
           off_by_one, n);
    return bad;
}

static void test_transcendentals(void)
{
    CHECK(mismatches("expf", eng_expf, expf, exp, -100.0f, 88.0f, 200000) == 0);
    CHECK(mismatches("expf", eng_expf, expf, exp, -2.0f, 2.0f, 200000) == 0);
    CHECK(mismatches("logf", eng_logf, logf, log, 1e-30f, 1e30f, 100000) == 0);
    CHECK(mismatches("sinf", eng_sinf, sinf, sin, -3.0f, 3.0f, 100000) == 0);
    CHECK(mismatches("cosf", eng_cosf, cosf, cos, -3.0f, 3.0f, 100000) == 0);
    /* RoPE angles: pos * freq up to long contexts. */
    CHECK(mismatches("sinf", eng_sinf, sinf, sin, 0.0f, 20000.0f, 200000) == 0);
    CHECK(mismatches("cosf", eng_cosf, cosf, cos, 0.0f, 20000.0f, 200000) == 0);
    CHECK(eng_expf(-INFINITY) == 0.0f && isinf(eng_expf(100.0f)) && eng_expf(0.0f) == 1.0f);
    CHECK(bits(eng_expf(-100.0f)) == bits(expf(-100.0f))); /* subnormal result */
    /* The exact RoPE frequency expression for every head_size up to 256. */
    int bad = 0;
    for (int hs = 2; hs <= 256; hs += 2)
        for (int hd = 0; hd < hs; hd += 2) {
            float e = hd / (float)hs;
            if (ulp_distance(eng_powf(10000.0f, e), powf(10000.0f, e)) > 1) bad++;
            if (ulp_distance(eng_powf(500000.0f, e), powf(500000.0f, e)) > 1) bad++;
            if (bits(eng_powf(10000.0f, e)) != bits((float)pow(10000.0, e))) bad++;
        }
    CHECK_MSG(bad == 0, "%d powf mismatches", bad);
    CHECK(eng_powf(-2.0f, 3.0f) == -8.0f && eng_powf(2.0f, 0.0f) == 1.0f);
    for (float x = 0.0f; x < 1e6f; x = x * 1.7f + 0.37f) CHECK(bits(eng_sqrtf(x)) == bits(sqrtf(x)));
    CHECK(eng_round(2.5) == 3.0 && eng_round(-2.5) == -3.0 && eng_round(0.49999999999999994) == 0.0);
}

static void test_format(void)
{
    char buf[128];
    eng_snprintf(buf, sizeof buf, "%s=%d %u %x %5.2f|%-4s|%03d %lld %zu %c", "a", -12, 7u, 255u, 3.14159, "ab", 5,
                 -9000000000ll, (size_t)42, 'z');
    CHECK_MSG(!strcmp(buf, "a=-12 7 ff  3.14|ab  |005 -9000000000 42 z"), "got '%s'", buf);
    eng_snprintf(buf, sizeof buf, "%g %g %g %e %.1f", 10000.0, 1e-5, 0.5, 12345.678, 2.25);
    /* 2.25 is exact, a tie: rounded half to even, as the C library does */
    CHECK_MSG(!strcmp(buf, "10000 1e-05 0.5 1.234568e+04 2.2"), "got '%s'", buf);
    int n = eng_snprintf(buf, 5, "%s", "truncated");
    CHECK(n == 9 && !strcmp(buf, "trun"));
    llmbm_err err;
    CHECK(llmbm_fail(&err, "%s: bad %u", "f.bin", 3u) == -1 && !strcmp(err.msg, "f.bin: bad 3"));
}

int main(void)
{
    test_transcendentals();
    test_format();
    return CHECK_DONE();
}
