/* The element-wise kernels (silu_mul, softmax, rms_scale; kernels/x86_64/
 * eltwise_*.c) and the vector exp under them, at every ISA level this CPU
 * runs, against the scalar level bit for bit:
 * - each level's vector exp against the engine's eng_exp (eng_math.c) on
 *   1e6 random doubles in [-750, 750], random bit patterns and the edges of
 *   its plain path (NaN, +-inf, +-0, overflow, underflow, subnormal results);
 * - the scalar level against the loops ops.c had before they became kernels;
 * - every op at every level on random data, odd lengths and edge values.
 * "Bit for bit" allows one thing: when both sides are NaN the sign and
 * payload may differ, since x86 returns the first operand's NaN when both
 * operands of a multiply are NaN and the compiler may commute them
 * differently in two copies of the same C. Every other value must have the
 * same bits (a reordered sum or a fused multiply-add fails this). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "eng_math.h"
#include "kernel_check.h"
#include "kernels_api.h"
#include "kernels_eltwise.h"

static double uniform(double lo, double hi) { return lo + (hi - lo) * ((double)(rng() >> 11) * 0x1p-53); }

static float gauss(void)
{
    double s = 0;
    for (int i = 0; i < 12; ++i) s += uniform(-1.0, 1.0);
    return (float)(s * 0.5);
}

static int same_f32(float a, float b) { return memcmp(&a, &b, 4) == 0 || (isnan(a) && isnan(b)); }

/* index of the first element that differs, or -1 */
static long first_diff(const float *a, const float *b, size_t n)
{
    for (size_t i = 0; i < n; ++i)
        if (!same_f32(a[i], b[i])) return (long)i;
    return -1;
}

/* ---- the vector exp -------------------------------------------------- */

typedef void exp_f64_fn(double *y, const double *x, size_t n);

static const struct {
    llmbm_isa_level level;
    exp_f64_fn *fn;
} exp_levels[] = {
    {LLMBM_ISA_SCALAR, llmbm_exp_f64_scalar},
    {LLMBM_ISA_SSE2, llmbm_exp_f64_sse2},
    {LLMBM_ISA_AVX2, llmbm_exp_f64_avx2},
    {LLMBM_ISA_AVX512, llmbm_exp_f64_avx512},
};

enum { EXP_N = 1 << 16 };

static void check_exp_block(const char *name, exp_f64_fn *fn, const double *x, size_t n)
{
    static double y[EXP_N];
    fn(y, x, n);
    for (size_t i = 0; i < n; ++i) {
        const double want = eng_exp(x[i]);
        /* eng_exp(NaN) returns its argument, so NaN bits are exact here too */
        CHECK(memcmp(&y[i], &want, 8) == 0, "%s exp(%a) = %a, eng_exp %a", name, x[i], y[i], want);
    }
}

static void test_exp(const llmbm_cpu_features *cpu)
{
    static double x[EXP_N];
    static const double edges[] = {
        NAN,
        -NAN,
        INFINITY,
        -INFINITY,
        0.0,
        -0.0,
        1e-300,
        -1e-300,
        5e-324,
        1.0,
        -1.0,
        0.5,
        -0.5,
        709.7,
        709.78,
        709.8,
        710.0,
        1e10,
        -745.1,
        -745.2,
        -745.3,
        -746.0,
        -1e10,
        -708.0,
        -708.3,
        -708.4,
        -708.5,
        -709.0,
        -710.0,
        -720.0,
        -740.0,
        -744.4,
        693.0,
        693.1,
        693.2,
        693.5,
        694.0,
        -693.0,
        -693.1,
        -693.2,
        -693.5,
        -694.0,
        -700.0,
        700.0,
        88.7,
        88.8,
        -87.3,
        -103.9,
        -104.0,
        0.34657359027997264,
        -0.34657359027997264,
        1e308,
        -1e308,
    };
    for (size_t l = 0; l < sizeof exp_levels / sizeof exp_levels[0]; ++l) {
        if (!llmbm_isa_level_supported(exp_levels[l].level, cpu)) continue;
        const char *name = llmbm_isa_level_name(exp_levels[l].level);
        const int before = failures;
        rng_state = 0x2545F4914F6CDD1Dull + l;
        /* edges at every lane position and odd lengths (tails) */
        const size_t ne = sizeof edges / sizeof edges[0];
        for (size_t shift = 0; shift < 9; ++shift) {
            for (size_t i = 0; i < ne + shift; ++i) x[i] = i < shift ? uniform(-5, 5) : edges[i - shift];
            check_exp_block(name, exp_levels[l].fn, x, ne + shift);
        }
        /* 1e6 random doubles in [-750, 750] */
        for (int round = 0; round < 16; ++round) {
            for (size_t i = 0; i < EXP_N; ++i) x[i] = uniform(-750.0, 750.0);
            check_exp_block(name, exp_levels[l].fn, x, EXP_N - (size_t)round);
        }
        /* around the plain path's ends (k = +-1000) and the subnormal range */
        for (size_t i = 0; i < EXP_N; ++i) {
            const double centers[] = {693.147, -693.147, -708.4, -745.13, 709.78};
            x[i] = centers[i % 5] + uniform(-0.5, 0.5);
        }
        check_exp_block(name, exp_levels[l].fn, x, EXP_N);
        /* random bit patterns: every exponent, NaN payloads, infinities */
        for (size_t i = 0; i < EXP_N; ++i) {
            uint64_t u = rng();
            memcpy(&x[i], &u, 8);
        }
        check_exp_block(name, exp_levels[l].fn, x, EXP_N);
        printf("exp %s: %s\n", name, failures == before ? "ok" : "FAILED");
    }
}

