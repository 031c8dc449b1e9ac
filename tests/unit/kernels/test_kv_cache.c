/* The KV-cache kernels of the F16 and Q8_0 slots (kernels/x86_64/
 * attention_kv_*.c) and kv_store, at every ISA level this CPU runs:
 * - kv_store: every level writes the scalar level's bytes (f16 on random
 *   values, ties, overflow, subnormal results, infinities, NaNs; q8_0 on
 *   random rows, exact .5 ties and all-zero blocks; f32 is a copy);
 * - the scalar scores and weighted sums are, bit for bit, the f32 kernels
 *   run on the dequantized cache (kernel_types.h's definition), and within
 *   the stated bound of a double-precision sum over the ORIGINAL f32 values
 *   (the bound: the cache type's rounding, |x - stored| <= 2^-11 |x| for
 *   f16, <= amax/254 of its block for q8_0, plus n * 2^-23 of the float sum);
 * - every level's scores and sums equal scalar's bit for bit, over head
 *   sizes with tails, timestep counts past the stack buffer's groups, and a
 *   cache stride wider than a head. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kernel_check.h"
#include "kernels_api.h"

static float uniform(void) /* [-1, 1) */ { return (float)((double)(rng() >> 11) * 0x1p-52 - 1.0); }

static float gauss(void)
{
    float s = 0;
    for (int i = 0; i < 12; ++i) s += uniform();
    return s * 0.5f;
}

enum { MAX_T = 301, MAX_HS = 256, PAD = 64, STRIDE = 2 * MAX_HS + PAD };

static float keys[MAX_T * STRIDE], vals[MAX_T * STRIDE], q[MAX_HS];
static float deq_k[MAX_T * STRIDE], deq_v[MAX_T * STRIDE];
static uint8_t cache_k[MAX_T * STRIDE * 2], cache_v[MAX_T * STRIDE * 2];

/* ---- kv_store ----------------------------------------------------------- */

static float bits_f(uint32_t u)
{
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static void test_store(const llmbm_kernel_table *k, const llmbm_kernel_table *ref)
{
    enum { N = 4096 + 7 };
    static float x[N];
    static uint8_t got[N * 4], want[N * 4];
    /* f16: random magnitudes over the whole half range and beyond, then edges */
    for (size_t i = 0; i < N; ++i) x[i] = gauss() * ldexpf(1.0f, (int)(rng() % 48) - 30);
    static const uint32_t edges[] = {0x00000000u, 0x80000000u, 0x7f800000u, 0xff800000u, 0x7fc00000u, 0xffc00001u,
                                     0x7f800001u, 0x7fbfffffu, 0x477fe000u, 0x477ff000u, 0x477fefffu, 0x47800000u,
                                     0x33000000u, 0x33000001u, 0x337fffffu, 0x387fc000u, 0x38800000u, 0x387fe000u,
                                     0x00000001u, 0x3f800fffu, 0x3f801000u, 0x3f803000u, 0xc77ff000u, 0x3380000fu};
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; ++i) x[11 + 37 * i] = bits_f(edges[i]);
    for (size_t n = 1; n <= N; n = n < 40 ? n + 1 : n * 3 + 1) {
        memset(got, 0xa5, sizeof got);
        memset(want, 0xa5, sizeof want);
        llmbm_kernel_kv_store(k, LLMBM_F16)(x, got, n);
        llmbm_kernel_kv_store(ref, LLMBM_F16)(x, want, n);
        CHECK(memcmp(got, want, sizeof got) == 0, "%s: kv_store f16 n %zu differs from scalar", k->name, n);
    }
    llmbm_kernel_kv_store(k, LLMBM_F32)(x, got, N);
    CHECK(memcmp(got, x, N * 4) == 0, "%s: kv_store f32 is not a copy", k->name);
    /* q8_0: random rows, an all-zero block, exact .5 ties against amax 127 */
    for (size_t i = 0; i < N; ++i) x[i] = gauss() * ldexpf(1.0f, (int)(rng() % 16) - 8);
    memset(x + 64, 0, 32 * sizeof(float));
    for (size_t i = 128; i < 160; ++i) x[i] = (float)((int)(rng() % 254) - 127) + 0.5f;
    x[128] = 127.0f;
    const size_t nq = N / 32 * 32;
    llmbm_kernel_kv_store(k, LLMBM_Q8_0)(x, got, nq);
    llmbm_kernel_kv_store(ref, LLMBM_Q8_0)(x, want, nq);
    CHECK(memcmp(got, want, llmbm_row_bytes(LLMBM_Q8_0, nq)) == 0, "%s: kv_store q8_0 differs from scalar", k->name);
    /* and it is the activation quantizer's bytes (ggml's reference) */
    llmbm_kernel_quantize_row(ref, LLMBM_Q8_0)(x, want, nq);
    CHECK(memcmp(got, want, llmbm_row_bytes(LLMBM_Q8_0, nq)) == 0, "%s: kv_store q8_0 is not quantize_row q8_0",
          k->name);
}

/* ---- the cache ---------------------------------------------------------- */

/* the cache of `type` from keys/vals (rows of STRIDE floats) and its dequantized copy */
static void fill_cache(const llmbm_kernel_table *ref, llmbm_type type)
{
    const size_t row_bytes = llmbm_row_bytes(type, STRIDE);
    for (size_t t = 0; t < MAX_T; ++t) {
        llmbm_kernel_kv_store(ref, type)(keys + t * STRIDE, cache_k + t * row_bytes, STRIDE);
        llmbm_kernel_kv_store(ref, type)(vals + t * STRIDE, cache_v + t * row_bytes, STRIDE);
        llmbm_kernel_dequantize_row(ref, type)(cache_k + t * row_bytes, deq_k + t * STRIDE, STRIDE);
        llmbm_kernel_dequantize_row(ref, type)(cache_v + t * row_bytes, deq_v + t * STRIDE, STRIDE);
    }
}

/* |stored - original| bound of element i of a cache row (orig_row: its f32 values) */
static double store_error(llmbm_type type, const float *orig_row, size_t i)
{
    if (type == LLMBM_F16) return fabs((double)orig_row[i]) * 0x1p-11 + 0x1p-25; /* + half a subnormal step */
    double amax = 0;
    const size_t b = i / 32 * 32;
    for (size_t j = b; j < b + 32; ++j) amax = fmax(amax, fabs((double)orig_row[j]));
    return amax / 254.0 * (1 + 0x1p-10) + amax * 0x1p-22; /* the fp16 scale's rounding too */
}

static void test_scalar_semantics(const llmbm_kernel_table *ref, llmbm_type type)
{
    static const size_t head_sizes[] = {32, 64, 128, 256};
    const llmbm_attn_scores_fn scores = llmbm_kernel_attn_scores(ref, type);
    const llmbm_attn_accum_fn accum = llmbm_kernel_attn_accum(ref, type);
    const llmbm_attn_scores_fn scores32 = llmbm_kernel_attn_scores(ref, LLMBM_F32);
    const llmbm_attn_accum_fn accum32 = llmbm_kernel_attn_accum(ref, LLMBM_F32);
    static float att[MAX_T], att32[MAX_T], w[MAX_T], out[MAX_HS], out32[MAX_HS];
    double worst_s = 0, worst_a = 0;
    for (size_t hi = 0; hi < sizeof head_sizes / sizeof head_sizes[0]; ++hi) {
        const size_t hs = head_sizes[hi], head = hs; /* the second head of each row */
        const size_t off_bytes = llmbm_row_bytes(type, head);
        for (size_t i = 0; i < hs; ++i) q[i] = gauss();
        const float scale = sqrtf((float)hs);
        const size_t n_t = MAX_T;
        scores(att, q, cache_k + off_bytes, STRIDE, hs, n_t, scale);
        scores32(att32, q, deq_k + head, STRIDE, hs, n_t, scale);
        CHECK(memcmp(att, att32, n_t * 4) == 0,
              "scalar %s scores hs %zu are not the f32 scores of the dequantized "
              "cache",
              llmbm_type_traits_of(type)->name, hs);
        for (size_t t = 0; t < n_t; ++t) {
            const float *kt = keys + t * STRIDE + head;
            double exact = 0, mag = 0, bound = 0;
            for (size_t i = 0; i < hs; ++i) {
                exact += (double)q[i] * kt[i];
                mag += fabs((double)q[i] * kt[i]);
                bound += fabs((double)q[i]) * store_error(type, keys + t * STRIDE, head + i);
            }
            const double tol = (bound + (double)hs * 0x1p-23 * (mag + bound)) / scale;
            const double err = fabs((double)att[t] - exact / scale);
            worst_s = fmax(worst_s, err / tol);
            CHECK(err <= tol, "scalar %s score hs %zu t %zu: %.9g vs exact %.9g (bound %.3g)",
                  llmbm_type_traits_of(type)->name, hs, t, (double)att[t], exact / scale, tol);
        }
        for (size_t t = 0; t < n_t; ++t) w[t] = (uniform() + 1.0f) * 0.5f / (float)n_t * 2.0f;
        accum(out, w, cache_v + off_bytes, STRIDE, hs, n_t);
        accum32(out32, w, deq_v + head, STRIDE, hs, n_t);
        CHECK(memcmp(out, out32, hs * 4) == 0,
              "scalar %s weighted sum hs %zu is not the f32 one of the dequantized "
              "cache",
              llmbm_type_traits_of(type)->name, hs);
        for (size_t i = 0; i < hs; ++i) {
            double exact = 0, mag = 0, bound = 0;
            for (size_t t = 0; t < n_t; ++t) {
                const float vt = vals[t * STRIDE + head + i];
                exact += (double)w[t] * vt;
                mag += fabs((double)w[t] * vt);
                bound += (double)w[t] * store_error(type, vals + t * STRIDE, head + i);
            }
            const double tol = bound + (double)n_t * 0x1p-23 * (mag + bound);
            const double err = fabs((double)out[i] - exact);
            worst_a = fmax(worst_a, err / tol);
            CHECK(err <= tol, "scalar %s weighted sum hs %zu i %zu: %.9g vs exact %.9g (bound %.3g)",
                  llmbm_type_traits_of(type)->name, hs, i, (double)out[i], exact, tol);
        }
    }
    printf("scalar %s: worst error / bound: scores %.3f, weighted sums %.3f\n", llmbm_type_traits_of(type)->name,
           worst_s, worst_a);
}