/* ---- the scalar level against ops.c's former loops ------------------- */

static void ref_silu_mul(float *hb, const float *hb2, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float val = hb[i];
        val *= (1.0f / (1.0f + eng_expf(-val)));
        val *= hb2[i];
        hb[i] = val;
    }
}

static void ref_softmax(float *x, size_t n)
{
    float max_val = x[0];
    for (size_t i = 1; i < n; i++)
        if (x[i] > max_val) max_val = x[i];
    float sum = 0.0f;
    for (size_t i = 0; i < n; i++) {
        x[i] = eng_expf(x[i] - max_val);
        sum += x[i];
    }
    for (size_t i = 0; i < n; i++) x[i] /= sum;
}

static void ref_rms_scale(float *o, const float *x, const float *weight, float ss, size_t n)
{
    for (size_t j = 0; j < n; j++) o[j] = weight[j] * (ss * x[j]);
}

/* ---- data ---------------------------------------------------------------- */

enum { MAXN = 6000, PAD = 4 };

static const float special[] = {
    -200.0f, -1e4f, 1e4f,   200.0f,  -88.7f, -89.0f,  -103.9f, -104.0f,  88.7f,    89.0f,     103.9f, 708.0f, -708.0f,
    0.0f,    -0.0f, 1e-45f, -1e-45f, 1e-38f, -1e-38f, 3.4e38f, -3.4e38f, INFINITY, -INFINITY, NAN,    1.0f,   -1.0f,
};

/* kind 0: gauss times 2^[-8, 8); 1: also specials; 2: huge spread */
static void fill(float *x, size_t n, int kind)
{
    for (size_t i = 0; i < n; ++i) {
        x[i] = gauss() * ldexpf(1.0f, (int)(rng() % 16) - 8);
        if (kind == 1 && rng() % 5 == 0) x[i] = special[rng() % (sizeof special / sizeof special[0])];
        if (kind == 2) x[i] = (float)uniform(-120.0, 120.0);
    }
}

static const size_t lengths[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65, 100, 1000, 5632};

/* Runs op at level k and at the reference (a kernel of another level or
 * ops.c's loop) on the same input; sentinels past n must survive. */