static void test_level_vs_scalar(const llmbm_kernel_table *k, const llmbm_kernel_table *ref, llmbm_type type)
{
    static const size_t f16_sizes[] = {1, 3, 7, 8, 15, 16, 17, 31, 32, 33, 48, 63, 64, 65, 80, 97, 128, 131, 256};
    static const size_t q8_sizes[] = {32, 64, 96, 128, 160, 256};
    const size_t *sizes = type == LLMBM_F16 ? f16_sizes : q8_sizes;
    const size_t n_sizes =
        type == LLMBM_F16 ? sizeof f16_sizes / sizeof f16_sizes[0] : sizeof q8_sizes / sizeof q8_sizes[0];
    const llmbm_attn_scores_fn scores = llmbm_kernel_attn_scores(k, type),
                               scores_ref = llmbm_kernel_attn_scores(ref, type);
    const llmbm_attn_accum_fn accum = llmbm_kernel_attn_accum(k, type), accum_ref = llmbm_kernel_attn_accum(ref, type);
    CHECK(scores && accum && scores_ref && accum_ref, "%s: %s attention kernels missing", k->name,
          llmbm_type_traits_of(type)->name);
    if (!scores || !accum || !scores_ref || !accum_ref) return;
    static float att[MAX_T + 1], att_ref[MAX_T], w[MAX_T], out[MAX_HS + 1], out_ref[MAX_HS];
    for (size_t si = 0; si < n_sizes; ++si) {
        const size_t hs = sizes[si];
        /* f16 heads start anywhere in the row; q8_0 heads on a block */
        const size_t head = type == LLMBM_F16 ? 3 : 32;
        const size_t off_bytes = type == LLMBM_F16 ? head * 2 : llmbm_row_bytes(type, head);
        for (size_t i = 0; i < hs; ++i) q[i] = gauss() * ldexpf(1.0f, (int)(rng() % 16) - 8);
        const float scale = sqrtf((float)hs);
        for (size_t n_t = 1; n_t <= MAX_T; n_t += n_t < 20 ? 1 : 47) {
            att[n_t] = out[hs] = 12345.0f;
            scores(att, q, cache_k + off_bytes, STRIDE, hs, n_t, scale);
            scores_ref(att_ref, q, cache_k + off_bytes, STRIDE, hs, n_t, scale);
            CHECK(memcmp(att, att_ref, n_t * 4) == 0 && att[n_t] == 12345.0f,
                  "%s: %s attn_scores head_size %zu n_t %zu differs from scalar", k->name,
                  llmbm_type_traits_of(type)->name, hs, n_t);
            for (size_t t = 0; t < n_t; ++t) w[t] = (uniform() + 1.0f) * 0.5f;
            accum(out, w, cache_v + off_bytes, STRIDE, hs, n_t);
            accum_ref(out_ref, w, cache_v + off_bytes, STRIDE, hs, n_t);
            CHECK(memcmp(out, out_ref, hs * 4) == 0 && out[hs] == 12345.0f,
                  "%s: %s attn_accum head_size %zu n_t %zu differs from scalar", k->name,
                  llmbm_type_traits_of(type)->name, hs, n_t);
        }
    }
}

int main(void)
{
    llmbm_cpu_features cpu;
    llmbm_cpu_features_detect(&cpu);
    const llmbm_kernel_table *scalar = llmbm_kernels_select(LLMBM_ISA_SCALAR);
    /* values over many binades, as real keys and values are not */
    for (size_t i = 0; i < MAX_T * STRIDE; ++i) {
        keys[i] = gauss() * ldexpf(1.0f, (int)(rng() % 12) - 6);
        vals[i] = gauss() * ldexpf(1.0f, (int)(rng() % 12) - 6);
    }
    static const llmbm_type types[] = {LLMBM_F16, LLMBM_Q8_0};
    for (size_t ti = 0; ti < 2; ++ti) {
        fill_cache(scalar, types[ti]);
        test_scalar_semantics(scalar, types[ti]);
        for (int l = 0; l < LLMBM_ISA_COUNT; ++l) {
            const llmbm_kernel_table *k = llmbm_kernels_select((llmbm_isa_level)l);
            if (!llmbm_isa_level_supported((llmbm_isa_level)l, &cpu)) {
                printf("level %s: skipped, this CPU or its enabled XCR0 state lacks it\n", k->name);
                continue;
            }
            const int before = failures;
            if (ti == 0) test_store(k, scalar);
            test_level_vs_scalar(k, scalar, types[ti]);
            printf("level %s, %s cache: %s\n", k->name, llmbm_type_traits_of(types[ti])->name,
                   failures == before ? "ok" : "FAILED");
        }
    }
    if (failures) fprintf(stderr, "%d failures\n", failures);
    return failures ? 1 : 0;
}