static void test_ops_vs(const llmbm_kernel_table *k, const char *ref_name, llmbm_silu_mul_fn silu_ref,
                        llmbm_softmax_fn softmax_ref, llmbm_rms_scale_fn rms_ref)
{
    static float a[MAXN + PAD], b[MAXN + PAD], h2[MAXN], w[MAXN], src[MAXN];
    const llmbm_silu_mul_fn silu = llmbm_kernel_silu_mul(k, LLMBM_F32);
    const llmbm_softmax_fn softmax = llmbm_kernel_softmax(k, LLMBM_F32);
    const llmbm_rms_scale_fn rms = llmbm_kernel_rms_scale(k, LLMBM_F32);
    CHECK(silu && softmax && rms, "%s: eltwise kernels missing", k->name);
    if (!silu || !softmax || !rms) return;
    for (size_t li = 0; li < sizeof lengths / sizeof lengths[0]; ++li) {
        const size_t n = lengths[li];
        for (int kind = 0; kind < 3; ++kind) {
            fill(src, n, kind);
            fill(h2, n, kind);
            fill(w, n, 0);
            for (int p = 0; p < PAD; ++p) a[n + p] = b[n + p] = 12345.0f;

            memcpy(a, src, n * 4);
            memcpy(b, src, n * 4);
            silu(a, h2, n);
            silu_ref(b, h2, n);
            long d = first_diff(a, b, n + PAD);
            CHECK(d < 0, "%s silu_mul n=%zu kind %d: [%ld] = %a, %s %a (x %a)", k->name, n, kind, d,
                  d < 0 ? 0.0 : (double)a[d], ref_name, d < 0 ? 0.0 : (double)b[d], d < 0 ? 0.0 : (double)src[d]);

            const float scale = (float)uniform(0.01, 10.0);
            rms(a, src, w, scale, n);
            rms_ref(b, src, w, scale, n);
            d = first_diff(a, b, n + PAD);
            CHECK(d < 0, "%s rms_scale n=%zu kind %d: [%ld] differs from %s", k->name, n, kind, d, ref_name);
            memcpy(a, src, n * 4); /* in place, as the final rmsnorm runs */
            rms(a, a, w, scale, n);
            d = first_diff(a, b, n + PAD);
            CHECK(d < 0, "%s rms_scale in place n=%zu kind %d: [%ld] differs from %s", k->name, n, kind, d, ref_name);

            if (n == 0 && !softmax_ref) continue; /* ops.c's loop read x[0] */
            for (int variant = 0; variant < 7; ++variant) {
                memcpy(a, src, n * 4);
                for (size_t i = 0; i < n; ++i) {
                    if (variant == 1) a[i] = 0.75f; /* all equal */
                    if (variant == 2 && i % 3 == 1) a[i] = -INFINITY;
                    if (variant == 3 && i == n / 2) a[i] = 1e30f; /* one huge value */
                    if (variant == 4) a[i] = a[i] * 64.0f;        /* exps underflow to 0 and subnormals */
                    if (variant == 5) a[i] = i == n - 1 ? 88.0f : -INFINITY;
                    if (variant == 6) a[i] = (float)uniform(-2.0, 2.0); /* a sum of many similar terms */
                }
                memcpy(b, a, n * 4);
                softmax(a, n);
                if (softmax_ref)
                    softmax_ref(b, n);
                else
                    ref_softmax(b, n);
                d = first_diff(a, b, n + PAD);
                CHECK(d < 0, "%s softmax n=%zu kind %d variant %d: [%ld] = %a, %s %a", k->name, n, kind, variant, d,
                      d < 0 ? 0.0 : (double)a[d], ref_name, d < 0 ? 0.0 : (double)b[d]);
            }
        }
    }
}

int main(void)
{
    llmbm_cpu_features cpu;
    llmbm_cpu_features_detect(&cpu);
    test_exp(&cpu);

    const llmbm_kernel_table *scalar = llmbm_kernels_select(LLMBM_ISA_SCALAR);
    int before = failures;
    test_ops_vs(scalar, "ops.c", ref_silu_mul, NULL, ref_rms_scale);
    printf("scalar level vs ops.c's loops: %s\n", failures == before ? "ok" : "FAILED");
    for (int l = 0; l < LLMBM_ISA_COUNT; ++l) {
        const llmbm_kernel_table *k = llmbm_kernels_select((llmbm_isa_level)l);
        if (!llmbm_isa_level_supported((llmbm_isa_level)l, &cpu)) {
            printf("level %s: skipped (CPU)\n", k->name);
            continue;
        }
        before = failures;
        test_ops_vs(k, "scalar", llmbm_kernel_silu_mul(scalar, LLMBM_F32), llmbm_kernel_softmax(scalar, LLMBM_F32),
                    llmbm_kernel_rms_scale(scalar, LLMBM_F32));
        printf("level %s: %s\n", k->name, failures == before ? "ok" : "FAILED");
    }
    if (failures) fprintf(stderr, "%d failures\n", failures);
    return failures ? 1 : 0;
}
